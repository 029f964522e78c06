//! `GameActor`: one game, one mailbox, one message at a time.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use colony_life::LifeError;
use ractor::{Actor, ActorProcessingErr, ActorRef};

use crate::compute::Compute;
use crate::message::GameMsg;
use crate::wire::{Detail, GameId, GameInfo, GameSpec, GameStats, Refused, Snapshot, Space, StepReply, Summary};
use crate::AnyGame;

/// Work up to this many cell updates (about 0.1 ms) runs in the actor's own task: handing it to a
/// worker would cost several thread wake-ups, more than the step itself. Larger work goes to the
/// compute pool so the async runtime is never blocked for long.
const INLINE_CELL_UPDATES: u64 = 1 << 22;

/// Work per compute task, in cell updates (about 50 ms): a larger batch is stepped in chunks.
const CHUNK_CELL_UPDATES: u64 = 1 << 28;

/// What one generation costs beyond its cells (hashing, history, bookkeeping), in cell updates,
/// so a tiny board's huge batch is chunked by time too.
const GENERATION_OVERHEAD: u64 = 4096;

/// The behaviour of a game actor. State lives in [`GameState`], built in `pre_start`.
pub struct GameActor {
    compute: Compute,
    live: Arc<AtomicUsize>,
}

impl GameActor {
    /// A game actor stepping on `compute`, counted in `live` while it runs.
    pub fn new(compute: Compute, live: Arc<AtomicUsize>) -> GameActor {
        GameActor { compute, live }
    }
}

/// What a game actor is started with.
pub struct GameArgs {
    /// The game's id.
    pub id: GameId,
    /// How to build it.
    pub spec: GameSpec,
    /// Counters shared with the handles and the dashboard.
    pub stats: Arc<ActorStats>,
}

/// Live counters of one actor, kept where the actor runs: its node's registry reads them without
/// messaging it (so a busy actor can be observed). Callers elsewhere ask by message
/// ([`crate::GameHandle::stats`]).
#[derive(Debug, Default)]
pub struct ActorStats {
    /// Messages sent to it through handles.
    pub sent: AtomicU64,
    /// Messages it has finished handling.
    pub handled: AtomicU64,
    /// Its current generation.
    pub generation: AtomicU64,
    /// Its current population.
    pub population: AtomicU64,
    /// Bytes its boards occupy (current state and history).
    pub board_bytes: AtomicU64,
}

impl ActorStats {
    /// Messages waiting in (or being handled from) the mailbox.
    pub fn mailbox(&self) -> u64 {
        self.sent
            .load(Ordering::Relaxed)
            .saturating_sub(self.handled.load(Ordering::Relaxed))
    }

    /// Records the game's state; `population` when the caller already counted it (counting a big
    /// board again on every message would cost as much as a step of a small one).
    fn observe(&self, game: &AnyGame, population: Option<u64>) {
        self.generation.store(game.generation(), Ordering::Relaxed);
        self.population
            .store(population.unwrap_or_else(|| game.population()), Ordering::Relaxed);
        self.board_bytes.store(game.bytes(), Ordering::Relaxed);
    }
}

/// A game actor's state: the game itself and a few counters.
pub struct GameState {
    id: GameId,
    seed: Option<u64>,
    topology: colony_life::Topology,
    /// `None` only while a worker is stepping it.
    game: Option<AnyGame>,
    messages: u64,
    stats: Arc<ActorStats>,
    _live: Live,
}

