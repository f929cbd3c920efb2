//! The list: search, filters, sort and page in the query string (a view can be shared as a
//! link), one page of 50 rows whatever the number of followers, refreshed by htmx polling and
//! answered fresh after every action (the actions redirect here).

use std::time::Instant;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::{Deserialize, Serialize};

use crate::ccr::followers::{self, FollowerIndex, FollowerStatus, ListQuery, list::SortKey};
use crate::i18n::Tr;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::flash::{Failure, Flash, FlashKey, Outcome};
use crate::web::page::SortLink;
use crate::web::{AppState, Screen, ValidQuery, render};

/// The query string, as typed (unknown values fall back to defaults in [`ListQuery::new`]).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ListParams {
    pub q: String,
    pub status: String,
    pub remote_cluster: String,
    pub sort: String,
    pub order: String,
    pub page: String,
}

impl ListParams {
    pub fn query(&self) -> ListQuery {
        fn some(s: &str) -> Option<&str> {
            Some(s).filter(|s| !s.is_empty())
        }
        ListQuery::new(
            some(&self.q),
            some(&self.status),
            some(&self.remote_cluster),
            some(&self.sort),
            some(&self.order),
            some(&self.page),
        )
    }

    /// The list's address for this view, with `change` applied.
    pub fn href(&self, change: impl FnOnce(&mut ListParams)) -> String {
        let mut params = self.clone();
        change(&mut params);
        let pairs: Vec<(&str, &str)> = [
            ("q", &params.q),
            ("status", &params.status),
            ("remote_cluster", &params.remote_cluster),
            ("sort", &params.sort),
            ("order", &params.order),
            ("page", &params.page),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect();
        let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if query.is_empty() { "/follower-indices".into() } else { format!("/follower-indices?{query}") }
    }
}

/// The outcome of the last action, ready to show.
pub struct FlashView {
    pub class: &'static str,
    pub message: String,
    /// Followers resumed with Elasticsearch's defaults (no settings were remembered).
    pub resumed_with_defaults: String,
    pub failures: Vec<Failure>,
    pub more_failures: usize,
}

impl FlashView {
    pub fn new_for(flash: Flash, tr: &Tr) -> FlashView {
        let names = flash.names_text(tr);
        let (class, message) = match flash.outcome {
            Outcome::NothingSelected => ("warn", tr.t("follower-done-none-selected")),
            Outcome::TooMany { max } => ("warn", tr.t1("follower-done-too-many", "max", &max.to_string())),
            _ if flash.names.is_empty() => ("error", String::new()),
            _ => ("ok", tr.t1("follower-done-changed", "names", &names)),
        };
        let resumed_with_defaults = if flash.noted.is_empty() {
            String::new()
        } else {
            tr.t1("follower-resumed-with-defaults", "names", &flash.noted.join(&tr.t("list-separator")))
        };
        FlashView {
            class,
            message,
            resumed_with_defaults,
            failures: flash.failures,
            more_failures: flash.more_failures,
        }
    }
}

/// The licence of the local cluster does not allow CCR: what it is and how to get one.
pub struct LicenceNotice {
    pub current: String,
}

#[derive(Template)]
#[template(path = "follower_indices/list.html")]
struct ListPage {
    chrome: Chrome,
    params: ListParams,
    rows: Vec<FollowerIndex>,
    total: usize,
    matching: usize,
    page: usize,
    pages: usize,
    sort_links: Vec<SortLink>,
    remotes: Vec<String>,
    flash: Option<FlashView>,
    licence: Option<LicenceNotice>,
    /// The query string kept by the action forms, so the list comes back as it was.
    back: String,
    /// This view's own address, for the polling.
    self_href: String,
}

impl ListPage {
    /// The badge's colour: the word says the same.
    fn badge(&self, status: &FollowerStatus) -> &'static str {
        match status {
            FollowerStatus::Active => "ok",
            FollowerStatus::Paused => "muted",
            FollowerStatus::Failing => "bad",
        }
    }

    fn status_key(&self, status: &FollowerStatus) -> String {
        format!("follower-status-{}", status.as_str())
    }

    fn page_href(&self, page: usize) -> String {
        self.params.href(|p| p.page = page.to_string())
    }

    fn count_text(&self) -> String {
        let (matching, total) = (filters::group_digits(self.matching as u64), filters::group_digits(self.total as u64));
        self.chrome.tr.t_args("follower-count", &[("matching", &matching), ("total", &total)])
    }

    fn page_of(&self) -> String {
        self.chrome
            .tr
            .t_args("follower-page-of", &[("page", &self.page.to_string()), ("pages", &self.pages.to_string())])
    }

    fn any_active(&self) -> bool {
        self.rows.iter().any(|r| r.status == FollowerStatus::Active)
    }
}

/// The licence notice, when the local cluster's licence does not allow CCR.
pub fn licence_notice(chrome: &Chrome) -> Option<LicenceNotice> {
    chrome.header.as_ref().filter(|h| !h.license_allows_ccr).map(|h| LicenceNotice { current: h.license.clone() })
}

pub async fn list_followers(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    headers: HeaderMap,
    ValidQuery(params): ValidQuery<ListParams>,
) -> AppResult<Response> {
    let query = params.query();
    // The header's calls and the list's are independent: asked at once, the list's first (the
    // longest: a request sent first is answered first when the cluster is busy).
    let (listed, chrome) = tokio::join!(followers::page(screen.client(), &query), screen.chrome(Nav::FollowerIndices));
    let chrome = chrome?;
    let licence = licence_notice(&chrome);
    // Without a CCR licence Elasticsearch refuses `_ccr/info`: the page explains instead.
    let (found, remotes) = if licence.is_some() { (query.apply(Vec::new()), Vec::new()) } else { listed? };
    state.lag_history.record(
        &screen.cluster.name,
        Instant::now(),
        found.rows.iter().filter_map(|f| f.lag.map(|lag| (f.name.as_str(), lag))),
    );
    let sort_links = SortKey::ALL
        .iter()
        .map(|key| {
            let label = match key {
                SortKey::Name => "follower-col-name",
                SortKey::Status => "follower-col-status",
                SortKey::RemoteCluster => "follower-col-remote",
                SortKey::LeaderIndex => "follower-col-leader",
                SortKey::Lag => "follower-col-lag",
                SortKey::LastRead => "follower-col-last-read",
            };
            SortLink::new(label, *key == query.sort, query.descending, |descending| {
                params.href(|p| {
                    p.sort = key.as_str().into();
                    p.order = if descending { "desc".into() } else { String::new() };
                    p.page = String::new();
                })
            })
        })
        .collect();
    let (jar, flash) = Flash::take(jar, &headers);
    let flash = flash.map(|f| FlashView::new_for(f, &chrome.tr));
    let self_href = params.href(|_| {});
    let back = self_href.trim_start_matches("/follower-indices").trim_start_matches('?').to_owned();
    let page = ListPage {
        chrome,
        rows: found.rows,
        total: found.total,
        matching: found.matching,
        page: found.page,
        pages: found.pages,
        params,
        sort_links,
        remotes,
        flash,
        licence,
        back,
        self_href,
    };
    Ok((jar, render(&page)?).into_response())
}
