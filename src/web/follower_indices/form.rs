//! Creating a follower (`PUT {follower}/_ccr/follow`) and editing one (pause, then resume with
//! the new settings). Fields are named after the body keys; every problem is listed beside its
//! field, as the user types (htmx) and after submitting; Elasticsearch's refusals go beside the
//! field they concern, with the form kept as typed.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::Checked;
use super::list::{LicenceNotice, licence_notice};
use super::report::{ItemReport, ReportPage};
use crate::audit::{Action, Event, Outcome as AuditOutcome};
use crate::ccr::followers::create::{self, Created, FollowRefusal, NewFollower};
use crate::ccr::followers::settings::SETTINGS;
use crate::ccr::followers::{self, FollowSettings, FollowerStatus};
use crate::ccr::names::IndexName;
use crate::es::{EsClient, RemoteInfo};
use crate::i18n::{Message, Tr};
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult};
use crate::web::filters::{self, encode_segment};
use crate::web::{Screen, ValidQuery, render};

/// The form as typed: every field a string, shown back unchanged.
#[derive(Debug, Default, Clone)]
pub struct FollowForm {
    pub remote_cluster: String,
    pub leader_index: String,
    pub follower_index: String,
    pub settings: BTreeMap<&'static str, String>,
}

impl FollowForm {
    fn read(fields: &HashMap<String, String>) -> FollowForm {
        let get = |k: &str| fields.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        FollowForm {
            remote_cluster: get("remote_cluster"),
            leader_index: get("leader_index"),
            follower_index: get("follower_index"),
            settings: SETTINGS.iter().map(|s| (s.name, get(s.name))).collect(),
        }
    }

    pub fn setting(&self, name: &str) -> &str {
        self.settings.get(name).map(String::as_str).unwrap_or_default()
    }

    fn parse_settings(&self, checked: &mut Checked) -> Option<FollowSettings> {
        match FollowSettings::parse(|n| self.settings.get(n).map(String::as_str)) {
            Ok(settings) => Some(settings),
            Err(problems) => {
                for (field, problem) in problems {
                    checked.errors.add(field, Message::new(problem.message_key()).arg("setting", field));
                }
                None
            }
        }
    }
}

/// A remote in the select.
pub struct RemoteOption {
    pub name: String,
    pub connected: bool,
}

/// One settings field: its name, typed value, default and the description key.
pub struct SettingField {
    pub name: &'static str,
    pub value: String,
    pub default: &'static str,
}

/// The request, as Console and as curl.
pub struct Preview {
    pub console: String,
    pub curl: String,
}

fn preview(follower: &NewFollower, node_url: &str) -> Preview {
    let body = serde_json::to_string(&follower.request()).unwrap_or_default();
    let path = format!("{}/_ccr/follow?wait_for_active_shards=1", follower.follower_index);
    Preview { console: follower.console(), curl: crate::web::curl::curl_line("PUT", node_url, &path, Some(&body)) }
}

/// Checks the form against the cluster: names, remote, settings. The follower when all is well.
fn check(
    form: &FollowForm,
    major: u32,
    remotes: &BTreeMap<String, RemoteInfo>,
    taken: bool,
) -> (Checked, Option<NewFollower>) {
    let mut checked = Checked::default();
    match remotes.get(&form.remote_cluster) {
        _ if form.remote_cluster.is_empty() => {
            checked.errors.add("remote_cluster", Message::new("follower-remote-required"))
        }
        None => checked.errors.add("remote_cluster", Message::new("follower-remote-unknown")),
        Some(info) if !info.connected => {
            checked.errors.add("remote_cluster", Message::new("follower-remote-not-connected"))
        }
        Some(_) => {}
    }
    if form.leader_index.is_empty() {
        checked.errors.add("leader_index", Message::new("follower-leader-required"));
    }
    let follower_name = if form.follower_index.is_empty() { &form.leader_index } else { &form.follower_index };
    if let Err(problems) = IndexName::parse(follower_name, major) {
        for problem in &problems.problems {
            checked.errors.add(
                "follower_index",
                Message::new(problem.message_key()).arg("characters", problems.forbidden.as_str()),
            );
        }
    } else if taken {
        checked.errors.add("follower_index", Message::new("follower-name-taken"));
    }
    let settings = form.parse_settings(&mut checked);
    let follower = settings.filter(|_| checked.errors.is_empty()).map(|settings| NewFollower {
        remote_cluster: form.remote_cluster.clone(),
        leader_index: form.leader_index.clone(),
        follower_index: follower_name.clone(),
        settings,
    });
    (checked, follower)
}

