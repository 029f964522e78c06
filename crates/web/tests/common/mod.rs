//! Shared by the dashboard's integration tests: a colony, the app, calls without a socket, and a
//! real server on a free loopback port.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use colony_actors::{Colony, ColonyConfig};
use colony_web::{Access, AppState, Config, Limits};
use serde_json::Value;
use tower::ServiceExt;

pub async fn state_with(access: Access) -> AppState {
    state_with_config(Config {
        access,
        limits: Limits::default(),
        ..Config::default()
    })
    .await
}

pub async fn state_with_config(config: Config) -> AppState {
    let colony = Colony::init(ColonyConfig {
        workers: Some(2),
        ..ColonyConfig::default()
    })
    .await
    .unwrap();
    AppState::new(colony, config)
}

pub async fn state() -> AppState {
    state_with(Access::loopback()).await
}

/// A response: status, headers and body (parsed as JSON when it is JSON).
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
    pub text: String,
}

/// Calls the app in-process (no socket), the way axum's own examples test.
pub async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    raw(app, request.body(body).unwrap()).await
}

pub async fn raw(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        json,
        text,
    }
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    call(app, "GET", uri, None, &[]).await
}

/// Polls `check` every 20 ms until it returns `Some`, or panics after `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every game's generation, by id.
pub async fn generations(app: &Router) -> Vec<u64> {
    let games = get(app, "/api/games").await.json;
    games
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["generation"].as_u64().unwrap())
        .collect()
}

/// Serves `state` on a free loopback port until the test's runtime ends.
pub async fn serve(state: AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(colony_web::serve(listener, state, std::future::pending()));
    addr
}
