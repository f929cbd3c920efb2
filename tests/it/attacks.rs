//! Attacks on the issue-9 defences from outside: what a same-site page (another port of the
//! host, a sibling subdomain) can still do with a cookie it plants, and what browsers tell
//! the panel about where a request comes from.

use axum::body::Body;
use axum::http::Request;

use crate::helpers::*;

/// A form post as the victim's browser sends it: with its cookies and the `Sec-Fetch-Site`
/// the browser computes (`same-site` for a page on another port of the same host).
async fn browser_post(panel: &axum::Router, path: &str, fields: &[(&str, &str)], cookie: &str, site: &str) -> Page {
    let request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .header("sec-fetch-site", site)
        .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
        .unwrap();
    send(panel, request).await
}

#[tokio::test]
async fn a_planted_nonce_cannot_sign_the_victim_in_to_the_attackers_account() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    // The attacker opens the sign-in page: a nonce cookie and the (anonymous) token for it.
    let mut attacker = Visitor::new(&panel);
    let token = attacker.csrf_token().await;
    let nonce = attacker.cookie("ccr_csrf").unwrap().to_owned();
    // A page on another port of the host plants that nonce in the victim's browser and posts
    // the sign-in form with the attacker's credentials.
    let fields = [("csrf", token.as_str()), ("username", "viewer"), ("password", "viewer-pw"), ("next", "/")];
    let page = browser_post(&panel, "/login", &fields, &format!("ccr_csrf={nonce}"), "same-site").await;
    assert_eq!(page.status, 403, "login CSRF: the victim would work as the attacker");
    assert!(page.header("set-cookie").is_none_or(|c| !c.starts_with("ccr_session=")));
    assert!(
        !sim.sim.requests().iter().any(|r| r.path == "/_security/_authenticate"),
        "refused before Elasticsearch is asked"
    );
}

#[tokio::test]
async fn an_anonymous_panel_refuses_forms_posted_from_another_site() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let mut attacker = Visitor::new(&panel);
    let token = attacker.csrf_token().await;
    let cookie = format!("ccr_csrf={}", attacker.cookie("ccr_csrf").unwrap());
    let fields = [("csrf", token.as_str()), ("name", "planted"), ("seeds", "10.0.0.1:9300")];
    for site in ["same-site", "cross-site"] {
        let page = browser_post(&panel, "/remote-clusters", &fields, &cookie, site).await;
        assert_eq!(page.status, 403, "from a {site} page");
    }
    assert!(settings_puts(&sim).is_empty(), "nothing reached the cluster");
    // The panel's own pages (and clients that send no such header) still work.
    let fields = [("csrf", token.as_str()), ("lang", "zh-CN")];
    let page = browser_post(&panel, "/preferences/language", &fields, &cookie, "same-origin").await;
    assert_eq!(page.status, 303);
}

/// A panel listening on `[::]` sees an IPv4 proxy as `::ffff:10.0.0.5`: it is still the
/// trusted proxy, for the user it names and for the sign-in limit (else every client behind
/// it would share the proxy's count, and 20 wrong guesses by anyone would lock all out).
#[tokio::test]
async fn a_trusted_ipv4_proxy_stays_trusted_on_a_dual_stack_listener() {
    use axum::extract::ConnectInfo;
    use ccr_panel::web::auth::{AuthMode, AuthSettings, LoginLimiter};
    let sim = start_sim("local").await;
    let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
    let mut auth = AuthSettings::anonymous();
    auth.mode = AuthMode::Proxy { header: "x-forwarded-user".into(), trusted: vec![proxy] };
    let panel = ccr_panel::app(ccr_panel::AppState::new(
        vec![ccr_panel::ManagedCluster { name: "local".into(), client: client(&sim) }],
        auth,
    ));
    let mut request = Request::get("/").header("x-forwarded-user", "alice").body(Body::empty()).unwrap();
    let mapped: std::net::SocketAddr = "[::ffff:10.0.0.5]:40000".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(mapped));
    let page = send(&panel, request).await;
    assert_eq!(page.status, 200, "{}", page.body);

    let limiter = LoginLimiter::new(5, std::time::Duration::from_secs(60)).trusting(vec![proxy]);
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("x-forwarded-for", "198.51.100.7".parse().unwrap());
    assert_eq!(limiter.client_address(mapped.ip(), &headers), "198.51.100.7".parse::<std::net::IpAddr>().unwrap());
}

