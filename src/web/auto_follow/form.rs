//! Adding and editing a pattern: every field Elasticsearch has (fields named after its body
//! keys), every problem beside its field, a live preview of what will and will not be
//! followed, and the exact request. Editing reads the pattern first and sends back every
//! field it has, including those the form does not show.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;
use serde_json::Value;

use super::validate::{Checked, check};
use super::{event, find};
use crate::audit::Action;
use crate::ccr::auto_follow::preview::{self, Preview};
use crate::ccr::auto_follow::spec::{
    FollowIndexPattern, FormRules, PatternForm, PatternSpec, check_name, split_patterns,
};
use crate::ccr::auto_follow::{self};
use crate::ccr::followers::settings::SETTINGS;
use crate::es::{Capabilities, EsClient};
use crate::i18n::Tr;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult, ErrorView};
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey, Outcome};
use crate::web::{Screen, ValidQuery, render};

/// The request, in Console syntax and as `curl`.
#[derive(Debug, Default)]
pub struct RequestText {
    pub console: String,
    pub curl: String,
}

pub fn request_text(name: &str, body: &Value, node_url: &str) -> RequestText {
    let pretty = serde_json::to_string_pretty(body).unwrap_or_default();
    RequestText {
        console: format!("PUT _ccr/auto_follow/{name}\n{pretty}"),
        curl: crate::web::curl::curl_line(
            "PUT",
            node_url,
            &format!("_ccr/auto_follow/{name}"),
            Some(&body.to_string()),
        ),
    }
}

/// What the pattern would match on the remote now: `Unavailable` when the remote's indices
/// cannot be listed (before 7.9, or the remote did not answer).
pub enum Matches {
    Shown(Preview),
    Unavailable,
}

/// One follow setting as the form shows it.
pub struct SettingField {
    pub name: &'static str,
    pub default: &'static str,
    pub value: String,
}

/// The edit form's extra fields: the pattern being edited (the preview reads it again).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Editing {
    pub editing: Option<String>,
}

#[derive(Template)]
#[template(path = "auto_follow/form.html")]
struct FormPage {
    chrome: Chrome,
    form: PatternForm,
    editing: bool,
    checked: Checked,
    request: Option<RequestText>,
    matches: Option<Matches>,
    /// The remotes to choose from (the typed one included even when unknown).
    remotes: Vec<String>,
    exclusions_supported: bool,
    /// A follower name pattern set through the API that prefix and suffix cannot show: kept.
    other_follow_pattern: Option<String>,
    settings: Vec<SettingField>,
    es_error: Option<ErrorView>,
    licensed: bool,
    /// Always false on the page; the preview fragment swaps messages in out of band.
    oob: bool,
    live_fields: Vec<String>,
}

#[derive(Template)]
#[template(path = "auto_follow/_preview.html")]
struct PreviewFragment {
    tr: Tr,
    checked: Checked,
    request: Option<RequestText>,
    matches: Option<Matches>,
    oob: bool,
    live_fields: Vec<String>,
}

/// The fields with a messages box.
fn message_fields() -> Vec<String> {
    let mut fields: Vec<String> = [
        "name",
        "remote_cluster",
        "leader_index_patterns",
        "leader_index_exclusion_patterns",
        "follow_index_prefix",
        "follow_index_suffix",
        "settings",
    ]
    .map(str::to_owned)
    .to_vec();
    fields.extend(SETTINGS.iter().map(|s| s.name.to_owned()));
    fields
}

fn setting_fields(form: &PatternForm) -> Vec<SettingField> {
    SETTINGS
        .iter()
        .map(|s| SettingField {
            name: s.name,
            default: s.default,
            value: form.follow_settings.get(s.name).cloned().unwrap_or_default(),
        })
        .collect()
}

fn rules(caps: Capabilities) -> FormRules {
    FormRules { major: caps.version.major, exclusions: caps.auto_follow_exclusions() }
}

