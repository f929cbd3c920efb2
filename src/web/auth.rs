//! Who is using the panel, and with whose Elasticsearch credentials.
//!
//! - `es`: people sign in with their Elasticsearch credentials (checked with
//!   `_security/_authenticate`) and the panel calls Elasticsearch as them.
//! - `none`: no sign-in; the configured credentials are used (loopback only, unless allowed).
//! - `proxy`: an authenticating reverse proxy names the user in a header, trusted only from
//!   the configured proxy addresses; the configured credentials are used.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;
use super::context::RequestContext;
use super::context::cookie;
use super::error::{ErrorReport, PrivilegeCheck};
pub use super::limiter::{Attempt, LoginLimiter, PER_CLIENT_FACTOR, SignInAttempt, is_trusted};
use super::session::SessionConfig;
use crate::es::{Auth, EsClient, IndexPrivilegesQuery, PrivilegesQuery};

/// How people are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    Es,
    None,
    Proxy { header: String, trusted: Vec<IpAddr> },
}

/// Everything about signing in, shared by all requests.
#[derive(Debug)]
pub struct AuthSettings {
    pub mode: AuthMode,
    pub sessions: SessionConfig,
    pub limiter: LoginLimiter,
}

impl AuthSettings {
    /// No sign-in, a random session key: the demo and in-process tests.
    pub fn anonymous() -> AuthSettings {
        AuthSettings {
            mode: AuthMode::None,
            sessions: SessionConfig::new(None, Duration::from_secs(1800), Duration::from_secs(43_200), false)
                .expect("a random key is long enough"),
            limiter: LoginLimiter::new(5, Duration::from_secs(300)),
        }
    }
}

/// The person behind a request.
#[derive(Debug, Clone, Default)]
pub struct CurrentUser {
    /// The name to show and to write in the audit log (`None`: anonymous mode).
    pub name: Option<String>,
    /// Credentials to call Elasticsearch with, replacing the configured ones (`es` mode).
    pub auth: Option<Auth>,
}

impl CurrentUser {
    /// The name for audit lines.
    pub fn audit_name(&self) -> &str {
        self.name.as_deref().unwrap_or("anonymous")
    }
}

/// Paths anyone may open: the sign-in page, assets, and the orchestrator probes.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path.starts_with("/static/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/preferences/language"
}

/// Middleware: finds the user, or sends the browser to sign in.
pub async fn identify_user(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let settings = &state.auth;
    let path = request.uri().path().to_owned();
    let mut refreshed_cookie = None;
    let user = match &settings.mode {
        AuthMode::None => CurrentUser::default(),
        AuthMode::Proxy { header, trusted } => {
            let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            let named = request.headers().get(header.as_str()).and_then(|v| v.to_str().ok()).map(str::to_owned);
            match (peer, named) {
                (Some(peer), Some(name)) if is_trusted(trusted, peer) && !name.is_empty() => {
                    CurrentUser { name: Some(name), auth: None }
                }
                _ if is_public(&path) => CurrentUser::default(),
                _ => {
                    tracing::warn!(peer = ?peer, "request without a user header from a trusted proxy refused");
                    return super::error::AppError::NoProxyUser.into_response();
                }
            }
        }
        AuthMode::Es => {
            let session = cookie(request.headers(), settings.sessions.cookie_name())
                .and_then(|sealed| settings.sessions.open(&sealed));
            match session {
                Some(mut session) => {
                    if session.wants_refresh() {
                        session.touch();
                        refreshed_cookie = Some(settings.sessions.seal(&session));
                    }
                    CurrentUser { name: Some(session.username.clone()), auth: Some(session.auth) }
                }
                None if is_public(&path) => CurrentUser::default(),
                None => return to_sign_in(&return_path(&request), request.headers().contains_key("hx-request")),
            }
        }
    };
    if let Some(name) = &user.name {
        // Every log line of this request names who made it (never how they authenticated).
        tracing::Span::current().record("user", name.as_str());
    }
    let chosen_cluster = cookie(request.headers(), super::context::CLUSTER_COOKIE);
    let back = return_path(&request);
    let htmx = request.headers().contains_key("hx-request");
    if let Some(context) = request.extensions_mut().get_mut::<RequestContext>() {
        context.user = user.name.clone();
    }
    request.extensions_mut().insert(user.clone());
    let mut response = next.run(request).await;
    let es_status = response.extensions().get::<ErrorReport>().and_then(ErrorReport::es_status);
    if settings.mode == AuthMode::Es && es_status == Some(401) {
        // The credentials in the session no longer work: the session is over.
        let mut answer = to_sign_in(&back, htmx);
        if let Ok(clear) = HeaderValue::from_str(&settings.sessions.clear()) {
            answer.headers_mut().append(header::SET_COOKIE, clear);
        }
        return answer;
    }
    // An error page names who asked; for Elasticsearch's 403 it also lists what is missing
    // (asked here, where the user's credentials are known; rendered once by the error layer).
    let privileges = match es_status {
        Some(403) => missing_privileges(&state.client_for(chosen_cluster.as_deref(), &user)).await,
        _ => Vec::new(),
    };
    if let Some(report) = response.extensions_mut().get_mut::<ErrorReport>() {
        report.user = user.name.clone();
        report.privileges = privileges;
    }
    // A handler that set or cleared the session (sign-in, sign-out) has the last word: a
    // refreshed copy of the old session appended after it would undo a sign-out.
    let handler_set_session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&format!("{}=", settings.sessions.cookie_name()))));
    if !handler_set_session && let Some(cookie) = refreshed_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The privileges the panel needs, as `_has_privileges` reports them for the caller. Empty
