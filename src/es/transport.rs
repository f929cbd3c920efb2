//! The HTTP layer under the client: node failover, authentication, timeouts, and turning
//! whatever came back into either bytes of a 2xx answer or an [`EsError`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::error::{ApiError, EsError};
use super::routes::Route;

/// How the panel proves who it is to Elasticsearch. `Debug` never shows the secret.
#[derive(Clone)]
pub enum Auth {
    Basic { username: String, password: SecretString },
    ApiKey(SecretString),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Auth::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
        }
    }
}

impl Auth {
    /// The user name to show and log, never the secret.
    pub fn principal(&self) -> &str {
        match self {
            Auth::Basic { username, .. } => username,
            Auth::ApiKey(_) => "api-key",
        }
    }
}

/// Settings for reaching one cluster.
#[derive(Debug, Clone)]
pub struct EsConfig {
    /// Node base URLs, tried in turn when one cannot be reached. Never holds credentials.
    pub urls: Vec<Url>,
    pub auth: Option<Auth>,
    /// PEM of a private CA to trust in addition to the public roots.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Skip certificate checks (for test clusters with self-signed certificates only).
    pub insecure: bool,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the CA certificate is not valid PEM: {0}")]
    BadCaCert(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// One request, ready to send to any node.
pub(crate) struct Outgoing<'a> {
    pub route: &'a Route,
    /// The filled-in path.
    pub path: String,
    pub query: &'a [(&'a str, &'a str)],
    /// The JSON body, already serialized.
    pub body: Option<Vec<u8>>,
    /// A shorter wait than the client's timeout, for this request only.
    pub timeout: Option<Duration>,
}

impl<'a> Outgoing<'a> {
    pub fn new<B: Serialize + ?Sized>(
        route: &'a Route,
        path: String,
        query: &'a [(&'a str, &'a str)],
        body: Option<&B>,
    ) -> Outgoing<'a> {
        let body = body.map(|b| serde_json::to_vec(b).expect("request bodies always serialize"));
        Outgoing { route, path, query, body, timeout: None }
    }
}

/// The answer to one request that Elasticsearch accepted (2xx).
pub(crate) struct Answer {
    pub status: u16,
    pub url: String,
    pub body: bytes::Bytes,
}

pub(crate) struct Transport {
    http: reqwest::Client,
    urls: Vec<Url>,
    /// The node that answered last: start there next time instead of waiting on a dead one.
    preferred: AtomicUsize,
    timeout: Duration,
}

/// Connections kept open to each node between requests.
const IDLE_CONNECTIONS_PER_NODE: usize = 8;

/// How long a connection may stay idle before it is closed (reqwest's default is 90 s): after
/// a burst its buffers go with it, while someone clicking through the screens keeps reusing it.
pub const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(20);

