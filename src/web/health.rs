//! Probes for orchestrators: `/healthz` says the process serves, `/readyz` that the (default)
//! cluster answers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    let cluster = state.cluster(None);
    match cluster.client.fetch_root().await {
        Ok(root) => (StatusCode::OK, format!("ready: {} {}", root.cluster_name, root.version.number)),
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {error}")),
    }
}
