//! The remote cluster screens under pressure and in detail: hostile and huge input (bounded
//! time, clear refusals, nothing sent), outcomes only the panel produced (sealed flash
//! messages), encoded links, and what the pages say about a remote that does not connect.

use std::time::Duration;

use ccr_panel::web::auth::AuthSettings;
use ccr_panel::{AppState, ManagedCluster, app};

use crate::helpers::*;

/// Issue 9: one form must not freeze the panel, and nothing is stored unchecked.
#[tokio::test]
async fn huge_and_hostile_forms_are_refused_quickly_and_clearly() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let seeds: String = (0..40_000).map(|i| format!("10.{}.{}.{}:9300\n", i >> 16, (i >> 8) & 255, i & 255)).collect();
    let started = std::time::Instant::now();
    let page = submit(&panel, &[("name", "big"), ("seeds", &seeds)]).await;
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(page.status, 422);
    assert!(
        errors_on(&page, "seeds").iter().any(|e| e.contains("At most 200 seed nodes")),
        "{:?}",
        errors_on(&page, "seeds")
    );
    // Duplicates are found wherever they are (and each is named once per repeat).
    let repeated = "10.0.0.1:9300\n10.0.0.2:9300\n10.0.0.1:9300";
    assert_eq!(
        errors_on(&submit(&panel, &[("name", "d"), ("seeds", repeated)]).await, "seeds"),
        ["10.0.0.1:9300 is listed twice."]
    );
    // Every problem of a name; and a length limit.
    let page = submit(&panel, &[("name", "my leader!"), ("seeds", "10.0.0.1:9300")]).await;
    assert_eq!(
        errors_on(&page, "name"),
        ["Spaces are not allowed in the name.", "Remove these characters from the name: !"]
    );
    let long = "a".repeat(300);
    let page = submit(&panel, &[("name", &long), ("seeds", "10.0.0.1:9300")]).await;
    assert_eq!(errors_on(&page, "name"), ["The name is 300 bytes long; at most 255 are allowed."]);
    // server_name is a host name (it is sent for SNI): no control characters, no megabytes.
    for bad in ["es\u{7}.example.com".to_owned(), "a".repeat(900_000)] {
        let page = submit(
            &panel,
            &[("name", "p"), ("mode", "proxy"), ("proxy_address", "lb.example.com:9400"), ("server_name", &bad)],
        )
        .await;
        assert_eq!(page.status, 422);
        assert!(errors_on(&page, "server_name")[0].starts_with("The server name must be a host name"));
    }
    assert!(settings_puts(&sim).is_empty(), "nothing reached Elasticsearch");
}

