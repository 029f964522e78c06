//! `Hub`: the latest board and summary of every game, derived from the runtime's update stream.
//!
//! Actors own the games; the hub only remembers, per game of the current trial, the last summary,
//! the last board (shared with the actor, not copied), its status and a bounded population
//! series, so that a client arriving late, or one too slow to take every update, gets the
//! newest state. Every change bumps the game's version; each client keeps a [`Cursor`] of the
//! versions it has sent and, when woken, sends only the newest frame of each game that changed
//! since — a slow client skips generations instead of queueing them (latest wins), and the hub's
//! memory does not depend on how many clients there are or how slow they are.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::ws::Utf8Bytes;
use colony_actors::{GameId, GameUpdate, Summary, TrialId, Updates};
use colony_life::{Outcome, World};
use serde::Serialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::frame::{self, GameStatus};

/// Shortest time between two ingest rounds.
const INGEST_EVERY: std::time::Duration = std::time::Duration::from_millis(1);

/// Population points kept per game; older points are thinned out (every other one dropped).
pub const SERIES_POINTS: usize = 1024;

/// A message for one client: JSON text or a binary board frame (both cheap to clone).
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// A JSON object with a `type` field.
    Text(Utf8Bytes),
    /// A board frame (see [`crate::frame`]).
    Binary(Bytes),
}

/// One row of `GET /api/games`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GameRow {
    /// Game id (its index in the trial).
    pub id: u32,
    /// Latest generation.
    pub generation: u64,
    /// Latest population.
    pub population: u64,
    /// `running`, `extinct`, `still` or `oscillating`.
    pub outcome: &'static str,
    /// Period of a still life (1) or oscillator.
    pub period: Option<u64>,
    /// `running`, `finished`, `killed`, `failed` or `cancelled`.
    pub status: GameStatus,
    /// Why the game failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Generation-population pairs with thinning, so a long game keeps a bounded, even sample.
#[derive(Debug, Clone, Default)]
struct Series {
    points: Vec<[u64; 2]>,
    stride: u64,
    skipped: u64,
}

impl Series {
    fn push(&mut self, generation: u64, population: u64) {
        self.stride = self.stride.max(1);
        if self.points.last().is_some_and(|p| p[0] >= generation) {
            return;
        }
        self.skipped += 1;
        if self.skipped < self.stride && !self.points.is_empty() {
            return;
        }
        self.skipped = 0;
        self.points.push([generation, population]);
        if self.points.len() >= SERIES_POINTS {
            let mut i = 0;
            self.points.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
        }
    }
}

struct Slot {
    summary: Summary,
    status: GameStatus,
    error: Option<String>,
    board: World,
    version: u64,
    /// The encoded frame of `version`, made when a client first needs it and shared by all.
    frame: Option<Bytes>,
    series: Series,
}

impl Slot {
    fn row(&self, id: usize) -> GameRow {
        GameRow {
            id: id as u32,
            generation: self.summary.generation,
            population: self.summary.population,
            outcome: self.summary.outcome.label(),
            period: self.summary.outcome.period(),
            status: self.status,
            error: self.error.clone(),
        }
    }
}

#[derive(Default)]
struct Live {
    trial: TrialId,
    games: Vec<Slot>,
    next_version: u64,
    trial_text: Option<(u64, Utf8Bytes)>,
    machine_text: Option<(u64, Utf8Bytes)>,
}

impl Live {
    fn bump(&mut self) -> u64 {
        self.next_version += 1;
        self.next_version
    }
}

/// How one game ended, from the runner's report: authoritative even if the hub skipped updates.
#[derive(Debug, Clone)]
pub struct Final {
    /// Its status.
    pub status: GameStatus,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Its last summary and board, when the runner had them.
    pub last: Option<(Summary, World)>,
}

/// Changes that must be ordered after every update already published (see [`Hub::reset`]).
enum Command {
    Reset {
        trial: TrialId,
        boards: Vec<World>,
        done: oneshot::Sender<()>,
    },
    Finish {
        trial: TrialId,
        finals: Vec<Final>,
        done: oneshot::Sender<()>,
    },
}

