//! The list of migrations and the form that starts one: which configured cluster is the
//! leader, which remote (or none yet), which leader indices (names or patterns, one a line,
//! patterns expanded now so the plan names real indices) and the follower names.

use crate::audit::{Action, Event, Outcome as AuditOutcome};
use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::leader::{EndpointFields, EndpointView, check_endpoint, keep};
use super::now_millis;
use crate::ccr::migrations::plan::{self, MigrationPlan, PlanWriteError, PlannedIndex};
use crate::ccr::names::{self, NameProblem, NameRules};
use crate::ccr::remote_clusters;
use crate::es::EsClient;
use crate::i18n::Message;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::{Screen, render};
use axum::http::HeaderMap;

/// How many leader indices one migration takes (after expanding patterns).
pub const MAX_INDICES: usize = 200;

#[derive(Template)]
#[template(path = "migrations/list.html")]
struct ListPage {
    chrome: Chrome,
    migrations: Vec<MigrationPlan>,
}

pub async fn list_migrations(screen: Screen) -> AppResult<Response> {
    let chrome = screen.chrome(Nav::Migrations).await?;
    let migrations = plan::list(screen.client(), 100).await?;
    Ok(render(&ListPage { chrome, migrations })?.into_response())
}

/// The form as typed (kept after an error).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NewFields {
    pub leader_cluster: String,
    pub remote_cluster: String,
    pub leader_indices: String,
    pub follower_index_prefix: String,
    pub follower_index_suffix: String,
}

/// The whole form as posted: the fields above, and the leader endpoint for this session.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NewForm {
    #[serde(flatten)]
    pub fields: NewFields,
    #[serde(flatten)]
    pub endpoint: EndpointFields,
}

/// The messages per field, read by `macros.html` (`errors.on(field)`).
#[derive(Debug, Default)]
pub struct Messages(BTreeMap<&'static str, Vec<Message>>);

impl Messages {
    pub(super) fn add(&mut self, field: &'static str, message: Message) {
        self.0.entry(field).or_default().push(message);
    }
    pub fn on(&self, field: &str) -> &[Message] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What `macros.html` expects: errors, warnings and notes per field.
#[derive(Debug, Default)]
pub struct Checked {
    pub errors: Messages,
    pub warnings: Messages,
    pub notes: Messages,
}

#[derive(Template)]
#[template(path = "migrations/new.html")]
struct NewPage {
    chrome: Chrome,
    form: NewFields,
    checked: Checked,
    /// Configured clusters other than this one: candidates for the leader.
    leaders: Vec<String>,
    remotes: Vec<String>,
    /// The leader endpoint fields (URL and user name shown again, never the secrets).
    endpoint: EndpointView,
}

pub(super) fn problem_key(problem: NameProblem) -> &'static str {
    match problem {
        NameProblem::Empty => "migration-name-empty",
        NameProblem::TooLong => "migration-name-too-long",
        NameProblem::NotLowercase => "migration-name-not-lowercase",
        NameProblem::ForbiddenCharacter => "migration-name-forbidden",
        NameProblem::Space => "migration-name-space",
        NameProblem::BadStart => "migration-name-bad-start",
        NameProblem::DotOrDotDot => "migration-name-dot",
    }
}

fn name_messages(checked: &mut Checked, field: &'static str, name: &str, found: &names::NameProblems) {
    for problem in &found.problems {
        checked.errors.add(
            field,
            Message::new(problem_key(*problem)).arg("name", name).arg("characters", found.forbidden.clone()),
        );
    }
}

async fn form_page(
    screen: &Screen,
    state: &AppState,
    form: NewFields,
    checked: Checked,
    endpoint: EndpointView,
) -> AppResult<Response> {
    let chrome = screen.chrome(Nav::Migrations).await?;
    let leaders = state.clusters.iter().filter(|c| c.name != screen.cluster.name).map(|c| c.name.clone()).collect();
    let remotes = remote_clusters::list(screen.client()).await?.into_iter().map(|r| r.name).collect();
    let invalid = !checked.errors.is_empty() || !endpoint.checked.errors.is_empty();
    let status = if invalid { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&NewPage { chrome, form, checked, leaders, remotes, endpoint })?).into_response())
}

