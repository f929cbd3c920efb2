//! The doctor's fragments for other pages: the findings about one remote, follower or
//! pattern (its detail page loads them after it shows, so the page itself stays fast), and
//! the failing count for the overview.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;

use super::view::{self, FindingView};
use crate::ccr::doctor::{Verdict, lag_trend};
use crate::i18n::{Message, Tr};
use crate::web::error::{AppError, AppResult};
use crate::web::filters::{self, encode_segment};
use crate::web::{AppState, Screen, ValidQuery, render};

#[derive(Debug, Default, Deserialize)]
pub struct PanelQuery {
    /// `remote:NAME`, `follower:NAME` or `pattern:NAME`.
    subject: String,
    /// Measure the lag trend (the panel asks again after "one reading so far").
    #[serde(default)]
    trend: bool,
}

#[derive(Template)]
#[template(path = "doctor/_panel.html")]
struct Panel {
    tr: Tr,
    csrf: String,
    findings: Vec<FindingView>,
    /// How many of them fail or warn.
    problems: usize,
    /// The subject as the query names it (its name encoded), to ask for the panel again with
    /// the lag trend measured.
    subject: String,
    /// Some finding here is "one lag reading so far": ask again after `trend_delay`.
    trend_pending: bool,
    trend_delay: String,
}

pub async fn panel_fragment(
    State(state): State<AppState>,
    screen: Screen,
    ValidQuery(query): ValidQuery<PanelQuery>,
) -> AppResult<Html<String>> {
    let Some(subject) = view::parse_subject(&query.subject) else {
        return Err(AppError::BadRequest(Message::new("doctor-bad-subject")));
    };
    let report = super::report(&state, &screen, super::Wanted::for_fragment(query.trend)).await;
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
    let trend_pending = report.about(&subject).any(|f| f.key == lag_trend::ONE_READING);
    render(&Panel {
        tr,
        csrf: screen.context.csrf.clone(),
        findings,
        problems,
        subject: match subject.label().split_once(':') {
            Some((kind, name)) => format!("{kind}:{}", encode_segment(name)),
            None => subject.label(),
        },
        trend_pending,
        trend_delay: super::trend_delay(),
    })
}

#[derive(Template)]
#[template(path = "doctor/_count.html")]
struct CountCard {
    tr: Tr,
    failing: usize,
    warnings: usize,
    /// A lag trend is still to measure (it may add a warning): ask again after `trend_delay`.
    trend_pending: bool,
    trend_delay: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct CountQuery {
    /// Measure the lag trend (the card asks again after "one reading so far").
    #[serde(default)]
    trend: bool,
}

/// The overview's doctor card.
pub async fn count_fragment(
    State(state): State<AppState>,
    screen: Screen,
    ValidQuery(query): ValidQuery<CountQuery>,
) -> AppResult<Html<String>> {
    let report = super::report(&state, &screen, super::Wanted::for_fragment(query.trend)).await;
    render(&CountCard {
        tr: screen.tr(),
        failing: report.count(Verdict::Fail),
        warnings: report.count(Verdict::Warn),
        trend_pending: report.trend_pending(),
        trend_delay: super::trend_delay(),
    })
}
