//! Who may use the dashboard: loopback by default, a bearer token anywhere else.
//!
//! - Bound to a loopback address, only this machine can connect; no token is needed unless one
//!   was given explicitly. Requests must name the server by a loopback host (`Host` header), so
//!   a web page on another site cannot reach it through DNS rebinding.
//! - Bound to any other address, every `/api/` and `/ws` request needs the token, as an
//!   `Authorization: Bearer` header or a `?token=` query (browsers cannot set headers on a
//!   WebSocket, and the printed URL carries it to the page). The page and its assets need none:
//!   they hold no data.
//! - Requests that change something, and WebSocket upgrades, are refused when their `Origin`
//!   names another host than their `Host`: a foreign page cannot drive or watch the dashboard
//!   from a visitor's browser.

use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// The shortest token accepted: 16 characters, about 96 bits as typed by people and more when
/// generated; a short one would be guessed quicker than a connection cap can slow a guesser.
pub const MIN_TOKEN_LEN: usize = 16;

/// The dashboard's access policy.
#[derive(Debug, Clone)]
pub struct Access {
    token: Option<String>,
    loopback: bool,
}

impl Access {
    /// The policy for a server bound to `bind`: with `token` if given (at least
    /// [`MIN_TOKEN_LEN`] printable ASCII characters); off loopback, a new random token when none
    /// is given (read it back with [`Access::token`] to print it).
    pub fn for_bind(bind: SocketAddr, token: Option<String>) -> Result<Access, AppError> {
        let loopback = bind.ip().is_loopback();
        let token = match token {
            Some(t) if !t.bytes().all(|b| b.is_ascii_graphic() && b != b'&' && b != b'#') => {
                return Err(AppError::bad_request(
                    "the token must be printable ASCII without spaces, '&' or '#'",
                ))
            }
            Some(t) if t.len() < MIN_TOKEN_LEN => {
                return Err(AppError::bad_request(format!(
                    "the token must be at least {MIN_TOKEN_LEN} characters long, this one has {}",
                    t.len()
                )))
            }
            Some(t) => Some(t),
            None if loopback => None,
            None => Some(generate_token()?),
        };
        Ok(Access { token, loopback })
    }

    /// Open access for a loopback-only server (tests, `colony serve` by default).
    pub fn loopback() -> Access {
        Access {
            token: None,
            loopback: true,
        }
    }

    /// The token requests must carry, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Whether the server only listens on loopback.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// Whether `headers` or the `query` carry the token (always true when none is needed).
    fn authorized(&self, headers: &HeaderMap, query: Option<&str>) -> bool {
        let Some(expected) = &self.token else {
            return true;
        };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let queried = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| pair.strip_prefix("token="));
        [bearer, queried]
            .into_iter()
            .flatten()
            .any(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()))
    }
}

/// 128 random bits from the OS, as 32 hex digits.
fn generate_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness for a token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares without stopping at the first difference, so timing does not leak the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The host part of a `Host` header or an origin's authority (`[::1]:80` → `[::1]`).
fn host_name(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

fn is_loopback_name(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Middleware enforcing [`Access`] (see the module docs).
pub async fn guard(State(access): State<std::sync::Arc<Access>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let path = request.uri().path();
    let protected = path.starts_with("/api/") || path == "/ws";
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if access.loopback {
        if let Some(host) = host {
            if !is_loopback_name(host_name(host)) {
                tracing::warn!(host, "refused a request naming a non-loopback host");
                return AppError::new(
                    StatusCode::FORBIDDEN,
                    "this dashboard only answers to localhost / 127.0.0.1 / [::1]",
                )
                .into_response();
            }
        }
    }
    let mutating = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if mutating || path == "/ws" {
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        if let (Some(origin), Some(host)) = (origin, host) {
            let origin_authority = origin.split("://").nth(1).unwrap_or("");
            if origin_authority != host {
                tracing::warn!(origin, host, "refused a cross-origin request");
                return AppError::new(StatusCode::FORBIDDEN, "cross-origin requests are refused").into_response();
            }
        }
    }
    if protected && !access.authorized(headers, request.uri().query()) {
        return AppError::new(
            StatusCode::UNAUTHORIZED,
            "this dashboard needs its token: send 'Authorization: Bearer TOKEN' or add ?token=TOKEN",
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_the_header_or_the_query() {
        let token = "s3cret-s3cret-s3cret";
        let access = Access::for_bind("0.0.0.0:1".parse().expect("addr"), Some(token.into())).expect("access");
        let mut headers = HeaderMap::new();
        assert!(!access.authorized(&headers, None));
        assert!(access.authorized(&headers, Some(&format!("a=1&token={token}"))));
        assert!(!access.authorized(&headers, Some("token=s3cret-s3cret-s3cre")));
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("header"),
        );
        assert!(access.authorized(&headers, None));
    }

    #[test]
    fn off_loopback_a_token_is_generated() {
        let access = Access::for_bind("0.0.0.0:1".parse().expect("addr"), None).expect("access");
        assert_eq!(access.token().map(str::len), Some(32));
        let local = Access::for_bind("127.0.0.1:1".parse().expect("addr"), None).expect("access");
        assert!(local.token().is_none() && local.is_loopback());
        assert!(Access::for_bind(
            "127.0.0.1:1".parse().expect("addr"),
            Some("a&b-long-enough-1234".into())
        )
        .is_err());
    }

    #[test]
    fn short_tokens_are_refused() {
        let addr = "0.0.0.0:1".parse().expect("addr");
        let error = Access::for_bind(addr, Some("x".into())).expect_err("one character");
        assert!(error.message.contains("at least 16 characters"), "{}", error.message);
        assert!(Access::for_bind(addr, Some("x".repeat(MIN_TOKEN_LEN - 1))).is_err());
        assert!(Access::for_bind(addr, Some("x".repeat(MIN_TOKEN_LEN))).is_ok());
        assert!(Access::for_bind(addr, Some(String::new())).is_err());
    }

    #[test]
    fn host_names() {
        assert_eq!(host_name("[::1]:8265"), "[::1]");
        assert_eq!(host_name("localhost:8265"), "localhost");
        assert!(is_loopback_name("[::1]") && is_loopback_name("127.0.0.2") && is_loopback_name("LOCALHOST"));
        assert!(!is_loopback_name("evil.example"));
    }
}
