//! What both benchmarks read off the panel process they start: its URL and its memory.

use std::io::{BufRead, BufReader};
use std::process::Child;

/// The resident set size of a process, in KiB (0 when it cannot be read).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The base URL the panel prints once it listens (it was started with piped stdout).
pub fn base_url(panel: &mut Child) -> String {
    let mut lines = BufReader::new(panel.stdout.take().expect("the panel's stdout is piped")).lines();
    loop {
        let line = lines.next().expect("the panel prints its URL").unwrap();
        if let Some(rest) = line.strip_prefix("ccr-panel is running at ") {
            return rest.split_whitespace().next().unwrap().trim_end_matches('/').to_owned();
        }
    }
}
