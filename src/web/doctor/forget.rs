//! D11's fix: release the retention lease a deleted follower left on its leader
//! (`POST /{leader}/_ccr/forget_follower`, sent to the leader). A confirmation page first,
//! with a checkbox: a follower that still needed that lease could never catch up again.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::ccr::doctor::run::{self, Forgotten, OrphanLease};
use crate::i18n::Message;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::{AppState, Screen, ValidQuery, render};

#[derive(Template)]
#[template(path = "doctor/forget_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    lease: OrphanLease,
    error: Option<Message>,
}

#[derive(Template)]
#[template(path = "doctor/forget_report.html")]
struct ReportPage {
    chrome: Chrome,
    lease: OrphanLease,
    /// The outcome in words, and whether the lease is gone.
    message: Message,
    released: bool,
}

pub async fn confirm_forget(screen: Screen, ValidQuery(lease): ValidQuery<OrphanLease>) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::Doctor).await?;
    render(&ConfirmPage { chrome, lease, error: None })
}

#[derive(Debug, Deserialize)]
pub struct ForgetForm {
    #[serde(flatten)]
    lease: OrphanLease,
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn forget_follower(
    State(state): State<AppState>,
    screen: Screen,
    Form(form): Form<ForgetForm>,
) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::Doctor).await?;
    let lease = form.lease;
    if form.confirm.as_deref() != Some("yes") {
        let error = Some(Message::new("doctor-forget-confirm-required"));
        return render(&ConfirmPage { chrome, lease, error });
    }
    let candidates = state.leader_candidates(&screen.cluster.name, &screen.cluster.user);
    let leaders = run::known_leaders(screen.client(), &candidates, super::WAIT).await;
    let (outcome, event) = run::forget_follower(screen.client(), &leaders, &lease).await;
    if let Some(event) = &event {
        screen.record(event);
    }
    let (message, released) = match outcome {
        Forgotten::Released => (Message::new("doctor-forget-released"), true),
        Forgotten::StillFollowing => {
            (Message::new("doctor-forget-still-following").arg("name", lease.follower_index.as_str()), false)
        }
        Forgotten::NoLeader => {
            (Message::new("doctor-forget-no-leader").arg("remote", lease.leader_remote_cluster.as_str()), false)
        }
        Forgotten::NotAnOrphan => (
            Message::new("doctor-forget-not-an-orphan")
                .arg("name", lease.follower_index.as_str())
                .arg("leader_index", lease.leader_index.as_str()),
            false,
        ),
        Forgotten::Refused(reason) => (Message::new("doctor-forget-refused").arg("reason", reason), false),
    };
    render(&ReportPage { chrome, lease, message, released })
}
