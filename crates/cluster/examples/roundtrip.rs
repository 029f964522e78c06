//! `cargo run --release -p colony-cluster --example roundtrip -- NODE_ADDR COOKIE_FILE [CALLS]`
//!
//! Request/reply round trips to one game actor in this process and to one on a node (started with
//! `colony node`): the same calls through the same `GameHandle` type. Prints the median and the
//! 99th percentile of sequential round trips, and the calls per second with 64 in flight.
//! `bench/cluster-roundtrip.sh` starts the node and runs this.

use std::time::{Duration, Instant};

use colony_actors::{Colony, ColonyConfig, Detail, GameHandle, GameId, GameSpec, Placement, TrialId};
use colony_cluster::{Cluster, ClusterPlacement, ConnectOptions, Cookie, PlacementConfig};

type Error = Box<dyn std::error::Error>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [node, cookie, rest @ ..] = args.as_slice() else {
        return Err("usage: roundtrip NODE_ADDR COOKIE_FILE [CALLS]".into());
    };
    let calls: usize = rest.first().map(|n| n.parse()).transpose()?.unwrap_or(20_000);
    let cookie = Cookie::read(cookie.as_ref())?;

    let colony = Colony::init(ColonyConfig {
        workers: Some(1),
        ..ColonyConfig::default()
    })
    .await?;
    let local = colony.spawn(GameId(0), GameSpec::soup(1, 1)).await?;

    let cluster = Cluster::connect(std::slice::from_ref(node), &cookie, ConnectOptions::default()).await?;
    let placement = ClusterPlacement::new(cluster, PlacementConfig::default());
    let remote = placement.spawn(TrialId(1), GameId(0), GameSpec::soup(1, 1)).await?;

    println!("{calls} sequential calls each, after {} to warm up", calls / 10);
    println!(
        "{:<8} {:<22} {:>10} {:>10} {:>14}",
        "where", "call", "median µs", "p99 µs", "calls/s (64)"
    );
    for (place, game) in [("local", &local), ("remote", &remote)] {
        for kind in [Call::Stats, Call::Step] {
            let (median, p99) = sequential(game, kind, calls).await?;
            let rate = in_flight(game, kind, calls, 64).await?;
            println!(
                "{place:<8} {:<22} {:>10.1} {:>10.1} {:>14.0}",
                kind.name(),
                median.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6,
                rate
            );
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Call {
    Stats,
    Step,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Stats => "stats (no board)",
            Call::Step => "step 1, Detail::Last",
        }
    }

    async fn once(self, game: &GameHandle) -> Result<(), Error> {
        match self {
            Call::Stats => drop(game.stats().await?),
            Call::Step => drop(game.step(1, Detail::Last).await?),
        }
        Ok(())
    }
}

async fn sequential(game: &GameHandle, kind: Call, calls: usize) -> Result<(Duration, Duration), Error> {
    for _ in 0..calls / 10 {
        kind.once(game).await?;
    }
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        kind.once(game).await?;
        times.push(start.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Ok((at(0.5), at(0.99)))
}

async fn in_flight(game: &GameHandle, kind: Call, calls: usize, depth: usize) -> Result<f64, Error> {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let start = Instant::now();
    let mut pending = FuturesUnordered::new();
    let mut sent = 0;
    while sent < depth.min(calls) {
        pending.push(kind.once(game));
        sent += 1;
    }
    while let Some(done) = pending.next().await {
        done?;
        if sent < calls {
            pending.push(kind.once(game));
            sent += 1;
        }
    }
    Ok(calls as f64 / start.elapsed().as_secs_f64())
}
