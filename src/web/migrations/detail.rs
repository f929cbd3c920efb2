//! One migration: every step with its state per index, the requests it sends, and the one next
//! action; while following, a progress table (leader count, follower count, operations behind,
//! time to catch up) that refreshes itself until every follower has caught up.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use super::leader::EndpointView;
use super::requests::{self, ShownRequest, Targets};
use super::run::BUSY;
use super::session_leader::InSession;
use super::{find, leader_client, now_millis};
use crate::ccr::followers;
use crate::ccr::migrations::plan::{IndexOutcome, MigrationPlan, StepName, StepRun};
use crate::ccr::migrations::recipe;
use crate::es::EsClient;
use crate::i18n::Tr;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::flash::{Failure, Flash, FlashKey};
use crate::web::{Screen, ValidQuery, render};

/// Where a step stands, as a badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Done,
    Failed,
    Running,
    Next,
    Pending,
}

impl StepState {
    pub const ALL: [StepState; 5] =
        [StepState::Done, StepState::Failed, StepState::Running, StepState::Next, StepState::Pending];

    /// The catalog key and CSS class suffix.
    pub fn key(self) -> &'static str {
        match self {
            StepState::Done => "migration-state-done",
            StepState::Failed => "migration-state-failed",
            StepState::Running => "migration-state-running",
            StepState::Next => "migration-state-next",
            StepState::Pending => "migration-state-pending",
        }
    }

    /// The badge's colour class (the word is always beside it).
    pub fn class(self) -> &'static str {
        match self {
            StepState::Done => "ok",
            StepState::Failed => "bad",
            StepState::Running | StepState::Next => "warn",
            StepState::Pending => "muted",
        }
    }
}

/// The state of `step` in `plan`.
pub fn step_state(plan: &MigrationPlan, step: StepName) -> StepState {
    if plan.running.as_ref().is_some_and(|(s, _, _)| *s == step) {
        return StepState::Running;
    }
    match plan.runs.get(&step) {
        Some(StepRun { ok: true, .. }) if plan.indices.iter().all(|i| i.outcomes.get(&step).is_some_and(|o| o.ok)) => {
            StepState::Done
        }
        _ if plan.next_step() == Some(step) => StepState::Next,
        Some(_) => StepState::Failed,
        None => StepState::Pending,
    }
}

pub struct StepView {
    pub step: &'static str,
    pub state: StepState,
    pub run: Option<StepRun>,
    /// Per index: leader index, index followed, follower, last outcome.
    pub rows: Vec<(String, String, String, Option<IndexOutcome>)>,
    pub requests: Vec<ShownRequest>,
}

/// One index while following.
pub struct ProgressRow {
    pub follower: String,
    pub leader_count: Option<u64>,
    pub follower_count: Option<u64>,
    pub lag: Option<u64>,
    /// Milliseconds to catch up at the rate seen since the last refresh.
    pub estimate: Option<u64>,
}

/// The progress table (see `_progress_inline.html`).
pub struct Progress {
    pub tr: Tr,
    pub id: String,
    pub rows: Vec<ProgressRow>,
    /// The query of the next refresh (`lags` as read now, and when): `None` once cut over.
    pub next_poll: Option<String>,
    /// How often to refresh: often while a follower is behind, calmly once caught up (writes
    /// keep arriving on the leader until the cut-over).
    pub every: &'static str,
}

/// The progress table alone, for htmx polling.
#[derive(Template)]
#[template(path = "migrations/_progress.html")]
struct ProgressFragment {
    progress: Progress,
}

/// The flash after a step, ready to show.
pub struct FlashView {
    pub class: &'static str,
    pub message: String,
    pub failures: Vec<Failure>,
}

