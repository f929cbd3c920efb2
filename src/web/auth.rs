//! Who is using the panel, and with whose Elasticsearch credentials.
//!
//! - `es`: people sign in with their Elasticsearch credentials (checked with
//!   `_security/_authenticate`) and the panel calls Elasticsearch as them.
//! - `none`: no sign-in; the configured credentials are used (loopback only, unless allowed).
//! - `proxy`: an authenticating reverse proxy names the user in a header, trusted only from
//!   the configured proxy addresses; the configured credentials are used.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
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

/// Limits sign-in guessing. Failures are counted per user name at each client address, and
/// per client address for all names together (a larger allowance, for colleagues behind one
/// NAT address). A success clears only that user's count at that address, so signing in to
/// one's own account does not buy more guesses at someone else's; and since a user's count is
/// kept per address, guessing from elsewhere does not lock the owner out everywhere.
///
/// A slow cluster must not widen the limit: attempts for one user name from one address run
/// one after another (a burst of parallel guesses waits its turn and is refused once the
/// failures are counted), and at the address level every attempt still waiting for
/// Elasticsearch counts as a failure until it is decided.
///
/// Behind a trusted proxy the client is the address the proxy forwarded (`X-Forwarded-For`),
/// not the proxy's own; IPv6 clients count per /64, which one host usually owns entirely.
#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    trusted_proxies: Vec<IpAddr>,
    counts: Arc<Mutex<Counts>>,
}

/// How many failures one client address may have, for all user names together, as a
/// multiple of the per-user limit.
pub const PER_CLIENT_FACTOR: u32 = 4;

/// The longest user name kept as a key (longer ones are cut: they cannot be real anyway).
const MAX_KEY_BYTES: usize = 256;

/// How a sign-in attempt ended, for the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Succeeded,
    WrongCredentials,
    /// The cluster could not say (unreachable...): not the user's failure.
    Undecided,
}

type UserKey = (String, IpAddr);

#[derive(Debug, Default)]
struct Counts {
    per_client: HashMap<IpAddr, Count>,
    per_user: HashMap<UserKey, Count>,
    /// One lock per user name and address: its attempts run one at a time.
    turns: HashMap<UserKey, Arc<tokio::sync::Mutex<()>>>,
}

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    /// Attempts waiting for Elasticsearch.
    pending: u32,
    since: Instant,
}

impl Count {
    fn fresh() -> Count {
        Count { failures: 0, pending: 0, since: Instant::now() }
    }

    fn expired(&self, window: Duration) -> bool {
        self.pending == 0 && self.since.elapsed() >= window
    }
}

/// A sign-in attempt under way. Say how it ended with [`SignInAttempt::finish`]; dropped
/// without that (the client went away), it counts as undecided.
#[derive(Debug)]
pub struct SignInAttempt {
    key: UserKey,
    counts: Arc<Mutex<Counts>>,
    outcome: Attempt,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl SignInAttempt {
    pub fn finish(mut self, outcome: Attempt) {
        self.outcome = outcome;
    }
}

impl Drop for SignInAttempt {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = counts.per_client.get_mut(&self.key.1) {
            count.pending = count.pending.saturating_sub(1);
            if self.outcome == Attempt::WrongCredentials {
                count.failures += 1;
            }
        }
        if let Some(count) = counts.per_user.get_mut(&self.key) {
            count.pending = count.pending.saturating_sub(1);
            match self.outcome {
                // Only this user's count, only here: the address keeps its failures.
                Attempt::Succeeded => count.failures = 0,
                Attempt::WrongCredentials => count.failures += 1,
                Attempt::Undecided => {}
            }
        }
    }
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration) -> LoginLimiter {
        LoginLimiter { max_failures, window, trusted_proxies: Vec::new(), counts: Arc::default() }
    }

    /// Counts the client a trusted proxy forwarded, not the proxy itself.
    pub fn trusting(mut self, proxies: Vec<IpAddr>) -> LoginLimiter {
        self.trusted_proxies = proxies;
        self
    }

    /// The client behind a request: the peer, or when the peer is a trusted proxy, the
    /// right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_address(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .rev()
            .map(|a| a.trim().parse::<IpAddr>())
            .take_while(Result::is_ok)
            .flatten()
            .find(|a| !self.trusted_proxies.contains(a))
            .unwrap_or(peer)
    }

    /// Waits for this user's turn at this address, then registers the attempt, or says how
    /// long to wait. `user` is empty for an API key.
    pub async fn begin(&self, user: &str, client: IpAddr) -> Result<SignInAttempt, Duration> {
        let key = (user_key(user), client_key(client));
        let turn = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            // Keeps the maps bounded: forget finished windows and idle turns.
            counts.per_client.retain(|_, c| !c.expired(self.window));
            counts.per_user.retain(|_, c| !c.expired(self.window));
            counts.turns.retain(|_, t| Arc::strong_count(t) > 1);
            counts.turns.entry(key.clone()).or_default().clone()
        };
        let turn = turn.lock_owned().await;
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        let client_count = *counts.per_client.entry(key.1).or_insert_with(Count::fresh);
        let user_count = *counts.per_user.entry(key.clone()).or_insert_with(Count::fresh);
        let over = |count: Count, limit: u32| {
            (count.failures + count.pending >= limit && count.since.elapsed() < window).then_some(count.since)
        };
        if let Some(since) = over(user_count, self.max_failures)
            .or_else(|| over(client_count, self.max_failures.saturating_mul(PER_CLIENT_FACTOR)))
        {
            return Err(window.saturating_sub(since.elapsed()).max(Duration::from_secs(1)));
        }
        let Counts { per_client, per_user, .. } = &mut *counts;
        for count in [per_client.get_mut(&key.1), per_user.get_mut(&key)].into_iter().flatten() {
            if count.since.elapsed() >= window && count.pending == 0 {
                *count = Count::fresh();
            }
            if count.failures == 0 && count.pending == 0 {
                count.since = Instant::now();
            }
            count.pending += 1;
        }
        drop(counts);
        Ok(SignInAttempt { key, counts: self.counts.clone(), outcome: Attempt::Undecided, _turn: turn })
    }
}

