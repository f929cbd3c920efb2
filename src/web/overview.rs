//! The overview: the connected cluster at a glance, and the steps of a replication.

use askama::Template;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use super::chrome::{Chrome, Nav};
use super::error::AppResult;
use super::{AppState, Screen, render};
use crate::ccr::{followers, remote_clusters};
use crate::es::{Capabilities, EsError};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show_overview))
}

/// A count, or why it could not be read (a missing privilege should not blank the page).
pub enum Figure {
    Known { total: usize, detail: String },
    Unavailable(String),
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    chrome: Chrome,
    /// `None` when the health could not be read.
    nodes: Option<u32>,
    remotes: Figure,
    followers: Figure,
    patterns: Figure,
    capabilities: Capabilities,
}

impl OverviewPage {
    /// The three CCR cards: navigation key, link, figure.
    fn cards(&self) -> [(&'static str, &'static str, &Figure); 3] {
        [
            ("nav-remote-clusters", "/remote-clusters", &self.remotes),
            ("nav-follower-indices", "/follower-indices", &self.followers),
            ("nav-auto-follow", "/auto-follow-patterns", &self.patterns),
        ]
    }
}

fn unavailable(error: &EsError) -> Figure {
    Figure::Unavailable(error.reason())
}

async fn show_overview(screen: Screen) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::Overview).await?;
    let tr = chrome.tr;
    let client = screen.client();
    // The node count comes with the header's health answer: no second `_cluster/health`.
    let (remotes, followers, patterns, capabilities) = tokio::join!(
        remote_clusters::list(client),
        followers::list(client),
        client.auto_follow_patterns(),
        client.capabilities(),
    );
    let remotes = match remotes {
        Ok(list) => {
            let connected = list.iter().filter(|r| r.connected).count().to_string();
            Figure::Known { total: list.len(), detail: tr.t1("overview-remotes-connected", "count", &connected) }
        }
        Err(e) => unavailable(&e),
    };
    let followers = match followers {
        Ok(list) => {
            let active = list.iter().filter(|f| f.status == followers::FollowerStatus::Active).count().to_string();
            Figure::Known { total: list.len(), detail: tr.t1("overview-followers-active", "count", &active) }
        }
        Err(e) => unavailable(&e),
    };
    let patterns = match patterns {
        Ok(list) => {
            let active = list.iter().filter(|p| p.pattern.active).count().to_string();
            Figure::Known { total: list.len(), detail: tr.t1("overview-patterns-active", "count", &active) }
        }
        Err(e) => unavailable(&e),
    };
    let nodes = chrome.header.as_ref().and_then(|h| h.nodes);
    let page = OverviewPage { chrome, nodes, remotes, followers, patterns, capabilities: capabilities? };
    render(&page)
}
