//! The auto-follow pattern screen: list (search, sort, pages of 50, bulk pause / resume / delete), detail
//! (every field, what it made, its errors and counters, and the existing leader indices it will
//! never follow, with the offer to follow them now), add and edit (every field Elasticsearch
//! has, a live preview of what will and will not be followed, "Show request"), and delete.
//!
//! Reads: `GET _ccr/auto_follow`, `_ccr/stats`, `_ccr/info`, `_resolve/index` on the remote.
//! Writes: `PUT _ccr/auto_follow/{name}` (laid over the pattern as it is, so nothing the form
//! does not show is lost), `POST .../pause|resume`, `DELETE`, and `PUT {follower}/_ccr/follow`
//! for the existing indices the user asks to follow.

mod actions;
mod detail;
mod form;
mod list;
pub mod validate;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;
use crate::audit::{Action, Event, Outcome};
use crate::ccr::auto_follow::{self, PatternView};
use crate::es::EsClient;
use crate::i18n::Tr;
use crate::web::error::{AppError, AppResult};
use crate::web::flash::{Failure, Flash, Outcome as FlashOutcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auto-follow-patterns", get(list::list_patterns).post(form::create_pattern))
        .route("/auto-follow-patterns/new", get(form::new_pattern))
        .route("/auto-follow-patterns/new/preview", get(form::preview_pattern))
        .route("/auto-follow-patterns/pause", post(actions::pause_patterns))
        .route("/auto-follow-patterns/resume", post(actions::resume_patterns))
        .route("/auto-follow-patterns/delete", post(actions::delete_patterns))
        .route("/auto-follow-patterns/{name}", get(detail::show_pattern).post(form::update_pattern))
        .route("/auto-follow-patterns/{name}/edit", get(form::edit_pattern))
        .route("/auto-follow-patterns/{name}/pause", post(actions::pause_pattern))
        .route("/auto-follow-patterns/{name}/resume", post(actions::resume_pattern))
        .route("/auto-follow-patterns/{name}/delete", get(actions::confirm_delete).post(actions::delete_pattern))
        .route("/auto-follow-patterns/{name}/follow-existing", post(detail::follow_existing))
}

/// The pattern `name` (its view and Elasticsearch's JSON), or a 404 page that says so.
async fn find(client: &EsClient, name: &str) -> AppResult<(PatternView, serde_json::Value)> {
    auto_follow::detail(client, name).await?.ok_or_else(|| {
        AppError::NotFound(format!("/auto-follow-patterns/{}", name.chars().take(255).collect::<String>()))
    })
}

/// The audit line of one write on a pattern.
fn event(action: Action, target: &str, request: String, result: &Result<(), String>) -> Event {
    Event {
        action,
        target: target.to_owned(),
        request,
        outcome: if result.is_ok() { Outcome::Succeeded } else { Outcome::Failed },
        detail: result.as_ref().err().cloned().unwrap_or_default(),
    }
}

/// A flash message about patterns, ready to show.
pub struct FlashView {
    /// `ok`, `warn` or `error`: the alert's class.
    pub class: &'static str,
    pub message: String,
    pub failures: Vec<Failure>,
    pub more_failures: usize,
}

impl FlashView {
    fn new(flash: Flash, tr: &Tr) -> FlashView {
        let names = flash.names_text(tr);
        let (class, message) = match flash.outcome {
            _ if flash.names.is_empty()
                && !matches!(flash.outcome, FlashOutcome::NothingSelected | FlashOutcome::TooMany { .. }) =>
            {
                ("error", String::new())
            }
            FlashOutcome::Added => ("ok", tr.t1("af-done-added", "names", &names)),
            FlashOutcome::Updated => ("ok", tr.t1("af-done-updated", "names", &names)),
            FlashOutcome::Deleted => ("ok", tr.t1("af-done-deleted", "names", &names)),
            FlashOutcome::Paused => ("ok", tr.t1("af-done-paused", "names", &names)),
            FlashOutcome::Resumed => ("ok", tr.t1("af-done-resumed", "names", &names)),
            FlashOutcome::NothingSelected => ("warn", tr.t("af-done-none-selected")),
            FlashOutcome::TooMany { max } => ("warn", tr.t1("af-done-too-many", "max", &max.to_string())),
        };
        FlashView { class, message, failures: flash.failures, more_failures: flash.more_failures }
    }
}
