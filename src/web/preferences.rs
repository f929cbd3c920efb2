//! The language and cluster switchers: plain forms that set a cookie and go back.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::AppState;
use super::context::{CLUSTER_COOKIE, LANG_COOKIE};
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new().route("/preferences/language", post(set_language)).route("/preferences/cluster", post(set_cluster))
}

#[derive(Deserialize)]
struct LanguageForm {
    lang: String,
    #[serde(default)]
    return_to: String,
}

#[derive(Deserialize)]
struct ClusterForm {
    cluster: String,
    #[serde(default)]
    return_to: String,
}

/// Only paths on this site: `//evil.example` or `https://...` would make an open redirect.
pub fn safe_return_path(path: &str) -> &str {
    // Browsers drop tabs and newlines from URLs and read `\` as `/`, so `/\t/evil.example`
    // would become `//evil.example`: refuse any control character, space or backslash.
    let local = path.starts_with('/') && !path.starts_with("//");
    let clean = !path.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if local && clean { path } else { "/" }
}

/// A preference cookie for a year, `Secure` when the panel is served over TLS (or told that
/// a proxy in front of it is: `--secure-cookies`).
fn set_cookie_and_return(state: &AppState, name: &'static str, value: String, return_to: &str) -> Response {
    let cookie = Cookie::build((name, value))
        .path("/")
        .max_age(cookie::time::Duration::days(365))
        .same_site(SameSite::Strict)
        .http_only(true)
        .secure(state.auth.sessions.secure);
    (CookieJar::new().add(cookie), Redirect::to(safe_return_path(return_to))).into_response()
}

async fn set_language(State(state): State<AppState>, Form(form): Form<LanguageForm>) -> Response {
    let lang = Lang::from_tag(&form.lang).unwrap_or_default();
    set_cookie_and_return(&state, LANG_COOKIE, lang.tag().to_owned(), &form.return_to)
}

async fn set_cluster(State(state): State<AppState>, Form(form): Form<ClusterForm>) -> Response {
    // Only a configured name is stored; anything else falls back to the default cluster.
    let name = state.cluster(Some(&form.cluster)).name.clone();
    set_cookie_and_return(&state, CLUSTER_COOKIE, name, &form.return_to)
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(safe_return_path("/remote-clusters?q=a"), "/remote-clusters?q=a");
        assert_eq!(safe_return_path("//evil.example/x"), "/");
        assert_eq!(safe_return_path("https://evil.example"), "/");
        assert_eq!(safe_return_path("/\\evil.example"), "/");
        assert_eq!(safe_return_path("/\t/evil.example"), "/");
        assert_eq!(safe_return_path("/\n/evil.example"), "/");
        assert_eq!(safe_return_path("/ /evil.example"), "/");
        assert_eq!(safe_return_path(""), "/");
    }
}
