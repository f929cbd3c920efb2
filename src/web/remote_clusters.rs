//! The remote clusters screen: the list, searchable and sortable through the query string so
//! a view can be shared as a link.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;

use super::chrome::Chrome;
use super::context::RequestContext;
use super::{AppState, Cluster, render};
use crate::ccr::remote_clusters::{self, ConnectionMode, RemoteCluster};
use crate::error::AppResult;

pub fn router() -> Router<AppState> {
    Router::new().route("/remote-clusters", get(list_remote_clusters))
}

/// The list's view state, all in the query string.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: SortColumn,
    #[serde(default)]
    desc: bool,
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

/// One row of the table.
pub struct RemoteRow {
    pub name: String,
    pub connected: bool,
    pub mode: &'static str,
    pub addresses: Vec<String>,
    pub connections: u32,
    pub max_connections: u32,
    pub skip_unavailable: bool,
    pub defined_in: &'static str,
    /// Not connected in sniff mode: the transport-port hint applies.
    pub show_port_hint: bool,
}

impl RemoteRow {
    fn new(remote: &RemoteCluster) -> RemoteRow {
        RemoteRow {
            name: remote.name.clone(),
            connected: remote.connected,
            mode: remote.mode.name(),
            addresses: remote.mode.addresses(),
            connections: remote.connections,
            max_connections: remote.max_connections,
            skip_unavailable: remote.skip_unavailable,
            defined_in: remote.defined_in.key(),
            show_port_hint: !remote.connected && matches!(remote.mode, ConnectionMode::Sniff { .. }),
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
}

fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("q", value)]).unwrap_or_default()
}

async fn list_remote_clusters(
    State(state): State<AppState>,
    context: RequestContext,
    cluster: Cluster,
    Query(query): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let chrome = Chrome::load(&context, &state, &cluster, "remote-clusters").await?;
    let remotes = remote_clusters::list(&cluster.client).await?;
    let total = remotes.len();
    let mut rows: Vec<RemoteRow> = remotes.iter().map(RemoteRow::new).filter(|r| r.matches(&query.q)).collect();
    rows.sort_by(|a, b| match query.sort {
        SortColumn::Name => a.name.cmp(&b.name),
        SortColumn::Status => b.connected.cmp(&a.connected).then(a.name.cmp(&b.name)),
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
    render(&ListPage { chrome, rows, total, query: query.q, sort_links })
}
