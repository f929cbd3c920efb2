//! Signing in and out (`--auth es`): credentials are checked with
//! `_security/_authenticate` against the default cluster, then kept in the encrypted session.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use secrecy::SecretString;
use serde::Deserialize;

use super::auth::{Attempt, AuthMode, CurrentUser};
use super::chrome::{Chrome, Nav};
use super::context::RequestContext;
use super::preferences::safe_return_path;
use super::session::Session;
use super::{AppState, ValidQuery, render};
use crate::audit::{self, Outcome};
use crate::es::{Auth, EsError};

pub fn router() -> Router<AppState> {
    Router::new().route("/login", get(show_login).post(sign_in)).route("/logout", post(sign_out))
}

#[derive(Debug, Default, Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// Deliberately not `Debug`: it holds a password or an API key in the clear.
#[derive(Default, Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    next: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    next: String,
    /// A message for the whole form (wrong credentials, cluster unreachable, rate limit).
    error: Option<String>,
    /// Elasticsearch's own words, when it gave a reason.
    es_reason: Option<String>,
}

async fn show_login(
    State(state): State<AppState>,
    context: RequestContext,
    ValidQuery(query): ValidQuery<LoginQuery>,
) -> Response {
    if state.auth.mode != AuthMode::Es {
        return Redirect::to("/").into_response();
    }
    let page = LoginPage {
        chrome: Chrome::bare(&context, Nav::None),
        username: String::new(),
        next: query.next,
        error: None,
        es_reason: None,
    };
    render(&page).into_response()
}

fn peer(connect: Option<Extension<ConnectInfo<SocketAddr>>>) -> std::net::IpAddr {
    connect.map(|Extension(ConnectInfo(address))| address.ip()).unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]))
}

async fn sign_in(
    State(state): State<AppState>,
    context: RequestContext,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if state.auth.mode != AuthMode::Es {
        return Redirect::to("/").into_response();
    }
    let tr = context.tr();
    let limiter = &state.auth.limiter;
    let address = limiter.client_address(peer(connect), &headers);
    let again = |status: StatusCode, error: String, es_reason: Option<String>, username: String| {
        let page = LoginPage {
            chrome: Chrome::bare(&context, Nav::None),
            username,
            next: form.next.clone(),
            error: Some(error),
            es_reason,
        };
        (status, render(&page)).into_response()
    };
    let username = form.username.trim().to_owned();
    let auth = if !form.api_key.trim().is_empty() {
        Auth::ApiKey(SecretString::from(form.api_key.trim().to_owned()))
    } else if !username.is_empty() && !form.password.is_empty() {
        Auth::Basic { username: username.clone(), password: SecretString::from(form.password.clone()) }
    } else {
        return again(StatusCode::BAD_REQUEST, tr.t("login-missing"), None, username);
    };
    // API keys have no user name: all API-key guesses from one address share one count.
    let limited_as = if matches!(auth, Auth::ApiKey(_)) { "" } else { username.as_str() };
    let attempt = match limiter.begin(limited_as, address).await {
        Ok(attempt) => attempt,
        Err(wait) => {
            let minutes = wait.as_secs().div_ceil(60).to_string();
            let message = tr.t1("login-rate-limited", "minutes", &minutes);
            return again(StatusCode::TOO_MANY_REQUESTS, message, None, username);
        }
    };
    let client = state.cluster(None).client.with_auth(Some(auth.clone()));
    let outcome = client.authenticate().await;
    attempt.finish(match &outcome {
        Ok(_) => Attempt::Succeeded,
        Err(EsError::Api(api)) if api.status == 401 => Attempt::WrongCredentials,
        Err(_) => Attempt::Undecided,
    });
    match outcome {
        Ok(user) => {
            let event = audit::Event {
                action: audit::Action::SignIn,
                target: user.username.clone(),
                request: "GET /_security/_authenticate".into(),
                outcome: Outcome::Succeeded,
                detail: String::new(),
            };
            event.record(&user.username, &state.cluster(None).name);
            let session = Session::new(user.username, auth);
            let mut response = Redirect::to(safe_return_path(&form.next)).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&state.auth.sessions.seal(&session)) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            rotate_csrf(&state, &mut response);
            response
        }
        Err(EsError::Api(api)) if api.status == 401 => {
            tracing::info!(target: "audit", user = %username, %address, "sign-in refused");
            again(StatusCode::UNAUTHORIZED, tr.t("login-wrong"), Some(api.reason.clone()), username)
        }
        Err(error) => {
            let explanation = super::error::AppError::Es(error).view(&tr);
            again(
                StatusCode::BAD_GATEWAY,
                explanation.title,
                explanation.es_reason.or(Some(explanation.explanation)),
                username,
            )
        }
    }
}

async fn sign_out(State(state): State<AppState>, user: Option<Extension<CurrentUser>>) -> Response {
    if let Some(Extension(user)) = user {
        tracing::info!(target: "audit", user = %user.audit_name(), "signed out");
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&state.auth.sessions.clear()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    // A leader endpoint entered for the session goes with it.
    if let Ok(cookie) = HeaderValue::from_str(&super::migrations::session_leader::clear(&state)) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    rotate_csrf(&state, &mut response);
    response
}

/// Signing in and out starts a new CSRF nonce, so no token from before is any use after.
fn rotate_csrf(state: &AppState, response: &mut Response) {
    if let Ok(cookie) = HeaderValue::from_str(&super::csrf::rotated_cookie(state.auth.sessions.secure)) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
}
