//! The replication doctor: the checks an expert runs, in the order that finds the root cause
//! first, each with its verdict, an explanation a person can act on, and the fix.
//!
//! Evidence is gathered once, concurrently, each call with a bounded wait ([`evidence`]); the
//! checks ([`checks`]) are plain functions over it, so each is tested on its own. A call that
//! failed or timed out makes the checks that needed it "not checked", with why.

pub mod allocation;
pub mod checks;
pub mod evidence;
pub mod halt;
pub mod lag_trend;
pub mod leader_prereqs;
pub mod leases;
pub mod lifecycle;
pub mod privileges;
pub mod run;
pub mod shared;

/// The checks, by their documented ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    D1RemoteReachable,
    D2PortAndSecurity,
    D3RemotesExist,
    D4NodeRoles,
    D5Licences,
    D6Versions,
    D7Privileges,
    D8LeaderPrerequisites,
    D9FollowerState,
    D10LagTrend,
    D11RetentionLeases,
    D12AutoFollowHealth,
    D13AutoFollowCoverage,
    D14ShardAllocation,
    D15Lifecycle,
}

impl CheckId {
    pub const ALL: [CheckId; 15] = [
        CheckId::D1RemoteReachable,
        CheckId::D2PortAndSecurity,
        CheckId::D3RemotesExist,
        CheckId::D4NodeRoles,
        CheckId::D5Licences,
        CheckId::D6Versions,
        CheckId::D7Privileges,
        CheckId::D8LeaderPrerequisites,
        CheckId::D9FollowerState,
        CheckId::D10LagTrend,
        CheckId::D11RetentionLeases,
        CheckId::D12AutoFollowHealth,
        CheckId::D13AutoFollowCoverage,
        CheckId::D14ShardAllocation,
        CheckId::D15Lifecycle,
    ];

    /// `D1` ... `D15`, as the README and `/doctor.json` name them.
    pub fn code(self) -> &'static str {
        match self {
            CheckId::D1RemoteReachable => "D1",
            CheckId::D2PortAndSecurity => "D2",
            CheckId::D3RemotesExist => "D3",
            CheckId::D4NodeRoles => "D4",
            CheckId::D5Licences => "D5",
            CheckId::D6Versions => "D6",
            CheckId::D7Privileges => "D7",
            CheckId::D8LeaderPrerequisites => "D8",
            CheckId::D9FollowerState => "D9",
            CheckId::D10LagTrend => "D10",
            CheckId::D11RetentionLeases => "D11",
            CheckId::D12AutoFollowHealth => "D12",
            CheckId::D13AutoFollowCoverage => "D13",
            CheckId::D14ShardAllocation => "D14",
            CheckId::D15Lifecycle => "D15",
        }
    }

    /// The catalog key of the check's title (`doctor-d1-title`).
    pub fn title_key(self) -> String {
        format!("doctor-{}-title", self.code().to_ascii_lowercase())
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    Fail,
    Warn,
    NotChecked,
    Pass,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::NotChecked => "not_checked",
            Verdict::Pass => "pass",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Cluster,
    Remote(String),
    Follower(String),
    Pattern(String),
}

impl Subject {
    /// `cluster`, `remote:leader`, `follower:logs-copy`, `pattern:logs`.
    pub fn label(&self) -> String {
        match self {
            Subject::Cluster => "cluster".into(),
            Subject::Remote(name) => format!("remote:{name}"),
            Subject::Follower(name) => format!("follower:{name}"),
            Subject::Pattern(name) => format!("pattern:{name}"),
        }
    }
}

/// The fix a finding offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// A request to run, in Console syntax (method, path, body).
    Request { method: &'static str, path: String, body: Option<String> },
    /// A page of the panel where the fix is one button.
    Page(String),
}

/// One verdict of one check about one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: CheckId,
    pub subject: Subject,
    pub verdict: Verdict,
    /// The explanation: a catalog key and its arguments.
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn new(check: CheckId, subject: Subject, verdict: Verdict, key: &'static str) -> Finding {
        Finding { check, subject, verdict, key, args: Vec::new(), fix: None }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Finding {
        self.args.push((name, value.into()));
        self
    }

    pub fn fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }
}

/// Failures first, then warnings, then the rest; within a verdict, in check order (the
/// earliest root cause first), then by subject.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| (a.verdict, a.check, &a.subject).cmp(&(b.verdict, b.check, &b.subject)));
}

/// Runs every check over the evidence, sorted for reading.
pub fn diagnose(evidence: &evidence::Evidence, now_millis: i64) -> Vec<Finding> {
    let mut findings = checks::all(evidence, now_millis);
    sort(&mut findings);
    findings
}
