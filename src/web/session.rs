//! Sign-in sessions kept entirely in a cookie, encrypted and authenticated (AES-256-GCM via
//! the `cookie` crate's private jar), so several panel instances sharing a session key serve
//! the same users with no server-side store.
//!
//! The session holds the user's Elasticsearch credentials: the panel calls Elasticsearch as
//! that user, and Elasticsearch's roles decide what each person may do. Idle timeout and
//! absolute lifetime are enforced from timestamps inside the encrypted value.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cookie::{Cookie, CookieJar, Key, SameSite};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::es::Auth;

pub const SESSION_COOKIE: &str = "ccr_session";

/// How sessions are sealed and how long they last.
#[derive(Clone)]
pub struct SessionConfig {
    key: Key,
    pub idle_timeout: Duration,
    pub lifetime: Duration,
    /// Mark cookies `Secure` (the panel serves TLS itself, or sits behind a TLS proxy).
    pub secure: bool,
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("idle_timeout", &self.idle_timeout)
            .field("lifetime", &self.lifetime)
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the session key must be at least 32 bytes long (it has {0}); generate one with `openssl rand -base64 48`")]
pub struct ShortSessionKey(usize);

impl SessionConfig {
    /// From a configured secret (at least 32 bytes), or a random key when `None`.
    pub fn new(
        secret: Option<&SecretString>,
        idle_timeout: Duration,
        lifetime: Duration,
        secure: bool,
    ) -> Result<SessionConfig, ShortSessionKey> {
        let key = match secret {
            Some(secret) => {
                let bytes = secret.expose_secret().as_bytes();
                if bytes.len() < 32 {
                    return Err(ShortSessionKey(bytes.len()));
                }
                Key::derive_from(bytes)
            }
            None => Key::generate(),
        };
        Ok(SessionConfig { key, idle_timeout, lifetime, secure })
    }

    /// The key CSRF tokens are HMACs under: the half of the session key that the private
    /// (encrypting) cookie jar leaves unused.
    pub fn csrf_key(&self) -> &[u8] {
        self.key.signing()
    }

    /// A key for other sealed cookies (flash messages), derived from the session key so one
    /// configured secret serves every instance, yet never the session key itself.
    pub fn derived_key(&self, purpose: &str) -> Key {
        Key::derive_from(&[self.key.master(), purpose.as_bytes()].concat())
    }
}

/// The credentials a session carries.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredAuth {
    Basic { password: String },
    ApiKey { key: String },
}