/// when even that call fails: the page then shows Elasticsearch's refusal alone.
async fn missing_privileges(client: &EsClient) -> Vec<PrivilegeCheck> {
    let query = PrivilegesQuery {
        cluster: ["manage_ccr", "monitor", "manage"].map(String::from).to_vec(),
        index: vec![IndexPrivilegesQuery {
            names: vec!["*".into()],
            privileges: ["manage_follow_index", "read", "monitor"].map(String::from).to_vec(),
        }],
    };
    let Ok(answer) = client.has_privileges(&query).await else { return Vec::new() };
    let mut checks: Vec<PrivilegeCheck> = answer
        .cluster
        .into_iter()
        .map(|(privilege, held)| PrivilegeCheck { resource: "cluster".into(), privilege, held })
        .collect();
    for (index, privileges) in answer.index {
        checks.extend(privileges.into_iter().map(|(privilege, held)| PrivilegeCheck {
            resource: index.clone(),
            privilege,
            held,
        }));
    }
    checks
}

/// Where to come back to after signing in: the page itself for a GET; for htmx the page the
/// fragment belongs to (`HX-Current-URL`); for a POST the page the form was on, else home.
fn return_path(request: &Request) -> String {
    let headers = request.headers();
    let path_of = |url: &str| super::context::url_path(url).map(str::to_owned);
    if let Some(current) = headers.get("hx-current-url").and_then(|v| v.to_str().ok()).and_then(path_of) {
        return current;
    }
    if request.method() == axum::http::Method::GET {
        return request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    }
    headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(path_of).unwrap_or_else(|| "/".into())
}

/// A browser goes to the sign-in page and comes back afterwards; htmx is told to do the same
/// with a full page load.
fn to_sign_in(back: &str, htmx: bool) -> Response {
    let target = format!("/login?{}", serde_urlencoded::to_string([("next", back)]).unwrap_or_default());
    if htmx {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        if let Ok(value) = HeaderValue::from_str(&target) {
            response.headers_mut().insert("hx-redirect", value);
        }
        return response;
    }
    Redirect::to(&target).into_response()
}

/// What this request's CSRF tokens are bound to besides the nonce cookie: the signed-in
/// session's secret, or the user a trusted proxy names; empty for anonymous use.
pub fn csrf_identity(state: &AppState, request: &Request) -> String {
    match &state.auth.mode {
        AuthMode::None => String::new(),
        AuthMode::Es => cookie(request.headers(), state.auth.sessions.cookie_name())
            .and_then(|sealed| state.auth.sessions.open(&sealed))
            .map(|session| format!("session:{}", session.csrf_secret()))
            .unwrap_or_default(),
        AuthMode::Proxy { header, trusted } => {
            let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            let named = request.headers().get(header.as_str()).and_then(|v| v.to_str().ok());
            match (peer, named) {
                (Some(peer), Some(name)) if is_trusted(trusted, peer) => format!("proxy:{name}"),
                _ => String::new(),
            }
        }
    }
}

/// Whether the cluster has security enabled: `_security/_authenticate` answers (or refuses
/// with 401) when it has; without security the API does not exist ("no handler", 400) or
/// says security must be enabled (500, 6.8-7.x basic). `None` when the cluster cannot be
/// asked (unreachable at start-up).
pub async fn cluster_has_security(client: &EsClient) -> Option<bool> {
    match client.authenticate().await {
        Ok(_) => Some(true),
        Err(crate::es::EsError::Api(api)) if api.status == 401 || api.status == 403 => Some(true),
        Err(crate::es::EsError::Api(_)) => Some(false),
        Err(_) => None,
    }
}

/// Whether `--auth none` may listen on this address without `--allow-anonymous-on-network`.
pub fn anonymous_allowed_on(listen: &SocketAddr) -> bool {
    listen.ip().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_mode_is_for_loopback() {
        assert!(anonymous_allowed_on(&"127.0.0.1:8080".parse().unwrap()));
        assert!(anonymous_allowed_on(&"[::1]:8080".parse().unwrap()));
        assert!(!anonymous_allowed_on(&"0.0.0.0:8080".parse().unwrap()));
    }
}
