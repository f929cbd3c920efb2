//! The list: every pattern with its status, remote, patterns, exclusions, follower names, the
//! followers it made and its last error; search and sort in the query string; bulk pause,
//! resume and delete (names in the form body).

use askama::Template;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use super::FlashView;
use crate::ccr::auto_follow::spec::FollowIndexPattern;
use crate::ccr::auto_follow::{self, PatternView};
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey};
use crate::web::page::{SortLink, search_pair};
use crate::web::{Screen, ValidQuery, render};

/// How many followers a row names; the rest are counted.
pub const SHOWN_FOLLOWERS: usize = 5;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: SortColumn,
    #[serde(default)]
    desc: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SortColumn {
    #[default]
    Name,
    Status,
    Remote,
    Followers,
}

impl SortColumn {
    const ALL: [(SortColumn, &'static str); 4] = [
        (SortColumn::Name, "name"),
        (SortColumn::Status, "status"),
        (SortColumn::Remote, "remote"),
        (SortColumn::Followers, "followers"),
    ];
}

/// How followers are named, for a cell: the pattern, or "same as the leader".
pub fn follow_pattern_text(pattern: &FollowIndexPattern) -> Option<String> {
    pattern.to_value()
}

/// One row.
pub struct PatternRow {
    pub view: PatternView,
    pub follow_pattern: Option<String>,
    pub shown_followers: Vec<String>,
    pub more_followers: usize,
    /// The newest error: its plain-words key and leader index.
    pub last_error: Option<(&'static str, String)>,
}

impl PatternRow {
    fn new(view: PatternView) -> PatternRow {
        let shown_followers = view.followers.iter().take(SHOWN_FOLLOWERS).cloned().collect();
        let more_followers = view.followers.len().saturating_sub(SHOWN_FOLLOWERS);
        let last_error =
            view.errors.first().map(|e| (e.diagnosis.message_key(), e.leader_index.clone().unwrap_or_default()));
        PatternRow {
            follow_pattern: follow_pattern_text(&view.follow_index_pattern),
            view,
            shown_followers,
            more_followers,
            last_error,
        }
    }

    fn matches(&self, needle: &str) -> bool {
        let needle = needle.trim().to_lowercase();
        let v = &self.view;
        needle.is_empty()
            || v.name.to_lowercase().contains(&needle)
            || v.remote_cluster.to_lowercase().contains(&needle)
            || v.leader_index_patterns.iter().any(|p| p.to_lowercase().contains(&needle))
    }
}

#[derive(Template)]
#[template(path = "auto_follow/list.html")]
struct ListPage {
    chrome: Chrome,
    /// False on a licence without CCR: the page explains instead of listing.
    licensed: bool,
    rows: Vec<PatternRow>,
    total: usize,
    query: String,
    sort_links: Vec<SortLink>,
    pause_supported: bool,
    exclusions_supported: bool,
    flash: Option<FlashView>,
}

pub async fn list_patterns(
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    headers: HeaderMap,
    ValidQuery(query): ValidQuery<ListQuery>,
) -> AppResult<Response> {
    // The header's calls and the list's are independent: asked at once.
    let (chrome, caps, listed) = tokio::join!(
        screen.chrome(Nav::AutoFollow),
        screen.client().capabilities(),
        auto_follow::list(screen.client())
    );
    let (chrome, caps) = (chrome?, caps?);
    let licensed = chrome.header.as_ref().is_none_or(|h| h.license_allows_ccr);
    // Without a CCR licence Elasticsearch refuses the patterns: the page explains instead.
    let (views, total) = if licensed {
        let (views, _) = listed?;
        let total = views.len();
        (views, total)
    } else {
        (Vec::new(), 0)
    };
    let mut rows: Vec<PatternRow> = views.into_iter().map(PatternRow::new).filter(|r| r.matches(&query.q)).collect();
    rows.sort_by(|a, b| {
        let (a, b) = (&a.view, &b.view);
        match query.sort {
            SortColumn::Name => a.name.cmp(&b.name),
            SortColumn::Status => b.active.cmp(&a.active).then(a.name.cmp(&b.name)),
            SortColumn::Remote => a.remote_cluster.cmp(&b.remote_cluster).then(a.name.cmp(&b.name)),
            SortColumn::Followers => a.followers.len().cmp(&b.followers.len()).then(a.name.cmp(&b.name)),
        }
    });
    if query.desc {
        rows.reverse();
    }
    let sort_links = SortColumn::ALL
        .iter()
        .map(|(column, key)| {
            SortLink::new(format!("af-col-{key}"), *column == query.sort, query.desc, |desc| {
                format!(
                    "/auto-follow-patterns?{}&sort={key}{}",
                    search_pair(&query.q),
                    if desc { "&desc=true" } else { "" }
                )
            })
        })
        .collect();
    let (jar, flash) = Flash::take(jar, &headers);
    let flash = flash.map(|f| FlashView::new(f, &chrome.tr));
    let page = ListPage {
        chrome,
        licensed,
        rows,
        total,
        query: query.q,
        sort_links,
        pause_supported: caps.auto_follow_pause(),
        exclusions_supported: caps.auto_follow_exclusions(),
        flash,
    };
    Ok((jar, render(&page)?).into_response())
}
