//! What the screen must never do: lose a follower name pattern it cannot show, act without
//! the CSRF token, or render a name as markup; and what it says about a missing pattern.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_follower_name_pattern_the_form_cannot_show_survives_an_edit() {
    let (_leader, local_sim, _, local) = crate::replication::connected_pair().await;
    let created = json!({
        "remote_cluster": "leader",
        "leader_index_patterns": ["a-*"],
        "follow_index_pattern": "{{leader_index}}-{{leader_index}}",
    });
    local.put_auto_follow_pattern_raw("odd", &created).await.unwrap();
    let panel = panel_for(&local_sim);
    let mut visitor = Visitor::new(&panel);
    let form = visitor.get("/auto-follow-patterns/odd/edit").await;
    assert_eq!(form.text("#follow-pattern-kept"), "{{leader_index}}-{{leader_index}}");
    assert!(form.texts("#follow_index_prefix").is_empty(), "no prefix field that would replace it");
    let saved = visitor
        .post_form(
            "/auto-follow-patterns/odd",
            &[("name", "odd"), ("remote_cluster", "leader"), ("leader_index_patterns", "b-*")],
        )
        .await;
    assert_redirect_to(&saved, "/auto-follow-patterns/odd");
    let after = local.auto_follow_pattern_raw("odd").await.unwrap().unwrap();
    assert_eq!(after["follow_index_pattern"], "{{leader_index}}-{{leader_index}}");
    assert_eq!(after["leader_index_patterns"], json!(["b-*"]));
}

#[tokio::test]
async fn every_post_route_of_the_screen_needs_the_csrf_token() {
    let (_leader, local_sim, _, local) = crate::replication::connected_pair().await;
    local
        .put_auto_follow_pattern_raw("p", &json!({"remote_cluster": "leader", "leader_index_patterns": ["a-*"]}))
        .await
        .unwrap();
    let panel = panel_for(&local_sim);
    local_sim.sim.clear_requests();
    for route in [
        "/auto-follow-patterns",
        "/auto-follow-patterns/pause",
        "/auto-follow-patterns/resume",
        "/auto-follow-patterns/delete",
        "/auto-follow-patterns/p",
        "/auto-follow-patterns/p/pause",
        "/auto-follow-patterns/p/resume",
        "/auto-follow-patterns/p/delete",
        "/auto-follow-patterns/p/follow-existing",
    ] {
        let fields = [("names", "p"), ("confirm", "yes"), ("all", "yes"), ("name", "x"), ("remote_cluster", "leader")];
        let forged = post_form_raw(&panel, route, &fields, None).await;
        assert_eq!(forged.status, 403, "{route} accepted a request without a token");
    }
    assert!(local_sim.sim.requests().is_empty(), "nothing reached the cluster");
    assert!(local.auto_follow_pattern_raw("p").await.unwrap().is_some());
}

#[tokio::test]
async fn names_render_inert_and_a_missing_pattern_is_a_404() {
    let (_leader, local_sim, _, local) = crate::replication::connected_pair().await;
    let name = "<b>x&y";
    local
        .put_auto_follow_pattern_raw(name, &json!({"remote_cluster": "leader", "leader_index_patterns": ["a-*"]}))
        .await
        .unwrap();
    let panel = panel_for(&local_sim);
    let list = get(&panel, "/auto-follow-patterns").await;
    assert!(!list.body.contains("<b>x"), "the name is escaped");
    assert_eq!(list.attr(".name-cell a", "href").as_deref(), Some("/auto-follow-patterns/%3Cb%3Ex%26y"));
    let detail = get(&panel, "/auto-follow-patterns/%3Cb%3Ex%26y").await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.text("h1"), name);
    assert_eq!(get(&panel, "/auto-follow-patterns/nothing-here").await.status, 404);
    assert_eq!(get(&panel, "/auto-follow-patterns/nothing-here/edit").await.status, 404);
}
