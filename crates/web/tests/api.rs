//! The JSON API, driven in-process: trials run, advance, pause, get killed; bad input is refused
//! with a JSON error; the token is enforced off loopback.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use colony_web::{app, Access};
use common::{call, eventually, generations, get, state, state_with};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_advances_pauses_and_a_killed_game_stops() {
    let app = app(state().await);
    assert_eq!(get(&app, "/api/trial").await.json["status"], "idle");
    let started = call(
        &app,
        "POST",
        "/api/trials",
        Some(json!({"games": 3, "size": 32, "steps": 1_000_000, "pause": 0.002, "seed": 7})),
        &[],
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);
    assert_eq!(
        (started.json["id"].as_u64(), started.json["status"].as_str()),
        (Some(1), Some("running"))
    );
    assert_eq!(started.json["spec"]["games"], 3);

    eventually(10, "every game to pass generation 5", || async {
        generations(&app).await.iter().all(|&g| g >= 5).then_some(())
    })
    .await;

    let killed = call(&app, "DELETE", "/api/games/1", None, &[]).await;
    assert_eq!(killed.status, StatusCode::OK, "{}", killed.text);
    assert_eq!(killed.json["status"], "killed");
    let at_kill = generations(&app).await[1];
    eventually(10, "the others to advance past the killed game", || async {
        let g = generations(&app).await;
        (g[0] > at_kill + 5 && g[2] > at_kill + 5).then_some(())
    })
    .await;
    let games = get(&app, "/api/games").await.json;
    assert_eq!(games[1]["status"], "killed");
    assert!(
        games[1]["generation"].as_u64().unwrap() <= at_kill + 1,
        "a killed game stops (one reply may have been in flight)"
    );
    assert_eq!(games[0]["status"], "running");
    let again = call(&app, "DELETE", "/api/games/1", None, &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.json["error"].as_str().unwrap().contains("not running"));
    assert_eq!(
        call(&app, "DELETE", "/api/games/3", None, &[]).await.status,
        StatusCode::NOT_FOUND
    );

    let actors = eventually(5, "the actors table to drop the killed actor", || async {
        let a = get(&app, "/api/actors").await.json;
        (a["live_actors"] == 2).then_some(a)
    })
    .await;
    assert!(actors["workers"].as_u64().unwrap() >= 1);
    assert!(
        !actors["cpus"].as_array().unwrap().is_empty(),
        "per-core CPU is reported"
    );
    assert!(actors["actors"].as_array().unwrap().iter().all(|a| a["game"] != 1));

    let paused = call(&app, "POST", "/api/trial/pause", None, &[]).await;
    assert_eq!(paused.json["status"], "paused");
    tokio::time::sleep(Duration::from_millis(100)).await; // the batch in flight lands
    let held = generations(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(generations(&app).await, held, "a paused trial holds still");
    assert_eq!(
        call(&app, "POST", "/api/trial/resume", None, &[]).await.json["status"],
        "running"
    );
    eventually(5, "the trial to move again", || async {
        (generations(&app).await[0] > held[0]).then_some(())
    })
    .await;

    let detail = get(&app, "/api/games/0").await;
    assert_eq!(
        (detail.json["width"].as_u64(), detail.json["trial"].as_u64()),
        (Some(32), Some(1))
    );
    assert!(
        detail.json["series"].as_array().unwrap().len() > 5,
        "the population series grows"
    );
    let rle = get(&app, "/api/games/0/rle").await;
    assert!(
        rle.text.contains("x = 32, y = 32, rule = B3/S23:T32,32"),
        "{}",
        rle.text
    );

    // A second trial runs beside the first; the page follows the newest, the listing shows both.
    let second = call(
        &app,
        "POST",
        "/api/trials",
        Some(json!({"games": 2, "size": 16, "steps": 1_000_000, "pause": 0.002, "pattern": "blinker"})),
        &[],
    )
    .await;
    assert_eq!(second.json["id"], 2);
    let listed = get(&app, "/api/trials").await.json;
    let statuses: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].clone(), t["status"].clone()))
        .collect();
    assert_eq!(
        statuses,
        vec![(json!(1), json!("running")), (json!(2), json!("running"))]
    );
    assert_eq!(
        get(&app, "/api/trials/1").await.json["spec"]["seed"],
        "7",
        "seeds travel as strings"
    );
    assert_eq!(second.json["spec"]["pattern"], "blinker");
    let games = get(&app, "/api/games").await.json;
    assert_eq!(games.as_array().unwrap().len(), 2);
    assert!(games.as_array().unwrap().iter().all(|g| g["status"] == "running"));
    eventually(10, "the blinkers to blink", || async {
        generations(&app).await.iter().all(|&g| g >= 3).then_some(())
    })
    .await;
    let cancelled = eventually(10, "a cancel to end the trial", || {
        let app = app.clone();
        async move {
            call(&app, "DELETE", "/api/trial", None, &[]).await;
            let t = get(&app, "/api/trial").await.json;
            (t["status"] == "cancelled").then_some(())
        }
    });
    cancelled.await;
    let games = get(&app, "/api/games").await.json;
    assert!(
        games.as_array().unwrap().iter().all(|g| g["status"] == "cancelled"),
        "{games}"
    );
    assert_eq!(games[0]["outcome"], "oscillating");
    assert_eq!(games[0]["period"], 2);

    // A trial started with "replace" (as the page's form does) cancels the followed one first;
    // the first trial is cancelled by id.
    let third = call(&app, "POST", "/api/trials", Some(json!({"games": 1, "size": 8, "steps": 1_000_000, "pause": 0.002, "seed": "18446744073709551615", "replace": true})), &[]).await;
    assert_eq!(
        (third.json["id"].as_u64(), third.json["spec"]["seed"].as_str()),
        (Some(3), Some("18446744073709551615"))
    );
    assert_eq!(
        call(&app, "DELETE", "/api/trials/1", None, &[]).await.status,
        StatusCode::OK
    );
    eventually(10, "trial 1 to end", || async {
        (get(&app, "/api/trials/1").await.json["status"] == "cancelled").then_some(())
    })
    .await;
    assert_eq!(get(&app, "/api/trials/9").await.status, StatusCode::NOT_FOUND);
    call(&app, "DELETE", "/api/trial", None, &[]).await;
}

