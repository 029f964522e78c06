//! `AppError`: every failure a handler returns, answered as `{"error": "..."}` with a 4xx/5xx code.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An HTTP error with a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct AppError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, in a sentence.
    pub message: String,
}

impl AppError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError {
            status,
            message: message.into(),
        }
    }

    /// 400: the request cannot be read.
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 422: the request reads fine but asks for something out of bounds.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, message)
    }

    /// 409: the request is fine but the trial is not in a state to do it.
    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::CONFLICT, message)
    }

    /// 500.
    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // A 503 is the server keeping a limit (too many clients), not a failure, and may come by
        // the hundred a second: not worth an error line each.
        if self.status.is_server_error() && self.status != StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(status = %self.status, message = %self.message, "request failed");
        } else {
            tracing::debug!(status = %self.status, message = %self.message, "request refused");
        }
        let mut response = (self.status, Json(serde_json::json!({ "error": self.message }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The runtime's refusals, with the status a client can act on.
impl From<colony_actors::ColonyError> for AppError {
    fn from(error: colony_actors::ColonyError) -> AppError {
        use colony_actors::ColonyError as E;
        let status = match &error {
            E::Trial(_) | E::Spec(_) => StatusCode::UNPROCESSABLE_ENTITY,
            E::Busy(_) | E::NotRunning { .. } => StatusCode::CONFLICT,
            E::NoSuchTrial(_) | E::NoSuchGame { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        AppError::new(status, error.to_string())
    }
}

// axum's own rejections answer in plain text; these keep every error JSON, with axum's status
// (400 bad syntax, 413 body too large, 415 not JSON, 422 wrong fields).
impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> AppError {
        AppError::new(rejection.status(), rejection.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> AppError {
        AppError::new(rejection.status(), rejection.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> AppError {
        AppError::new(rejection.status(), rejection.body_text())
    }
}