#[derive(Template)]
#[template(path = "follower_indices/form.html")]
struct FormPage {
    chrome: Chrome,
    form: FollowForm,
    checked: Checked,
    remotes: Vec<RemoteOption>,
    /// The remote's indices, for the picker (`None`: free text only).
    candidates: Option<Vec<String>>,
    settings: Vec<SettingField>,
    preview: Option<Preview>,
    /// Elasticsearch's refusal without a field, with its reason.
    refusal: Option<(String, String)>,
    licence: Option<LicenceNotice>,
    /// Editing this follower (only the settings).
    editing: Option<String>,
    live_fields: Vec<&'static str>,
    oob: bool,
}

impl FormPage {
    fn disconnected_remote(&self) -> bool {
        self.remotes.iter().any(|r| r.name == self.form.remote_cluster && !r.connected)
    }

    fn setting_help(&self, name: &str) -> String {
        format!("follower-setting-{}", name.replace('_', "-"))
    }
}

#[derive(Template)]
#[template(path = "_request_preview.html")]
struct PreviewFragment {
    tr: Tr,
    preview: Option<Preview>,
    checked: Checked,
    live_fields: Vec<&'static str>,
    oob: bool,
}

fn live_fields() -> Vec<&'static str> {
    let mut fields = vec!["remote_cluster", "leader_index", "follower_index"];
    fields.extend(SETTINGS.iter().map(|s| s.name));
    fields
}

fn setting_fields(form: &FollowForm) -> Vec<SettingField> {
    SETTINGS
        .iter()
        .map(|s| SettingField { name: s.name, value: form.setting(s.name).to_owned(), default: s.default })
        .collect()
}

async fn remote_options(client: &EsClient) -> AppResult<(BTreeMap<String, RemoteInfo>, Vec<RemoteOption>)> {
    let remotes = client.remote_info().await?;
    let options =
        remotes.iter().map(|(name, info)| RemoteOption { name: name.clone(), connected: info.connected }).collect();
    Ok((remotes, options))
}

async fn form_page(
    screen: &Screen,
    form: FollowForm,
    checked: Checked,
    editing: Option<String>,
) -> AppResult<FormPage> {
    let chrome = screen.chrome(Nav::FollowerIndices).await?;
    let (remotes, options) = remote_options(screen.client()).await?;
    let connected = remotes.get(&form.remote_cluster).is_some_and(|r| r.connected);
    let candidates = if connected && editing.is_none() {
        create::leader_candidates(screen.client(), &form.remote_cluster).await.ok().flatten()
    } else {
        None
    };
    Ok(FormPage {
        licence: licence_notice(&chrome),
        chrome,
        settings: setting_fields(&form),
        form,
        checked,
        remotes: options,
        candidates,
        preview: None,
        refusal: None,
        editing,
        live_fields: Vec::new(),
        oob: false,
    })
}

pub async fn new_follower(
    screen: Screen,
    ValidQuery(fields): ValidQuery<HashMap<String, String>>,
) -> AppResult<Html<String>> {
    let form = FollowForm::read(&fields);
    render(&form_page(&screen, form, Checked::default(), None).await?)
}

pub async fn create_follower(screen: Screen, Form(fields): Form<HashMap<String, String>>) -> AppResult<Response> {
    let form = FollowForm::read(&fields);
    let caps = screen.client().capabilities().await?;
    let remotes = screen.client().remote_info().await?;
    let name = if form.follower_index.is_empty() { &form.leader_index } else { &form.follower_index };
    let taken = !name.is_empty() && create::name_taken(screen.client(), name).await.unwrap_or(false);
    let (mut checked, follower) = check(&form, caps.version.major, &remotes, taken);
    let mut refusal = None;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(follower) = &follower {
        let result = create::create(screen.client(), follower).await;
        let request = format!(
            "PUT {}/_ccr/follow (leader {} on {}, {})",
            follower.follower_index,
            follower.leader_index,
            follower.remote_cluster,
            super::settings_keys(&follower.settings.to_parameters())
        );
        screen.record(&Event {
            action: Action::CreateFollowerIndex,
            target: follower.follower_index.clone(),
            request,
            outcome: if result.is_ok() { AuditOutcome::Succeeded } else { AuditOutcome::Failed },
            detail: result.as_ref().err().map(|e| e.reason()).unwrap_or_default(),
        });
        match result {
            Ok(created) => {
                let state = if created == Created::Starting { "starting" } else { "following" };
                let to = format!("/follower-indices/{}?created={state}", encode_segment(&follower.follower_index));
                return Ok(Redirect::to(&to).into_response());
            }
            Err(error) => {
                let Some(kind) = FollowRefusal::of(&error) else { return Err(AppError::Es(error)) };
                if kind == FollowRefusal::NotAuthorized {
                    return Err(AppError::Es(error));
                }
                status = StatusCode::from_u16(error.status().unwrap_or(400)).unwrap_or(StatusCode::BAD_REQUEST);
                let reason = error.reason();
                match kind.field() {
                    Some(field) => checked
                        .errors
                        .add(field.name(), Message::new(kind.message_key()).arg("reason", reason.as_str())),
                    None => refusal = Some((kind.message_key().to_owned(), reason)),
                }
            }
        }
    }
    let mut page = form_page(&screen, form, checked, None).await?;
    page.preview = follower.as_ref().map(|f| preview(f, &screen.client().urls()[0]));
    page.refusal = refusal;
    Ok((status, render(&page)?).into_response())
}

