//! The doctor's screens: every finding for the selected cluster (`/doctor`), the same as JSON
//! for monitoring scripts (`/doctor.json`), the findings about one remote, follower or pattern
//! for its detail page (`/doctor/panel`), the failing count for the overview
//! (`/doctor/count`), and the one fix that needs its own confirmation: releasing a retention
//! lease a deleted follower left on the leader (`/doctor/forget-follower`); and around an
//! upgrade, pausing or resuming every follower and pattern (`/doctor/replication`).
//!
//! Each request runs the doctor afresh ([`crate::ccr::doctor::run`]) with a bounded wait per
//! call, so a slow cluster gives "not checked (timed out)" instead of a hung page.

mod forget;
mod halt;
mod json;
mod page;
mod panel;
mod view;

use std::time::Duration;

use axum::Router;
use axum::routing::get;

use super::{AppState, Screen};
use crate::ccr::doctor::evidence::GatherOptions;
use crate::ccr::doctor::run::{self, Report};

/// How long each call of a run may take: long enough for a cluster under load, short enough
/// that the page comes back while someone is still looking at it.
pub const WAIT: Duration = Duration::from_secs(3);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/doctor", get(page::show_doctor))
        .route("/doctor/results", get(page::results_fragment))
        .route("/doctor.json", get(json::doctor_json))
        .route("/doctor/panel", get(panel::panel_fragment))
        .route("/doctor/count", get(panel::count_fragment))
        .route("/doctor/forget-follower", get(forget::confirm_forget).post(forget::forget_follower))
        .route("/doctor/replication", get(halt::confirm_halt).post(halt::halt_replication))
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// One run of the doctor on the selected cluster, with the other configured clusters as
/// possible leaders, called as the signed-in user.
async fn diagnose(state: &AppState, screen: &Screen) -> Report {
    let candidates = state.leader_candidates(&screen.cluster.name, &screen.cluster.user);
    let options =
        GatherOptions { history: Some((&state.lag_history, &screen.cluster.name)), ..GatherOptions::new(WAIT) };
    run::run(screen.client(), &candidates, options, now_millis()).await
}
