//! The panel's one error type. Each variant knows its HTTP status and how it reads to a user;
//! the page says what was tried, why it failed, and the request id to find it in the log.
//!
//! An error does not render itself: `AppError::into_response` attaches an [`ErrorReport`] to
//! an empty response, layers on the way out add what they know (the sign-in layer: who asked,
//! and which privileges Elasticsearch's 403 was about), and [`render_errors`], which holds the
//! request's context, logs it once and renders the page or htmx fragment once.

use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::chrome::{Chrome, Nav};
use super::context::RequestContext;
use crate::es::EsError;
use crate::i18n::{Message, Tr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Talking to Elasticsearch failed, or Elasticsearch said no.
    #[error(transparent)]
    Es(#[from] EsError),
    /// A page or resource that does not exist (message key and the thing not found).
    #[error("not found: {0}")]
    NotFound(String),
    /// A request the panel cannot act on.
    #[error("bad request: {}", .0.key)]
    BadRequest(Message),
    /// A template failed to render: a bug, never the user's fault.
    #[error("template rendering failed: {0}")]
    Render(#[from] askama::Error),
    /// A state-changing request without a valid CSRF token.
    #[error("missing or invalid CSRF token")]
    CsrfRejected,
    /// `--auth proxy`: the request did not come through the trusted proxy with a user name.
    #[error("no user named by a trusted proxy")]
    NoProxyUser,
    /// A form body larger than the panel reads.
    #[error("request body too large")]
    TooLarge,
    /// A body that did not arrive in time (a client trickling it to hold a connection).
    #[error("request body not received in time")]
    BodyTimeout,
    /// A method the route does not take (a GET on a form's POST address, say).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A body in a format the route does not read (not a form).
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// A form that could not be read into the route's fields.
    #[error("unprocessable form: {}", .0.key)]
    Unprocessable(Message),
}

pub type AppResult<T> = Result<T, AppError>;

/// One failed attempt, for the "what was tried" list.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub url: String,
    pub problem: String,
}

/// An error as the page shows it.
#[derive(Debug, Clone)]
pub struct ErrorView {
    pub status: u16,
    pub title: String,
    pub explanation: String,
    /// Elasticsearch's own `type` and `reason`, shown verbatim.
    pub es_type: Option<String>,
    pub es_reason: Option<String>,
    pub attempts: Vec<Attempt>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Es(EsError::Timeout { .. }) => StatusCode::GATEWAY_TIMEOUT,
            AppError::Es(EsError::InvalidName { .. }) => StatusCode::BAD_REQUEST,
            AppError::Es(EsError::Api(api)) if (400..500).contains(&api.status) => {
                StatusCode::from_u16(api.status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            AppError::Es(_) => StatusCode::BAD_GATEWAY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::NoProxyUser => StatusCode::UNAUTHORIZED,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    pub fn view(&self, tr: &Tr) -> ErrorView {
        let status = self.status().as_u16();
        let mut view = ErrorView {
            status,
            title: String::new(),
            explanation: String::new(),
            es_type: None,
            es_reason: None,
            attempts: Vec::new(),
        };
        match self {
            AppError::Es(error) => describe_es(error, tr, &mut view),
            AppError::NotFound(what) => {
                view.title = tr.t("error-not-found-title");
                view.explanation = tr.t1("error-not-found", "what", what);
            }
            AppError::BadRequest(message) | AppError::Unprocessable(message) => {
                view.title = tr.t("error-bad-request-title");
                view.explanation = message.render(tr);
            }
            fixed => {
                // Variants whose page is always the same two messages.
                let (title, explanation) = match fixed {
                    AppError::CsrfRejected => ("error-csrf-title", "error-csrf"),
                    AppError::NoProxyUser => ("error-proxy-title", "error-proxy"),
                    AppError::TooLarge => ("error-bad-request-title", "error-too-large"),
                    AppError::BodyTimeout => ("error-bad-request-title", "error-body-timeout"),
                    AppError::MethodNotAllowed => ("error-bad-request-title", "error-method"),
                    AppError::UnsupportedMediaType => ("error-bad-request-title", "error-unsupported-type"),
                    _ => ("error-internal-title", "error-internal"),
                };
                view.title = tr.t(title);
                view.explanation = tr.t(explanation);
            }
        }
        view
    }
}

fn describe_es(error: &EsError, tr: &Tr, view: &mut ErrorView) {
    match error {
        EsError::Unreachable { url, detail } => {
            view.title = tr.t("error-unreachable-title");
            view.explanation = tr.t("error-unreachable");
            view.attempts.push(Attempt { url: url.clone(), problem: detail.clone() });
        }
        EsError::Timeout { url, after } => {
            view.title = tr.t("error-timeout-title");
            view.explanation = tr.t1("error-timeout", "seconds", &after.as_secs().to_string());
            view.attempts.push(Attempt { url: url.clone(), problem: tr.t("error-timeout-attempt") });
        }
        EsError::Tls { url, detail } => {
            view.title = tr.t("error-tls-title");
            view.explanation = tr.t("error-tls");
            view.attempts.push(Attempt { url: url.clone(), problem: detail.clone() });
        }
        EsError::NotElasticsearch { url, detail } => {
            view.title = tr.t("error-not-es-title");
            view.explanation = tr.t("error-not-es");
            view.attempts.push(Attempt { url: url.clone(), problem: detail.clone() });
        }
        EsError::ConnectionLost { url, detail } => {
            view.title = tr.t("error-connection-lost-title");
            view.explanation = tr.t("error-connection-lost");
            view.attempts.push(Attempt { url: url.clone(), problem: detail.clone() });
        }
        EsError::InvalidName { name, .. } => {
            view.title = tr.t("error-bad-request-title");
            view.explanation = tr.t1("error-invalid-name", "name", name);
        }
        EsError::AllNodesFailed { attempts } => {
            view.title = tr.t("error-unreachable-title");
            view.explanation = tr.t("error-all-nodes");
            for attempt in attempts {
                let mut inner = ErrorView { attempts: Vec::new(), ..view.clone() };
                describe_es(attempt, tr, &mut inner);
                view.attempts.extend(inner.attempts);
            }
        }
        EsError::Api(api) => {
            view.title = tr.t("error-es-title");
            view.explanation = match api.status {
                401 => tr.t("error-es-401"),
                403 => tr.t("error-es-403"),
                404 => tr.t("error-es-404"),
                500.. => tr.t("error-es-5xx"),
                _ => tr.t("error-es-400"),
            };
            if !api.error_type.is_empty() {
                view.es_type = Some(api.error_type.clone());
            }
            view.es_reason = Some(api.reason_with_cause());
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    error: ErrorView,
    privileges: Vec<PrivilegeCheck>,
}

#[derive(Template)]
#[template(path = "_error_fragment.html")]
struct ErrorFragment {
    chrome: Chrome,
    error: ErrorView,
}

/// One privilege checked with `_has_privileges` after Elasticsearch answered 403.
#[derive(Debug, Clone)]
pub struct PrivilegeCheck {
    /// `cluster` or the index pattern.
    pub resource: String,
    pub privilege: String,
    pub held: bool,
}

/// An error on its way out, attached to the response: rendered by [`render_errors`].
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub error: Arc<AppError>,
    /// Filled in by the sign-in layer when Elasticsearch refused with 403.
    pub privileges: Vec<PrivilegeCheck>,
    /// The signed-in user, filled in by the sign-in layer (for the page's frame).
    pub user: Option<String>,
}

impl ErrorReport {
    /// The HTTP status Elasticsearch answered with, when the error is its refusal.
    pub fn es_status(&self) -> Option<u16> {
        match self.error.as_ref() {
            AppError::Es(EsError::Api(api)) => Some(api.status),
            _ => None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(ErrorReport { error: Arc::new(self), privileges: Vec::new(), user: None });
        response
    }
}

/// Middleware: renders every response that carries an [`ErrorReport`] as the error page (or
/// an error fragment for htmx), in the language of the request, and logs the error once with
/// the id the page shows.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let context = request.extensions().get::<RequestContext>().cloned().unwrap_or_default();
    let response = next.run(request).await;
    let Some(report) = response.extensions().get::<ErrorReport>().cloned() else { return response };
    let status = report.error.status();
    if status.is_server_error() {
        tracing::error!(request_id = %context.request_id, error = %report.error, "request failed");
    } else {
        tracing::info!(request_id = %context.request_id, error = %report.error, "request refused");
    }
    let context = RequestContext { user: report.user.clone(), ..context };
    let error = report.error.view(&context.tr());
    let chrome = Chrome::bare(&context, Nav::None);
    let rendered = if context.htmx {
        ErrorFragment { chrome, error }.render()
    } else {
        ErrorPage { chrome, error, privileges: report.privileges }.render()
    };
    let (mut parts, _) = response.into_parts();
    parts.status = status;
    parts.extensions.remove::<ErrorReport>();
    parts.headers.remove(header::CONTENT_LENGTH);
    match rendered {
        Ok(html) => {
            parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            // htmx puts an error in the page's alert area, not in place of the element that
            // asked (a preview panel, a status cell), which would then be gone for the next
            // request.
            if context.htmx {
                parts.headers.insert(axum_htmx::HX_RETARGET, HeaderValue::from_static("#htmx-errors"));
                parts.headers.insert(axum_htmx::HX_RESWAP, HeaderValue::from_static("innerHTML"));
            }
            Response::from_parts(parts, Body::from(html))
        }
        // Rendering the error page itself failed: plain text beats a blank page.
        Err(e) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("internal error ({e}); request id {}", context.request_id))
                .into_response()
        }
    }
}
