//! The remote clusters screen: list, detail, add, edit, delete. All writes go through
//! `PUT _cluster/settings` (persistent); reads through `GET _cluster/settings`,
//! `GET _remote/info` and, from 8.13, `GET _resolve/cluster` for a live status.

mod delete;
mod detail;
pub mod form;
mod list;
pub mod validate;

use axum::Router;
use axum::routing::get;

use super::AppState;
use crate::ccr::remote_clusters::address::SeedAddress;
use crate::ccr::remote_clusters::{self, RemoteCluster};
use crate::es::EsClient;
use crate::web::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/remote-clusters", get(list::list_remote_clusters).post(form::create_remote_cluster))
        .route("/remote-clusters/new", get(form::new_remote_cluster))
        .route("/remote-clusters/new/preview", get(form::preview_request))
        .route("/remote-clusters/delete", axum::routing::post(delete::delete_remote_clusters))
        .route("/remote-clusters/{name}", get(detail::show_remote_cluster).post(form::update_remote_cluster))
        .route("/remote-clusters/{name}/edit", get(form::edit_remote_cluster))
        .route("/remote-clusters/{name}/status", get(detail::status_cell))
        .route("/remote-clusters/{name}/test", get(detail::test_connection))
        .route("/remote-clusters/{name}/delete", get(delete::confirm_delete).post(delete::delete_remote_cluster))
}

/// The remote `name`, or a 404 page that says so.
async fn find(client: &EsClient, name: &str) -> AppResult<RemoteCluster> {
    remote_clusters::list(client)
        .await?
        .into_iter()
        .find(|r| r.name == name)
        .ok_or_else(|| AppError::NotFound(format!("/remote-clusters/{name}")))
}

/// Every HTTP address the panel knows (see [`remote_clusters::http_endpoints`]).
async fn http_endpoints(state: &AppState, client: &EsClient) -> Vec<SeedAddress> {
    remote_clusters::http_endpoints(state.clusters.iter().flat_map(|c| c.client.urls()), client).await
}
