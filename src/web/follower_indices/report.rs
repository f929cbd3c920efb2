//! "Convert to a regular index" (pause, close, unfollow, open): a confirmation page first (it
//! cannot be undone; a checkbox confirms), then a report per follower and per step that says
//! which step failed and what state the index is in. The edit's report uses the same page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::MAX_BULK;
use crate::audit::{Action, Event, Outcome as AuditOutcome};
use crate::ccr::followers::{self, FollowerStatus, IndexState};
use crate::ccr::steps::{Report, StepOutcome};
use crate::i18n::{Message, Tr};
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult};
use crate::web::filters;
use crate::web::{AppState, Screen, render};

/// One step as the report shows it.
pub struct StepLine {
    pub text: String,
    /// The badge class: `ok`, `bad`, `warn` or `muted`.
    pub class: &'static str,
    pub outcome: String,
    pub reason: Option<String>,
}

/// What became of one follower.
pub struct ItemReport {
    pub name: String,
    pub succeeded: bool,
    pub steps: Vec<StepLine>,
    /// The index's state read back, in words (`None`: could not be read).
    pub state: Option<String>,
    /// The index is open (when known).
    pub open: Option<bool>,
}

impl ItemReport {
    pub fn new(tr: &Tr, name: &str, report: &Report, state: Option<IndexState>) -> ItemReport {
        let steps = report
            .steps
            .iter()
            .map(|step| {
                let (class, key, reason) = match &step.outcome {
                    StepOutcome::Done => ("ok", "step-outcome-done", None),
                    StepOutcome::Failed(reason) => ("bad", "step-outcome-failed", Some(reason.clone())),
                    StepOutcome::Undone => ("warn", "step-outcome-undone", None),
                    StepOutcome::UndoFailed(reason) => ("bad", "step-outcome-undo-failed", Some(reason.clone())),
                    StepOutcome::NotRun => ("muted", "step-outcome-not-run", None),
                };
                StepLine { text: tr.t1(step.key, "target", &step.target), class, outcome: tr.t(key), reason }
            })
            .collect();
        let state_text = state.map(|s| {
            let open = tr.t(if s.open { "follower-state-open" } else { "follower-state-closed" });
            let following = match s.following {
                None => tr.t("follower-state-regular"),
                Some(FollowerStatus::Paused) => tr.t("follower-state-paused"),
                Some(_) => tr.t("follower-state-following"),
            };
            tr.t_args("follower-state", &[("open", &open), ("following", &following)])
        });
        ItemReport {
            name: name.to_owned(),
            succeeded: report.succeeded(),
            steps,
            state: state_text,
            open: state.map(|s| s.open),
        }
    }
}

#[derive(Template)]
#[template(path = "follower_indices/report.html")]
pub struct ReportPage {
    pub chrome: Chrome,
    pub title_key: &'static str,
    pub items: Vec<ItemReport>,
}

#[derive(Template)]
#[template(path = "follower_indices/unfollow_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    names: Vec<String>,
    /// The checkbox was not ticked.
    error: Option<Message>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnfollowForm {
    pub names: Vec<String>,
    /// The checkbox: "I understand this cannot be undone".
    pub confirm: String,
    /// Sent by the confirmation page itself: an unticked box is then an error to show.
    pub confirming: String,
}

async fn confirmation(screen: &Screen, names: Vec<String>, error: Option<Message>) -> AppResult<Response> {
    let chrome = screen.chrome(Nav::FollowerIndices).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&ConfirmPage { chrome, names, error })?).into_response())
}

pub async fn confirm_unfollow(screen: Screen, Path(name): Path<String>) -> AppResult<Response> {
    confirmation(&screen, vec![name], None).await
}

async fn convert(state: &AppState, screen: &Screen, names: Vec<String>, form: &UnfollowForm) -> AppResult<Response> {
    if names.is_empty() || names.len() > MAX_BULK {
        return Err(AppError::BadRequest(Message::new("follower-done-too-many").arg("max", MAX_BULK.to_string())));
    }
    if form.confirm != "yes" {
        // From the list's bulk button: ask first. From the confirmation page: say why not.
        let error = (!form.confirming.is_empty()).then(|| Message::new("follower-unfollow-confirm-required"));
        return confirmation(screen, names, error).await;
    }
    let tr = screen.tr();
    let mut items = Vec::new();
    for name in &names {
        let request = format!("convert {name} to a regular index (pause, close, unfollow, open)");
        let converted = match followers::convert_to_regular(screen.client(), name).await {
            Ok(converted) => converted,
            Err(error) => {
                screen.record(&Event {
                    action: Action::ConvertFollowerIndex,
                    target: name.clone(),
                    request,
                    outcome: AuditOutcome::Failed,
                    detail: error.reason(),
                });
                return Err(error.into());
            }
        };
        screen.record(&Event::of_report(Action::ConvertFollowerIndex, name, request, &converted.report));
        if converted.report.succeeded() {
            // A regular index now: its lag chart is over, and a new follower of that name
            // starts its own.
            state.lag_history.forget(&screen.cluster.name, name);
        }
        items.push(ItemReport::new(&tr, name, &converted.report, converted.state));
    }
    let status = if items.iter().all(|i| i.succeeded) { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
    let chrome = screen.chrome(Nav::FollowerIndices).await?;
    Ok((status, render(&ReportPage { chrome, title_key: "follower-unfollow-report-title", items })?).into_response())
}

pub async fn unfollow_one(
    State(state): State<AppState>,
    screen: Screen,
    Path(name): Path<String>,
    Form(form): Form<UnfollowForm>,
) -> AppResult<Response> {
    convert(&state, &screen, vec![name], &form).await
}

pub async fn unfollow_many(
    State(state): State<AppState>,
    screen: Screen,
    Form(form): Form<UnfollowForm>,
) -> AppResult<Response> {
    convert(&state, &screen, form.names.clone(), &form).await
}
