//! The JSON API. The page uses nothing else, so everything it does can be scripted.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use colony_actors::trial::TrialRequest;
use colony_life::pattern::{self, Grid};
use colony_life::{Cells, World};
use serde::Serialize;

use colony_actors::{GameId, TrialId, TrialOptions};

use crate::error::AppError;
use crate::follow::TrialView;
use crate::hub::GameRow;
use crate::state::AppState;

/// The `/api` routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/trial", get(trial).delete(cancel))
        .route("/api/trials", post(start).get(list))
        .route("/api/trials/{id}", get(one).delete(cancel_one))
        .route("/api/trial/pause", post(pause))
        .route("/api/trial/resume", post(resume))
        .route("/api/games", get(games))
        .route("/api/games/{id}", get(game).delete(kill))
        .route("/api/games/{id}/rle", get(game_rle))
        .route("/api/actors", get(actors))
        .route("/api/patterns", get(patterns))
}

async fn trial(State(state): State<AppState>) -> Json<TrialView> {
    Json(state.trial())
}

/// Every trial the runtime remembers (running ones and the latest ended), oldest first.
async fn list(State(state): State<AppState>) -> Json<Vec<TrialView>> {
    Json(state.supervisor().list().iter().map(TrialView::of).collect())
}

fn trial_id(id: Result<Path<u32>, PathRejection>) -> Result<TrialId, AppError> {
    id.map(|Path(id)| TrialId(id))
        .map_err(|_| AppError::bad_request("a trial id is a whole number, e.g. /api/trials/3"))
}

async fn one(State(state): State<AppState>, id: Result<Path<u32>, PathRejection>) -> Result<Json<TrialView>, AppError> {
    let id = trial_id(id)?;
    let info = state
        .supervisor()
        .info(id)
        .ok_or_else(|| AppError::not_found(format!("no trial {}", id.0)))?;
    Ok(Json(TrialView::of(&info)))
}

async fn cancel_one(
    State(state): State<AppState>,
    id: Result<Path<u32>, PathRejection>,
) -> Result<Json<TrialView>, AppError> {
    let info = state.supervisor().cancel(trial_id(id)?, false)?;
    Ok(Json(TrialView::of(&info)))
}

async fn start(
    State(state): State<AppState>,
    body: Result<Json<TrialRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<TrialView>), AppError> {
    let Json(request) = body?;
    let plan = request.plan(&state.inner.limits)?;
    if request.replace == Some(true) {
        if let Some(id) = state.inner.follower.id() {
            // Already ended is fine: there is nothing to replace.
            let _ = state.supervisor().cancel(id, true);
        }
    }
    let options = TrialOptions {
        label: plan.pattern,
        source: "api",
        ..TrialOptions::default()
    };
    let trial = state.supervisor().start(plan.spec, options).await?;
    let id = trial.id();
    state.follow(trial).await;
    let info = state
        .supervisor()
        .info(id)
        .ok_or_else(|| AppError::internal("the trial vanished as it started"))?;
    Ok((StatusCode::CREATED, Json(TrialView::of(&info))))
}

fn followed(state: &AppState) -> Result<TrialId, AppError> {
    state
        .inner
        .follower
        .id()
        .ok_or_else(|| AppError::conflict("no trial has been started"))
}

async fn pause(State(state): State<AppState>) -> Result<Json<TrialView>, AppError> {
    let info = state.supervisor().pause(followed(&state)?, true)?;
    Ok(Json(TrialView::of(&info)))
}

async fn resume(State(state): State<AppState>) -> Result<Json<TrialView>, AppError> {
    let info = state.supervisor().pause(followed(&state)?, false)?;
    Ok(Json(TrialView::of(&info)))
}

async fn cancel(State(state): State<AppState>) -> Result<Json<TrialView>, AppError> {
    let info = state.supervisor().cancel(followed(&state)?, false)?;
    Ok(Json(TrialView::of(&info)))
}

async fn games(State(state): State<AppState>) -> Json<Vec<GameRow>> {
    Json(state.inner.hub.rows().1)
}

/// `GET /api/games/{id}`: the row, the board's size and the population series.
#[derive(Serialize)]
struct GameDetail {
    #[serde(flatten)]
    row: GameRow,
    trial: u32,
    width: u64,
    height: u64,
    /// `[generation, population]` pairs, oldest first, thinned to a bounded count.
    series: Vec<[u64; 2]>,
}

fn game_id(id: Result<Path<u32>, PathRejection>) -> Result<GameId, AppError> {
    id.map(|Path(id)| GameId(id))
        .map_err(|_| AppError::bad_request("a game id is a whole number, e.g. /api/games/3"))
}

fn no_game(id: GameId) -> AppError {
    AppError::not_found(format!("no {id} in the current trial"))
}

async fn game(
    State(state): State<AppState>,
    id: Result<Path<u32>, PathRejection>,
) -> Result<Json<GameDetail>, AppError> {
    let id = game_id(id)?;
    let (row, world, series) = state.inner.hub.game(id).ok_or_else(|| no_game(id))?;
    let (width, height) = match &world {
        World::Board(board) => (board.width() as u64, board.height() as u64),
        World::Plane(plane) => plane.bounding_box().map_or((0, 0), |b| (b.width, b.height)),
    };
    Ok(Json(GameDetail {
        row,
        trial: state.inner.hub.rows().0 .0,
        width,
        height,
        series,
    }))
}

/// The game's latest board as an RLE file (with the trial's rule and grid), to open in Golly.
async fn game_rle(
    State(state): State<AppState>,
    id: Result<Path<u32>, PathRejection>,
) -> Result<impl IntoResponse, AppError> {
    let id = game_id(id)?;
    let (row, world, _) = state.inner.hub.game(id).ok_or_else(|| no_game(id))?;
    let trial = followed(&state)?;
    let info = state.supervisor().info(trial).ok_or_else(|| no_game(id))?;
    let (trial, rule, topology) = (trial.0, info.spec.rule, info.spec.topology);
    let name = format!("Colony trial {trial} game {} generation {}", id.0, row.generation);
    let text = match &world {
        World::Board(board) => {
            let grid = Grid {
                topology,
                width: board.width(),
                height: board.height(),
            };
            pattern::write_rle(board, rule, Some(grid), Some(&name))
        }
        // On the plane, `#CXRLE Pos=` keeps the pattern where it is.
        World::Plane(plane) => pattern::write_rle_plane(plane, rule, Some(&name)),
    };
    let disposition = format!("inline; filename=\"colony-{trial}-{}-{}.rle\"", id.0, row.generation);
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    ))
}

async fn kill(State(state): State<AppState>, id: Result<Path<u32>, PathRejection>) -> Result<Json<GameRow>, AppError> {
    let id = game_id(id)?;
    let trial = followed(&state)?;
    state.supervisor().kill(trial, id)?;
    state.inner.hub.mark(trial, id, crate::frame::GameStatus::Killed);
    let (_, rows) = state.inner.hub.rows();
    rows.into_iter()
        .nth(id.0 as usize)
        .map(Json)
        .ok_or_else(|| AppError::internal("the killed game vanished"))
}

async fn actors(State(state): State<AppState>) -> impl IntoResponse {
    Json(state.machine())
}

async fn patterns() -> Json<&'static [&'static str]> {
    Json(pattern::library_names())
}
