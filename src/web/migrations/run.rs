//! Running one step: `POST /migrations/{id}/{step}`. Prepare and cutover first show what will
//! happen and need the person's word; then the step is claimed on the plan (a conditional
//! write: a second person gets "someone else is running it"), run, and its per-index outcomes
//! recorded; POST, redirect, GET with a flash that names what needs attention.

use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use std::collections::BTreeMap;

use super::cutover::{self, AliasRow};
use super::requests::{self, ShownRequest, Targets};
use super::session_leader::InSession;
use super::{find, leader_client, now_millis};
use crate::audit::{Action, Event, Outcome as AuditOutcome};
use crate::ccr::migrations::aliases::Aliases;
use crate::ccr::migrations::copy;
use crate::ccr::migrations::plan::{self, MigrationPlan, PlanWriteError, StepName, StoredPlan};
use crate::ccr::migrations::recipe::{self, ClusterChecks, Clusters, VersionCheck};
use crate::es::EsClient;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult};
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey, Outcome};
use crate::web::{Screen, render};

/// A claim older than this belongs to a panel that died mid-step and may be taken over.
const STALE_CLAIM_MILLIS: i64 = 10 * 60 * 1000;
/// How long `connect` waits for the remote to connect, and `verify` for the marker.
const WAIT: Duration = Duration::from_secs(10);
/// The flash's second name when the step was already running (see [`super::detail`]).
pub const BUSY: &str = "busy";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepFields {
    confirm: String,
    start_trial: String,
    writes_stopped: String,
    /// The cut-over's alias fields (`alias_{n}`, `leader_alias_{n}`; see [`super::cutover`]).
    #[serde(flatten)]
    more: BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "migrations/confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    plan: MigrationPlan,
    step: &'static str,
    /// The local licence is basic: offer a trial.
    offer_trial: bool,
    /// Cutover was sent without the box ticked.
    needs_box: bool,
    /// The cut-over's alias options per index.
    alias_rows: Vec<AliasRow>,
    /// Prepare: the requests it sends (the copies' bodies read from the leader).
    requests: Vec<ShownRequest>,
}

impl ConfirmPage {
    fn is_prepare(&self) -> bool {
        self.step == "prepare"
    }
}

/// What the confirmation page shows besides the plan: whether the cut-over's box was missing,
/// and the alias rows (with their problems) when they were already checked.
struct Asking<'a> {
    needs_box: bool,
    fields: &'a BTreeMap<String, String>,
    alias_rows: Option<Vec<AliasRow>>,
}

