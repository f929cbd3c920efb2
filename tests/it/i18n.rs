//! The two languages: the catalogs agree, templates hold no text of their own, and a page in
//! Chinese carries no English sentence from the catalog.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::helpers::*;

/// `key = value` lines of a Fluent file (the catalogs use single-line messages only).
fn catalog(lang: &str) -> BTreeMap<String, String> {
    let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut messages = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) =
            line.split_once(" = ").unwrap_or_else(|| panic!("{path}:{}: not `key = value`: {line}", number + 1));
        assert!(
            key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{path}:{}: odd key {key:?}",
            number + 1
        );
        assert!(messages.insert(key.to_owned(), value.to_owned()).is_none(), "{path}: {key} appears twice");
    }
    messages
}

fn files_under(dir: &str, extension: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(format!("{}/{dir}", env!("CARGO_MANIFEST_DIR")))];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

/// Keys that enums name at run time, from the enums' own lists of their values.
fn keys_from_enums() -> Vec<String> {
    use ccr_panel::ccr::remote_clusters::DefinedIn;
    use ccr_panel::ccr::remote_clusters::address::AddressError;
    use ccr_panel::ccr::remote_clusters::spec::NameError;
    use ccr_panel::web::chrome::{Health, Nav};
    let mut keys: Vec<String> = Nav::ALL.iter().map(|n| n.key().to_owned()).collect();
    keys.extend(Health::ALL.iter().map(|h| h.key().to_owned()));
    keys.extend(DefinedIn::ALL.iter().map(|d| format!("defined-in-{}", d.key())));
    keys.extend(AddressError::ALL.iter().map(|e| e.key().to_owned()));
    keys.extend(NameError::ALL.iter().map(|e| e.key().to_owned()));
    // The auto-follow pattern screen (issue 12).
    {
        use ccr_panel::ccr::auto_follow::ErrorDiagnosis;
        use ccr_panel::ccr::auto_follow::spec::PatternNameProblem;
        use ccr_panel::ccr::followers::settings::SettingProblem;
        use ccr_panel::ccr::names::NameProblem;
        use ccr_panel::web::auto_follow::validate::{name_problem_key, setting_problem_key};
        keys.extend(PatternNameProblem::ALL.iter().map(|p| p.message_key().to_owned()));
        keys.extend(ErrorDiagnosis::ALL.iter().map(|d| d.message_key().to_owned()));
        keys.extend(SettingProblem::ALL.iter().map(|p| setting_problem_key(*p)));
        keys.extend(NameProblem::ALL.iter().map(|p| name_problem_key(*p).to_owned()));
        keys.extend(["name", "status", "remote", "followers"].map(|c| format!("af-col-{c}")));
        keys.extend(["added", "updated", "deleted", "paused", "resumed"].map(|d| format!("af-done-{d}")));
    }
    {
        // Follower index screens (issue 11).
        use ccr_panel::ccr::followers::create::FollowRefusal;
        use ccr_panel::ccr::followers::{Diagnosis, FollowerStatus, SettingProblem};
        keys.extend(FollowRefusal::ALL.iter().map(|r| r.message_key().to_owned()));
        keys.extend(Diagnosis::ALL.iter().map(|d| d.message_key().to_owned()));
        keys.extend(SettingProblem::ALL.iter().map(|p| p.message_key().to_owned()));
        keys.extend(ccr_panel::ccr::names::NameProblem::ALL.iter().map(|p| p.message_key().to_owned()));
        keys.extend(FollowerStatus::ALL.iter().map(|s| format!("follower-status-{}", s.as_str())));
        keys.extend(
            ccr_panel::ccr::followers::settings::SETTINGS
                .iter()
                .map(|s| format!("follower-setting-{}", s.name.replace('_', "-"))),
        );
    }
    keys
}

/// Keys built at run time from a prefix and a value (`health-{status}`), with every value.
const DYNAMIC_KEYS: &[&str] = &[
    "remote-col-name",
    "remote-col-status",
    "remote-col-mode",
    "remote-col-connections",
    "remote-done-added",
    "remote-done-updated",
    "remote-done-deleted",
    "remote-security-api-key-port",
    "remote-security-no-credentials",
    // Error pages with fixed messages (src/web/error.rs).
    "error-csrf-title",
    "error-csrf",
    "error-proxy-title",
    "error-proxy",
    "error-too-large",
    "error-method",
    "error-unsupported-type",
    "error-internal-title",
    "error-internal",
    // Steps of multi-step actions (src/ccr/steps.rs, src/ccr/followers.rs), shown in reports.
    "step-close-index",
    "step-open-index",
    "step-clear-setting",
    "step-pause-follower",
    "step-resume-follower",
    "step-unfollow",
    "step-outcome-done",
    "step-outcome-failed",
    "step-outcome-undone",
    "step-outcome-undo-failed",
    "step-outcome-not-run",
];

