//! `GET /doctor`: every finding for the selected cluster, failures first, grouped by verdict,
//! with a summary line that filters (kept in the query string) and "Run again". A group shows
//! [`PER_PAGE`] findings at most: 10,000 followers give tens of thousands of findings (26 MB of
//! HTML, measured), which no one reads on one page; the verdict's own page goes through them
//! all, a page at a time, and `/doctor.json` has every one.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;

use super::view::{self, Count, FindingView, VERDICTS};
use crate::ccr::doctor::Verdict;
use crate::ccr::doctor::run::Report;
use crate::i18n::Tr;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::{AppState, Screen, ValidQuery, render};

#[derive(Debug, Default, Deserialize)]
pub struct DoctorQuery {
    /// Show one verdict only: `fail`, `warn`, `not_checked` or `pass`.
    #[serde(default)]
    verdict: Option<String>,
    /// Measure the lag trend of the kept report (the page asks after "one reading so far").
    #[serde(default)]
    trend: bool,
    /// With `verdict`: which page of that verdict's findings (from 1; past the end, the last).
    #[serde(default)]
    page: Option<usize>,
}

/// Findings shown per verdict on one page.
pub const PER_PAGE: usize = 50;

/// One verdict's findings: the page of them shown, and how to reach the others.
pub struct Group {
    pub verdict: &'static str,
    pub badge: &'static str,
    pub word: String,
    pub findings: Vec<FindingView>,
    /// Every finding of this verdict.
    pub total: usize,
    /// Positions (from 1) of the first and last finding shown.
    pub first: usize,
    pub last: usize,
    /// The verdict's own pages, when all its findings are not shown here.
    pub see_all: Option<String>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// The results: summary, groups, and whether all is clear.
#[derive(Template)]
#[template(path = "doctor/_results.html")]
pub struct Results {
    tr: Tr,
    csrf: String,
    counts: Vec<Count>,
    groups: Vec<Group>,
    /// The verdict shown alone, if one was chosen.
    filter: Option<&'static str>,
    /// The page of that verdict's findings shown, kept when the results ask again.
    page: Option<usize>,
    /// Nothing failing and nothing to warn about.
    all_clear: bool,
    /// How many checks could not run.
    not_checked: usize,
    /// D10 has one lag reading only for some follower: the results ask for the trend again
    /// after [`super::trend_delay`] (and say so, with a link for a browser without JavaScript).
    trend_pending: bool,
    trend_delay: String,
}

fn results(report: &Report, tr: Tr, csrf: String, local_url: &str, query: &DoctorQuery) -> Results {
    let filter = VERDICTS.iter().map(|v| v.as_str()).find(|v| Some(*v) == query.verdict.as_deref());
    let mut groups = Vec::new();
    for verdict in VERDICTS {
        if filter.is_some_and(|f| f != verdict.as_str()) {
            continue;
        }
        let total = report.count(verdict);
        if total == 0 {
            continue;
        }
        let pages = total.div_ceil(PER_PAGE);
        let page = if filter.is_some() { query.page.unwrap_or(1).clamp(1, pages) } else { 1 };
        let skip = (page - 1) * PER_PAGE;
        // Views only for the findings shown: building them is most of the page's work.
        let shown = report.findings.iter().enumerate().filter(|(_, f)| f.verdict == verdict).skip(skip).take(PER_PAGE);
        let findings: Vec<FindingView> = shown.map(|(i, f)| FindingView::new(f, i, report, &tr, local_url)).collect();
        let href = |page: usize| format!("/doctor?verdict={}&page={page}", verdict.as_str());
        groups.push(Group {
            verdict: verdict.as_str(),
            badge: view::badge(verdict),
            word: tr.t(&view::verdict_key(verdict)),
            total,
            first: skip + 1,
            last: skip + findings.len(),
            see_all: (filter.is_none() && pages > 1).then(|| format!("/doctor?verdict={}", verdict.as_str())),
            previous: (filter.is_some() && page > 1).then(|| href(page - 1)),
            next: (filter.is_some() && page < pages).then(|| href(page + 1)),
            findings,
        });
    }
    Results {
        counts: view::counts(report, &tr),
        all_clear: report.count(Verdict::Fail) == 0 && report.count(Verdict::Warn) == 0,
        not_checked: report.count(Verdict::NotChecked),
        trend_pending: report.trend_pending(),
        trend_delay: super::trend_delay(),
        tr,
        csrf,
        groups,
        filter,
        page: filter.and(query.page),
    }
}

#[derive(Template)]
#[template(path = "doctor/page.html")]
struct DoctorPage {
    chrome: Chrome,
    results: Results,
}

pub async fn show_doctor(
    State(state): State<AppState>,
    screen: Screen,
    ValidQuery(query): ValidQuery<DoctorQuery>,
) -> AppResult<Html<String>> {
    let wanted = super::Wanted::for_page(query.trend, query.page.is_some());
    let (chrome, report) = tokio::join!(screen.chrome(Nav::Doctor), super::report(&state, &screen, wanted));
    let chrome = chrome?;
    let local_url = screen.client().urls().into_iter().next().unwrap_or_default();
    let results = results(&report, chrome.tr, chrome.context.csrf.clone(), &local_url, &query);
    render(&DoctorPage { chrome, results })
}

/// The results alone: "Run again" through htmx (a new run), or the lag trend measured after
/// "one reading so far" (`?trend=true`).
pub async fn results_fragment(
    State(state): State<AppState>,
    screen: Screen,
    ValidQuery(query): ValidQuery<DoctorQuery>,
) -> AppResult<Html<String>> {
    let report = super::report(&state, &screen, super::Wanted::for_page(query.trend, query.page.is_some())).await;
    let local_url = screen.client().urls().into_iter().next().unwrap_or_default();
    render(&results(&report, screen.tr(), screen.context.csrf.clone(), &local_url, &query))
}
