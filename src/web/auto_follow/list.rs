//! The list: every pattern with its status, remote, patterns, exclusions, follower names, the
//! followers it made and its last error; search, sort and page in the query string (one page
//! of 50 rows, cut in [`crate::ccr::auto_follow::list`]); bulk pause, resume and delete (names
//! in the form body) come back to the same view.

use askama::Template;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::{Deserialize, Serialize};

use super::FlashView;
use crate::ccr::auto_follow::list::{ListQuery, SortKey};
use crate::ccr::auto_follow::spec::FollowIndexPattern;
use crate::ccr::auto_follow::{self, PatternView};
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey};
use crate::web::page::SortLink;
use crate::web::{Screen, ValidQuery, render};

/// How many followers a row names; the rest are counted.
pub const SHOWN_FOLLOWERS: usize = 5;

/// The query string, as typed (unknown values fall back to defaults in [`ListQuery::new`]).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ListParams {
    pub q: String,
    pub sort: String,
    /// `true` sorts descending.
    pub desc: String,
    pub page: String,
}

impl ListParams {
    pub fn query(&self) -> ListQuery {
        ListQuery::new(&self.q, &self.sort, self.desc == "true", &self.page)
    }

    /// The list's address for this view, with `change` applied.
    pub fn href(&self, change: impl FnOnce(&mut ListParams)) -> String {
        let mut params = self.clone();
        change(&mut params);
        // Links carry the search as used, not a megabyte of it as typed.
        params.q = crate::ccr::auto_follow::list::cut_search(&params.q).to_owned();
        let pairs: Vec<(&str, &str)> =
            [("q", &params.q), ("sort", &params.sort), ("desc", &params.desc), ("page", &params.page)]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k, v.as_str()))
                .collect();
        let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if query.is_empty() { LIST.into() } else { format!("{LIST}?{query}") }
    }
}

/// The list's path.
const LIST: &str = "/auto-follow-patterns";

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
}

#[derive(Template)]
#[template(path = "auto_follow/list.html")]
struct ListPage {
    chrome: Chrome,
    /// False on a licence without CCR: the page explains instead of listing.
    licensed: bool,
    rows: Vec<PatternRow>,
    /// Patterns on the cluster, and those that pass the search.
    total: usize,
    matching: usize,
    page: usize,
    pages: usize,
    params: ListParams,
    sort_links: Vec<SortLink>,
    /// The query string kept by the bulk actions' form, so the list comes back as it was.
    back: String,
    pause_supported: bool,
    exclusions_supported: bool,
    flash: Option<FlashView>,
}

impl ListPage {
    fn page_href(&self, page: usize) -> String {
        self.params.href(|p| p.page = page.to_string())
    }

    fn count_text(&self) -> String {
        let (matching, total) = (filters::group_digits(self.matching as u64), filters::group_digits(self.total as u64));
        self.chrome.tr.t_args("af-count", &[("matching", &matching), ("total", &total)])
    }

    fn page_of(&self) -> String {
        self.chrome
            .tr
            .t_args("follower-page-of", &[("page", &self.page.to_string()), ("pages", &self.pages.to_string())])
    }
}

pub async fn list_patterns(
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    headers: HeaderMap,
    ValidQuery(params): ValidQuery<ListParams>,
) -> AppResult<Response> {
    let query = params.query();
    // The header's calls and the list's are independent: asked at once.
    let (chrome, caps, listed) = tokio::join!(
        screen.chrome(Nav::AutoFollow),
        screen.client().capabilities(),
        auto_follow::list(screen.client())
    );
    let (chrome, caps) = (chrome?, caps?);
    let licensed = chrome.header.as_ref().is_none_or(|h| h.license_allows_ccr);
    // Without a CCR licence Elasticsearch refuses the patterns: the page explains instead.
    let found = query.apply(if licensed { listed?.0 } else { Vec::new() });
    let sort_links = SortKey::ALL
        .iter()
        .map(|key| {
            SortLink::new(format!("af-col-{}", key.as_str()), *key == query.sort, query.descending, |desc| {
                // Another order starts again at page 1.
                params.href(|p| {
                    p.sort = key.as_str().into();
                    p.desc = if desc { "true".into() } else { String::new() };
                    p.page = String::new();
                })
            })
        })
        .collect();
    let (jar, flash) = Flash::take(jar, &headers);
    let flash = flash.map(|f| FlashView::new(f, &chrome.tr));
    let back = params.href(|_| {}).trim_start_matches(LIST).trim_start_matches('?').to_owned();
    let page = ListPage {
        chrome,
        licensed,
        rows: found.rows.into_iter().map(PatternRow::new).collect(),
        total: found.total,
        matching: found.matching,
        page: found.page,
        pages: found.pages,
        params,
        sort_links,
        back,
        pause_supported: caps.auto_follow_pause(),
        exclusions_supported: caps.auto_follow_exclusions(),
        flash,
    };
    Ok((jar, render(&page)?).into_response())
}