async fn remotes(client: &EsClient, typed: &str) -> Vec<String> {
    let mut names: Vec<String> = client.remote_info().await.map(|r| r.into_keys().collect()).unwrap_or_default();
    if !typed.is_empty() && !names.iter().any(|n| n == typed) {
        names.push(typed.to_owned());
    }
    names
}

/// The live match preview for the form's patterns (needs only the remote and the patterns).
async fn matches_for(client: &EsClient, form: &PatternForm, naming: &FollowIndexPattern) -> Option<Matches> {
    let remote = form.remote_cluster.trim();
    let patterns = split_patterns(&form.leader_index_patterns)?;
    if remote.is_empty() || patterns.is_empty() {
        return None;
    }
    let exclusions = split_patterns(&form.leader_index_exclusion_patterns).unwrap_or_default();
    match auto_follow::preview_inputs(client, remote).await {
        Ok((Some(indices), followed)) => {
            Some(Matches::Shown(preview::preview(&indices, &patterns, &exclusions, naming, &followed)))
        }
        _ => Some(Matches::Unavailable),
    }
}

fn naming_of(form: &PatternForm, existing: Option<&Value>) -> FollowIndexPattern {
    let typed = FollowIndexPattern::Affixes {
        prefix: form.follow_index_prefix.clone(),
        suffix: form.follow_index_suffix.clone(),
    };
    existing
        .and_then(|e| e["follow_index_pattern"].as_str())
        .map(|p| FollowIndexPattern::parse(Some(p)))
        .filter(|p| matches!(p, FollowIndexPattern::Other(_)))
        .unwrap_or(typed)
}

struct Parts {
    caps: Capabilities,
    licensed: bool,
}

async fn parts(screen: &Screen, chrome: &Chrome) -> AppResult<Parts> {
    let caps = screen.client().capabilities().await?;
    Ok(Parts { caps, licensed: chrome.header.as_ref().is_none_or(|h| h.license_allows_ccr) })
}

#[allow(clippy::too_many_arguments)]
async fn page(
    screen: &Screen,
    chrome: Chrome,
    parts: &Parts,
    form: PatternForm,
    existing: Option<&Value>,
    checked: Checked,
    es_error: Option<ErrorView>,
) -> FormPage {
    let request = checked
        .spec
        .as_ref()
        .map(|s: &PatternSpec| request_text(&s.name, &s.body(existing), &screen.client().urls()[0]));
    let naming = naming_of(&form, existing);
    let matches = if parts.licensed { matches_for(screen.client(), &form, &naming).await } else { None };
    let other_follow_pattern = match &naming {
        FollowIndexPattern::Other(pattern) => Some(pattern.clone()),
        FollowIndexPattern::Affixes { .. } => None,
    };
    FormPage {
        remotes: remotes(screen.client(), form.remote_cluster.trim()).await,
        settings: setting_fields(&form),
        chrome,
        form,
        editing: existing.is_some(),
        checked,
        request,
        matches,
        exclusions_supported: parts.caps.auto_follow_exclusions(),
        other_follow_pattern,
        es_error,
        licensed: parts.licensed,
        oob: false,
        live_fields: Vec::new(),
    }
}

pub async fn new_pattern(screen: Screen) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::AutoFollow).await?;
    let parts = parts(&screen, &chrome).await?;
    render(&page(&screen, chrome, &parts, PatternForm::default(), None, Checked::default(), None).await)
}

pub async fn edit_pattern(screen: Screen, Path(name): Path<String>) -> AppResult<Html<String>> {
    let chrome = screen.chrome(Nav::AutoFollow).await?;
    let parts = parts(&screen, &chrome).await?;
    let (_, raw) = find(screen.client(), &name).await?;
    let form = PatternForm::from_pattern(&name, &raw);
    let checked = check(&form, form.check(rules(parts.caps)), false);
    render(&page(&screen, chrome, &parts, form, Some(&raw), checked, None).await)
}

pub async fn create_pattern(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    axum::Form(form): axum::Form<PatternForm>,
) -> AppResult<Response> {
    save(&state, screen, jar, form, None).await
}

