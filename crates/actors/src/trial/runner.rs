//! The actor runner: batches to every game, replies in completion order, checkpoints handed to a
//! sink, and supervised restarts from the last checkpoint. Started by the trial supervisor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::{Mode, Tally, TrialControl, TrialReport, TrialSpec};
use crate::checkpoint::Checkpointing;
use crate::pending::completions;
use crate::placement::Placement;
use crate::update::GameUpdate;
use crate::wire::{Detail, GameId, GameSpec, Snapshot, Start, StepReply, Summary, TrialId};
use crate::{ColonyError, GameHandle};
use colony_life::World;

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

/// One game's place in the run.
struct Slot {
    handle: Option<GameHandle>,
    generation: u64,
    checkpointed: u64,
    restarts: u32,
    /// Its node is leaving but no other node took it: it stays, and is not offered again.
    stays: bool,
}

/// What the supervisor hands a runner: the spawned games and everything about the run.
pub(crate) struct Run {
    pub(crate) trial: TrialId,
    pub(crate) spec: Arc<TrialSpec>,
    pub(crate) placement: Arc<dyn Placement>,
    pub(crate) control: TrialControl,
    pub(crate) checkpoints: Option<Checkpointing>,
    pub(crate) supervision: Supervision,
    /// Each game's spec as spawned (restarts without a checkpoint start from it again).
    pub(crate) starts: Vec<GameSpec>,
    pub(crate) handles: Vec<GameHandle>,
    pub(crate) tally: Tally,
}

/// Detaches the control's handles however the run ends, so no actor outlives its trial.
struct Detach<'a>(&'a TrialControl);

impl Drop for Detach<'_> {
    fn drop(&mut self) {
        self.0.detach();
    }
}

/// Runs one actor per game: each batch goes to every actor, and replies are handled in the order
/// they complete (wait-for-any), as the tutorial's `run_ray_games` does. Every game ends at
/// generation `spec.steps` (games resumed from different generations catch up in later rounds).
/// A failed game is restarted from its last checkpoint (or from its start, without checkpoints):
/// the engine is deterministic, so it ends exactly as if it had never failed.
pub(crate) async fn run(run: Run) -> Result<TrialReport, ColonyError> {
    let Run {
        trial,
        spec,
        placement,
        control,
        checkpoints,
        supervision,
        starts,
        handles,
        mut tally,
    } = run;
    let _detach = Detach(&control);
    let updates = placement.updates().clone();
    let mut slots: Vec<Slot> = handles
        .into_iter()
        .zip(&starts)
        .map(|(handle, s)| {
            let generation = s.start.generation();
            Slot {
                handle: Some(handle),
                generation,
                checkpointed: generation,
                restarts: 0,
                stays: false,
            }
        })
        .collect();
    let cpu0 = crate::machine::cpu_seconds();
    let started = Instant::now();
    let mut last_interval = Instant::now();
    let mut pending = Vec::with_capacity(slots.len());
    let mut failed = Vec::new();
    let mut waiting: Vec<bool> = Vec::new();
    let mut moving = Vec::new();
    loop {
        if !slots.iter().any(|s| s.handle.is_some() && s.generation < spec.steps) {
            break;
        }
        if !spec.pause.is_zero() {
            tokio::time::sleep(spec.pause).await;
        }
        control.wait_while_paused().await;
        if control.is_cancelled() {
            break;
        }
        let mut timeout = None;
        for (i, slot) in slots.iter().enumerate() {
            if let Some(handle) = slot.handle.as_ref().filter(|_| slot.generation < spec.steps) {
                if !slot.stays && handle.moving().is_some() {
                    moving.push(GameId(i as u32));
                    continue;
                }
                let n = spec.batch_size.min(spec.steps - slot.generation);
                let (call, after) = handle.step(n, Detail::Last).untimed();
                timeout = timeout.or(after);
                pending.push(call);
            }
        }
        // One deadline for the round instead of a timer per call: at batch 1 the timers cost
        // more than the bookkeeping they guard.
        let deadline = timeout.map(|t| (tokio::time::Instant::now() + t, t));
        waiting.clear();
        waiting.resize(slots.len(), false);
        for call in &pending {
            if let Some(w) = waiting.get_mut(call.game().0 as usize) {
                *w = true;
            }
        }
        let mut finished = completions(std::mem::take(&mut pending));
        // One timer for the whole round, armed once (a timeout around each `next()` would
        // register and cancel a timer per reply).
        let timer = tokio::time::sleep_until(deadline.map_or_else(far_future, |(at, _)| at));
        tokio::pin!(timer);
        loop {
            let next = tokio::select! {
                biased;
                next = finished.next() => next,
                () = &mut timer => None,
            };
            let Some((game, result)) = next else { break };
            if let Some(w) = waiting.get_mut(game.0 as usize) {
                *w = false;
            }
            let Some(slot) = slots.get_mut(game.0 as usize) else {
                continue;
            };
            match result {
                Ok(reply) => {
                    if let Some(last) = reply.last() {
                        slot.generation = last.generation;
                    }
                    checkpoint_by_generation(checkpoints.as_ref(), &spec, game, slot, &reply)?;
                    tally.record(reply, &updates);
                }
                Err(err) if control.was_killed(game) => {
                    tally.fail(game, &err, true);
                    slot.handle = None;
                }
                Err(err) => failed.push((game, err)),
            }
        }
        // Whoever has not replied by the deadline is stuck or lost: stop it and treat it as failed.
        if let Some((_, after)) = deadline {
            let late = waiting
                .iter()
                .enumerate()
                .filter(|(_, &w)| w)
                .map(|(i, _)| GameId(i as u32));
            for game in late {
                if let Some(handle) = slots.get_mut(game.0 as usize).and_then(|s| s.handle.take()) {
                    handle.kill();
                }
                failed.push((game, ColonyError::Timeout { game, after }));
            }
        }
        drop(finished);
        if let Some(ck) = &checkpoints {
            if ck.interval.is_some_and(|t| last_interval.elapsed() >= t) {
                checkpoint_all(ck, &mut slots, &tally)?;
                last_interval = Instant::now();
            }
        }
        for (game, err) in failed.drain(..) {
            let i = game.0 as usize;
            let restarted = restart(
                &*placement,
                trial,
                checkpoints.as_ref(),
                supervision,
                &starts[i],
                game,
                &mut slots[i],
                &err,
            )
            .await;
            match restarted {
                Ok((generation, board)) => {
                    control.attach(slots[i].handle.as_slice());
                    tally.results[i].generation = generation;
                    tally.results[i].restarts = slots[i].restarts;
                    // The state it restarted from is its latest now (a move starts from it).
                    tally.boards[i] = board;
                }
                Err(final_err) => {
                    tracing::error!(%trial, %game, %final_err, "game failed for good");
                    tally.fail(game, &final_err, false);
                    tally.results[i].restarts = slots[i].restarts;
                    slots[i].handle = None;
                }
            }
        }
        for game in moving.drain(..) {
            let i = game.0 as usize;
            relocate(&*placement, trial, &starts[i], &tally, game, &mut slots[i]).await;
            control.attach(slots[i].handle.as_slice());
        }
    }
    let cancelled = control.is_cancelled();
    // The games' actors stop as their last handles go.
    let report = tally.report(Mode::Actors, &spec, started, cpu0, placement.workers(), cancelled);
    drop(slots);
    if let Some(ck) = &checkpoints {
        finish_checkpoints(ck, &report).await?;
    }
    Ok(report)
}

