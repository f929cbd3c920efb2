//! One-shot messages after a change ("Remote cluster x was added"), carried from the POST to
//! the page it redirects to in a sealed cookie rather than in the URL: a link cannot make the
//! panel say something it did not do, and the redirect stays small whatever was changed.
//!
//! The cookie is encrypted and authenticated with a key derived from the session key
//! (axum-extra's `PrivateCookieJar`), so a tampered or foreign cookie reads as no message.
//! Every screen reuses [`Flash`]: an outcome, the names it concerns, and per-name failures,
//! all capped so the cookie stays far below the 4 KB browsers keep.

use axum::extract::FromRef;
use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};
use serde::{Deserialize, Serialize};

use super::AppState;

pub const FLASH_COOKIE: &str = "ccr_flash";

/// How many names and failures a message carries; the rest are counted.
pub const MAX_NAMES: usize = 10;
pub const MAX_FAILURES: usize = 3;
/// How many characters of a name or a reason a message keeps.
const MAX_NAME_CHARS: usize = 100;
const MAX_REASON_CHARS: usize = 200;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Added,
    Updated,
    Deleted,
    Paused,
    Resumed,
    /// A bulk action with nothing selected.
    NothingSelected,
    /// A bulk action with more than `max` items: nothing was done.
    TooMany {
        max: u32,
    },
}

/// One item an action could not do, and why (Elasticsearch's reason, in English).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub name: String,
    pub reason: String,
}

/// A message for the next page, produced by the panel itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub outcome: Outcome,
    /// The first [`MAX_NAMES`] names concerned, and how many more there were.
    pub names: Vec<String>,
    pub more_names: usize,
    pub failures: Vec<Failure>,
    pub more_failures: usize,
    /// Names the screen has a note about (the follower screen: resumed with Elasticsearch's
    /// defaults because no settings were remembered); at most [`MAX_NAMES`].
    #[serde(default)]
    pub noted: Vec<String>,
}

fn cut(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        cut.push('…');
    }
    cut
}

impl Flash {
    /// The names concerned as a sentence part ("a, b and 3 more"), in the reader's language.
    pub fn names_text(&self, tr: &crate::i18n::Tr) -> String {
        let names = self.names.join(&tr.t("list-separator"));
        if self.more_names == 0 {
            return names;
        }
        tr.t_args("list-and-more", &[("names", &names), ("count", &self.more_names.to_string())])
    }

    pub fn new<S: AsRef<str>>(outcome: Outcome, names: impl IntoIterator<Item = S>) -> Flash {
        let mut flash = Flash {
            outcome,
            names: Vec::new(),
            more_names: 0,
            failures: Vec::new(),
            more_failures: 0,
            noted: Vec::new(),
        };
        for name in names {
            if flash.names.len() < MAX_NAMES {
                flash.names.push(cut(name.as_ref(), MAX_NAME_CHARS));
            } else {
                flash.more_names += 1;
            }
        }
        flash
    }

    pub fn with_failures<N: AsRef<str>, R: AsRef<str>>(mut self, failures: impl IntoIterator<Item = (N, R)>) -> Flash {
        for (name, reason) in failures {
            if self.failures.len() < MAX_FAILURES {
                self.failures.push(Failure {
                    name: cut(name.as_ref(), MAX_NAME_CHARS),
                    reason: cut(reason.as_ref(), MAX_REASON_CHARS),
                });
            } else {
                self.more_failures += 1;
            }
        }
        self
    }

    pub fn with_noted<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Flash {
        self.noted = names.into_iter().take(MAX_NAMES).map(|n| cut(n.as_ref(), MAX_NAME_CHARS)).collect();
        self
    }

    /// `jar` with this message in it, for the redirect that follows a change.
    pub fn store<K>(&self, jar: PrivateCookieJar<K>, secure: bool) -> PrivateCookieJar<K> {
        let value = serde_json::to_string(self).unwrap_or_default();
        let cookie = Cookie::build((FLASH_COOKIE, value))
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(cookie::time::Duration::minutes(5))
            .build();
        jar.add(cookie)
    }

