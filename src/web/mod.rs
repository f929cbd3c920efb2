//! The web interface: one module per screen, each owning its routes, merged here with the
//! middleware every screen gets: request ids, logging, security headers, CSRF, sign-in.

pub mod assets;
pub mod auth;
pub mod auto_follow;
pub mod chrome;
pub mod context;
pub mod csrf;
pub mod curl;
mod doctor;
pub mod error;
pub mod filters;
pub mod flash;
mod follower_indices;
mod health;
pub mod limiter;
mod login;
pub mod metrics;
pub mod migrations;
mod overview;
pub mod page;
mod preferences;
pub mod refusals;
pub mod remote_clusters;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::middleware;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::es::EsClient;
use auth::{AuthMode, AuthSettings, CurrentUser};
use error::AppError;
pub use page::{Cluster, Screen, ValidQuery, path_and_query, render};

/// One cluster the panel manages.
#[derive(Debug, Clone)]
pub struct ManagedCluster {
    /// The name shown in the switcher ("default" for a single `--es-url`).
    pub name: String,
    pub client: EsClient,
}

/// Shared by every handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The clusters in configuration order; the first is the default.
    pub clusters: Arc<Vec<ManagedCluster>>,
    /// How people sign in, sessions, and the sign-in rate limit.
    pub auth: Arc<AuthSettings>,
    /// Seals flash messages (derived from the session key).
    pub flash_key: flash::FlashKey,
    /// Recent lag of the followers the panel has shown, for the detail page's chart.
    pub lag_history: Arc<crate::ccr::followers::lag_history::LagHistory>,
    /// The doctor's reports of the last few seconds, shared by its page and fragments.
    pub doctor_reports: Arc<crate::ccr::doctor::shared::SharedReports>,
    /// `/metrics`, when `--metrics` is given (see [`AppState::with_metrics`]).
    pub metrics: Option<Arc<metrics::MetricsEndpoint>>,
}

impl AppState {
    pub fn new(clusters: Vec<ManagedCluster>, auth: AuthSettings) -> AppState {
        assert!(!clusters.is_empty(), "at least one cluster");
        let flash_key = flash::FlashKey::new(auth.sessions.derived_key("ccr-panel flash messages"));
        AppState {
            clusters: Arc::new(clusters),
            auth: Arc::new(auth),
            flash_key,
            lag_history: Arc::default(),
            doctor_reports: Arc::default(),
            metrics: None,
        }
    }

    /// Serves `/metrics` (on the panel's address when the endpoint says so).
    pub fn with_metrics(mut self, endpoint: Arc<metrics::MetricsEndpoint>) -> AppState {
        self.metrics = Some(endpoint);
        self
    }

    /// The cluster chosen by name, or the default one.
    pub fn cluster(&self, name: Option<&str>) -> &ManagedCluster {
        name.and_then(|n| self.clusters.iter().find(|c| c.name == n)).unwrap_or(&self.clusters[0])
    }

    /// Every configured cluster but `selected`, as possible leaders of its remotes (see
    /// [`crate::ccr::leaders`]), each called as `user`.
    pub fn leader_candidates(&self, selected: &str, user: &CurrentUser) -> Vec<crate::ccr::leaders::Candidate> {
        self.clusters
            .iter()
            .filter(|c| c.name != selected)
            .map(|c| crate::ccr::leaders::Candidate {
                name: c.name.clone(),
                client: self.client_for(Some(&c.name), user),
            })
            .collect()
    }

    /// The client for the cluster chosen by name, calling Elasticsearch as `user` when people
    /// sign in with their own credentials (`--auth es`), else with the configured ones.
    pub fn client_for(&self, cluster: Option<&str>, user: &CurrentUser) -> EsClient {
        let cluster = self.cluster(cluster);
        match (&self.auth.mode, &user.auth) {
            (AuthMode::Es, Some(auth)) => cluster.client.with_auth(Some(auth.clone())),
            _ => cluster.client.clone(),
        }
    }
}

