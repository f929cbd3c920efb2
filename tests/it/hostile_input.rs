//! Property tests with large and hostile input at the doors every request passes: sign-in,
//! the CSRF check, request ids, cookies, and axum's own extractors. Every request is answered,
//! within a bounded time, never with a panic or a 500; what is logged cannot break a line.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use ccr_panel::logging::{escape_controls, text_value};
use ccr_panel::web::csrf::{token_for, well_formed};
use ccr_panel::web::refusals::is_valid_request_id;
use proptest::prelude::*;

use crate::helpers::*;

/// The panel signing people in against a cluster that is not there: sign-ins get as far as
/// asking Elasticsearch, which fails at once.
fn panel() -> axum::Router {
    let dead = client_at(&[format!("http://127.0.0.1:{}", closed_port())], Duration::from_secs(2));
    let key = secrecy::SecretString::from("a-session-key-of-at-least-32-bytes!!".to_owned());
    let sessions = ccr_panel::web::session::SessionConfig::new(
        Some(&key),
        Duration::from_secs(1800),
        Duration::from_secs(43_200),
        false,
    )
    .unwrap();
    let auth = ccr_panel::web::auth::AuthSettings {
        mode: ccr_panel::web::auth::AuthMode::Es,
        sessions,
        limiter: ccr_panel::web::auth::LoginLimiter::new(5, Duration::from_secs(300)),
    };
    ccr_panel::app(ccr_panel::AppState::new(
        vec![ccr_panel::ManagedCluster { name: "local".into(), client: dead }],
        auth,
    ))
}

/// Runs one request on a fresh runtime and says it was answered in time, without a 500.
fn answered(build: impl FnOnce(&str, &str) -> Option<Request<Body>>) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let panel = panel();
        let mut visitor = Visitor::new(&panel);
        let token = visitor.csrf_token().await;
        let Some(request) = build(&visitor.cookie_header(), &token) else { return Ok(()) };
        let page = tokio::time::timeout(Duration::from_secs(10), send(&panel, request))
            .await
            .map_err(|_| TestCaseError::fail("no answer within 10 s"))?;
        prop_assert!(page.status.as_u16() != 500, "{} {}", page.status, page.body);
        prop_assert!(!page.body.is_empty() || page.status.is_redirection() || page.status.as_u16() == 304);
        Ok(())
    })
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,40}", "[\\x00-\\x1f\"=\\\\ a-z]{0,40}", (1usize..200_000).prop_map(|n| "é\n\"=".repeat(n / 5 + 1)),]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sign_in_forms_of_any_content_are_answered(user in hostile_text(), password in ".{0,20}", key in ".{0,20}", next in ".{0,40}") {
        answered(|cookies, token| {
            let body = serde_urlencoded::to_string([("csrf", token), ("username", &user), ("password", &password), ("api_key", &key), ("next", &next)]).ok()?;
            Request::post("/login").header("content-type", "application/x-www-form-urlencoded").header("cookie", cookies).body(Body::from(body)).ok()
        })?;
    }

    #[test]
    fn any_body_content_type_and_token_are_answered(
        body in proptest::collection::vec(any::<u8>(), 0..4096),
        content_type in prop::sample::select(vec!["application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data; boundary=x", ""]),
        path in prop::sample::select(vec!["/login", "/logout", "/remote-clusters", "/remote-clusters/delete", "/preferences/language", "/preferences/cluster", "/nowhere"]),
        token_in_header in any::<bool>(),
        forged_token in prop::option::of("[A-Za-z0-9_-]{0,50}"),
    ) {
        answered(|cookies, token| {
            let token = forged_token.clone().unwrap_or_else(|| token.to_owned());
            let mut request = Request::post(path).header("cookie", cookies);
            if !content_type.is_empty() {
                request = request.header("content-type", content_type);
            }
            if token_in_header {
                request = request.header("x-csrf-token", HeaderValue::from_str(&token).ok()?);
            }
            request.body(Body::from(body.clone())).ok()
        })?;
    }

    #[test]
    fn any_path_cookie_and_request_id_are_answered(
        path in "/[a-zA-Z0-9%/._~-]{0,60}",
        cookie in "[ -~]{0,200}",
        request_id in proptest::collection::vec(32u8..127, 0..120),
    ) {
        answered(|_, _| {
            Request::get(path.as_str())
                .header("cookie", HeaderValue::from_str(&cookie).ok()?)
                .header("x-request-id", HeaderValue::from_bytes(&request_id).ok()?)
                .body(Body::empty())
                .ok()
        })?;
    }

    #[test]
    fn logged_values_never_break_a_line_or_pose_as_a_field(value in hostile_text()) {
        let shown = text_value(&value);
        prop_assert!(!shown.contains('\n') && !shown.contains('\r'));
        if shown.starts_with('"') {
            // Inside quotes, every quote is escaped: the value ends at the last one.
            let inner = &shown[1..shown.len() - 1];
            prop_assert!(!inner.replace("\\\\", "").replace("\\\"", "").contains('"'), "{}", shown);
        } else {
            prop_assert!(!shown.contains(' ') && !shown.contains('=') && !shown.contains('"'));
        }
        prop_assert!(!escape_controls(&value).chars().any(char::is_control));
    }

    #[test]
    fn tokens_and_request_ids_have_one_strict_shape(text in ".{0,80}", bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        if well_formed(&text) {
            prop_assert_eq!(text.len(), 43);
        }
        prop_assert!(well_formed(&token_for(b"k", &text, &text)));
        if is_valid_request_id(&bytes) {
            prop_assert!(bytes.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b)));
        }
    }
}
