//! The actor runner: batches to every game, replies in completion order, checkpoints off the
//! stepping path, and supervised restarts from the last checkpoint.

use std::sync::Arc;
use std::time::{Duration, Instant};

use colony_life::Outcome;
use colony_store::{CheckpointSender, GameRecord, Snapshot as Stored, Store, TrialId};

use super::{Mode, Tally, TrialControl, TrialReport, TrialSpec};
use futures_util::StreamExt;

use crate::pending::completions;
use crate::update::GameUpdate;
use crate::wire::{Detail, GameId, GameSpec, Start, StepReply};
use crate::{Colony, ColonyError, GameHandle};

/// Where and how often an actor trial checkpoints its games.
#[derive(Clone)]
pub struct Checkpointing {
    /// The background writer's sender (writes never block the runner).
    pub sender: CheckpointSender,
    /// Checkpoint a game whenever it passes a multiple of this many generations.
    pub every: Option<u64>,
    /// Also checkpoint every game that moved on, at least this often.
    pub interval: Option<Duration>,
}

/// How a failed game's actor is restarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supervision {
    /// Restarts allowed per game before it is reported as failed for good.
    pub max_restarts: u32,
    /// Wait before the first restart; doubled for each further one.
    pub backoff: Duration,
}

impl Default for Supervision {
    fn default() -> Self {
        Supervision {
            max_restarts: 3,
            backoff: Duration::from_millis(20),
        }
    }
}

/// Everything optional about an actor run.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Pause, resume, kill, cancel.
    pub control: TrialControl,
    /// Checkpoints, if any.
    pub checkpoints: Option<Checkpointing>,
    /// Restart policy for failed games.
    pub supervision: Supervision,
    /// Per-game starting points (resuming from checkpoints); `None` starts every game afresh.
    pub starts: Option<Vec<Start>>,
}

/// Runs one actor per game: each batch goes to every actor, and replies are handled in the order
/// they complete (wait-for-any), as the tutorial's `run_ray_games` does.
pub async fn run_actors(colony: &Colony, spec: &TrialSpec) -> Result<TrialReport, ColonyError> {
    run_actors_with(colony, spec, &RunOptions::default()).await
}

/// [`run_actors`], steerable through `control`.
pub async fn run_actors_controlled(
    colony: &Colony,
    spec: &TrialSpec,
    control: &TrialControl,
) -> Result<TrialReport, ColonyError> {
    let options = RunOptions {
        control: control.clone(),
        ..RunOptions::default()
    };
    run_actors_with(colony, spec, &options).await
}

/// Records `spec` and every game's starting board in `store` as a new trial.
pub fn record_trial(store: &mut Store, spec: &TrialSpec) -> Result<TrialId, ColonyError> {
    spec.validate()?;
    let json = serde_json::to_string(spec).map_err(|e| ColonyError::Checkpoint(e.to_string()))?;
    let mut records = Vec::with_capacity(spec.games);
    let mut initial = Vec::with_capacity(spec.games);
    for i in 0..spec.games {
        let game_spec = spec.game(i);
        let game = game_spec.build()?;
        records.push(GameRecord {
            game: i as u32,
            seed: game_spec.seed(),
            rule: spec.rule,
            topology: spec.topology,
            width: spec.width,
            height: spec.height,
        });
        initial.push(Stored::new(
            i as u32,
            0,
            game.current().shared_board().clone(),
            game.outcome(),
        ));
    }
    store
        .create_trial(&json, spec.steps, &records, &initial)
        .map_err(|e| ColonyError::Checkpoint(e.to_string()))
}

/// One game's place in the run.
struct Slot {
    handle: Option<GameHandle>,
    generation: u64,
    checkpointed: u64,
    restarts: u32,
}

