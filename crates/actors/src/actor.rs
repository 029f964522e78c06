//! `GameActor`: one game, one mailbox, one message at a time.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use colony_life::Game;
use ractor::{Actor, ActorProcessingErr, ActorRef};

use crate::compute::Compute;
use crate::message::GameMsg;
use crate::wire::{Detail, GameId, GameInfo, GameSpec, Snapshot, StepReply, Summary};

/// Work up to this many cell updates (about 0.1 ms) runs in the actor's own task: handing it to a
/// worker would cost several thread wake-ups, more than the step itself. Larger work goes to the
/// compute pool so the async runtime is never blocked for long.
const INLINE_CELL_UPDATES: u64 = 1 << 22;

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

/// Live counters of one actor, readable without messaging it (so a busy actor can be observed).
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
    fn observe(&self, game: &Game, population: Option<u64>) {
        let board = game.current().board();
        self.generation.store(game.generation(), Ordering::Relaxed);
        self.population
            .store(population.unwrap_or_else(|| board.population()), Ordering::Relaxed);
        let bytes = (board.words().len() * 8 * game.history().len()) as u64;
        self.board_bytes.store(bytes, Ordering::Relaxed);
    }
}

/// A game actor's state: the game itself and a few counters.
pub struct GameState {
    id: GameId,
    seed: Option<u64>,
    /// `None` only while a worker is stepping it.
    game: Option<Game>,
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
    fn game(&self) -> Result<&Game, ActorProcessingErr> {
        self.game
            .as_ref()
            .ok_or_else(|| "game lost by an earlier failure".into())
    }
}

fn summary(game: &Game) -> Summary {
    Summary {
        generation: game.generation(),
        population: game.current().population(),
        outcome: game.outcome(),
    }
}

fn snapshot(game: &Game) -> Snapshot {
    Snapshot {
        summary: summary(game),
        board: game.current().shared_board().clone(),
    }
}

/// Advances `game` by `generations`, collecting what `detail` asks for.
pub fn step_game(game: &mut Game, id: GameId, generations: u64, detail: Detail) -> StepReply {
    let mut reply = StepReply {
        game: id,
        summaries: Vec::with_capacity(generations.min(1 << 16) as usize),
        boards: Vec::new(),
    };
    for _ in 0..generations {
        game.advance(1);
        reply.summaries.push(summary(game));
        if detail == Detail::States {
            reply.boards.push(game.current().shared_board().clone());
        }
    }
    if detail == Detail::Last && generations > 0 {
        reply.boards.push(game.current().shared_board().clone());
    }
    reply
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
        match msg {
            GameMsg::Step {
                generations,
                detail,
                reply,
            } => {
                let answer = self.step(state, generations, detail).await?;
                // The caller may have stopped waiting; that is its business.
                let _ = reply.send(answer);
            }
            GameMsg::Advance { generations } => {
                self.step(state, generations, Detail::Summaries).await?;
            }
            GameMsg::GetState(reply) => {
                let _ = reply.send(snapshot(state.game()?));
            }
            GameMsg::GetHistory(reply) => {
                let game = state.game()?;
                let history = game
                    .history()
                    .rev()
                    .map(|s| Snapshot {
                        summary: Summary {
                            generation: s.generation(),
                            population: s.population(),
                            outcome: game.outcome(),
                        },
                        board: s.shared_board().clone(),
                    })
                    .collect();
                let _ = reply.send(history);
            }
            GameMsg::GetInfo(reply) => {
                let game = state.game()?;
                let board = game.current().board();
                let _ = reply.send(GameInfo {
                    game: state.id,
                    width: board.width(),
                    height: board.height(),
                    rule: game.rule(),
                    topology: game.topology(),
                    seed: state.seed,
                    current: summary(game),
                    history_len: game.history().len(),
                    messages: state.messages,
                });
            }
            GameMsg::Fault { panic } => {
                if panic {
                    panic!("injected fault in {}", state.id);
                }
                return Err(format!("injected error in {}", state.id).into());
            }
        }
        Ok(())
    }

    async fn step(
        &self,
        state: &mut GameState,
        generations: u64,
        detail: Detail,
    ) -> Result<StepReply, ActorProcessingErr> {
        let id = state.id;
        let mut game = state.game.take().ok_or("game lost by an earlier failure")?;
        let work = game.current().board().cell_count().saturating_mul(generations);
        if work <= INLINE_CELL_UPDATES {
            let reply = step_game(&mut game, id, generations, detail);
            state.stats.observe(&game, reply.last().map(|s| s.population));
            state.game = Some(game);
            return Ok(reply);
        }
        let (game, reply) = self
            .compute
            .run(move || {
                let reply = step_game(&mut game, id, generations, detail);
                (game, reply)
            })
            .await
            .map_err(|panic| format!("{id} panicked while stepping: {panic}"))?;
        state.stats.observe(&game, reply.last().map(|s| s.population));
        state.game = Some(game);
        Ok(reply)
    }
}