    /// The message in `jar`, if any, and the jar without it (a message shows once). A cookie
    /// that does not decrypt or does not parse is no message, and is removed too (`headers`
    /// tell whether the request carried one at all).
    pub fn take<K>(jar: PrivateCookieJar<K>, headers: &HeaderMap) -> (PrivateCookieJar<K>, Option<Flash>) {
        let sealed = jar.get(FLASH_COOKIE);
        let flash = sealed.as_ref().and_then(|c| serde_json::from_str::<Flash>(c.value()).ok());
        let sent = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(';').any(|pair| pair.trim_start().starts_with(&format!("{FLASH_COOKIE}="))));
        let jar = if sealed.is_some() {
            jar.remove(Cookie::build(FLASH_COOKIE).path("/"))
        } else if sent {
            // The jar only removes cookies it could open: expire a forged one explicitly.
            jar.add(Cookie::build((FLASH_COOKIE, "")).path("/").max_age(cookie::time::Duration::ZERO))
        } else {
            jar
        };
        (jar, flash)
    }
}

/// The key flash cookies are sealed with (derived from the session key).
#[derive(Clone)]
pub struct FlashKey(Key);

impl std::fmt::Debug for FlashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlashKey(..)")
    }
}

impl From<FlashKey> for Key {
    fn from(key: FlashKey) -> Key {
        key.0
    }
}

impl FromRef<AppState> for FlashKey {
    fn from_ref(state: &AppState) -> FlashKey {
        state.flash_key.clone()
    }
}

impl FlashKey {
    pub fn new(key: Key) -> FlashKey {
        FlashKey(key)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn key(byte: u8) -> Key {
        Key::derive_from(&[byte; 32])
    }

    /// The `Cookie` header a browser would send back after `jar` was returned.
    fn sent_back(jar: &PrivateCookieJar) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let response = axum::response::IntoResponse::into_response((jar.clone(), ()));
        let cookies: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect();
        headers.insert(header::COOKIE, HeaderValue::from_str(&cookies.join("; ")).unwrap());
        headers
    }

    #[test]
    fn keeps_few_names_and_short_reasons() {
        let names: Vec<String> = (0..25).map(|i| format!("r{i}")).collect();
        let flash =
            Flash::new(Outcome::Deleted, &names).with_failures((0..5).map(|i| (format!("f{i}"), "x".repeat(1000))));
        assert_eq!(flash.names.len(), MAX_NAMES);
        assert_eq!(flash.more_names, 15);
        assert_eq!(flash.failures.len(), MAX_FAILURES);
        assert_eq!(flash.more_failures, 2);
        assert_eq!(flash.failures[0].reason.chars().count(), MAX_REASON_CHARS + 1, "cut, with an ellipsis");
        let long = Flash::new(Outcome::Added, ["n".repeat(10_000)]);
        let stored = long.store(PrivateCookieJar::new(key(7)), false);
        let header = sent_back(&stored);
        assert!(header[header::COOKIE].len() < 1024, "the cookie stays small");
    }

    #[test]
    fn round_trips_once_and_ignores_other_keys() {
        let flash = Flash::new(Outcome::Deleted, ["a", "b"]).with_failures([("c", "blocked")]);
        let jar = flash.store(PrivateCookieJar::new(key(1)), true);
        let headers = sent_back(&jar);
        let reading = PrivateCookieJar::from_headers(&headers, key(1));
        let (_, read) = Flash::take(reading, &headers);
        assert_eq!(read, Some(flash));
        let foreign = PrivateCookieJar::from_headers(&headers, key(2));
        assert_eq!(Flash::take(foreign, &headers).1, None, "sealed with another key: no message");
    }
}
