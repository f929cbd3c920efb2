//! Sign-in, sessions, CSRF, escaping and privileges: who may do what through the panel.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use ccr_panel::sim::SimServer;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn pages_need_a_sign_in_and_come_back_after_it() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let page = get(&panel, "/remote-clusters?q=x").await;
    assert_redirect_to(&page, "/login?next=%2Fremote-clusters%3Fq%3Dx");
    // htmx gets a header that makes it load the sign-in page.
    let partial = get_with(&panel, "/remote-clusters", &[("hx-request", "true")]).await;
    assert_eq!(partial.status, 401);
    assert!(partial.header("hx-redirect").unwrap().starts_with("/login?next="));
    // Probes and assets stay public.
    assert_eq!(get(&panel, "/healthz").await.status, 200);

    let mut visitor = Visitor::new(&panel);
    let login = visitor.get("/login?next=%2Fremote-clusters").await;
    assert_eq!(login.status, 200);
    assert_eq!(login.attr("input[name=next]", "value").as_deref(), Some("/remote-clusters"));
    let signed = visitor
        .post_form("/login", &[("username", "admin"), ("password", "admin-pw"), ("next", "/remote-clusters")])
        .await;
    assert_redirect_to(&signed, "/remote-clusters");
    let cookie = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("ccr_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("admin-pw") && !cookie.contains("admin"), "the session is encrypted: {cookie}");
    let page = visitor.follow(&signed).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("[data-testid=user-name]"), "admin");
}

#[tokio::test]
async fn wrong_credentials_keep_the_user_name_and_change_nothing() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let mut visitor = Visitor::new(&panel);
    let page = visitor.post_form("/login", &[("username", "admin"), ("password", "wrong"), ("next", "/")]).await;
    assert_eq!(page.status, 401);
    assert!(page.text("#login-error p").starts_with("Elasticsearch did not accept these credentials."));
    assert_eq!(page.attr("#username", "value").as_deref(), Some("admin"));
    assert_eq!(page.attr("#password", "value"), None, "the password is never sent back");
    assert!(visitor.cookie("ccr_session").is_none());
    let empty = visitor.post_form("/login", &[("username", ""), ("password", "")]).await;
    assert_eq!(empty.status, 400);
}

#[tokio::test]
async fn an_api_key_signs_in_too() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let mut visitor = Visitor::new(&panel);
    let page = visitor.post_form("/login", &[("api_key", "YWRtaW4ta2V5"), ("next", "/")]).await;
    assert_redirect_to(&page, "/");
    assert_eq!(visitor.get("/").await.text("[data-testid=user-name]"), "admin");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let mut visitor = signed_in(&panel, "viewer").await;
    assert_eq!(visitor.get("/").await.status, 200);
    let out = visitor.post_form("/logout", &[]).await;
    assert_redirect_to(&out, "/login");
    assert!(visitor.cookie("ccr_session").is_none());
    assert!(visitor.get("/").await.status.is_redirection());
}

#[tokio::test]
async fn failed_sign_ins_are_rate_limited_per_address() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let mut visitor = Visitor::new(&panel);
    for _ in 0..5 {
        let page = visitor.post_form("/login", &[("username", "admin"), ("password", "guess")]).await;
        assert_eq!(page.status, 401);
    }
    let blocked = visitor.post_form("/login", &[("username", "admin"), ("password", "admin-pw")]).await;
    assert_eq!(blocked.status, 429, "even the right password waits");
    assert!(blocked.text("#login-error p").contains("Too many failed sign-ins"));
    let before = sim.sim.requests().len();
    visitor.post_form("/login", &[("username", "admin"), ("password", "admin-pw")]).await;
    assert_eq!(sim.sim.requests().len(), before, "a blocked attempt does not reach Elasticsearch");
}

#[tokio::test]
async fn elasticsearch_decides_and_a_403_names_the_missing_privileges() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let mut visitor = signed_in(&panel, "nobody").await;
    let page = visitor.get("/remote-clusters").await;
    assert_eq!(page.status, 403);
    assert!(page.text(".es-error").contains("security_exception"));
    assert!(page.text(".es-error").contains("is unauthorized for user [nobody]"));
    assert_eq!(page.text("tr[data-privilege=monitor] td:nth-child(3)"), "Missing");
    assert_eq!(page.text("tr[data-privilege=manage_ccr] td:nth-child(3)"), "Missing");
    let checked = sim.sim.requests().iter().any(|r| r.path == "/_security/user/_has_privileges");
    assert!(checked, "the panel asked _has_privileges");
    // Rendered once, by the error layer: the page names who is signed in, and holds one
    // privileges table.
    assert_eq!(page.text("[data-testid=user-name]"), "nobody");
    assert_eq!(page.texts("#privileges").len(), 1);
    assert_eq!(page.texts("h1").len(), 1);

    // A viewer may look but the cluster refuses it to change settings.
    let mut viewer = signed_in(&panel, "viewer").await;
    assert_eq!(viewer.get("/remote-clusters").await.status, 200);
}

