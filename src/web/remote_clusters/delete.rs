//! Deleting remote clusters, one or several: a confirmation first that names what still uses
//! each remote (follower indices, auto-follow patterns) and then requires an explicit
//! confirmation for those; names travel in the form body, never in a URL.

use askama::Template;
use std::collections::{HashMap, HashSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::PrivateCookieJar;
use serde::Deserialize;

use crate::ccr::bulk::{self, BulkReport};
use crate::ccr::remote_clusters::spec::MAX_NAME_BYTES;
use crate::ccr::remote_clusters::{self, RemoteCluster, Usage};
use crate::web::AppState;
use crate::web::chrome::{Chrome, Nav};
use crate::web::error::{AppError, AppResult};
use crate::web::filters;
use crate::web::flash::{Flash, FlashKey, Outcome};
use crate::web::{Screen, render};

/// A remote about to be deleted, and what uses it.
pub struct DeleteItem {
    pub name: String,
    /// `Err` when the panel could not check (the reason); the user must then confirm anyway.
    pub usage: Result<Usage, String>,
    /// Defined in `elasticsearch.yml`: cannot be deleted here.
    pub from_yml: bool,
}

impl DeleteItem {
    pub fn in_use(&self) -> bool {
        !matches!(&self.usage, Ok(usage) if usage.is_empty())
    }
}

#[derive(Template)]
#[template(path = "remote_clusters/delete_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    items: Vec<DeleteItem>,
    /// Posts to the bulk route (names in the body) rather than one remote's route.
    bulk: bool,
    /// The user submitted without ticking the in-use confirmation.
    needs_in_use_confirmation: bool,
}

impl ConfirmPage {
    /// One remote: the page speaks of it in the singular.
    fn single(&self) -> bool {
        self.items.len() == 1
    }
}

impl ConfirmPage {
    fn any_in_use(&self) -> bool {
        self.items.iter().any(|i| !i.from_yml && i.in_use())
    }

    /// Whether anything listed can be deleted at all.
    fn any_deletable(&self) -> bool {
        self.items.iter().any(|i| !i.from_yml)
    }
}

/// The most remotes one bulk delete takes: a person ticks a few; more is refused whole,
/// before anything is asked of Elasticsearch.
pub const MAX_BULK: usize = 100;

/// The form as sent: `names` repeats (one per ticked box), read by axum-extra's `Form`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteFields {
    names: Vec<String>,
    confirm: Vec<String>,
    confirm_in_use: Vec<String>,
}

/// The form as the delete acts on it.
struct DeleteForm {
    /// Each name once, in the order given, at most [`MAX_BULK`].
    names: Vec<String>,
    /// More than [`MAX_BULK`] distinct names were sent.
    too_many: bool,
    confirmed: bool,
    confirmed_in_use: bool,
}

impl DeleteForm {
    /// One linear pass: names de-duplicated wherever they repeat, counting stops past the cap.
    fn from_fields(fields: DeleteFields) -> DeleteForm {
        let flag = |values: &[String]| values.iter().any(|v| v == "yes");
        let (confirmed, confirmed_in_use) = (flag(&fields.confirm), flag(&fields.confirm_in_use));
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        let mut too_many = false;
        for name in &fields.names {
            let name = name.trim();
            if name.is_empty() || seen.contains(name) {
                continue;
            }
            if names.len() == MAX_BULK {
                too_many = true;
                break;
            }
            seen.insert(name.to_owned());
            names.push(name.to_owned());
        }
        DeleteForm { names, too_many, confirmed, confirmed_in_use }
    }
}

