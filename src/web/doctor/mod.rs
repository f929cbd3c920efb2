//! The doctor's screens: every finding for the selected cluster (`/doctor`), the same as JSON
//! for monitoring scripts (`/doctor.json`), the findings about one remote, follower or pattern
//! for its detail page (`/doctor/panel`), the failing count for the overview
//! (`/doctor/count`), and the one fix that needs its own confirmation: releasing a retention
//! lease a deleted follower left on the leader (`/doctor/forget-follower`); and around an
//! upgrade, pausing or resuming every follower and pattern (`/doctor/replication`).
//!
//! The doctor page and "Run again" run the doctor afresh ([`crate::ccr::doctor::run`]), with
//! a bounded wait per call, so a slow cluster gives "not checked (timed out)" instead of a hung
//! page. The fragments (panels, the overview's count) share the report made for the same
//! cluster and user in the last few seconds, or the run under way
//! ([`crate::ccr::doctor::shared`]); any change made through the panel drops the kept reports.
//!
//! The HTML never waits for D10's second lag reading: when the lag history has no usable
//! earlier sample, D10 says "one reading so far" and the page asks for the trend again after
//! the pause ([`RESAMPLE_AFTER`], `?trend=true`), which reads `_ccr/info` and `_ccr/stats`
//! only. `/doctor.json` waits: a script wants the whole answer in one request.

mod forget;
mod halt;
mod json;
mod page;
mod panel;
mod view;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;

use super::{AppState, Screen};
use crate::ccr::doctor::evidence::{GatherOptions, RESAMPLE_AFTER, SecondReading};
use crate::ccr::doctor::lag_trend;
use crate::ccr::doctor::run::{self, Report};
use crate::ccr::doctor::shared::ReportKey;

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
async fn diagnose(state: &AppState, screen: &Screen, second_reading: SecondReading) -> Report {
    let candidates = state.leader_candidates(&screen.cluster.name, &screen.cluster.user);
    let options = GatherOptions { second_reading, ..options(state, screen) };
    run::run(screen.client(), &candidates, options, now_millis()).await
}

fn options<'a>(state: &'a AppState, screen: &'a Screen) -> GatherOptions<'a> {
    GatherOptions { history: Some((&state.lag_history, &screen.cluster.name)), ..GatherOptions::new(WAIT) }
}

/// Whose report this request may share: the cluster, the user, a digest of the credentials.
fn report_key(screen: &Screen) -> ReportKey {
    ReportKey::new(&screen.cluster.name, screen.cluster.user.name.as_deref(), screen.client().credentials_digest())
}

/// Which report a screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// A new run (the doctor page, "Run again"); kept for the fragments.
    Fresh,
    /// The kept one, or the run under way, or a new one (panels, the overview's count).
    Shared,
    /// The kept one with its lag trend measured (the page asks after the pause).
    Trend,
}

impl Wanted {
    /// The doctor page and its results: a new run, unless the trend is asked for or the page
    /// turns through a verdict's findings (each page from the same report, not a run each).
    fn for_page(trend: bool, turning: bool) -> Wanted {
        match (trend, turning) {
            (true, _) => Wanted::Trend,
            (false, true) => Wanted::Shared,
            (false, false) => Wanted::Fresh,
        }
    }

    /// A panel or the count: the shared report, unless the trend is asked for.
    fn for_fragment(trend: bool) -> Wanted {
        if trend { Wanted::Trend } else { Wanted::Shared }
    }
}

/// The report a screen shows, never waiting for a second lag reading unless the trend is what
/// was asked for.
async fn report(state: &AppState, screen: &Screen, wanted: Wanted) -> Arc<Report> {
    let (reports, key) = (&state.doctor_reports, report_key(screen));
    let run = || diagnose(state, screen, SecondReading::Defer);
    match wanted {
        Wanted::Fresh => reports.fresh(&key, run).await,
        Wanted::Shared => reports.shared(&key, run).await,
        Wanted::Trend => {
            let seen = reports.shared(&key, run).await;
            if !seen.trend_pending() {
                return seen;
            }
            // Asked for the trend: the history has this run's reading by now; when it still
            // has none (a follower it dropped), wait for a second reading here.
            reports
                .follow_up(&key, &seen, || async {
                    seen.with_trend(lag_trend::measure(screen.client(), options(state, screen)).await)
                })
                .await
        }
    }
}

/// The delay after which a page with "one reading so far" asks for the trend again, as htmx
/// writes it (`load delay:1000ms`): by then the history's reading is old enough to compare with.
pub fn trend_delay() -> String {
    format!("{}ms", RESAMPLE_AFTER.as_millis())
}

/// Drops the doctor's kept reports after every request that may have changed something (any
/// method but GET and HEAD, answered with success or a redirect), so the next look at the
/// doctor shows the change. A refused one (a wrong password, a bad form) changed nothing.
pub async fn forget_reports_after_changes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let changes = !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let response = next.run(request).await;
    if changes && (response.status().is_success() || response.status().is_redirection()) {
        state.doctor_reports.forget_all();
    }
    response
}
