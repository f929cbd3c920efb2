//! The add and edit form: every validation rule and its message, the exact settings sent for add
//! and edit, warnings and their confirmation, notes, Elasticsearch's refusal shown with the
//! input, version differences, and the live request preview.

use ccr_panel::es::{ClusterSettingsUpdate, Version};
use ccr_panel::sim::SimConfig;
use ccr_panel::sim::state::SettingValue;
use ccr_panel::web::auth::AuthSettings;
use ccr_panel::{AppState, ManagedCluster, app};
use serde_json::json;

use crate::helpers::*;

/// Form fields, the field whose message is expected, and the message.
type Case = (&'static [(&'static str, &'static str)], &'static str, &'static str);

#[tokio::test]
async fn each_invalid_field_gets_its_message_and_nothing_is_sent() {
    let sim = start_sim("local").await;
    add_remote(&sim, "existing", &["127.0.0.1:9300"]).await;
    let panel = panel_for(&sim);
    let cases: &[Case] = &[
        (&[("name", ""), ("seeds", "10.0.0.1:9300")], "name", "A name is required."),
        (&[("name", "my remote"), ("seeds", "10.0.0.1:9300")], "name", "Spaces are not allowed in the name."),
        (&[("name", "a.b@c"), ("seeds", "10.0.0.1:9300")], "name", "Remove these characters from the name: . @"),
        (
            &[("name", "existing"), ("seeds", "10.0.0.1:9300")],
            "name",
            "A remote cluster with this name already exists.",
        ),
        (&[("name", "r"), ("seeds", "")], "seeds", "At least one seed node is required."),
        (
            &[("name", "r"), ("seeds", "10.0.0.1")],
            "seeds",
            "10.0.0.1: Add the port, as host:port (the transport port is 9300 by default).",
        ),
        (&[("name", "r"), ("seeds", "10.0.0.1:0")], "seeds", "10.0.0.1:0: The port must be a number from 1 to 65535."),
        (
            &[("name", "r"), ("seeds", "10.0.0.1:70000")],
            "seeds",
            "10.0.0.1:70000: The port must be a number from 1 to 65535.",
        ),
        (
            &[("name", "r"), ("seeds", "10.0.0.256:9300")],
            "seeds",
            "10.0.0.256:9300: This is not a valid IPv4 address (four numbers from 0 to 255).",
        ),
        (
            &[("name", "r"), ("seeds", "::1:9300")],
            "seeds",
            "::1:9300: Write an IPv6 address in brackets, such as [::1]:9300.",
        ),
        (
            &[("name", "r"), ("seeds", "bad_host:9300")],
            "seeds",
            "bad_host:9300: A host name may contain only letters, digits, dots and dashes.",
        ),
        (&[("name", "r"), ("seeds", "h1:9300\nh1:9300")], "seeds", "h1:9300 is listed twice."),
        (
            &[("name", "r"), ("seeds", "h1:9300"), ("node_connections", "0")],
            "node_connections",
            "Enter a whole number from 1 to 2147483647.",
        ),
        (
            &[("name", "r"), ("seeds", "h1:9300"), ("node_connections", "lots")],
            "node_connections",
            "Enter a whole number from 1 to 2147483647.",
        ),
        (&[("name", "r"), ("mode", "proxy"), ("proxy_address", "")], "proxy_address", "An address is required."),
        (
            &[
                ("name", "r"),
                ("mode", "proxy"),
                ("proxy_address", "lb:9400"),
                ("proxy_socket_connections", "3000000000"),
            ],
            "proxy_socket_connections",
            "Enter a whole number from 1 to 2147483647.",
        ),
    ];
    sim.sim.clear_requests();
    for (fields, field, message) in cases {
        let page = submit(&panel, fields).await;
        assert_eq!(page.status, 422, "{fields:?}");
        assert_eq!(errors_on(&page, field), [message.to_string()], "{fields:?}");
        // What the user typed is kept.
        for (name, value) in fields.iter().filter(|(n, _)| ["name", "seeds", "proxy_address"].contains(n)) {
            let shown = if *name == "seeds" {
                page.text("#seeds")
            } else {
                page.attr(&format!("#{name}"), "value").unwrap_or_default()
            };
            assert_eq!(shown.trim(), value.trim().replace('\n', " "), "{name} kept for {fields:?}");
        }
    }
    assert!(settings_puts(&sim).is_empty(), "nothing was sent to Elasticsearch");
}

#[tokio::test]
async fn remotes_from_elasticsearch_yml_clash_too() {
    let mut config = SimConfig::new("local");
    config
        .node_settings
        .insert("cluster.remote.fromyml.seeds".into(), SettingValue::List(vec!["127.0.0.1:9300".into()]));
    let sim = start_sim_with(config).await;
    let panel = panel_for(&sim);
    let page = submit(&panel, &[("name", "fromyml"), ("seeds", "10.0.0.1:9300")]).await;
    assert_eq!(errors_on(&page, "name"), ["A remote cluster with this name already exists."]);

    let list = get(&panel, "/remote-clusters").await;
    assert_eq!(list.text("tr[data-remote=fromyml] [data-col=defined-in]"), "elasticsearch.yml");
    assert!(list.texts("tr[data-remote=fromyml] input[type=checkbox]").is_empty(), "cannot be selected for deletion");
    assert_eq!(list.text("tr[data-remote=fromyml] .actions"), "Read-only (elasticsearch.yml)");
    let edit = get(&panel, "/remote-clusters/fromyml/edit").await;
    assert_eq!(edit.status, 400);
    assert!(edit.text(".explanation").contains("defined in elasticsearch.yml"));
}

#[tokio::test]
async fn adding_sends_exactly_the_settings_and_lands_on_the_list() {
    let leader = start_sim("leader").await;
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let mut visitor = Visitor::new(&panel);
    let seeds = format!("{}\n10.255.255.1:9300", leader.transport_address);
    let page = visitor
        .post_form(
            "/remote-clusters",
            &[
                ("name", "leader"),
                ("mode", "sniff"),
                ("seeds", &seeds),
                ("node_connections", "5"),
                ("skip_unavailable", "true"),
            ],
        )
        .await;
    assert_redirect_to(&page, "/remote-clusters");
    assert_eq!(
        settings_puts(&sim),
        [json!({"persistent": {
            "cluster.remote.leader.mode": "sniff",
            "cluster.remote.leader.seeds": [leader.transport_address.to_string(), "10.255.255.1:9300"],
            "cluster.remote.leader.node_connections": 5,
            "cluster.remote.leader.skip_unavailable": true,
        }})]
    );
    // Without JavaScript: follow the redirect to the list, which says what happened.
    let list = visitor.follow(&page).await;
    assert!(list.text("#flash").starts_with("Remote cluster leader was added."));
    assert!(list.texts("tbody th").contains(&"leader".to_owned()));
    assert!(visitor.get("/remote-clusters").await.texts("#flash").is_empty(), "a flash message shows once");
}

#[tokio::test]
async fn an_http_port_warns_once_and_saves_when_confirmed() {
    let leader = start_sim("leader").await;
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let mut visitor = Visitor::new(&panel);
    for seed in ["10.0.0.1:9200".to_owned(), format!("127.0.0.1:{}", sim.http_address.port())] {
        let page = visitor.post_form("/remote-clusters", &[("name", "http"), ("seeds", &seed)]).await;
        assert_eq!(page.status, 200);
        assert!(page.text(".field-warning").contains("looks like an HTTP port"), "{seed}");
        assert!(page.attr("input[name=acknowledge_warnings]", "value").is_some_and(|v| v.len() == 16));
        assert!(page.texts("#save-anyway").len() == 1);
    }
    assert!(settings_puts(&sim).is_empty(), "a warning blocks the first time");
    // The confirmation covers the warnings it was shown: another suspicious port asks again.
    let warned = visitor.post_form("/remote-clusters", &[("name", "http"), ("seeds", "10.0.0.1:9200")]).await;
    let fingerprint = warned.attr("input[name=acknowledge_warnings]", "value").unwrap();
    let changed = [("name", "http"), ("seeds", "10.0.0.2:9200"), ("acknowledge_warnings", fingerprint.as_str())];
    assert!(visitor.post_form("/remote-clusters", &changed).await.texts("#save-anyway").len() == 1);
    assert!(settings_puts(&sim).is_empty());
    let confirmed = [("name", "http"), ("seeds", "10.0.0.1:9200"), ("acknowledge_warnings", fingerprint.as_str())];
    let page = visitor.post_form("/remote-clusters", &confirmed).await;
    assert_redirect_to(&page, "/remote-clusters");
    assert_eq!(settings_puts(&sim).len(), 1);
    // Seeds at a remote's HTTP port that is not a known one save directly. Elasticsearch's
    // live probe gives no reason for a failed connection, so the list says Not connected with
    // the common causes, not the hint that would claim more than the panel knows.
    let seed = leader.http_address.to_string();
    assert!(
        visitor
            .post_form("/remote-clusters", &[("name", "remotehttp"), ("seeds", &seed)])
            .await
            .status
            .is_redirection()
    );
    let list = get(&panel, "/remote-clusters").await;
    let status = list.text("tr[data-remote=remotehttp] .status");
    assert!(status.starts_with("Not connected") && status.contains("Common causes"), "{status}");
    assert!(!status.contains("not its HTTP port"), "{status}");
}

#[tokio::test]
async fn a_configured_clusters_http_address_is_warned_about() {
    let leader = start_sim("leader").await;
    let sim = start_sim("local").await;
    let clusters = vec![
        ManagedCluster { name: "local".into(), client: client(&sim) },
        ManagedCluster { name: "leader".into(), client: client(&leader) },
    ];
    let panel = app(AppState::new(clusters, AuthSettings::anonymous()));
    // The address the demo prints for the leader, on a port far from 9200.
    let seed = leader.http_address.to_string();
    let page = submit(&panel, &[("name", "leader"), ("seeds", &seed)]).await;
    assert_eq!(page.status, 200);
    assert!(page.text("#seeds-messages .field-warning").contains("looks like an HTTP port"), "{}", page.body);
    assert!(settings_puts(&sim).is_empty(), "not saved before the user confirms");
    // And once saved, the list explains why it does not connect.
    add_remote(&sim, "leaderhttp", &[&seed]).await;
    let list = get(&panel, "/remote-clusters").await;
    assert!(list.text("#status-leaderhttp").contains("not its HTTP port"));
}

#[tokio::test]
async fn a_warning_confirmed_in_another_language_is_the_same_warning() {
    // The confirmation's fingerprint covers the messages' keys and arguments, not their
    // translation: switching the language between warning and confirming still saves.
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let mut visitor = Visitor::new(&panel);
    let warned = visitor.post_form("/remote-clusters", &[("name", "http"), ("seeds", "10.0.0.1:9200")]).await;
    let fingerprint = warned.attr("input[name=acknowledge_warnings]", "value").unwrap();
    visitor.headers.push(("accept-language".into(), "zh-CN".into()));
    let again = visitor.post_form("/remote-clusters", &[("name", "http"), ("seeds", "10.0.0.1:9200")]).await;
    assert_eq!(again.attr("html", "lang").as_deref(), Some("zh-CN"));
    assert_ne!(again.text(".field-warning"), warned.text(".field-warning"), "shown in the new language");
    assert_eq!(again.attr("input[name=acknowledge_warnings]", "value"), Some(fingerprint.clone()));
    let confirmed = [("name", "http"), ("seeds", "10.0.0.1:9200"), ("acknowledge_warnings", fingerprint.as_str())];
    assert_redirect_to(&visitor.post_form("/remote-clusters", &confirmed).await, "/remote-clusters");
    assert_eq!(settings_puts(&sim).len(), 1);
}

#[tokio::test]
async fn a_single_seed_gets_a_note_but_is_saved() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    // While typing, the preview shows the note...
    let preview = get(&panel, "/remote-clusters/new/preview?name=one&mode=sniff&seeds=10.0.0.1%3A9300").await;
    assert_eq!(
        preview.texts(".field-note"),
        ["A single seed node is a single point of failure: add another if you can."]
    );
    let two =
        get(&panel, "/remote-clusters/new/preview?name=one&mode=sniff&seeds=10.0.0.1%3A9300%0A10.0.0.2%3A9300").await;
    assert!(two.texts(".field-note").is_empty());
    // ...and beside the field when the form comes back for another reason...
    let page = submit(&panel, &[("name", "bad name"), ("seeds", "10.0.0.1:9300")]).await;
    assert_eq!(page.texts(".field-note"), ["A single seed node is a single point of failure: add another if you can."]);
    // ...but it never blocks saving.
    let page = submit(&panel, &[("name", "one"), ("seeds", "10.0.0.1:9300")]).await;
    assert!(page.status.is_redirection());
}

