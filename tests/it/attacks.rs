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
