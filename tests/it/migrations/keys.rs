//! The messages the migration screens name at run time exist in both languages: step names and
//! their explanations, step states, every per-index outcome the recipe reports, and the
//! overview's follower states.

use ccr_panel::ccr::followers::FollowerStatus;
use ccr_panel::ccr::migrations::plan::StepName;
use ccr_panel::web::migrations::detail::StepState;

fn keys_of(lang: &str) -> Vec<String> {
    let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.to_owned()))
        .collect()
}

#[test]
fn every_runtime_key_of_the_migration_screens_is_in_both_catalogs() {
    let mut wanted: Vec<String> = Vec::new();
    for step in StepName::ALL {
        wanted.push(format!("migration-step-{}", step.as_str()));
        wanted.push(format!("migration-step-{}-about", step.as_str()));
    }
    wanted.extend(StepState::ALL.iter().map(|s| s.key().to_owned()));
    wanted.extend(FollowerStatus::ALL.iter().map(|s| format!("overview-health-{}", s.as_str())));
    // Every outcome key the recipe can report.
    let recipe = include_str!("../../../src/ccr/migrations/recipe.rs");
    let outcomes: Vec<String> = recipe
        .match_indices("\"migration-")
        .map(|(at, _)| recipe[at + 1..].split('"').next().unwrap().to_owned())
        .collect();
    assert!(outcomes.len() > 15, "the scan found the recipe's keys");
    wanted.extend(outcomes);
    for lang in ["en-US", "zh-CN"] {
        let keys = keys_of(lang);
        let missing: Vec<&String> = wanted.iter().filter(|k| !keys.contains(k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
    }
}
