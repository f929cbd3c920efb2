//! D6's fix around an upgrade: pause every follower and auto-follow pattern before it and
//! resume them after (the follower side is upgraded first). The plan lists what is not yet in
//! that state; a run does the ticked part of it, item by item, each with its audit event.

use std::collections::HashSet;

use crate::audit::{Action, Event, Outcome};
use crate::es::{EsClient, EsError};

/// What a pause or a resume of everything does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halt {
    Pause,
    Resume,
}

impl Halt {
    pub fn as_str(self) -> &'static str {
        match self {
            Halt::Pause => "pause",
            Halt::Resume => "resume",
        }
    }

    pub fn parse(text: &str) -> Option<Halt> {
        match text {
            "pause" => Some(Halt::Pause),
            "resume" => Some(Halt::Resume),
            _ => None,
        }
    }
}

/// What a pause or a resume of everything touches: the followers and patterns not already in
/// that state. Patterns are left out before 7.5, which cannot pause them (`patterns_supported`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HaltPlan {
    pub followers: Vec<String>,
    pub patterns: Vec<String>,
    pub patterns_supported: bool,
}

/// The most items one pause or resume of everything does in one request. Each is a call or
/// three, one after another; past this the request would outlast the wait of whoever reads
/// its report (and a closed connection would stop it midway, unreported). What is left stays
/// in the plan: the page, opened again, offers it.
pub const MAX_HALT: usize = 100;

impl HaltPlan {
    /// The items of this plan a form ticked, each once (names not in the plan are ignored), at
    /// most `max` in the order they are done (patterns first for a pause, last for a resume),
    /// and how many ticked items are left for another round.
    pub fn chosen(&self, halt: Halt, followers: &[String], patterns: &[String], max: usize) -> (HaltPlan, usize) {
        let followers: HashSet<&str> = followers.iter().map(String::as_str).collect();
        let patterns: HashSet<&str> = patterns.iter().map(String::as_str).collect();
        let ticked = |names: &[String], set: &HashSet<&str>| -> Vec<String> {
            names.iter().filter(|n| set.contains(n.as_str())).cloned().collect()
        };
        let (mut followers, mut patterns) = (ticked(&self.followers, &followers), ticked(&self.patterns, &patterns));
        let left = (followers.len() + patterns.len()).saturating_sub(max);
        let (first, second) = match halt {
            Halt::Pause => (&mut patterns, &mut followers),
            Halt::Resume => (&mut followers, &mut patterns),
        };
        first.truncate(max);
        second.truncate(max - first.len());
        (HaltPlan { followers, patterns, patterns_supported: self.patterns_supported }, left)
    }
}

pub async fn halt_plan(local: &EsClient, halt: Halt) -> Result<HaltPlan, EsError> {
    use crate::ccr::followers::{self, FollowerStatus};
    let (caps, followers, patterns) =
        tokio::join!(local.capabilities(), followers::list(local), local.auto_follow_patterns());
    let pausing = halt == Halt::Pause;
    let followers =
        followers?.into_iter().filter(|f| (f.status == FollowerStatus::Paused) != pausing).map(|f| f.name).collect();
    let patterns_supported = caps?.auto_follow_pause();
    let patterns = if patterns_supported {
        patterns?.into_iter().filter(|p| p.pattern.active == pausing).map(|p| p.name).collect()
    } else {
        Vec::new()
    };
    Ok(HaltPlan { followers, patterns, patterns_supported })
}

/// One item of a pause or resume of everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halted {
    /// `follower` or `pattern`.
    pub kind: &'static str,
    pub name: String,
    /// Elasticsearch's reason when it failed.
    pub failure: Option<String>,
}

/// Pauses (patterns first, so none creates a follower meanwhile, then followers) or resumes
/// (followers first, then patterns) the given names, one at a time, each reported and with its
/// audit event. A follower resumes with the settings remembered when it was paused.
pub async fn halt(local: &EsClient, halt: Halt, plan: &HaltPlan) -> Vec<(Halted, Event)> {
    use crate::ccr::auto_follow::{self, PatternAction};
    use crate::ccr::followers;
    let mut out = Vec::new();
    let audit = |kind: &'static str, name: &str, report: &crate::ccr::steps::Report| {
        let (action, request) = match (kind, halt) {
            ("pattern", Halt::Pause) => (Action::PauseAutoFollowPattern, format!("POST _ccr/auto_follow/{name}/pause")),
            ("pattern", _) => (Action::ResumeAutoFollowPattern, format!("POST _ccr/auto_follow/{name}/resume")),
            (_, Halt::Pause) => (Action::PauseFollowerIndex, format!("POST {name}/_ccr/pause_follow")),
            _ => (Action::ResumeFollowerIndex, format!("POST {name}/_ccr/resume_follow")),
        };
        let failure = (!report.succeeded()).then(|| report.failure().unwrap_or_default().to_owned());
        let event = Event {
            action,
            target: name.to_owned(),
            request,
            outcome: if failure.is_none() { Outcome::Succeeded } else { Outcome::Failed },
            detail: failure.clone().unwrap_or_default(),
        };
        (Halted { kind, name: name.to_owned(), failure }, event)
    };
    let action = if halt == Halt::Pause { PatternAction::Pause } else { PatternAction::Resume };
    let pattern_names: &[String] = if halt == Halt::Pause { &plan.patterns } else { &[] };
    for name in pattern_names {
        let report = auto_follow::act(local, name, action).await;
        out.push(audit("pattern", name, &report));
    }
    for name in &plan.followers {
        let report = match halt {
            Halt::Pause => followers::pause(local, name).await.report,
            Halt::Resume => {
                let remembered = followers::settings_for_resume(local, name).await.ok().flatten();
                followers::resume(local, name, &remembered.unwrap_or_default()).await
            }
        };
        out.push(audit("follower", name, &report));
    }
    let pattern_names: &[String] = if halt == Halt::Resume { &plan.patterns } else { &[] };
    for name in pattern_names {
        let report = auto_follow::act(local, name, action).await;
        out.push(audit("pattern", name, &report));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_halt_takes_the_ticked_items_of_its_plan_once_and_at_most_max() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let plan =
            HaltPlan { followers: names(&["a", "b", "c"]), patterns: names(&["p", "q"]), patterns_supported: true };
        let ticked = names(&["c", "a", "a", "zz", "c"]);
        let (chosen, left) = plan.chosen(Halt::Pause, &ticked, &names(&["q", "p", "nope"]), 3);
        assert_eq!((chosen.patterns, chosen.followers, left), (names(&["p", "q"]), names(&["a"]), 1));
        let (chosen, left) = plan.chosen(Halt::Resume, &ticked, &names(&["q"]), 3);
        assert_eq!((chosen.followers, chosen.patterns, left), (names(&["a", "c"]), names(&["q"]), 0));
        let (chosen, left) = plan.chosen(Halt::Resume, &ticked, &[], 1);
        assert_eq!((chosen.followers, chosen.patterns, left), (names(&["a"]), vec![], 1));
    }
}
