//! `GET /metrics` for Prometheus: off unless `--metrics`; then either on the panel's address
//! behind a bearer token (`--metrics-token`), or on an address of its own (`--metrics-listen`,
//! with the token too when both are given). It bypasses sign-in: Prometheus has no session,
//! and the readings use the configured credentials (or the cluster's metrics API key).
//!
//! `?cluster=NAME` reads one configured cluster; without it, every one.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::ccr::metrics::ScrapeError;
use crate::ccr::metrics::cache::Readings;
use crate::ccr::metrics::exposition::{self, Format};

/// The endpoint: the readings and who may read them.
#[derive(Debug)]
pub struct MetricsEndpoint {
    pub readings: Readings,
    /// The bearer token scrapers must send, when set.
    pub token: Option<SecretString>,
    /// Served on the panel's own address (else only on the separate listener).
    pub on_panel_address: bool,
}

#[derive(Debug, Deserialize)]
struct ScrapeQuery {
    cluster: Option<String>,
}

/// The route alone, for the separate listener or to merge into the panel.
pub fn router(endpoint: Arc<MetricsEndpoint>) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(endpoint)
}

/// Compares in time that does not depend on where the two differ (digests of equal length).
fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (Sha256::digest(given.as_bytes()), Sha256::digest(expected.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    let mut response = (status, text.into()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn authorized(endpoint: &MetricsEndpoint, headers: &HeaderMap) -> bool {
    let Some(expected) = &endpoint.token else { return true };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    given.is_some_and(|g| same_secret(g, expected.expose_secret()))
}

async fn scrape(
    State(endpoint): State<Arc<MetricsEndpoint>>,
    headers: HeaderMap,
    query: Result<Query<ScrapeQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if !authorized(&endpoint, &headers) {
        tracing::info!("metrics: a scrape without the right bearer token was refused");
        let mut response = plain(StatusCode::UNAUTHORIZED, "/metrics needs Authorization: Bearer <--metrics-token>\n");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"ccr-panel metrics\""));
        return response;
    }
    let Ok(Query(query)) = query else {
        return plain(StatusCode::BAD_REQUEST, "the only parameter is cluster=NAME\n");
    };
    if let Some(cluster) = &query.cluster
        && !endpoint.readings.knows(cluster)
    {
        return plain(StatusCode::NOT_FOUND, "no configured cluster has that name\n");
    }
    if endpoint.readings.none_readable() {
        return plain(StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", ScrapeError::NoCredentials));
    }
    let format = Format::from_accept(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let readings = endpoint.readings.read(query.cluster.as_deref()).await;
    let detailed = endpoint.readings.settings().detailed;
    // Thousands of followers make megabytes of text: written off the async workers.
    let body = match tokio::task::spawn_blocking(move || exposition::render(&readings, detailed, format)).await {
        Ok(body) => body,
        Err(_) => return plain(StatusCode::INTERNAL_SERVER_ERROR, "the metrics could not be written\n"),
    };
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("s3cret-token", "s3cret-token"));
        assert!(!same_secret("s3cret-toke", "s3cret-token"));
        assert!(!same_secret("", "s3cret-token"));
    }
}
