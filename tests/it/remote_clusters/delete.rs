//! Deleting remote clusters: the confirmation that names what uses a remote, transient
//! definitions, and bulk deletes (names from the body, de-duplicated, capped).

use ccr_panel::es::ClusterSettingsUpdate;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn deleting_asks_first_and_names_the_users() {
    let leader = start_sim("leader").await;
    let sim = start_sim("local").await;
    add_remote(&sim, "leader", &[&leader.transport_address.to_string()]).await;
    let pattern = ccr_panel::es::AutoFollowPattern {
        active: true,
        remote_cluster: "leader".into(),
        leader_index_patterns: vec!["logs-*".into()],
        leader_index_exclusion_patterns: vec![],
        follow_index_pattern: None,
        parameters: Default::default(),
    };
    client(&sim).put_auto_follow_pattern("logs", &pattern).await.unwrap();
    let panel = panel_for(&sim);

    let confirm = get(&panel, "/remote-clusters/leader/delete").await;
    assert_eq!(confirm.status, 200);
    assert_eq!(confirm.text("li[data-remote=leader] .users"), "Auto-follow patterns: logs");
    assert!(confirm.texts("#confirm_in_use").len() == 1);

    sim.sim.clear_requests();
    let unconfirmed = post_form(&panel, "/remote-clusters/leader/delete", &[]).await;
    assert_eq!(unconfirmed.status, 200, "without confirmation, the confirmation page again");
    let no_ack = post_form(&panel, "/remote-clusters/leader/delete", &[("confirm", "yes")]).await;
    assert_eq!(no_ack.status, 422);
    assert!(no_ack.text("#confirm-in-use-error").contains("Tick the confirmation"));
    assert!(settings_puts(&sim).is_empty(), "nothing deleted yet");

    let done =
        post_form(&panel, "/remote-clusters/leader/delete", &[("confirm", "yes"), ("confirm_in_use", "yes")]).await;
    assert_redirect_to(&done, "/remote-clusters");
    assert_eq!(settings_puts(&sim), [json!({"persistent": {"cluster.remote.leader.seeds": null}})]);
    assert!(client(&sim).remote_info().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_transient_remote_is_deleted_from_the_transient_settings() {
    let sim = start_sim("local").await;
    let mut update = ClusterSettingsUpdate::default();
    update.transient.insert("cluster.remote.temp.seeds".into(), json!(["10.0.0.1:9300"]));
    client(&sim).put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&sim);
    assert_eq!(
        get(&panel, "/remote-clusters").await.text("tr[data-remote=temp] [data-col=defined-in]"),
        "transient settings"
    );
    sim.sim.clear_requests();
    let done = post_form(&panel, "/remote-clusters/temp/delete", &[("confirm", "yes")]).await;
    assert!(done.status.is_redirection());
    assert_eq!(settings_puts(&sim), [json!({"transient": {"cluster.remote.temp.seeds": null}})]);
}

#[tokio::test]
async fn bulk_delete_takes_names_from_the_body_and_reports_each() {
    let sim = start_sim("local").await;
    for name in ["a", "b", "c"] {
        add_remote(&sim, name, &["10.0.0.1:9300"]).await;
    }
    let panel = panel_for(&sim);
    let mut visitor = Visitor::new(&panel);
    let confirm = post_form(&panel, "/remote-clusters/delete", &[("names", "a"), ("names", "c")]).await;
    assert_eq!(confirm.status, 200);
    assert_eq!(confirm.texts(".delete-list > li > strong"), ["a", "c"]);
    assert_eq!(confirm.attr("#delete-form", "action").as_deref(), Some("/remote-clusters/delete"));

    // One of the two fails: the other is still deleted, and the report says which.
    let refusal =
        json!({"error": {"root_cause": [], "type": "cluster_block_exception", "reason": "blocked"}, "status": 403});
    sim.sim.inject_fault(
        ccr_panel::sim::Fault::new(
            "/_cluster/settings",
            ccr_panel::sim::FaultKind::Status { status: 403, body: refusal },
        )
        .for_method("PUT")
        .once(),
    );
    let report =
        visitor.post_form("/remote-clusters/delete", &[("names", "a"), ("names", "c"), ("confirm", "yes")]).await;
    // POST, redirect, GET: the list says what was deleted and what was not, and why.
    assert_redirect_to(&report, "/remote-clusters");
    let list = visitor.follow(&report).await;
    assert_eq!(list.text("#flash"), "Remote cluster c was deleted.");
    let failure = list.text("#delete-failures li[data-remote=a]");
    assert!(failure.contains("cluster_block_exception") && failure.contains("blocked"), "{failure}");
    let left: Vec<String> = client(&sim).remote_info().await.unwrap().into_keys().collect();
    assert_eq!(left, ["a", "b"]);

    let none = visitor.post_form("/remote-clusters/delete", &[("confirm", "yes")]).await;
    assert_redirect_to(&none, "/remote-clusters");
    let told = visitor.follow(&none).await;
    assert_eq!(told.text("#flash"), "Nothing was deleted: select at least one remote cluster first.");
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
