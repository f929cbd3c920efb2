//! The pattern form's problems, by field, as untranslated messages: the domain
//! (`ccr::auto_follow::spec`) says what is wrong, this module says where and in which words.

use std::collections::BTreeMap;

use crate::ccr::auto_follow::spec::{MAX_PATTERNS, PatternForm, PatternProblems, PatternSpec, split_patterns};
use crate::ccr::followers::settings::SettingProblem;
use crate::ccr::names::{NameProblem, NameProblems};
use crate::i18n::Message;

/// Names the panel's own pages take (`/auto-follow-patterns/new`, the bulk actions): a
/// pattern with one of them could not be reached, so the form refuses them.
pub const RESERVED_NAMES: [&str; 4] = ["new", "pause", "resume", "delete"];

/// Messages by field name.
#[derive(Debug, Default)]
pub struct FieldMessages(BTreeMap<String, Vec<Message>>);

impl FieldMessages {
    pub fn add(&mut self, field: &str, message: Message) {
        self.0.entry(field.to_owned()).or_default().push(message);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn clear(&mut self, field: &str) {
        self.0.remove(field);
    }
    pub fn on(&self, field: &str) -> &[Message] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }
}

/// The form checked: the spec when valid, messages by field (the shape `macros.html` reads).
#[derive(Debug, Default)]
pub struct Checked {
    pub spec: Option<PatternSpec>,
    pub errors: FieldMessages,
    pub warnings: FieldMessages,
    pub notes: FieldMessages,
}

/// The catalog key of one name problem, in this screen's block of the catalog.
pub fn name_problem_key(problem: NameProblem) -> &'static str {
    match problem {
        NameProblem::Empty => "af-index-empty",
        NameProblem::TooLong => "af-index-too-long",
        NameProblem::NotLowercase => "af-index-not-lowercase",
        NameProblem::ForbiddenCharacter => "af-index-forbidden",
        NameProblem::Space => "af-index-space",
        NameProblem::BadStart => "af-index-bad-start",
        NameProblem::DotOrDotDot => "af-index-dot",
    }
}

/// The catalog key of one follow-setting problem, in this screen's block of the catalog.
pub fn setting_problem_key(problem: SettingProblem) -> String {
    format!("af-{}", problem.message_key())
}

fn name_messages(found: &NameProblems) -> Vec<Message> {
    found
        .problems
        .iter()
        .map(|p| {
            let message = Message::new(name_problem_key(*p));
            if *p == NameProblem::ForbiddenCharacter { message.arg("chars", found.forbidden.as_str()) } else { message }
        })
        .collect()
}

/// Every problem of the form, each beside its field. `taken`: the pattern exists already
/// (refused on create: `PUT` would silently replace it).
pub fn check(form: &PatternForm, problems: Result<PatternSpec, Box<PatternProblems>>, taken: bool) -> Checked {
    let mut checked = Checked::default();
    let spec = match problems {
        Ok(spec) => Some(spec),
        Err(problems) => {
            add_problems(&mut checked.errors, form, &problems);
            None
        }
    };
    if taken {
        checked.errors.add("name", Message::new("af-name-taken").arg("name", form.name.as_str()));
    }
    if RESERVED_NAMES.contains(&form.name.as_str()) {
        checked.errors.add("name", Message::new("af-name-reserved").arg("name", form.name.as_str()));
    }
    checked.spec = spec.filter(|_| checked.errors.is_empty());
    checked
}

fn add_problems(errors: &mut FieldMessages, form: &PatternForm, problems: &PatternProblems) {
    for problem in &problems.name {
        errors.add("name", Message::new(problem.message_key()));
    }
    if problems.remote_cluster_missing {
        errors.add("remote_cluster", Message::new("af-remote-missing"));
    }
    if problems.leader_patterns_missing {
        errors.add("leader_index_patterns", Message::new("af-patterns-missing"));
    }
    if problems.too_many_patterns {
        let field = if split_patterns(&form.leader_index_patterns).is_none() {
            "leader_index_patterns"
        } else {
            "leader_index_exclusion_patterns"
        };
        errors.add(field, Message::new("af-patterns-too-many").arg("max", MAX_PATTERNS.to_string()));
    }
    let leaders = split_patterns(&form.leader_index_patterns).unwrap_or_default();
    for (pattern, found) in &problems.bad_patterns {
        let field = if leaders.contains(pattern) { "leader_index_patterns" } else { "leader_index_exclusion_patterns" };
        for problem in &found.problems {
            let message = Message::new("af-pattern-bad").arg("pattern", pattern.as_str());
            let message = if *problem == NameProblem::ForbiddenCharacter {
                Message::new("af-pattern-forbidden")
                    .arg("pattern", pattern.as_str())
                    .arg("chars", found.forbidden.as_str())
            } else {
                message.arg_key("problem", name_problem_key(*problem))
            };
            errors.add(field, message);
        }
    }
    if problems.exclusions_unsupported {
        errors.add("leader_index_exclusion_patterns", Message::new("af-exclusions-unsupported"));
    }
    for message in name_messages(&problems.prefix) {
        errors.add("follow_index_prefix", message);
    }
    if problems.prefix_bad_start {
        errors.add("follow_index_prefix", Message::new("af-prefix-bad-start"));
    }
    for message in name_messages(&problems.suffix) {
        errors.add("follow_index_suffix", message);
    }
    if problems.settings_invalid {
        errors.add("settings", Message::new("af-settings-invalid"));
    }
    for (name, problem) in &problems.follow_settings {
        errors.add(name, Message::new(setting_problem_key(*problem)).arg("setting", *name));
    }
}
