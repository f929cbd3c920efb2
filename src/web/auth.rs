//! Who is using the panel, and with whose Elasticsearch credentials.
//!
//! - `es`: people sign in with their Elasticsearch credentials (checked with
//!   `_security/_authenticate`) and the panel calls Elasticsearch as them.
//! - `none`: no sign-in; the configured credentials are used (loopback only, unless allowed).
//! - `proxy`: an authenticating reverse proxy names the user in a header, trusted only from
//!   the configured proxy addresses; the configured credentials are used.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;
use super::context::cookie;
use super::session::{SESSION_COOKIE, SessionConfig};
use crate::error::{ForbiddenByElasticsearch, PrivilegeCheck, UnauthorizedByElasticsearch, error_response};
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

tokio::task_local! {
    static USER: Option<String>;
}

/// The signed-in user of the request being handled (for error pages, which see no request).
pub fn current_user() -> Option<String> {
    USER.try_with(Clone::clone).ok().flatten()
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
                (Some(peer), Some(name)) if trusted.contains(&peer) && !name.is_empty() => {
                    CurrentUser { name: Some(name), auth: None }
                }
                _ if is_public(&path) => CurrentUser::default(),
                _ => {
                    tracing::warn!(peer = ?peer, "request without a user header from a trusted proxy refused");
                    return crate::error::AppError::NoProxyUser.into_response();
                }
            }
        }
        AuthMode::Es => {
            let session = cookie(request.headers(), SESSION_COOKIE).and_then(|sealed| settings.sessions.open(&sealed));
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
    request.extensions_mut().insert(user.clone());
    let mut response = USER.scope(user.name.clone(), next.run(request)).await;
    if settings.mode == AuthMode::Es && response.extensions().get::<UnauthorizedByElasticsearch>().is_some() {
        // The credentials in the session no longer work: the session is over.
        let mut answer = to_sign_in(&back, htmx);
        if let Ok(clear) = HeaderValue::from_str(&settings.sessions.clear()) {
            answer.headers_mut().append(header::SET_COOKIE, clear);
        }
        return answer;
    }
    if let Some(ForbiddenByElasticsearch(view)) = response.extensions().get::<ForbiddenByElasticsearch>().cloned() {
        let cluster = state.cluster(chosen_cluster.as_deref());
        let client = match (&settings.mode, user.auth) {
            (AuthMode::Es, Some(auth)) => cluster.client.with_auth(Some(auth)),
            _ => cluster.client.clone(),
        };
        response = error_response(StatusCode::FORBIDDEN, view, missing_privileges(&client).await);
    }
    // A handler that set or cleared the session (sign-in, sign-out) has the last word: a
    // refreshed copy of the old session appended after it would undo a sign-out.
    let handler_set_session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&format!("{SESSION_COOKIE}="))));
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
    let path_of = |url: &str| -> Option<String> {
        let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
        after_scheme.find('/').map(|i| after_scheme[i..].to_owned())
    };
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

/// Limits failed sign-ins per client address: after `max_failures` within `window`, further
/// attempts from that address are refused until the window has passed. Attempts in flight
/// are capped too ([`MAX_IN_FLIGHT`]), so a burst of parallel guesses cannot run far past the
/// limit before the first failures are counted, while colleagues behind one NAT address can
/// still sign in at the same moment.
/// Sign-in attempts one address may have waiting for Elasticsearch at once.
pub const MAX_IN_FLIGHT: u32 = 32;

#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    attempts: Mutex<HashMap<IpAddr, Attempts>>,
}

/// How a sign-in attempt ended, for the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Succeeded,
    WrongCredentials,
    /// The cluster could not say (unreachable...): not the user's failure.
    Undecided,
}

#[derive(Debug, Clone, Copy)]
struct Attempts {
    failures: u32,
    in_flight: u32,
    since: Instant,
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration) -> LoginLimiter {
        LoginLimiter { max_failures, window, attempts: Mutex::default() }
    }

    /// Registers an attempt, or says how long the address must wait.
    pub fn begin(&self, address: IpAddr) -> Result<(), Duration> {
        let mut attempts = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        // Keeps the map bounded: forget finished windows.
        attempts.retain(|_, a| a.in_flight > 0 || a.since.elapsed() < self.window);
        let entry = attempts.entry(address).or_insert(Attempts { failures: 0, in_flight: 0, since: Instant::now() });
        if entry.since.elapsed() >= self.window && entry.in_flight == 0 {
            *entry = Attempts { failures: 0, in_flight: 0, since: Instant::now() };
        }
        if entry.failures >= self.max_failures || entry.in_flight >= MAX_IN_FLIGHT {
            return Err(self.window.saturating_sub(entry.since.elapsed()).max(Duration::from_secs(1)));
        }
        entry.in_flight += 1;
        Ok(())
    }

    /// Ends an attempt begun with [`LoginLimiter::begin`].
    pub fn finish(&self, address: IpAddr, attempt: Attempt) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = attempts.get_mut(&address) {
            entry.in_flight = entry.in_flight.saturating_sub(1);
            match attempt {
                Attempt::Succeeded => entry.failures = 0,
                Attempt::WrongCredentials => entry.failures += 1,
                Attempt::Undecided => {}
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
    fn limiter_blocks_after_repeated_failures_per_address() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        let b = IpAddr::from([10, 0, 0, 2]);
        for _ in 0..3 {
            limiter.begin(a).unwrap();
            limiter.finish(a, Attempt::WrongCredentials);
        }
        assert!(limiter.begin(a).is_err());
        assert!(limiter.begin(b).is_ok(), "other addresses are not affected");
    }

    #[test]
    fn parallel_attempts_are_capped() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..MAX_IN_FLIGHT {
            limiter.begin(a).unwrap();
        }
        assert!(limiter.begin(a).is_err(), "a burst cannot exceed the in-flight cap");
        limiter.finish(a, Attempt::Succeeded);
        assert!(limiter.begin(a).is_ok(), "a finished attempt frees its slot");
        for _ in 0..3 {
            limiter.finish(a, Attempt::WrongCredentials);
        }
        assert!(limiter.begin(a).is_err(), "then the failures count");
    }

    #[test]
    fn anonymous_mode_is_for_loopback() {
        assert!(anonymous_allowed_on(&"127.0.0.1:8080".parse().unwrap()));
        assert!(anonymous_allowed_on(&"[::1]:8080".parse().unwrap()));
        assert!(!anonymous_allowed_on(&"0.0.0.0:8080".parse().unwrap()));
    }
}