#[derive(Serialize, Deserialize)]
struct Stored {
    user: String,
    auth: StoredAuth,
    /// Seconds since the epoch: sign-in, and last activity.
    created: u64,
    seen: u64,
    /// A random secret that CSRF tokens of this session are bound to (new at every sign-in).
    #[serde(default)]
    csrf: String,
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Session {
    pub username: String,
    pub auth: Auth,
    created: u64,
    seen: u64,
    csrf: String,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Session {
    pub fn new(username: String, auth: Auth) -> Session {
        let now = now();
        Session { username, auth, created: now, seen: now, csrf: crate::web::csrf::random_value() }
    }

    /// The secret this session's CSRF tokens are bound to.
    pub fn csrf_secret(&self) -> &str {
        &self.csrf
    }

    /// Whether the last refresh is old enough to send a fresh cookie (sliding idle timeout
    /// without re-encrypting on every request).
    pub fn wants_refresh(&self) -> bool {
        now().saturating_sub(self.seen) >= 60
    }

    pub fn touch(&mut self) {
        self.seen = now();
    }

    /// The same session as if its last activity was `ago` ago (tests of the sliding refresh).
    #[doc(hidden)]
    pub fn last_seen_ago(mut self, ago: std::time::Duration) -> Session {
        self.seen = self.seen.saturating_sub(ago.as_secs());
        self
    }
}

impl SessionConfig {
    /// The `Set-Cookie` value that stores `session`.
    pub fn seal(&self, session: &Session) -> String {
        let auth = match &session.auth {
            Auth::Basic { password, .. } => StoredAuth::Basic { password: password.expose_secret().to_owned() },
            Auth::ApiKey(key) => StoredAuth::ApiKey { key: key.expose_secret().to_owned() },
        };
        let stored = Stored {
            user: session.username.clone(),
            auth,
            created: session.created,
            seen: session.seen,
            csrf: session.csrf.clone(),
        };
        let value = serde_json::to_string(&stored).expect("sessions serialize");
        let mut jar = CookieJar::new();
        let remaining = self.lifetime.as_secs().saturating_sub(now().saturating_sub(session.created));
        jar.private_mut(&self.key).add(self.cookie(value, remaining as i64));
        jar.get(SESSION_COOKIE).map(|c| c.to_string()).unwrap_or_default()
    }

    /// The `Set-Cookie` value that removes the session.
    pub fn clear(&self) -> String {
        self.cookie(String::new(), 0).to_string()
    }

    fn cookie(&self, value: String, max_age_seconds: i64) -> Cookie<'static> {
        Cookie::build((SESSION_COOKIE, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(max_age_seconds))
            .build()
    }

    /// Reads the session from a `Cookie` header value: `None` when absent, tampered with,
    /// sealed with another key, idle too long, or past its lifetime.
    pub fn open(&self, sealed: &str) -> Option<Session> {
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(SESSION_COOKIE, sealed.to_owned()));
        let cookie = jar.private(&self.key).get(SESSION_COOKIE)?;
        let stored: Stored = serde_json::from_str(cookie.value()).ok()?;
        let now = now();
        if now.saturating_sub(stored.seen) > self.idle_timeout.as_secs()
            || now.saturating_sub(stored.created) > self.lifetime.as_secs()
        {
            return None;
        }
        let auth = match stored.auth {
            StoredAuth::Basic { password } => {
                Auth::Basic { username: stored.user.clone(), password: SecretString::from(password) }
            }
            StoredAuth::ApiKey { key } => Auth::ApiKey(SecretString::from(key)),
        };
        // A session sealed before tokens were bound to it has no secret: it gets one derived
        // from what it holds, which only the sealed cookie knows.
        let csrf = if stored.csrf.is_empty() { format!("{}:{}", stored.created, stored.user) } else { stored.csrf };
        Some(Session { username: stored.user, auth, created: stored.created, seen: stored.seen, csrf })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secret: &str) -> SessionConfig {
        SessionConfig::new(
            Some(&SecretString::from(secret.to_owned())),
            Duration::from_secs(600),
            Duration::from_secs(3600),
            false,
        )
        .unwrap()
    }

    fn sealed_value(set_cookie: &str) -> &str {
        set_cookie.trim_start_matches("ccr_session=").split(';').next().unwrap()
    }

    #[test]
    fn sessions_round_trip_and_hide_the_password() {
        let config = config("0123456789abcdef0123456789abcdef-key");
        let session = Session::new(
            "alice".into(),
            Auth::Basic { username: "alice".into(), password: SecretString::from("hunter2") },
        );
        let cookie = config.seal(&session);
        assert!(!cookie.contains("hunter2") && !cookie.contains("alice"), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let opened = config.open(sealed_value(&cookie)).unwrap();
        assert_eq!(opened.username, "alice");
        let Auth::Basic { password, .. } = opened.auth else { panic!("basic") };
        assert_eq!(password.expose_secret(), "hunter2");
    }

    #[test]
    fn another_key_or_tampering_opens_nothing() {
        let session = Session::new("bob".into(), Auth::ApiKey(SecretString::from("k")));
        let cookie = config("0123456789abcdef0123456789abcdef-one").seal(&session);
        let value = sealed_value(&cookie);
        assert!(config("0123456789abcdef0123456789abcdef-two").open(value).is_none());
        let mut tampered = value.to_owned();
        tampered.replace_range(10..11, if &value[10..11] == "A" { "B" } else { "A" });
        assert!(config("0123456789abcdef0123456789abcdef-one").open(&tampered).is_none());
    }

    #[test]
    fn expired_sessions_open_nothing() {
        let config = config("0123456789abcdef0123456789abcdef-key");
        let mut session = Session::new("carol".into(), Auth::ApiKey(SecretString::from("k")));
        session.seen -= 601;
        assert!(config.open(sealed_value(&config.seal(&session))).is_none(), "idle too long");
        let mut session = Session::new("carol".into(), Auth::ApiKey(SecretString::from("k")));
        session.created -= 3601;
        assert!(config.open(sealed_value(&config.seal(&session))).is_none(), "past its lifetime");
    }

    #[test]
    fn short_keys_are_refused() {
        let short = SecretString::from("short".to_owned());
        assert!(SessionConfig::new(Some(&short), Duration::from_secs(1), Duration::from_secs(1), false).is_err());
    }
}