/// Every `<form method=post>` action found on the panel's pages, plus the ones only reached
/// by buttons on other states.
async fn post_routes(visitor: &mut Visitor) -> Vec<String> {
    let mut actions = std::collections::BTreeSet::from(["/login".to_owned(), "/logout".to_owned()]);
    for path in [
        "/",
        "/remote-clusters",
        "/remote-clusters/new",
        "/remote-clusters/target",
        "/remote-clusters/target/edit",
        "/remote-clusters/target/delete",
        "/follower-indices",
        "/auto-follow-patterns",
        "/login",
    ] {
        let page = visitor.get(path).await;
        for form in page.html().select(&scraper::Selector::parse("form").unwrap()) {
            if form.value().attr("method") == Some("post") {
                actions.insert(form.value().attr("action").unwrap().to_owned());
            }
        }
    }
    actions.into_iter().collect()
}

#[tokio::test]
async fn every_post_route_refuses_a_request_without_a_csrf_token() {
    let sim = start_secured_sim("local").await;
    let mut target = ccr_panel::es::ClusterSettingsUpdate::default();
    target.persistent.insert("cluster.remote.target.seeds".into(), json!(["10.0.0.1:9300"]));
    client_as_admin(&sim).put_cluster_settings(&target).await.unwrap();
    let before = client_as_admin(&sim).cluster_settings().await.unwrap().persistent;
    let panel = panel_signing_in(&sim);
    let mut visitor = signed_in(&panel, "admin").await;
    let routes = post_routes(&mut visitor).await;
    for expected in
        ["/remote-clusters", "/remote-clusters/delete", "/remote-clusters/target", "/remote-clusters/target/delete"]
    {
        assert!(routes.contains(&expected.to_owned()), "the crawl found {expected}: {routes:?}");
    }
    sim.sim.clear_requests();
    let session_only: String = visitor.cookie_header().split("; ").filter(|c| c.starts_with("ccr_session=")).collect();
    for route in &routes {
        let fields = [
            ("name", "evil"),
            ("seeds", "127.0.0.1:9300"),
            ("lang", "zh-CN"),
            ("username", "admin"),
            ("password", "admin-pw"),
        ];
        let forged = post_form_raw(&panel, route, &fields, Some(&session_only)).await;
        assert_eq!(forged.status, 403, "{route} accepted a request without a token");
        let wrong =
            post_form_raw(&panel, route, &[("csrf", "x".repeat(43).as_str())], Some(&visitor.cookie_header())).await;
        assert_eq!(wrong.status, 403, "{route} accepted a wrong token");
    }
    assert!(sim.sim.requests().is_empty(), "nothing reached the cluster: {:?}", sim.sim.requests());
    assert_eq!(client_as_admin(&sim).cluster_settings().await.unwrap().persistent, before, "nothing changed");
}

fn client_as_admin(sim: &SimServer) -> ccr_panel::es::EsClient {
    client(sim).with_auth(Some(ccr_panel::es::Auth::Basic {
        username: "admin".into(),
        password: secrecy::SecretString::from("admin-pw".to_owned()),
    }))
}

#[tokio::test]
async fn names_and_reasons_holding_html_render_inert() {
    let sim = start_sim("local").await;
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    let evil_seed = "<img src=x onerror=alert(1)>:9300";
    update.persistent.insert("cluster.remote.xss.seeds".into(), json!([evil_seed]));
    client(&sim).put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&sim);
    let page = get(&panel, "/remote-clusters").await;
    assert!(!page.body.contains("<img src=x"), "markup from the cluster is escaped");
    assert!(page.body.contains("&#60;img src=x onerror=alert(1)&#62;:9300"));
    assert_eq!(page.text("tr[data-remote=xss] code"), evil_seed, "and shown as text");

    sim.sim.inject_fault(ccr_panel::sim::Fault::new(
        "/_remote/info",
        ccr_panel::sim::FaultKind::Status {
            status: 400,
            body: json!({"error": {"type": "illegal_argument_exception", "reason": "<script>alert('x')</script>", "root_cause": []}, "status": 400}),
        },
    ));
    let page = get(&panel, "/remote-clusters").await;
    assert_eq!(page.status, 400);
    assert!(!page.body.contains("<script>alert"), "an error reason is escaped");
    assert!(page.text(".es-error").contains("<script>alert('x')</script>"));
}