/// Counts the actor as live until its state is dropped, which happens however it ends (stopped,
/// killed or failed; `post_stop` does not run when killed).
struct Live(Arc<AtomicUsize>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl GameState {
    fn game(&self) -> Result<&AnyGame, ActorProcessingErr> {
        self.game
            .as_ref()
            .ok_or_else(|| "game lost by an earlier failure".into())
    }
}

fn summary(game: &AnyGame) -> Summary {
    Summary {
        generation: game.generation(),
        population: game.population(),
        outcome: game.outcome(),
    }
}

fn snapshot(game: &AnyGame) -> Snapshot {
    Snapshot {
        summary: summary(game),
        board: game.world(),
    }
}

/// Advances `game` by `generations`, collecting what `detail` asks for. The reply's size is
/// bounded by `detail` (check it first with [`Detail::check`]): `Detail::Last` keeps one summary
/// and one board whatever the number of generations. Fails only on the plane, past the game's
/// memory budget.
pub fn step_game(game: &mut AnyGame, id: GameId, generations: u64, detail: Detail) -> Result<StepReply, LifeError> {
    let mut reply = StepReply {
        game: id,
        advanced: 0,
        summaries: Vec::new(),
        boards: Vec::new(),
    };
    step_into(game, generations, detail, &mut reply)?;
    finish_reply(game, detail, &mut reply);
    Ok(reply)
}

/// Steps `generations` more into `reply` (a batch may be stepped in several chunks).
fn step_into(game: &mut AnyGame, generations: u64, detail: Detail, reply: &mut StepReply) -> Result<(), LifeError> {
    if detail == Detail::Last {
        game.advance(generations)?;
        reply.advanced += generations;
        return Ok(());
    }
    for _ in 0..generations {
        game.advance(1)?;
        reply.advanced += 1;
        if detail.keeps(game.generation()) {
            reply.summaries.push(summary(game));
            if detail == Detail::States {
                reply.boards.push(game.world());
            }
        }
    }
    Ok(())
}

/// Adds the newest generation's summary (and board, for `Detail::Last`) if not there yet.
fn finish_reply(game: &AnyGame, detail: Detail, reply: &mut StepReply) {
    if reply.advanced == 0 {
        return;
    }
    if reply.last().is_none_or(|s| s.generation != game.generation()) {
        reply.summaries.push(summary(game));
    }
    if detail == Detail::Last {
        reply.boards.push(game.world());
    }
}

impl Actor for GameActor {
    type Msg = GameMsg;
    type State = GameState;
    type Arguments = GameArgs;

    async fn pre_start(&self, _myself: ActorRef<GameMsg>, args: GameArgs) -> Result<GameState, ActorProcessingErr> {
        let game = args.spec.build()?;
        args.stats.observe(&game, None);
        self.live.fetch_add(1, Ordering::Relaxed);
        Ok(GameState {
            _live: Live(self.live.clone()),
            id: args.id,
            seed: args.spec.seed(),
            topology: args.spec.topology,
            game: Some(game),
            messages: 0,
            stats: args.stats,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<GameMsg>,
        msg: GameMsg,
        state: &mut GameState,
    ) -> Result<(), ActorProcessingErr> {
        state.messages += 1;
        let result = self.dispatch(msg, state).await;
        state.stats.handled.fetch_add(1, Ordering::Relaxed);
        result
    }
}

impl GameActor {
    async fn dispatch(&self, msg: GameMsg, state: &mut GameState) -> Result<(), ActorProcessingErr> {
        // A caller may have stopped waiting (a timeout, a cancelled trial): a failed send is its business.
        match msg {
            GameMsg::Step {
                generations,
                detail,
                reply,
            } => {
                let answer = self.step(state, generations, detail).await?;
                let _ = reply.send(answer);
            }
            GameMsg::Advance { generations } => {
                if let Err(refused) = self.step(state, generations, Detail::Last).await? {
                    tracing::warn!(game = %state.id, reason = %refused.reason, "advance refused");
                }
            }
            GameMsg::GetState(reply) => {
                let _ = reply.send(Ok(snapshot(state.game()?)));
            }
            GameMsg::GetHistory(reply) => {
                let game = state.game()?;
                let history = game
                    .history()
                    .into_iter()
                    .map(|s| Snapshot {
                        summary: Summary {
                            generation: s.generation,
                            population: s.population,
                            outcome: game.outcome(),
                        },
                        board: s.world,
                    })
                    .collect();
                let _ = reply.send(Ok(history));
            }
            GameMsg::GetInfo(reply) => {
                let game = state.game()?;
                let (width, height, space) = match game {
                    AnyGame::Board(g) => (g.current().board().width(), g.current().board().height(), Space::Board),
                    AnyGame::Plane(g) => {
                        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
                        let b = g.bounding_box();
                        (
                            b.map_or(0, |b| size(b.width)),
                            b.map_or(0, |b| size(b.height)),
                            Space::Plane,
                        )
                    }
                };
                let _ = reply.send(Ok(GameInfo {
                    game: state.id,
                    width,
                    height,
                    rule: game.rule(),
                    topology: state.topology,
                    space,
                    seed: state.seed,
                    current: summary(game),
                    history_len: game.history_len(),
                    messages: state.messages,
                }));
            }
            GameMsg::GetStats(reply) => {
                let stats = &state.stats;
                let _ = reply.send(Ok(GameStats {
                    game: state.id,
                    generation: stats.generation.load(Ordering::Relaxed),
                    population: stats.population.load(Ordering::Relaxed),
                    board_bytes: stats.board_bytes.load(Ordering::Relaxed),
                    handled: stats.handled.load(Ordering::Relaxed),
                }));
            }
            GameMsg::Fault { panic } => {
                if panic {
                    panic!("injected fault in {}", state.id);
                }
                return Err(format!("injected error in {}", state.id).into());
            }
            GameMsg::Undecodable { reason, reply } => {
                tracing::warn!(game = %state.id, %reason, "undecodable message refused");
                GameMsg::refuse_undecodable(reason, reply);
            }
        }
        Ok(())
    }

    async fn step(
        &self,
        state: &mut GameState,
        generations: u64,
        detail: Detail,
    ) -> Result<Result<StepReply, Refused>, ActorProcessingErr> {
        let id = state.id;
        let board_bytes = state.game()?.world().bytes();
        if let Err(refused) = detail.check(generations, board_bytes) {
            return Ok(Err(refused));
        }
        let mut reply = StepReply {
            game: id,
            advanced: 0,
            summaries: Vec::new(),
            boards: Vec::new(),
        };
        let cells = match state.game()? {
            AnyGame::Board(g) => g.current().board().cell_count(),
            // HashLife's cost follows the pattern's structure, not a cell count; a batch is one
            // jump on a worker (chunking it would lose the jump).
            AnyGame::Plane(_) => u64::MAX / 2,
        };
        // A huge batch runs in chunks of bounded work, so the runtime gets a look in between
        // (a kill lands between chunks, not after the whole batch).
        let chunk = match state.game()? {
            AnyGame::Board(_) => (CHUNK_CELL_UPDATES / (cells + GENERATION_OVERHEAD)).max(1),
            AnyGame::Plane(_) => generations,
        };
        let mut remaining = generations;
        while remaining > 0 {
            let mut game = state.game.take().ok_or("game lost by an earlier failure")?;
            // A settled game jumps: the rest of the batch costs a history's worth of steps and a
            // period, whatever its length, so it is one chunk.
            let period = match &game {
                AnyGame::Board(g) => g.cycle_period(),
                AnyGame::Plane(_) => None,
            };
            let (n, work) = match period {
                Some(period) if detail == Detail::Last => {
                    let tail = (game.history_capacity() as u64).saturating_add(period);
                    (
                        remaining,
                        tail.min(remaining).saturating_mul(cells + GENERATION_OVERHEAD),
                    )
                }
                _ => {
                    let n = remaining.min(chunk);
                    (n, n.saturating_mul(cells.saturating_add(GENERATION_OVERHEAD)))
                }
            };
            remaining -= n;
            if work <= INLINE_CELL_UPDATES {
                let stepped = step_into(&mut game, n, detail, &mut reply);
                state.game = Some(game);
                stepped.map_err(|e| format!("{id}: {e}"))?;
                if remaining > 0 {
                    tokio::task::yield_now().await;
                }
                continue;
            }
            let (game, back, stepped) = self
                .compute
                .run(move || {
                    let stepped = step_into(&mut game, n, detail, &mut reply);
                    (game, reply, stepped)
                })
                .await
                .map_err(|panic| format!("{id} panicked while stepping: {panic}"))?;
            reply = back;
            state.game = Some(game);
            stepped.map_err(|e| format!("{id}: {e}"))?;
        }
        let game = state.game()?;
        finish_reply(game, detail, &mut reply);
        state.stats.observe(game, reply.last().map(|s| s.population));
        Ok(Ok(reply))
    }
}