fn flash_view(flash: Flash, tr: &Tr) -> FlashView {
    let step = flash.names.first().cloned().unwrap_or_default();
    if step == "leader" {
        return FlashView { class: "ok", message: tr.t("migration-leader-entered"), failures: Vec::new() };
    }
    let step_name = tr.t(&format!("migration-step-{step}"));
    if flash.names.get(1).map(String::as_str) == Some(BUSY) {
        return FlashView { class: "warn", message: tr.t1("migration-busy", "step", &step_name), failures: Vec::new() };
    }
    let failures: Vec<Failure> = flash
        .failures
        .into_iter()
        .map(|f| Failure {
            reason: if f.reason.starts_with("migration-") { tr.t(&f.reason) } else { f.reason },
            name: f.name,
        })
        .collect();
    if failures.is_empty() {
        FlashView { class: "ok", message: tr.t1("migration-ran-ok", "step", &step_name), failures }
    } else {
        FlashView { class: "warn", message: tr.t1("migration-ran-attention", "step", &step_name), failures }
    }
}

#[derive(Template)]
#[template(path = "migrations/detail.html")]
struct DetailPage {
    chrome: Chrome,
    plan: MigrationPlan,
    steps: Vec<StepView>,
    next: Option<&'static str>,
    leader_known: bool,
    flash: Option<FlashView>,
    progress: Option<Progress>,
    /// The form that enters the leader's endpoint for this session (when it is not known).
    endpoint: EndpointView,
}

