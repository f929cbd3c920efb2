//! What the doctor's templates show of a finding: the words in the reader's language, the
//! subject as a link, and the fix as a request to copy, a page to open, or a button.

use crate::ccr::doctor::run::{self, OrphanLease, Report};
use crate::ccr::doctor::{CheckId, Finding, Fix, Subject, Verdict};
use crate::i18n::{Message, Tr};
use crate::web::filters::encode_segment;

/// The verdicts in reading order, with the CSS class of their badge.
pub const VERDICTS: [Verdict; 4] = [Verdict::Fail, Verdict::Warn, Verdict::NotChecked, Verdict::Pass];

/// The catalog key of a verdict's word (`doctor-verdict-not-checked`).
pub fn verdict_key(verdict: Verdict) -> String {
    format!("doctor-verdict-{}", verdict.as_str().replace('_', "-"))
}

/// The badge class: colour goes with the word, never alone.
pub fn badge(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Fail => "bad",
        Verdict::Warn => "warn",
        Verdict::NotChecked => "muted",
        Verdict::Pass => "ok",
    }
}

/// A fix's request, in Console syntax and as curl, and where it must be sent.
pub struct RequestView {
    /// Unique on the page, for the copy buttons.
    pub id: String,
    pub console: String,
    pub curl: String,
    /// The remote whose leader cluster takes this request (not the local cluster).
    pub on_leader: Option<String>,
}

/// A fix the panel can apply itself.
pub enum Action {
    /// D13: follow the pattern's leader indices nobody follows (the pattern screen's own form).
    FollowExisting(String),
    /// D11: release an orphan lease (after a confirmation page).
    Forget(OrphanLease),
    /// D6: before an upgrade, pause every follower and pattern; after it, resume them.
    Halt,
}

pub struct FindingView {
    pub code: &'static str,
    pub title: String,
    pub verdict: &'static str,
    pub badge: &'static str,
    pub verdict_word: String,
    /// `cluster`, `remote`, `follower` or `pattern`.
    pub kind: &'static str,
    pub name: String,
    /// `follower:copy`, as `/doctor.json` names the subject.
    pub label: String,
    /// False when the subject has no page (a deleted follower whose lease is left).
    pub linked: bool,
    pub explanation: String,
    /// Elasticsearch's own reason, when the explanation comes from a general diagnosis.
    pub es_says: Option<String>,
    pub request: Option<RequestView>,
    /// A page of the panel where the fix is one click, its path encoded.
    pub page: Option<String>,
    pub action: Option<Action>,
}

/// The subject's kind and name.
fn parts(subject: &Subject) -> (&'static str, &str) {
    match subject {
        Subject::Cluster => ("cluster", ""),
        Subject::Remote(name) => ("remote", name),
        Subject::Follower(name) => ("follower", name),
        Subject::Pattern(name) => ("pattern", name),
    }
}

/// The page of a subject, its name encoded (`None` for the cluster).
pub fn subject_href(subject: &Subject) -> Option<String> {
    match subject {
        Subject::Cluster => None,
        Subject::Remote(name) => Some(format!("/remote-clusters/{}", encode_segment(name))),
        Subject::Follower(name) => Some(format!("/follower-indices/{}", encode_segment(name))),
        Subject::Pattern(name) => Some(format!("/auto-follow-patterns/{}", encode_segment(name))),
    }
}

/// `remote:leader` back into a subject (the panel's query parameter); `None` for anything else.
pub fn parse_subject(label: &str) -> Option<Subject> {
    if label == "cluster" {
        return Some(Subject::Cluster);
    }
    let (kind, name) = label.split_once(':')?;
    let name = name.to_owned();
    match kind {
        "remote" => Some(Subject::Remote(name)),
        "follower" => Some(Subject::Follower(name)),
        "pattern" => Some(Subject::Pattern(name)),
        _ => None,
    }
}

/// Arguments that are words of Elasticsearch's or the checks' vocabulary, not names: they are
/// translated too, so a Chinese sentence does not carry `basic` or `leader` in English.
fn word_key(name: &str, value: &str) -> Option<String> {
    match (name, value) {
        ("side", "local" | "leader") => Some(format!("doctor-side-{value}")),
        ("licence", "trial" | "basic" | "standard" | "gold" | "platinum" | "enterprise") => {
            Some(format!("license-type-{value}"))
        }
        ("status", "active" | "expired" | "invalid") => Some(format!("doctor-licence-status-{value}")),
        _ => None,
    }
}

/// The explanation in `tr`'s language.
pub fn explanation(finding: &Finding, tr: &Tr) -> String {
    let mut message = Message::new(finding.key);
    for (name, value) in &finding.args {
        message = match word_key(name, value) {
            Some(key) => message.arg_key(*name, key),
            None => message.arg(*name, value.as_str()),
        };
    }
    message.render(tr)
}