async fn confirmation(
    screen: &Screen,
    leader: Option<&EsClient>,
    plan: MigrationPlan,
    step: StepName,
    asking: Asking<'_>,
) -> AppResult<Response> {
    let chrome = screen.chrome(Nav::Migrations).await?;
    let offer_trial = step == StepName::Prepare && chrome.header.as_ref().is_some_and(|h| h.license == "basic");
    let local = screen.client();
    let invalid = asking.needs_box || asking.alias_rows.is_some();
    let alias_rows = match (step, asking.alias_rows) {
        (StepName::Cutover, Some(rows)) => rows,
        (StepName::Cutover, None) => cutover::rows(local, &plan, asking.fields, &[]).await?,
        _ => Vec::new(),
    };
    let requests = match (step, leader) {
        (StepName::Prepare, leader) => {
            let copies = match leader {
                Some(leader) => copy::copy_bodies(leader, &plan).await,
                None => Default::default(),
            };
            let leader_url = leader.and_then(|l| l.urls().into_iter().next());
            let local_url = local.urls().into_iter().next().unwrap_or_default();
            let targets = Targets {
                leader_url: leader_url.as_deref(),
                local_url: &local_url,
                alias: "",
                seeds: &[],
                copies: &copies,
            };
            requests::for_step(StepName::Prepare, &plan, &targets)
        }
        _ => Vec::new(),
    };
    let page = ConfirmPage {
        chrome,
        plan,
        step: step.as_str(),
        offer_trial,
        needs_box: asking.needs_box,
        alias_rows,
        requests,
    };
    let status = if invalid { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

fn back(state: &AppState, jar: PrivateCookieJar<FlashKey>, id: &str, flash: &Flash) -> Response {
    let to = format!("/migrations/{}", filters::encode_segment(id));
    (flash.store(jar, state.auth.sessions.secure), Redirect::to(&to)).into_response()
}

/// The versions and licence found by prepare, as flash lines (name, message key).
fn cluster_findings(checks: &ClusterChecks) -> Vec<(String, String)> {
    let mut found = Vec::new();
    match checks.versions {
        Some(VersionCheck::FollowerOlder) => found.push(("version".into(), "migration-version-follower-older".into())),
        Some(VersionCheck::TooFarApart) => found.push(("version".into(), "migration-version-too-far".into())),
        _ => {}
    }
    if !checks.local_licence_allows_ccr {
        found.push((checks.local_licence.clone(), "migration-licence-no-ccr".into()));
    }
    found
}

/// The audit line of one step run: failed when an index failed or its outcome could not be
/// written to the plan; the detail names the first few failed indices and their message keys.
fn step_event(id: &str, step: StepName, failures: &[(String, String)], write: Option<&PlanWriteError>) -> Event {
    let mut detail: Vec<String> = failures.iter().take(5).map(|(name, key)| format!("{name}: {key}")).collect();
    if failures.len() > 5 {
        detail.push(format!("{} more", failures.len() - 5));
    }
    match write {
        Some(PlanWriteError::Conflict) => detail.push("outcome not saved: the plan changed meanwhile".to_owned()),
        Some(PlanWriteError::Es(e)) => detail.push(format!("outcome not saved: {}", e.reason())),
        None => {}
    }
    Event {
        action: Action::RunMigrationStep,
        target: id.to_owned(),
        request: format!("run step {} of migration {id}", step.as_str()),
        outcome: if detail.is_empty() { AuditOutcome::Succeeded } else { AuditOutcome::Failed },
        detail: detail.join("; "),
    }
}

pub async fn run_step(
    State(state): State<AppState>,
    screen: Screen,
    InSession(session): InSession,
    jar: PrivateCookieJar<FlashKey>,
    Path((id, step)): Path<(String, String)>,
    Form(fields): Form<StepFields>,
) -> AppResult<Response> {
    let Some(step) = StepName::parse(&step) else {
        return Err(AppError::NotFound(format!("/migrations/{id}/{step}")));
    };
    let local = screen.client();
    let stored = find(local, &id).await?;
    let confirmed = fields.confirm == "yes";
    let leader = leader_client(&state, &screen, &stored.plan, &session);
    if step == StepName::Prepare && !confirmed {
        let asking = Asking { needs_box: false, fields: &fields.more, alias_rows: None };
        return confirmation(&screen, leader.as_ref(), stored.plan, step, asking).await;
    }
    let choosing_aliases = fields.more.get("options").is_some_and(|o| o == "aliases");
    if step == StepName::Cutover && (fields.writes_stopped != "yes" || choosing_aliases) {
        let needs_box = confirmed && !choosing_aliases && fields.writes_stopped != "yes";
        let asking = Asking { needs_box, fields: &fields.more, alias_rows: None };
        return confirmation(&screen, leader.as_ref(), stored.plan, step, asking).await;
    }
    // The aliases asked at the cut-over are checked before anything runs.
    let mut aliases = Aliases::new();
    if step == StepName::Cutover {
        match cutover::checked(local, &stored.plan, &fields.more).await? {
            Ok(checked) => aliases = checked,
            Err(rows) => {
                let asking = Asking { needs_box: false, fields: &fields.more, alias_rows: Some(rows) };
                return confirmation(&screen, leader.as_ref(), stored.plan, step, asking).await;
            }
        }
    }
    let user = screen.cluster.user.audit_name().to_owned();
    let claimed = match plan::claim(local, &stored, step, &user, now_millis(), STALE_CLAIM_MILLIS).await {
        Ok(claimed) => claimed,
        Err(PlanWriteError::Conflict) => {
            return Ok(back(&state, jar, &id, &Flash::new(Outcome::Updated, [step.as_str(), BUSY])));
        }
        Err(PlanWriteError::Es(e)) => return Err(e.into()),
    };
    let mut trial_failure = None;
    if step == StepName::Prepare && fields.start_trial == "yes" {
        match local.start_trial().await {
            Ok(answer) if answer.trial_was_started => tracing::info!(migration = ?id, "trial licence started"),
            Ok(answer) => trial_failure = Some(answer.error_message.unwrap_or_else(|| "trial not started".into())),
            Err(e) => trial_failure = Some(e.reason()),
        }
        screen.record(&Event {
            action: Action::StartTrial,
            target: id.clone(),
            request: format!("POST _license/start_trial (prepare of migration {id})"),
            outcome: if trial_failure.is_none() { AuditOutcome::Succeeded } else { AuditOutcome::Failed },
            detail: trial_failure.clone().unwrap_or_default(),
        });
    }
    let clusters = Clusters { local, leader: leader.as_ref() };
    let mut working = claimed.plan.clone();
    let alias = working.leader_cluster.clone().unwrap_or_else(|| "leader".into());
    // What prepare finds about the clusters as a whole goes to the flash, beside the indices.
    let mut cluster_problems: Vec<(String, String)> = Vec::new();
    let outcomes = match step {
        StepName::Prepare => {
            let (checks, outcomes) = recipe::prepare(clusters, &mut working).await;
            cluster_problems = cluster_findings(&checks);
            outcomes
        }
        StepName::Connect => recipe::connect(clusters, &mut working, &alias, WAIT).await,
        StepName::Follow => recipe::follow(clusters, &working).await,
        StepName::Verify => recipe::verify(clusters, &working, WAIT).await,
        StepName::Cutover => recipe::cutover(clusters, &working, true, &aliases).await,
    };
    if step == StepName::Cutover {
        // A converted index's lag chart is over, as after a convert on the follower screens
        // (an alias refused after the convert still leaves a regular index).
        let converted = |o: &plan::IndexOutcome| o.ok || o.key == "migration-alias-failed";
        for index in working.indices.iter().filter(|i| outcomes.get(&i.leader_index).is_some_and(converted)) {
            state.lag_history.forget(&screen.cluster.name, &index.follower_index);
        }
    }
    let failures: Vec<(String, String)> =
        outcomes.iter().filter(|(_, o)| !o.ok).map(|(name, o)| (name.clone(), o.key.clone())).collect();
    // The step's own changes to the plan (the re-indexed copy, the remote) go in with its outcomes.
    let with_changes = StoredPlan { plan: working, seq_no: claimed.seq_no, primary_term: claimed.primary_term };
    let finished = plan::finish(local, &with_changes, step, &user, now_millis(), outcomes).await;
    screen.record(&step_event(&id, step, &failures, finished.as_ref().err()));
    match finished {
        Ok(_) => {}
        Err(PlanWriteError::Conflict) => {
            return Ok(back(&state, jar, &id, &Flash::new(Outcome::Updated, [step.as_str(), BUSY])));
        }
        Err(PlanWriteError::Es(e)) => return Err(e.into()),
    }
    tracing::info!(migration = ?id, step = step.as_str(), failed = failures.len(), "migration step ran");
    let mut failures = failures;
    failures.splice(0..0, cluster_problems);
    if let Some(reason) = trial_failure {
        failures.insert(0, ("_license/start_trial".into(), reason));
    }
    Ok(back(&state, jar, &id, &Flash::new(Outcome::Updated, [step.as_str()]).with_failures(failures)))
}
