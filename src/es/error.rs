//! What can go wrong talking to Elasticsearch, one variant per thing a user must do differently.
//!
//! A refused connection, a timeout, a TLS failure and a server that is not Elasticsearch at all
//! each get their own variant, because each has a different fix. An error answered by
//! Elasticsearch itself keeps its `type` and `reason` verbatim: those are the answer.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, thiserror::Error)]
pub enum EsError {
    /// Nothing accepted the connection (refused, no route, DNS failure).
    #[error("cannot reach {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// The node accepted but did not answer in time.
    #[error("{url} did not answer within {after:?}")]
    Timeout { url: String, after: Duration },
    /// The TLS handshake failed: unknown CA, wrong host name, plain HTTP on a TLS port...
    #[error("TLS handshake with {url} failed: {detail}")]
    Tls { url: String, detail: String },
    /// The connection broke while the request or the answer was under way (the node died or
    /// restarted, a proxy cut it). The request may or may not have been applied, so it is not
    /// sent to another node.
    #[error("the connection to {url} was lost: {detail}")]
    ConnectionLost { url: String, detail: String },
    /// Something answered, but not the way Elasticsearch does.
    #[error("{url} does not look like Elasticsearch: {detail}")]
    NotElasticsearch { url: String, detail: String },
    /// Elasticsearch refused the request and said why.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request was not sent: a name that cannot stand in a URL path (`.`, `..`) or, for an
    /// action on one index, an expression (`a,b`, `logs-*`) that would act on several.
    #[error("not a single index or name: {name:?} ({reason})")]
    InvalidName { name: String, reason: &'static str },
    /// All configured node URLs failed; each attempt is kept so the page can show what was tried.
    #[error("no Elasticsearch node could be reached ({} tried)", attempts.len())]
    AllNodesFailed { attempts: Vec<EsError> },
}

impl EsError {
    /// The HTTP status Elasticsearch answered, when it answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            EsError::Api(api) => Some(api.status),
            _ => None,
        }
    }

    /// The error `type` from an Elasticsearch error body.
    pub fn es_type(&self) -> Option<&str> {
        match self {
            EsError::Api(api) => Some(&api.error_type),
            _ => None,
        }
    }

    /// The error in one line for a report: `[type] reason` when Elasticsearch answered, the
    /// transport's account otherwise.
    pub fn reason(&self) -> String {
        match self {
            EsError::Api(api) => api.typed_reason(),
            other => other.to_string(),
        }
    }
}

/// An error body from Elasticsearch: `{"error":{"root_cause":[..],"type":..,"reason":..},"status":N}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub error_type: String,
    pub reason: String,
    pub root_causes: Vec<Cause>,
    /// A `caused_by` chain's innermost reason, often the most specific explanation.
    pub caused_by: Option<Cause>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cause {
    #[serde(rename = "type", default)]
    pub error_type: String,
    #[serde(default)]
    pub reason: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {} (HTTP {})", self.error_type, self.reason, self.status)
    }
}

impl ApiError {
    /// `[type] reason`, as a one-line report shows Elasticsearch's refusal.
    pub fn typed_reason(&self) -> String {
        format!("[{}] {}", self.error_type, self.reason)
    }

    /// The reason with the innermost `caused_by` reason after it in brackets, when that one
    /// says something more.
    pub fn reason_with_cause(&self) -> String {
        match self.caused_by.as_ref().and_then(|c| c.reason.as_deref()) {
            Some(cause) if cause != self.reason => format!("{} ({cause})", self.reason),
            _ => self.reason.clone(),
        }
    }

    /// Reads an error body. Older versions and some proxies send `{"error":"text"}`; anything
    /// that is not JSON at all keeps its first bytes as the reason.
    pub fn from_body(status: u16, body: &[u8]) -> ApiError {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        match parsed.as_ref().and_then(|v| v.get("error")) {
            Some(Value::Object(obj)) => {
                let text = |key: &str| obj.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
                let root_causes = obj
                    .get("root_cause")
                    .and_then(|v| serde_json::from_value::<Vec<Cause>>(v.clone()).ok())
                    .unwrap_or_default();
                ApiError {
                    status,
                    error_type: text("type"),
                    reason: text("reason"),
                    root_causes,
                    caused_by: innermost_cause(obj.get("caused_by")),
                }
            }
            Some(Value::String(reason)) => ApiError {
                status,
                error_type: String::new(),
                reason: reason.clone(),
                root_causes: Vec::new(),
                caused_by: None,
            },
            _ => ApiError {
                status,
                error_type: String::new(),
                reason: String::from_utf8_lossy(&body[..body.len().min(300)]).trim().to_owned(),
                root_causes: Vec::new(),
                caused_by: None,
            },
        }
    }
}

fn innermost_cause(mut cause: Option<&Value>) -> Option<Cause> {
    let mut last = None;
    while let Some(value) = cause {
        last = serde_json::from_value::<Cause>(value.clone()).ok().or(last);
        cause = value.get("caused_by");
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_full_envelope_and_innermost_cause() {
        let body = br#"{"error":{"root_cause":[{"type":"x","reason":"rx"}],"type":"t","reason":"r",
            "caused_by":{"type":"a","reason":"ra","caused_by":{"type":"b","reason":"rb"}}},"status":400}"#;
        let e = ApiError::from_body(400, body);
        assert_eq!(e.error_type, "t");
        assert_eq!(e.reason, "r");
        assert_eq!(e.root_causes[0].error_type, "x");
        assert_eq!(e.caused_by.unwrap().reason.as_deref(), Some("rb"));
    }

    #[test]
    fn reads_string_error_and_garbage() {
        assert_eq!(ApiError::from_body(400, br#"{"error":"no handler found"}"#).reason, "no handler found");
        assert_eq!(ApiError::from_body(502, b"<html>Bad gateway</html>").reason, "<html>Bad gateway</html>");
    }
}