pub async fn new_migration(State(state): State<AppState>, screen: Screen) -> AppResult<Response> {
    form_page(&screen, &state, NewFields::default(), Checked::default(), EndpointView::default()).await
}

/// Expands one line: a name stays itself; a pattern asks the leader (or the remote).
async fn expand(
    line: &str,
    leader: Option<&EsClient>,
    local: &EsClient,
    remote: Option<&str>,
) -> Result<Vec<String>, Message> {
    if !line.contains('*') {
        return Ok(vec![line.to_owned()]);
    }
    let names: Vec<String> = if let Some(leader) = leader {
        let found = leader
            .cat_indices(Some(line))
            .await
            .map_err(|e| Message::new("migration-pattern-failed").arg("pattern", line).arg("reason", e.reason()))?;
        found.into_iter().map(|i| i.index).filter(|n| !n.starts_with('.')).collect()
    } else if let Some(remote) = remote {
        let found = local
            .resolve_index(&format!("{remote}:{line}"))
            .await
            .map_err(|e| Message::new("migration-pattern-failed").arg("pattern", line).arg("reason", e.reason()))?;
        found.indices.into_iter().map(|i| i.name.split_once(':').map(|(_, n)| n.to_owned()).unwrap_or(i.name)).collect()
    } else {
        return Err(Message::new("migration-pattern-needs-leader").arg("pattern", line));
    };
    let mut names = names;
    names.sort();
    if names.is_empty() {
        return Err(Message::new("migration-pattern-matches-nothing").arg("pattern", line));
    }
    Ok(names)
}

/// Reads the form into a plan, or every problem per field. `entered`: the leader endpoint
/// entered for this session, already checked.
async fn plan_from(
    screen: &Screen,
    state: &AppState,
    form: &NewFields,
    entered: Option<&EsClient>,
) -> AppResult<Result<MigrationPlan, Checked>> {
    let mut checked = Checked::default();
    let local = screen.client();
    let major = local.version().await?.major;
    let leader_name = form.leader_cluster.trim();
    let leader = if leader_name.is_empty() {
        entered.cloned()
    } else if leader_name == screen.cluster.name || !state.clusters.iter().any(|c| c.name == leader_name) {
        checked.errors.add("leader_cluster", Message::new("migration-leader-not-configured").arg("name", leader_name));
        None
    } else {
        Some(state.client_for(Some(leader_name), &screen.cluster.user))
    };
    let remote = form.remote_cluster.trim();
    if !remote.is_empty() && !remote_clusters::list(local).await?.iter().any(|r| r.name == remote) {
        checked.errors.add("remote_cluster", Message::new("migration-remote-unknown").arg("name", remote));
    }
    let remote = (!remote.is_empty()).then_some(remote);
    let (prefix, suffix) = (form.follower_index_prefix.trim(), form.follower_index_suffix.trim());
    for (field, part) in [("follower_index_prefix", prefix), ("follower_index_suffix", suffix)] {
        name_messages(&mut checked, field, part, &names::check_part(part, NameRules::index(major)));
    }
    let mut leader_indices: Vec<String> = Vec::new();
    let lines: Vec<&str> = form.leader_indices.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        checked.errors.add("leader_indices", Message::new("migration-no-indices"));
    }
    for line in lines {
        let found = names::check(line, NameRules::pattern(major));
        if !found.is_empty() {
            name_messages(&mut checked, "leader_indices", line, &found);
            continue;
        }
        match expand(line, leader.as_ref(), local, remote).await {
            Ok(names) => {
                for name in names {
                    if !leader_indices.contains(&name) && leader_indices.len() < MAX_INDICES {
                        leader_indices.push(name);
                    }
                }
            }
            Err(message) => checked.errors.add("leader_indices", message),
        }
    }
    let mut indices = Vec::new();
    for name in leader_indices {
        let follower = format!("{prefix}{name}{suffix}");
        let found = names::check(&follower, NameRules::index(major));
        if !found.is_empty() {
            name_messages(&mut checked, "leader_indices", &follower, &found);
        }
        indices.push(PlannedIndex {
            leader_index: name.clone(),
            source_index: name,
            follower_index: follower,
            outcomes: BTreeMap::new(),
        });
    }
    if !checked.errors.is_empty() {
        return Ok(Err(checked));
    }
    let now = now_millis();
    Ok(Ok(MigrationPlan {
        id: format!("m-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        created_by: screen.cluster.user.audit_name().to_owned(),
        created_at: now,
        leader_cluster: (!leader_name.is_empty()).then(|| leader_name.to_owned()),
        leader_endpoint: None,
        remote_cluster: remote.map(str::to_owned),
        follower_index_prefix: prefix.to_owned(),
        follower_index_suffix: suffix.to_owned(),
        indices,
        runs: BTreeMap::new(),
        running: None,
    }))
}

