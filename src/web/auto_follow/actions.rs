//! Pause, resume and delete, for one pattern or several (names in the form body). Each goes
//! back to the list (POST, redirect, GET: a reload never acts twice) with a report per
//! pattern. Deleting asks first, and says the followers a pattern made stay and keep
//! replicating: deleting a pattern only stops new indices from being followed.

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use super::list::ListParams;
use super::{event, find};
use crate::audit::Action;
use crate::ccr::auto_follow::{self, PatternAction, PatternView};
use crate::ccr::bulk;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult};
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey, Outcome};
use crate::web::{Screen, render};

/// The most patterns one bulk action takes; more is refused whole.
pub const MAX_BULK: usize = 100;

/// The form as sent: `names` repeats (one per ticked box).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionFields {
    names: Vec<String>,
    confirm: Vec<String>,
    /// `detail`: go back to the pattern's page; else the list's query string to come back to.
    back: Option<String>,
}

impl ActionFields {
    fn confirmed(&self) -> bool {
        self.confirm.iter().any(|v| v == "yes")
    }

    /// Each name once, in order; `Err` past [`MAX_BULK`].
    fn names(&self) -> Result<Vec<String>, ()> {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        for name in self.names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            if seen.insert(name) {
                if names.len() == MAX_BULK {
                    return Err(());
                }
                names.push(name.to_owned());
            }
        }
        Ok(names)
    }
}

fn back(state: &AppState, jar: PrivateCookieJar<FlashKey>, flash: &Flash, to: &str) -> Response {
    (flash.store(jar, state.auth.sessions.secure), Redirect::to(to)).into_response()
}

fn kind(action: PatternAction) -> (Action, Outcome) {
    match action {
        PatternAction::Pause => (Action::PauseAutoFollowPattern, Outcome::Paused),
        PatternAction::Resume => (Action::ResumeAutoFollowPattern, Outcome::Resumed),
        PatternAction::Delete => (Action::DeleteAutoFollowPattern, Outcome::Deleted),
    }
}

fn request_text(action: PatternAction, name: &str) -> String {
    match action {
        PatternAction::Pause => format!("POST _ccr/auto_follow/{name}/pause"),
        PatternAction::Resume => format!("POST _ccr/auto_follow/{name}/resume"),
        PatternAction::Delete => format!("DELETE _ccr/auto_follow/{name}"),
    }
}

/// Runs `action` on every name, one after another, each reported; then back with the report.
async fn run(
    state: &AppState,
    screen: &Screen,
    jar: PrivateCookieJar<FlashKey>,
    names: &[String],
    action: PatternAction,
    to: &str,
) -> AppResult<Response> {
    let caps = screen.client().capabilities().await?;
    if matches!(action, PatternAction::Pause | PatternAction::Resume) && !caps.auto_follow_pause() {
        return Err(AppError::BadRequest(crate::i18n::Message::new("af-pause-unsupported")));
    }
    let (audit_action, outcome) = kind(action);
    let report = bulk::for_each(names, |name| async move {
        let report = auto_follow::act(screen.client(), &name, action).await;
        let result = match report.failure() {
            None if report.succeeded() => Ok(()),
            other => Err(other.unwrap_or_default().to_owned()),
        };
        screen.record(&event(audit_action, &name, request_text(action, &name), &result));
        result
    })
    .await;
    let flash = Flash::new(outcome, report.succeeded()).with_failures(report.failed());
    Ok(back(state, jar, &flash, to))
}

fn destination(fields: &ActionFields, name: &str) -> String {
    match fields.back.as_deref() {
        Some("detail") => format!("/auto-follow-patterns/{}", filters::encode_segment(name)),
        _ => list_view(fields),
    }
}

/// The list as it was (search, sort, page): rebuilt from its parsed query string, so the
/// redirect never leaves the list whatever was sent.
fn list_view(fields: &ActionFields) -> String {
    serde_urlencoded::from_str::<ListParams>(fields.back.as_deref().unwrap_or_default())
        .unwrap_or_default()
        .href(|_| {})
}

async fn one(
    state: AppState,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    name: String,
    fields: ActionFields,
    action: PatternAction,
) -> AppResult<Response> {
    let to = destination(&fields, &name);
    run(&state, &screen, jar, &[name], action, &to).await
}

async fn many(
    state: AppState,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    fields: ActionFields,
    action: PatternAction,
) -> AppResult<Response> {
    let list = &list_view(&fields);
    let names = match fields.names() {
        Err(()) => return Ok(back(&state, jar, &Flash::new(Outcome::TooMany { max: MAX_BULK as u32 }, [""; 0]), list)),
        Ok(names) if names.is_empty() => {
            return Ok(back(&state, jar, &Flash::new(Outcome::NothingSelected, [""; 0]), list));
        }
        Ok(names) => names,
    };
    if action == PatternAction::Delete && !fields.confirmed() {
        return confirmation(&screen, &names, Some(list)).await;
    }
    run(&state, &screen, jar, &names, action, list).await
}

pub async fn pause_pattern(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Path(name): Path<String>,
    Form(fields): Form<ActionFields>,
) -> AppResult<Response> {
    one(state, screen, jar, name, fields, PatternAction::Pause).await
}

pub async fn resume_pattern(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Path(name): Path<String>,
    Form(fields): Form<ActionFields>,
) -> AppResult<Response> {
    one(state, screen, jar, name, fields, PatternAction::Resume).await
}

pub async fn delete_pattern(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Path(name): Path<String>,
    Form(fields): Form<ActionFields>,
) -> AppResult<Response> {
    if !fields.confirmed() {
        return confirmation(&screen, &[name], None).await;
    }
    run(&state, &screen, jar, &[name], PatternAction::Delete, "/auto-follow-patterns").await
}

pub async fn pause_patterns(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Form(fields): Form<ActionFields>,
) -> AppResult<Response> {
    many(state, screen, jar, fields, PatternAction::Pause).await
}

pub async fn resume_patterns(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Form(fields): Form<ActionFields>,
) -> AppResult<Response> {
    many(state, screen, jar, fields, PatternAction::Resume).await
}

pub async fn delete_patterns(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Form(fields): Form<ActionFields>,
) -> AppResult<Response> {
    many(state, screen, jar, fields, PatternAction::Delete).await
}

#[derive(Template)]
#[template(path = "auto_follow/delete_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    patterns: Vec<PatternView>,
    bulk: bool,
    /// The list's view to come back to (bulk only), and its query string for the form.
    list: String,
    back: String,
}

impl ConfirmPage {
    fn single(&self) -> bool {
        self.patterns.len() == 1
    }
}

pub async fn confirm_delete(screen: Screen, Path(name): Path<String>) -> AppResult<Response> {
    confirmation(&screen, &[name], None).await
}

/// The confirmation of deleting `names`; `list` is the list's view a bulk delete came from.
async fn confirmation(screen: &Screen, names: &[String], list: Option<&str>) -> AppResult<Response> {
    let chrome = screen.chrome(Nav::AutoFollow).await?;
    let mut patterns = Vec::new();
    for name in names {
        patterns.push(find(screen.client(), name).await?.0);
    }
    let bulk = list.is_some();
    let list = list.unwrap_or("/auto-follow-patterns").to_owned();
    let back = list.trim_start_matches("/auto-follow-patterns").trim_start_matches('?').to_owned();
    Ok(render(&ConfirmPage { chrome, patterns, bulk, list, back })?.into_response())
}