async fn items_for(screen: &Screen, names: &[String]) -> AppResult<Vec<DeleteItem>> {
    let client = screen.client();
    let (remotes, usage) = tokio::join!(remote_clusters::list(client), remote_clusters::usage_by_remote(client));
    let remotes: HashMap<String, RemoteCluster> = remotes?.into_iter().map(|r| (r.name.clone(), r)).collect();
    let mut usage = usage.map_err(|e| e.to_string());
    let mut items = Vec::new();
    for name in names {
        let Some(remote) = remotes.get(name) else {
            let shown: String = name.chars().take(MAX_NAME_BYTES).collect();
            return Err(AppError::NotFound(format!("/remote-clusters/{shown}")));
        };
        let used = match &mut usage {
            Ok(by_remote) => Ok(by_remote.remove(name).unwrap_or_default()),
            Err(reason) => Err(reason.clone()),
        };
        items.push(DeleteItem { name: name.clone(), usage: used, from_yml: !remote.editable() });
    }
    Ok(items)
}

async fn confirmation(screen: &Screen, names: &[String], bulk: bool, nagged: bool) -> AppResult<Response> {
    let chrome = screen.chrome(Nav::RemoteClusters).await?;
    let items = items_for(screen, names).await?;
    let page = ConfirmPage { chrome, items, bulk, needs_in_use_confirmation: nagged };
    let status = if nagged { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

pub async fn confirm_delete(screen: Screen, Path(name): Path<String>) -> AppResult<Response> {
    confirmation(&screen, &[name], false, false).await
}

async fn delete_one(screen: &Screen, name: &str) -> Result<(), String> {
    let (result, event) = remote_clusters::delete(screen.client(), name).await;
    screen.record(&event);
    result.map_err(|error| error.reason())
}

/// Back to the list (POST, redirect, GET: a reload never deletes twice) with a flash message
/// that says what was deleted and, per remote, what was not and why.
fn report_redirect(state: &AppState, jar: PrivateCookieJar<FlashKey>, report: &BulkReport) -> Response {
    let flash = Flash::new(Outcome::Deleted, report.succeeded()).with_failures(report.failed());
    back_to_list(state, jar, &flash)
}

fn back_to_list(state: &AppState, jar: PrivateCookieJar<FlashKey>, flash: &Flash) -> Response {
    (flash.store(jar, state.auth.sessions.secure), Redirect::to("/remote-clusters")).into_response()
}

pub async fn delete_remote_cluster(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Path(name): Path<String>,
    Form(fields): Form<DeleteFields>,
) -> AppResult<Response> {
    let form = DeleteForm::from_fields(fields);
    run_delete(&state, jar, screen, vec![name], form, false).await
}

pub async fn delete_remote_clusters(
    State(state): State<AppState>,
    screen: Screen,
    jar: PrivateCookieJar<FlashKey>,
    Form(fields): Form<DeleteFields>,
) -> AppResult<Response> {
    let form = DeleteForm::from_fields(fields);
    // Back to the list, which says why nothing happened.
    if form.too_many {
        return Ok(back_to_list(&state, jar, &Flash::new(Outcome::TooMany { max: MAX_BULK as u32 }, [""; 0])));
    }
    if form.names.is_empty() {
        return Ok(back_to_list(&state, jar, &Flash::new(Outcome::NothingSelected, [""; 0])));
    }
    let names = form.names.clone();
    run_delete(&state, jar, screen, names, form, true).await
}

async fn run_delete(
    state: &AppState,
    jar: PrivateCookieJar<FlashKey>,
    screen: Screen,
    names: Vec<String>,
    form: DeleteForm,
    bulk: bool,
) -> AppResult<Response> {
    if !form.confirmed {
        return confirmation(&screen, &names, bulk, false).await;
    }
    let items = items_for(&screen, &names).await?;
    if items.iter().any(|i| !i.from_yml && i.in_use()) && !form.confirmed_in_use {
        return confirmation(&screen, &names, bulk, true).await;
    }
    let tr = screen.tr();
    let yml: HashSet<String> = items.iter().filter(|i| i.from_yml).map(|i| i.name.clone()).collect();
    let screen_ref = &screen;
    let yml_ref = &yml;
    let report = bulk::for_each(&names, |name| async move {
        if yml_ref.contains(&name) {
            return Err(tr.t1("remote-yml-readonly", "name", &name));
        }
        delete_one(screen_ref, &name).await
    })
    .await;
    Ok(report_redirect(state, jar, &report))
}
