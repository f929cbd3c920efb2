//! Cross-site request forgery protection for every state-changing request.
//!
//! The token a page carries is an HMAC-SHA256, under a key derived from the session key, of a
//! random nonce (kept in an HttpOnly, SameSite=Strict cookie) and of who is asking: the
//! random CSRF secret sealed inside the session when someone is signed in, or the user named
//! by the trusted proxy. Every form carries it in a hidden `csrf` field and htmx sends it as
//! `X-CSRF-Token`. A POST whose token is missing, malformed or not the HMAC for this request's
//! nonce and identity is refused before any handler (and so before any Elasticsearch call).
//!
//! Why not simply "cookie equals field": cookies do not keep ports apart, so a page served over
//! plain HTTP from another port of the same host can plant any `ccr_csrf` cookie, and would
//! then know the matching field. A planted nonce is useless here: the token for it needs the
//! server key, and for a signed-in user the session's own secret, which only the sealed session
//! cookie holds. Signing in and out changes both the nonce and the session secret, so a token
//! seen before sign-in is worthless after it.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::AppState;
use super::context::cookie;
use super::error::AppError;

/// The nonce cookie. Over TLS it carries the `__Host-` prefix, which browsers only accept
/// from this exact host with `Secure` and `Path=/`, so neither a sibling subdomain nor a
/// plain-HTTP page can plant one.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-ccr_csrf" } else { "ccr_csrf" }
}
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The largest request body the panel reads, anywhere (forms are small). Enforced for the
/// CSRF check's own read and, as axum's default body limit, for every handler's extractor.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// How long a whole request body may take to arrive. A client trickling a body (or never
/// finishing it) would otherwise hold its connection and a task for as long as it likes.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Length of a nonce and of a token: 32 bytes in unpadded base64url.
const ENCODED_LEN: usize = 43;

/// Whether `text` has the exact shape of a nonce or token (checked before anything else).
pub fn well_formed(text: &str) -> bool {
    text.len() == ENCODED_LEN && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A fresh random value in the nonce/token format (also the session's CSRF secret).
pub fn random_value() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The request's nonce, and whether it was just made (and so must be set as a cookie).
pub fn nonce(headers: &HeaderMap, secure: bool) -> (String, bool) {
    match cookie(headers, cookie_name(secure)).filter(|n| well_formed(n)) {
        Some(nonce) => (nonce, false),
        None => (random_value(), true),
    }
}

/// The token for a nonce and an identity (`""` when nobody in particular is signed in).
pub fn token_for(key: &[u8], nonce: &str, identity: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    // Length-prefixed, so no two (nonce, identity) pairs feed the same bytes.
    mac.update(b"ccr-panel csrf v1\0");
    mac.update(&(nonce.len() as u64).to_be_bytes());
    mac.update(nonce.as_bytes());
    mac.update(identity.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

pub fn cookie_header(nonce: &str, secure: bool) -> String {
    let flag = if secure { "; Secure" } else { "" };
    let name = cookie_name(secure);
    format!("{name}={nonce}; Path=/; HttpOnly; SameSite=Strict{flag}")
}

/// A `Set-Cookie` with a new nonce: sign-in and sign-out rotate it.
pub fn rotated_cookie(secure: bool) -> String {
    cookie_header(&random_value(), secure)
}

fn same(a: &str, b: &str) -> bool {
    // Constant time for equal lengths: the comparison does not reveal where they differ.
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token this request must carry, or `None` when it has no usable nonce cookie.
fn expected(state: &AppState, request: &Request) -> Option<String> {
    let secure = state.auth.sessions.secure;
    let nonce = cookie(request.headers(), cookie_name(secure)).filter(|n| well_formed(n))?;
    let identity = super::auth::csrf_identity(state, request);
    Some(token_for(state.auth.sessions.csrf_key(), &nonce, &identity))
}

/// Middleware: refuses unsafe methods without the right token.
pub async fn verify(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return AppError::TooLarge.into_response();
    }
    if from_another_origin(request.headers()) {
        return refuse();
    }
    let Some(expected) = expected(&state, &request) else {
        return refuse();
    };
    let in_header = request.headers().get(CSRF_HEADER).map(|v| v.to_str().unwrap_or_default().to_owned());
    if in_header.as_deref().is_some_and(|sent| !(well_formed(sent) && same(sent, &expected))) {
        return refuse();
    }
    let is_form = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if in_header.is_none() && !is_form {
        return refuse();
    }
    // The whole body is read here, under the size limit and the time limit, whichever way
    // the token travels; the handler then reads it from memory.
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(BODY_READ_TIMEOUT, to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return AppError::TooLarge.into_response(),
        Err(_) => return AppError::BodyTimeout.into_response(),
    };
    if in_header.is_some() {
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    let sent: Option<String> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v));
    match sent {
        Some(sent) if well_formed(&sent) && same(&sent, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        _ => refuse(),
    }
}

/// Whether the browser says the request was made by a page of another origin. The token alone
/// cannot tell: where nobody is signed in (the sign-in form, `--auth none`) every visitor's
/// token is for the same identity, so an attacker can fetch a nonce and its token, plant the
/// nonce from a same-site page (another port of the host, a sibling subdomain without TLS)
/// and post the token: the victim would be signed in to the attacker's account, or an
/// anonymous panel changed. Browsers send `Sec-Fetch-Site` with every request (`same-site`
/// for those pages, which `Origin` checks behind a rewriting proxy would get wrong); clients
/// that send none (curl, old browsers) still need the token.
fn from_another_origin(headers: &HeaderMap) -> bool {
    headers.get("sec-fetch-site").is_some_and(|site| !matches!(site.as_bytes(), b"same-origin" | b"none"))
}

fn refuse() -> Response {
    tracing::warn!("request refused: missing or wrong CSRF token");
    AppError::CsrfRejected.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_key_nonce_and_identity() {
        let nonce = random_value();
        let token = token_for(b"key-one", &nonce, "");
        assert!(well_formed(&token) && well_formed(&nonce));
        assert_eq!(token, token_for(b"key-one", &nonce, ""), "stable for one page after another");
        assert_ne!(token, token_for(b"key-two", &nonce, ""));
        assert_ne!(token, token_for(b"key-one", &random_value(), ""));
        assert_ne!(token, token_for(b"key-one", &nonce, "session-secret"));
        assert_ne!(token, nonce, "the token is not the cookie");
    }

    #[test]
    fn only_the_exact_shape_is_well_formed() {
        assert!(!well_formed(""));
        assert!(!well_formed("x"));
        assert!(!well_formed(&"x".repeat(44)));
        assert!(!well_formed(&format!("{}=", "x".repeat(42))));
        assert!(well_formed(&"x".repeat(43)));
    }
}