impl Transport {
    pub fn new(config: &EsConfig) -> Result<Arc<Transport>, ConfigError> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("ccr-panel/", env!("CARGO_PKG_VERSION")))
            // A burst of users opens as many connections as it needs, but only a few stay
            // open afterwards: each idle one keeps buffers sized for the largest answer it
            // read (measured: 95 idle connections held most of 20 MB after 64 users at
            // 10,000 followers; BENCHMARKS.md).
            .pool_max_idle_per_host(IDLE_CONNECTIONS_PER_NODE)
            .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT)
            .danger_accept_invalid_certs(config.insecure);
        if let Some(pem) = &config.ca_cert_pem {
            for cert in reqwest::Certificate::from_pem_bundle(pem).map_err(|e| ConfigError::BadCaCert(e.to_string()))? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| ConfigError::Client(e.to_string()))?;
        Ok(Arc::new(Transport {
            http,
            urls: config.urls.clone(),
            preferred: AtomicUsize::new(0),
            timeout: config.timeout,
        }))
    }

    pub fn urls(&self) -> &[Url] {
        &self.urls
    }

    /// The configured per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request, failing over to the next node only when a node cannot be reached at
    /// all: a timeout may mean the request was applied, so it is not sent twice.
    pub async fn send(&self, auth: Option<&Auth>, request: &Outgoing<'_>) -> Result<Answer, EsError> {
        let start = self.preferred.load(Ordering::Relaxed);
        let mut attempts = Vec::new();
        for offset in 0..self.urls.len() {
            let index = (start + offset) % self.urls.len();
            match self.send_to(&self.urls[index], auth, request).await {
                Err(error @ EsError::Unreachable { .. }) => {
                    tracing::warn!(node = %self.urls[index], %error, "node unreachable, trying the next one");
                    attempts.push(error);
                }
                other => {
                    self.preferred.store(index, Ordering::Relaxed);
                    return other;
                }
            }
        }
        if attempts.len() == 1 {
            return Err(attempts.pop().expect("one attempt"));
        }
        Err(EsError::AllNodesFailed { attempts })
    }

    async fn send_to(&self, base: &Url, auth: Option<&Auth>, outgoing: &Outgoing<'_>) -> Result<Answer, EsError> {
        let Outgoing { route, path, query, body, timeout } = outgoing;
        let (path, timeout) = (path.as_str(), *timeout);
        let url = join(base, path);
        let shown = url.to_string();
        let mut request = self.http.request(route.method.clone(), url).query(query);
        if let Some(limit) = timeout {
            request = request.timeout(limit);
        }
        request = match auth {
            // reqwest marks both headers sensitive, which keeps them out of any debug print.
            Some(Auth::Basic { username, password }) => request.basic_auth(username, Some(password.expose_secret())),
            Some(Auth::ApiKey(key)) => {
                let mut value = HeaderValue::from_str(&format!("ApiKey {}", key.expose_secret()))
                    .unwrap_or_else(|_| HeaderValue::from_static("ApiKey invalid"));
                value.set_sensitive(true);
                request.header(AUTHORIZATION, value)
            }
            None => request,
        };
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        let started = Instant::now();
        let limit = timeout.unwrap_or(self.timeout);
        let response = request.send().await.map_err(|e| self.classify(&shown, &e, limit))?;
        let status = response.status().as_u16();
        let is_json =
            response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.starts_with("application/json") || v.starts_with("application/vnd.elasticsearch+json")
            });
        let bytes = response.bytes().await.map_err(|e| self.classify(&shown, &e, limit))?;
        tracing::debug!(api = route.api, method = %route.method, path, status, elapsed_ms = started.elapsed().as_millis() as u64, "elasticsearch request");
        if (200..300).contains(&status) || (route.method == Method::HEAD && status == 404) {
            return Ok(Answer { status, url: shown, body: bytes });
        }
        if !is_json && !bytes.is_empty() {
            return Err(EsError::NotElasticsearch {
                url: shown,
                detail: format!("HTTP {status} with a body that is not Elasticsearch JSON: {}", snippet(&bytes)),
            });
        }
        Err(EsError::Api(Box::new(ApiError::from_body(status, &bytes))))
    }

    fn classify(&self, url: &str, error: &reqwest::Error, limit: Duration) -> EsError {
        let chain = error_chain(error);
        tracing::debug!(%url, %chain, "request to Elasticsearch failed");
        let url = url.to_owned();
        if error.is_timeout() {
            EsError::Timeout { url, after: limit }
        } else if is_tls_failure(error) || chain.contains("certificate") {
            EsError::Tls { url, detail: innermost(error) }
        } else if error.is_connect() {
            // "connection refused (os error 111)" says it all; the wrappers around it do not.
            EsError::Unreachable { url, detail: innermost(error) }
        } else if error.is_body() || error.is_decode() || is_lost_connection(error, &chain) {
            EsError::ConnectionLost { url, detail: innermost(error) }
        } else {
            EsError::NotElasticsearch { url, detail: chain }
        }
    }
}

/// Whether the connection broke mid-exchange: an I/O error of the broken-connection kinds, or
/// hyper's "closed before message completed" (an answer cut short), anywhere in the chain.
/// A server answering with something that is not HTTP at all stays "not Elasticsearch".
fn is_lost_connection(error: &(dyn std::error::Error + 'static), chain: &str) -> bool {
    use std::io::ErrorKind;
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
                    | ErrorKind::NotConnected
            )
        {
            return true;
        }
        current = e.source();
    }
    ["connection closed before message completed", "connection reset", "broken pipe", "unexpected eof"]
        .iter()
        .any(|words| chain.contains(words))
}

/// Whether a rustls error sits anywhere in the chain. reqwest wraps it in hyper errors and in
/// `io::Error`s, whose `source()` skips the error they wrap, so those are opened by hand.
fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    if let Some(io) = error.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
        && is_tls_failure(inner)
    {
        return true;
    }
    error.source().is_some_and(is_tls_failure)
}

/// The deepest cause's message, which names what actually went wrong.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(inner) = deepest.source() {
        deepest = inner;
    }
    deepest.to_string()
}

/// The error and all its sources on one line, lower-cased words kept as written.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ").to_lowercase().replace("error sending request for url", "request failed")
}

pub(crate) fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Appends an API path to a node URL that may itself carry a path prefix (`https://h/es/`).
fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let auth = Auth::Basic { username: "elastic".into(), password: SecretString::from("hunter2") };
        assert!(!format!("{auth:?}").contains("hunter2"));
        assert!(!format!("{:?}", Auth::ApiKey(SecretString::from("k3y"))).contains("k3y"));
    }

    #[test]
    fn join_keeps_a_path_prefix() {
        let base = Url::parse("https://h:9200/es/").unwrap();
        assert_eq!(join(&base, "/_remote/info").as_str(), "https://h:9200/es/_remote/info");
        let base = Url::parse("http://h:9200").unwrap();
        assert_eq!(join(&base, "/a%2Fb/_doc").as_str(), "http://h:9200/a%2Fb/_doc");
    }
}