#[tokio::test]
async fn proxy_mode_trusts_only_its_proxy() {
    use ccr_panel::web::auth::{AuthMode, AuthSettings, LoginLimiter};
    let sim = start_sim("local").await;
    let mut auth = AuthSettings::anonymous();
    auth.mode = AuthMode::Proxy { header: "x-forwarded-user".into(), trusted: vec!["10.0.0.5".parse().unwrap()] };
    auth.limiter = LoginLimiter::new(5, std::time::Duration::from_secs(60));
    let panel = ccr_panel::app(ccr_panel::AppState::new(
        vec![ccr_panel::ManagedCluster { name: "local".into(), client: client(&sim) }],
        auth,
    ));
    let from = |peer: &str, user: Option<&str>| {
        let mut request = Request::get("/");
        if let Some(user) = user {
            request = request.header("x-forwarded-user", user);
        }
        let mut request = request.body(Body::empty()).unwrap();
        let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    };
    let page = send(&panel, from("10.0.0.5", Some("carol"))).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        send(&panel, from("10.0.0.9", Some("carol"))).await.status,
        401,
        "an untrusted address cannot name a user"
    );
    assert_eq!(send(&panel, from("10.0.0.5", None)).await.status, 401, "the proxy must name the user");
}

#[tokio::test]
async fn sign_out_wins_over_the_sliding_refresh() {
    use ccr_panel::web::session::{Session, SessionConfig};
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    // A session last used two minutes ago: this request would refresh it.
    let key = secrecy::SecretString::from("a-session-key-of-at-least-32-bytes!!".to_owned());
    let config = SessionConfig::new(Some(&key), Duration::from_secs(1800), Duration::from_secs(43_200), false).unwrap();
    let auth = ccr_panel::es::Auth::Basic {
        username: "admin".into(),
        password: secrecy::SecretString::from("admin-pw".to_owned()),
    };
    let stale = Session::new("admin".into(), auth).last_seen_ago(Duration::from_secs(120));
    let cookie = config.seal(&stale).split(';').next().unwrap().to_owned();
    let page = get_with(&panel, "/", &[("cookie", &cookie)]).await;
    let refreshed = page.headers.get_all("set-cookie").iter().any(|v| v.to_str().unwrap().starts_with("ccr_session="));
    assert!(refreshed, "an ordinary page refreshes a stale session");

    // The token of a page shown in that session (tokens are bound to the session).
    let nonce = page
        .header("set-cookie")
        .into_iter()
        .chain(page.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()))
        .find(|c| c.starts_with("ccr_csrf="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = page.attr("input[name=csrf]", "value").unwrap();
    let both = format!("{cookie}; {nonce}");
    let out = post_form_raw(&panel, "/logout", &[("csrf", &token)], Some(&both)).await;
    let sessions: Vec<&str> = out
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .filter(|v| v.starts_with("ccr_session="))
        .collect();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert!(sessions[0].contains("Max-Age=0"), "only the clearing cookie: {sessions:?}");
}

#[tokio::test]
async fn credentials_elasticsearch_stops_accepting_end_the_session() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let mut visitor = signed_in(&panel, "admin").await;
    let revoked = json!({"error": {"root_cause": [], "type": "security_exception", "reason": "unable to authenticate user [admin]"}, "status": 401});
    sim.sim.inject_fault(
        ccr_panel::sim::Fault::new("/", ccr_panel::sim::FaultKind::Status { status: 401, body: revoked }).once(),
    );
    let page = visitor.get("/remote-clusters").await;
    assert_redirect_to(&page, "/login?next=%2Fremote-clusters");
    assert!(visitor.cookie("ccr_session").is_none(), "the session cookie was cleared");
}

#[tokio::test]
async fn sign_in_never_sends_the_browser_to_another_site() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    for next in ["/\t/evil.example", "//evil.example", "https://evil.example", "/\\evil.example"] {
        let mut visitor = Visitor::new(&panel);
        let page =
            visitor.post_form("/login", &[("username", "admin"), ("password", "admin-pw"), ("next", next)]).await;
        assert_redirect_to(&page, "/");
    }
}

#[tokio::test]
async fn a_refused_change_shows_the_missing_privileges() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let mut viewer = signed_in(&panel, "viewer").await;
    let page =
        viewer.post_form("/remote-clusters", &[("name", "mine"), ("mode", "sniff"), ("seeds", "10.0.0.1:9300")]).await;
    assert_eq!(page.status, 403);
    assert!(page.text(".es-error").contains("cluster:admin/settings/update"));
    assert_eq!(page.text("tr[data-privilege=manage] td:nth-child(3)"), "Missing");
    assert_eq!(page.text("tr[data-privilege=monitor] td:nth-child(3)"), "Held");
}
