//! One remote cluster: the detail page and its connection test, the security model and its
//! classic mistakes, the self-refreshing status cell and the port hint, and unreadable query
//! strings.

use std::time::Duration;

use ccr_panel::sim::SimConfig;
use ccr_panel::sim::state::SettingValue;

use crate::helpers::*;

#[tokio::test]
async fn the_detail_page_shows_everything_and_tests_the_connection() {
    let leader = start_sim("leader").await;
    let sim = start_sim("local").await;
    add_remote(&sim, "leader", &[&leader.transport_address.to_string()]).await;
    let panel = panel_for(&sim);
    let connected = eventually(Duration::from_secs(5), || async {
        get(&panel, "/remote-clusters/leader").await.text("#remote-status .status") == "Connected"
    })
    .await;
    assert!(connected);
    let page = get(&panel, "/remote-clusters/leader").await;
    let info = page.text("#remote-info");
    for field in [
        "connected",
        "mode",
        "seeds",
        "num_nodes_connected",
        "max_connections_per_cluster",
        "initial_connect_timeout",
        "skip_unavailable",
    ] {
        assert!(info.contains(field), "{field} missing from {info}");
    }
    assert!(page.text("#remote-settings").contains("cluster.remote.leader.seeds"));
    assert_eq!(page.text("#security-model"), "Certificate");
    assert_eq!(page.text("#used-by"), "No follower index or auto-follow pattern uses this remote cluster.");

    sim.sim.clear_requests();
    let test = get_with(&panel, "/remote-clusters/leader/test", &[("hx-request", "true")]).await;
    assert!(test.text("#test-result").starts_with("Connected"));
    assert!(
        sim.sim.requests().iter().any(|r| r.path == "/_resolve/cluster/leader:*"),
        "a live probe, not _remote/info"
    );
    let no_js = get(&panel, "/remote-clusters/leader?test=1").await;
    assert!(no_js.text("#test-result").starts_with("Connected"));

    leader.stop();
    let test = get(&panel, "/remote-clusters/leader/test").await;
    assert!(test.text("#test-result").starts_with("Not connected"));
    assert_eq!(get(&panel, "/remote-clusters/nothing").await.status, 404);
}

#[tokio::test]
async fn the_api_key_model_and_its_classic_mistakes() {
    let mut config = SimConfig::new("local");
    config.node_settings.insert("cluster.remote.keyed.credentials".into(), SettingValue::Text("secret".into()));
    let sim = start_sim_with(config).await;
    add_remote(&sim, "keyed", &["10.0.0.1:9300"]).await;
    add_remote(&sim, "nokey", &["10.0.0.2:9443"]).await;
    let panel = panel_for(&sim);
    let list = get(&panel, "/remote-clusters").await;
    assert_eq!(list.text("tr[data-remote=keyed] [data-col=security]"), "API key");
    let keyed = get(&panel, "/remote-clusters/keyed").await;
    assert_eq!(keyed.text("#security-model"), "API key");
    assert!(keyed.body.contains("not on the remote cluster port 9443"));
    assert!(keyed.text("details").contains("reload_secure_settings"));
    assert!(!keyed.body.contains("secret"), "credentials never reach a page");
    let nokey = get(&panel, "/remote-clusters/nokey").await;
    assert!(nokey.body.contains("no credentials for it are in the local keystore"));
}

#[tokio::test]
async fn status_cells_poll_until_connected_or_clearly_failing() {
    let sim = start_sim("local").await;
    add_remote(&sim, "down", &[&format!("127.0.0.1:{}", closed_port())]).await;
    let panel = panel_for(&sim);
    let list = get(&panel, "/remote-clusters").await;
    assert_eq!(list.attr("#status-down", "hx-get").as_deref(), Some("/remote-clusters/down/status?attempt=1"));
    // The cell alone (a bare <td>, which an HTML parser drops outside a table: read it as text).
    let cell = get_with(&panel, "/remote-clusters/down/status?attempt=4", &[("hx-request", "true")]).await;
    assert!(cell.body.trim_start().starts_with("<td class=\"status\" id=\"status-down\""), "{}", cell.body);
    assert!(cell.body.contains("hx-get=\"/remote-clusters/down/status?attempt=5\""), "{}", cell.body);
    let last = get(&panel, "/remote-clusters/down/status?attempt=10").await;
    assert!(!last.body.contains("hx-get"), "stops polling: {}", last.body);
    assert!(last.body.contains("Still not connected after repeated checks."));
}

#[tokio::test]
async fn the_port_hint_needs_evidence_and_live_checks_show_every_field() {
    let sim = start_sim("local").await;
    add_remote(&sim, "down", &[&format!("127.0.0.1:{}", closed_port())]).await;
    add_remote(&sim, "http", &["10.0.0.1:9200"]).await;
    let panel = panel_for(&sim);
    let down = get(&panel, "/remote-clusters/down/test").await;
    assert!(down.texts(".port-hint").is_empty(), "a host that is down is not an HTTP port");
    assert!(!down.text("#test-result .reason").is_empty());
    let list = get(&panel, "/remote-clusters").await;
    assert!(list.texts("#status-down .port-hint").is_empty(), "no hint for a host that is down");
    assert!(list.text("#status-down .reason").contains("Common causes"));
    assert!(list.text("#status-http .port-hint").contains("not its HTTP port"), "9200 is evidence");
    assert!(list.texts("#status-http .reason").is_empty(), "the hint is the reason: no generic list of causes");
    let http = get(&panel, "/remote-clusters/http/test").await;
    assert!(http.text("#test-result .port-hint").contains("not its HTTP port"));
    assert!(http.texts("#test-result .reason").is_empty());
    // The local cluster's own HTTP address is warned about.
    let seed = sim.http_address.to_string();
    let query = serde_urlencoded::to_string([("name", "my leader!"), ("seeds", seed.as_str())]).unwrap();
    let live = get_with(&panel, &format!("/remote-clusters/new/preview?{query}"), &[("hx-request", "true")]).await;
    assert_eq!(live.attr("#name-messages", "hx-swap-oob").as_deref(), Some("true"));
    assert_eq!(live.texts("#name-messages .field-error").len(), 2);
    assert!(live.text("#seeds-messages .field-warning").contains("looks like an HTTP port"));
    let empty = get(&panel, "/remote-clusters/new/preview?name=&seeds=").await;
    assert!(empty.texts(".field-error").is_empty(), "no 'required' while the user has not typed yet");
}

#[tokio::test]
async fn unreadable_query_strings_get_the_panels_error_page() {
    let sim = start_sim("local").await;
    add_remote(&sim, "r", &[&format!("127.0.0.1:{}", closed_port())]).await;
    let panel = panel_for(&sim);
    let page = get(&panel, "/remote-clusters?sort=bogus").await;
    assert_eq!(page.status, 400);
    assert_eq!(page.text("h1"), "Request not understood");
    let huge = get(&panel, "/remote-clusters/r/status?attempt=4294967295").await;
    assert_eq!(huge.status, 200, "no overflow");
    assert!(!huge.body.contains("hx-get"));
}
