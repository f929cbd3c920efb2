//! The pattern list a page at a time (issue 15): 50 rows per page, the search and the sort
//! applied to every pattern before the cut and kept by the page links, a page past the end
//! showing the last page, and the bulk actions coming back to the page they were sent from.

use ccr_panel::sim::SimServer;
use ccr_panel::sim::state::AutoFollowPattern;
use serde_json::json;

use crate::helpers::*;

/// 120 patterns put straight into the simulator's state: `logs-000` .. `logs-079` on the
/// remote `east`, `metrics-000` .. `metrics-039` on `west`.
async fn sim_with_patterns() -> SimServer {
    let local = start_sim("local").await;
    {
        let mut state = local.sim.state();
        let names = (0..80)
            .map(|i| (format!("logs-{i:03}"), "east"))
            .chain((0..40).map(|i| (format!("metrics-{i:03}"), "west")));
        for (name, remote) in names {
            let body = json!({
                "remote_cluster": remote,
                "leader_index_patterns": [format!("{name}-*")],
                "leader_index_exclusion_patterns": [],
            });
            state.auto_follow.insert(name, AutoFollowPattern { active: true, body, followed: Default::default() });
        }
    }
    local
}

fn row_names(page: &Page) -> Vec<String> {
    page.html()
        .select(&scraper::Selector::parse("#auto-follow-patterns tbody tr").unwrap())
        .map(|r| r.value().attr("data-pattern").unwrap().to_owned())
        .collect()
}

fn next_link(page: &Page) -> Option<String> {
    page.attr("nav.pagination a[rel=next]", "href")
}

#[tokio::test]
async fn a_hundred_and_twenty_patterns_are_three_pages_of_fifty_that_reach_each_once() {
    let local = sim_with_patterns().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let first = visitor.get("/auto-follow-patterns").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(row_names(&first).len(), 50);
    assert_eq!(first.text("#page-of"), "Page 1 of 3");
    assert!(first.texts("nav.pagination a[rel=prev]").is_empty());
    // The count is about every pattern, not the page.
    assert_eq!(first.text("#pattern-count"), "120 of 120 auto-follow patterns");

    let mut seen = row_names(&first);
    let mut page = first;
    while let Some(next) = next_link(&page) {
        page = visitor.get(&next).await;
        assert_eq!(page.status, 200, "{next}");
        assert!(page.attr("nav.pagination a[rel=prev]", "href").is_some(), "{next} links back");
        seen.extend(row_names(&page));
        assert!(seen.len() <= 120, "the next links go round");
    }
    assert_eq!(page.text("#page-of"), "Page 3 of 3");
    let mut expected: Vec<String> =
        (0..80).map(|i| format!("logs-{i:03}")).chain((0..40).map(|i| format!("metrics-{i:03}"))).collect();
    expected.sort();
    assert_eq!(seen, expected, "every pattern exactly once, in order");
}

#[tokio::test]
async fn a_search_is_kept_by_the_pages_and_applies_before_the_cut() {
    let local = sim_with_patterns().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let first = visitor.get("/auto-follow-patterns?q=logs").await;
    assert_eq!(first.text("#pattern-count"), "80 of 120 auto-follow patterns");
    assert_eq!(first.text("#page-of"), "Page 1 of 2");
    let next = next_link(&first).expect("a next link");
    assert!(next.contains("q=logs"), "{next}");
    let second = visitor.get(&next).await;
    let names = row_names(&second);
    assert_eq!(names.len(), 30);
    assert!(names.iter().all(|n| n.starts_with("logs-")), "{names:?}");
    assert_eq!(names[0], "logs-050");
    assert_eq!(second.attr("#pattern-search", "value").as_deref(), Some("logs"));
    // The bulk actions' form comes back to this view.
    assert_eq!(second.attr("#bulk-actions input[name=back]", "value").as_deref(), Some("q=logs&page=2"));
}

#[tokio::test]
async fn a_page_past_the_end_shows_the_last_page() {
    let local = sim_with_patterns().await;
    let panel = panel_for(&local);
    let page = get(&panel, "/auto-follow-patterns?page=99").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.text("#page-of"), "Page 3 of 3");
    assert_eq!(row_names(&page).len(), 20);
    assert!(next_link(&page).is_none());
    assert!(page.attr("nav.pagination a[rel=prev]", "href").unwrap().contains("page=2"));
}

