//! The doctor's screens, in-process: `/doctor`, `/doctor.json`, the panels on detail pages,
//! the overview's count, and the fixes the panel applies itself.

pub(crate) mod fixes;
mod hostile;
mod json;
mod keys;
mod page;
mod panels;
mod shared;
pub(crate) mod trend;

use ccr_panel::sim::SimServer;
use ccr_panel::web::auth::AuthSettings;
use ccr_panel::{AppState, ManagedCluster, app};

use crate::helpers::{Page, client};

/// The panel managing `local` and `leader` (first the local one, the default), as a
/// `--config` naming both would: the doctor can read the leader's side.
pub fn pair_panel(local: &SimServer, leader: &SimServer) -> axum::Router {
    app(AppState::new(
        vec![
            ManagedCluster { name: "local".into(), client: client(local) },
            ManagedCluster { name: "leader".into(), client: client(leader) },
        ],
        AuthSettings::anonymous(),
    ))
}

/// Each finding on a page: (check, subject, verdict).
pub fn findings(page: &Page) -> Vec<(String, String, String)> {
    let html = page.html();
    let selector = scraper::Selector::parse("li.finding").unwrap();
    html.select(&selector)
        .map(|li| {
            let attr = |name: &str| li.value().attr(name).unwrap_or_default().to_owned();
            (attr("data-check"), attr("data-subject"), attr("data-verdict"))
        })
        .collect()
}