pub async fn update_pattern(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Path(name): Path<String>,
    axum::Form(mut form): axum::Form<PatternForm>,
) -> AppResult<Response> {
    let (_, raw) = find(screen.client(), &name).await?;
    // The name is locked: the path decides it, whatever the body says.
    form.name = name;
    save(&state, screen, jar, form, Some(raw)).await
}

async fn save(
    state: &AppState,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    mut form: PatternForm,
    existing: Option<Value>,
) -> AppResult<Response> {
    // The form's own fields are not follow settings (the flattened map takes every other key).
    form.follow_settings.retain(|k, _| SETTINGS.iter().any(|s| s.name == k));
    let caps = screen.client().capabilities().await?;
    // Only a valid name is looked up: Elasticsearch would refuse the others in the path.
    let taken = existing.is_none()
        && check_name(&form.name).is_empty()
        && screen.client().auto_follow_pattern_raw(&form.name).await?.is_some();
    let checked = check(&form, form.check(rules(caps)), taken);
    let mut es_error = None;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(spec) = &checked.spec {
        let result = auto_follow::save(screen.client(), spec, existing.as_ref()).await;
        let action = if existing.is_some() { Action::UpdateAutoFollowPattern } else { Action::AddAutoFollowPattern };
        let request = format!(
            "PUT _ccr/auto_follow/{} {}",
            spec.name,
            serde_json::to_string(&spec.body(existing.as_ref())).unwrap_or_default()
        );
        let outcome = result.as_ref().map(|_| ()).map_err(crate::es::EsError::reason);
        screen.record(&event(action, &spec.name, request, &outcome));
        match result {
            Ok(()) => {
                let outcome = if existing.is_some() { Outcome::Updated } else { Outcome::Added };
                let jar = Flash::new(outcome, [spec.name.as_str()]).store(jar, state.auth.sessions.secure);
                let to = format!("/auto-follow-patterns/{}", filters::encode_segment(&spec.name));
                return Ok((jar, Redirect::to(&to)).into_response());
            }
            Err(error) => {
                let error = AppError::Es(error);
                if matches!(error.status().as_u16(), 401 | 403) {
                    return Err(error);
                }
                status = error.status();
                es_error = Some(error.view(&screen.tr()));
            }
        }
    }
    let chrome = screen.chrome(Nav::AutoFollow).await?;
    let parts = parts(&screen, &chrome).await?;
    let page = page(&screen, chrome, &parts, form, existing.as_ref(), checked, es_error).await;
    Ok((status, render(&page)?).into_response())
}

/// The preview panel, refreshed by htmx as the user types: every field's messages, the
/// existing indices that will not be followed, and the request. Empty required fields get
/// no "required" message while typing.
pub async fn preview_pattern(
    screen: Screen,
    ValidQuery(mut form): ValidQuery<PatternForm>,
    ValidQuery(editing): ValidQuery<Editing>,
) -> AppResult<Html<String>> {
    form.follow_settings.retain(|k, _| SETTINGS.iter().any(|s| s.name == k));
    let caps = screen.client().capabilities().await?;
    let existing = match editing.editing.as_deref() {
        Some(name) => screen.client().auto_follow_pattern_raw(name).await?,
        None => None,
    };
    if let Some(name) = &editing.editing {
        form.name = name.clone();
    }
    let mut checked = check(&form, form.check(rules(caps)), false);
    for (field, value) in [
        ("name", &form.name),
        ("remote_cluster", &form.remote_cluster),
        ("leader_index_patterns", &form.leader_index_patterns),
    ] {
        if value.trim().is_empty() {
            checked.errors.clear(field);
        }
    }
    let request =
        checked.spec.as_ref().map(|s| request_text(&s.name, &s.body(existing.as_ref()), &screen.client().urls()[0]));
    let naming = naming_of(&form, existing.as_ref());
    let matches = matches_for(screen.client(), &form, &naming).await;
    render(&PreviewFragment { tr: screen.tr(), checked, request, matches, oob: true, live_fields: message_fields() })
}
