//! What an actor costs: spawn rate, memory, round trip and one-way throughput (`colony bench actors`).

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::wire::{GameId, GameSpec};
use crate::{machine, Colony, ColonyError, GameHandle};

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub struct OverheadConfig {
    /// Idle game actors to spawn and keep alive at once.
    pub actors: usize,
    /// Board side of each game.
    pub board: usize,
    /// Request/reply round trips to time.
    pub round_trips: usize,
    /// One-way messages to send in the throughput test.
    pub messages: usize,
}

impl Default for OverheadConfig {
    fn default() -> Self {
        OverheadConfig {
            actors: 100_000,
            board: 16,
            round_trips: 20_000,
            messages: 1_000_000,
        }
    }
}

/// The figures.
#[derive(Debug, Clone, Serialize)]
pub struct OverheadReport {
    /// Actors spawned (and alive at once).
    pub actors: usize,
    /// Live actors the runtime counted at the peak.
    pub live_at_peak: usize,
    /// Spawns per second.
    pub spawn_per_second: f64,
    /// Resident memory growth per actor, bytes (board and game included).
    pub bytes_per_actor: f64,
    /// Bytes of one game's board and history, as the engine stores them.
    pub board_bytes: f64,
    /// Median request/reply round trip.
    pub round_trip_median: Duration,
    /// 99th percentile round trip.
    pub round_trip_p99: Duration,
    /// One-way messages handled per second.
    pub messages_per_second: f64,
}

/// Spawns `config.actors` idle games and measures what they cost.
pub async fn measure(colony: &Colony, config: OverheadConfig) -> Result<OverheadReport, ColonyError> {
    let spec = GameSpec::soup(config.board, 1);
    let memory_before = machine::resident_memory();
    let started = Instant::now();
    let mut handles: Vec<GameHandle> = Vec::with_capacity(config.actors);
    // Spawn in chunks: concurrent enough to keep both runtime threads busy, bounded in memory.
    for chunk_start in (0..config.actors).step_by(1024) {
        let end = (chunk_start + 1024).min(config.actors);
        let spawns = (chunk_start..end).map(|i| colony.spawn(GameId(i as u32), spec.clone()));
        handles.extend(futures_util::future::try_join_all(spawns).await?);
    }
    let spawn_time = started.elapsed();
    let live_at_peak = colony.resources().live_actors;
    let memory_after = machine::resident_memory();
    let bytes_per_actor = memory_after.saturating_sub(memory_before) as f64 / config.actors.max(1) as f64;
    let board_bytes = (config.board.div_ceil(64) * config.board * 8 * spec.history.max(1)) as f64;

    let mut latencies = Vec::with_capacity(config.round_trips);
    for i in 0..config.round_trips {
        let handle = &handles[(i * 7919) % handles.len().max(1)];
        let t = Instant::now();
        handle.info().await?;
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };

    let started = Instant::now();
    for i in 0..config.messages {
        handles[i % handles.len().max(1)].advance(0)?;
    }
    // A reply from every actor proves every message before it was handled (mailboxes are FIFO).
    let replies = handles.iter().take(config.messages).map(|h| h.info());
    futures_util::future::try_join_all(replies).await?;
    let throughput_time = started.elapsed();

    Ok(OverheadReport {
        actors: config.actors,
        live_at_peak,
        spawn_per_second: config.actors as f64 / spawn_time.as_secs_f64().max(1e-9),
        bytes_per_actor,
        board_bytes,
        round_trip_median: pct(0.5),
        round_trip_p99: pct(0.99),
        messages_per_second: config.messages as f64 / throughput_time.as_secs_f64().max(1e-9),
    })
}
