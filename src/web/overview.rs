//! The overview: the connected cluster at a glance, and the steps of a replication.

use askama::Template;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use super::chrome::{Chrome, Nav};
use super::error::AppResult;
use super::{AppState, Screen, render};
use crate::ccr::{followers, migrations, remote_clusters};
use crate::es::{Capabilities, EsError};
use crate::web::filters;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show_overview)).route("/overview/replication", get(replication_fragment))
}

/// How many followers the "worst" list shows.
const WORST: usize = 5;

/// Replication health at a glance; each figure links to the screen that explains it.
#[derive(Template)]
#[template(path = "overview_replication.html")]
pub struct Replication {
    tr: crate::i18n::Tr,
    /// Remotes connected, and in all (`None`: could not be read).
    remotes: Option<(usize, usize)>,
    /// Followers active, paused, failing.
    followers: Option<[(followers::FollowerStatus, usize); 3]>,
    behind: u64,
    /// The followers furthest behind: name and operations behind.
    worst: Vec<(String, u64)>,
    /// Auto-follow patterns with recent errors: name and how many.
    pattern_errors: Vec<(String, usize)>,
    /// Migrations not finished yet: id and the next step.
    migrations: Vec<(String, &'static str)>,
}

/// What the overview reads once, shared by its cards and the replication section.
struct Readings {
    remotes: Result<Vec<remote_clusters::RemoteCluster>, EsError>,
    followers: Result<followers::rows::FollowerTally, EsError>,
    patterns: Result<Vec<crate::es::NamedAutoFollowPattern>, EsError>,
    /// Recent auto-follow errors, keyed `<pattern>` or `<pattern>:<index>`.
    pattern_errors: Vec<String>,
    plans: Result<Vec<migrations::plan::MigrationPlan>, EsError>,
}

async fn read(client: &crate::es::EsClient) -> Readings {
    // Not `auto_follow::list`: it reads `_all/_ccr/info` again, which the tally just did; the
    // auto-follow errors come with the followers' lag, from one `_ccr/stats`.
    let (remotes, (followers, pattern_errors), patterns, plans) = tokio::join!(
        remote_clusters::list(client),
        followers::rows::tally(client, WORST),
        client.auto_follow_patterns(),
        migrations::plan::list(client, 100),
    );
    Readings { remotes, followers, patterns, pattern_errors, plans }
}

fn replication(tr: crate::i18n::Tr, readings: &Readings) -> Replication {
    let remotes = readings.remotes.as_ref().ok().map(|list| (list.iter().filter(|r| r.connected).count(), list.len()));
    let tally = readings.followers.as_ref().ok();
    let followers = tally.map(|tally| tally.by_status);
    let behind = tally.map_or(0, |tally| tally.behind);
    let worst = tally.map(|tally| tally.worst.clone()).unwrap_or_default();
    let pattern_errors = readings
        .patterns
        .iter()
        .flatten()
        .filter_map(|p| {
            let mine =
                |key: &String| key == &p.name || key.strip_prefix(p.name.as_str()).is_some_and(|r| r.starts_with(':'));
            let count = readings.pattern_errors.iter().filter(|k| mine(k)).count();
            (count > 0).then(|| (p.name.clone(), count))
        })
        .collect();
    let migrations = readings
        .plans
        .iter()
        .flatten()
        .filter_map(|p| p.next_step().map(|step| (p.id.clone(), step.as_str())))
        .collect();
    Replication { tr, remotes, followers, behind, worst, pattern_errors, migrations }
}

/// The replication section alone, for its own refresh.
async fn replication_fragment(screen: Screen) -> AppResult<Html<String>> {
    let turn = followers::whole_list_turn().await;
    let readings = read(screen.client()).await;
    turn.holds(readings.followers.as_ref().map_or(0, |tally| tally.total));
    render(&replication(screen.tr(), &readings))
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
    replication: Replication,
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
    let client = screen.client();
    // Every follower is read and held until the page is rendered: one turn of the few at once.
    let turn = followers::whole_list_turn().await;
    // The header's calls and the page's are independent: all asked at once. The node count
    // comes with the header's health answer: no second `_cluster/health`.
    let (chrome, readings, capabilities) =
        tokio::join!(screen.chrome(Nav::Overview), read(client), client.capabilities());
    let chrome = chrome?;
    turn.holds(readings.followers.as_ref().map_or(0, |tally| tally.total));
    let tr = chrome.tr;
    let replication = replication(tr, &readings);
    let remotes = match &readings.remotes {
        Ok(list) => {
            let connected = list.iter().filter(|r| r.connected).count().to_string();
            Figure::Known { total: list.len(), detail: tr.t1("overview-remotes-connected", "count", &connected) }
        }
        Err(e) => unavailable(e),
    };
    let followers = match &readings.followers {
        Ok(tally) => {
            let active = tally.by_status.iter().find(|(status, _)| *status == followers::FollowerStatus::Active);
            let active = active.map_or(0, |(_, count)| *count).to_string();
            Figure::Known { total: tally.total, detail: tr.t1("overview-followers-active", "count", &active) }
        }
        Err(e) => unavailable(e),
    };
    let patterns = match &readings.patterns {
        Ok(list) => {
            let active = list.iter().filter(|p| p.pattern.active).count().to_string();
            Figure::Known { total: list.len(), detail: tr.t1("overview-patterns-active", "count", &active) }
        }
        Err(e) => unavailable(e),
    };
    let nodes = chrome.header.as_ref().and_then(|h| h.nodes);
    let page = OverviewPage { chrome, nodes, remotes, followers, patterns, capabilities: capabilities?, replication };
    render(&page)
}
