//! One remote cluster: every field Elasticsearch reports, its settings, what uses it, its
//! security model, and a live connection test.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use serde::Deserialize;
use serde_json::Value;

use super::find;
use super::list::{StatusCell, port_hint_applies};
use crate::ccr::remote_clusters::{self, LiveStatus, RemoteCluster, SecurityModel, Usage};
use crate::es::{Capabilities, EsClient};
use crate::i18n::Tr;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::AppResult;
use crate::web::filters;
use crate::web::{Screen, ValidQuery, render};

/// The outcome of a connection test.
pub struct TestResult {
    pub connected: bool,
    /// Elasticsearch's explanation of a failure, when it gave one.
    pub error: Option<String>,
    /// False when only `_remote/info` could be asked (before 8.13): it may lag.
    pub probed: bool,
    /// Not connected, and the evidence points at an HTTP port.
    pub port_hint: bool,
}

async fn run_test(state: &AppState, client: &EsClient, caps: Capabilities, remote: &RemoteCluster) -> TestResult {
    let report = remote_clusters::live_status(client, caps, std::slice::from_ref(remote)).await;
    let error = match report.by_name.get(&remote.name) {
        Some(LiveStatus::Connected) => {
            return TestResult { connected: true, error: None, probed: report.probed, port_hint: false };
        }
        Some(LiveStatus::NotConnected(error)) => error.clone(),
        None => None,
    };
    let endpoints = super::http_endpoints(state, client).await;
    let port_hint = port_hint_applies(remote, error.as_deref(), &endpoints);
    TestResult { connected: false, error, probed: report.probed, port_hint }
}

impl TestResult {
    fn status(&self) -> LiveStatus {
        if self.connected { LiveStatus::Connected } else { LiveStatus::NotConnected(self.error.clone()) }
    }
}

#[derive(Template)]
#[template(path = "remote_clusters/detail.html")]
struct DetailPage {
    chrome: Chrome,
    remote: RemoteCluster,
    status: StatusCell,
    /// Every field of `_remote/info` for this remote, as Elasticsearch named it.
    info_fields: Vec<(String, String)>,
    /// The remote's keys in the persistent and transient settings.
    settings: Vec<(&'static str, String, String)>,
    usage: Result<Usage, String>,
    api_key: bool,
    /// Message keys of security-model mistakes found.
    security_warnings: Vec<&'static str>,
    test: Option<TestResult>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    /// Set by the no-JavaScript "Test connection" link.
    #[serde(default)]
    test: Option<String>,
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

pub async fn show_remote_cluster(
    State(state): State<AppState>,
    screen: Screen,
    Path(name): Path<String>,
    ValidQuery(query): ValidQuery<DetailQuery>,
) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::RemoteClusters).await?;
    let client = screen.client();
    let caps = client.capabilities().await?;
    let remote = find(client, &name).await?;
    let (test, usage) = tokio::join!(run_test(&state, client, caps, &remote), remote_clusters::usage(client, &name));
    // The remote already carries its settings, read with `_remote/info`.
    let mut rows = Vec::new();
    for (block, values) in [("persistent", &remote.persistent), ("transient", &remote.transient)] {
        rows.extend(values.iter().map(|(key, value)| (block, key.clone(), value.clone())));
    }
    let info_fields = match serde_json::to_value(&remote.info) {
        Ok(Value::Object(map)) => map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, text(&v))).collect(),
        _ => Vec::new(),
    };
    let mut status = StatusCell::new(&remote, &test.status(), 0, &[]);
    status.show_port_hint = test.port_hint;
    let page = DetailPage {
        chrome,
        status,
        info_fields,
        settings: rows,
        usage: usage.map_err(|e| e.to_string()),
        api_key: remote.security == SecurityModel::ApiKey,
        security_warnings: remote_clusters::security_warnings(&remote),
        test: query.test.is_some().then_some(test),
        remote,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "remote_clusters/_status.html")]
struct StatusFragment {
    tr: Tr,
    cell: StatusCell,
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    attempt: u32,
}

/// One status cell, for htmx polling while a remote connects.
pub async fn status_cell(
    State(state): State<AppState>,
    screen: Screen,
    Path(name): Path<String>,
    ValidQuery(query): ValidQuery<StatusQuery>,
) -> AppResult<Html<String>> {
    let caps = screen.client().capabilities().await?;
    let remote = find(screen.client(), &name).await?;
    let report = remote_clusters::live_status(screen.client(), caps, std::slice::from_ref(&remote)).await;
    let status = report.by_name.get(&name).cloned().unwrap_or(LiveStatus::NotConnected(None));
    let endpoints = match status {
        LiveStatus::Connected => Vec::new(),
        LiveStatus::NotConnected(_) => super::http_endpoints(&state, screen.client()).await,
    };
    render(&StatusFragment { tr: screen.tr(), cell: StatusCell::new(&remote, &status, query.attempt, &endpoints) })
}

#[derive(Template)]
#[template(path = "remote_clusters/_test_result.html")]
struct TestFragment {
    tr: Tr,
    test: TestResult,
}

/// "Test connection" through htmx (without JavaScript, the detail page with `?test=1`).
pub async fn test_connection(
    State(state): State<AppState>,
    screen: Screen,
    Path(name): Path<String>,
) -> AppResult<Html<String>> {
    let caps = screen.client().capabilities().await?;
    let remote = find(screen.client(), &name).await?;
    let test = run_test(&state, screen.client(), caps, &remote).await;
    render(&TestFragment { tr: screen.tr(), test })
}
