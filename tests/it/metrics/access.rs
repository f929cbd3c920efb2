//! Who may read `/metrics`: nobody unless `--metrics`; then whoever brings the token, or
//! whoever reaches the separate listener; with `--auth es`, only with a metrics API key.

use std::net::SocketAddr;

use ccr_panel::config::MetricsArgs;
use ccr_panel::startup;
use ccr_panel::web::auth::AuthMode;
use secrecy::SecretString;

use super::*;

fn args() -> MetricsArgs {
    MetricsArgs {
        metrics: true,
        metrics_listen: None,
        metrics_token: Some(SecretString::from(TOKEN)),
        metrics_cache: Duration::from_secs(5),
        metrics_timeout: Duration::from_secs(5),
        metrics_detailed: false,
        metrics_es_api_key: None,
    }
}

#[tokio::test]
async fn without_metrics_there_is_no_endpoint() {
    let local = start_sim("local").await;
    let page = get_with(&panel_for(&local), "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 404);
    assert!(local.sim.requests().is_empty(), "nothing was read");
    let off = MetricsArgs { metrics: false, ..args() };
    let managed = [ManagedCluster { name: "local".into(), client: client(&local) }];
    let refused = startup::metrics_endpoint(&off, &managed, &[None], &AuthMode::None).unwrap_err();
    assert!(refused.contains("need --metrics"), "{refused}");
    let open = MetricsArgs { metrics_token: None, ..args() };
    let refused = startup::metrics_endpoint(&open, &managed, &[None], &AuthMode::None).unwrap_err();
    assert!(refused.contains("--metrics-listen") && refused.contains("--metrics-token"), "{refused}");
}

#[tokio::test]
async fn the_token_is_required_and_compared_whole() {
    let local = start_sim("local").await;
    let panel = panel(&local, None, uncached(), TOKEN);
    for authorization in
        [None, Some("Bearer wrong"), Some(&format!("Bearer {TOKEN}x")[..]), Some(&format!("Basic {TOKEN}")[..])]
    {
        let headers: Vec<(&str, &str)> = authorization.iter().map(|a| ("authorization", *a)).collect();
        let page = get_with(&panel, "/metrics", &headers).await;
        assert_eq!(page.status, 401, "{authorization:?}");
        assert_eq!(page.header("www-authenticate"), Some("Bearer realm=\"ccr-panel metrics\""));
        assert!(!page.body.contains("ccr_panel_"));
    }
    assert!(local.sim.requests().is_empty(), "a refused scrape reads nothing");
    let page = get_with(&panel, "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    assert!(!page.body.contains(TOKEN));
}

/// `--auth es` with a fixed session key.
fn signing_in() -> ccr_panel::web::auth::AuthSettings {
    use ccr_panel::web::auth::{AuthSettings, LoginLimiter};
    use ccr_panel::web::session::SessionConfig;
    let key = SecretString::from("a-session-key-of-at-least-32-bytes!!".to_owned());
    let sessions =
        SessionConfig::new(Some(&key), Duration::from_secs(1800), Duration::from_secs(43_200), false).unwrap();
    AuthSettings { mode: AuthMode::Es, sessions, limiter: LoginLimiter::new(5, Duration::from_secs(300)) }
}

#[tokio::test]
async fn with_sign_in_the_token_still_works_and_no_session_is_needed() {
    let secured = start_secured_sim("local").await;
    let managed = [ManagedCluster { name: "local".into(), client: client(&secured) }];
    // `--auth es`: people's own credentials; the cluster entry has a metrics key.
    let key = Some(ccr_panel::es::Auth::ApiKey(SecretString::from("YWRtaW4ta2V5")));
    let endpoint = startup::metrics_endpoint(&args(), &managed, &[key], &AuthMode::Es).unwrap().unwrap();
    let state = AppState::new(managed.to_vec(), signing_in()).with_metrics(endpoint);
    let panel = app(state);
    assert_eq!(get(&panel, "/").await.status, 303, "the panel itself asks people to sign in");
    let page = get_with(&panel, "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(value(&page.body, "ccr_panel_scrape_success", &[("cluster", "local")]), Some(1.0), "{}", page.body);
}

#[tokio::test]
async fn with_people_signing_in_a_cluster_without_a_metrics_key_is_said_plainly() {
    let local = start_sim("local").await;
    let managed = [ManagedCluster { name: "local".into(), client: client(&local) }];
    let endpoint = startup::metrics_endpoint(&args(), &managed, &[None], &AuthMode::Es).unwrap().unwrap();
    let state = AppState::new(managed.to_vec(), signing_in()).with_metrics(endpoint);
    let page = get_with(&app(state), "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 503);
    assert!(page.body.contains("--auth es") && page.body.contains("metrics_api_key_env"), "{}", page.body);
    assert!(local.sim.requests().is_empty(), "nobody's credentials were borrowed");
}

#[tokio::test]
async fn a_separate_listener_serves_metrics_and_the_panel_does_not() {
    let local = start_sim("local").await;
    let managed = [ManagedCluster { name: "local".into(), client: client(&local) }];
    let separate = MetricsArgs { metrics_token: None, metrics_listen: Some(loopback()), ..args() };
    let endpoint = startup::metrics_endpoint(&separate, &managed, &[None], &AuthMode::None).unwrap().unwrap();
    let state =
        AppState::new(managed.to_vec(), ccr_panel::web::auth::AuthSettings::anonymous()).with_metrics(endpoint.clone());
    assert_eq!(get(&app(state), "/metrics").await.status, 404, "not on the panel's address");
    let listener = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(axum::serve(listener, ccr_panel::web::metrics::router(endpoint)).into_future());
    let answer = reqwest::get(format!("http://{address}/metrics")).await.unwrap();
    assert_eq!(answer.status(), 200);
    let body = answer.text().await.unwrap();
    assert_eq!(value(&body, "ccr_panel_scrape_success", &[("cluster", "local")]), Some(1.0));
    let other = reqwest::get(format!("http://{address}/")).await.unwrap();
    assert_eq!(other.status(), 404, "nothing of the panel there");
}
