//! The JSON API. The page uses nothing else, so everything it does can be scripted.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use colony_life::pattern::{self, Grid};
use serde::Serialize;

use crate::error::AppError;
use crate::hub::GameRow;
use crate::request::TrialRequest;
use crate::state::AppState;
use crate::trials::TrialInfo;

/// The `/api` routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/trial", get(trial).delete(cancel))
        .route("/api/trials", post(start))
        .route("/api/trial/pause", post(pause))
        .route("/api/trial/resume", post(resume))
        .route("/api/games", get(games))
        .route("/api/games/{id}", get(game).delete(kill))
        .route("/api/games/{id}/rle", get(game_rle))
        .route("/api/actors", get(actors))
        .route("/api/patterns", get(patterns))
}

async fn trial(State(state): State<AppState>) -> Json<TrialInfo> {
    Json(state.trial())
}

async fn start(
    State(state): State<AppState>,
    body: Result<Json<TrialRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<TrialInfo>), AppError> {
    let Json(request) = body?;
    let plan = request.plan(&state.inner.limits)?;
    let ticket = state.inner.trials.start(plan.spec, plan.pattern, "api", None).await?;
    Ok((StatusCode::CREATED, Json(ticket.info)))
}

async fn pause(State(state): State<AppState>) -> Result<Json<TrialInfo>, AppError> {
    state.inner.trials.pause(true).map(Json)
}

async fn resume(State(state): State<AppState>) -> Result<Json<TrialInfo>, AppError> {
    state.inner.trials.pause(false).map(Json)
}

async fn cancel(State(state): State<AppState>) -> Result<Json<TrialInfo>, AppError> {
    state.inner.trials.cancel().map(Json)
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
    width: usize,
    height: usize,
    /// `[generation, population]` pairs, oldest first, thinned to a bounded count.
    series: Vec<[u64; 2]>,
}

fn game_id(id: Result<Path<u32>, PathRejection>) -> Result<u32, AppError> {
    id.map(|Path(id)| id)
        .map_err(|_| AppError::bad_request("a game id is a whole number, e.g. /api/games/3"))
}

fn no_game(id: u32) -> AppError {
    AppError::not_found(format!("no game {id} in the current trial"))
}

async fn game(
    State(state): State<AppState>,
    id: Result<Path<u32>, PathRejection>,
) -> Result<Json<GameDetail>, AppError> {
    let id = game_id(id)?;
    let (row, board, series) = state.inner.hub.game(id).ok_or_else(|| no_game(id))?;
    Ok(Json(GameDetail {
        row,
        trial: state.inner.hub.rows().0,
        width: board.width(),
        height: board.height(),
        series,
    }))
}

/// The game's latest board as an RLE file (with the trial's rule and grid), to open in Golly.
async fn game_rle(
    State(state): State<AppState>,
    id: Result<Path<u32>, PathRejection>,
) -> Result<impl IntoResponse, AppError> {
    let id = game_id(id)?;
    let (row, board, _) = state.inner.hub.game(id).ok_or_else(|| no_game(id))?;
    let (trial, rule, topology) = state.inner.trials.rules().ok_or_else(|| no_game(id))?;
    let grid = Grid {
        topology,
        width: board.width(),
        height: board.height(),
    };
    let name = format!("Colony trial {trial} game {id} generation {}", row.generation);
    let text = pattern::write_rle(&board, rule, Some(grid), Some(&name));
    let disposition = format!("inline; filename=\"colony-{trial}-{id}-{}.rle\"", row.generation);
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
    state.inner.trials.kill(id).map(Json)
}

async fn actors(State(state): State<AppState>) -> impl IntoResponse {
    Json(state.machine())
}

async fn patterns() -> Json<&'static [&'static str]> {
    Json(pattern::library_names())
}
