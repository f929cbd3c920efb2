//! What a pattern will and will not follow, told truthfully before and after saving.
//!
//! Elasticsearch follows only leader indices created after the pattern: the ones that exist
//! already are never followed, which is its users' most common surprise. The preview lists
//! those, the follower name each future match gets, and warns when the patterns would also
//! match the followers' own names (a loop in two-way setups).

use std::collections::HashSet;

use super::super::names::simple_match;
use super::spec::FollowIndexPattern;

/// Existing leader indices shown at most (the count says how many more).
pub const MAX_LISTED: usize = 200;

/// Whether `index` is matched by the patterns and not excluded.
pub fn matches(index: &str, patterns: &[String], exclusions: &[String]) -> bool {
    patterns.iter().any(|p| simple_match(p, index)) && !exclusions.iter().any(|p| simple_match(p, index))
}

/// One existing leader index the patterns match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingMatch {
    pub leader_index: String,
    /// The name its follower would get.
    pub follower_index: String,
    /// A follower of it already exists on the local cluster (made by hand or earlier).
    pub already_followed: bool,
}

/// The preview of a pattern against the remote's indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Existing matches, sorted, at most [`MAX_LISTED`].
    pub existing: Vec<ExistingMatch>,
    /// All existing matches, listed or not.
    pub existing_count: usize,
    /// Indices the exclusions removed (count only).
    pub excluded_count: usize,
    /// A follower name the patterns would match again (a loop where the local cluster is
    /// also a remote of the leader): one example.
    pub loop_example: Option<String>,
    /// An example of a future leader name and its follower.
    pub example: Option<(String, String)>,
}

/// Builds the preview. `remote_indices` are the remote's index names (without the `remote:`
/// prefix); `followed` the leader indices of `remote` that already have a follower locally.
pub fn preview(
    remote_indices: &[String],
    patterns: &[String],
    exclusions: &[String],
    naming: &FollowIndexPattern,
    followed: &HashSet<String>,
) -> Preview {
    let mut matched: Vec<&String> = Vec::new();
    let mut excluded_count = 0;
    for index in remote_indices {
        if !patterns.iter().any(|p| simple_match(p, index)) {
            continue;
        }
        if exclusions.iter().any(|p| simple_match(p, index)) {
            excluded_count += 1;
        } else {
            matched.push(index);
        }
    }
    matched.sort();
    let existing_count = matched.len();
    let existing: Vec<ExistingMatch> = matched
        .into_iter()
        .take(MAX_LISTED)
        .map(|index| ExistingMatch {
            leader_index: index.clone(),
            follower_index: naming.follower_name(index),
            already_followed: followed.contains(index),
        })
        .collect();
    // A sample future leader for each pattern: its wildcards filled in.
    let samples: Vec<String> = patterns.iter().map(|p| p.replace('*', "2026.11.29")).collect();
    let example = samples.first().map(|leader| (leader.clone(), naming.follower_name(leader)));
    let loop_example = existing
        .iter()
        .map(|m| m.leader_index.clone())
        .chain(samples)
        .map(|leader| naming.follower_name(&leader))
        .find(|follower| matches(follower, patterns, exclusions));
    Preview { existing, existing_count, excluded_count, loop_example, example }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn existing_matches_minus_exclusions_are_listed_as_not_followed() {
        let remote = strings(&["logs-old", "logs-debug-old", "metrics-1", "logs-2"]);
        let naming = FollowIndexPattern::parse(Some("{{leader_index}}-copy"));
        let followed: HashSet<String> = ["logs-2".to_owned()].into();
        let shown = preview(&remote, &strings(&["logs-*"]), &strings(&["logs-debug-*"]), &naming, &followed);
        assert_eq!(shown.existing_count, 2);
        assert_eq!(shown.excluded_count, 1);
        assert_eq!(shown.existing[0].leader_index, "logs-2");
        assert!(shown.existing[0].already_followed);
        assert_eq!(shown.existing[1].follower_index, "logs-old-copy");
        assert_eq!(shown.example, Some(("logs-2026.11.29".into(), "logs-2026.11.29-copy".into())));
        assert_eq!(shown.loop_example.as_deref(), Some("logs-2-copy"), "logs-* matches logs-2-copy too");
    }

    #[test]
    fn a_prefix_that_leaves_the_patterns_avoids_the_loop() {
        let naming = FollowIndexPattern::parse(Some("copy-{{leader_index}}"));
        let shown = preview(&strings(&["logs-a"]), &strings(&["logs-*"]), &[], &naming, &HashSet::new());
        assert_eq!(shown.loop_example, None);
        let same_name = FollowIndexPattern::parse(None);
        let shown = preview(&strings(&["logs-a"]), &strings(&["logs-*"]), &[], &same_name, &HashSet::new());
        assert_eq!(shown.loop_example.as_deref(), Some("logs-a"));
    }

    #[test]
    fn the_list_is_bounded() {
        let remote: Vec<String> = (0..10_000).map(|i| format!("logs-{i}")).collect();
        let shown = preview(&remote, &strings(&["logs-*"]), &[], &FollowIndexPattern::parse(None), &HashSet::new());
        assert_eq!((shown.existing.len(), shown.existing_count), (MAX_LISTED, 10_000));
    }
}
