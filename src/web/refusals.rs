//! Refusals that do not come from the panel's handlers: axum's extractor rejections (422 a
//! form field missing, 400 a path with bad percent-encoding, 415 a wrong content type, 413 a
//! body over the limit) answer in plain English text; here they become the panel's error page
//! in the user's language. Also: which client-sent request ids are kept.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use crate::i18n::Message;

/// How much of a rejection's text is kept as its detail.
const MAX_DETAIL_BYTES: usize = 1024;

/// Middleware: turns plain-text 4xx answers (only axum's rejections make them) into pages.
pub async fn as_error_pages(request: Request, next: Next) -> Response {
    let path = super::path_and_query(request.uri());
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    let refusal = matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::NOT_FOUND
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY
    );
    // The panel's own errors travel unrendered to the error layer: leave them be.
    let own = response.extensions().get::<super::error::ErrorReport>().is_some();
    if !refusal || !plain || own {
        return response;
    }
    let body = to_bytes(response.into_body(), MAX_DETAIL_BYTES).await.unwrap_or_default();
    let detail = String::from_utf8_lossy(&body).trim().to_owned();
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        StatusCode::NOT_FOUND => AppError::NotFound(path),
        StatusCode::UNPROCESSABLE_ENTITY => {
            AppError::Unprocessable(Message::new("error-bad-form").arg("detail", detail))
        }
        _ => AppError::BadRequest(Message::new("error-bad-form").arg("detail", detail)),
    };
    error.into_response()
}

/// The shape a request id must have to be kept: 1 to 64 letters, digits, `-`, `_` or `.`
/// (UUIDs, hex ids of nginx and most proxies). Anything else could carry text into the log.
pub fn is_valid_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Removes a client-sent `X-Request-Id` that is not in the strict format (or is sent twice),
/// so that the request-id layer makes a fresh one.
pub async fn drop_odd_request_id(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let ids: Vec<&HeaderValue> = headers.get_all("x-request-id").iter().collect();
    let keep = ids.len() == 1 && is_valid_request_id(ids[0].as_bytes());
    if !keep {
        headers.remove("x-request-id");
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_kept() {
        assert!(is_valid_request_id(b"0b7e3c1e-9a43-4a8b-bb5e-3f1f4b2d7a10"));
        assert!(is_valid_request_id(b"abc.DEF_123"));
        assert!(!is_valid_request_id(b""));
        assert!(!is_valid_request_id(b"x\" user=admin"));
        assert!(!is_valid_request_id(b"a b"));
        assert!(!is_valid_request_id("x".repeat(65).as_bytes()));
    }
}