/// Headers that make the browser refuse inline script, framing and content sniffing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Answers smaller than this are sent as they are. A new connection's first flight carries
/// about 14 KB (TCP's initial window of ten segments), so a smaller page arrives in one round
/// trip compressed or not, and gzip would only cost time: a tenth of the panel's CPU on an
/// 8 KB follower detail (`perf`; fix 16 in BENCHMARKS.md).
pub const COMPRESS_FROM_BYTES: u16 = 12 * 1024;

/// The whole panel as a router; tests build it without a socket.
pub fn app(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let hsts = state.auth.sessions.secure.then(|| {
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000"),
        )
    });
    let routes = Router::new()
        .merge(overview::router())
        .merge(remote_clusters::router())
        .merge(auto_follow::router())
        .merge(follower_indices::router())
        .merge(migrations::router())
        .merge(doctor::router())
        .merge(login::router())
        .merge(preferences::router())
        .merge(health::router())
        .merge(assets::router())
        .fallback(|uri: axum::http::Uri| async move { AppError::NotFound(path_and_query(&uri)) })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        // One `layer` call per stack: axum boxes every route again at each call, and with one
        // call per layer (eighteen) a request went through as many boxed services, each cloned
        // for it (a tenth of the panel's work before it asks Elasticsearch anything, `perf`;
        // fix 32 in BENCHMARKS.md). Outermost first.
        .layer(
            tower::ServiceBuilder::new()
                // Adds `Vary: HX-Request` to the answers of requests whose htmx header was read.
                .layer(axum_htmx::AutoVaryLayer)
                // The request context around everything, then the error pages of all that is
                // inside (and of the handlers), then CSRF, then sign-in.
                .layer(middleware::from_fn_with_state(state.clone(), context::with_context))
                .layer(middleware::from_fn(error::render_errors))
                .layer(middleware::from_fn_with_state(state.clone(), csrf::verify))
                .layer(middleware::from_fn_with_state(state.clone(), auth::identify_user))
                // Rejections by axum's own extractors (bad form, bad path, wrong type, too
                // large) become the panel's error page; one body limit holds for every extractor.
                .layer(axum::extract::DefaultBodyLimit::max(csrf::MAX_BODY_BYTES))
                .layer(middleware::from_fn(refusals::as_error_pages))
                // After any change, the doctor's kept reports are stale.
                .layer(middleware::from_fn_with_state(state.clone(), doctor::forget_reports_after_changes)),
        )
        .with_state(state.clone());
    // Outside sign-in and CSRF: Prometheus has no session; the endpoint checks its own token.
    let routes = match state.metrics.clone().filter(|m| m.on_panel_address) {
        Some(endpoint) => routes.merge(metrics::router(endpoint)),
        None => routes,
    };
    // Outermost first (one `layer` call, as above).
    routes.layer(
        tower::ServiceBuilder::new()
            // A client's id is kept only in the strict format, else a fresh one is made.
            .layer(middleware::map_request(refusals::drop_odd_request_id))
            .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                // `user` is filled in by the sign-in layer once it knows who is asking.
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id, user = tracing::field::Empty)
            }))
            .layer(PropagateRequestIdLayer::new(x_request_id))
            .layer(SetResponseHeaderLayer::overriding(
                HeaderName::from_static("x-frame-options"),
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                HeaderName::from_static("referrer-policy"),
                HeaderValue::from_static("same-origin"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                HeaderName::from_static("content-security-policy"),
                HeaderValue::from_static(CSP),
            ))
            .option_layer(hsts)
            // Gzip for pages and fragments when the browser takes it (assets come
            // pre-compressed, and an answer that has a `Content-Encoding` is left alone); adds
            // `Vary` to the answers it could compress (a smaller one is the same for every
            // browser). Level 1: measured on a 66 KB follower list (zlib-rs, a fresh state as
            // here), about 0.10 ms and 7.6 KB against 0.12 ms and 6.2 KB at level 2 and 0.47 ms
            // and 5.2 KB at the default 6; a page is sent once, so the time counts more than
            // the kilobyte (the cold list stays under 30 KB). Only answers past
            // [`COMPRESS_FROM_BYTES`].
            .layer(
                tower_http::compression::CompressionLayer::new()
                    .quality(tower_http::CompressionLevel::Precise(1))
                    .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_FROM_BYTES))),
            ),
    )
}
