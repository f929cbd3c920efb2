//! `GET /doctor.json`: the doctor's findings for monitoring scripts. The shape is a contract
//! (documented in the README): `cluster`, and `checks` with `id`, `subject`, `verdict`,
//! `title`, `explanation`, and `fix` when there is one. Titles and explanations are always in
//! English, whatever the request's language: a script compares and logs them, and must not
//! change behaviour with a browser's cookie.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::view;
use crate::ccr::doctor::evidence::SecondReading;
use crate::ccr::doctor::{Finding, Fix};
use crate::i18n::{Lang, Tr};
use crate::web::{AppState, Screen};

#[derive(Debug, Serialize)]
pub struct DoctorJson {
    /// The configured cluster's name (as the switcher shows it).
    cluster: String,
    checks: Vec<CheckJson>,
}

#[derive(Debug, Serialize)]
struct CheckJson {
    id: &'static str,
    subject: String,
    verdict: &'static str,
    title: String,
    explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixJson>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum FixJson {
    /// A request to run, in Console terms.
    Request {
        method: &'static str,
        path: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<serde_json::Value>,
    },
    /// A page of the panel.
    Page(String),
}

fn check(finding: &Finding, tr: &Tr) -> CheckJson {
    CheckJson {
        id: finding.check.code(),
        subject: finding.subject.label(),
        verdict: finding.verdict.as_str(),
        title: tr.t(&finding.check.title_key()),
        explanation: view::explanation(finding, tr),
        fix: finding.fix.as_ref().map(|fix| match fix {
            Fix::Request { method, path, body } => FixJson::Request {
                method,
                path: path.clone(),
                body: body.as_ref().map(|b| serde_json::from_str(b).unwrap_or(serde_json::Value::String(b.clone()))),
            },
            Fix::Page(_) => FixJson::Page(view::page_of(finding).unwrap_or_default()),
        }),
    }
}

/// Always a new run, and one that waits for D10's second lag reading when the history has
/// none to compare with: a script gets the whole answer in one request.
pub async fn doctor_json(State(state): State<AppState>, screen: Screen) -> Json<DoctorJson> {
    let key = super::report_key(&screen);
    let report = state.doctor_reports.fresh(&key, || super::diagnose(&state, &screen, SecondReading::Wait)).await;
    let tr = Tr::new(Lang::En);
    Json(DoctorJson {
        cluster: screen.cluster.name.clone(),
        checks: report.findings.iter().map(|f| check(f, &tr)).collect(),
    })
}