#[tokio::test]
async fn a_sort_is_kept_by_the_pages_and_a_new_sort_or_search_starts_at_page_one() {
    let local = sim_with_patterns().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    // By remote, descending: `west` (the metrics) first, then `east`, each by name.
    let first = visitor.get("/auto-follow-patterns?sort=remote&desc=true").await;
    let names = row_names(&first);
    assert_eq!((names[0].as_str(), names[40].as_str()), ("metrics-000", "logs-000"));
    let next = next_link(&first).expect("a next link");
    assert!(next.contains("sort=remote") && next.contains("desc=true"), "{next}");
    let second = visitor.get(&next).await;
    assert_eq!(row_names(&second)[0], "logs-010");
    assert_eq!(second.text("#page-of"), "Page 2 of 3");
    // The column links and the search form start again at page 1, the search keeping the sort.
    for href in second.html().select(&scraper::Selector::parse("#auto-follow-patterns thead a").unwrap()) {
        let href = href.value().attr("href").unwrap();
        assert!(!href.contains("page="), "{href}");
    }
    assert_eq!(second.attr("form[role=search] input[name=sort]", "value").as_deref(), Some("remote"));
    assert!(second.texts("form[role=search] input[name=page]").is_empty());
}

#[tokio::test]
async fn a_bulk_pause_from_a_page_comes_back_to_that_page() {
    let local = sim_with_patterns().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let second = visitor.get("/auto-follow-patterns?q=logs&page=2").await;
    let back = second.attr("#bulk-actions input[name=back]", "value").unwrap();
    let paused = visitor
        .post_form("/auto-follow-patterns/pause", &[("back", &back), ("names", "logs-060"), ("names", "logs-061")])
        .await;
    assert_redirect_to(&paused, "/auto-follow-patterns?q=logs&page=2");
    let list = visitor.follow(&paused).await;
    assert!(list.text("#flash").contains("Paused"));
    assert_eq!(list.text("tr[data-pattern=logs-060] [data-col=status]"), "Paused");
    assert_eq!(list.text("#page-of"), "Page 2 of 2");
    assert!(!local.sim.state().auto_follow["logs-060"].active);

    // A bulk delete asks first, and the confirmation keeps the view too.
    let confirm = visitor.post_form("/auto-follow-patterns/delete", &[("back", &back), ("names", "logs-060")]).await;
    assert_eq!(confirm.status, 200);
    assert_eq!(confirm.attr("#delete-form input[name=back]", "value").as_deref(), Some(back.as_str()));
    let deleted = visitor
        .post_form("/auto-follow-patterns/delete", &[("back", &back), ("names", "logs-060"), ("confirm", "yes")])
        .await;
    assert_redirect_to(&deleted, "/auto-follow-patterns?q=logs&page=2");
    // Only a redirect into the list: whatever else is sent as `back` stays on it.
    let elsewhere =
        visitor.post_form("/auto-follow-patterns/pause", &[("back", "//evil.example/x"), ("names", "logs-061")]).await;
    assert_redirect_to(&elsewhere, "/auto-follow-patterns");
}

#[tokio::test]
async fn each_pattern_names_the_followers_of_its_own_remote_only() {
    let local = sim_with_patterns().await;
    {
        // The same leader names followed from both remotes: `logs-000-a` from `east` and from
        // `west`, `metrics-000-a` from `west` only.
        let mut state = local.sim.state();
        for (follower, remote, leader) in [
            ("east-logs", "east", "logs-000-a"),
            ("west-logs", "west", "logs-000-a"),
            ("west-metrics", "west", "metrics-000-a"),
            ("east-other", "east", "other-1"),
        ] {
            let mut index = ccr_panel::sim::state::Index::new(format!("uuid-{follower}"), Default::default());
            let mut state_of =
                ccr_panel::sim::follower::FollowerState::new(remote, leader, "leader-uuid", json!({}), 1);
            state_of.active = false;
            index.follower = Some(state_of);
            state.indices.insert(follower.to_owned(), index);
        }
    }
    let panel = panel_for(&local);
    let page = get(&panel, "/auto-follow-patterns?q=000").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let followers_of = |pattern: &str| {
        page.texts(&format!("#auto-follow-patterns tr[data-pattern=\"{pattern}\"] td[data-col=followers] a"))
    };
    assert_eq!(followers_of("logs-000"), ["east-logs"]);
    assert_eq!(row_names(&page), ["logs-000", "metrics-000"]);
    assert_eq!(followers_of("metrics-000"), ["west-metrics"]);
    // And the pattern's own page says the same.
    let detail = get(&panel, "/auto-follow-patterns/logs-000").await;
    assert_eq!(detail.status, 200);
    assert_eq!(detail.texts("#pattern-followers a"), ["east-logs"]);
}