/// A client that starts a form and never finishes it (or trickles it) holds a connection and
/// a task: the whole body must arrive within a time limit. Time is paused, so the 30 s pass
/// at once.
#[tokio::test(start_paused = true)]
async fn a_body_that_never_finishes_is_refused_in_time() {
    let panel = panel_with(client_at(&["http://127.0.0.1:1".to_owned()], std::time::Duration::from_secs(5)));
    let mut visitor = Visitor::new(&panel);
    let token = visitor.csrf_token().await;
    let cookie = visitor.cookie_header();
    for in_header in [false, true] {
        let (mut sender, body) = http_body_util::Channel::<bytes::Bytes>::new(1);
        let mut request = Request::post("/preferences/language")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("content-length", "1000")
            .header("cookie", &cookie);
        if in_header {
            request = request.header("x-csrf-token", &token);
        }
        let request = request.body(Body::new(body)).unwrap();
        sender.send_data(bytes::Bytes::from(format!("csrf={token}&lang="))).await.unwrap();
        let answer = tokio::time::timeout(std::time::Duration::from_secs(120), send(&panel, request)).await;
        let page = answer.unwrap_or_else(|_| panic!("still waiting after 2 minutes (token in header: {in_header})"));
        assert_eq!(page.status, 408, "{}", page.body);
        assert!(page.text("main").contains("did not arrive in time"), "{}", page.body);
        drop(sender);
    }
}

/// Over TLS a sibling subdomain (or a plain-HTTP page of the host) could plant the attacker's
/// own session cookie in the victim's browser, signing the victim in as the attacker without
/// any form. The `__Host-` name is one only this host over TLS can set.
#[tokio::test]
async fn over_tls_the_session_cookie_is_one_only_this_host_can_set() {
    use ccr_panel::web::auth::{AuthMode, AuthSettings, LoginLimiter};
    use ccr_panel::web::session::SessionConfig;
    let sim = start_secured_sim("local").await;
    let key = secrecy::SecretString::from("a-session-key-of-at-least-32-bytes!!".to_owned());
    let sessions = SessionConfig::new(
        Some(&key),
        std::time::Duration::from_secs(1800),
        std::time::Duration::from_secs(43_200),
        true,
    )
    .unwrap();
    let limiter = LoginLimiter::new(5, std::time::Duration::from_secs(300));
    let panel = ccr_panel::app(ccr_panel::AppState::new(
        vec![ccr_panel::ManagedCluster { name: "local".into(), client: client(&sim) }],
        AuthSettings { mode: AuthMode::Es, sessions, limiter },
    ));
    let mut visitor = Visitor::new(&panel);
    let page = visitor.post_form("/login", &[("username", "viewer"), ("password", "viewer-pw")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let set = page.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let session = set.iter().find(|c| c.contains("ccr_session=")).unwrap();
    assert!(session.starts_with("__Host-ccr_session=") && session.contains("Secure"), "{session}");
    assert!(session.contains("Path=/") && !session.contains("Domain"), "{session}");
    let sealed = visitor.cookie("__Host-ccr_session").unwrap().to_owned();
    let signed_in = get_with(&panel, "/", &[("cookie", &format!("__Host-ccr_session={sealed}"))]).await;
    assert_eq!(signed_in.status, 200);
    // The same value under the name anyone on the site could set is no session.
    let planted = get_with(&panel, "/", &[("cookie", &format!("ccr_session={sealed}"))]).await;
    assert_eq!(planted.status, 303, "a planted unprefixed cookie is not a session");
}