/// A deadline that never comes, for rounds without a timeout.
fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}

/// Writes every game's last state and tells the sink the trial ended.
async fn finish_checkpoints(ck: &Checkpointing, report: &TrialReport) -> Result<(), ColonyError> {
    let last: Vec<(GameId, Snapshot)> = report
        .results
        .iter()
        .zip(&report.boards)
        .filter_map(|(r, board)| {
            let outcome = r.end.outcome()?;
            let board = board.clone()?;
            let summary = Summary {
                generation: r.generation,
                population: r.population,
                outcome,
            };
            Some((r.game, Snapshot { summary, board }))
        })
        .collect();
    ck.sink.save(last).map_err(ColonyError::Checkpoint)?;
    let (sink, report) = (ck.sink.clone(), report.clone());
    tokio::task::spawn_blocking(move || sink.flush().and_then(|()| sink.finish(&report)))
        .await
        .map_err(|e| ColonyError::Checkpoint(e.to_string()))?
        .map_err(ColonyError::Checkpoint)
}

/// Hands a game's new board to the sink when it passed a multiple of `every` (or finished).
fn checkpoint_by_generation(
    checkpoints: Option<&Checkpointing>,
    spec: &TrialSpec,
    game: GameId,
    slot: &mut Slot,
    reply: &StepReply,
) -> Result<(), ColonyError> {
    let (Some(ck), Some(last), Some(board)) = (checkpoints, reply.last(), reply.boards.last()) else {
        return Ok(());
    };
    let due = match ck.every {
        Some(every) => last.generation / every.max(1) > slot.checkpointed / every.max(1),
        None => false,
    };
    if due || last.generation >= spec.steps {
        let snapshot = Snapshot {
            summary: *last,
            board: board.clone(),
        };
        ck.sink.save(vec![(game, snapshot)]).map_err(ColonyError::Checkpoint)?;
        slot.checkpointed = last.generation;
    }
    Ok(())
}

