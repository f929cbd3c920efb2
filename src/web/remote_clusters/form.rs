//! Adding and editing a remote cluster. Fields are named after the Elasticsearch keys;
//! validation happens here, before anything is sent, with each message beside its field and
//! everything the user typed kept. A "Show request" panel shows the exact request.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::super::chrome::Chrome;
use super::super::context::RequestContext;
use super::super::{Cluster, ValidQuery, render};
use super::find;
use super::validate::{Checked, check};
use crate::audit::{self, Outcome};
use crate::ccr::remote_clusters::{ConnectionMode, RemoteCluster};
use crate::error::{AppError, AppResult, ErrorView};
use crate::es::{Capabilities, ClusterSettingsUpdate, EsClient};

/// The form, as typed. Everything stays a string so it can be shown back unchanged.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RemoteForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub seeds: String,
    #[serde(default)]
    pub node_connections: String,
    #[serde(default)]
    pub proxy_address: String,
    #[serde(default)]
    pub server_name: String,
    #[serde(default)]
    pub proxy_socket_connections: String,
    /// A checkbox: present ("true") when ticked.
    #[serde(default)]
    pub skip_unavailable: Option<String>,
    /// Set by "Save anyway" after the warnings were shown.
    #[serde(default)]
    pub acknowledge_warnings: Option<String>,
    /// The remote being edited (the preview needs to know).
    #[serde(default)]
    pub editing: Option<String>,
}

impl RemoteForm {
    pub fn is_proxy(&self) -> bool {
        self.mode == "proxy"
    }

    pub fn skip(&self) -> bool {
        self.skip_unavailable.as_deref() == Some("true")
    }

    /// The form for editing `remote`. Optional numbers come from the settings, not from
    /// `_remote/info` (which shows defaults too): saving an unchanged form changes nothing.
    fn from_remote(remote: &RemoteCluster) -> RemoteForm {
        let configured = |suffix: &str| remote.configured(suffix).unwrap_or_default().to_owned();
        let mut form = RemoteForm {
            name: remote.name.clone(),
            skip_unavailable: remote.skip_unavailable.then(|| "true".into()),
            editing: Some(remote.name.clone()),
            ..RemoteForm::default()
        };
        match &remote.mode {
            ConnectionMode::Sniff { seeds, .. } => {
                form.mode = "sniff".into();
                form.seeds = seeds.join("\n");
                form.node_connections = configured("node_connections");
            }
            ConnectionMode::Proxy { address, .. } => {
                form.mode = "proxy".into();
                form.proxy_address = address.clone();
                form.server_name = configured("server_name");
                form.proxy_socket_connections = configured("proxy_socket_connections");
            }
        }
        form
    }
}

/// The request, as Kibana's Console and as `curl`, for copying into a script.
#[derive(Debug, Default)]
pub struct Preview {
    pub console: String,
    pub curl: String,
}

pub fn preview(update: &ClusterSettingsUpdate, node_url: &str) -> Preview {
    let body = serde_json::to_string_pretty(update).expect("settings serialize");
    let compact = serde_json::to_string(update).expect("settings serialize").replace('\'', r"'\''");
    Preview {
        console: format!("PUT _cluster/settings\n{body}"),
        curl: format!(
            "curl -X PUT \"{}/_cluster/settings\" -u \"$ES_USER\" -H 'Content-Type: application/json' -d '{compact}'",
            node_url.trim_end_matches('/')
        ),
    }
}

#[derive(Template)]
#[template(path = "remote_clusters/form.html")]
struct FormPage {
    chrome: Chrome,
    form: RemoteForm,
    editing: bool,
    checked: Checked,
    preview: Option<Preview>,
    proxy_supported: bool,
    /// Warnings were shown: offer "Save anyway".
    confirm_warnings: bool,
    /// What "Save anyway" confirms (see [`FieldMessages::fingerprint`]).
    fingerprint: String,
    /// Elasticsearch refused the request.
    es_error: Option<ErrorView>,
    preview_warnings: Vec<String>,
    preview_notes: Vec<String>,
}

