//! A leader endpoint entered for this session only: the steps reach the leader through it; its
//! password is in no page, log line, URL or stored plan; another session does not have it (not
//! even with the cookie copied over); signing out forgets it; a bad or unreachable endpoint is
//! a field message and changes nothing.

use ccr_panel::es::Version;
use ccr_panel::logging::LogFormat;
use ccr_panel::sim::SimServer;
use ccr_panel::web::auth::AuthSettings;
use ccr_panel::{AppState, ManagedCluster, app};
use serde_json::json;

use super::*;

/// The leader's password: looked for everywhere it must not be.
const PASSWORD: &str = "admin-pw";

/// A secured 8.15 leader holding `orders` (users as in `start_secured_sim`), and a local
/// cluster the panel manages, which knows nothing of the leader.
async fn leader_and_local() -> (SimServer, SimServer) {
    let leader = start_secured_sim("old").await;
    let admin =
        ccr_panel::es::Auth::Basic { username: "admin".into(), password: secrecy::SecretString::from(PASSWORD) };
    let old = client(&leader).with_auth(Some(admin));
    old.create_index("orders", &json!({})).await.unwrap();
    documents(&old, "orders", 0, 5).await;
    let local = start_sim_with(crate::sim_migration::config("new", Version::new(8, 15, 0))).await;
    (leader, local)
}

fn panel_without_leader(local: &SimServer) -> axum::Router {
    app(AppState::new(vec![ManagedCluster { name: "new".into(), client: client(local) }], AuthSettings::anonymous()))
}

fn endpoint_fields(leader: &SimServer, password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("leader_cluster", String::new()),
        ("leader_url", leader.url()),
        ("leader_username", "admin".into()),
        ("leader_password", password.into()),
        ("leader_indices", "orders".into()),
    ]
}