struct Shared {
    live: Mutex<Live>,
    /// Bumped after every batch of changes; clients wait on it.
    epoch: watch::Sender<u64>,
}

/// The latest state of every game, shared by the HTTP handlers and every WebSocket client.
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
    commands: mpsc::UnboundedSender<Command>,
}

/// What one client has already been sent.
#[derive(Debug, Default)]
pub struct Cursor {
    trial: TrialId,
    trial_version: u64,
    machine_version: u64,
    seen: Vec<u64>,
}

impl Hub {
    /// A hub following `updates`. Spawns its ingest task, which ends when the colony closes
    /// the broadcast; must run inside a Tokio runtime.
    pub fn new(updates: &Updates) -> Hub {
        let shared = Arc::new(Shared {
            live: Mutex::new(Live::default()),
            epoch: watch::channel(0).0,
        });
        let (commands, rx) = mpsc::unbounded_channel();
        tokio::spawn(ingest(shared.clone(), updates.subscribe(), rx));
        Hub { shared, commands }
    }

    fn live(&self) -> MutexGuard<'_, Live> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.shared.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn notify(&self) {
        self.shared.epoch.send_modify(|e| *e += 1);
    }

    /// Wakes on every change (for clients).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.shared.epoch.subscribe()
    }

    /// Starts trial `trial` with these generation-0 boards, after every update published so
    /// far has been applied (so late updates of the previous trial cannot leak into it).
    pub async fn reset(&self, trial: TrialId, boards: Vec<World>) {
        let (done, wait) = oneshot::channel();
        if self.commands.send(Command::Reset { trial, boards, done }).is_ok() {
            let _ = wait.await;
        }
    }

    /// Ends trial `trial`: the final state of every game, and the status of those still running.
    pub async fn finish(&self, trial: TrialId, finals: Vec<Final>) {
        let (done, wait) = oneshot::channel();
        if self.commands.send(Command::Finish { trial, finals, done }).is_ok() {
            let _ = wait.await;
        }
    }

    /// Marks one game (e.g. killed); false when the trial has no such game.
    pub fn mark(&self, trial: TrialId, game: GameId, status: GameStatus) -> bool {
        let mut live = self.live();
        if live.trial != trial {
            return false;
        }
        let version = live.bump();
        let Some(slot) = live.games.get_mut(game.0 as usize) else {
            return false;
        };
        slot.status = status;
        slot.version = version;
        slot.frame = None;
        drop(live);
        self.notify();
        true
    }

    /// Publishes the trial's JSON (sent to every client as a text message).
    pub fn set_trial_text(&self, text: String) {
        let mut live = self.live();
        let version = live.bump();
        live.trial_text = Some((version, Utf8Bytes::from(text)));
        drop(live);
        self.notify();
    }

    /// Publishes the machine's JSON (actors, CPU), sent to every client as a text message.
    pub fn set_machine_text(&self, text: String) {
        let mut live = self.live();
        let version = live.bump();
        live.machine_text = Some((version, Utf8Bytes::from(text)));
        drop(live);
        self.notify();
    }

    /// The current trial id and every game's row.
    pub fn rows(&self) -> (TrialId, Vec<GameRow>) {
        let live = self.live();
        (
            live.trial,
            live.games.iter().enumerate().map(|(i, s)| s.row(i)).collect(),
        )
    }

    /// One game's row, latest board and population series.
    pub fn game(&self, id: GameId) -> Option<(GameRow, World, Vec<[u64; 2]>)> {
        let live = self.live();
        let slot = live.games.get(id.0 as usize)?;
        Some((slot.row(id.0 as usize), slot.board.clone(), slot.series.points.clone()))
    }

    /// The trial and machine texts that changed since `cursor` (a sweep starts with them).
    pub fn texts(&self, cursor: &mut Cursor) -> Vec<Outgoing> {
        let live = self.live();
        let mut out = Vec::new();
        if cursor.trial != live.trial {
            cursor.trial = live.trial;
            cursor.seen.clear();
        }
        if let Some((version, text)) = &live.trial_text {
            if *version != cursor.trial_version {
                cursor.trial_version = *version;
                out.push(Outgoing::Text(text.clone()));
            }
        }
        if let Some((version, text)) = &live.machine_text {
            if *version != cursor.machine_version {
                cursor.machine_version = *version;
                out.push(Outgoing::Text(text.clone()));
            }
        }
        out
    }

    /// The newest frame of the first game at index `from` or later that changed since `cursor`,
    /// with its index; `None` when none did, or the trial changed (the next sweep's
    /// [`Hub::texts`] announces it first).
    ///
    /// A sweep takes one frame at a time and sends it before asking for the next, so a client
    /// holds at most one frame, always the newest when it was taken: however slow the client,
    /// it never pins a sweep's worth of boards the games have long moved past.
    pub fn next_frame(&self, cursor: &mut Cursor, from: usize) -> Option<(usize, Outgoing)> {
        let mut live = self.live();
        if cursor.trial != live.trial {
            return None;
        }
        cursor.seen.resize(live.games.len(), 0);
        let trial = live.trial;
        let (offset, slot) = live
            .games
            .iter_mut()
            .enumerate()
            .skip(from)
            .find(|(i, slot)| slot.version != cursor.seen[*i])?;
        cursor.seen[offset] = slot.version;
        let frame = slot.frame.get_or_insert_with(|| {
            Bytes::from(frame::encode_world(
                trial,
                GameId(offset as u32),
                &slot.summary,
                slot.status,
                &slot.board,
            ))
        });
        Some((offset, Outgoing::Binary(frame.clone())))
    }

    /// Everything that changed since `cursor`, at once: the texts, then every changed frame.
    #[cfg(test)]
    fn collect(&self, cursor: &mut Cursor) -> Vec<Outgoing> {
        let mut out = self.texts(cursor);
        let mut from = 0;
        while let Some((index, frame)) = self.next_frame(cursor, from) {
            out.push(frame);
            from = index + 1;
        }
        out
    }
}

