//! `GET /doctor`: every finding for the selected cluster, failures first, grouped by verdict,
//! with a summary line that filters (kept in the query string) and "Run again".

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
}

/// One verdict's findings.
pub struct Group {
    pub verdict: &'static str,
    pub badge: &'static str,
    pub word: String,
    pub findings: Vec<FindingView>,
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
    /// Nothing failing and nothing to warn about.
    all_clear: bool,
    /// How many checks could not run.
    not_checked: usize,
    /// D10 has one lag reading only for some follower: the results ask for the trend again
    /// after [`super::trend_delay`] (and say so, with a link for a browser without JavaScript).
    trend_pending: bool,
    trend_delay: String,
}

fn results(report: &Report, tr: Tr, csrf: String, local_url: &str, filter: Option<&str>) -> Results {
    let filter = VERDICTS.iter().map(|v| v.as_str()).find(|v| Some(*v) == filter);
    let mut views = view::findings(report, report.findings.iter(), &tr, local_url).into_iter().peekable();
    let mut groups = Vec::new();
    for verdict in VERDICTS {
        let mut findings = Vec::new();
        while let Some(finding) = views.next_if(|f| f.verdict == verdict.as_str()) {
            findings.push(finding);
        }
        if findings.is_empty() || filter.is_some_and(|f| f != verdict.as_str()) {
            continue;
        }
        groups.push(Group {
            verdict: verdict.as_str(),
            badge: view::badge(verdict),
            word: tr.t(&view::verdict_key(verdict)),
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
    let wanted = super::Wanted::for_page(query.trend);
    let (chrome, report) = tokio::join!(screen.chrome(Nav::Doctor), super::report(&state, &screen, wanted));
    let chrome = chrome?;
    let local_url = screen.client().urls().into_iter().next().unwrap_or_default();
    let results = results(&report, chrome.tr, chrome.context.csrf.clone(), &local_url, query.verdict.as_deref());
    render(&DoctorPage { chrome, results })
}

/// The results alone: "Run again" through htmx (a new run), or the lag trend measured after
/// "one reading so far" (`?trend=true`).
pub async fn results_fragment(
    State(state): State<AppState>,
    screen: Screen,
    ValidQuery(query): ValidQuery<DoctorQuery>,
) -> AppResult<Html<String>> {
    let report = super::report(&state, &screen, super::Wanted::for_page(query.trend)).await;
    let local_url = screen.client().urls().into_iter().next().unwrap_or_default();
    render(&results(&report, screen.tr(), screen.context.csrf.clone(), &local_url, query.verdict.as_deref()))
}
