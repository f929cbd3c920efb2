//! An auto-follow pattern as a person writes it in the form, checked with Elasticsearch's
//! rules before anything is sent, and turned into the `PUT _ccr/auto_follow/{name}` body.
//!
//! `PUT` replaces the whole pattern, and Kibana's form, which knows four fields, wipes the
//! rest on every save. Here the body is built on top of the pattern as Elasticsearch returned
//! it: every field the form does not show (and any a newer version adds) is sent back as it was.

use serde_json::{Map, Value, json};

use super::super::followers::settings::{FollowSettings, SETTINGS, SettingProblems};
use super::super::names::{self, NameProblems, NameRules};

/// Elasticsearch refuses longer pattern names (`PutAutoFollowPatternAction.MAX_NAME_BYTES`).
pub const MAX_NAME_BYTES: usize = 255;
/// Patterns (or exclusions) one form may list: far more than a person means, far fewer than
/// could slow the preview.
pub const MAX_PATTERNS: usize = 100;
/// The index-settings overrides, as JSON text.
pub const MAX_SETTINGS_BYTES: usize = 16 * 1024;

const LEADER_PLACEHOLDER: &str = "{{leader_index}}";

/// What is wrong with a pattern's name; each a catalog key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PatternNameProblem {
    Empty,
    TooLong,
    Comma,
    LeadingUnderscore,
    Space,
    ControlCharacter,
}

impl PatternNameProblem {
    pub const ALL: [PatternNameProblem; 6] = [
        PatternNameProblem::Empty,
        PatternNameProblem::TooLong,
        PatternNameProblem::Comma,
        PatternNameProblem::LeadingUnderscore,
        PatternNameProblem::Space,
        PatternNameProblem::ControlCharacter,
    ];

    pub fn message_key(self) -> &'static str {
        match self {
            PatternNameProblem::Empty => "pattern-name-empty",
            PatternNameProblem::TooLong => "pattern-name-too-long",
            PatternNameProblem::Comma => "pattern-name-comma",
            PatternNameProblem::LeadingUnderscore => "pattern-name-underscore",
            PatternNameProblem::Space => "pattern-name-space",
            PatternNameProblem::ControlCharacter => "pattern-name-control",
        }
    }
}

/// Every problem of a pattern name: Elasticsearch's (no `,`, no leading `_`, at most 255 bytes)
/// and Kibana's (no space), plus control characters, which no one means.
pub fn check_name(name: &str) -> Vec<PatternNameProblem> {
    let mut problems = Vec::new();
    if name.is_empty() {
        return vec![PatternNameProblem::Empty];
    }
    if name.len() > MAX_NAME_BYTES {
        problems.push(PatternNameProblem::TooLong);
    }
    if name.contains(',') {
        problems.push(PatternNameProblem::Comma);
    }
    if name.starts_with('_') {
        problems.push(PatternNameProblem::LeadingUnderscore);
    }
    if name.contains(' ') {
        problems.push(PatternNameProblem::Space);
    }
    if name.chars().any(char::is_control) {
        problems.push(PatternNameProblem::ControlCharacter);
    }
    problems
}

/// Splits a textarea of patterns: one per line, commas also accepted, blanks dropped.
/// `None` when there are more than [`MAX_PATTERNS`] (counting stops there).
pub fn split_patterns(text: &str) -> Option<Vec<String>> {
    let mut patterns = Vec::new();
    for part in text.split(['\n', ',']).map(str::trim).filter(|p| !p.is_empty()) {
        if patterns.len() == MAX_PATTERNS {
            return None;
        }
        if !patterns.iter().any(|p| p == part) {
            patterns.push(part.to_owned());
        }
    }
    Some(patterns)
}

/// How followers are named: `prefix{{leader_index}}suffix`, or a pattern set through the API
/// that the two fields cannot show (kept as it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowIndexPattern {
    Affixes { prefix: String, suffix: String },
    Other(String),
}

