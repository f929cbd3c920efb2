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

/// A pause of everything with a tampered list: names that are not in the plan, each name a
/// thousand times, and more than one round's worth. Each planned item is paused once, at
/// most 100 in one request, and the report says how many are left and where to go on.
#[tokio::test]
async fn a_pause_of_everything_takes_each_planned_item_once_and_at_most_a_round() {
    let (leader_sim, local_sim, _leader, local) = crate::replication::connected_pair().await;
    let names: Vec<String> = (0..101).map(|i| format!("p{i:03}")).collect();
    for name in &names {
        local
            .put_auto_follow_pattern_raw(
                name,
                &json!({"remote_cluster": "leader", "leader_index_patterns": [format!("{name}-*")]}),
            )
            .await
            .unwrap();
    }
    let panel = pair_panel(&local_sim, &leader_sim);
    let mut visitor = Visitor::new(&panel);
    let mut form: Vec<(&str, &str)> = vec![("action", "pause")];
    for _ in 0..1000 {
        form.push(("patterns", "p000"));
        form.push(("patterns", "not-a-pattern"));
        form.push(("followers", "not-a-follower"));
    }
    form.extend(names.iter().map(|n| ("patterns", n.as_str())));
    let report = visitor.post_form("/doctor/replication", &form).await;
    assert_eq!(report.status, 200, "{}", report.body);
    let pauses: Vec<String> = local_sim
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/pause"))
        .map(|r| r.path)
        .collect();
    assert_eq!(pauses.len(), 100, "one round: {}", pauses.len());
    assert_eq!(pauses.iter().filter(|p| p.as_str() == "/_ccr/auto_follow/p000/pause").count(), 1);
    assert_eq!(report.texts("#halt-report li").len(), 100);
    assert!(report.text("#halt-left").contains("1 more ticked were not done yet"), "{}", report.text("main"));
    assert_eq!(report.attr("#halt-continue", "href").as_deref(), Some("/doctor/replication?action=pause"));
    let rest = visitor.get("/doctor/replication?action=pause").await;
    assert_eq!(rest.texts("#halt-patterns input[checked]").len(), 1, "the one left is offered");
}

/// A pattern whose name is markup, with `#` and a space (Elasticsearch only refuses `,` and a
/// leading `_`): the doctor's page shows it as text, and `/doctor.json` gives the same encoded
/// link to its page as the HTML does.
#[tokio::test]
async fn a_markup_name_is_text_on_the_page_and_an_encoded_link_in_json() {
    let (leader_sim, local_sim, leader, local) = crate::replication::connected_pair().await;
    leader.create_index("logs-old", &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    let name = "\"><img src=x onerror=alert(1)> #1";
    local
        .put_auto_follow_pattern_raw(name, &json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"]}))
        .await
        .unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);
    let page = Visitor::new(&panel).get("/doctor").await;
    assert!(page.html().select(&scraper::Selector::parse("img").unwrap()).next().is_none(), "no markup injected");
    let subject = format!("pattern:{name}");
    let d13 = page
        .html()
        .select(&scraper::Selector::parse("li.finding[data-check=D13]").unwrap())
        .find(|li| li.value().attr("data-subject") == Some(subject.as_str()))
        .map(|li| {
            li.select(&scraper::Selector::parse("a.fix-page").unwrap())
                .next()
                .unwrap()
                .value()
                .attr("href")
                .unwrap()
                .to_owned()
        });
    let encoded = "/auto-follow-patterns/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%20%231";
    assert_eq!(d13.as_deref(), Some(encoded), "{:?}", findings(&page));
    let json: serde_json::Value = serde_json::from_str(&Visitor::new(&panel).get("/doctor.json").await.body).unwrap();
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "D13" && c["subject"] == subject.as_str())
        .unwrap();
    assert_eq!(check["fix"]["page"], encoded, "{check}");
}
