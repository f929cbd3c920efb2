//! Adding and editing patterns: every problem beside its field, a duplicate refused, the exact
//! body sent, the live preview, and an edit that keeps what the form does not show.

use serde_json::json;

use super::pattern_puts;
use crate::helpers::*;

#[tokio::test]
async fn every_problem_is_shown_beside_its_field_and_nothing_is_sent() {
    let (_leader, local_sim, _, _) = crate::replication::connected_pair().await;
    let panel = panel_for(&local_sim);
    let page = post_form(
        &panel,
        "/auto-follow-patterns",
        &[
            ("name", "_bad name"),
            ("remote_cluster", ""),
            ("leader_index_patterns", "Logs-*\nok-*"),
            ("leader_index_exclusion_patterns", "a|b"),
            ("follow_index_prefix", "-"),
            ("settings", "[1]"),
            ("max_retry_delay", "10m"),
        ],
    )
    .await;
    assert_eq!(page.status, 422);
    assert_eq!(errors_on(&page, "name").len(), 2, "{:?}", errors_on(&page, "name"));
    assert_eq!(errors_on(&page, "remote_cluster").len(), 1);
    assert!(errors_on(&page, "leader_index_patterns")[0].contains("Logs-*"));
    assert!(errors_on(&page, "leader_index_exclusion_patterns")[0].contains("a|b"));
    assert!(!errors_on(&page, "follow_index_prefix").is_empty());
    assert_eq!(errors_on(&page, "settings").len(), 1);
    assert!(errors_on(&page, "max_retry_delay")[0].contains("max_retry_delay"));
    // What was typed is kept.
    assert_eq!(page.text("#leader_index_patterns"), "Logs-* ok-*");
    assert_eq!(page.attr("#max_retry_delay", "value").as_deref(), Some("10m"));
    assert!(pattern_puts(&local_sim, "_bad name").is_empty());
}