#[tokio::test]
async fn bad_requests_get_a_json_4xx() {
    let app = app(state().await);
    let cases: Vec<(&str, &str, Option<&str>, bool, u16)> = vec![
        ("POST", "/api/trials", Some(r#"{"games": 0}"#), true, 422),
        ("POST", "/api/trials", Some(r#"{"size": 100000}"#), true, 422),
        (
            "POST",
            "/api/trials",
            Some(r#"{"games": 1024, "size": 2048}"#),
            true,
            422,
        ),
        ("POST", "/api/trials", Some(r#"{"gmaes": 3}"#), true, 422),
        ("POST", "/api/trials", Some(r#"{"games": "three"}"#), true, 422),
        ("POST", "/api/trials", Some(r#"{"pause": -1}"#), true, 422),
        ("POST", "/api/trials", Some(r#"{"rule": "B9/S"}"#), true, 422),
        (
            "POST",
            "/api/trials",
            Some(r#"{"pattern": "no-such-thing"}"#),
            true,
            422,
        ),
        (
            "POST",
            "/api/trials",
            Some(r#"{"size": 8, "pattern": "gosper-glider-gun"}"#),
            true,
            422,
        ),
        ("POST", "/api/trials", Some("{not json"), true, 400),
        ("POST", "/api/trials", Some(r#"{"games": 1}"#), false, 415),
        ("GET", "/api/games/abc", None, false, 400),
        ("GET", "/api/games/0", None, false, 404),
        ("DELETE", "/api/games/0", None, false, 409),
        ("POST", "/api/trial/pause", None, false, 409),
        ("GET", "/api/nothing", None, false, 404),
        ("PUT", "/api/games", None, false, 405),
    ];
    for (method, uri, body, json_type, expected) in cases {
        let mut request = Request::builder().method(method).uri(uri);
        if json_type {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        let reply = common::raw(&app, request).await;
        assert_eq!(
            reply.status.as_u16(),
            expected,
            "{method} {uri} {body:?}: {}",
            reply.text
        );
        assert!(
            reply.json["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{method} {uri}: not a JSON error: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn the_body_size_is_limited() {
    let app = app(state().await);
    let rle = format!("x = 8, y = 8\n{}!", "o".repeat(100 * 1024));
    let reply = call(
        &app,
        "POST",
        "/api/trials",
        Some(json!({"size": 8, "pattern": rle})),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert!(reply.json["error"].is_string());
}

#[tokio::test]
async fn off_loopback_the_api_needs_the_token() {
    let access = Access::for_bind("0.0.0.0:8265".parse().unwrap(), Some("s3cret-token-0123".into())).unwrap();
    let app = app(state_with(access).await);
    let body = || Some(json!({"games": 1, "size": 8, "steps": 1}));
    for (method, uri) in [
        ("GET", "/api/games"),
        ("GET", "/api/actors"),
        ("POST", "/api/trial/pause"),
        ("DELETE", "/api/games/0"),
    ] {
        let reply = call(&app, method, uri, None, &[]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert!(reply.json["error"].as_str().unwrap().contains("token"));
        assert_eq!(reply.headers["www-authenticate"], "Bearer");
    }
    let refused = call(
        &app,
        "POST",
        "/api/trials",
        body(),
        &[("authorization", "Bearer wrong")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let ok = call(
        &app,
        "POST",
        "/api/trials",
        body(),
        &[("authorization", "Bearer s3cret-token-0123")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    assert_eq!(
        get(&app, "/api/games?token=s3cret-token-0123").await.status,
        StatusCode::OK
    );
    // The page itself holds no data: it loads, then asks for the token it was opened with.
    let page = get(&app, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<canvas") || page.text.contains("app.js"));
}

#[tokio::test]
async fn loopback_refuses_foreign_hosts_and_origins() {
    let app = app(state().await);
    let rebound = call(&app, "GET", "/api/games", None, &[("host", "evil.example:8265")]).await;
    assert_eq!(rebound.status, StatusCode::FORBIDDEN, "DNS rebinding is refused");
    let local = call(&app, "GET", "/api/games", None, &[("host", "localhost:8265")]).await;
    assert_eq!(local.status, StatusCode::OK);
    let foreign = [("host", "127.0.0.1:8265"), ("origin", "http://evil.example")];
    assert_eq!(
        call(&app, "POST", "/api/trial/pause", None, &foreign).await.status,
        StatusCode::FORBIDDEN
    );
    let same = [("host", "127.0.0.1:8265"), ("origin", "http://127.0.0.1:8265")];
    assert_eq!(
        call(&app, "POST", "/api/trial/pause", None, &same).await.status,
        StatusCode::CONFLICT,
        "allowed, but no trial"
    );
}

#[tokio::test]
async fn the_page_and_assets_are_embedded() {
    let app = app(state().await);
    for (path, kind) in [
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/style.css", "text/css"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(
            reply.headers["content-type"].to_str().unwrap().starts_with(kind),
            "{path}"
        );
        assert!(reply.headers.contains_key("content-security-policy"), "{path}");
        assert!(reply.text.len() > 100, "{path} is not empty");
    }
    let patterns = get(&app, "/api/patterns").await.json;
    assert!(patterns.as_array().unwrap().iter().any(|p| p == "gosper-glider-gun"));
}
