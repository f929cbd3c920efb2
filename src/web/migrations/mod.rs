//! The guided migration screens (issue 13): the list, the new-migration form, and one page per
//! migration that shows every step, its state per index, the requests it sends, and one clear
//! next action. The plan lives in the local cluster (`ccr::migrations::plan`); the steps are
//! `ccr::migrations::recipe`; this layer only reads forms, runs one step and picks a page.

mod cutover;
pub mod detail;
mod leader;
mod new;
mod requests;
mod run;
pub mod session_leader;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;

use super::AppState;
use super::Screen;
use crate::ccr::migrations::plan::{self, MigrationPlan, StoredPlan};
use crate::es::EsClient;
use crate::web::error::{AppError, AppResult};
use session_leader::SessionLeader;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/migrations", get(new::list_migrations).post(new::create_migration))
        .route("/migrations/new", get(new::new_migration))
        .route("/migrations/{id}", get(detail::show_migration))
        .route("/migrations/{id}/progress", get(detail::follow_progress))
        .route("/migrations/{id}/leader", axum::routing::post(leader::enter_leader))
        .route("/migrations/{id}/{step}", axum::routing::post(run::run_step))
}

/// Milliseconds since the epoch, as plans record times.
fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The migration `id`, or a 404 page that says so.
async fn find(client: &EsClient, id: &str) -> AppResult<StoredPlan> {
    plan::read(client, id).await?.ok_or_else(|| AppError::NotFound(format!("/migrations/{id}")))
}

/// The leader's client: a configured cluster the plan names (called as the signed-in user), or
/// the endpoint entered in this session when it is the one the plan records.
fn leader_client(
    state: &AppState,
    screen: &Screen,
    plan: &MigrationPlan,
    session: &[SessionLeader],
) -> Option<EsClient> {
    if let Some(name) = plan.leader_cluster.as_deref() {
        return state
            .clusters
            .iter()
            .any(|c| c.name == name)
            .then(|| state.client_for(Some(name), &screen.cluster.user));
    }
    let recorded = plan.leader_endpoint.as_deref()?;
    session.iter().find(|entered| entered.url_text() == recorded)?.client()
}
