//! One pattern: every field, the followers it made (links), its recent errors in plain words,
//! the counters of `_ccr/stats`, and the existing leader indices it matches but will never
//! follow (Elasticsearch follows only indices created after the pattern), with a form to
//! follow chosen ones or all of them now, reported per index.

use std::time::{SystemTime, UNIX_EPOCH};

use askama::Template;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use super::{FlashView, event, find};
use crate::audit::Action;
use crate::ccr::auto_follow::preview::{self, ExistingMatch};
use crate::ccr::auto_follow::{self, Counters, FollowedNow, PatternView};
use crate::ccr::followers::create::Created;
use crate::ccr::followers::settings::SETTINGS;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey};
use crate::web::{Screen, render};

/// A recent error, ready to show.
pub struct ErrorRow {
    pub ago_millis: u64,
    pub leader_index: Option<String>,
    pub message_key: &'static str,
    pub error_type: String,
    pub reason: String,
}

/// The existing matches, or why they cannot be listed.
pub enum Existing {
    /// Matches not followed yet (and how many matched in all).
    Listed { not_followed: Vec<ExistingMatch>, total: usize },
    /// The remote's indices cannot be listed (before 7.9, or it did not answer).
    Unavailable,
}

#[derive(Template)]
#[template(path = "auto_follow/detail.html")]
struct DetailPage {
    chrome: Chrome,
    pattern: PatternView,
    follow_pattern: Option<String>,
    /// (setting, value) for the settings the pattern gives; the rest are Elasticsearch's defaults.
    settings: Vec<(&'static str, String)>,
    overrides: Option<String>,
    /// Every field Elasticsearch returned, as it named them.
    raw: String,
    errors: Vec<ErrorRow>,
    counters: Counters,
    existing: Existing,
    pause_supported: bool,
    exclusions_supported: bool,
    flash: Option<FlashView>,
}

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

async fn existing_matches(screen: &Screen, pattern: &PatternView) -> Existing {
    match auto_follow::preview_inputs(screen.client(), &pattern.remote_cluster).await {
        Ok((Some(indices), followed)) => {
            let shown = preview::preview(
                &indices,
                &pattern.leader_index_patterns,
                &pattern.leader_index_exclusion_patterns,
                &pattern.follow_index_pattern,
                &followed,
            );
            let total = shown.existing_count;
            let not_followed = shown.existing.into_iter().filter(|m| !m.already_followed).collect();
            Existing::Listed { not_followed, total }
        }
        _ => Existing::Unavailable,
    }
}

pub async fn show_pattern(
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let chrome = screen.chrome(Nav::AutoFollow).await?;
    if chrome.header.as_ref().is_some_and(|h| !h.license_allows_ccr) {
        // Elasticsearch refuses every read here; the list explains what licence is needed.
        return Ok(Redirect::to("/auto-follow-patterns").into_response());
    }
    let caps = screen.client().capabilities().await?;
    let (pattern, raw) = find(screen.client(), &name).await?;
    let (_, counters) = auto_follow::list(screen.client()).await?;
    let existing = existing_matches(&screen, &pattern).await;
    let now = now_millis();
    let errors = pattern
        .errors
        .iter()
        .map(|e| ErrorRow {
            ago_millis: u64::try_from(now - e.timestamp).unwrap_or_default(),
            leader_index: e.leader_index.clone(),
            message_key: e.diagnosis.message_key(),
            error_type: e.error_type.clone(),
            reason: e.reason.clone(),
        })
        .collect();
    let settings = SETTINGS
        .iter()
        .filter_map(|s| {
            let value = &raw[s.name];
            let text = value.as_str().map(str::to_owned).or_else(|| value.as_u64().map(|n| n.to_string()))?;
            Some((s.name, text))
        })
        .collect();
    let overrides = pattern.settings.as_ref().map(|s| serde_json::to_string_pretty(s).unwrap_or_default());
    let (jar, flash) = Flash::take(jar, &headers);
    let flash = flash.map(|f| FlashView::new(f, &chrome.tr));
    let page = DetailPage {
        chrome,
        follow_pattern: pattern.follow_index_pattern.to_value(),
        settings,
        overrides,
        raw: serde_json::to_string_pretty(&raw).unwrap_or_default(),
        errors,
        counters,
        existing,
        pause_supported: caps.auto_follow_pause(),
        exclusions_supported: caps.auto_follow_exclusions(),
        flash,
        pattern,
    };
    Ok((jar, render(&page)?).into_response())
}

/// The follow-existing form: the chosen leader indices (`leaders` repeats), or `all`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FollowFields {
    leaders: Vec<String>,
    all: Option<String>,
}

/// One line of the follow-existing report.
pub struct FollowedRow {
    pub leader_index: String,
    pub follower_index: String,
    /// `None`: created; `Some(reason)`: failed.
    pub failure: Option<String>,
    /// Created, but its shards were still starting.
    pub starting: bool,
}

#[derive(Template)]
#[template(path = "auto_follow/followed_report.html")]
struct ReportPage {
    chrome: Chrome,
    pattern: String,
    rows: Vec<FollowedRow>,
}

/// Follows existing leader indices now, one at a time, and shows what became of each. The
/// page is the report itself: posting again only reports "already exists" for each.
pub async fn follow_existing(
    screen: Screen,
    Path(name): Path<String>,
    Form(fields): Form<FollowFields>,
) -> AppResult<Response> {
    let (pattern, _) = find(screen.client(), &name).await?;
    let leaders: Vec<String> = if fields.all.as_deref() == Some("yes") {
        match existing_matches(&screen, &pattern).await {
            Existing::Listed { not_followed, .. } => not_followed.into_iter().map(|m| m.leader_index).collect(),
            Existing::Unavailable => Vec::new(),
        }
    } else {
        let mut chosen = fields.leaders;
        chosen.sort();
        chosen.dedup();
        chosen.truncate(preview::MAX_LISTED);
        chosen
    };
    let report = auto_follow::follow_existing(screen.client(), &pattern, &leaders).await;
    let rows = report
        .into_iter()
        .map(|FollowedNow { leader_index, follower_index, outcome }| {
            let result = outcome.as_ref().map(|_| ()).map_err(Clone::clone);
            let request =
                format!("PUT {follower_index}/_ccr/follow (leader {leader_index} on {})", pattern.remote_cluster);
            screen.record(&event(Action::FollowExistingIndex, &follower_index, request, &result));
            FollowedRow {
                starting: matches!(outcome, Ok(Created::Starting)),
                failure: outcome.err(),
                leader_index,
                follower_index,
            }
        })
        .collect();
    let chrome = screen.chrome(Nav::AutoFollow).await?;
    Ok(render(&ReportPage { chrome, pattern: name, rows })?.into_response())
}
