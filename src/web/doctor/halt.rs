//! D6's fix around an upgrade: pause every follower and auto-follow pattern before it, and
//! resume them all after (upgrade the follower side first). A page first lists what will be
//! paused or resumed, each ticked; then a report per item.

use askama::Template;
use axum::response::Html;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::ccr::doctor::halt::{self as replication, Halt, HaltPlan, Halted};
use crate::i18n::Message;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult};
use crate::web::{Screen, ValidQuery, render};

#[derive(Debug, Default, Deserialize)]
pub struct HaltQuery {
    #[serde(default)]
    action: String,
}

#[derive(Template)]
#[template(path = "doctor/halt_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    action: &'static str,
    plan: HaltPlan,
    error: Option<Message>,
}

#[derive(Template)]
#[template(path = "doctor/halt_report.html")]
struct ReportPage {
    chrome: Chrome,
    action: &'static str,
    items: Vec<Halted>,
    /// How many ticked items were left for another round (past [`replication::MAX_HALT`]).
    left: usize,
}

impl ConfirmPage {
    /// The catalog key of one of this action's texts (`doctor-halt-pause-title`).
    fn key(&self, part: &str) -> String {
        format!("doctor-halt-{}-{part}", self.action)
    }
}

impl ReportPage {
    fn key(&self, part: &str) -> String {
        format!("doctor-halt-{}-{part}", self.action)
    }

    /// What was left for another round, in words.
    fn left_text(&self) -> String {
        let (count, max) = (self.left.to_string(), replication::MAX_HALT.to_string());
        self.chrome.tr.t_args("doctor-halt-left", &[("count", &count), ("max", &max)])
    }
}

fn parse(action: &str) -> AppResult<Halt> {
    Halt::parse(action).ok_or_else(|| AppError::BadRequest(Message::new("doctor-halt-bad-action")))
}

pub async fn confirm_halt(screen: Screen, ValidQuery(query): ValidQuery<HaltQuery>) -> AppResult<Html<String>> {
    let halt = parse(&query.action)?;
    let chrome = screen.chrome(Nav::Doctor).await?;
    let plan = replication::halt_plan(screen.client(), halt).await?;
    render(&ConfirmPage { chrome, action: halt.as_str(), plan, error: None })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HaltForm {
    action: String,
    followers: Vec<String>,
    patterns: Vec<String>,
}

pub async fn halt_replication(screen: Screen, Form(form): Form<HaltForm>) -> AppResult<Html<String>> {
    let halt = parse(&form.action)?;
    let chrome = screen.chrome(Nav::Doctor).await?;
    // Only what is still to pause or resume: the form's names are a choice among those.
    let plan = replication::halt_plan(screen.client(), halt).await?;
    let (chosen, left) = plan.chosen(halt, &form.followers, &form.patterns, replication::MAX_HALT);
    if chosen.followers.is_empty() && chosen.patterns.is_empty() {
        let error = Some(Message::new("doctor-halt-nothing-chosen"));
        return render(&ConfirmPage { chrome, action: halt.as_str(), plan, error });
    }
    let items = replication::halt(screen.client(), halt, &chosen)
        .await
        .into_iter()
        .map(|(item, event)| {
            screen.record(&event);
            item
        })
        .collect();
    render(&ReportPage { chrome, action: halt.as_str(), items, left })
}