pub async fn create_migration(
    State(state): State<AppState>,
    screen: Screen,
    headers: HeaderMap,
    Form(NewForm { fields: form, endpoint }): Form<NewForm>,
) -> AppResult<Response> {
    // The leader's endpoint for this session: checked and probed before anything is kept.
    let mut endpoint_checked = Checked::default();
    let mut entered = None;
    if !endpoint.is_empty() {
        if !form.leader_cluster.trim().is_empty() {
            endpoint_checked.errors.add("leader_url", Message::new("migration-leader-both"));
        } else {
            match check_endpoint(&endpoint).await {
                Ok(found) => entered = Some(found),
                Err(errors) => endpoint_checked.errors = errors,
            }
        }
    }
    let planned = plan_from(&screen, &state, &form, entered.as_ref().map(|(_, client)| client)).await?;
    let mut plan = match planned {
        Ok(plan) if endpoint_checked.errors.is_empty() => plan,
        Ok(_) => return form_page(&screen, &state, form, Checked::default(), endpoint.view(endpoint_checked)).await,
        Err(checked) => return form_page(&screen, &state, form, checked, endpoint.view(endpoint_checked)).await,
    };
    plan.leader_endpoint = entered.as_ref().map(|(leader, _)| leader.url_text());
    let written = plan::create(screen.client(), &plan).await;
    screen.record(&Event {
        action: Action::CreateMigration,
        target: plan.id.clone(),
        request: format!(
            "write migration plan of {} indices from {}",
            plan.indices.len(),
            plan.leader_cluster.as_deref().or(plan.leader_endpoint.as_deref()).unwrap_or("a leader not yet connected")
        ),
        outcome: if written.is_ok() { AuditOutcome::Succeeded } else { AuditOutcome::Failed },
        detail: match &written {
            Ok(()) => String::new(),
            Err(PlanWriteError::Conflict) => "a plan with this id exists".to_owned(),
            Err(PlanWriteError::Es(e)) => e.reason(),
        },
    });
    match written {
        Ok(()) => {}
        Err(PlanWriteError::Es(e)) => return Err(e.into()),
        Err(PlanWriteError::Conflict) => {
            let mut checked = Checked::default();
            checked.errors.add("leader_indices", Message::new("migration-someone-else"));
            return form_page(&screen, &state, form, checked, endpoint.view(Checked::default())).await;
        }
    }
    tracing::info!(migration = %plan.id, indices = plan.indices.len(), "migration planned");
    let mut response = Redirect::to(&format!("/migrations/{}", filters::encode_segment(&plan.id))).into_response();
    if let Some((leader, _)) = &entered {
        keep(&state, &headers, leader, &mut response);
    }
    Ok(response)
}
