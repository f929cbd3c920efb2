//! What both benchmarks read off the panel process they start: its URL and its memory.

use std::io::{BufRead, BufReader};
use std::process::Child;

/// The resident set of a process split in two, in KiB: anonymous memory (the heap, stacks:
/// what the panel allocated) and file-backed pages (the binary's code and read-only data, and
/// the libraries', as far as they ran; shared with the page cache, dropped by the kernel
/// under pressure). Shared memory, which the panel does not use, is left out.
pub fn rss_split_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("RssAnon:"), field("RssFile:"))
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
