//! What every request carries besides its own data: the language, a request id, whether htmx
//! sent it. Set once by middleware, read by handlers (as an extractor) and by the error layer
//! (from the request's extensions).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_htmx::HxRequest;

use super::{AppState, csrf};
use crate::i18n::{Lang, Tr};

pub const LANG_COOKIE: &str = "ccr_lang";
pub const CLUSTER_COOKIE: &str = "ccr_cluster";

/// Per-request facts every page needs.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub lang: Lang,
    pub request_id: String,
    /// Sent by htmx: answer with a fragment, not a whole page.
    pub htmx: bool,
    /// The path and query, so forms like the language switcher can come back here.
    pub path: String,
    /// The cluster chosen in the switcher, if any.
    pub cluster: Option<String>,
    /// The CSRF token every form of this page carries (bound to the nonce cookie and the
    /// session, see `web::csrf`).
    pub csrf: String,
    /// Where "Try again" goes: this page for a GET, the page a form was on for a POST.
    pub retry_path: String,
    /// Names of the managed clusters and the chosen one, for the switcher (error pages too).
    pub clusters: Vec<String>,
    pub current_cluster: String,
    /// Whether people sign in (`--auth es`), for the sign-out button.
    pub signs_in: bool,
    /// The signed-in user's name (set by the sign-in layer), or `None`.
    pub user: Option<String>,
}

impl RequestContext {
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang)
    }

    fn from_headers(headers: &HeaderMap, path: String, csrf: String) -> RequestContext {
        let cookie_lang = cookie(headers, LANG_COOKIE).and_then(|v| Lang::from_tag(&v));
        let header_lang =
            headers.get("accept-language").and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language);
        RequestContext {
            lang: cookie_lang.or(header_lang).unwrap_or_default(),
            request_id: headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned(),
            path,
            cluster: cookie(headers, CLUSTER_COOKIE),
            csrf,
            ..RequestContext::default()
        }
    }
}

/// Middleware: builds the context, keeps it for the request's duration, and marks responses
/// that differ by htmx and language so caches keep them apart.
pub async fn with_context(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let asset = request.uri().path().starts_with("/static/");
    // Pages answer a fragment to htmx: read through axum-htmx's extractor, so its auto-`Vary`
    // layer marks those answers (and not the assets, which never differ) `Vary: HX-Request`.
    let (mut parts, body) = request.into_parts();
    let htmx = !asset && HxRequest::from_request_parts(&mut parts, &()).await.is_ok_and(|HxRequest(htmx)| htmx);
    let mut request = Request::from_parts(parts, body);
    let secure = state.auth.sessions.secure;
    let (nonce, new_nonce) = csrf::nonce(request.headers(), secure);
    // Assets are cached publicly: never hand out a nonce with them.
    let mint = new_nonce && !asset;
    let token = csrf::token_for(state.auth.sessions.csrf_key(), &nonce, &super::auth::csrf_identity(&state, &request));
    let mut context = RequestContext::from_headers(request.headers(), path.clone(), token);
    context.htmx = htmx;
    context.retry_path = if request.method() == axum::http::Method::GET {
        path
    } else {
        referer_path(request.headers()).unwrap_or_else(|| "/".into())
    };
    context.clusters = state.clusters.iter().map(|c| c.name.clone()).collect();
    context.current_cluster = state.cluster(context.cluster.as_deref()).name.clone();
    context.signs_in = state.auth.mode == super::auth::AuthMode::Es;
    request.extensions_mut().insert(context);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !asset {
        // The language comes from a cookie or `Accept-Language`.
        headers.append("vary", HeaderValue::from_static("Cookie, Accept-Language"));
    }
    // A handler that rotated the nonce (sign-in, sign-out) has the last word.
    let rotated = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&format!("{}=", csrf::cookie_name(secure)))));
    if mint
        && !rotated
        && let Ok(value) = HeaderValue::from_str(&csrf::cookie_header(&nonce, secure))
    {
        headers.append(header::SET_COOKIE, value);
    }
    // Pages carry a user's data and a CSRF token: no shared cache may keep them.
    let is_html =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if is_html && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<RequestContext>().cloned().unwrap_or_default())
    }
}

/// The path (and query) of the `Referer`, when it is one of this site's paths.
pub fn referer_path(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    Some(super::preferences::safe_return_path(url_path(referer)?).to_owned())
}

/// The path (and query) of a URL: what follows `scheme://host`, or the URL itself's first
/// `/` on when it has no scheme. `None` when there is no path at all.
pub fn url_path(url: &str) -> Option<&str> {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    after_scheme.find('/').map(|i| &after_scheme[i..])
}

/// One cookie's value from the `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::url_path;

    #[test]
    fn the_path_of_a_url() {
        assert_eq!(url_path("https://panel.example:8443/remote-clusters?q=a"), Some("/remote-clusters?q=a"));
        assert_eq!(url_path("http://panel.example"), None);
        assert_eq!(url_path("/already/a/path"), Some("/already/a/path"));
    }
}
