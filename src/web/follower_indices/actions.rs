//! Pause and resume, of one follower or of several (names in the form body). Each answers
//! with a redirect to the page it came from, which then shows the new state at once and a
//! one-shot message with the failures; htmx follows the redirect and swaps the fresh table in.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use super::MAX_BULK;
use super::list::ListParams;
use crate::audit::{Action as AuditAction, Event};
use crate::ccr::followers;
use crate::ccr::steps::Report;
use crate::es::EsClient;
use crate::web::error::AppResult;
use crate::web::filters::encode_segment;
use crate::web::flash::{Flash, FlashKey, Outcome};
use crate::web::{AppState, Screen};

/// The body of an action form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub names: Vec<String>,
    /// The list's query string to come back to, or `detail` for the follower's page.
    pub back: String,
}

#[derive(Clone, Copy)]
enum Action {
    Pause,
    Resume,
}

/// The audit line's action and request for `name`.
fn audit_of(action: Action, name: &str) -> (AuditAction, String) {
    match action {
        Action::Pause => (AuditAction::PauseFollowerIndex, format!("POST {name}/_ccr/pause_follow")),
        Action::Resume => (AuditAction::ResumeFollowerIndex, format!("POST {name}/_ccr/resume_follow")),
    }
}

/// Runs the action; the flag says a resume used Elasticsearch's defaults (nothing remembered).
async fn run(client: &EsClient, action: Action, name: &str) -> (Report, bool) {
    match action {
        Action::Pause => (followers::pause(client, name).await.report, false),
        Action::Resume => {
            // The settings remembered at the pause; Elasticsearch's defaults when none were.
            let remembered = followers::settings_for_resume(client, name).await.ok().flatten();
            let defaults = remembered.is_none();
            (followers::resume(client, name, &remembered.unwrap_or_default()).await, defaults)
        }
    }
}

/// Where to go back to: the follower's page, or the list as it was (its query string is
/// read and written again, so nothing else can ride along).
fn back_to(back: &str, single: Option<&str>) -> String {
    match single {
        Some(name) if back == "detail" => format!("/follower-indices/{}", encode_segment(name)),
        _ => serde_urlencoded::from_str::<ListParams>(back).unwrap_or_default().href(|_| {}),
    }
}

async fn act(
    state: &AppState,
    screen: &Screen,
    jar: PrivateCookieJar<FlashKey>,
    action: Action,
    names: Vec<String>,
    to: String,
) -> Response {
    let secure = state.auth.sessions.secure;
    if names.is_empty() {
        return (Flash::new(Outcome::NothingSelected, [""; 0]).store(jar, secure), Redirect::to(&to)).into_response();
    }
    if names.len() > MAX_BULK {
        let flash = Flash::new(Outcome::TooMany { max: MAX_BULK as u32 }, [""; 0]);
        return (flash.store(jar, secure), Redirect::to(&to)).into_response();
    }
    let mut done = Vec::new();
    let mut failures = Vec::new();
    let mut with_defaults = Vec::new();
    for name in &names {
        let (report, defaults) = run(screen.client(), action, name).await;
        let (audit_action, request) = audit_of(action, name);
        screen.record(&Event::of_report(audit_action, name, request, &report));
        match report.failure() {
            None if defaults => {
                done.push(name.clone());
                with_defaults.push(name.clone());
            }
            None => done.push(name.clone()),
            Some(reason) => failures.push((name.clone(), reason.to_owned())),
        }
    }
    let flash = Flash::new(Outcome::Updated, &done).with_failures(failures).with_noted(with_defaults);
    (flash.store(jar, secure), Redirect::to(&to)).into_response()
}

pub async fn pause_one(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Path(name): Path<String>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let to = back_to(&form.back, Some(&name));
    Ok(act(&state, &screen, jar, Action::Pause, vec![name], to).await)
}

pub async fn resume_one(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Path(name): Path<String>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let to = back_to(&form.back, Some(&name));
    Ok(act(&state, &screen, jar, Action::Resume, vec![name], to).await)
}

pub async fn pause_many(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let to = back_to(&form.back, None);
    Ok(act(&state, &screen, jar, Action::Pause, form.names, to).await)
}

pub async fn resume_many(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let to = back_to(&form.back, None);
    Ok(act(&state, &screen, jar, Action::Resume, form.names, to).await)
}
