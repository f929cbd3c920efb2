//! Test helpers with intent-revealing names: simulated clusters, the panel, HTTP, HTML.

#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use ccr_panel::es::EsClient;
use ccr_panel::sim::{SimConfig, SimServer};
use ccr_panel::web::auth::AuthSettings;
use ccr_panel::{AppState, ManagedCluster, app, demo};
use http_body_util::BodyExt;
use scraper::{Html, Selector};
use tower::ServiceExt;

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A simulated cluster with default settings (8.15.0, trial license).
pub async fn start_sim(name: &str) -> SimServer {
    start_sim_with(SimConfig::new(name)).await
}

pub async fn start_sim_with(config: SimConfig) -> SimServer {
    SimServer::start(config, loopback(), loopback()).await.expect("simulator starts")
}

pub fn client(server: &SimServer) -> EsClient {
    demo::client_for(server)
}

/// The panel managing one simulated cluster, as an in-process router.
pub fn panel_for(server: &SimServer) -> axum::Router {
    app(AppState::new(vec![ManagedCluster { name: "local".into(), client: client(server) }], AuthSettings::anonymous()))
}

/// The panel managing a client of any kind (e.g. one pointing at nothing).
pub fn panel_with(client: EsClient) -> axum::Router {
    app(AppState::new(vec![ManagedCluster { name: "local".into(), client }], AuthSettings::anonymous()))
}