impl DetailPage {
    /// Followers exist and are not converted yet: say they are read-only.
    fn followers_read_only(&self) -> bool {
        self.plan.runs.contains_key(&StepName::Follow) && !self.plan.runs.get(&StepName::Cutover).is_some_and(|r| r.ok)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProgressQuery {
    lags: String,
    at: i64,
}

async fn progress(
    tr: Tr,
    local: &EsClient,
    leader: Option<&EsClient>,
    plan: &MigrationPlan,
    previous: &ProgressQuery,
) -> Progress {
    let listed = followers::list(local).await.unwrap_or_default();
    let now = now_millis();
    let before: Vec<Option<u64>> = previous.lags.split(',').map(|l| l.parse().ok()).collect();
    let elapsed = (now - previous.at).max(0) as u64;
    let mut rows = Vec::new();
    for (i, index) in plan.indices.iter().enumerate() {
        let leader_count = match leader {
            Some(leader) => leader.count(&index.source_index).await.ok(),
            None => None,
        };
        let follower_count = local.count(&index.follower_index).await.ok();
        let lag = listed.iter().find(|f| f.name == index.follower_index).and_then(|f| f.lag);
        let then = before.get(i).copied().flatten().filter(|_| previous.at > 0);
        let estimate = catch_up_estimate(lag, then, elapsed);
        rows.push(ProgressRow { follower: index.follower_index.clone(), leader_count, follower_count, lag, estimate });
    }
    let settled =
        rows.iter().all(|r| r.lag == Some(0) && (r.leader_count.is_none() || r.leader_count == r.follower_count));
    let lags: Vec<String> = rows.iter().map(|r| r.lag.map(|l| l.to_string()).unwrap_or_default()).collect();
    let cut_over = plan.runs.get(&StepName::Cutover).is_some_and(|r| r.ok);
    let next_poll = (!cut_over).then(|| format!("lags={}&at={now}", lags.join("%2C")));
    let every = if settled { "every 10s" } else { "every 2s" };
    Progress { tr, id: plan.id.clone(), rows, next_poll, every }
}

/// Milliseconds until a follower catches up, at the rate its lag fell over `elapsed` ms since
/// it was `then`: `Some(0)` when caught up, `None` when not falling (or nothing to compare).
pub fn catch_up_estimate(now: Option<u64>, then: Option<u64>, elapsed: u64) -> Option<u64> {
    match (now, then) {
        (Some(0), _) => Some(0),
        (Some(now), Some(then)) if then > now && elapsed > 0 => Some(now.saturating_mul(elapsed) / (then - now)),
        _ => None,
    }
}

pub async fn show_migration(
    State(state): State<AppState>,
    screen: Screen,
    InSession(session): InSession,
    jar: PrivateCookieJar<FlashKey>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (jar, flash) = Flash::take(jar, &headers);
    let chrome = screen.chrome(Nav::Migrations).await?;
    let local = screen.client();
    let stored = find(local, &id).await?;
    let plan = stored.plan;
    let leader = leader_client(&state, &screen, &plan, &session);
    // Without a client, the URL the plan records (entered in another session) still tells
    // where the leader's requests go.
    let leader_url = leader.as_ref().and_then(|l| l.urls().into_iter().next()).or_else(|| plan.leader_endpoint.clone());
    let local_url = local.urls().into_iter().next().unwrap_or_default();
    let alias = plan.leader_cluster.clone().unwrap_or_else(|| "leader".into());
    // The seeds connect would write, while it has not connected yet.
    let seeds = match &leader {
        Some(leader) if !plan.runs.get(&StepName::Connect).is_some_and(|r| r.ok) => {
            recipe::leader_seeds(leader).await.unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let copies = match &leader {
        Some(leader) if !plan.runs.get(&StepName::Prepare).is_some_and(|r| r.ok) => {
            crate::ccr::migrations::copy::copy_bodies(leader, &plan).await
        }
        _ => Default::default(),
    };
    let targets = Targets {
        leader_url: leader_url.as_deref(),
        local_url: &local_url,
        alias: &alias,
        seeds: &seeds,
        copies: &copies,
    };
    let steps = StepName::ALL
        .into_iter()
        .map(|step| StepView {
            step: step.as_str(),
            state: step_state(&plan, step),
            run: plan.runs.get(&step).cloned(),
            rows: plan
                .indices
                .iter()
                .map(|i| {
                    let o = i.outcomes.get(&step).cloned();
                    (i.leader_index.clone(), i.source_index.clone(), i.follower_index.clone(), o)
                })
                .collect(),
            requests: requests::for_step(step, &plan, &targets),
        })
        .collect();
    let followed = plan.runs.contains_key(&StepName::Follow);
    let progress = if followed {
        Some(progress(chrome.tr, local, leader.as_ref(), &plan, &ProgressQuery::default()).await)
    } else {
        None
    };
    let flash = flash.map(|f| flash_view(f, &chrome.tr));
    let next = plan.next_step().map(StepName::as_str);
    let endpoint = EndpointView { url: plan.leader_endpoint.clone().unwrap_or_default(), ..EndpointView::default() };
    let page = DetailPage { chrome, leader_known: leader.is_some(), plan, steps, next, flash, progress, endpoint };
    Ok((jar, render(&page)?).into_response())
}

/// The progress table alone, for htmx polling.
pub async fn follow_progress(
    State(state): State<AppState>,
    screen: Screen,
    InSession(session): InSession,
    Path(id): Path<String>,
    ValidQuery(query): ValidQuery<ProgressQuery>,
) -> AppResult<Response> {
    let local = screen.client();
    let plan = find(local, &id).await?.plan;
    let leader = leader_client(&state, &screen, &plan, &session);
    let progress = progress(screen.tr(), local, leader.as_ref(), &plan, &query).await;
    Ok(render(&ProgressFragment { progress })?.into_response())
}

#[cfg(test)]
mod tests {
    use super::catch_up_estimate;

    #[test]
    fn the_estimate_follows_the_rate_the_lag_falls_at() {
        // 100 operations caught up in 2 s, 300 left: 6 s more.
        assert_eq!(catch_up_estimate(Some(300), Some(400), 2_000), Some(6_000));
        assert_eq!(catch_up_estimate(Some(0), None, 0), Some(0), "caught up");
        assert_eq!(catch_up_estimate(Some(300), Some(300), 2_000), None, "not falling: unknown");
        assert_eq!(catch_up_estimate(Some(300), Some(200), 2_000), None, "growing: unknown");
        assert_eq!(catch_up_estimate(Some(300), None, 2_000), None, "first reading");
        assert_eq!(catch_up_estimate(None, Some(10), 2_000), None, "paused");
    }
}
