//! End to end in a real headless browser (Debian's `chromium` + `chromium-driver`): open the page,
//! start a trial from its form, check that every canvas shows exactly the cells the server
//! reports, kill a game from its tile, and save a screenshot to `target/dashboard.png`; and the
//! nodes table a cluster driver's placement reports, as one of its nodes is lost.
//!
//! Without chromium and chromedriver this test fails with instructions, unless
//! `COLONY_SKIP_BROWSER=1` is set.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use colony_actors::supervisor::SupervisorConfig;
use colony_actors::{
    Colony, ColonyConfig, ColonyError, GameHandle, GameId, GameSpec, NodeState, NodeView, Placement, TrialId,
    TrialSupervisor, Updates,
};
use colony_life::pattern;
use colony_web::{app, AppState, Config};
use common::{eventually, get, serve};
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::future::BoxFuture;
use serde_json::{json, Value};

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    _child: tokio::process::Child,
    url: String,
}

impl Driver {
    async fn start(chromedriver: &Path) -> Driver {
        let port = free_port();
        let child = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        eventually(15, "chromedriver to listen", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ())
        })
        .await;
        Driver { _child: child, url }
    }
}

async fn browser(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,900",
        &format!("--user-data-dir={}", profile.display()),
    ];
    let capabilities = json!({ "goog:chromeOptions": { "binary": chromium, "args": args } });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("chromedriver starts a chromium session")
}

/// The page's reading of canvas `game`: its generation and a '0'/'1' per cell, row by row.
async fn canvas(client: &Client, game: u64) -> (u64, String) {
    let script = r#"
        const c = document.querySelector(`canvas[data-game="${arguments[0]}"]`);
        if (!c || !c.dataset.generation) return null;
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let bits = "";
        for (let k = 0; k < d.length; k += 4) bits += d[k + 1] > 100 ? "1" : "0";
        return [Number(c.dataset.generation), bits];"#;
    let value = client.execute(script, vec![json!(game)]).await.unwrap();
    match value {
        Value::Array(v) => (v[0].as_u64().unwrap(), v[1].as_str().unwrap().to_string()),
        _ => (u64::MAX, String::new()),
    }
}

/// The server's board of `game` as the same '0'/'1' string, and its generation.
async fn server_board(app: &Router, game: u64) -> (u64, String) {
    let rle = get(app, &format!("/api/games/{game}/rle")).await.text;
    let board = pattern::parse_rle(&rle).unwrap().board;
    let generation = get(app, &format!("/api/games/{game}")).await.json["generation"]
        .as_u64()
        .unwrap();
    let mut bits = String::new();
    for y in 0..board.height() {
        for x in 0..board.width() {
            bits.push(if board.get(x, y) { '1' } else { '0' });
        }
    }
    (generation, bits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_draws_the_live_cells_and_kills_a_game() {
    if std::env::var("COLONY_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("COLONY_SKIP_BROWSER=1: browser test skipped");
        return;
    }
    let (Some(chromium), Some(chromedriver)) = (
        find(&["chromium", "chromium-browser", "google-chrome"]),
        find(&["chromedriver"]),
    ) else {
        panic!(
            "the browser test needs chromium and chromedriver on PATH: `apt-get install -y chromium chromium-driver` \
             (or set COLONY_SKIP_BROWSER=1 to skip it)"
        );
    };
    let colony = Colony::init(ColonyConfig {
        workers: Some(2),
        ..ColonyConfig::default()
    })
    .await
    .unwrap();
    let placement = Arc::new(Reported {
        colony: colony.clone(),
        lost: AtomicBool::new(false),
    });
    let supervisor = TrialSupervisor::new(placement.clone(), SupervisorConfig::default());
    let state = AppState::with_supervisor(colony, supervisor, Config::default());
    let app = app(state.clone());
    let addr = serve(state).await;
    let driver = Driver::start(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &chromium, profile.path()).await;
    let result = tokio::time::timeout(Duration::from_secs(60), async {
        drive(&client, &app, addr).await;
        nodes(&client, &placement).await;
        plane(&client, &app).await;
    })
    .await;
    let _ = client.close().await;
    drop(driver);
    result.expect("the browser test finishes within 60 s");
}

/// Runs every game in this process, as a local colony does, and reports two nodes the way a
/// cluster driver's placement does: the test loses the second one.
struct Reported {
    colony: Colony,
    lost: AtomicBool,
}

impl Placement for Reported {
    fn spawn(&self, trial: TrialId, game: GameId, spec: GameSpec) -> BoxFuture<'_, Result<GameHandle, ColonyError>> {
        Box::pin(self.colony.spawn_in(trial, game, spec))
    }

    fn workers(&self) -> usize {
        self.colony.workers()
    }

    fn updates(&self) -> &Updates {
        self.colony.updates()
    }

    fn nodes(&self) -> BoxFuture<'_, Vec<NodeView>> {
        let node = |name: &str, port: u16, uptime_micros: u64, cpu_micros: u64| NodeView {
            name: name.to_string(),
            addr: format!("127.0.0.1:{port}"),
            state: NodeState::Up,
            reason: None,
            workers: 1,
            games: 3,
            hosted: Some(3),
            memory_bytes: Some(12 << 20),
            cpu_micros: Some(cpu_micros),
            uptime_micros: Some(uptime_micros),
        };
        // Each report half a core busier over uptime: the page shows 50%.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros() as u64;
        let mut second = node("second", 7002, now, now / 2);
        if self.lost.load(Ordering::Relaxed) {
            second.state = NodeState::Lost;
            second.reason = Some("stopped answering: no heartbeat reply for 3.0s".to_string());
            second.games = 0;
        }
        Box::pin(async move { vec![node("first", 7001, 90_000_000, 1_000_000), second] })
    }
}