/// [`run_actors`] with checkpoints, supervision, resumption and control. Every game ends at
/// generation `spec.steps` (games resumed from different generations catch up in later rounds).
/// A failed game is restarted from its last checkpoint (or from its start, without checkpoints):
/// the engine is deterministic, so it ends exactly as if it had never failed.
pub async fn run_actors_with(
    colony: &Colony,
    spec: &TrialSpec,
    options: &RunOptions,
) -> Result<TrialReport, ColonyError> {
    spec.validate()?;
    let starts: Vec<GameSpec> = match &options.starts {
        None => (0..spec.games).map(|i| spec.game(i)).collect(),
        Some(starts) if starts.len() == spec.games => starts
            .iter()
            .map(|start| GameSpec {
                start: start.clone(),
                ..spec.game(0)
            })
            .collect(),
        Some(starts) => {
            return Err(ColonyError::Trial(format!(
                "{} starting points for {} games",
                starts.len(),
                spec.games
            )))
        }
    };
    let spawns = starts
        .iter()
        .enumerate()
        .map(|(i, s)| colony.spawn(GameId(i as u32), s.clone()));
    let handles = futures_util::future::try_join_all(spawns).await?;
    let control = &options.control;
    control.attach(&handles);
    let updates = colony.updates().clone();
    let mut tally = Tally::new(spec);
    let mut slots: Vec<Slot> = handles
        .into_iter()
        .zip(&starts)
        .map(|(handle, s)| {
            let generation = match &s.start {
                Start::Board { generation, .. } => *generation,
                Start::Soup { .. } => 0,
            };
            Slot {
                handle: Some(handle),
                generation,
                checkpointed: generation,
                restarts: 0,
            }
        })
        .collect();
    // Games resumed from a checkpoint report their stored state until they step (some may
    // already be at the target).
    for (i, s) in starts.iter().enumerate() {
        if let Start::Board {
            board,
            generation,
            outcome,
        } = &s.start
        {
            let result = &mut tally.results[i];
            result.generation = *generation;
            result.population = board.population();
            result.outcome = outcome.label().to_string();
            result.period = outcome.period();
            tally.boards[i] = Some(board.clone());
            tally.outcomes[i] = *outcome;
        }
    }
    let cpu0 = crate::machine::cpu_seconds();
    let started = Instant::now();
    let mut last_interval = Instant::now();
    loop {
        let active: Vec<usize> = (0..slots.len())
            .filter(|&i| slots[i].handle.is_some() && slots[i].generation < spec.steps)
            .collect();
        if active.is_empty() {
            break;
        }
        if !spec.pause.is_zero() {
            tokio::time::sleep(spec.pause).await;
        }
        control.wait_while_paused().await;
        if control.is_cancelled() {
            break;
        }
        let mut pending = Vec::with_capacity(active.len());
        for &i in &active {
            if let Some(handle) = &slots[i].handle {
                let n = spec.batch_size.min(spec.steps - slots[i].generation);
                pending.push(handle.step(n, Detail::Last));
            }
        }
        let mut failed = Vec::new();
        let mut finished = completions(pending);
        while let Some((game, result)) = finished.next().await {
            {
                let slot = &mut slots[game.0 as usize];
                match result {
                    Ok(reply) => {
                        if let Some(last) = reply.last() {
                            slot.generation = last.generation;
                        }
                        checkpoint_by_generation(options, spec, slot, &reply)?;
                        tally.record(reply, &updates);
                    }
                    Err(err) if control.was_killed(game) => {
                        tally.fail(game, &err, true);
                        slot.handle = None;
                    }
                    Err(err) => failed.push((game, err)),
                }
            }
        }
        if let Some(ck) = &options.checkpoints {
            if ck.interval.is_some_and(|t| last_interval.elapsed() >= t) {
                checkpoint_all(ck, &mut slots, &tally)?;
                last_interval = Instant::now();
            }
        }
        for (game, err) in failed {
            let i = game.0 as usize;
            match restart(colony, options, &starts[i], game, &mut slots[i], &err).await {
                Ok(generation) => {
                    tally.results[i].generation = generation;
                    tally.results[i].restarts = slots[i].restarts;
                }
                Err(final_err) => {
                    tracing::error!(%game, %final_err, "game failed for good");
                    tally.fail(game, &final_err, false);
                    tally.results[i].restarts = slots[i].restarts;
                    slots[i].handle = None;
                }
            }
        }
    }
    if let Some(ck) = &options.checkpoints {
        checkpoint_all(ck, &mut slots, &tally)?;
        let sender = ck.sender.clone();
        tokio::task::spawn_blocking(move || sender.flush())
            .await
            .map_err(|e| ColonyError::Checkpoint(e.to_string()))?
            .map_err(|e| ColonyError::Checkpoint(e.to_string()))?;
    }
    control.detach();
    let report = tally.report(Mode::Actors, spec, started, cpu0, colony.workers());
    updates.publish(GameUpdate::TrialFinished {
        seconds: report.seconds,
    });
    Ok(report)
}

