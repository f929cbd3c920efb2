//! One doctor run shared: the fragments a page loads (panels, the overview's count) within a
//! few seconds cost the Elasticsearch requests of one run; "Run again" makes a new run; a fix
//! drops the kept report so the next look shows it; another user never gets someone else's.

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;
use ccr_panel::sim::{RecordedRequest, SimServer};

use super::{findings, pair_panel};
use crate::helpers::*;
use crate::replication::connected_pair;

/// What a run asked, as (method, path, query), sorted: runs compare whatever order their
/// concurrent calls went out in.
fn asked(sim: &SimServer) -> Vec<(String, String, String)> {
    let mut asked: Vec<_> = sim
        .sim
        .requests()
        .into_iter()
        .map(|RecordedRequest { method, path, query, .. }| (method, path, query))
        .collect();
    asked.sort();
    asked
}

const HX: [(&str, &str); 1] = [("hx-request", "true")];

#[tokio::test]
async fn panels_and_the_count_within_the_window_cost_one_run_and_run_again_a_new_one() {
    let (leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    local.pause_follow("copy").await.unwrap();

    // What one run asks, on a panel of its own (a new client, an empty history).
    let alone = pair_panel(&local_sim, &leader_sim);
    local_sim.sim.clear_requests();
    leader_sim.sim.clear_requests();
    assert_eq!(get_with(&alone, "/doctor/results", &HX).await.status, 200);
    let one_run = (asked(&local_sim), asked(&leader_sim));
    assert!(one_run.0.iter().any(|(_, path, _)| path == "/_ccr/stats"), "{:?}", one_run.0);
    assert!(one_run.1.iter().any(|(_, path, _)| path == "/_all/_stats"), "the leader's shard stats: {:?}", one_run.1);

    // Two panels and the count, at the same time and just after: the requests of one run.
    let panel = pair_panel(&local_sim, &leader_sim);
    local_sim.sim.clear_requests();
    leader_sim.sim.clear_requests();
    let headers = HX;
    let (copy, remote, count) = tokio::join!(
        get_with(&panel, "/doctor/panel?subject=follower:copy", &headers),
        get_with(&panel, "/doctor/panel?subject=remote:leader", &headers),
        get_with(&panel, "/doctor/count", &headers),
    );
    let again = get_with(&panel, "/doctor/panel?subject=follower:copy", &headers).await;
    assert!([&copy, &remote, &count, &again].iter().all(|page| page.status == 200));
    assert_eq!((asked(&local_sim), asked(&leader_sim)), one_run, "one run shared");
    assert!(findings(&copy).contains(&("D9".into(), "follower:copy".into(), "warn".into())));
    assert_eq!(findings(&again), findings(&copy));
    assert!(findings(&remote).iter().all(|(_, subject, _)| subject == "remote:leader"));

    // "Run again" is a new run, whatever is kept; the fragments then share its report.
    local_sim.sim.clear_requests();
    leader_sim.sim.clear_requests();
    let rerun = get_with(&panel, "/doctor/results", &headers).await;
    assert_eq!(rerun.status, 200);
    assert!(asked(&local_sim).iter().any(|(_, path, _)| path == "/_ccr/stats"), "a new run");
    assert!(asked(&leader_sim).iter().any(|(_, path, _)| path == "/_all/_stats"), "a new run");
    local_sim.sim.clear_requests();
    get_with(&panel, "/doctor/count", &headers).await;
    assert!(asked(&local_sim).is_empty(), "shared: {:?}", asked(&local_sim));
}

#[tokio::test]
async fn a_fix_drops_the_kept_report_so_the_change_shows_at_once() {
    let (leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);
    let mut visitor = Visitor::new(&panel);
    let d9 = "li.finding[data-check=D9][data-subject='follower:copy']";
    let before = visitor.get("/doctor/panel?subject=follower:copy").await;
    assert_eq!(before.attr(d9, "data-verdict").as_deref(), Some("pass"));

    // Pause everything before an upgrade (the doctor's own fix), then look again at once.
    let report = visitor.post_form("/doctor/replication", &[("action", "pause"), ("followers", "copy")]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(local.follow_info("copy").await.unwrap()[0].status, "paused");
    let after = visitor.get("/doctor/panel?subject=follower:copy").await;
    assert_eq!(after.attr(d9, "data-verdict").as_deref(), Some("warn"), "{:?}", findings(&after));
    assert!(after.text(&format!("{d9} .explanation")).contains("The follower is paused"));
    let card = visitor.get("/doctor/count").await;
    assert!(card.text("#health-doctor").contains("warning"), "{}", card.text("#health-doctor"));

    // A look without a change in between shares the report: the cluster is not asked again.
    local_sim.sim.clear_requests();
    visitor.get("/doctor/panel?subject=follower:copy").await;
    assert!(asked(&local_sim).is_empty(), "{:?}", asked(&local_sim));

    // A refused request changed nothing (here a form with a field missing): still shared.
    let refused = visitor.post_form("/doctor/forget-follower", &[("remote", "leader")]).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    local_sim.sim.clear_requests();
    visitor.get("/doctor/panel?subject=follower:copy").await;
    assert!(!asked(&local_sim).iter().any(|(_, path, _)| path == "/_ccr/stats"), "{:?}", asked(&local_sim));
}

#[tokio::test]
async fn another_user_does_not_get_the_first_users_report() {
    let sim = start_secured_sim("local").await;
    let panel = panel_signing_in(&sim);
    let mut admin = signed_in(&panel, "admin").await;
    let mut viewer = signed_in(&panel, "viewer").await;
    let d7 = "li.finding[data-check=D7][data-subject=cluster]";

    let admins = admin.get("/doctor/panel?subject=cluster").await;
    assert_eq!(admins.status, 200);
    assert_eq!(admins.attr(d7, "data-verdict").as_deref(), Some("pass"), "{:?}", findings(&admins));
    sim.sim.clear_requests();
    let viewers = viewer.get("/doctor/panel?subject=cluster").await;
    assert!(asked(&sim).iter().any(|(_, path, _)| path == "/_ccr/stats"), "a run of the viewer's own");
    assert_ne!(viewers.attr(d7, "data-verdict").as_deref(), Some("pass"), "{:?}", findings(&viewers));
    // And each keeps their own: the admin's next look still says pass, and asks nothing.
    sim.sim.clear_requests();
    let admins_again = admin.get("/doctor/panel?subject=cluster").await;
    assert_eq!(admins_again.attr(d7, "data-verdict").as_deref(), Some("pass"));
    assert!(asked(&sim).is_empty(), "{:?}", asked(&sim));
}
