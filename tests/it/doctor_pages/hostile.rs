//! The doctor's screens against names and forms an attacker chose: names that are markup or
//! shell, tampered fix forms, odd panel subjects.

use std::time::Duration;

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;
use serde_json::json;

use super::{findings, pair_panel};
use crate::helpers::*;

/// A leader index whose name is shell (`$(…)` and backticks are allowed in index names),
/// followed and then deleted on the local cluster (another follower still reads the leader): its orphan lease's fix is a request to copy.
#[tokio::test]
async fn a_shell_name_in_a_fix_request_cannot_run_when_pasted() {
    let leader_sim = start_sim("leader").await;
    let local_sim = start_sim("local").await;
    let (leader, local) = (client(&leader_sim), client(&local_sim));
    let hostile = "gone$(id)`id`";
    leader.create_index("orders", &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    leader.create_index(hostile, &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    add_remote(&local_sim, "leader", &[&leader_sim.transport_address.to_string()]).await;
    let connected = eventually(Duration::from_secs(5), || async {
        local.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected)
    })
    .await;
    assert!(connected);
    followers::follow(&local, "orders-copy", "leader", "orders", FollowParameters::default()).await.unwrap();
    followers::follow(&local, "gone-copy", "leader", hostile, FollowParameters::default()).await.unwrap();
    local.delete_index("gone-copy").await.unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);
    let page = Visitor::new(&panel).get("/doctor").await;
    let orphan = "li.finding[data-check=D11][data-subject='follower:gone-copy']";
    let curl = page.text(&format!("{orphan} code[id$=-curl]"));
    assert!(curl.contains("/gone%24%28id%29%60id%60/_ccr/forget_follower\""), "{curl} {:?}", findings(&page));
    assert!(!curl.contains('`') && !curl.contains("$("), "nothing for the shell: {curl}");
}