impl FollowIndexPattern {
    pub fn parse(pattern: Option<&str>) -> FollowIndexPattern {
        let Some(pattern) = pattern else {
            return FollowIndexPattern::Affixes { prefix: String::new(), suffix: String::new() };
        };
        match pattern.split_once(LEADER_PLACEHOLDER) {
            Some((prefix, suffix)) if !suffix.contains(LEADER_PLACEHOLDER) => {
                FollowIndexPattern::Affixes { prefix: prefix.to_owned(), suffix: suffix.to_owned() }
            }
            _ => FollowIndexPattern::Other(pattern.to_owned()),
        }
    }

    /// The value of `follow_index_pattern`; `None` for "the leader's own name".
    pub fn to_value(&self) -> Option<String> {
        match self {
            FollowIndexPattern::Affixes { prefix, suffix } if prefix.is_empty() && suffix.is_empty() => None,
            FollowIndexPattern::Affixes { prefix, suffix } => Some(format!("{prefix}{LEADER_PLACEHOLDER}{suffix}")),
            FollowIndexPattern::Other(pattern) => Some(pattern.clone()),
        }
    }

    /// The follower a leader index gets.
    pub fn follower_name(&self, leader: &str) -> String {
        match self {
            FollowIndexPattern::Affixes { prefix, suffix } => format!("{prefix}{leader}{suffix}"),
            FollowIndexPattern::Other(pattern) => pattern.replace(LEADER_PLACEHOLDER, leader),
        }
    }
}

/// The form as typed (every field a string; empty means "not set").
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PatternForm {
    pub name: String,
    pub remote_cluster: String,
    pub leader_index_patterns: String,
    pub leader_index_exclusion_patterns: String,
    pub follow_index_prefix: String,
    pub follow_index_suffix: String,
    /// Index settings overrides for the followers, as a JSON object.
    pub settings: String,
    #[serde(flatten)]
    pub follow_settings: std::collections::BTreeMap<String, String>,
}

/// Every problem of the form, by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatternProblems {
    pub name: Vec<PatternNameProblem>,
    pub remote_cluster_missing: bool,
    pub leader_patterns_missing: bool,
    pub too_many_patterns: bool,
    /// (pattern, its problems), leader patterns then exclusions.
    pub bad_patterns: Vec<(String, NameProblems)>,
    pub prefix: NameProblems,
    pub suffix: NameProblems,
    /// The prefix makes every follower name start with `_`, `-` or `+`.
    pub prefix_bad_start: bool,
    /// Exclusions given to a cluster older than 7.14, which does not know them.
    pub exclusions_unsupported: bool,
    /// The overrides are not a JSON object, or are too long.
    pub settings_invalid: bool,
    pub follow_settings: SettingProblems,
}

impl PatternProblems {
    pub fn is_empty(&self) -> bool {
        *self == PatternProblems::default()
    }
}

/// A pattern that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternSpec {
    pub name: String,
    pub remote_cluster: String,
    pub leader_index_patterns: Vec<String>,
    pub leader_index_exclusion_patterns: Vec<String>,
    pub follow_index_pattern: FollowIndexPattern,
    pub follow_settings: FollowSettings,
    /// `None`: no overrides given.
    pub settings: Option<Map<String, Value>>,
}

/// What the cluster supports, as far as the form is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormRules {
    pub major: u32,
    pub exclusions: bool,
}

