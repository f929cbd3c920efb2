//! The doctor's fragments for other pages: the findings about one remote, follower or
//! pattern (its detail page loads them after it shows, so the page itself stays fast), and
//! the failing count for the overview.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;

use super::view::{self, FindingView};
use crate::ccr::doctor::Verdict;
use crate::i18n::{Message, Tr};
use crate::web::error::{AppError, AppResult};
use crate::web::filters;
use crate::web::{AppState, Screen, ValidQuery, render};

#[derive(Debug, Default, Deserialize)]
pub struct PanelQuery {
    /// `remote:NAME`, `follower:NAME` or `pattern:NAME`.
    subject: String,
}

#[derive(Template)]
#[template(path = "doctor/_panel.html")]
struct Panel {
    tr: Tr,
    csrf: String,
    findings: Vec<FindingView>,
    /// How many of them fail or warn.
    problems: usize,
}

pub async fn panel_fragment(
    State(state): State<AppState>,
    screen: Screen,
    ValidQuery(query): ValidQuery<PanelQuery>,
) -> AppResult<Html<String>> {
    let Some(subject) = view::parse_subject(&query.subject) else {
        return Err(AppError::BadRequest(Message::new("doctor-bad-subject")));
    };
    let report = super::diagnose(&state, &screen).await;
    let tr = screen.tr();
    let local_url = screen.client().urls().into_iter().next().unwrap_or_default();
    let mut findings = view::findings(&report, report.about(&subject), &tr, &local_url);
    // On the subject's own page, a fix that is "open this page" says nothing.
    let own_page = view::subject_href(&subject);
    for finding in &mut findings {
        if finding.page.is_some() && finding.page == own_page {
            finding.page = None;
        }
    }
    let problems = report.about(&subject).filter(|f| matches!(f.verdict, Verdict::Fail | Verdict::Warn)).count();
    render(&Panel { tr, csrf: screen.context.csrf.clone(), findings, problems })
}

#[derive(Template)]
#[template(path = "doctor/_count.html")]
struct CountCard {
    tr: Tr,
    failing: usize,
    warnings: usize,
}

/// The overview's doctor card.
pub async fn count_fragment(State(state): State<AppState>, screen: Screen) -> AppResult<Html<String>> {
    let report = super::diagnose(&state, &screen).await;
    render(&CountCard { tr: screen.tr(), failing: report.count(Verdict::Fail), warnings: report.count(Verdict::Warn) })
}
