//! The panel in-process against simulated clusters: pages, headers, error pages.

use std::time::Duration;

use ccr_panel::es::ClusterSettingsUpdate;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn overview_shows_the_connected_cluster() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let page = get(&panel, "/").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("[data-testid=cluster-name]"), "local");
    assert!(page.text("#cluster-header").contains("8.15.0"));
    assert!(page.text("#cluster-header").contains("trial"));
    let nav = page.texts(".sidenav a");
    assert_eq!(
        nav,
        ["Overview", "Remote clusters", "Follower indices", "Auto-follow patterns", "Migrations", "Doctor"]
    );
    assert_eq!(page.attr(".sidenav a[aria-current=page]", "href").as_deref(), Some("/"));
    assert!(page.header("x-request-id").is_some_and(|id| page.body.contains(id)), "the page shows its request id");
}

#[tokio::test]
async fn every_section_renders_with_its_empty_state() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    for (path, heading) in [
        ("/remote-clusters", "No remote clusters yet"),
        ("/follower-indices", "No follower indices yet"),
        ("/auto-follow-patterns", "No auto-follow patterns yet"),
    ] {
        let page = get(&panel, path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.text(".empty h2"), heading);
        assert_eq!(page.attr(".sidenav a[aria-current=page]", "href").as_deref(), Some(path));
    }
}

#[tokio::test]
async fn remote_clusters_list_shows_live_status_and_the_port_hint() {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    update.persistent.insert("cluster.remote.wrongport.seeds".into(), json!([leader.http_address.to_string()]));
    client(&local).put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&local);
    let connected = eventually(Duration::from_secs(5), || async {
        get(&panel, "/remote-clusters").await.text("tr[data-remote=leader] .status") == "Connected"
    })
    .await;
    assert!(connected);
    let page = get(&panel, "/remote-clusters").await;
    let wrong = page.text("tr[data-remote=wrongport] .status");
    assert!(wrong.starts_with("Not connected"), "{wrong}");
    assert!(wrong.contains("transport port"), "{wrong}");
    assert_eq!(page.text("tr[data-remote=leader] [data-col=defined-in]"), "persistent settings");

    let filtered = get(&panel, "/remote-clusters?q=wrong").await;
    assert_eq!(filtered.texts("tbody th"), ["wrongport"]);
    let sorted = get(&panel, "/remote-clusters?sort=name&desc=true").await;
    assert_eq!(sorted.texts("tbody th"), ["wrongport", "leader"]);
}

#[tokio::test]
async fn an_unreachable_cluster_gets_a_clear_error_page() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let panel = panel_with(client_at(std::slice::from_ref(&url), Duration::from_secs(5)));
    for path in ["/", "/remote-clusters", "/follower-indices"] {
        let page = get(&panel, path).await;
        assert_eq!(page.status, 502, "{path}");
        assert_eq!(page.text("h1"), "Elasticsearch cannot be reached");
        assert!(page.text(".attempts").contains(&url), "names what was tried");
        let id = page.header("x-request-id").unwrap().to_owned();
        assert!(page.text(".error-page").contains(&id), "shows the request id");
    }
    // The panel itself keeps serving.
    assert_eq!(get(&panel, "/healthz").await.status, 200);
    let ready = get(&panel, "/readyz").await;
    assert_eq!(ready.status, 503);
    assert!(ready.body.starts_with("not ready"));
}

#[tokio::test]
async fn htmx_requests_get_an_error_fragment() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let panel = panel_with(client_at(&[url], Duration::from_secs(5)));
    let page = get_with(&panel, "/remote-clusters", &[("hx-request", "true")]).await;
    assert_eq!(page.status, 502);
    assert!(!page.body.contains("<html"), "a fragment, not a page");
    assert_eq!(page.header("hx-retarget"), Some("#htmx-errors"), "shown in the alert area, not in place of the target");
    assert_eq!(page.header("hx-reswap"), Some("innerHTML"));
    assert!(page.text(".alert.error strong").contains("cannot be reached"));
}

#[tokio::test]
async fn readiness_and_unknown_pages() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let ready = get(&panel, "/readyz").await;
    assert_eq!((ready.status.as_u16(), ready.body.as_str()), (200, "ready"));
    // A secured cluster refusing the panel's (absent) credentials is up all the same.
    let secured = start_secured_sim("secured").await;
    let ready = get(&panel_signing_in(&secured), "/readyz").await;
    assert_eq!((ready.status.as_u16(), ready.body.as_str()), (200, "ready"));
    let missing = get(&panel, "/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.text("h1"), "Page not found");
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    for path in ["/", "/healthz", "/no/such/page"] {
        let page = get(&panel, path).await;
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert!(page.header("referrer-policy").is_some());
    }
}

#[tokio::test]
async fn static_assets_are_cached_by_content_hash() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let page = get(&panel, "/").await;
    let css = page.attr("link[rel=stylesheet]", "href").unwrap();
    let htmx = page.attr("script[src*=htmx]", "src").unwrap();
    for url in [&css, &htmx] {
        let asset = get(&panel, url).await;
        assert_eq!(asset.status, 200, "{url}");
        assert_eq!(asset.header("cache-control"), Some("public, max-age=31536000, immutable"));
        let etag = asset.header("etag").unwrap().to_owned();
        let again = get_with(&panel, url, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304);
    }
    assert!(get(&panel, &htmx).await.body.contains("htmx"));
    assert_eq!(get(&panel, "/static/0/nothing.js").await.status, 404);
}

