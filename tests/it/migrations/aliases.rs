//! Aliases at the cut-over: offered per index, checked before anything runs (name rules, a
//! name already taken), added with one `POST _aliases` after each conversion, and a refused
//! alias named in the report while the converted index stays open and writable.

use ccr_panel::sim::SimServer;
use ccr_panel::sim::fault::{Fault, FaultKind};
use serde_json::{Value, json};

use super::*;

/// A migration of `orders` followed as `new-orders` (prefix `new-`), ready to cut over.
async fn ready_to_cut_over(clusters: &TwoClusters, visitor: &mut Visitor) -> String {
    let created = visitor
        .post_form(
            "/migrations",
            &[("leader_cluster", "old"), ("leader_indices", "orders"), ("follower_index_prefix", "new-")],
        )
        .await;
    assert!(created.status.is_redirection(), "{}", created.body);
    let at = created.header("location").unwrap().to_owned();
    for step in ["prepare", "connect", "follow"] {
        let page = run(visitor, &at, step, &[]).await;
        assert!(page.attr(&format!("#step-{step} [data-state]"), "data-state").unwrap().ends_with("done"), "{step}");
    }
    let new = client(&clusters.local);
    assert!(
        eventually(std::time::Duration::from_secs(10), || async { new.count("new-orders").await.unwrap_or(0) == 20 })
            .await
    );
    at
}

fn alias_posts(sim: &SimServer) -> Vec<Value> {
    sim.sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/_aliases")
        .map(|r| r.body.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn the_leader_index_s_name_and_another_alias_are_added_after_the_conversion() {
    let clusters = TwoClusters::start().await;
    let mut visitor = Visitor::new(&clusters.panel());
    let at = ready_to_cut_over(&clusters, &mut visitor).await;

    let page = visitor.get(&at).await;
    let shown = page.text("#step-cutover details");
    assert!(shown.contains("POST _aliases") && shown.contains(r#""alias": "orders""#), "Show request: {shown}");

    // The options: the leader's name is free here, so it is offered.
    let page = visitor.post_form(&format!("{at}/cutover"), &[("confirm", "yes"), ("options", "aliases")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.texts("#leader_alias_0").len(), 1);
    assert!(page.text("#cutover-aliases").contains("“orders”"));

    clusters.local.sim.clear_requests();
    let fields = [("writes_stopped", "yes"), ("leader_alias_0", "yes"), ("alias_0", "shop-orders")];
    let page = run(&mut visitor, &at, "cutover", &fields).await;
    assert_eq!(outcome(&page, "cutover", "orders"), "migration-converted-alias", "{}", page.body);
    assert!(page.text("#step-cutover tr[data-index='orders']").contains("orders, shop-orders"));
    assert_eq!(
        alias_posts(&clusters.local),
        vec![json!({"actions": [
            {"add": {"index": "new-orders", "alias": "orders"}},
            {"add": {"index": "new-orders", "alias": "shop-orders"}}
        ]})]
    );
    let new = client(&clusters.local);
    let definition = new.index_definition("new-orders").await.unwrap().unwrap();
    assert_eq!(definition.aliases.keys().collect::<Vec<_>>(), ["orders", "shop-orders"]);
    assert_eq!(new.count("orders").await.unwrap(), 20, "the alias reads the converted index");
    new.index_doc("orders", Some("through-alias"), &json!({"n": 1})).await.expect("and writes to it");

    // Safe to repeat: the aliases already point at the index.
    let page = run(&mut visitor, &at, "cutover", &fields).await;
    assert_eq!(outcome(&page, "cutover", "orders"), "migration-converted-alias", "{}", page.body);
}

#[tokio::test]
async fn bad_or_taken_alias_names_are_refused_before_anything_runs() {
    let clusters = TwoClusters::start().await;
    let new = client(&clusters.local);
    new.create_index("taken", &json!({})).await.unwrap();
    let mut visitor = Visitor::new(&clusters.panel());
    let at = ready_to_cut_over(&clusters, &mut visitor).await;
    clusters.local.sim.clear_requests();

    for (alias, expected) in [
        ("Shop", "must be lower case"),
        ("taken", "“taken” is already the name of an index or alias on this cluster"),
        ("new-orders", "“new-orders” is already the name of an index or alias"),
    ] {
        let fields = [("confirm", "yes"), ("writes_stopped", "yes"), ("alias_0", alias)];
        let page = visitor.post_form(&format!("{at}/cutover"), &fields).await;
        assert_eq!(page.status, 422, "{alias}");
        let messages = page.text("#alias_0-messages");
        assert!(messages.contains(expected), "{alias}: {messages}");
        assert_eq!(page.attr("#alias_0", "value").as_deref(), Some(alias), "kept as typed");
    }
    let writes: Vec<String> = clusters
        .local
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.method != "HEAD" && !r.path.starts_with("/ccr-panel-migrations"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "nothing ran: {writes:?}");
    assert!(!new.follow_info("new-orders").await.unwrap().is_empty(), "still a follower");
}

#[tokio::test]
async fn an_alias_elasticsearch_refuses_leaves_the_converted_index_open_and_writable() {
    let clusters = TwoClusters::start().await;
    let new = client(&clusters.local);
    let state = clusters.state();
    let history = state.lag_history.clone();
    let mut visitor = Visitor::new(&ccr_panel::app(state));
    let at = ready_to_cut_over(&clusters, &mut visitor).await;
    assert_eq!(visitor.get("/follower-indices/new-orders").await.status, 200);
    assert_eq!(history.samples("new", "new-orders").len(), 1, "the detail page took a reading");
    // Someone makes an index of that name between the check and the alias (a fault stands in
    // for the race: the add is refused the way Elasticsearch refuses it).
    let body = json!({"error": {"root_cause": [{"type": "invalid_alias_name_exception", "reason": "Invalid alias name [shop-orders]: an index or data stream exists with the same name as the alias"}], "type": "invalid_alias_name_exception", "reason": "Invalid alias name [shop-orders]: an index or data stream exists with the same name as the alias"}, "status": 400});
    clusters
        .local
        .sim
        .inject_fault(Fault::new("/_aliases", FaultKind::Status { status: 400, body }).for_method("POST").once());
    let page = run(&mut visitor, &at, "cutover", &[("writes_stopped", "yes"), ("alias_0", "shop-orders")]).await;
    assert_eq!(outcome(&page, "cutover", "orders"), "migration-alias-failed", "{}", page.body);
    let report = page.text("#step-cutover tr[data-index='orders']");
    assert!(report.contains("shop-orders") && report.contains("invalid_alias_name_exception"), "{report}");
    assert!(page.text("#flash").contains("orders"), "named in the report");
    assert!(new.follow_info("new-orders").await.unwrap().is_empty(), "converted all the same");
    new.index_doc("new-orders", Some("after"), &json!({"n": 0})).await.expect("open and writable");
    assert!(history.samples("new", "new-orders").is_empty(), "a regular index has no lag chart");
    let state = page.attr("#step-cutover [data-state]", "data-state").unwrap();
    assert_eq!(state, "migration-state-failed", "not done: the cut-over can be repeated");
    assert_eq!(page.texts("#step-cutover [data-key='migration-alias-failed']").len(), 1);
}
