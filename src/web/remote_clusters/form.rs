//! Adding and editing a remote cluster. Fields are named after the Elasticsearch keys;
//! validation happens here, before anything is sent, with each message beside its field and
//! everything the user typed kept. A "Show request" panel shows the exact request.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::find;
use super::validate::{Checked, check};
use crate::ccr::remote_clusters::address::SeedAddress;
use crate::ccr::remote_clusters::{self, ConnectionMode, RemoteCluster, SaveRequest};
use crate::es::{Capabilities, ClusterSettingsUpdate, EsClient};
use crate::i18n::{Message, Tr};
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult, ErrorView};
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey, Outcome};
use crate::web::{Screen, ValidQuery, render};
use axum_extra::extract::cookie::PrivateCookieJar;

/// The form, as typed. Everything stays a string so it can be shown back unchanged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RemoteForm {
    pub name: String,
    pub mode: String,
    pub seeds: String,
    pub node_connections: String,
    pub proxy_address: String,
    pub server_name: String,
    pub proxy_socket_connections: String,
    /// A checkbox: present ("true") when ticked.
    pub skip_unavailable: Option<String>,
    /// Set by "Save anyway" after the warnings were shown.
    pub acknowledge_warnings: Option<String>,
    /// The remote being edited (the preview needs to know).
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
    let body = serde_json::to_string(update).expect("settings serialize");
    Preview {
        console: format!(
            "PUT _cluster/settings\n{}",
            serde_json::to_string_pretty(update).expect("settings serialize")
        ),
        curl: crate::web::curl::curl_line("PUT", node_url, "_cluster/settings", Some(&body)),
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
    /// Always empty here: the preview fragment alone swaps field messages in (see there).
    live_fields: Vec<&'static str>,
    /// Whether the field messages are out-of-band swaps (only in the preview fragment).
    oob: bool,
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
            live_fields: Vec::new(),
            oob: false,
        }
    }
}

#[derive(Template)]
#[template(path = "_request_preview.html")]
struct PreviewFragment {
    tr: Tr,
    preview: Option<Preview>,
    /// The messages of every field, swapped in beside the fields (htmx out-of-band swaps) so
    /// the reasons show while the user types, not only after submitting.
    checked: Checked,
    /// The fields whose messages are swapped in: those the form has.
    live_fields: Vec<&'static str>,
    oob: bool,
}

/// The fields with a messages box, and whether the form shows them (proxy fields need 7.6).
fn message_fields(proxy_supported: bool) -> Vec<&'static str> {
    let mut fields = vec!["name", "mode", "seeds", "node_connections"];
    if proxy_supported {
        fields.extend(["proxy_address", "server_name", "proxy_socket_connections"]);
    }
    fields
}

/// What the form needs to know about the cluster: version features, names in use, and the
/// HTTP addresses the panel knows (see [`super::http_endpoints`]).
async fn context_for_checks(
    state: &AppState,
    client: &EsClient,
) -> AppResult<(Capabilities, Vec<String>, Vec<SeedAddress>)> {
    let (caps, remotes, endpoints) =
        tokio::join!(client.capabilities(), client.remote_info(), super::http_endpoints(state, client));
    Ok((caps?, remotes?.into_keys().collect(), endpoints))
}

pub async fn new_remote_cluster(screen: Screen) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::RemoteClusters).await?;
    let caps = screen.client().capabilities().await?;
    let form = RemoteForm {
        mode: "sniff".into(),
        skip_unavailable: caps.skip_unavailable_by_default().then(|| "true".into()),
        ..RemoteForm::default()
    };
    render(&FormPage::fresh(chrome, form, false, None, caps))
}

