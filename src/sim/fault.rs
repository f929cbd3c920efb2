//! The fault switch: make the next matching requests fail, hang, or answer garbage, so tests
//! can show what the panel does when a cluster misbehaves.
//!
//! In-process through [`super::Sim::inject_fault`], or over HTTP under the simulator's own
//! control prefix `/_sim/` (the only paths that are not Elasticsearch's):
//! `POST /_sim/faults {"path":"/_remote/info","kind":"status","status":503,"times":1}`,
//! `DELETE /_sim/faults`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// What a faulty request gets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// An answer with this status and JSON body (an Elasticsearch error body, say).
    Status {
        status: u16,
        #[serde(default)]
        body: Value,
    },
    /// No answer for this long, then the normal one.
    Hang { millis: u64 },
    /// A 200 whose body is not JSON.
    Garbage,
    /// A 200 HTML page, as from a proxy or another product on the port.
    Html,
}

/// A rule: which requests, what happens, how many times (`None`: until cleared).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub method: Option<String>,
    /// Requests whose path starts with this.
    #[serde(default = "root")]
    pub path: String,
    #[serde(flatten)]
    pub kind: FaultKind,
    #[serde(default)]
    pub times: Option<u32>,
}

fn root() -> String {
    "/".into()
}

impl Fault {
    pub fn new(path: &str, kind: FaultKind) -> Fault {
        Fault { method: None, path: path.to_owned(), kind, times: None }
    }

    pub fn once(mut self) -> Fault {
        self.times = Some(1);
        self
    }

    pub fn for_method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_owned());
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && path.starts_with(&self.path)
    }

    pub fn hang(&self) -> Option<Duration> {
        match self.kind {
            FaultKind::Hang { millis } => Some(Duration::from_millis(millis)),
            _ => None,
        }
    }
}

/// Takes the first rule that matches, counting down its uses.
pub fn take(faults: &mut Vec<Fault>, method: &str, path: &str) -> Option<Fault> {
    // A rule for zero times is spent before it starts.
    faults.retain(|f| f.times != Some(0));
    let index = faults.iter().position(|f| f.matches(method, path))?;
    let fault = faults[index].clone();
    match &mut faults[index].times {
        Some(1) => {
            faults.remove(index);
        }
        Some(n) => *n -= 1,
        None => {}
    }
    Some(fault)
}
