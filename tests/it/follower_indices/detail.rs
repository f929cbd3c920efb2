//! The detail page of a follower whose leader history is gone: Failing (even though
//! Elasticsearch still calls it active), with the fatal exception in words a person can act on.

use std::time::Duration;

use ccr_panel::es::FollowParameters;
use serde_json::json;

use crate::helpers::{Visitor, client, eventually, panel_for, start_sim};

#[tokio::test]
async fn an_expired_lease_shows_failing_with_the_fix_and_the_chain_of_causes() {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    let (leader_client, local_client) = (client(&leader), client(&local));
    let settings =
        json!({"settings": {"index.number_of_replicas": 0, "index.soft_deletes.retention_lease.period": "1s"}});
    leader_client.create_index("orders", &settings).await.unwrap();
    crate::helpers::add_remote(&local, "leader", &[&leader.transport_address.to_string()]).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            local_client.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected)
        })
        .await
    );
    ccr_panel::ccr::followers::follow(&local_client, "copy", "leader", "orders", FollowParameters::default())
        .await
        .unwrap();
    local_client.pause_follow("copy").await.unwrap();
    leader_client.index_doc("orders", Some("late"), &json!({"n": 1})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    local_client.resume_follow("copy", &FollowParameters::default()).await.unwrap();

    let panel = panel_for(&local);
    let failing = eventually(Duration::from_secs(5), || async {
        Visitor::new(&panel).get("/follower-indices/copy").await.text("#follower-status") == "Failing"
    })
    .await;
    assert!(failing, "the follower shows Failing");
    let page = Visitor::new(&panel).get("/follower-indices/copy").await;
    assert!(page.text("#fatal-problem").contains("The follower can never catch up"), "{}", page.text("#fatal-problem"));
    assert!(page.text("#fatal-problem .causes").contains("resource_not_found_exception"));
    let list = Visitor::new(&panel).get("/follower-indices?status=failing").await;
    assert_eq!(list.attr("tr[data-follower=copy]", "data-status").as_deref(), Some("failing"));
}