impl PatternForm {
    /// Checks every field and reports every problem at once.
    pub fn check(&self, rules: FormRules) -> Result<PatternSpec, Box<PatternProblems>> {
        let mut problems = PatternProblems { name: check_name(&self.name), ..PatternProblems::default() };
        problems.remote_cluster_missing = self.remote_cluster.trim().is_empty();
        let leaders = split_patterns(&self.leader_index_patterns);
        let exclusions = split_patterns(&self.leader_index_exclusion_patterns);
        problems.too_many_patterns = leaders.is_none() || exclusions.is_none();
        let leaders = leaders.unwrap_or_default();
        let exclusions = exclusions.unwrap_or_default();
        problems.leader_patterns_missing = leaders.is_empty() && !problems.too_many_patterns;
        problems.exclusions_unsupported = !rules.exclusions && !exclusions.is_empty();
        for pattern in leaders.iter().chain(&exclusions) {
            let found = names::check(pattern, NameRules::pattern(rules.major));
            if !found.is_empty() {
                problems.bad_patterns.push((pattern.clone(), found));
            }
        }
        problems.prefix = names::check_part(&self.follow_index_prefix, NameRules::index(rules.major));
        problems.suffix = names::check_part(&self.follow_index_suffix, NameRules::index(rules.major));
        problems.prefix_bad_start = self.follow_index_prefix.starts_with(['_', '-', '+']);
        let settings = parse_overrides(&self.settings);
        problems.settings_invalid = settings.is_err();
        let follow_settings = FollowSettings::parse(|name| self.follow_settings.get(name).map(String::as_str));
        if let Err(found) = &follow_settings {
            problems.follow_settings = found.clone();
        }
        if !problems.is_empty() {
            return Err(Box::new(problems));
        }
        Ok(PatternSpec {
            name: self.name.clone(),
            remote_cluster: self.remote_cluster.trim().to_owned(),
            leader_index_patterns: leaders,
            leader_index_exclusion_patterns: exclusions,
            follow_index_pattern: FollowIndexPattern::Affixes {
                prefix: self.follow_index_prefix.clone(),
                suffix: self.follow_index_suffix.clone(),
            },
            follow_settings: follow_settings.unwrap_or_default(),
            settings: settings.unwrap_or_default(),
        })
    }

    /// The form filled from a pattern as Elasticsearch returns it (`GET _ccr/auto_follow/{name}`).
    pub fn from_pattern(name: &str, pattern: &Value) -> PatternForm {
        let list = |key: &str| -> String {
            pattern[key]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"))
                .unwrap_or_default()
        };
        let (prefix, suffix) = match FollowIndexPattern::parse(pattern["follow_index_pattern"].as_str()) {
            FollowIndexPattern::Affixes { prefix, suffix } => (prefix, suffix),
            // Shown read-only by the page; the fields stay empty and the value is kept.
            FollowIndexPattern::Other(_) => (String::new(), String::new()),
        };
        let follow_settings = SETTINGS
            .iter()
            .filter_map(|s| {
                let value = &pattern[s.name];
                let text = value.as_str().map(str::to_owned).or_else(|| value.as_u64().map(|n| n.to_string()))?;
                Some((s.name.to_owned(), text))
            })
            .collect();
        PatternForm {
            name: name.to_owned(),
            remote_cluster: pattern["remote_cluster"].as_str().unwrap_or_default().to_owned(),
            leader_index_patterns: list("leader_index_patterns"),
            leader_index_exclusion_patterns: list("leader_index_exclusion_patterns"),
            follow_index_prefix: prefix,
            follow_index_suffix: suffix,
            settings: match &pattern["settings"] {
                Value::Object(map) if !map.is_empty() => serde_json::to_string_pretty(map).unwrap_or_default(),
                _ => String::new(),
            },
            follow_settings,
        }
    }
}

fn parse_overrides(text: &str) -> Result<Option<Map<String, Value>>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_SETTINGS_BYTES {
        return Err(());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(Some(map)).map(|m| m.filter(|m: &Map<String, Value>| !m.is_empty())),
        _ => Err(()),
    }
}

/// Fields of a pattern that Elasticsearch reports but does not take in a `PUT`.
const READ_ONLY_FIELDS: [&str; 1] = ["active"];