#[tokio::test]
async fn a_stored_huge_seed_list_renders_in_bounded_time() {
    let sim = start_sim("local").await;
    // Loopback ports with nothing listening: the simulator's connection attempts fail fast.
    let seeds: Vec<String> = (0..2_000).map(|i| format!("127.0.0.1:{}", 20_000 + i)).collect();
    let refs: Vec<&str> = seeds.iter().map(String::as_str).collect();
    add_remote(&sim, "huge", &refs).await;
    let panel = panel_for(&sim);
    for path in
        ["/remote-clusters", "/remote-clusters/huge/edit", "/remote-clusters/huge", "/remote-clusters/huge/delete"]
    {
        let started = std::time::Instant::now();
        let page = get(&panel, path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(started.elapsed() < Duration::from_secs(3), "{path} took {:?}", started.elapsed());
    }
    let list = get(&panel, "/remote-clusters").await;
    assert_eq!(list.texts("tr[data-remote=huge] td.addresses code").len(), 10, "the first addresses, then a count");
}

/// The edit page checks the stored form (for its preview): 50,000 stored seeds took seconds
/// with a duplicate search per seed; past the cap, the check stops reading.
#[tokio::test]
async fn editing_a_remote_with_a_huge_stored_seed_list_is_quick() {
    let sim = start_sim("local").await;
    let seeds: Vec<String> = (0..50_000).map(|i| format!("192.0.2.{}:{}", i % 250, 10_000 + i / 250)).collect();
    let refs: Vec<&str> = seeds.iter().map(String::as_str).collect();
    add_remote(&sim, "huge", &refs).await;
    let panel = panel_for(&sim);
    let started = std::time::Instant::now();
    let page = get(&panel, "/remote-clusters/huge/edit").await;
    assert_eq!(page.status, 200);
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn bulk_delete_deduplicates_caps_and_reports_through_a_sealed_flash() {
    let sim = start_sim("local").await;
    add_remote(&sim, "a", &["10.0.0.1:9300"]).await;
    add_remote(&sim, "b", &["10.0.0.2:9300"]).await;
    let panel = panel_for(&sim);
    let mut visitor = Visitor::new(&panel);
    // Alternating repeats: each name is asked about and deleted once.
    let mut fields = vec![("confirm", "yes")];
    for _ in 0..500 {
        fields.extend([("names", "a"), ("names", "b")]);
    }
    sim.sim.clear_requests();
    let done = visitor.post_form("/remote-clusters/delete", &fields).await;
    assert_redirect_to(&done, "/remote-clusters");
    assert!(done.header("location").unwrap().len() < 100);
    assert_eq!(settings_puts(&sim).len(), 2, "one request per remote");
    let list = visitor.follow(&done).await;
    assert_eq!(list.text("#flash"), "Remote clusters deleted: a, b.");
    // More names than a bulk delete takes: refused whole, before asking Elasticsearch.
    let many: Vec<String> = (0..101).map(|i| format!("r{i}")).collect();
    let mut fields: Vec<(&str, &str)> = many.iter().map(|n| ("names", n.as_str())).collect();
    fields.push(("confirm", "yes"));
    sim.sim.clear_requests();
    let refused = visitor.post_form("/remote-clusters/delete", &fields).await;
    assert!(sim.sim.requests().is_empty(), "nothing asked of Elasticsearch");
    let list = visitor.follow(&refused).await;
    assert_eq!(list.text("#flash"), "Nothing was deleted: at most 100 remote clusters can be deleted at once.");

    // The list says only what the panel did: query parameters and forged cookies say nothing.
    let forged = get(&panel, "/remote-clusters?done=deleted&names=evil&failed=x%09%3Cb%3Ebelieve+me").await;
    assert!(forged.texts("#flash").is_empty() && forged.texts("#delete-failures").is_empty());
    assert!(!forged.body.contains("believe me"));
    for cookie in ["ccr_flash=eyJvdXRjb21lIjoiYWRkZWQifQ", "ccr_flash=garbage"] {
        let page = get_with(&panel, "/remote-clusters", &[("cookie", cookie)]).await;
        assert!(page.texts("#flash").is_empty(), "{cookie}");
        let expired = page.headers.get_all("set-cookie").iter().any(|c| {
            let c = c.to_str().unwrap();
            c.starts_with("ccr_flash=") && c.contains("Max-Age=0")
        });
        assert!(expired, "{cookie} is removed");
    }
}

#[tokio::test]
async fn names_in_links_are_percent_encoded_and_the_icon_is_served() {
    let sim = start_sim("local").await;
    add_remote(&sim, "a-b_c", &["10.0.0.1:9300"]).await;
    let panel = panel_for(&sim);
    assert_eq!(ccr_panel::web::filters::encode_segment("x/y?z#%"), "x%2Fy%3Fz%23%25");
    let list = get(&panel, "/remote-clusters").await;
    assert_eq!(list.attr("tr[data-remote=a-b_c] th a", "href").as_deref(), Some("/remote-clusters/a-b_c"));
    // Names that other screens link to may hold characters that mean something in a URL.
    put_patterns_using(&sim, "a-b_c", &["x+y&z=1"]).await;
    let detail = get(&panel, "/remote-clusters/a-b_c").await;
    assert_eq!(detail.attr("#used-by a", "href").as_deref(), Some("/auto-follow-patterns#pattern-x%2By%26z%3D1"));
    let icon = get(&panel, "/favicon.ico").await;
    assert_eq!(icon.status, 200);
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));
    assert!(list.attr("link[rel=icon]", "href").is_some());
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
async fn a_configured_clusters_http_address_is_warned_about() {
    let leader = start_sim("leader").await;
    let sim = start_sim("local").await;
    let clusters = vec![
        ManagedCluster { name: "local".into(), client: client(&sim) },
        ManagedCluster { name: "leader".into(), client: client(&leader) },
    ];
    let panel = app(AppState::new(clusters, AuthSettings::anonymous()));
    // The address the demo prints for the leader, on a port far from 9200.
    let seed = leader.http_address.to_string();
    let page = submit(&panel, &[("name", "leader"), ("seeds", &seed)]).await;
    assert_eq!(page.status, 200);
    assert!(page.text("#seeds-messages .field-warning").contains("looks like an HTTP port"), "{}", page.body);
    assert!(settings_puts(&sim).is_empty(), "not saved before the user confirms");
    // And once saved, the list explains why it does not connect.
    add_remote(&sim, "leaderhttp", &[&seed]).await;
    let list = get(&panel, "/remote-clusters").await;
    assert!(list.text("#status-leaderhttp").contains("not its HTTP port"));
}

#[tokio::test]
async fn chinese_pages_use_full_width_colons_and_translate_the_licence() {
    let sim = start_sim("local").await;
    add_remote(&sim, "leader", &["10.0.0.1:9300"]).await;
    put_patterns_using(&sim, "leader", &["p1", "p2"]).await;
    let panel = panel_for(&sim);
    let zh = [("accept-language", "zh-CN")];
    let page = get_with(&panel, "/remote-clusters/leader/delete", &zh).await;
    assert_eq!(page.text("h1"), "删除远程集群");
    assert_eq!(page.text("li[data-remote=leader] .users"), "自动跟随模式：p1、p2");
    assert_eq!(page.text("[data-testid=license]"), "许可证：试用");
    let en = get(&panel, "/remote-clusters/leader/delete").await;
    assert_eq!(en.text("h1"), "Delete remote cluster");
    assert_eq!(en.text("li[data-remote=leader] .users"), "Auto-follow patterns: p1, p2");
    assert_eq!(en.text("[data-testid=license]"), "license: trial");
    let detail = get_with(&panel, "/remote-clusters/leader", &zh).await;
    assert_eq!(detail.texts("#used-by li").len(), 1, "one label for all the patterns");
}

#[tokio::test]
async fn a_flash_sealed_by_another_panel_or_tampered_with_is_ignored() {
    let sim = start_sim("local").await;
    let flash_of = |page: &Page| -> String {
        let mut cookie = page.headers.get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_owned());
        let cookie = cookie.find(|c| c.starts_with("ccr_flash=")).expect("a flash cookie");
        cookie.split(';').next().unwrap().to_owned()
    };
    // Two panels, two random session keys: each seals its flash messages with its own.
    let panel = panel_for(&sim);
    let other = panel_for(&sim);
    add_remote(&sim, "a", &["10.0.0.1:9300"]).await;
    add_remote(&sim, "b", &["10.0.0.2:9300"]).await;
    let ours = flash_of(
        &Visitor::new(&panel).post_form("/remote-clusters/delete", &[("names", "a"), ("confirm", "yes")]).await,
    );
    let theirs = flash_of(
        &Visitor::new(&other).post_form("/remote-clusters/delete", &[("names", "b"), ("confirm", "yes")]).await,
    );

    let genuine = get_with(&panel, "/remote-clusters", &[("cookie", &ours)]).await;
    assert_eq!(genuine.text("#flash"), "Remote cluster a was deleted.", "the control: a genuine flash shows");

    let foreign = get_with(&panel, "/remote-clusters", &[("cookie", &theirs)]).await;
    assert!(foreign.texts("#flash").is_empty(), "a flash sealed with another key says nothing");

    // Any changed character breaks the seal.
    let (name, value) = ours.split_once('=').unwrap();
    let mut bytes = value.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());
    let page = get_with(&panel, "/remote-clusters", &[("cookie", &tampered)]).await;
    assert!(page.texts("#flash").is_empty(), "a tampered flash says nothing");
    assert!(
        page.headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("ccr_flash=")),
        "and is removed"
    );
}