/// The nodes table: both nodes up, then the second marked lost with its reason.
async fn nodes(client: &Client, placement: &Reported) {
    if let Ok(close) = client.find(Locator::Id("detail-close")).await {
        let _ = close.click().await;
    }
    let table = r##"return [...document.querySelectorAll("#nodes tr")].map(r => [...r.children].map(c => c.textContent).concat([r.children[0].title, r.title]));"##;
    let rows = eventually(10, "the nodes table", || async {
        let rows = client.execute(table, vec![]).await.unwrap();
        (rows.as_array().is_some_and(|r| r.len() == 2) && rows[1][4] == json!("50%")).then_some(rows)
    })
    .await;
    assert_eq!(
        rows[0],
        json!(["first", "up", "1", "3", "–", "12.0 MiB", "127.0.0.1:7001, up 1 min", ""]),
        "a node whose CPU time did not move since its last report shows no load"
    );
    assert_eq!(
        rows[1].as_array().unwrap()[..4],
        json!(["second", "up", "1", "3"]).as_array().unwrap()[..]
    );
    let visible = client
        .execute(r#"return !document.getElementById("nodes-pane").hidden;"#, vec![])
        .await
        .unwrap();
    assert_eq!(visible, json!(true), "the nodes pane shows once there are nodes");
    placement.lost.store(true, Ordering::Relaxed);
    let second = eventually(10, "the page to mark the second node lost", || async {
        let rows = client.execute(table, vec![]).await.unwrap();
        (rows[1][1] == json!("lost")).then(|| rows[1].clone())
    })
    .await;
    assert_eq!(second[3], json!("0"), "its games moved away");
    assert_eq!(second[7], json!("stopped answering: no heartbeat reply for 3.0s"));
    let png = client.screenshot().await.unwrap();
    std::fs::write(target_dir().join("dashboard-nodes.png"), png).unwrap();
}

async fn drive(client: &Client, app: &Router, addr: std::net::SocketAddr) {
    client.goto(&format!("http://{addr}/")).await.unwrap();
    // Start a trial from the page's own form.
    client
        .find(Locator::Id("new-trial"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for (id, value) in [
        ("f-games", "6"),
        ("f-size", "40"),
        ("f-steps", "1000000"),
        ("f-pause", "0.02"),
        // Past 2^53: a JavaScript number would round it.
        ("f-seed", "14668938545924594246"),
    ] {
        let field = client.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    client.find(Locator::Id("start")).await.unwrap().click().await.unwrap();
    eventually(15, "the page to draw six live games", || async {
        let shown: Vec<u64> = futures_util::future::join_all((0..6).map(|g| canvas(client, g)))
            .await
            .into_iter()
            .map(|c| c.0)
            .collect();
        shown.iter().all(|&g| g != u64::MAX && g >= 3).then_some(())
    })
    .await;
    assert_eq!(
        get(app, "/api/trial").await.json["spec"]["games"],
        6,
        "the form's values reached the server"
    );
    assert_eq!(
        get(app, "/api/trial").await.json["spec"]["seed"],
        "14668938545924594246",
        "the server runs the exact seed typed"
    );
    let text = client
        .find(Locator::Id("trial-text"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("seed 14668938545924594246"),
        "the page shows the exact seed: {text}"
    );

    // Hold the trial still, then every canvas must show exactly the server's board.
    client.find(Locator::Id("pause")).await.unwrap().click().await.unwrap();
    eventually(10, "the trial to pause", || async {
        (get(app, "/api/trial").await.json["status"] == "paused").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for game in 0..6 {
        let (generation, cells) = eventually(10, "the canvas to catch up with the server", || async move {
            let server = server_board(app, game).await;
            let page = canvas(client, game).await;
            (page.0 == server.0).then_some(server)
        })
        .await;
        let (_, drawn) = canvas(client, game).await;
        assert_eq!(drawn.len(), 40 * 40);
        assert_eq!(
            drawn, cells,
            "game {game} at generation {generation}: the canvas shows other cells than the server's board"
        );
        assert!(cells.contains('1'), "game {game} has live cells to compare");
    }
    client.find(Locator::Id("resume")).await.unwrap().click().await.unwrap();

    // Kill game 2 from its tile: its actor stops and the page marks it.
    client
        .find(Locator::Css(r#".tile[data-game="2"] .kill"#))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually(10, "the page to mark game 2 killed", || async {
        let marked = client
            .execute(r#"const t = document.querySelector('.tile[data-game="2"]'); return t.classList.contains("killed") && t.querySelector(".status").textContent;"#, vec![])
            .await
            .unwrap();
        (marked == json!("killed")).then_some(())
    })
    .await;
    let games = get(app, "/api/games").await.json;
    assert_eq!(games[2]["status"], "killed");
    assert_eq!(games[0]["status"], "running");
    tokio::time::sleep(Duration::from_millis(500)).await; // let the tables fill in for the picture
    let png = client.screenshot().await.unwrap();
    let path = target_dir().join("dashboard.png");
    std::fs::create_dir_all(target_dir()).unwrap();
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot saved to {}", path.display());

    // Click a game: it opens large, with its population chart drawn.
    client
        .find(Locator::Css(r#".tile[data-game="0"] canvas"#))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually(10, "the detail view with its chart", || async {
        let script = r#"
            if (!document.getElementById("detail").open) return 0;
            const c = document.getElementById("detail-chart");
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            let line = 0;
            for (let k = 0; k < d.length; k += 4) if (d[k + 1] > 150 && d[k] < 120 && d[k + 3] > 0) line++;
            return line;"#;
        let line = client.execute(script, vec![]).await.unwrap().as_u64().unwrap_or(0);
        (line > 50).then_some(())
    })
    .await;
    let png = client.screenshot().await.unwrap();
    std::fs::write(target_dir().join("dashboard-detail.png"), png).unwrap();
}

/// A trial on the plane: each tile is a view that follows the pattern and zooms out as it grows,
/// and, held still, shows exactly the server's cells at the view's place and scale.
async fn plane(client: &Client, app: &Router) {
    let body = json!({"games": 2, "topology": "plane", "pattern": "gosper-glider-gun", "steps": 1000000,
        "batch_size": 60, "pause": 0.02, "replace": true});
    let started = common::call(app, "POST", "/api/trials", Some(body), &[]).await;
    assert!(started.status.is_success(), "{:?}", started.json);
    let view = r#"
        const c = document.querySelector('canvas[data-game="0"]');
        if (!c || !c.dataset.view) return null;
        return [Number(c.dataset.generation), Number(c.dataset.scale), c.dataset.view, c.width, c.height];"#;
    eventually(20, "the page to zoom out on the growing gun", || async {
        let v = client.execute(view, vec![]).await.unwrap();
        (v[1].as_u64().is_some_and(|k| k >= 2)).then_some(())
    })
    .await;
    assert!(common::call(app, "POST", "/api/trial/pause", None, &[])
        .await
        .status
        .is_success());
    eventually(10, "the trial to pause", || async {
        (get(app, "/api/trial").await.json["status"] == "paused").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (v, page) = eventually(10, "the view to catch up with the server", || async {
        let v = client.execute(view, vec![]).await.unwrap();
        let generation = get(app, "/api/games/0").await.json["generation"].as_u64();
        let page = canvas(client, 0).await;
        (v[0].as_u64() == generation && page.0 == generation.unwrap_or(u64::MAX)).then_some((v, page.1))
    })
    .await;
    assert_eq!(
        (v[3].as_u64(), v[4].as_u64()),
        (Some(256), Some(256)),
        "a plane tile is square"
    );
    // The server's cells, from its RLE (placed by #CXRLE Pos), drawn as the view should be.
    let scale = v[1].as_u64().unwrap();
    let area: Vec<i64> = v[2].as_str().unwrap().split(',').map(|n| n.parse().unwrap()).collect();
    let rle = get(app, "/api/games/0/rle").await.text;
    let parsed = pattern::parse_rle(&rle).unwrap();
    let (px, py) = parsed.position.expect("#CXRLE Pos");
    let (w, h) = ((area[2] >> scale) as usize, (area[3] >> scale) as usize);
    assert!(w <= 256 && h <= 256, "the view fits its tile: {w}x{h}");
    let (ox, oy) = ((256 - w) / 2, (256 - h) / 2);
    let mut expected = vec![b'0'; 256 * 256];
    for (x, y) in parsed.board.live_cells() {
        let (cx, cy) = (px + x as i64 - area[0], py + y as i64 - area[1]);
        assert!(
            cx >= 0 && cy >= 0 && cx < area[2] && cy < area[3],
            "every live cell is in view"
        );
        expected[(oy + (cy >> scale) as usize) * 256 + ox + (cx >> scale) as usize] = b'1';
    }
    assert!(
        page == String::from_utf8(expected).unwrap(),
        "the view shows the server's cells at scale {scale}"
    );
    let png = client.screenshot().await.unwrap();
    std::fs::write(target_dir().join("dashboard-plane.png"), png).unwrap();
}