/// Hands over every game that moved on since its last checkpoint, as one batch.
fn checkpoint_all(ck: &Checkpointing, slots: &mut [Slot], tally: &Tally) -> Result<(), ColonyError> {
    let mut batch = Vec::new();
    for (i, slot) in slots.iter_mut().enumerate() {
        let (Some(board), Some(result)) = (&tally.boards[i], tally.results.get(i)) else {
            continue;
        };
        if slot.handle.is_some() && result.generation > slot.checkpointed {
            let summary = Summary {
                generation: result.generation,
                population: result.population,
                outcome: tally.outcome(result.game),
            };
            batch.push((
                result.game,
                Snapshot {
                    summary,
                    board: board.clone(),
                },
            ));
            slot.checkpointed = result.generation;
        }
    }
    ck.sink.save(batch).map_err(ColonyError::Checkpoint)
}

/// Places a game whose node is leaving on another node, from its latest state: the board of its
/// last reply (or the state it started or restarted from, before any). Nothing is recomputed
/// and nothing counts as a restart: the game goes on exactly where it was. Where no other node
/// takes it, it stays, and a node that then leaves loses it like any other.
async fn relocate(
    placement: &dyn Placement,
    trial: TrialId,
    start: &GameSpec,
    tally: &Tally,
    game: GameId,
    slot: &mut Slot,
) {
    let why = slot.handle.as_ref().and_then(GameHandle::moving).unwrap_or_default();
    let spec = match tally.boards.get(game.0 as usize).cloned().flatten() {
        Some(board) => GameSpec {
            start: Start::Board {
                board,
                generation: slot.generation,
                outcome: tally.outcome(game),
            },
            ..start.clone()
        },
        None => start.clone(),
    };
    match placement.spawn(trial, game, spec).await {
        Ok(handle) => {
            tracing::info!(%trial, %game, generation = slot.generation, %why, "game moved");
            // The old placement ends as its handle drops.
            slot.handle = Some(handle);
        }
        Err(err) => {
            tracing::warn!(%trial, %game, %why, %err, "no other node takes the game: it stays");
            slot.stays = true;
        }
    }
}

/// Restarts a failed game from its last checkpoint (or its start), with bounded retries and
/// exponential backoff. Returns the generation it resumed from, and its board when that is not
/// the game's own start.
#[allow(clippy::too_many_arguments)]
async fn restart(
    placement: &dyn Placement,
    trial: TrialId,
    checkpoints: Option<&Checkpointing>,
    supervision: Supervision,
    start: &GameSpec,
    game: GameId,
    slot: &mut Slot,
    err: &ColonyError,
) -> Result<(u64, Option<World>), ColonyError> {
    loop {
        if slot.restarts >= supervision.max_restarts {
            return Err(ColonyError::Trial(format!(
                "{game} failed {} times; last: {err}",
                slot.restarts + 1
            )));
        }
        let backoff = supervision.backoff * 2u32.saturating_pow(slot.restarts);
        slot.restarts += 1;
        tokio::time::sleep(backoff).await;
        let mut from = None;
        let spec = match checkpoints {
            Some(ck) => {
                let sink = ck.sink.clone();
                let loaded = tokio::task::spawn_blocking(move || sink.load(game))
                    .await
                    .map_err(|e| ColonyError::Checkpoint(e.to_string()))?;
                match loaded {
                    Ok(Some(snapshot)) => {
                        from = Some(snapshot.board.clone());
                        GameSpec {
                            start: Start::Board {
                                board: snapshot.board.clone(),
                                generation: snapshot.summary.generation,
                                outcome: snapshot.summary.outcome,
                            },
                            ..start.clone()
                        }
                    }
                    Ok(None) => start.clone(),
                    Err(e) => {
                        tracing::warn!(%game, error = %e, "no checkpoint to restart from; starting over");
                        start.clone()
                    }
                }
            }
            None => start.clone(),
        };
        let generation = spec.start.generation();
        match placement.spawn(trial, game, spec).await {
            Ok(handle) => {
                tracing::warn!(%trial, %game, generation, attempt = slot.restarts, cause = %err, "restarted failed game from its checkpoint");
                placement.updates().publish(GameUpdate::Restarted {
                    trial,
                    game,
                    generation,
                });
                slot.handle = Some(handle);
                slot.generation = generation;
                slot.checkpointed = generation;
                slot.stays = false;
                return Ok((generation, from));
            }
            Err(e) => tracing::warn!(%game, error = %e, "restart failed; retrying"),
        }
    }
}
