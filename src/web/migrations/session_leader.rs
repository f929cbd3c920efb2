//! Leader endpoints entered for this session only (one per old cluster, at most
//! [`MAX_ENDPOINTS`]): HTTP URL and credentials, kept in a sealed cookie of its own (AES-GCM, under a key derived from the session key, so every panel
//! instance sharing that key reads it) and never anywhere else: not in Elasticsearch (the plan
//! records only the URL), not in a page, a log line or a URL.
//!
//! The cookie is bound to the session it was made in: it holds a digest of the session's
//! secret (`--auth es`: the secret sealed in the session cookie, new at every sign-in) and of
//! the CSRF nonce cookie (rotated at every sign-in and sign-out; the only identity of a
//! browser under `--auth none`). Copied into another session, or kept after signing out, it
//! opens as nothing. It lasts no longer than a session may (`--session-lifetime`), and signing
//! out clears it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use cookie::{Cookie, CookieJar, SameSite};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::es::{Auth, EsClient, EsConfig};
use crate::web::AppState;
use crate::web::auth::AuthMode;
use crate::web::context::cookie as read_cookie;

/// The cookie's name; over TLS `__Host-` prefixed like the session's.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-ccr_leader" } else { "ccr_leader" }
}

/// How long the panel waits for a leader entered for the session.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A leader endpoint known to this session. Deliberately not `Debug`: it holds credentials.
#[derive(Clone)]
pub struct SessionLeader {
    pub url: Url,
    pub auth: Option<Auth>,
}

impl SessionLeader {
    /// The URL as plans record it and pages show it (never with credentials: refused on entry).
    pub fn url_text(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_owned()
    }

    /// A client for the endpoint, or `None` when one cannot be built.
    pub fn client(&self) -> Option<EsClient> {
        let config = EsConfig {
            urls: vec![self.url.clone()],
            auth: self.auth.clone(),
            ca_cert_pem: None,
            insecure: false,
            timeout: TIMEOUT,
        };
        EsClient::new(config).ok()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredAuth {
    None,
    Basic { username: String, password: String },
    ApiKey { key: String },
}

#[derive(Serialize, Deserialize)]
struct StoredEndpoint {
    url: String,
    auth: StoredAuth,
}

/// How many endpoints a session keeps (one per old cluster being migrated from); entering
/// one more forgets the one entered first.
pub const MAX_ENDPOINTS: usize = 4;

#[derive(Serialize, Deserialize)]
struct Stored {
    endpoints: Vec<StoredEndpoint>,
    /// Digest of the session it belongs to (see the module's documentation).
    bound: String,
    /// Seconds since the epoch when it was entered.
    created: u64,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// What the cookie is bound to in this request: `None` when the request has no session to
/// bind to (no CSRF nonce; or signed out under `--auth es`).
fn binding(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let sessions = &state.auth.sessions;
    let nonce = read_cookie(headers, crate::web::csrf::cookie_name(sessions.secure))?;
    let session = match &state.auth.mode {
        AuthMode::Es => {
            let session = read_cookie(headers, sessions.cookie_name()).and_then(|sealed| sessions.open(&sealed))?;
            format!("session:{}", session.csrf_secret())
        }
        AuthMode::Proxy { header, .. } => {
            format!("proxy:{}", headers.get(header.as_str()).and_then(|v| v.to_str().ok()).unwrap_or_default())
        }
        AuthMode::None => String::new(),
    };
    let mut digest = Sha256::new();
    digest.update(b"ccr-panel session leader v1\0");
    digest.update((nonce.len() as u64).to_be_bytes());
    digest.update(nonce.as_bytes());
    digest.update(session.as_bytes());
    Some(digest.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn key(state: &AppState) -> cookie::Key {
    state.auth.sessions.derived_key("ccr-panel session leader endpoints")
}

fn build(state: &AppState, value: String, max_age: i64) -> Cookie<'static> {
    let secure = state.auth.sessions.secure;
    Cookie::build((cookie_name(secure), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age))
        .build()
}

fn stored(leader: &SessionLeader) -> StoredEndpoint {
    let auth = match &leader.auth {
        None => StoredAuth::None,
        Some(Auth::Basic { username, password }) => {
            StoredAuth::Basic { username: username.clone(), password: password.expose_secret().to_owned() }
        }
        Some(Auth::ApiKey(key)) => StoredAuth::ApiKey { key: key.expose_secret().to_owned() },
    };
    StoredEndpoint { url: leader.url.to_string(), auth }
}

/// The `Set-Cookie` value that keeps `leader` for this session beside the endpoints it knows
/// already (replacing one with the same URL); `None`: nothing to bind to.
pub fn seal(state: &AppState, headers: &HeaderMap, leader: &SessionLeader) -> Option<String> {
    let mut known: Vec<SessionLeader> = open(state, headers).into_iter().filter(|l| l.url != leader.url).collect();
    known.push(leader.clone());
    let skip = known.len().saturating_sub(MAX_ENDPOINTS);
    let endpoints = known.iter().skip(skip).map(stored).collect();
    let stored = Stored { endpoints, bound: binding(state, headers)?, created: now() };
    let value = serde_json::to_string(&stored).ok()?;
    let mut jar = CookieJar::new();
    let lifetime = state.auth.sessions.lifetime.as_secs() as i64;
    jar.private_mut(&key(state)).add(build(state, value, lifetime));
    jar.get(cookie_name(state.auth.sessions.secure)).map(|c| c.to_string())
}

/// The `Set-Cookie` value that forgets the endpoint (sign-out).
pub fn clear(state: &AppState) -> String {
    build(state, String::new(), 0).to_string()
}

/// The endpoints entered in this session (none when the cookie is absent, foreign to this
/// session, or older than a session may live).
pub fn open(state: &AppState, headers: &HeaderMap) -> Vec<SessionLeader> {
    let name = cookie_name(state.auth.sessions.secure);
    let Some(sealed) = read_cookie(headers, name) else { return Vec::new() };
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::new(name, sealed));
    let Some(opened) = jar.private(&key(state)).get(name) else { return Vec::new() };
    let Ok(stored) = serde_json::from_str::<Stored>(opened.value()) else { return Vec::new() };
    if Some(&stored.bound) != binding(state, headers).as_ref()
        || now().saturating_sub(stored.created) > state.auth.sessions.lifetime.as_secs()
    {
        return Vec::new();
    }
    stored
        .endpoints
        .into_iter()
        .filter_map(|endpoint| {
            let auth = match endpoint.auth {
                StoredAuth::None => None,
                StoredAuth::Basic { username, password } => {
                    Some(Auth::Basic { username, password: SecretString::from(password) })
                }
                StoredAuth::ApiKey { key } => Some(Auth::ApiKey(SecretString::from(key))),
            };
            Some(SessionLeader { url: Url::parse(&endpoint.url).ok()?, auth })
        })
        .collect()
}

/// The session's leader endpoints as an extractor.
pub struct InSession(pub Vec<SessionLeader>);

impl FromRequestParts<AppState> for InSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(InSession(open(state, &parts.headers)))
    }
}

/// Why an entered URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    Empty,
    NotAUrl,
    Scheme,
    NoHost,
    Credentials,
    Path,
}

