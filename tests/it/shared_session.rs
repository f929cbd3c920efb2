//! Two panel instances with the same session key serve the same signed-in people: sessions,
//! CSRF tokens and flash messages are sealed cookies, nothing is kept in one process.

use crate::helpers::{assert_redirect_to, client, panel_signing_in, signed_in, start_secured_sim};

#[tokio::test]
async fn a_session_from_one_instance_works_on_another_with_the_same_key() {
    let sim = start_secured_sim("local").await;
    let admin = client(&sim).with_auth(Some(ccr_panel::es::Auth::Basic {
        username: "admin".into(),
        password: secrecy::SecretString::from("admin-pw".to_owned()),
    }));
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    for (name, seed) in [("east", "10.0.0.1:9300"), ("west", "10.0.0.2:9300")] {
        update.persistent.insert(format!("cluster.remote.{name}.seeds"), serde_json::json!([seed]));
    }
    admin.put_cluster_settings(&update).await.unwrap();
    // Two separately built instances (two processes behind a load balancer) sharing the key.
    let first = panel_signing_in(&sim);
    let second = panel_signing_in(&sim);

    let mut visitor = signed_in(&first, "admin").await;
    let on_first = visitor.get("/remote-clusters").await;
    assert_eq!(on_first.status, 200);
    let token = on_first.attr("input[name=csrf]", "value").expect("a token from the first instance");

    visitor.switch_to(&second);
    for path in ["/", "/remote-clusters", "/follower-indices", "/auto-follow-patterns"] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, 200, "{path} on the second instance: {}", page.body);
        assert_eq!(page.attr("input[name=csrf]", "value").as_deref(), Some(token.as_str()), "{path}");
    }
    // A change posted to the second instance with the first one's token...
    let done = visitor.post_form("/remote-clusters/delete", &[("names", "east"), ("confirm", "yes")]).await;
    assert_redirect_to(&done, "/remote-clusters");
    assert!(!sim.sim.state().persistent.keys().any(|k| k.starts_with("cluster.remote.east.")), "east is gone");
    // ...and its flash, sealed by the second instance, read by the first.
    visitor.switch_to(&first);
    let list = visitor.follow(&done).await;
    assert_eq!(list.text("#flash"), "Remote cluster east was deleted.");
    assert_eq!(list.attr("tr[data-remote=west]", "data-remote").as_deref(), Some("west"));
}