/// The "Show request" panel and every field's messages, as the user types. Empty fields get
/// no "required" message yet: the user may not be there.
pub async fn preview_request(
    screen: Screen,
    ValidQuery(fields): ValidQuery<HashMap<String, String>>,
) -> AppResult<Html<String>> {
    let form = FollowForm::read(&fields);
    let caps = screen.client().capabilities().await?;
    let remotes = screen.client().remote_info().await?;
    let name = if form.follower_index.is_empty() { &form.leader_index } else { &form.follower_index };
    let taken = !name.is_empty() && create::name_taken(screen.client(), name).await.unwrap_or(false);
    let (mut checked, follower) = check(&form, caps.version.major, &remotes, taken);
    for (field, value) in
        [("remote_cluster", &form.remote_cluster), ("leader_index", &form.leader_index), ("follower_index", name)]
    {
        if value.is_empty() {
            checked.errors.clear(field);
        }
    }
    render(&PreviewFragment {
        tr: screen.tr(),
        preview: follower.as_ref().map(|f| preview(f, &screen.client().urls()[0])),
        checked,
        live_fields: live_fields(),
        oob: true,
    })
}

pub async fn edit_follower(screen: Screen, Path(name): Path<String>) -> AppResult<Html<String>> {
    let detail = followers::detail::detail(screen.client(), &name)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("/follower-indices/{name}")))?;
    let mut settings = detail.settings.clone();
    if detail.status == FollowerStatus::Paused
        && let Ok(Some(parameters)) = followers::settings_for_resume(screen.client(), &name).await
    {
        settings = FollowSettings::from_parameters(&parameters).ok();
    }
    let form = FollowForm {
        remote_cluster: detail.remote_cluster,
        leader_index: detail.leader_index,
        follower_index: name.clone(),
        settings: SETTINGS
            .iter()
            .map(|s| (s.name, settings.as_ref().map(|v| v.text(s.name)).unwrap_or_default()))
            .collect(),
    };
    render(&form_page(&screen, form, Checked::default(), Some(name)).await?)
}

/// Saves new settings: pause, then resume with them (a paused follower is only resumed).
pub async fn update_follower(
    screen: Screen,
    Path(name): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let detail = followers::detail::detail(screen.client(), &name)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("/follower-indices/{name}")))?;
    let mut form = FollowForm::read(&fields);
    form.remote_cluster = detail.remote_cluster.clone();
    form.leader_index = detail.leader_index.clone();
    form.follower_index = name.clone();
    let mut checked = Checked::default();
    let Some(settings) = form.parse_settings(&mut checked) else {
        let page = form_page(&screen, form, checked, Some(name)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let new = settings.to_parameters();
    let keys = super::settings_keys(&new);
    let (report, request) = if detail.status == FollowerStatus::Paused {
        (followers::resume(screen.client(), &name, &new).await, format!("resume {name} with {keys}"))
    } else {
        let old = detail.settings.as_ref().map(FollowSettings::to_parameters).unwrap_or_default();
        (followers::edit(screen.client(), &name, &old, &new).await, format!("pause {name}, resume with {keys}"))
    };
    screen.record(&Event::of_report(Action::EditFollowerIndex, &name, request, &report));
    let state = followers::index_state(screen.client(), &name).await.ok();
    let chrome = screen.chrome(Nav::FollowerIndices).await?;
    let item = ItemReport::new(&chrome.tr, &name, &report, state);
    let status = if report.succeeded() { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
    let page = ReportPage { chrome, title_key: "follower-edit-report-title", items: vec![item] };
    Ok((status, render(&page)?).into_response())
}
