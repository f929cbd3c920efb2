//! Entering the leader's endpoint for this session: on the new-migration form, and on a
//! migration's page when its leader is not known in this session (`POST
//! /migrations/{id}/leader`). The URL is checked, then probed (`GET /`, with the credentials)
//! before anything is kept; a problem is a field message and changes nothing. Passwords and
//! API keys are never echoed into a page, not even after an error.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use super::find;
use super::new::{Checked, Messages};
use super::session_leader::{self, SessionLeader};
use crate::audit::{Action, Event, Outcome as AuditOutcome};
use crate::ccr::migrations::plan::{self, MigrationPlan, PlanWriteError};
use crate::es::{EsClient, EsError};
use crate::i18n::Message;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey, Outcome};
use crate::web::{Screen, render};

/// The endpoint fields as typed. Deliberately not `Debug`: it holds a password or an API key.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct EndpointFields {
    pub leader_url: String,
    pub leader_username: String,
    pub leader_password: String,
    pub leader_api_key: String,
}

/// What the endpoint fields show again: the URL (unless it might hold credentials) and the
/// user name; never the password or the API key.
#[derive(Debug, Default)]
pub struct EndpointView {
    pub url: String,
    pub username: String,
    pub checked: Checked,
}

impl EndpointFields {
    pub fn view(&self, checked: Checked) -> EndpointView {
        // A URL refused for holding user information may hold a password: not shown again.
        let url = if self.leader_url.contains('@') { String::new() } else { self.leader_url.trim().to_owned() };
        EndpointView { url, username: self.leader_username.trim().to_owned(), checked }
    }

    pub fn is_empty(&self) -> bool {
        self.leader_url.trim().is_empty()
            && self.leader_username.trim().is_empty()
            && self.leader_password.is_empty()
            && self.leader_api_key.trim().is_empty()
    }
}

/// Elasticsearch's answer to the probe, in plain words, for the URL field.
fn probe_message(error: &EsError) -> Message {
    let key = match error {
        EsError::Api(api) if api.status == 401 => "migration-leader-probe-credentials",
        EsError::Api(api) if api.status == 403 => "migration-leader-probe-forbidden",
        EsError::Unreachable { .. } | EsError::Timeout { .. } | EsError::AllNodesFailed { .. } => {
            "migration-leader-probe-unreachable"
        }
        EsError::Tls { .. } => "migration-leader-probe-tls",
        EsError::NotElasticsearch { .. } => "migration-leader-probe-not-es",
        _ => "migration-leader-probe-failed",
    };
    Message::new(key).arg("reason", error.reason())
}

/// Checks and probes the endpoint: the endpoint and a client for it, or the field messages.
pub async fn check_endpoint(fields: &EndpointFields) -> Result<(SessionLeader, EsClient), Messages> {
    let mut errors = Messages::default();
    let url = session_leader::parse_url(&fields.leader_url);
    if let Err(problem) = url {
        errors.add("leader_url", Message::new(problem.key()));
    }
    let auth = session_leader::credentials(&fields.leader_username, &fields.leader_password, &fields.leader_api_key);
    match auth {
        Err("leader_password") => errors.add("leader_password", Message::new("migration-leader-needs-password")),
        Err("leader_username") => errors.add("leader_username", Message::new("migration-leader-needs-username")),
        Err(_) => errors.add("leader_api_key", Message::new("migration-leader-key-or-password")),
        Ok(_) => {}
    }
    let (Ok(url), Ok(auth)) = (url, auth) else { return Err(errors) };
    let leader = SessionLeader { url, auth };
    let Some(client) = leader.client() else {
        errors.add("leader_url", Message::new("migration-leader-url-invalid"));
        return Err(errors);
    };
    match client.fetch_root().await {
        Ok(root) if root.version.number.parse::<crate::es::Version>().is_ok() => Ok((leader, client)),
        Ok(_) => {
            errors.add("leader_url", Message::new("migration-leader-probe-not-es").arg("reason", "GET /"));
            Err(errors)
        }
        Err(error) => {
            errors.add("leader_url", probe_message(&error));
            Err(errors)
        }
    }
}

/// Adds the `Set-Cookie` that keeps `leader` for this session.
pub fn keep(state: &AppState, headers: &HeaderMap, leader: &SessionLeader, response: &mut Response) {
    if let Some(cookie) = session_leader::seal(state, headers, leader).and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
}

#[derive(Template)]
#[template(path = "migrations/leader.html")]
struct LeaderPage {
    chrome: Chrome,
    plan: MigrationPlan,
    endpoint: EndpointView,
}

/// `POST /migrations/{id}/leader`: the endpoint for this migration's leader, for this session.
pub async fn enter_leader(
    State(state): State<AppState>,
    screen: Screen,
    headers: HeaderMap,
    jar: PrivateCookieJar<FlashKey>,
    Path(id): Path<String>,
    Form(fields): Form<EndpointFields>,
) -> AppResult<Response> {
    let local = screen.client();
    let stored = find(local, &id).await?;
    let back = format!("/migrations/{}", filters::encode_segment(&id));
    let again = |plan: MigrationPlan, checked: Checked| async {
        let chrome = screen.chrome(Nav::Migrations).await?;
        let page = LeaderPage { chrome, plan, endpoint: fields.view(checked) };
        AppResult::Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    let (leader, _) = match check_endpoint(&fields).await {
        Ok(found) => found,
        Err(errors) => return again(stored.plan, Checked { errors, ..Checked::default() }).await,
    };
    let url = leader.url_text();
    if stored.plan.leader_cluster.is_none() && stored.plan.leader_endpoint.as_deref() != Some(url.as_str()) {
        // The plan records where the leader is (never how to sign in there).
        let mut changed = stored.plan.clone();
        changed.leader_endpoint = Some(url.clone());
        let written = plan::update(local, &stored, &changed).await;
        screen.record(&Event {
            action: Action::SetMigrationLeader,
            target: id.clone(),
            // The URL only: the credentials stay in the session.
            request: format!("record the leader endpoint {url} in migration {id}"),
            outcome: if written.is_ok() { AuditOutcome::Succeeded } else { AuditOutcome::Failed },
            detail: match &written {
                Ok(_) => String::new(),
                Err(PlanWriteError::Conflict) => "the plan changed meanwhile".to_owned(),
                Err(PlanWriteError::Es(e)) => e.reason(),
            },
        });
        match written {
            Ok(_) => {}
            Err(PlanWriteError::Conflict) => {
                let mut checked = Checked::default();
                checked.errors.add("leader_url", Message::new("migration-someone-else"));
                return again(stored.plan, checked).await;
            }
            Err(PlanWriteError::Es(e)) => return Err(e.into()),
        }
    }
    tracing::info!(migration = %id, leader = %url, "leader endpoint entered for this session");
    let flash = Flash::new(Outcome::Updated, ["leader"]);
    let mut response = (flash.store(jar, state.auth.sessions.secure), Redirect::to(&back)).into_response();
    keep(&state, &headers, &leader, &mut response);
    Ok(response)
}
