//! Every explanation and title the doctor can produce is in both catalogs. The keys are read
//! from the doctor's own source (every `"doctor-…"` literal in `src/ccr/doctor/`), so a check
//! added later is covered without a list kept by hand.

use std::collections::BTreeSet;

use ccr_panel::ccr::doctor::CheckId;

fn catalog_keys(lang: &str) -> BTreeSet<String> {
    let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.to_owned()))
        .collect()
}

fn keys_in_doctor_source() -> BTreeSet<String> {
    let dir = format!("{}/src/ccr/doctor", env!("CARGO_MANIFEST_DIR"));
    let mut keys = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("\"doctor-") {
            let key = text[at + 1..].split('"').next().unwrap();
            // `format!("doctor-{}-title", ...)` is a template, not a key: titles come below.
            if !key.contains('{') {
                keys.insert(key.to_owned());
            }
        }
    }
    keys
}

#[test]
fn every_key_the_doctor_can_produce_is_in_both_catalogs() {
    let mut keys = keys_in_doctor_source();
    assert!(keys.len() > 25, "the scan found only {keys:?}");
    // The title of every check that produces findings today (one with a key of its own).
    let titles: Vec<String> = CheckId::ALL
        .iter()
        .filter(|c| keys.iter().any(|k| k.starts_with(&format!("doctor-{}-", c.code().to_ascii_lowercase()))))
        .map(|c| c.title_key())
        .collect();
    assert!(titles.len() >= 10, "{titles:?}");
    keys.extend(titles);
    for lang in ["en-US", "zh-CN"] {
        let catalog = catalog_keys(lang);
        let missing: Vec<&String> = keys.iter().filter(|k| !catalog.contains(*k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:#?}");
    }
}

/// Keys the doctor's screens build at run time from a prefix and a value.
const SCREEN_KEYS: &[&str] = &[
    "doctor-verdict-fail",
    "doctor-verdict-warn",
    "doctor-verdict-not-checked",
    "doctor-verdict-pass",
    "doctor-subject-cluster",
    "doctor-subject-remote",
    "doctor-subject-follower",
    "doctor-subject-pattern",
    "doctor-side-local",
    "doctor-side-leader",
    "doctor-licence-status-active",
    "doctor-licence-status-expired",
    "doctor-licence-status-invalid",
    "doctor-halt-pause-title",
    "doctor-halt-pause-explains",
    "doctor-halt-pause-nothing",
    "doctor-halt-pause-button",
    "doctor-halt-resume-title",
    "doctor-halt-resume-explains",
    "doctor-halt-resume-nothing",
    "doctor-halt-resume-button",
    "doctor-halt-pause-continue",
    "doctor-halt-resume-continue",
    "doctor-forget-not-an-orphan",
    "doctor-forget-released",
    "doctor-forget-still-following",
    "doctor-forget-no-leader",
    "doctor-forget-refused",
    "doctor-forget-confirm-required",
    "doctor-halt-bad-action",
    "doctor-halt-nothing-chosen",
    "doctor-bad-subject",
];

#[test]
fn every_key_the_doctor_screens_build_is_in_both_catalogs() {
    for lang in ["en-US", "zh-CN"] {
        let catalog = catalog_keys(lang);
        let missing: Vec<&&str> = SCREEN_KEYS.iter().filter(|k| !catalog.contains(**k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
    }
}