#[tokio::test]
async fn editing_to_proxy_nulls_the_sniff_keys_in_the_same_request() {
    let sim = start_sim("local").await;
    add_remote(&sim, "leader", &["10.0.0.1:9300"]).await;
    let panel = panel_for(&sim);
    let form = get(&panel, "/remote-clusters/leader/edit").await;
    assert_eq!(form.status, 200);
    assert_eq!(form.text("#seeds"), "10.0.0.1:9300");
    assert!(form.texts("input#name").is_empty(), "the name is locked: no text field");
    assert_eq!(form.text("#name-locked"), "leader");
    sim.sim.clear_requests();
    let fields = [
        ("name", "renamed"),
        ("mode", "proxy"),
        ("proxy_address", "lb.example.com:9400"),
        ("server_name", "es.example.com"),
    ];
    let page = post_form(&panel, "/remote-clusters/leader", &fields).await;
    assert_redirect_to(&page, "/remote-clusters");
    assert_eq!(
        settings_puts(&sim),
        [json!({"persistent": {
            "cluster.remote.leader.mode": "proxy",
            "cluster.remote.leader.proxy_address": "lb.example.com:9400",
            "cluster.remote.leader.proxy_socket_connections": null,
            "cluster.remote.leader.server_name": "es.example.com",
            "cluster.remote.leader.seeds": null,
            "cluster.remote.leader.node_connections": null,
            "cluster.remote.leader.skip_unavailable": false,
        }})]
    );
    let info = client(&sim).remote_info().await.unwrap();
    assert_eq!(info["leader"].mode.as_deref(), Some("proxy"));
    assert!(!info.contains_key("renamed"));
}

