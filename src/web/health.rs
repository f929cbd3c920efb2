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

/// Ready when the cluster answers as Elasticsearch. A 401 or 403 counts: in `--auth es` mode
/// the panel holds no credentials of its own, and a secured cluster refusing anonymous
/// requests is a cluster that is up. Says nothing about the cluster to an unsigned caller.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let cluster = state.cluster(None);
    match cluster.client.fetch_root().await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(crate::es::EsError::Api(api)) if api.status == 401 || api.status == 403 => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "not ready: the cluster does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready: the cluster does not answer (see the log)")
        }
    }
}