fn user_key(user: &str) -> String {
    let mut end = user.len().min(MAX_KEY_BYTES);
    while !user.is_char_boundary(end) {
        end -= 1;
    }
    user[..end].to_owned()
}

/// IPv4 (also when mapped into IPv6) as is; IPv6 by its /64 network.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

/// What this request's CSRF tokens are bound to besides the nonce cookie: the signed-in
/// session's secret, or the user a trusted proxy names; empty for anonymous use.
pub fn csrf_identity(state: &AppState, request: &Request) -> String {
    match &state.auth.mode {
        AuthMode::None => String::new(),
        AuthMode::Es => cookie(request.headers(), SESSION_COOKIE)
            .and_then(|sealed| state.auth.sessions.open(&sealed))
            .map(|session| format!("session:{}", session.csrf_secret()))
            .unwrap_or_default(),
        AuthMode::Proxy { header, trusted } => {
            let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            let named = request.headers().get(header.as_str()).and_then(|v| v.to_str().ok());
            match (peer, named) {
                (Some(peer), Some(name)) if trusted.contains(&peer) => format!("proxy:{name}"),
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

    fn fail(limiter: &LoginLimiter, user: &str, client: IpAddr) -> Result<(), Duration> {
        let attempt = run(limiter.begin(user, client))?;
        attempt.finish(Attempt::WrongCredentials);
        Ok(())
    }

    fn succeed(limiter: &LoginLimiter, user: &str, client: IpAddr) -> Result<(), Duration> {
        run(limiter.begin(user, client))?.finish(Attempt::Succeeded);
        Ok(())
    }

    /// Runs a future that never waits (no other attempt holds the turn).
    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
    }

    #[test]
    fn failures_count_per_user_and_per_address() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        let b = IpAddr::from([10, 0, 0, 2]);
        for _ in 0..3 {
            fail(&limiter, "admin", a).unwrap();
        }
        assert!(fail(&limiter, "admin", a).is_err());
        assert!(succeed(&limiter, "admin", b).is_ok(), "the owner elsewhere is not locked out");
        assert!(succeed(&limiter, "carol", a).is_ok(), "another user at the same address still may");
        assert!(fail(&limiter, "admin", a).is_err(), "a success for carol does not clear admin's count");
    }

    #[test]
    fn the_address_has_an_overall_limit_that_successes_do_not_reset() {
        let limiter = LoginLimiter::new(2, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        let allowance = 2 * PER_CLIENT_FACTOR;
        for round in 0..allowance {
            assert!(fail(&limiter, &format!("user{round}"), a).is_ok(), "round {round}");
            if round + 1 < allowance {
                succeed(&limiter, "mine", a).unwrap();
            }
        }
        assert!(fail(&limiter, "anyone", a).is_err());
    }

    #[tokio::test]
    async fn attempts_for_one_user_take_turns_and_in_flight_ones_count_at_the_address() {
        let limiter = LoginLimiter::new(1, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        let first = limiter.begin("admin", a).await.unwrap();
        let second = tokio::time::timeout(Duration::from_millis(50), limiter.begin("admin", a)).await;
        assert!(second.is_err(), "the second guess waits for the first to be decided");
        let mut others = Vec::new();
        for i in 0..PER_CLIENT_FACTOR - 1 {
            others.push(limiter.begin(&format!("u{i}"), a).await.unwrap());
        }
        assert!(limiter.begin("one-more", a).await.is_err(), "attempts in flight count at the address");
        first.finish(Attempt::WrongCredentials);
        assert!(limiter.begin("admin", a).await.is_err(), "then admin's failure counts");
        drop(others);
        assert!(limiter.begin("one-more", a).await.is_ok(), "dropped attempts count as undecided");
    }

    #[test]
    fn ipv6_counts_per_network_and_proxies_forward_the_client() {
        assert_eq!(client_key("2001:db8::1".parse().unwrap()), client_key("2001:db8::ffff".parse().unwrap()));
        assert_eq!(client_key("::ffff:10.0.0.1".parse().unwrap()), IpAddr::from([10, 0, 0, 1]));
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let limiter = LoginLimiter::new(3, Duration::from_secs(60)).trusting(vec![proxy]);
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.5".parse().unwrap());
        assert_eq!(limiter.client_address(proxy, &headers), "198.51.100.7".parse::<IpAddr>().unwrap());
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(limiter.client_address(stranger, &headers), stranger, "only a trusted proxy is believed");
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(limiter.client_address(proxy, &headers), proxy);
    }

    #[test]
    fn anonymous_mode_is_for_loopback() {
        assert!(anonymous_allowed_on(&"127.0.0.1:8080".parse().unwrap()));
        assert!(anonymous_allowed_on(&"[::1]:8080".parse().unwrap()));
        assert!(!anonymous_allowed_on(&"0.0.0.0:8080".parse().unwrap()));
    }
}