pub async fn edit_remote_cluster(screen: Screen, Path(name): Path<String>) -> AppResult<Response> {
    let chrome = screen.chrome(Nav::RemoteClusters).await?;
    let remote = find(screen.client(), &name).await?;
    if !remote.editable() {
        return Err(AppError::BadRequest(Message::new("remote-yml-readonly").arg("name", name.as_str())));
    }
    let caps = screen.client().capabilities().await?;
    let form = RemoteForm::from_remote(&remote);
    let checked = check(&form, caps, &[], &[], true);
    let preview = checked.spec.as_ref().map(|s| preview(&s.settings_update(caps, true), &screen.client().urls()[0]));
    Ok(render(&FormPage::fresh(chrome, form, true, preview, caps))?.into_response())
}

pub async fn create_remote_cluster(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    axum::Form(form): axum::Form<RemoteForm>,
) -> AppResult<Response> {
    save(&state, screen, jar, form, None).await
}

pub async fn update_remote_cluster(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Path(name): Path<String>,
    axum::Form(mut form): axum::Form<RemoteForm>,
) -> AppResult<Response> {
    let remote = find(screen.client(), &name).await?;
    if !remote.editable() {
        return Err(AppError::BadRequest(Message::new("remote-yml-readonly").arg("name", name.as_str())));
    }
    // The name is locked: the path decides it, whatever the body says.
    form.name = name;
    save(&state, screen, jar, form, Some(remote)).await
}

async fn save(
    state: &AppState,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    mut form: RemoteForm,
    editing: Option<RemoteCluster>,
) -> AppResult<Response> {
    let tr = screen.tr();
    let (caps, taken, http_endpoints) = context_for_checks(state, screen.client()).await?;
    let replacing = editing.is_some();
    form.editing = editing.as_ref().map(|r| r.name.clone());
    let checked = check(&form, caps, &taken, &http_endpoints, replacing);
    // The confirmation holds a fingerprint of the warnings it confirmed: changing the
    // addresses to another suspicious one asks again.
    let fingerprint = checked.warnings.fingerprint();
    let acknowledged = form.acknowledge_warnings.as_deref() == Some(fingerprint.as_str());
    let request = checked.spec.as_ref().map(|spec| SaveRequest::new(spec, caps, editing.as_ref()));
    let preview_text = request.as_ref().map(|r| preview(&r.update, &screen.client().urls()[0]));
    let blocked = checked.spec.is_none() || (!checked.warnings.is_empty() && !acknowledged);
    let mut es_error = None;
    let mut es_status = None;
    if !blocked && let Some(request) = &request {
        let (result, event) = remote_clusters::save(screen.client(), request).await;
        screen.record(&event);
        match result {
            Ok(()) => {
                let outcome = if replacing { Outcome::Updated } else { Outcome::Added };
                let jar = Flash::new(outcome, [request.name.as_str()]).store(jar, state.auth.sessions.secure);
                return Ok((jar, Redirect::to("/remote-clusters")).into_response());
            }
            Err(error) => {
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
    let chrome = screen.chrome(Nav::RemoteClusters).await?;
    let page = FormPage {
        checked,
        confirm_warnings,
        fingerprint,
        es_error,
        ..FormPage::fresh(chrome, form, replacing, preview_text, caps)
    };
    Ok((status, render(&page)?).into_response())
}

/// The "Show request" panel, refreshed by htmx as the user types, with every field's messages.
/// A field left empty gets no "required" error while typing: the user may not be there yet.
pub async fn preview_request(
    State(state): State<AppState>,
    screen: Screen,
    ValidQuery(form): ValidQuery<RemoteForm>,
) -> AppResult<Html<String>> {
    let (caps, taken, http_endpoints) = context_for_checks(&state, screen.client()).await?;
    let replacing = form.editing.is_some();
    let mut checked = check(&form, caps, &taken, &http_endpoints, replacing);
    for (field, value) in [("name", &form.name), ("seeds", &form.seeds), ("proxy_address", &form.proxy_address)] {
        if value.trim().is_empty() {
            checked.errors.clear(field);
        }
    }
    let preview =
        checked.spec.as_ref().map(|s| preview(&s.settings_update(caps, replacing), &screen.client().urls()[0]));
    render(&PreviewFragment {
        tr: screen.tr(),
        preview,
        checked,
        live_fields: message_fields(caps.proxy_mode()),
        oob: true,
    })
}