impl UrlProblem {
    pub fn key(self) -> &'static str {
        match self {
            UrlProblem::Empty => "migration-leader-url-empty",
            UrlProblem::NotAUrl => "migration-leader-url-invalid",
            UrlProblem::Scheme => "migration-leader-url-scheme",
            UrlProblem::NoHost => "migration-leader-url-host",
            UrlProblem::Credentials => "migration-leader-url-credentials",
            UrlProblem::Path => "migration-leader-url-path",
        }
    }
}

/// An entered leader URL: `http` or `https`, a host, an optional port, and nothing else (no
/// user information: credentials go in their own fields; no path, query or fragment: the
/// panel adds the API paths itself, and a path would send them elsewhere).
pub fn parse_url(text: &str) -> Result<Url, UrlProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(UrlProblem::Empty);
    }
    if text.contains(',') || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlProblem::NotAUrl);
    }
    let url = Url::parse(text).map_err(|_| UrlProblem::NotAUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlProblem::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlProblem::NoHost);
    }
    // `Url` normalises `/a/../` away: compare with what was typed after the authority.
    let after_authority = text.split_once("://").map(|(_, rest)| rest).unwrap_or_default();
    let typed_path = after_authority.find(['/', '?', '#']).map(|i| &after_authority[i..]).unwrap_or("");
    if (!typed_path.is_empty() && typed_path != "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(UrlProblem::Path);
    }
    Ok(url)
}

/// Credentials as typed: a user name with its password, an API key, or none (a cluster
/// without security). `None` inside the error: which field lacks its partner.
pub fn credentials(username: &str, password: &str, api_key: &str) -> Result<Option<Auth>, &'static str> {
    let (username, api_key) = (username.trim(), api_key.trim());
    match (username.is_empty(), password.is_empty(), api_key.is_empty()) {
        (true, true, true) => Ok(None),
        (true, true, false) => Ok(Some(Auth::ApiKey(SecretString::from(api_key.to_owned())))),
        (false, false, true) => {
            Ok(Some(Auth::Basic { username: username.to_owned(), password: SecretString::from(password.to_owned()) }))
        }
        (false, true, _) => Err("leader_password"),
        (true, false, _) => Err("leader_username"),
        (false, false, false) => Err("leader_api_key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_an_endpoint_and_nothing_else() {
        assert_eq!(parse_url("https://es.example.com:9243").unwrap().as_str(), "https://es.example.com:9243/");
        assert!(parse_url("http://10.0.0.5:9200/").is_ok());
        assert!(parse_url("http://[::1]:9200").is_ok());
        for (text, problem) in [
            ("", UrlProblem::Empty),
            ("es:9200", UrlProblem::Scheme),
            ("ftp://es:21", UrlProblem::Scheme),
            ("http://", UrlProblem::NotAUrl),
            ("http://user:pw@es:9200", UrlProblem::Credentials),
            ("http://user@es:9200", UrlProblem::Credentials),
            ("http://es:9200/other/..", UrlProblem::Path),
            ("http://es:9200/_security", UrlProblem::Path),
            ("http://es:9200?x=1", UrlProblem::Path),
            ("http://es:9200#x", UrlProblem::Path),
            ("http://a:9200,http://b:9200", UrlProblem::NotAUrl),
            ("http://es :9200", UrlProblem::NotAUrl),
        ] {
            assert_eq!(parse_url(text).err(), Some(problem), "{text}");
        }
    }

    #[test]
    fn credentials_come_whole() {
        assert!(credentials("", "", "").unwrap().is_none());
        assert!(matches!(credentials("ops", "pw", ""), Ok(Some(Auth::Basic { .. }))));
        assert!(matches!(credentials("", "", "a2V5"), Ok(Some(Auth::ApiKey(_)))));
        assert_eq!(credentials("ops", "", "").err(), Some("leader_password"));
        assert_eq!(credentials("", "pw", "").err(), Some("leader_username"));
        assert_eq!(credentials("ops", "pw", "a2V5").err(), Some("leader_api_key"));
    }
}
