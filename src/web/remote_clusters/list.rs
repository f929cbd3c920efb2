//! The list: searchable and sortable through the query string (so a view can be shared as a
//! link), with a live status per remote that refreshes itself until it settles.

use askama::Template;
use axum::response::Html;
use serde::Deserialize;

use super::super::chrome::Chrome;
use super::super::context::RequestContext;
use super::super::{Cluster, ValidQuery, render};
use crate::ccr::remote_clusters::{self, ConnectionMode, LiveStatus, RemoteCluster, SecurityModel};
use crate::error::AppResult;

/// The list's view state and the outcome of the last change, all in the query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: SortColumn,
    #[serde(default)]
    desc: bool,
    /// Set after a change, to say what happened: `added`, `updated` or `deleted`.
    #[serde(default)]
    done: Option<String>,
    /// The names the change concerned (comma-separated).
    #[serde(default)]
    names: String,
    /// Remotes a bulk delete could not delete: `name<TAB>reason` lines.
    #[serde(default)]
    failed: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SortColumn {
    #[default]
    Name,
    Status,
    Mode,
    Connections,
}

impl SortColumn {
    const ALL: [(SortColumn, &'static str); 4] = [
        (SortColumn::Name, "name"),
        (SortColumn::Status, "status"),
        (SortColumn::Mode, "mode"),
        (SortColumn::Connections, "connections"),
    ];
}

/// The status cell of one remote, also served alone while it polls.
pub struct StatusCell {
    pub name: String,
    pub connected: bool,
    /// Elasticsearch's reason, when the live test gave one.
    pub error: Option<String>,
    /// Not connected in sniff mode: the transport-port hint applies.
    pub show_port_hint: bool,
    /// Poll again (the remote may still be connecting), and which attempt this is.
    pub next_attempt: Option<u32>,
}

/// How many times a not-connected status cell asks again (every 3 s) before it calls the
/// remote clearly failing.
pub const POLL_ATTEMPTS: u32 = 10;

impl StatusCell {
    pub fn new(remote: &RemoteCluster, status: &LiveStatus, attempt: u32) -> StatusCell {
        let (connected, error) = match status {
            LiveStatus::Connected => (true, None),
            LiveStatus::NotConnected(error) => (false, error.clone()),
        };
        StatusCell {
            name: remote.name.clone(),
            connected,
            error,
            show_port_hint: !connected && matches!(remote.mode, ConnectionMode::Sniff { .. }),
            next_attempt: (!connected && attempt < POLL_ATTEMPTS).then(|| attempt + 1),
        }
    }

    pub fn failing(&self) -> bool {
        !self.connected && self.next_attempt.is_none()
    }
}

/// One row of the table.
pub struct RemoteRow {
    pub name: String,
    pub status: StatusCell,
    pub mode: &'static str,
    pub addresses: Vec<String>,
    pub connections: u32,
    pub max_connections: u32,
    pub skip_unavailable: bool,
    pub defined_in: &'static str,
    pub api_key: bool,
    pub editable: bool,
}

impl RemoteRow {
    fn new(remote: &RemoteCluster, status: &LiveStatus) -> RemoteRow {
        RemoteRow {
            name: remote.name.clone(),
            status: StatusCell::new(remote, status, 0),
            mode: remote.mode.name(),
            addresses: remote.mode.addresses(),
            connections: remote.connections,
            max_connections: remote.max_connections,
            skip_unavailable: remote.skip_unavailable,
            defined_in: remote.defined_in.key(),
            api_key: remote.security == SecurityModel::ApiKey,
            editable: remote.editable(),
        }
    }

    fn matches(&self, needle: &str) -> bool {
        let needle = needle.trim().to_lowercase();
        needle.is_empty()
            || self.name.to_lowercase().contains(&needle)
            || self.addresses.iter().any(|a| a.to_lowercase().contains(&needle))
    }
}

/// A sortable column header: its label key, the link that sorts by it, and its state.
pub struct SortLink {
    pub label_key: String,
    pub href: String,
    /// `none`, `ascending` or `descending`, as `aria-sort` wants it.
    pub aria_sort: &'static str,
}

#[derive(Template)]
#[template(path = "remote_clusters/list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<RemoteRow>,
    total: usize,
    query: String,
    sort_links: Vec<SortLink>,
    /// False when the status comes from `_remote/info` and may lag.
    probed: bool,
    /// The message key and names of the change just made, if any.
    done: Option<(String, String)>,
    /// Remotes a delete could not delete, with Elasticsearch's reason.
    failed: Vec<(String, String)>,
}

impl ListPage {
    /// Whether any row can be selected for deletion (remotes from elasticsearch.yml cannot).
    fn any_editable(&self) -> bool {
        self.rows.iter().any(|r| r.editable)
    }
}

fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("q", value)]).unwrap_or_default()
}

pub async fn list_remote_clusters(
    context: RequestContext,
    cluster: Cluster,
    ValidQuery(query): ValidQuery<ListQuery>,
) -> AppResult<Html<String>> {
    let chrome = Chrome::load(&context, &cluster, "remote-clusters").await?;
    let caps = cluster.client.capabilities().await?;
    let remotes = remote_clusters::list(&cluster.client).await?;
    let status = remote_clusters::live_status(&cluster.client, caps, &remotes).await;
    let total = remotes.len();
    let mut rows: Vec<RemoteRow> = remotes
        .iter()
        .map(|r| RemoteRow::new(r, status.by_name.get(&r.name).unwrap_or(&LiveStatus::NotConnected(None))))
        .filter(|r| r.matches(&query.q))
        .collect();
    rows.sort_by(|a, b| match query.sort {
        SortColumn::Name => a.name.cmp(&b.name),
        SortColumn::Status => b.status.connected.cmp(&a.status.connected).then(a.name.cmp(&b.name)),
        SortColumn::Mode => a.mode.cmp(b.mode).then(a.name.cmp(&b.name)),
        SortColumn::Connections => a.connections.cmp(&b.connections).then(a.name.cmp(&b.name)),
    });
    if query.desc {
        rows.reverse();
    }
    let sort_links = SortColumn::ALL
        .iter()
        .map(|(column, key)| {
            let current = *column == query.sort;
            let desc = current && !query.desc;
            SortLink {
                label_key: format!("remote-col-{key}"),
                href: format!(
                    "/remote-clusters?{}&sort={key}{}",
                    encode(&query.q),
                    if desc { "&desc=true" } else { "" }
                ),
                aria_sort: match (current, query.desc) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
            }
        })
        .collect();
    let done = query
        .done
        .filter(|d| matches!(d.as_str(), "added" | "updated" | "deleted" | "none-selected"))
        .map(|d| (format!("remote-done-{d}"), query.names.clone()));
    let failed = query
        .failed
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, reason)| (name.to_owned(), reason.to_owned()))
        .collect();
    render(&ListPage { chrome, rows, total, query: query.q, sort_links, probed: status.probed, done, failed })
}
