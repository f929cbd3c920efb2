//! The list: searchable and sortable through the query string (so a view can be shared as a
//! link), with a live status per remote that refreshes itself until it settles.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use super::validate::{MAX_SEEDS, looks_like_http};
use crate::ccr::remote_clusters::address::SeedAddress;
use crate::ccr::remote_clusters::{self, LiveStatus, RemoteCluster, SecurityModel};
use crate::i18n::Tr;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::flash::{Failure, Flash, FlashKey, Outcome};
use crate::web::page::{SortLink, search_pair};
use crate::web::{Screen, ValidQuery, render};

/// The list's view state, in the query string so a view can be shared. The outcome of the
/// last change is not there: it comes in a sealed flash cookie (see [`crate::web::flash`]),
/// so a link cannot make the page announce something the panel did not do.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: SortColumn,
    #[serde(default)]
    desc: bool,
}

/// How many addresses a row shows; the rest are counted (a stored list may be huge).
pub const SHOWN_ADDRESSES: usize = 10;

/// A flash message, ready to show.
pub struct FlashView {
    /// `ok`, `warn` or `error`: the alert's class.
    pub class: &'static str,
    pub message: String,
    pub failures: Vec<Failure>,
    pub more_failures: usize,
}

impl FlashView {
    fn new(flash: Flash, tr: &Tr) -> FlashView {
        let names = flash.names_text(tr);
        let single = flash.names.len() == 1 && flash.more_names == 0;
        let (class, message) = match flash.outcome {
            Outcome::Added => ("ok", tr.t1("remote-done-added", "names", &names)),
            Outcome::Updated => ("ok", tr.t1("remote-done-updated", "names", &names)),
            Outcome::Deleted if flash.names.is_empty() => ("error", String::new()),
            Outcome::Deleted if single => ("ok", tr.t1("remote-done-deleted-one", "names", &names)),
            Outcome::Deleted => ("ok", tr.t1("remote-done-deleted", "names", &names)),
            // Remotes are never paused or resumed: no message.
            Outcome::Paused | Outcome::Resumed => ("ok", String::new()),
            Outcome::NothingSelected => ("warn", tr.t("remote-done-none-selected")),
            Outcome::TooMany { max } => ("warn", tr.t1("remote-done-too-many", "max", &max.to_string())),
        };
        FlashView { class, message, failures: flash.failures, more_failures: flash.more_failures }
    }
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
    /// Not connected, and the evidence points at an HTTP port (see [`port_hint_applies`]).
    pub show_port_hint: bool,
    /// Poll again (the remote may still be connecting), and which attempt this is.
    pub next_attempt: Option<u32>,
}

/// Whether a remote that does not connect is probably pointed at an HTTP port: an address on
/// a port that looks like HTTP or on a known HTTP endpoint, or a connection error that says
/// so. Elasticsearch's transport says "received HTTP response on transport port, ensure that
/// transport port (not HTTP port) of a remote node is specified in the configuration" when a
/// seed answers in HTTP, and shows the bytes (48,54,54,50) of "HTTP" in a corrupted-stream
/// message. Otherwise the hint would mislead: the page shows the probe's own reason instead.
pub fn port_hint_applies(remote: &RemoteCluster, error: Option<&str>, http_endpoints: &[SeedAddress]) -> bool {
    let addresses = remote.mode.addresses();
    let on_http = addresses
        .iter()
        .take(MAX_SEEDS)
        .filter_map(|a| a.parse::<SeedAddress>().ok())
        .any(|a| looks_like_http(&a, http_endpoints));
    let error_says_so = error.is_some_and(|e| {
        let e = e.to_ascii_lowercase();
        e.contains("http response on transport port") || e.contains("(not http port)") || e.contains("48,54,54,50")
    });
    on_http || error_says_so
}

/// How many times a not-connected status cell asks again (every 3 s) before it calls the
/// remote clearly failing.
pub const POLL_ATTEMPTS: u32 = 10;

impl StatusCell {
    pub fn new(
        remote: &RemoteCluster,
        status: &LiveStatus,
        attempt: u32,
        http_endpoints: &[SeedAddress],
    ) -> StatusCell {
        let (connected, error) = match status {
            LiveStatus::Connected => (true, None),
            LiveStatus::NotConnected(error) => (false, error.clone()),
        };
        StatusCell {
            name: remote.name.clone(),
            connected,
            show_port_hint: !connected && port_hint_applies(remote, error.as_deref(), http_endpoints),
            error,
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
    /// The first [`SHOWN_ADDRESSES`] addresses, and how many more there are.
    pub addresses: Vec<String>,
    pub more_addresses: usize,
    pub connections: u32,
    pub max_connections: u32,
    pub skip_unavailable: bool,
    pub defined_in: &'static str,
    pub api_key: bool,
    pub editable: bool,
}

impl RemoteRow {
    fn new(remote: &RemoteCluster, status: &LiveStatus, http_endpoints: &[SeedAddress]) -> RemoteRow {
        let mut addresses = remote.mode.addresses();
        let more_addresses = addresses.len().saturating_sub(SHOWN_ADDRESSES);
        addresses.truncate(SHOWN_ADDRESSES);
        RemoteRow {
            name: remote.name.clone(),
            status: StatusCell::new(remote, status, 0, http_endpoints),
            mode: remote.mode.name(),
            addresses,
            more_addresses,
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
    /// What the change just made did, if the panel made one.
    flash: Option<FlashView>,
}

impl ListPage {
    /// Whether any row can be selected for deletion (remotes from elasticsearch.yml cannot).
    fn any_editable(&self) -> bool {
        self.rows.iter().any(|r| r.editable)
    }
}

pub async fn list_remote_clusters(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    headers: HeaderMap,
    ValidQuery(query): ValidQuery<ListQuery>,
) -> AppResult<Response> {
    // The version is read once and kept: normally no request.
    let caps = screen.client().capabilities().await?;
    // The header's calls, the list and the probe of every remote are independent: asked at once.
    let (chrome, remotes, probe) = tokio::join!(
        screen.chrome(Nav::RemoteClusters),
        remote_clusters::list(screen.client()),
        remote_clusters::probe_all(screen.client(), caps)
    );
    let (chrome, remotes) = (chrome?, remotes?);
    let status = remote_clusters::status_from(probe, &remotes);
    let total = remotes.len();
    // The HTTP addresses are only needed to explain a remote that does not connect.
    let endpoints = if status.by_name.values().any(|s| *s != LiveStatus::Connected) {
        super::http_endpoints(&state, screen.client()).await
    } else {
        Vec::new()
    };
    let mut rows: Vec<RemoteRow> = remotes
        .iter()
        .map(|r| RemoteRow::new(r, status.by_name.get(&r.name).unwrap_or(&LiveStatus::NotConnected(None)), &endpoints))
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
            SortLink::new(format!("remote-col-{key}"), *column == query.sort, query.desc, |desc| {
                format!("/remote-clusters?{}&sort={key}{}", search_pair(&query.q), if desc { "&desc=true" } else { "" })
            })
        })
        .collect();
    let (jar, flash) = Flash::take(jar, &headers);
    let flash = flash.map(|f| FlashView::new(f, &chrome.tr));
    let page = ListPage { chrome, rows, total, query: query.q, sort_links, probed: status.probed, flash };
    Ok((jar, render(&page)?).into_response())
}