fn apply(live: &mut Live, update: GameUpdate) {
    match update {
        GameUpdate::Generation {
            trial,
            game,
            summary,
            board,
        } => {
            if trial != live.trial {
                return;
            }
            let version = live.bump();
            let Some(slot) = live.games.get_mut(game.0 as usize) else {
                return;
            };
            // Replies of one game arrive in order, but never let a stale one roll it back.
            if summary.generation < slot.summary.generation {
                return;
            }
            slot.summary = summary;
            if let Some(board) = board {
                slot.board = board;
            }
            slot.series.push(summary.generation, summary.population);
            slot.version = version;
            slot.frame = None;
        }
        GameUpdate::Failed { trial, game, reason } => {
            if trial != live.trial {
                return;
            }
            let version = live.bump();
            if let Some(slot) = live.games.get_mut(game.0 as usize) {
                if slot.status == GameStatus::Running {
                    slot.status = GameStatus::Failed;
                    slot.error = Some(reason);
                    slot.version = version;
                    slot.frame = None;
                }
            }
        }
        // Stops are known first-hand (kills, trial ends); restarts keep the status.
        GameUpdate::Restarted { .. } | GameUpdate::Stopped { .. } | GameUpdate::TrialEnded { .. } => {}
    }
}

fn command(live: &mut Live, command: Command) {
    match command {
        Command::Reset { trial, boards, done } => {
            live.trial = trial;
            live.games.clear();
            for board in boards {
                let version = live.bump();
                let population = board.population();
                let outcome = if population == 0 {
                    Outcome::Extinct
                } else {
                    Outcome::Running
                };
                let mut series = Series::default();
                series.push(0, population);
                live.games.push(Slot {
                    summary: Summary {
                        generation: 0,
                        population,
                        outcome,
                    },
                    status: GameStatus::Running,
                    error: None,
                    board,
                    version,
                    frame: None,
                    series,
                });
            }
            let _ = done.send(());
        }
        Command::Finish { trial, finals, done } => {
            if live.trial == trial {
                for (i, end) in finals.into_iter().enumerate() {
                    let version = live.bump();
                    let Some(slot) = live.games.get_mut(i) else { continue };
                    if let Some((summary, board)) = end.last {
                        if summary.generation > slot.summary.generation {
                            slot.summary = summary;
                            slot.board = board;
                            slot.series.push(summary.generation, summary.population);
                        }
                    }
                    if slot.status == GameStatus::Running {
                        slot.status = end.status;
                        slot.error = slot.error.take().or(end.error);
                    }
                    slot.version = version;
                    slot.frame = None;
                }
            }
            let _ = done.send(());
        }
    }
}

