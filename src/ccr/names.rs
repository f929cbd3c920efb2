//! Index names and index patterns, checked with Elasticsearch's own rules
//! (`MetadataCreateIndexService#validateIndexOrAliasName`) before anything is sent, every
//! problem at once, in one pass over the text.
//!
//! The rules: at most 255 bytes, lower case, none of `\ / * ? " < > | , #` or a space (nor `:`
//! from 7.0), not starting with `_`, `-` or `+`, and not `.` or `..`. A pattern may hold `*`.

use std::fmt;

/// Elasticsearch refuses longer index names (`MAX_INDEX_NAME_BYTES`).
pub const MAX_INDEX_NAME_BYTES: usize = 255;

/// One thing wrong with a name; each is a catalog key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameProblem {
    Empty,
    TooLong,
    NotLowercase,
    /// A character Elasticsearch forbids (the page lists which).
    ForbiddenCharacter,
    Space,
    BadStart,
    DotOrDotDot,
}

impl NameProblem {
    pub const ALL: [NameProblem; 7] = [
        NameProblem::Empty,
        NameProblem::TooLong,
        NameProblem::NotLowercase,
        NameProblem::ForbiddenCharacter,
        NameProblem::Space,
        NameProblem::BadStart,
        NameProblem::DotOrDotDot,
    ];

    pub fn message_key(self) -> &'static str {
        match self {
            NameProblem::Empty => "index-name-empty",
            NameProblem::TooLong => "index-name-too-long",
            NameProblem::NotLowercase => "index-name-not-lowercase",
            NameProblem::ForbiddenCharacter => "index-name-forbidden-character",
            NameProblem::Space => "index-name-space",
            NameProblem::BadStart => "index-name-bad-start",
            NameProblem::DotOrDotDot => "index-name-dot",
        }
    }
}

/// Every problem of a name, with the forbidden characters found (each once, in order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameProblems {
    pub problems: Vec<NameProblem>,
    pub forbidden: String,
}

impl NameProblems {
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How strict to be: `:` is forbidden from 7.0; a pattern may hold `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRules {
    pub colon_forbidden: bool,
    pub wildcards: bool,
}

impl NameRules {
    /// Index names on a cluster of this major version.
    pub fn index(major: u32) -> NameRules {
        NameRules { colon_forbidden: major >= 7, wildcards: false }
    }

    /// Index patterns (auto-follow leader patterns).
    pub fn pattern(major: u32) -> NameRules {
        NameRules { wildcards: true, ..NameRules::index(major) }
    }

    /// A part of a name (prefix or suffix added to leader names): no rule about its start or
    /// being empty, the rest the same.
    fn part(self) -> NameRules {
        self
    }
}

fn forbidden(c: char, rules: NameRules) -> bool {
    matches!(c, '\\' | '/' | '?' | '"' | '<' | '>' | '|' | ',' | '#')
        || (c == '*' && !rules.wildcards)
        || (c == ':' && rules.colon_forbidden)
        || c.is_control()
}

fn check_characters(text: &str, rules: NameRules, found: &mut NameProblems) {
    let mut lowercase = true;
    for c in text.chars() {
        if c == ' ' {
            if !found.problems.contains(&NameProblem::Space) {
                found.problems.push(NameProblem::Space);
            }
        } else if forbidden(c, rules) {
            if !found.forbidden.contains(c) && found.forbidden.chars().count() < 16 {
                found.forbidden.push(c);
            }
        } else if c.is_uppercase() {
            lowercase = false;
        }
    }
    if !found.forbidden.is_empty() {
        found.problems.push(NameProblem::ForbiddenCharacter);
    }
    if !lowercase {
        found.problems.push(NameProblem::NotLowercase);
    }
}

/// Checks a whole index name (or pattern).
pub fn check(text: &str, rules: NameRules) -> NameProblems {
    let mut found = NameProblems::default();
    if text.is_empty() {
        found.problems.push(NameProblem::Empty);
        return found;
    }
    if text.len() > MAX_INDEX_NAME_BYTES {
        found.problems.push(NameProblem::TooLong);
    }
    if text.starts_with(['_', '-', '+']) {
        found.problems.push(NameProblem::BadStart);
    }
    if text == "." || text == ".." {
        found.problems.push(NameProblem::DotOrDotDot);
    }
    check_characters(text, rules, &mut found);
    found.problems.sort();
    found
}

/// Checks a part that will be added to a name (a prefix or suffix): only its characters and
/// length; the whole name it makes is checked when it exists.
pub fn check_part(text: &str, rules: NameRules) -> NameProblems {
    let mut found = NameProblems::default();
    if text.len() > MAX_INDEX_NAME_BYTES {
        found.problems.push(NameProblem::TooLong);
    }
    check_characters(text, rules.part(), &mut found);
    found.problems.sort();
    found
}

/// An index name Elasticsearch will accept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexName(String);

impl IndexName {
    pub fn parse(text: &str, major: u32) -> Result<IndexName, NameProblems> {
        let found = check(text, NameRules::index(major));
        if found.is_empty() { Ok(IndexName(text.to_owned())) } else { Err(found) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IndexName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `name` matches a simple wildcard pattern (`*` only), as Elasticsearch's
/// `Regex.simpleMatch` does. Linear in practice: greedy with one backtrack point.
pub fn simple_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ni));
            pi += 1;
        } else if pi < p.len() && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if let Some((star_p, star_n)) = star {
            pi = star_p + 1;
            ni = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_reported() {
        let found = check("_My Index:#?", NameRules::index(8));
        assert_eq!(
            found.problems,
            [NameProblem::NotLowercase, NameProblem::ForbiddenCharacter, NameProblem::Space, NameProblem::BadStart]
        );
        assert_eq!(found.forbidden, ":#?");
        assert!(check("logs:2026", NameRules::index(6)).is_empty(), "':' was allowed before 7.0");
        assert_eq!(check("..", NameRules::index(8)).problems, [NameProblem::DotOrDotDot]);
        assert_eq!(check(&"a".repeat(256), NameRules::index(8)).problems, [NameProblem::TooLong]);
        assert!(check(&"a".repeat(255), NameRules::index(8)).is_empty());
        assert_eq!(check("日".repeat(86).as_str(), NameRules::index(8)).problems, [NameProblem::TooLong], "bytes");
        assert!(check(".hidden-ok", NameRules::index(8)).is_empty());
        assert_eq!(check("", NameRules::index(8)).problems, [NameProblem::Empty]);
        assert!(check("logs-*", NameRules::pattern(8)).is_empty());
        assert_eq!(check("logs-*", NameRules::index(8)).forbidden, "*");
    }

    #[test]
    fn parts_are_checked_for_characters_only() {
        assert!(check_part("", NameRules::index(8)).is_empty());
        assert!(check_part("-copy", NameRules::index(8)).is_empty());
        assert_eq!(check_part("Copy ", NameRules::index(8)).problems, [NameProblem::NotLowercase, NameProblem::Space]);
    }

    #[test]
    fn wildcards_match_like_elasticsearch() {
        assert!(simple_match("logs-*", "logs-2026.11.29"));
        assert!(simple_match("*", "anything"));
        assert!(simple_match("l*s-*-a", "logs-debug-a"));
        assert!(!simple_match("logs-*", "metrics-1"));
        assert!(!simple_match("logs", "logs-1"));
        assert!(simple_match("a*b*c", "a-b-x-c"));
        // A hostile pattern stays fast.
        let long = "a".repeat(10_000);
        assert!(!simple_match(&format!("{}b", "*a".repeat(100)), &long));
    }
}