impl PatternSpec {
    /// The `PUT` body: the existing pattern (when editing) with the form's fields laid over it.
    /// A follow setting left empty is removed (back to Elasticsearch's default); a follower
    /// name pattern the form could not show is kept as it was.
    pub fn body(&self, existing: Option<&Value>) -> Value {
        let mut body: Map<String, Value> = existing.and_then(Value::as_object).cloned().unwrap_or_default();
        for key in READ_ONLY_FIELDS {
            body.remove(key);
        }
        body.insert("remote_cluster".into(), json!(self.remote_cluster));
        body.insert("leader_index_patterns".into(), json!(self.leader_index_patterns));
        if self.leader_index_exclusion_patterns.is_empty() {
            body.remove("leader_index_exclusion_patterns");
        } else {
            body.insert("leader_index_exclusion_patterns".into(), json!(self.leader_index_exclusion_patterns));
        }
        let kept_other = existing
            .and_then(|e| e["follow_index_pattern"].as_str())
            .map(|p| FollowIndexPattern::parse(Some(p)))
            .filter(|p| matches!(p, FollowIndexPattern::Other(_)));
        let follow = kept_other.as_ref().unwrap_or(&self.follow_index_pattern);
        match follow.to_value() {
            Some(pattern) => body.insert("follow_index_pattern".into(), json!(pattern)),
            None => body.remove("follow_index_pattern"),
        };
        let parameters = serde_json::to_value(self.follow_settings.to_parameters()).unwrap_or_default();
        for spec in SETTINGS {
            match parameters.get(spec.name) {
                Some(value) => body.insert(spec.name.into(), value.clone()),
                None => body.remove(spec.name),
            };
        }
        match &self.settings {
            Some(settings) => body.insert("settings".into(), Value::Object(settings.clone())),
            None => body.remove("settings"),
        };
        Value::Object(body)
    }