#[tokio::test]
async fn language_follows_cookie_then_accept_language() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let chinese = get_with(&panel, "/", &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")]).await;
    assert_eq!(chinese.attr("html", "lang").as_deref(), Some("zh-CN"));
    assert_eq!(chinese.texts(".sidenav a")[1], "远程集群");

    let switched =
        post_form(&panel, "/preferences/language", &[("lang", "en"), ("return_to", "/remote-clusters")]).await;
    assert_redirect_to(&switched, "/remote-clusters");
    let cookie = switched.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let english = get_with(&panel, "/", &[("accept-language", "zh-CN"), ("cookie", &cookie)]).await;
    assert_eq!(english.attr("html", "lang").as_deref(), Some("en"));

    let outside = post_form(&panel, "/preferences/language", &[("lang", "en"), ("return_to", "//evil.example")]).await;
    assert_redirect_to(&outside, "/");
}

#[tokio::test]
async fn several_clusters_get_a_switcher() {
    let east = start_sim("east").await;
    let west = start_sim("west").await;
    let panel = ccr_panel::app(ccr_panel::AppState::new(
        vec![
            ccr_panel::ManagedCluster { name: "east".into(), client: client(&east) },
            ccr_panel::ManagedCluster { name: "west".into(), client: client(&west) },
        ],
        ccr_panel::web::auth::AuthSettings::anonymous(),
    ));
    let page = get(&panel, "/").await;
    assert_eq!(page.texts("#cluster-switch option"), ["east", "west"]);
    assert_eq!(page.text("[data-testid=cluster-name]"), "east");
    let switched =
        post_form(&panel, "/preferences/cluster", &[("cluster", "west"), ("return_to", "/remote-clusters")]).await;
    assert_redirect_to(&switched, "/remote-clusters");
    let cookie = switched.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let page = get_with(&panel, "/", &[("cookie", &cookie)]).await;
    assert_eq!(page.text("[data-testid=cluster-name]"), "west");
    assert_eq!(page.attr("#cluster-switch option[selected]", "value").as_deref(), Some("west"));
    // A single cluster needs no switcher.
    assert!(get(&panel_for(&east), "/").await.texts("#cluster-switch").is_empty());
}

#[tokio::test]
async fn error_pages_keep_the_way_out() {
    let good = start_sim("good").await;
    let down = client_at(&[format!("http://127.0.0.1:{}", closed_port())], Duration::from_secs(2));
    let panel = ccr_panel::app(ccr_panel::AppState::new(
        vec![
            ccr_panel::ManagedCluster { name: "down".into(), client: down },
            ccr_panel::ManagedCluster { name: "good".into(), client: client(&good) },
        ],
        ccr_panel::web::auth::AuthSettings::anonymous(),
    ));
    // The chosen cluster is down: its error page still offers the switcher to another one.
    let page = get(&panel, "/").await;
    assert_eq!(page.status, 502);
    assert_eq!(page.texts("#cluster-switch option"), ["down", "good"]);
    // A refused POST's "Try again" goes back to the form's page, not to the POST address.
    let forged = send(
        &panel,
        axum::http::Request::post("/remote-clusters")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("referer", "http://panel.example/remote-clusters/new")
            .body(axum::body::Body::from("name=x"))
            .unwrap(),
    )
    .await;
    assert_eq!(forged.status, 403);
    assert_eq!(forged.attr(".error-page a.button", "href").as_deref(), Some("/remote-clusters/new"));
    // A GET on a POST-only address gets the panel's page, not an empty 405.
    let wrong = get(&panel, "/remote-clusters/delete").await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.text("h1"), "Request not understood");
}

#[tokio::test]
async fn pages_ask_elasticsearch_each_thing_once() {
    let sim = start_sim("local").await;
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), serde_json::json!(["10.0.0.1:9300"]));
    client(&sim).put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&sim);
    get(&panel, "/").await; // reads the version once
    let count = |path: &str| sim.sim.requests().iter().filter(|r| r.method == "GET" && r.path == path).count();
    for page in ["/", "/remote-clusters/leader"] {
        sim.sim.clear_requests();
        assert_eq!(get(&panel, page).await.status, 200, "{page}");
        for path in ["/_cluster/health", "/_cluster/settings", "/_remote/info", "/_all/_ccr/info"] {
            assert!(count(path) <= 1, "{page} asked {path} {} times", count(path));
        }
    }
}

#[tokio::test]
async fn the_preference_cookie_is_not_secure_over_plain_http() {
    // Over plain HTTP a `Secure` cookie would be dropped by the browser: the switch would do
    // nothing. (Over TLS it is `Secure`: see cli::the_panel_serves_tls_with_hsts_and_secure_cookies.)
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let mut visitor = Visitor::new(&panel);
    let page = visitor.post_form("/preferences/language", &[("lang", "zh-CN"), ("return_to", "/")]).await;
    let cookie = page.header("set-cookie").unwrap();
    assert!(cookie.starts_with("ccr_lang=zh-CN"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age=31536000"));
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn pages_vary_by_htmx_and_language_and_assets_only_by_encoding() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let page = get(&panel, "/remote-clusters").await;
    let vary: Vec<String> =
        page.headers.get_all("vary").iter().map(|v| v.to_str().unwrap().to_ascii_lowercase()).collect();
    let vary = vary.join(", ");
    for header in ["hx-request", "cookie", "accept-language"] {
        assert!(vary.contains(header), "{vary}");
    }
    let asset = get(&panel, &ccr_panel::web::assets::CSS.url()).await;
    assert_eq!(asset.status, 200);
    // An asset varies only by the encoding it is sent in (see `compression.rs`).
    let vary: Vec<&str> = asset.headers.get_all("vary").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(vary, ["accept-encoding"]);
}
