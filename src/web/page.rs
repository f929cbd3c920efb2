//! The page kit: what every screen's handler starts from. [`Screen`] bundles the request's
//! context and the selected cluster (with a client that calls Elasticsearch as the signed-in
//! user); [`ValidQuery`] reads a query string or answers with the panel's 400 page; [`render`]
//! turns a template into a response.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;

use super::AppState;
use super::auth::CurrentUser;
use super::chrome::{Chrome, Nav};
use super::context::{self, RequestContext};
use super::error::{AppError, AppResult};
use crate::es::EsClient;
use crate::i18n::{Message, Tr};

/// What a screen's handler needs to build a page: the request's context and the cluster it
/// works on. `Chrome` comes from it with [`Screen::chrome`].
#[derive(Debug, Clone)]
pub struct Screen {
    pub context: RequestContext,
    pub cluster: Cluster,
}

impl Screen {
    /// The translator of the request's language.
    pub fn tr(&self) -> Tr {
        self.context.tr()
    }

    /// The client of the selected cluster, as the signed-in user.
    pub fn client(&self) -> &EsClient {
        &self.cluster.client
    }

    /// Writes the audit line of `event`, made by the signed-in user on this cluster.
    pub fn record(&self, event: &crate::audit::Event) {
        event.record(self.cluster.user.audit_name(), &self.cluster.name);
    }

    /// The page frame of navigation section `nav`, with the cluster's header.
    pub async fn chrome(&self, nav: Nav) -> AppResult<Chrome> {
        Chrome::load(&self.context, &self.cluster, nav).await
    }
}

impl FromRequestParts<AppState> for Screen {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let context = RequestContext::from_request_parts(parts, state).await?;
        let cluster = Cluster::from_request_parts(parts, state).await?;
        Ok(Screen { context, cluster })
    }
}

/// The cluster this request works on (picked by the switcher's cookie), with a client that
/// calls Elasticsearch as the signed-in user.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub name: String,
    pub client: EsClient,
    pub user: CurrentUser,
}

impl FromRequestParts<AppState> for Cluster {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let chosen = context::cookie(&parts.headers, context::CLUSTER_COOKIE);
        let user = parts.extensions.get::<CurrentUser>().cloned().unwrap_or_default();
        let client = state.client_for(chosen.as_deref(), &user);
        Ok(Cluster { name: state.cluster(chosen.as_deref()).name.clone(), client, user })
    }
}

/// A query string read into `T`, or the panel's own 400 page (axum's default is plain text).
pub struct ValidQuery<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(value)| ValidQuery(value))
            .map_err(|rejection| {
                AppError::BadRequest(Message::new("error-bad-query").arg("detail", rejection.body_text()))
            })
    }
}

/// The path and query of a request's URI, as the "not found" page names it.
pub fn path_and_query(uri: &axum::http::Uri) -> String {
    uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into())
}

/// Renders a template into a response body.
pub fn render(template: &impl Template) -> AppResult<Html<String>> {
    Ok(Html(template.render().map_err(AppError::Render)?))
}

/// A sortable column header of a list: its label's catalog key, the link that sorts by it, and
/// its state. Following the current column's link flips the direction; another column's link
/// sorts ascending.
pub struct SortLink {
    pub label_key: String,
    pub href: String,
    /// `none`, `ascending` or `descending`, as `aria-sort` wants it.
    pub aria_sort: &'static str,
}

impl SortLink {
    /// `href` gets whether the link sorts descending.
    pub fn new(
        label_key: impl Into<String>,
        current: bool,
        descending: bool,
        href: impl FnOnce(bool) -> String,
    ) -> SortLink {
        SortLink {
            label_key: label_key.into(),
            href: href(current && !descending),
            aria_sort: match (current, descending) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            },
        }
    }
}

/// The search text as a query-string pair (`q=...`), for links that keep it.
pub fn search_pair(q: &str) -> String {
    serde_urlencoded::to_string([("q", q)]).unwrap_or_default()
}
