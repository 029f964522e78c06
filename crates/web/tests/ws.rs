//! `/ws` over a real loopback socket: binary frames decode to the boards the games really have,
//! kills show up, a slow client skips frames, and the token is enforced off loopback.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use colony_actors::{GameId, TrialId};
use colony_life::{pattern, Board, Game, Rule, Topology};
use colony_web::frame::{self, FrameHeader};
use colony_web::{app, Access, GameStatus};
use common::{call, serve, state, state_with};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: SocketAddr, query: &str) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws{query}"))
        .await
        .unwrap();
    socket
}

enum Got {
    Text(Value),
    Frame(FrameHeader, Board),
}

async fn next(socket: &mut Socket) -> Got {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("the stream is open")
            .expect("a good message");
        match message {
            Message::Text(text) => return Got::Text(serde_json::from_str(&text).unwrap()),
            Message::Binary(bytes) => {
                let (header, board) = frame::decode(&bytes).expect("a frame in the documented layout");
                return Got::Frame(header, board);
            }
            _ => continue,
        }
    }
}

/// The blinker, centred on a `size`×`size` torus, at `generation`.
fn blinker_at(size: usize, generation: u64) -> Board {
    let pattern = pattern::named("blinker").unwrap();
    let mut board = Board::new(size, size).unwrap();
    board
        .paste(&pattern.board, (size as i64 - 3) / 2, (size as i64 - 1) / 2)
        .unwrap();
    let mut game = Game::new(board, Rule::CONWAY, Topology::Torus);
    game.advance(generation);
    game.current().board().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_carry_the_real_boards_and_kills_show() {
    let state = state().await;
    let app = app(state.clone());
    let addr = serve(state).await;
    let mut socket = connect(addr, "").await;
    match next(&mut socket).await {
        Got::Text(t) => assert_eq!(
            (t["type"].as_str(), t["status"].as_str()),
            (Some("trial"), Some("idle"))
        ),
        Got::Frame(..) => panic!("no frames before a trial"),
    }
    let body = json!({"games": 3, "size": 9, "steps": 1_000_000, "pause": 0.005, "pattern": "blinker"});
    assert_eq!(
        call(&app, "POST", "/api/trials", Some(body), &[]).await.status.as_u16(),
        201
    );

    let mut frames: HashMap<u32, Vec<u64>> = HashMap::new();
    let mut trial_seen = false;
    while frames.values().filter(|g| g.len() >= 5).count() < 3 {
        match next(&mut socket).await {
            Got::Text(t) if t["type"] == "trial" => trial_seen |= t["id"] == 1 && t["status"] == "running",
            Got::Text(_) => {}
            Got::Frame(header, board) => {
                assert_eq!(header.trial, TrialId(1));
                assert_eq!(
                    board,
                    blinker_at(9, header.generation),
                    "game {} generation {}",
                    header.game,
                    header.generation
                );
                assert_eq!(header.population, 3);
                let seen = frames.entry(header.game.0).or_default();
                assert!(
                    seen.last().is_none_or(|&g| g < header.generation),
                    "generations only move forward"
                );
                seen.push(header.generation);
            }
        }
    }
    assert!(trial_seen, "the new trial is announced before its frames");

    assert_eq!(
        call(&app, "DELETE", "/api/games/2", None, &[]).await.status.as_u16(),
        200
    );
    loop {
        if let Got::Frame(header, _) = next(&mut socket).await {
            if header.game == GameId(2) && header.status == GameStatus::Killed {
                break;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_skips_to_the_newest_frames() {
    let state = state().await;
    let app = app(state.clone());
    let addr = serve(state).await;
    let body = json!({"games": 4, "size": 64, "steps": 1_000_000_000, "seed": 1});
    assert_eq!(
        call(&app, "POST", "/api/trials", Some(body), &[]).await.status.as_u16(),
        201
    );
    let connected = tokio::time::Instant::now();
    let mut socket = connect(addr, "?fps=20").await;
    // Read nothing for a while, as a busy browser tab would.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let server_generation = common::generations(&app).await[0];
    let mut frames_of_game_0 = 0u64;
    loop {
        if let Got::Frame(header, _) = next(&mut socket).await {
            if header.game == GameId(0) {
                frames_of_game_0 += 1;
                if header.generation >= server_generation {
                    break;
                }
            }
        }
    }
    // At most one frame per game per sweep, however far the games ran: nothing queues per
    // generation, so neither the server nor the client falls behind.
    let sweeps = connected.elapsed().as_secs_f64() * 20.0;
    assert!(
        (frames_of_game_0 as f64) <= sweeps + 3.0,
        "{frames_of_game_0} frames in {sweeps:.0} sweeps"
    );
    assert!(
        server_generation > 10 * frames_of_game_0,
        "generations were skipped ({server_generation} generations, {frames_of_game_0} frames)"
    );
}

#[tokio::test]
async fn the_websocket_needs_the_token_off_loopback() {
    let access = Access::for_bind("0.0.0.0:8265".parse().unwrap(), Some("tok-tok-tok-tok-tok".into())).unwrap();
    let addr = serve(state_with(access).await).await;
    let refused = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), 401),
        other => panic!("expected a 401, got {other:?}"),
    }
    let mut socket = connect(addr, "?token=tok-tok-tok-tok-tok").await;
    assert!(matches!(next(&mut socket).await, Got::Text(_)));
}