#[tokio::test]
async fn elasticsearchs_refusal_is_shown_in_the_form_with_the_input() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let refusal = json!({"error": {"root_cause": [], "type": "illegal_argument_exception", "reason": "remote disallowed by policy"}, "status": 400});
    sim.sim.inject_fault(
        ccr_panel::sim::Fault::new(
            "/_cluster/settings",
            ccr_panel::sim::FaultKind::Status { status: 400, body: refusal },
        )
        .for_method("PUT")
        .once(),
    );
    let page = submit(&panel, &[("name", "blocked"), ("seeds", "10.0.0.1:9300")]).await;
    assert_eq!(page.status, 400, "Elasticsearch's own status");
    assert!(page.text("#es-error").contains("remote disallowed by policy"));
    assert_eq!(page.attr("#name", "value").as_deref(), Some("blocked"));
}

#[tokio::test]
async fn older_clusters_hide_proxy_mode_and_say_the_status_may_lag() {
    let mut config = SimConfig::new("old");
    config.version = Version::new(7, 5, 2);
    let sim = start_sim_with(config).await;
    add_remote(&sim, "r", &["10.0.0.1:9300"]).await;
    let panel = panel_for(&sim);
    let form = get(&panel, "/remote-clusters/new").await;
    assert!(form.texts("#mode-proxy").is_empty(), "no proxy option before 7.6");
    let refused = submit(&panel, &[("name", "p"), ("mode", "proxy"), ("proxy_address", "lb:9400")]).await;
    assert_eq!(
        errors_on(&refused, "mode"),
        ["This cluster's version does not support proxy mode (it needs 7.6 or later)."]
    );
    let list = get(&panel, "/remote-clusters").await;
    assert!(list.body.contains("may lag behind reality"));
    sim.sim.clear_requests();
    let added = submit(&panel, &[("name", "s"), ("seeds", "10.0.0.2:9300")]).await;
    assert!(added.status.is_redirection());
    assert_eq!(
        settings_puts(&sim),
        [
            json!({"persistent": {"cluster.remote.s.seeds": ["10.0.0.2:9300"], "cluster.remote.s.skip_unavailable": false}})
        ]
    );
}