#[test]
fn both_catalogs_have_the_same_keys_and_no_empty_message() {
    let en = catalog("en-US");
    let zh = catalog("zh-CN");
    let en_keys: BTreeSet<_> = en.keys().collect();
    let zh_keys: BTreeSet<_> = zh.keys().collect();
    let only_en: Vec<_> = en_keys.difference(&zh_keys).collect();
    let only_zh: Vec<_> = zh_keys.difference(&en_keys).collect();
    assert!(only_en.is_empty(), "missing from zh-CN: {only_en:?}");
    assert!(only_zh.is_empty(), "missing from en-US: {only_zh:?}");
    for (lang, messages) in [("en-US", &en), ("zh-CN", &zh)] {
        for (key, value) in messages {
            assert!(!value.trim().is_empty(), "{lang}: {key} is empty");
        }
    }
    // A Fluent argument must exist in both languages, or one of them shows a raw `{ $x }`.
    for (key, value) in &en {
        let args = |v: &str| {
            v.match_indices("{ $").map(|(i, _)| v[i..].split('}').next().unwrap().to_owned()).collect::<BTreeSet<_>>()
        };
        assert_eq!(args(value), args(&zh[key]), "arguments of {key} differ");
    }
}

#[test]
fn every_key_the_code_uses_is_in_the_catalog() {
    let en = catalog("en-US");
    let mut sources = files_under("templates", "html");
    sources.extend(files_under("src", "rs"));
    let mut used = BTreeSet::new();
    for (path, text) in &sources {
        for call in [".t(\"", ".t1(\"", ".t_args(\""] {
            for (at, _) in text.match_indices(call) {
                let key = text[at + call.len()..].split('"').next().unwrap();
                used.insert((key.to_owned(), path.clone()));
            }
        }
    }
    assert!(used.len() > 50, "the scan found only {} keys", used.len());
    let missing: Vec<_> = used.iter().filter(|(key, _)| !en.contains_key(key)).collect();
    assert!(missing.is_empty(), "keys used but not in the catalog: {missing:#?}");
    for key in DYNAMIC_KEYS.iter().map(|k| k.to_string()).chain(keys_from_enums()) {
        assert!(en.contains_key(&key), "dynamic key {key} missing");
    }
}

#[test]
fn templates_hold_no_literal_text() {
    // Removes template tags, expressions, comments and HTML tags; what is left is text a user
    // would read, and it must come from the catalog.
    let strip = |text: &str, open: &str, close: &str| -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find(open) {
            out.push_str(&rest[..start]);
            out.push(' ');
            rest = rest[start..].find(close).map(|end| &rest[start + end + close.len()..]).unwrap_or("");
        }
        out.push_str(rest);
        out
    };
    for (path, text) in files_under("templates", "html") {
        let without_template = strip(&strip(&strip(&text, "{#", "#}"), "{%", "%}"), "{{", "}}");
        // User-visible attributes must use an expression too.
        for attribute in ["title=\"", "placeholder=\"", "aria-label=\"", "alt=\""] {
            for (at, _) in without_template.match_indices(attribute) {
                let value = without_template[at + attribute.len()..].split('"').next().unwrap();
                assert!(!value.chars().any(char::is_alphabetic), "{path}: literal {attribute}{value}\"");
            }
        }
        let visible = strip(&strip(&without_template, "<script", "</script>"), "<", ">");
        let leftovers: Vec<&str> = visible
            .split_whitespace()
            .filter(|word| word.chars().any(char::is_alphabetic))
            .filter(|word| !word.starts_with('&')) // entities such as &nbsp;
            .collect();
        assert!(leftovers.is_empty(), "{path} has literal text: {leftovers:?}");
    }
}

/// Catalog sentences long enough that finding one in a page is no coincidence.
pub(crate) fn english_sentences() -> Vec<String> {
    let en = catalog("en-US");
    let zh = catalog("zh-CN");
    en.into_iter()
        .filter(|(key, value)| value.len() > 12 && !value.contains("{ $") && zh[key] != *value)
        .map(|(_, v)| v)
        .collect()
}

#[tokio::test]
async fn pages_in_chinese_carry_no_english_from_the_catalog() {
    let leader = start_sim("leader").await;
    let local = start_sim("local").await;
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update
        .persistent
        .insert("cluster.remote.http-port.seeds".into(), serde_json::json!([leader.http_address.to_string()]));
    client(&local).put_cluster_settings(&update).await.unwrap();
    let panel = panel_for(&local);
    let english = english_sentences();
    let unreachable = panel_with(client_at(&[format!("http://127.0.0.1:{}", closed_port())], Duration::from_secs(2)));
    for (router, path) in [
        (&panel, "/"),
        (&panel, "/remote-clusters"),
        (&panel, "/follower-indices"),
        (&panel, "/auto-follow-patterns"),
        (&panel, "/no/such/page"),
        (&unreachable, "/"),
    ] {
        let page = get_with(router, path, &[("accept-language", "zh-CN")]).await;
        assert_eq!(page.attr("html", "lang").as_deref(), Some("zh-CN"), "{path}");
        let text = page.texts("body").join(" ");
        for sentence in &english {
            assert!(!text.contains(sentence.as_str()), "{path} in zh-CN shows English: {sentence}");
        }
    }
}