    /// The follower name pattern in force after saving over `existing`.
    pub fn effective_follow_pattern(&self, existing: Option<&Value>) -> FollowIndexPattern {
        existing
            .and_then(|e| e["follow_index_pattern"].as_str())
            .map(|p| FollowIndexPattern::parse(Some(p)))
            .filter(|p| matches!(p, FollowIndexPattern::Other(_)))
            .unwrap_or_else(|| self.follow_index_pattern.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: FormRules = FormRules { major: 8, exclusions: true };

    fn form(pairs: &[(&str, &str)]) -> PatternForm {
        let query: String = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('\n', "%0A").replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        serde_urlencoded::from_str(&query).unwrap()
    }

    #[test]
    fn names_follow_elasticsearch_and_kibana() {
        assert!(check_name("logs-mirror").is_empty());
        assert_eq!(
            check_name("_a, b"),
            [PatternNameProblem::Comma, PatternNameProblem::LeadingUnderscore, PatternNameProblem::Space]
        );
        assert_eq!(check_name(&"p".repeat(256)), [PatternNameProblem::TooLong]);
        assert_eq!(check_name(""), [PatternNameProblem::Empty]);
        assert_eq!(check_name("a\nb"), [PatternNameProblem::ControlCharacter]);
    }

    #[test]
    fn patterns_are_split_on_lines_and_commas_and_capped() {
        assert_eq!(split_patterns(" logs-*\nmetrics-*, logs-* ,\n\n").unwrap(), ["logs-*", "metrics-*"]);
        assert!(split_patterns(&"a,".repeat(MAX_PATTERNS + 1)).is_some(), "duplicates are not counted");
        let many: String = (0..=MAX_PATTERNS).map(|i| format!("p{i}\n")).collect();
        assert_eq!(split_patterns(&many), None);
    }

    #[test]
    fn follower_names_come_from_prefix_and_suffix() {
        let affixes = FollowIndexPattern::parse(Some("{{leader_index}}-copy"));
        assert_eq!(affixes, FollowIndexPattern::Affixes { prefix: String::new(), suffix: "-copy".into() });
        assert_eq!(affixes.follower_name("logs-a"), "logs-a-copy");
        assert_eq!(FollowIndexPattern::parse(None).to_value(), None);
        let odd = FollowIndexPattern::parse(Some("{{leader_index}}-{{leader_index}}"));
        assert!(matches!(odd, FollowIndexPattern::Other(_)));
        assert_eq!(odd.follower_name("x"), "x-x");
    }

    #[test]
    fn every_problem_of_the_form_is_reported() {
        let problems = form(&[
            ("name", "_bad name"),
            ("leader_index_patterns", "Logs-*\nok-*"),
            ("leader_index_exclusion_patterns", "a|b"),
            ("follow_index_prefix", "-"),
            ("follow_index_suffix", "#"),
            ("settings", "[1]"),
            ("max_retry_delay", "10m"),
        ])
        .check(RULES)
        .unwrap_err();
        assert_eq!(problems.name, [PatternNameProblem::LeadingUnderscore, PatternNameProblem::Space]);
        assert!(problems.remote_cluster_missing);
        assert_eq!(problems.bad_patterns.len(), 2);
        assert!(problems.prefix_bad_start);
        assert_eq!(problems.suffix.forbidden, "#");
        assert!(problems.settings_invalid);
        assert!(problems.follow_settings.contains_key("max_retry_delay"));
        let old = form(&[
            ("name", "p"),
            ("remote_cluster", "r"),
            ("leader_index_patterns", "a-*"),
            ("leader_index_exclusion_patterns", "a-b"),
        ])
        .check(FormRules { major: 7, exclusions: false })
        .unwrap_err();
        assert!(old.exclusions_unsupported);
    }

    #[test]
    fn a_new_pattern_sends_only_what_was_given() {
        let spec = form(&[
            ("name", "logs"),
            ("remote_cluster", "leader"),
            ("leader_index_patterns", "logs-*"),
            ("leader_index_exclusion_patterns", "logs-debug-*"),
            ("follow_index_suffix", "-copy"),
            ("read_poll_timeout", "30s"),
        ])
        .check(RULES)
        .unwrap();
        assert_eq!(
            spec.body(None),
            json!({
                "remote_cluster": "leader",
                "leader_index_patterns": ["logs-*"],
                "leader_index_exclusion_patterns": ["logs-debug-*"],
                "follow_index_pattern": "{{leader_index}}-copy",
                "read_poll_timeout": "30s",
            })
        );
    }

    #[test]
    fn editing_keeps_every_field_the_form_does_not_change() {
        let existing = json!({
            "active": true,
            "remote_cluster": "leader",
            "leader_index_patterns": ["logs-*", "metrics-*"],
            "leader_index_exclusion_patterns": ["logs-debug-*"],
            "follow_index_pattern": "{{leader_index}}-copy",
            "max_read_request_operation_count": 100,
            "max_retry_delay": "2s",
            "settings": {"index": {"number_of_replicas": "0"}},
            "a_field_from_a_newer_version": {"x": 1},
        });
        let mut edit = PatternForm::from_pattern("p", &existing);
        assert_eq!(edit.leader_index_patterns, "logs-*\nmetrics-*");
        assert_eq!(edit.follow_index_suffix, "-copy");
        assert_eq!(edit.follow_settings["max_read_request_operation_count"], "100");
        edit.leader_index_patterns = "logs-*\nmetrics-2026-*".into();
        let body = edit.check(RULES).unwrap().body(Some(&existing));
        let mut expected = existing.clone();
        expected.as_object_mut().unwrap().remove("active");
        expected["leader_index_patterns"] = json!(["logs-*", "metrics-2026-*"]);
        expected["settings"] = json!({"index": {"number_of_replicas": "0"}});
        assert_eq!(body, expected);

        // Clearing a setting returns it to Elasticsearch's default.
        edit.follow_settings.insert("max_retry_delay".into(), String::new());
        let body = edit.check(RULES).unwrap().body(Some(&existing));
        assert!(body.get("max_retry_delay").is_none());
        assert_eq!(body["max_read_request_operation_count"], 100);
    }

    #[test]
    fn a_follower_name_pattern_the_form_cannot_show_is_kept() {
        let existing = json!({"remote_cluster": "r", "leader_index_patterns": ["a-*"], "follow_index_pattern": "{{leader_index}}-{{leader_index}}"});
        let edit = PatternForm::from_pattern("p", &existing);
        let spec = edit.check(RULES).unwrap();
        assert_eq!(spec.body(Some(&existing))["follow_index_pattern"], "{{leader_index}}-{{leader_index}}");
        assert_eq!(spec.effective_follow_pattern(Some(&existing)).follower_name("a-1"), "a-1-a-1");
    }
}