async fn post_new(visitor: &mut Visitor, fields: &[(&'static str, String)]) -> Page {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    visitor.post_form("/migrations", &fields).await
}

/// Captured lines can be missed when another thread swaps subscribers at the same moment
/// (see `tests/it/hardening.rs`): a run that captured nothing it expects is tried again.
async fn with_log_capture<F, Fut>(once: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..3 {
        if once().await {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn the_steps_reach_the_leader_through_the_session_endpoint_and_the_password_stays_secret() {
    assert!(with_log_capture(steps_through_the_session_endpoint).await, "the log capture saw the migration");
}

/// One run of the test above: whether the log captured the migration's own lines.
async fn steps_through_the_session_endpoint() -> bool {
    let (leader, local) = leader_and_local().await;
    let captured = LogCapture::start(LogFormat::Text, "debug");
    let panel = panel_without_leader(&local);
    let mut visitor = Visitor::new(&panel);
    let mut pages = Vec::new();

    let form = visitor.get("/migrations/new").await;
    assert_eq!(form.attr("#leader_password", "type").as_deref(), Some("password"));
    let created = post_new(&mut visitor, &endpoint_fields(&leader, PASSWORD)).await;
    assert!(created.status.is_redirection(), "{}: {}", created.status, created.body);
    assert!(visitor.cookie("ccr_leader").is_some(), "kept in its own sealed cookie");
    let at = created.header("location").unwrap().to_owned();
    let page = visitor.get(&at).await;
    assert!(page.text("#leader").contains(&leader.url()), "{}", page.text("#leader"));
    assert!(page.texts("#leader-unknown").is_empty(), "known in this session");
    pages.push(page);

    // Every step that touches the leader reaches it (a secured cluster: with the credentials).
    let page = run(&mut visitor, &at, "prepare", &[]).await;
    assert_eq!(outcome(&page, "prepare", "orders"), "migration-ready", "{}", page.body);
    pages.push(page);
    let page = run(&mut visitor, &at, "connect", &[]).await;
    assert_eq!(outcome(&page, "connect", "orders"), "migration-connected", "{}", page.body);
    let seeds = client(&local).cluster_settings().await.unwrap().persistent["cluster.remote.leader.seeds"].clone();
    assert_eq!(seeds, json!([leader.transport_address.to_string()]), "seeds read from the leader's nodes");
    assert!(page.text("#step-prepare details").contains(&format!("curl -X GET \"{}/orders/_settings\"", leader.url())));
    pages.push(page);
    let progress = visitor.get(&format!("{at}/progress")).await;
    pages.push(progress);

    // The password is nowhere: pages, logs, URLs the clusters were sent, the stored plan.
    let log = captured.text();
    assert!(!log.contains(PASSWORD), "a log line holds the password");
    let captured_any = log.contains("migration planned");
    for page in &pages {
        assert!(!page.body.contains(PASSWORD), "a page holds the password");
        for (_, value) in page.headers.iter() {
            assert!(!value.to_str().unwrap_or_default().contains(PASSWORD), "a header holds the password");
        }
    }
    for sim in [&leader, &local] {
        for request in sim.sim.requests() {
            assert!(!format!("{}?{}", request.path, request.query).contains(PASSWORD), "a URL holds the password");
        }
    }
    let id = at.rsplit('/').next().unwrap();
    let stored = client(&local).get_doc("ccr-panel-migrations", id).await.unwrap().unwrap().source.unwrap();
    assert_eq!(stored["leader_endpoint"], json!(leader.url().trim_end_matches('/')), "only the URL is recorded");
    assert!(stored["leader_cluster"].is_null());
    assert!(!stored.to_string().contains(PASSWORD) && !stored.to_string().contains("admin\""), "{stored}");
    captured_any
}

#[tokio::test]
async fn another_session_does_not_have_the_endpoint_not_even_with_the_cookie() {
    let (leader, local) = leader_and_local().await;
    let captured = LogCapture::start(LogFormat::Json, "info");
    let panel = panel_without_leader(&local);
    let mut first = Visitor::new(&panel);
    let created = post_new(&mut first, &endpoint_fields(&leader, PASSWORD)).await;
    let at = created.header("location").unwrap().to_owned();
    let sealed = first.cookie("ccr_leader").unwrap().to_owned();

    let mut second = Visitor::new(&panel);
    let page = second.get(&at).await;
    let notice = page.text("#leader-unknown");
    assert!(notice.contains(&leader.url()) && notice.contains("enter it again"), "{notice}");
    assert_eq!(page.attr("#leader_url", "value"), Some(leader.url()), "the recorded URL is offered");
    assert_eq!(page.attr("#leader_password", "value").as_deref(), Some(""));
    assert!(page.text("#step-prepare details").contains(&leader.url()), "the manual requests still show");
    let page = run(&mut second, &at, "prepare", &[]).await;
    assert_eq!(outcome(&page, "prepare", "orders"), "migration-leader-unknown");

    // The first session's cookie, replayed into the second session, opens as nothing.
    let cookie = format!("{}; ccr_leader={sealed}", second.cookie_header());
    let page = get_with(&panel, &at, &[("cookie", &cookie)]).await;
    assert_eq!(page.texts("#leader-unknown").len(), 1, "bound to the session it was made in");

    // Entering it on the migration's page makes it known to this session too.
    let fields =
        [("leader_url", leader.url()), ("leader_username", "admin".into()), ("leader_password", PASSWORD.into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let entered = second.post_form(&format!("{at}/leader"), &fields).await;
    assert_redirect_to(&entered, &at);
    let page = second.follow(&entered).await;
    assert!(page.texts("#leader-unknown").is_empty(), "{}", page.body);
    assert!(page.text("#flash").contains("known for this session"));
    assert!(!page.body.contains(PASSWORD));
    let log = captured.text();
    assert!(!log.contains(PASSWORD), "a log line holds the password");
}

#[tokio::test]
async fn a_migration_planned_by_hand_gets_its_leader_later_and_the_change_is_audited() {
    assert!(with_log_capture(leader_entered_later).await, "the audit line of the change was captured");
}

/// One run of the test above: whether the change's audit line was captured (and says what).
async fn leader_entered_later() -> bool {
    let (leader, local) = leader_and_local().await;
    let captured = LogCapture::start(LogFormat::Json, "info");
    let panel = panel_without_leader(&local);
    let mut visitor = Visitor::new(&panel);
    let created =
        post_new(&mut visitor, &[("leader_cluster", String::new()), ("leader_indices", "orders".into())]).await;
    let at = created.header("location").unwrap().to_owned();
    let page = visitor.get(&at).await;
    assert!(page.text("#leader-unknown").contains("does not know the leader"), "{}", page.text("#leader-unknown"));

    let fields =
        [("leader_url", leader.url()), ("leader_username", "admin".into()), ("leader_password", PASSWORD.into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let entered = visitor.post_form(&format!("{at}/leader"), &fields).await;
    assert_redirect_to(&entered, &at);
    let plans = ccr_panel::ccr::migrations::plan::list(&client(&local), 10).await.unwrap();
    assert_eq!(plans[0].leader_endpoint.as_deref(), Some(leader.url().trim_end_matches('/')));
    let page = run(&mut visitor, &at, "prepare", &[]).await;
    assert_eq!(outcome(&page, "prepare", "orders"), "migration-ready", "{}", page.body);
    let log = captured.text();
    assert!(!log.contains(PASSWORD), "a log line holds the password");
    let Some(audit) = log.lines().find(|l| l.contains("set_migration_leader")) else { return false };
    assert!(audit.contains(leader.url().trim_end_matches('/')), "{audit}");
    true
}

#[tokio::test]
async fn a_bad_or_unreachable_endpoint_is_a_field_message_and_changes_nothing() {
    let (leader, local) = leader_and_local().await;
    let panel = panel_without_leader(&local);
    let mut visitor = Visitor::new(&panel);
    let down = format!("http://127.0.0.1:{}", closed_port());
    let with_userinfo = leader.url().replace("http://", &format!("http://admin:{PASSWORD}@"));
    for (url, password, expected) in [
        (with_userinfo.as_str(), "", "not in the URL"),
        ("es.example.com:9200", PASSWORD, "must start with http:// or https://"),
        ("http://es.example.com:9200/_security/user", PASSWORD, "no path"),
        (down.as_str(), PASSWORD, "Nothing answered at this address"),
        (leader.url().as_str(), "wrong-pw", "The leader refused these credentials"),
    ] {
        let mut fields = endpoint_fields(&leader, password);
        fields[1].1 = url.to_owned();
        let page = post_new(&mut visitor, &fields).await;
        assert_eq!(page.status, 422, "{url}");
        let messages = page.text("#leader_url-messages");
        assert!(messages.contains(expected), "{url}: {messages}");
        assert_eq!(page.attr("#leader_password", "value").as_deref(), Some(""), "never echoed");
        assert!(!page.body.contains(PASSWORD) && !page.body.contains("wrong-pw"), "{url}");
        assert!(visitor.cookie("ccr_leader").is_none(), "{url}: nothing kept");
    }
    assert!(
        ccr_panel::ccr::migrations::plan::list(&client(&local), 10).await.unwrap().is_empty(),
        "no migration was planned"
    );
    let page = post_new(&mut visitor, &endpoint_fields(&leader, "")).await;
    assert!(page.text("#leader_password-messages").contains("Enter the password"));
    let mut both = endpoint_fields(&leader, PASSWORD);
    both[0].1 = "new".into();
    let page = post_new(&mut visitor, &both).await;
    assert!(page.text("#leader_url-messages").contains("not both"), "{}", page.text("#leader_url-messages"));
    assert!(visitor.cookie("ccr_leader").is_none());

    // On a migration's page: refused the same way, the plan unchanged.
    let created = post_new(&mut visitor, &endpoint_fields(&leader, PASSWORD)).await;
    let at = created.header("location").unwrap().to_owned();
    let before = ccr_panel::ccr::migrations::plan::list(&client(&local), 10).await.unwrap();
    let page = visitor.post_form(&format!("{at}/leader"), &[("leader_url", &down)]).await;
    assert_eq!(page.status, 422);
    assert!(page.text("#leader_url-messages").contains("Nothing answered"));
    assert_eq!(ccr_panel::ccr::migrations::plan::list(&client(&local), 10).await.unwrap(), before);
}

#[tokio::test]
async fn signing_out_forgets_the_endpoint() {
    let (leader, _) = leader_and_local().await;
    let local = start_secured_sim("new").await;
    let panel = panel_signing_in(&local);
    let mut visitor = signed_in(&panel, "admin").await;
    let created = post_new(&mut visitor, &endpoint_fields(&leader, PASSWORD)).await;
    assert!(created.status.is_redirection(), "{}", created.body);
    let at = created.header("location").unwrap().to_owned();
    let sealed = visitor.cookie("ccr_leader").unwrap().to_owned();
    assert!(visitor.get(&at).await.texts("#leader-unknown").is_empty());

    let out = visitor.post_form("/logout", &[]).await;
    assert!(out.headers.get_all("set-cookie").iter().any(|c| {
        let c = c.to_str().unwrap();
        c.starts_with("ccr_leader=") && c.contains("Max-Age=0")
    }));
    assert!(visitor.cookie("ccr_leader").is_none());
    let page = visitor.post_form("/login", &[("username", "admin"), ("password", "admin-pw"), ("next", "/")]).await;
    assert_redirect_to(&page, "/");
    assert_eq!(visitor.get(&at).await.texts("#leader-unknown").len(), 1, "signed in again: not known");
    // Kept from before signing out and sent again: bound to the old session, it opens as nothing.
    let cookie = format!("{}; ccr_leader={sealed}", visitor.cookie_header());
    assert_eq!(get_with(&panel, &at, &[("cookie", &cookie)]).await.texts("#leader-unknown").len(), 1);
}

#[tokio::test]
async fn the_endpoint_fields_speak_chinese() {
    let (leader, local) = leader_and_local().await;
    let panel = panel_without_leader(&local);
    let page = get_with(&panel, "/migrations/new", &[("accept-language", "zh-CN")]).await;
    assert!(page.text("#leader-endpoint legend").contains("仅用于本次会话"));
    assert!(!page.text("#leader-endpoint").contains("this session"), "{}", page.text("#leader-endpoint"));
    let mut visitor = Visitor::new(&panel);
    visitor.headers.push(("accept-language".into(), "zh-CN".into()));
    let mut fields = endpoint_fields(&leader, PASSWORD);
    fields[1].1 = "http://es:9200/x".into();
    let page = post_new(&mut visitor, &fields).await;
    assert_eq!(page.text("#leader_url-messages"), "只写协议、主机和端口：不要路径、查询参数或片段。");
}

#[tokio::test]
async fn a_session_keeps_the_endpoints_of_several_old_clusters() {
    let (first_leader, local) = leader_and_local().await;
    let second_leader = start_sim_with(crate::sim_migration::config("older", Version::new(8, 15, 0))).await;
    client(&second_leader).create_index("orders", &json!({})).await.unwrap();
    let panel = panel_without_leader(&local);
    let mut visitor = Visitor::new(&panel);
    let first = post_new(&mut visitor, &endpoint_fields(&first_leader, PASSWORD)).await;
    let first = first.header("location").unwrap().to_owned();
    // The second cluster has no security: no credentials.
    let fields = vec![
        ("leader_cluster", String::new()),
        ("leader_url", second_leader.url()),
        ("leader_indices", "orders".into()),
    ];
    let second = post_new(&mut visitor, &fields).await;
    assert!(second.status.is_redirection(), "{}", second.body);
    let second = second.header("location").unwrap().to_owned();
    for at in [&first, &second] {
        let page = run(&mut visitor, at, "prepare", &[]).await;
        assert!(page.texts("#leader-unknown").is_empty(), "{at}");
        assert_eq!(outcome(&page, "prepare", "orders"), "migration-ready", "{at}: {}", page.body);
    }
}