#[tokio::test]
async fn a_new_pattern_sends_exactly_the_fields_given_and_lands_on_its_page() {
    let (_leader, local_sim, leader, _) = crate::replication::connected_pair().await;
    leader.create_index("logs-old", &json!({})).await.unwrap();
    let panel = panel_for(&local_sim);
    let mut visitor = Visitor::new(&panel);
    let fields = [
        ("name", "logs"),
        ("remote_cluster", "leader"),
        ("leader_index_patterns", "logs-*"),
        ("leader_index_exclusion_patterns", "logs-debug-*"),
        ("follow_index_suffix", "-copy"),
        ("read_poll_timeout", "30s"),
        ("settings", r#"{"index.number_of_replicas": 0}"#),
    ];
    let page = visitor.post_form("/auto-follow-patterns", &fields).await;
    assert_redirect_to(&page, "/auto-follow-patterns/logs");
    assert_eq!(
        pattern_puts(&local_sim, "logs"),
        [json!({
            "remote_cluster": "leader",
            "leader_index_patterns": ["logs-*"],
            "leader_index_exclusion_patterns": ["logs-debug-*"],
            "follow_index_pattern": "{{leader_index}}-copy",
            "read_poll_timeout": "30s",
            "settings": {"index.number_of_replicas": 0},
        })]
    );
    // After saving: the existing match, not followed, with the offer to follow it.
    let detail = visitor.follow(&page).await;
    assert!(detail.text("#flash").contains("logs"));
    assert_eq!(detail.attr("#existing-matches input[name=leaders]", "value").as_deref(), Some("logs-old"));
    assert!(detail.text("#existing-matches").contains("logs-old-copy"));

    // The same name again is refused, and nothing is sent.
    let again = visitor.post_form("/auto-follow-patterns", &fields).await;
    assert_eq!(again.status, 422);
    assert!(errors_on(&again, "name")[0].contains("exists"));
    assert_eq!(pattern_puts(&local_sim, "logs").len(), 1);
}

#[tokio::test]
async fn the_preview_lists_existing_matches_as_not_followed_and_shows_the_request() {
    let (_leader, local_sim, leader, _) = crate::replication::connected_pair().await;
    for index in ["logs-old", "logs-debug-old", "metrics-1"] {
        leader.create_index(index, &json!({})).await.unwrap();
    }
    let panel = panel_for(&local_sim);
    let page = get(
        &panel,
        "/auto-follow-patterns/new/preview?name=logs&remote_cluster=leader&leader_index_patterns=logs-*\
         &leader_index_exclusion_patterns=logs-debug-*&follow_index_suffix=-copy",
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.texts("#preview-existing li[data-leader]").len(), 1);
    assert_eq!(page.attr("#preview-existing li", "data-leader").as_deref(), Some("logs-old"));
    assert!(page.text("#existing-not-followed-note").contains("NOT be followed"));
    assert!(page.text("#preview-excluded").contains('1'));
    assert!(page.text("#preview-example").contains("-copy"));
    assert!(page.text("#preview-console").starts_with("PUT _ccr/auto_follow/logs"));
    assert!(page.text("#preview-curl").contains("/_ccr/auto_follow/logs"));
    // Without a suffix, logs-* matches the followers' own names: the loop warning.
    let looped =
        get(&panel, "/auto-follow-patterns/new/preview?name=logs&remote_cluster=leader&leader_index_patterns=logs-*")
            .await;
    assert!(looped.text("#preview-loop").contains("logs-"));
}

#[tokio::test]
async fn editing_through_the_panel_keeps_every_field_the_form_does_not_change() {
    let (_leader, local_sim, _, local) = crate::replication::connected_pair().await;
    let created = json!({
        "remote_cluster": "leader",
        "leader_index_patterns": ["logs-*", "metrics-*"],
        "leader_index_exclusion_patterns": ["logs-debug-*"],
        "follow_index_pattern": "{{leader_index}}-copy",
        "max_read_request_operation_count": 100,
        "max_retry_delay": "2s",
        "settings": {"index.number_of_replicas": 0},
    });
    local.put_auto_follow_pattern_raw("mirror", &created).await.unwrap();
    let before = local.auto_follow_pattern_raw("mirror").await.unwrap().unwrap();
    let panel = panel_for(&local_sim);
    let mut visitor = Visitor::new(&panel);
    let form = visitor.get("/auto-follow-patterns/mirror/edit").await;
    assert_eq!(form.status, 200, "{}", form.body);
    // Every field as the edit page shows it, with one pattern line changed.
    let html = form.html();
    let mut fields: Vec<(String, String)> = Vec::new();
    for element in html
        .select(&scraper::Selector::parse("#pattern-form input, #pattern-form textarea, #pattern-form select").unwrap())
    {
        let Some(name) = element.value().attr("name") else { continue };
        if name == "csrf" {
            continue;
        }
        let value = match element.value().name() {
            "textarea" => element.text().collect::<String>(),
            "select" => element
                .select(&scraper::Selector::parse("option[selected]").unwrap())
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default()
                .to_owned(),
            _ => element.value().attr("value").unwrap_or_default().to_owned(),
        };
        fields.push((name.to_owned(), value));
    }
    let patterns = fields.iter_mut().find(|(n, _)| n == "leader_index_patterns").unwrap();
    assert_eq!(patterns.1, "logs-*\nmetrics-*");
    patterns.1 = "logs-*\nmetrics-2026-*".into();
    assert!(fields.iter().any(|(n, v)| n == "max_read_request_operation_count" && v == "100"));
    assert!(fields.iter().any(|(n, v)| n == "leader_index_exclusion_patterns" && v == "logs-debug-*"));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let saved = visitor.post_form("/auto-follow-patterns/mirror", &borrowed).await;
    assert_redirect_to(&saved, "/auto-follow-patterns/mirror");

    let after = local.auto_follow_pattern_raw("mirror").await.unwrap().unwrap();
    assert_eq!(after["leader_index_patterns"], json!(["logs-*", "metrics-2026-*"]));
    assert_eq!(after["leader_index_exclusion_patterns"], json!(["logs-debug-*"]));
    assert_eq!(after["follow_index_pattern"], "{{leader_index}}-copy");
    assert_eq!(after["max_read_request_operation_count"], 100);
    assert_eq!(after["max_retry_delay"], "2s");
    assert_eq!(after["settings"], before["settings"], "the index settings overrides are kept");
}

#[tokio::test]
async fn the_name_is_locked_on_edit_and_reserved_names_are_refused() {
    let (_leader, local_sim, _, local) = crate::replication::connected_pair().await;
    local
        .put_auto_follow_pattern_raw("mirror", &json!({"remote_cluster": "leader", "leader_index_patterns": ["a-*"]}))
        .await
        .unwrap();
    let panel = panel_for(&local_sim);
    let page = post_form(
        &panel,
        "/auto-follow-patterns/mirror",
        &[("name", "other"), ("remote_cluster", "leader"), ("leader_index_patterns", "b-*")],
    )
    .await;
    assert_redirect_to(&page, "/auto-follow-patterns/mirror");
    assert!(local.auto_follow_pattern_raw("other").await.unwrap().is_none());
    assert_eq!(
        local.auto_follow_pattern_raw("mirror").await.unwrap().unwrap()["leader_index_patterns"],
        json!(["b-*"])
    );

    let reserved = post_form(
        &panel,
        "/auto-follow-patterns",
        &[("name", "new"), ("remote_cluster", "leader"), ("leader_index_patterns", "b-*")],
    )
    .await;
    assert_eq!(reserved.status, 422);
    assert_eq!(errors_on(&reserved, "name").len(), 1);
}

#[tokio::test]
async fn an_invalid_name_is_not_even_looked_up() {
    let (_leader, local_sim, _, _) = crate::replication::connected_pair().await;
    let panel = panel_for(&local_sim);
    local_sim.sim.clear_requests();
    let page = post_form(
        &panel,
        "/auto-follow-patterns",
        &[("name", "_x"), ("remote_cluster", "leader"), ("leader_index_patterns", "a-*")],
    )
    .await;
    assert_eq!(page.status, 422);
    assert_eq!(errors_on(&page, "name").len(), 1);
    let asked: Vec<String> = local_sim.sim.requests().into_iter().map(|r| r.path).collect();
    assert!(!asked.iter().any(|p| p.starts_with("/_ccr/auto_follow/_x")), "{asked:?}");
}
