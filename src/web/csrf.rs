//! Cross-site request forgery protection for every state-changing request.
//!
//! A random token lives in an HttpOnly, SameSite=Strict cookie; every form carries it in a
//! hidden `csrf` field and htmx sends it as `X-CSRF-Token`. A POST whose token is missing or
//! differs is refused before any handler (and so before any Elasticsearch call) runs.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;

use super::AppState;
use super::context::cookie;
use crate::error::AppError;

/// The token cookie. Over TLS it carries the `__Host-` prefix, which browsers only accept
/// from this exact host with `Secure` and `Path=/`, so a sibling subdomain cannot plant one.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-ccr_csrf" } else { "ccr_csrf" }
}
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Forms are small; a larger body is refused rather than buffered.
const MAX_FORM_BYTES: usize = 1 << 20;

/// The request's token, and whether it was just made (and so must be set as a cookie).
pub fn token(headers: &HeaderMap, secure: bool) -> (String, bool) {
    match cookie(headers, cookie_name(secure))
        .filter(|t| t.len() == 43 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        Some(token) => (token, false),
        None => {
            use base64::Engine;
            let mut bytes = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut bytes);
            (base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes), true)
        }
    }
}

pub fn cookie_header(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let name = cookie_name(!secure.is_empty());
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict{secure}")
}

fn same(a: &str, b: &str) -> bool {
    // Constant time for equal lengths: the comparison does not reveal where they differ.
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Middleware: refuses unsafe methods without the right token.
pub async fn verify(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let Some(expected) = cookie(request.headers(), cookie_name(state.auth.sessions.secure)) else {
        return refuse();
    };
    if let Some(sent) = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if same(sent, &expected) { next.run(request).await } else { refuse() };
    }
    let is_form = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return refuse();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::TooLarge.into_response();
    };
    let sent: Option<String> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v));
    match sent {
        Some(sent) if same(&sent, &expected) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        _ => refuse(),
    }
}

fn refuse() -> Response {
    tracing::warn!("request refused: missing or wrong CSRF token");
    AppError::CsrfRejected.into_response()
}