/// A page link built from a raw name: the name's segment encoded (checks write names as
/// they are; a name with `#` or `%` must still land on its own page).
fn encoded_page(href: &str, name: &str) -> String {
    if name.is_empty() {
        return href.to_owned();
    }
    href.replacen(&format!("/{name}"), &format!("/{}", encode_segment(name)), 1)
}

/// The page of a finding's fix, its subject's name encoded (the same link in HTML and JSON).
pub fn page_of(finding: &Finding) -> Option<String> {
    match &finding.fix {
        Some(Fix::Page(href)) => Some(encoded_page(href, parts(&finding.subject).1)),
        _ => None,
    }
}

fn request(fix: &Fix, id: String, report: &Report, local_url: &str) -> Option<RequestView> {
    let Fix::Request { method, path, body } = fix else { return None };
    let on_leader = run::leader_of(fix);
    let url = match &on_leader {
        Some(remote) => report
            .leaders
            .iter()
            .find(|l| &l.remote == remote)
            .and_then(|l| l.client.urls().into_iter().next())
            .unwrap_or_else(|| "$LEADER_URL".into()),
        None => local_url.to_owned(),
    };
    let url = url.trim_end_matches('/');
    let console = match body {
        Some(body) => format!("{method} {path}\n{body}"),
        None => format!("{method} {path}"),
    };
    // Compact, so the line pastes as one.
    let compact = body
        .as_deref()
        .map(|b| serde_json::from_str::<serde_json::Value>(b).map_or_else(|_| b.to_owned(), |v| v.to_string()));
    let curl = crate::web::curl::curl_line(method, url, path, compact.as_deref());
    Some(RequestView { id, console, curl, on_leader })
}

impl FindingView {
    pub fn new(finding: &Finding, index: usize, report: &Report, tr: &Tr, local_url: &str) -> FindingView {
        let (kind, name) = parts(&finding.subject);
        let orphan = finding.key == "doctor-d11-orphan";
        let action = match (&finding.check, &finding.subject) {
            (CheckId::D13AutoFollowCoverage, Subject::Pattern(pattern)) if finding.verdict == Verdict::Warn => {
                Some(Action::FollowExisting(pattern.clone()))
            }
            (CheckId::D11RetentionLeases, _) if orphan => OrphanLease::of(finding)
                .filter(|l| report.leaders.iter().any(|k| k.remote == l.leader_remote_cluster))
                .map(Action::Forget),
            (CheckId::D6Versions, Subject::Remote(_)) => Some(Action::Halt),
            _ => None,
        };
        let es_says = finding
            .key
            .starts_with("diagnosis-")
            .then(|| finding.args.iter().find(|(n, _)| *n == "reason").map(|(_, v)| v.clone()))
            .flatten()
            .filter(|r| !r.is_empty());
        FindingView {
            code: finding.check.code(),
            title: tr.t(&finding.check.title_key()),
            verdict: finding.verdict.as_str(),
            badge: badge(finding.verdict),
            verdict_word: tr.t(&verdict_key(finding.verdict)),
            kind,
            name: name.to_owned(),
            label: finding.subject.label(),
            linked: kind != "cluster" && !orphan,
            explanation: explanation(finding, tr),
            es_says,
            request: finding.fix.as_ref().and_then(|f| request(f, format!("fix-{index}"), report, local_url)),
            page: page_of(finding),
            action,
        }
    }
}

/// The findings of a report as the templates show them.
pub fn findings<'a>(
    report: &Report,
    chosen: impl Iterator<Item = &'a Finding>,
    tr: &Tr,
    local_url: &str,
) -> Vec<FindingView> {
    chosen.enumerate().map(|(i, f)| FindingView::new(f, i, report, tr, local_url)).collect()
}

/// The summary line: each verdict with its count, word and filter link.
pub struct Count {
    pub verdict: &'static str,
    pub badge: &'static str,
    pub word: String,
    pub count: usize,
}

pub fn counts(report: &Report, tr: &Tr) -> Vec<Count> {
    VERDICTS
        .iter()
        .map(|v| Count { verdict: v.as_str(), badge: badge(*v), word: tr.t(&verdict_key(*v)), count: report.count(*v) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_back_from_their_labels() {
        for subject in [
            Subject::Cluster,
            Subject::Remote("leader".into()),
            Subject::Follower("a:b".into()),
            Subject::Pattern("logs".into()),
        ] {
            assert_eq!(parse_subject(&subject.label()), Some(subject));
        }
        assert_eq!(parse_subject("index:x"), None);
    }

    #[test]
    fn a_page_link_encodes_the_name() {
        assert_eq!(encoded_page("/follower-indices/a#b", "a#b"), "/follower-indices/a%23b");
        assert_eq!(encoded_page("/remote-clusters/new", "copy"), "/remote-clusters/new");
    }
}
