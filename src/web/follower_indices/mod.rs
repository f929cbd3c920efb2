//! The follower index screens: the list (search, filters, sort, pages, bulk actions, live
//! refresh), one follower in full (settings, shards, problems, lag chart), create, edit
//! (pause and resume with new settings), pause, resume and "convert to a regular index".
//! Rules and writes live in `crate::ccr::followers`; these handlers read forms and pick pages.

mod actions;
mod detail;
mod form;
mod list;
mod report;

use std::collections::BTreeMap;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;
use crate::i18n::Message;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/follower-indices", get(list::list_followers).post(form::create_follower))
        .route("/follower-indices/new", get(form::new_follower))
        .route("/follower-indices/new/preview", get(form::preview_request))
        .route("/follower-indices/pause", post(actions::pause_many))
        .route("/follower-indices/resume", post(actions::resume_many))
        .route("/follower-indices/unfollow", post(report::unfollow_many))
        .route("/follower-indices/{name}", get(detail::show_follower).post(form::update_follower))
        .route("/follower-indices/{name}/edit", get(form::edit_follower))
        .route("/follower-indices/{name}/pause", post(actions::pause_one))
        .route("/follower-indices/{name}/resume", post(actions::resume_one))
        .route("/follower-indices/{name}/unfollow", get(report::confirm_unfollow).post(report::unfollow_one))
}

/// Messages per form field, for `templates/macros.html`.
#[derive(Debug, Default, Clone)]
pub struct FieldMessages(BTreeMap<&'static str, Vec<Message>>);

impl FieldMessages {
    pub fn add(&mut self, field: &'static str, message: Message) {
        self.0.entry(field).or_default().push(message);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self, field: &str) {
        self.0.remove(field);
    }

    pub fn on(&self, field: &str) -> &[Message] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }
}

/// What the form macros read: errors block saving; the other two never do.
#[derive(Debug, Default, Clone)]
pub struct Checked {
    pub errors: FieldMessages,
    pub warnings: FieldMessages,
    pub notes: FieldMessages,
}

/// The settings keys a request sets, for the audit line (the values are the person's own
/// choice and add nothing to who-did-what; keys keep the line short).
pub fn settings_keys(parameters: &crate::es::FollowParameters) -> String {
    let keys = match serde_json::to_value(parameters) {
        Ok(serde_json::Value::Object(map)) => map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k).collect(),
        _ => Vec::new(),
    };
    if keys.is_empty() { "default settings".to_owned() } else { format!("settings {}", keys.join(", ")) }
}

/// Most names a bulk action takes in one request.
pub const MAX_BULK: usize = 500;
