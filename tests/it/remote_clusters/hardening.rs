//! Hostile and huge input in bounded time with clear refusals and nothing sent, encoded links,
//! and the Chinese pages' punctuation.

use std::time::Duration;

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
