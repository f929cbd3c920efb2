//! Actions on several items at once, reported per item: one failure does not hide the others
//! or stop them.

use std::future::Future;

/// What happened to each item, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkReport {
    pub items: Vec<(String, Result<(), String>)>,
}

impl BulkReport {
    pub fn succeeded(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter(|(_, r)| r.is_ok()).map(|(n, _)| n.as_str())
    }

    pub fn failed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.items.iter().filter_map(|(n, r)| r.as_ref().err().map(|e| (n.as_str(), e.as_str())))
    }

    pub fn all_succeeded(&self) -> bool {
        self.items.iter().all(|(_, r)| r.is_ok())
    }
}

/// Runs `action` for every name, one after another (so the cluster sees one change at a
/// time), collecting each outcome.
pub async fn for_each<F, Fut>(names: &[String], action: F) -> BulkReport
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut items = Vec::with_capacity(names.len());
    for name in names {
        items.push((name.clone(), action(name.clone()).await));
    }
    BulkReport { items }
}