#[tokio::test]
async fn the_request_preview_follows_the_form() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    let query = serde_urlencoded::to_string([
        ("name", "leader"),
        ("mode", "sniff"),
        ("seeds", "10.0.0.1:9300"),
        ("skip_unavailable", "true"),
    ])
    .unwrap();
    let preview = get_with(&panel, &format!("/remote-clusters/new/preview?{query}"), &[("hx-request", "true")]).await;
    let console = preview.text("#preview-console");
    assert!(console.starts_with("PUT _cluster/settings"));
    assert!(console.contains("\"cluster.remote.leader.seeds\": [ \"10.0.0.1:9300\" ]"), "{console}");
    let curl = preview.text("#preview-curl");
    assert!(curl.starts_with(&format!("curl -X PUT \"{}/_cluster/settings\"", sim.url())), "{curl}");
    assert!(!curl.contains("password"));
    let incomplete = get(&panel, "/remote-clusters/new/preview?name=leader&seeds=nope").await;
    assert!(incomplete.texts("#preview-console").is_empty());
}

#[tokio::test]
async fn editing_a_transient_remote_moves_it_to_persistent_in_one_request() {
    let sim = start_sim("local").await;
    let mut update = ClusterSettingsUpdate::default();
    update.transient.insert("cluster.remote.temp.seeds".into(), json!(["10.0.0.1:9300"]));
    update.transient.insert("cluster.remote.temp.node_connections".into(), json!(2));
    client(&sim).put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&sim);
    let form = get(&panel, "/remote-clusters/temp/edit").await;
    assert_eq!(form.attr("#node_connections", "value").as_deref(), Some("2"), "the configured value, not a default");
    sim.sim.clear_requests();
    let fields = [("mode", "sniff"), ("seeds", "10.0.0.9:9300"), ("node_connections", "2")];
    let page = post_form(&panel, "/remote-clusters/temp", &fields).await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let put = &settings_puts(&sim)[0];
    assert_eq!(
        put["transient"],
        json!({"cluster.remote.temp.seeds": null, "cluster.remote.temp.node_connections": null})
    );
    assert_eq!(put["persistent"]["cluster.remote.temp.seeds"], json!(["10.0.0.9:9300"]));
    assert_eq!(client(&sim).remote_info().await.unwrap()["temp"].seeds, ["10.0.0.9:9300"]);
}

#[tokio::test]
async fn saving_an_unchanged_form_pins_no_defaults() {
    let sim = start_sim("local").await;
    add_remote(&sim, "plain", &["10.0.0.1:9300"]).await;
    let panel = panel_for(&sim);
    let form = get(&panel, "/remote-clusters/plain/edit").await;
    assert_eq!(form.attr("#node_connections", "value").as_deref(), Some(""), "3 is only the default");
    post_form(&panel, "/remote-clusters/plain", &[("mode", "sniff"), ("seeds", "10.0.0.1:9300")]).await;
    let settings = client(&sim).cluster_settings().await.unwrap();
    assert!(!settings.persistent.contains_key("cluster.remote.plain.node_connections"));
}

#[tokio::test]
async fn names_the_panel_uses_for_its_pages_are_refused() {
    let sim = start_sim("local").await;
    let panel = panel_for(&sim);
    for name in ["new", "delete"] {
        let page = submit(&panel, &[("name", name), ("seeds", "10.0.0.1:9300")]).await;
        assert_eq!(page.status, 422);
        assert!(errors_on(&page, "name")[0].contains("reserved"), "{name}");
    }
}