fn stored(game: GameId, generation: u64, board: &Arc<colony_life::Board>, outcome: Outcome) -> Stored {
    Stored::new(game.0, generation, board.clone(), outcome)
}

/// Sends a game's new board to the writer when it passed a multiple of `every` (or finished).
fn checkpoint_by_generation(
    options: &RunOptions,
    spec: &TrialSpec,
    slot: &mut Slot,
    reply: &StepReply,
) -> Result<(), ColonyError> {
    let (Some(ck), Some(last), Some(board)) = (&options.checkpoints, reply.last(), reply.boards.last()) else {
        return Ok(());
    };
    let due = match ck.every {
        Some(every) => last.generation / every.max(1) > slot.checkpointed / every.max(1),
        None => false,
    };
    if due || last.generation >= spec.steps {
        ck.sender
            .send(stored(reply.game, last.generation, board, last.outcome))
            .map_err(|e| ColonyError::Checkpoint(e.to_string()))?;
        slot.checkpointed = last.generation;
    }
    Ok(())
}

/// Sends every game that moved on since its last checkpoint, as one batch (one transaction).
fn checkpoint_all(ck: &Checkpointing, slots: &mut [Slot], tally: &Tally) -> Result<(), ColonyError> {
    let mut batch = Vec::new();
    for (i, slot) in slots.iter_mut().enumerate() {
        let (Some(board), Some(result)) = (&tally.boards[i], tally.results.get(i)) else {
            continue;
        };
        if slot.handle.is_some() && result.generation > slot.checkpointed {
            batch.push(stored(GameId(i as u32), result.generation, board, tally.outcomes[i]));
            slot.checkpointed = result.generation;
        }
    }
    ck.sender
        .send_all(batch)
        .map_err(|e| ColonyError::Checkpoint(e.to_string()))
}

/// Restarts a failed game from its last checkpoint (or its start), with bounded retries and
/// exponential backoff. Returns the generation it resumed from.
async fn restart(
    colony: &Colony,
    options: &RunOptions,
    start: &GameSpec,
    game: GameId,
    slot: &mut Slot,
    err: &ColonyError,
) -> Result<u64, ColonyError> {
    loop {
        if slot.restarts >= options.supervision.max_restarts {
            return Err(ColonyError::Trial(format!(
                "{game} failed {} times; last: {err}",
                slot.restarts + 1
            )));
        }
        let backoff = options.supervision.backoff * 2u32.saturating_pow(slot.restarts);
        slot.restarts += 1;
        tokio::time::sleep(backoff).await;
        let spec = match &options.checkpoints {
            Some(ck) => {
                let sender = ck.sender.clone();
                let loaded = tokio::task::spawn_blocking(move || {
                    sender.flush()?;
                    sender.load_game(game.0)
                })
                .await
                .map_err(|e| ColonyError::Checkpoint(e.to_string()))?;
                match loaded {
                    Ok(snapshot) => GameSpec {
                        start: Start::Board {
                            board: snapshot.board.clone(),
                            generation: snapshot.generation,
                            outcome: snapshot.outcome,
                        },
                        ..start.clone()
                    },
                    Err(e) => {
                        tracing::warn!(%game, error = %e, "no checkpoint to restart from; starting over");
                        start.clone()
                    }
                }
            }
            None => start.clone(),
        };
        let generation = match &spec.start {
            Start::Board { generation, .. } => *generation,
            Start::Soup { .. } => 0,
        };
        match colony.spawn(game, spec).await {
            Ok(handle) => {
                tracing::warn!(%game, generation, attempt = slot.restarts, "restarted failed game from its checkpoint");
                options.control.attach(std::slice::from_ref(&handle));
                colony.updates().publish(GameUpdate::Restarted { game, generation });
                slot.handle = Some(handle);
                slot.generation = generation;
                slot.checkpointed = generation;
                return Ok(generation);
            }
            Err(e) => tracing::warn!(%game, error = %e, "restart failed; retrying"),
        }
    }
}