impl FormPage {
    /// The form as first shown: no messages yet.
    fn fresh(
        chrome: Chrome,
        form: RemoteForm,
        editing: bool,
        preview: Option<Preview>,
        caps: Capabilities,
    ) -> FormPage {
        FormPage {
            chrome,
            form,
            editing,
            checked: Checked::default(),
            preview,
            proxy_supported: caps.proxy_mode(),
            confirm_warnings: false,
            fingerprint: String::new(),
            es_error: None,
            preview_warnings: Vec::new(),
            preview_notes: Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "remote_clusters/_preview.html")]
struct PreviewFragment {
    chrome: Chrome,
    preview: Option<Preview>,
    /// Warnings and notes while typing (the form page shows them beside the fields instead).
    preview_warnings: Vec<String>,
    preview_notes: Vec<String>,
}

/// What the form needs to know about the cluster: version features, names in use, HTTP ports.
async fn context_for_checks(client: &EsClient) -> AppResult<(Capabilities, Vec<String>, Vec<u16>)> {
    let (caps, remotes, nodes) = tokio::join!(client.capabilities(), client.remote_info(), client.nodes());
    let http_ports = nodes
        .map(|n| {
            n.nodes
                .values()
                .filter_map(|node| node.http.as_ref()?.publish_address.rsplit(':').next()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    Ok((caps?, remotes?.into_keys().collect(), http_ports))
}

pub async fn new_remote_cluster(context: RequestContext, cluster: Cluster) -> AppResult<Html<String>> {
    let chrome = Chrome::load(&context, &cluster, "remote-clusters").await?;
    let caps = cluster.client.capabilities().await?;
    let form = RemoteForm {
        mode: "sniff".into(),
        skip_unavailable: caps.skip_unavailable_by_default().then(|| "true".into()),
        ..RemoteForm::default()
    };
    render(&FormPage::fresh(chrome, form, false, None, caps))
}

pub async fn edit_remote_cluster(
    context: RequestContext,
    cluster: Cluster,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let chrome = Chrome::load(&context, &cluster, "remote-clusters").await?;
    let remote = find(&cluster.client, &name).await?;
    if !remote.editable() {
        return Err(AppError::BadRequest(context.tr().t1("remote-yml-readonly", "name", &name)));
    }
    let caps = cluster.client.capabilities().await?;
    let form = RemoteForm::from_remote(&remote);
    let checked = check(&form, &chrome.tr, caps, &[], &[], true);
    let preview = checked.spec.as_ref().map(|s| preview(&s.settings_update(caps, true), &cluster.client.urls()[0]));
    Ok(render(&FormPage::fresh(chrome, form, true, preview, caps))?.into_response())
}

pub async fn create_remote_cluster(
    context: RequestContext,
    cluster: Cluster,
    axum::Form(form): axum::Form<RemoteForm>,
) -> AppResult<Response> {
    save(context, cluster, form, None).await
}

pub async fn update_remote_cluster(
    context: RequestContext,
    cluster: Cluster,
    Path(name): Path<String>,
    axum::Form(mut form): axum::Form<RemoteForm>,
) -> AppResult<Response> {
    let remote = find(&cluster.client, &name).await?;
    if !remote.editable() {
        return Err(AppError::BadRequest(context.tr().t1("remote-yml-readonly", "name", &name)));
    }
    // The name is locked: the path decides it, whatever the body says.
    form.name = name;
    save(context, cluster, form, Some(remote)).await
}

async fn save(
    context: RequestContext,
    cluster: Cluster,
    mut form: RemoteForm,
    editing: Option<RemoteCluster>,
) -> AppResult<Response> {
    let tr = context.tr();
    let (caps, taken, http_ports) = context_for_checks(&cluster.client).await?;
    let replacing = editing.is_some();
    form.editing = editing.as_ref().map(|r| r.name.clone());
    let checked = check(&form, &tr, caps, &taken, &http_ports, replacing);
    // The confirmation holds a fingerprint of the warnings it confirmed: changing the
    // addresses to another suspicious one asks again.
    let fingerprint = checked.warnings.fingerprint();
    let acknowledged = form.acknowledge_warnings.as_deref() == Some(fingerprint.as_str());
    let mut update = checked.spec.as_ref().map(|s| s.settings_update(caps, replacing));
    if let (Some(update), Some(remote)) = (update.as_mut(), editing.as_ref()) {
        // Writes go to the persistent settings; a transient definition would win over them,
        // so its keys are removed in the same request.
        update.transient = remote.transient.keys().map(|key| (key.clone(), serde_json::Value::Null)).collect();
    }
    let preview_text = update.as_ref().map(|u| preview(u, &cluster.client.urls()[0]));
    let blocked = checked.spec.is_none() || (!checked.warnings.is_empty() && !acknowledged);
    let mut es_error = None;
    let mut es_status = None;
    if !blocked && let (Some(spec), Some(update)) = (&checked.spec, &update) {
        let action = if replacing { "update_remote_cluster" } else { "add_remote_cluster" };
        let request = format!("PUT _cluster/settings {}", serde_json::to_string(update).unwrap_or_default());
        match cluster.client.put_cluster_settings(update).await {
            Ok(_) => {
                audit::record(
                    cluster.user.audit_name(),
                    &cluster.name,
                    action,
                    &request,
                    Outcome::Succeeded,
                    spec.name.as_str(),
                );
                let done = if replacing { "updated" } else { "added" };
                let query =
                    serde_urlencoded::to_string([("done", done), ("names", spec.name.as_str())]).unwrap_or_default();
                return Ok(Redirect::to(&format!("/remote-clusters?{query}")).into_response());
            }
            Err(error) => {
                audit::record(
                    cluster.user.audit_name(),
                    &cluster.name,
                    action,
                    &request,
                    Outcome::Failed,
                    &error.to_string(),
                );
                let error = AppError::Es(error);
                // Missing privileges get their own page (with the privilege check); a session
                // whose credentials stopped working ends.
                if matches!(error.status().as_u16(), 401 | 403) {
                    return Err(error);
                }
                es_status = Some(error.status());
                es_error = Some(error.view(&tr));
            }
        }
    }
    let status = if let Some(status) = es_status {
        status
    } else if checked.spec.is_none() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let confirm_warnings = checked.spec.is_some() && !checked.warnings.is_empty() && es_error.is_none();
    let chrome = Chrome::load(&context, &cluster, "remote-clusters").await?;
    let page = FormPage {
        chrome,
        form,
        editing: replacing,
        checked,
        preview: preview_text,
        proxy_supported: caps.proxy_mode(),
        confirm_warnings,
        fingerprint,
        es_error,
        preview_warnings: Vec::new(),
        preview_notes: Vec::new(),
    };
    Ok((status, render(&page)?).into_response())
}

/// The "Show request" panel, refreshed by htmx as the user types.
pub async fn preview_request(
    context: RequestContext,
    cluster: Cluster,
    ValidQuery(form): ValidQuery<RemoteForm>,
) -> AppResult<Html<String>> {
    let (caps, _, http_ports) = context_for_checks(&cluster.client).await?;
    let replacing = form.editing.is_some();
    let checked = check(&form, &context.tr(), caps, &[], &http_ports, replacing);
    let preview_warnings = checked.warnings.all();
    let preview_notes = checked.notes.all();
    let preview = checked.spec.map(|s| preview(&s.settings_update(caps, replacing), &cluster.client.urls()[0]));
    render(&PreviewFragment { chrome: Chrome::bare(&context, ""), preview, preview_warnings, preview_notes })
}