/// A client for URLs that are not simulators (closed ports, fake servers).
pub fn client_at(urls: &[String], timeout: Duration) -> EsClient {
    EsClient::new(ccr_panel::es::EsConfig {
        urls: urls.iter().map(|u| u.parse().unwrap()).collect(),
        auth: None,
        ca_cert_pem: None,
        insecure: false,
        timeout,
    })
    .unwrap()
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The trimmed text of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&selector)
            .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    pub fn text(&self, selector: &str) -> String {
        self.texts(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element matches {selector} in:\n{}", self.body))
    }

    pub fn attr(&self, selector: &str, attr: &str) -> Option<String> {
        let selector = Selector::parse(selector).expect("valid selector");
        self.html().select(&selector).next().and_then(|e| e.value().attr(attr)).map(str::to_owned)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request through the router without a socket.
pub async fn send(router: &axum::Router, request: Request<Body>) -> Page {
    let response = router.clone().oneshot(request).await.expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub async fn get(router: &axum::Router, path: &str) -> Page {
    send(router, Request::get(path).body(Body::empty()).unwrap()).await
}

pub async fn get_with(router: &axum::Router, path: &str, headers: &[(&str, &str)]) -> Page {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(router, request.body(Body::empty()).unwrap()).await
}

/// Posts a URL-encoded form with a valid CSRF token, as a browser without JavaScript does.
pub async fn post_form(router: &axum::Router, path: &str, fields: &[(&str, &str)]) -> Page {
    Visitor::new(router).post_form(path, fields).await
}

/// Posts a form exactly as given: no token (a forged cross-site request), optional cookie.
pub async fn post_form_raw(router: &axum::Router, path: &str, fields: &[(&str, &str)], cookie: Option<&str>) -> Page {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let mut request = Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(router, request.body(Body::from(body)).unwrap()).await
}

/// A browser without JavaScript: keeps cookies and sends each form with the CSRF token of the
/// last page it was given (tokens are bound to the cookies, so a cookie change forgets it).
pub struct Visitor {
    router: axum::Router,
    cookies: std::collections::BTreeMap<String, String>,
    token: Option<String>,
    /// Extra headers on every request (`accept-language`...).
    pub headers: Vec<(String, String)>,
}

impl Visitor {
    pub fn new(router: &axum::Router) -> Visitor {
        Visitor { router: router.clone(), cookies: Default::default(), token: None, headers: Vec::new() }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// The CSRF token the visitor's forms carry (fetched from a page when it has none).
    pub async fn csrf_token(&mut self) -> String {
        if self.token.is_none() {
            // Every page carries the token in its language form; this one is public and asks
            // Elasticsearch nothing (it is a POST address: a GET gets the 405 page).
            self.get("/preferences/language").await;
        }
        self.token.clone().expect("pages carry a CSRF token")
    }

    fn keep_cookies(&mut self, page: &Page) {
        for value in page.headers.get_all("set-cookie") {
            self.token = None;
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Page {
        let mut request = request.header("cookie", self.cookie_header());
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let page = send(&self.router, request.body(body).unwrap()).await;
        self.keep_cookies(&page);
        if let Some(token) = page.attr("input[name=csrf]", "value") {
            self.token = Some(token);
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    /// Posts a form with the CSRF token (fetching one first if the visitor has none).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        let request = Request::post(path).header("content-type", "application/x-www-form-urlencoded");
        self.send(request, Body::from(body)).await
    }

    /// Sends the next requests to another panel instance, with the same cookies and token
    /// (one browser behind a load balancer).
    pub fn switch_to(&mut self, router: &axum::Router) {
        self.router = router.clone();
    }

    /// Follows a redirect answer with a GET.
    pub async fn follow(&mut self, page: &Page) -> Page {
        let location = page.header("location").unwrap_or_else(|| panic!("no redirect: {} {}", page.status, page.body));
        let location = location.to_owned();
        self.get(&location).await
    }
}

pub fn assert_redirect_to(page: &Page, location: &str) {
    assert!(page.status.is_redirection(), "expected a redirect, got {}: {}", page.status, page.body);
    assert_eq!(page.header("location"), Some(location));
}

/// Polls `check` until it holds or `timeout` passes; returns whether it held.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads a data file of `tests/fixtures` (copies of the REST spec and recorded examples).
pub fn fixture_file(relative: &str) -> String {
    let path = format!("{}/tests/fixtures/{relative}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture_json(relative: &str) -> serde_json::Value {
    serde_json::from_str(&fixture_file(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// A simulated cluster with security on and three users: `admin` (ccr_admin), `viewer`
/// (viewer) and `nobody` (no_access), each with the password `<name>-pw`, and an API key
/// `YWRtaW4ta2V5` that acts as `admin`.
pub async fn start_secured_sim(name: &str) -> SimServer {
    use ccr_panel::sim::security::{SimSecurity, SimUser};
    let user = |name: &str, role: &str| SimUser {
        name: name.into(),
        password: secrecy::SecretString::from(format!("{name}-pw")),
        roles: vec![role.into()],
    };
    let mut config = SimConfig::new(name);
    config.security = Some(SimSecurity {
        users: vec![user("admin", "ccr_admin"), user("viewer", "viewer"), user("nobody", "no_access")],
        api_keys: [("YWRtaW4ta2V5".to_owned(), "admin".to_owned())].into(),
    });
    start_sim_with(config).await
}

/// The panel in `--auth es` mode, with a fixed session key.
pub fn panel_signing_in(server: &SimServer) -> axum::Router {
    use ccr_panel::web::auth::{AuthMode, LoginLimiter};
    use ccr_panel::web::session::SessionConfig;
    let key = secrecy::SecretString::from("a-session-key-of-at-least-32-bytes!!".to_owned());
    let sessions =
        SessionConfig::new(Some(&key), Duration::from_secs(1800), Duration::from_secs(43_200), false).unwrap();
    let auth = AuthSettings { mode: AuthMode::Es, sessions, limiter: LoginLimiter::new(5, Duration::from_secs(300)) };
    app(AppState::new(vec![ManagedCluster { name: "local".into(), client: demo::client_for(server) }], auth))
}

/// Signs in through the form and returns the visitor holding the session.
pub async fn signed_in(panel: &axum::Router, user: &str) -> Visitor {
    let mut visitor = Visitor::new(panel);
    let password = format!("{user}-pw");
    let page = visitor.post_form("/login", &[("username", user), ("password", &password), ("next", "/")]).await;
    assert_redirect_to(&page, "/");
    visitor
}

/// The bodies of the `PUT _cluster/settings` requests the simulator received.
pub fn settings_puts(sim: &SimServer) -> Vec<serde_json::Value> {
    sim.sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path == "/_cluster/settings")
        .map(|r| r.body.unwrap_or(serde_json::Value::Null))
        .collect()
}

/// Adds a remote cluster directly through the cluster settings API.
pub async fn add_remote(sim: &SimServer, name: &str, seeds: &[&str]) {
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update.persistent.insert(format!("cluster.remote.{name}.seeds"), serde_json::json!(seeds));
    client(sim).put_cluster_settings(&update).await.unwrap();
}

/// A 7.17 leader (it still takes an index without soft deletes, as a legacy cluster does) and a
/// local cluster that has it as the connected remote `leader`: `(leader, local)`.
pub async fn legacy_leader_pair() -> (SimServer, SimServer) {
    let mut config = SimConfig::new("old-leader");
    config.version = ccr_panel::es::Version::new(7, 17, 0);
    let leader = start_sim_with(config).await;
    let local = start_sim("local").await;
    add_remote(&local, "leader", &[&leader.transport_address.to_string()]).await;
    let local_client = client(&local);
    let connected = eventually(Duration::from_secs(5), || async {
        local_client.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected)
    })
    .await;
    assert!(connected, "the local cluster connects to the 7.17 leader");
    (leader, local)
}

/// Posts the add form; returns the page (a redirect on success).
pub async fn submit(panel: &axum::Router, fields: &[(&str, &str)]) -> Page {
    post_form(panel, "/remote-clusters", fields).await
}

pub fn errors_on(page: &Page, field: &str) -> Vec<String> {
    page.texts(&format!("#{field}-messages .field-error"))
}

/// Creates auto-follow patterns that use `remote`, whatever its seeds. Elasticsearch refuses to
/// create a pattern while its remote cannot be reached, so the remote is pointed at a leader
/// started for the moment, then given back its own seeds (which may be down).
pub async fn put_patterns_using(sim: &SimServer, remote: &str, names: &[&str]) {
    let local = client(sim);
    let settings = local.cluster_settings().await.unwrap();
    let key = format!("cluster.remote.{remote}.seeds");
    let original = settings.persistent.get(&key).cloned().expect("the remote's seeds are persistent");
    let leader = start_sim("pattern-leader").await;
    add_remote(sim, remote, &[&leader.transport_address.to_string()]).await;
    let pattern = ccr_panel::es::AutoFollowPattern {
        active: true,
        remote_cluster: remote.into(),
        leader_index_patterns: vec!["logs-*".into()],
        leader_index_exclusion_patterns: vec![],
        follow_index_pattern: None,
        parameters: Default::default(),
    };
    for name in names {
        local.put_auto_follow_pattern(name, &pattern).await.unwrap();
    }
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update.persistent.insert(key, original);
    local.put_cluster_settings(&update).await.unwrap();
}

/// The panel's own log output (its real subscriber, in `format`) written on this thread while
/// the capture lives.
pub struct LogCapture {
    buffer: LogBuffer,
    _guard: tracing::subscriber::DefaultGuard,
}

#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Starts capturing lines at `filter` (`info`, `debug`).
    pub fn start(format: ccr_panel::logging::LogFormat, filter: &str) -> LogCapture {
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        let guard = tracing::subscriber::set_default(ccr_panel::logging::subscriber(
            format,
            tracing_subscriber::EnvFilter::new(filter),
            false,
            move || writer.clone(),
        ));
        // Other tests run on other threads with no subscriber: a call site they reached first
        // may have cached "nobody listens"; ask again now that this thread has one.
        tracing::callsite::rebuild_interest_cache();
        LogCapture { buffer, _guard: guard }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.0.lock().unwrap()).into_owned()
    }

    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }
}