/// Applies updates in batches (one lock and one wake-up per batch) until the colony closes.
async fn ingest(
    shared: Arc<Shared>,
    mut updates: broadcast::Receiver<GameUpdate>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    fn lock(shared: &Shared) -> MutexGuard<'_, Live> {
        shared.live.lock().unwrap_or_else(|p| p.into_inner())
    }
    loop {
        tokio::select! {
            biased;
            cmd = commands.recv() => {
                let Some(cmd) = cmd else { break };
                // Everything published before the command was sent is in the receiver now.
                let mut live = lock(&shared);
                loop {
                    match updates.try_recv() {
                        Ok(update) => apply(&mut live, update),
                        Err(TryRecvError::Lagged(n)) => tracing::debug!(skipped = n, "dashboard skipped updates"),
                        Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                    }
                }
                command(&mut live, cmd);
            }
            update = updates.recv() => {
                if update == Err(RecvError::Closed) {
                    break;
                }
                {
                    let mut live = lock(&shared);
                    match update {
                        Ok(update) => apply(&mut live, update),
                        // Latest wins: a lagging hub just goes on with newer updates.
                        Err(n) => tracing::debug!(?n, "dashboard skipped updates"),
                    }
                    while let Ok(update) = updates.try_recv() {
                        apply(&mut live, update);
                    }
                }
                shared.epoch.send_modify(|e| *e += 1);
                // Games may publish 100 000 updates a second; being woken for each would cost a
                // fifth of a core. Taking them in batches a millisecond apart costs little, and
                // nobody watches faster (the broadcast buffers far more than a millisecond's worth).
                tokio::time::sleep(INGEST_EVERY).await;
                continue;
            }
        }
        shared.epoch.send_modify(|e| *e += 1);
    }
    tracing::debug!("update stream closed; the dashboard hub stops");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_series_stays_bounded_and_ordered() {
        let mut s = Series::default();
        for g in 0..100_000 {
            s.push(g, g * 2);
        }
        assert!(s.points.len() < SERIES_POINTS);
        assert!(s.points.windows(2).all(|w| w[0][0] < w[1][0]));
        assert_eq!(s.points[0], [0, 0]);
    }

    #[tokio::test]
    async fn a_slow_client_gets_only_the_newest_frame() {
        let updates = Updates::new(16);
        let hub = Hub::new(&updates);
        let board = World::from(colony_life::Board::new(8, 8).expect("board"));
        hub.reset(TrialId(1), vec![board.clone(), board.clone()]).await;
        let mut cursor = Cursor::default();
        assert_eq!(hub.collect(&mut cursor).len(), 2, "a new client gets every game");
        assert!(hub.collect(&mut cursor).is_empty());
        for generation in 1..=5 {
            updates.publish(GameUpdate::Generation {
                trial: TrialId(1),
                game: GameId(1),
                summary: Summary {
                    generation,
                    population: 0,
                    outcome: Outcome::Extinct,
                },
                board: Some(board.clone()),
            });
        }
        hub.finish(TrialId(1), Vec::new()).await; // orders after the updates above
        let out = hub.collect(&mut cursor);
        assert_eq!(out.len(), 1, "one frame for five generations");
        let Outgoing::Binary(bytes) = &out[0] else {
            panic!("binary")
        };
        let (header, _) = frame::decode(bytes).expect("frame");
        assert_eq!((header.game, header.generation), (GameId(1), 5));
    }
}
