//! The frame around every page: navigation, the connected cluster's header, the language and
//! cluster switchers. Page templates hold a [`Chrome`] and extend `base.html`.

use crate::i18n::{Lang, Tr};

use super::context::RequestContext;
use super::error::AppResult;
use super::{Cluster, assets};

/// The sections of the navigation; a page names the one it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// A page outside the sections (sign-in, errors).
    None,
    Overview,
    RemoteClusters,
    FollowerIndices,
    AutoFollow,
    Migrations,
    Doctor,
}

impl Nav {
    /// The sections in the order the navigation shows them.
    pub const ALL: [Nav; 6] =
        [Nav::Overview, Nav::RemoteClusters, Nav::FollowerIndices, Nav::AutoFollow, Nav::Migrations, Nav::Doctor];

    /// The catalog key of the section's name.
    pub fn key(self) -> &'static str {
        match self {
            Nav::None => "",
            Nav::Overview => "nav-overview",
            Nav::RemoteClusters => "nav-remote-clusters",
            Nav::FollowerIndices => "nav-follower-indices",
            Nav::AutoFollow => "nav-auto-follow",
            Nav::Migrations => "nav-migrations",
            Nav::Doctor => "nav-doctor",
        }
    }

    pub fn href(self) -> &'static str {
        match self {
            Nav::None | Nav::Overview => "/",
            Nav::RemoteClusters => "/remote-clusters",
            Nav::FollowerIndices => "/follower-indices",
            Nav::AutoFollow => "/auto-follow-patterns",
            Nav::Migrations => "/migrations",
            Nav::Doctor => "/doctor",
        }
    }
}

/// A cluster's health as `_cluster/health` reports it, or unknown when it could not be read
/// (or named a status this panel does not know).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Green,
    Yellow,
    Red,
    Unknown,
}

impl Health {
    pub const ALL: [Health; 4] = [Health::Green, Health::Yellow, Health::Red, Health::Unknown];

    pub fn from_status(status: &str) -> Health {
        match status {
            "green" => Health::Green,
            "yellow" => Health::Yellow,
            "red" => Health::Red,
            _ => Health::Unknown,
        }
    }

    /// The CSS class suffix (`health-green`) and catalog key of the status.
    pub fn key(self) -> &'static str {
        match self {
            Health::Green => "health-green",
            Health::Yellow => "health-yellow",
            Health::Red => "health-red",
            Health::Unknown => "health-unknown",
        }
    }
}

/// What the header says about the connected cluster.
#[derive(Debug, Clone)]
pub struct ClusterHeader {
    pub name: String,
    pub version: String,
    pub license: String,
    /// False when the license does not include CCR (basic, expired).
    pub license_allows_ccr: bool,
    pub health: Health,
    /// Node count from the same health answer (`None` when it could not be read).
    pub nodes: Option<u32>,
}

/// The frame of a page: the request's context, the navigation section, and (for pages about
/// a cluster) the cluster's header. `tr` is the context's translator, kept at hand because
/// every template line uses it.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub tr: Tr,
    pub context: RequestContext,
    /// The navigation section of this page.
    pub active: Nav,
    pub header: Option<ClusterHeader>,
}

impl Chrome {
    /// The frame without cluster details (sign-in and error pages).
    pub fn bare(context: &RequestContext, active: Nav) -> Chrome {
        Chrome { tr: context.tr(), context: context.clone(), active, header: None }
    }

    /// The full frame: reads the cluster's name, version, license and health.
    pub async fn load(context: &RequestContext, cluster: &Cluster, active: Nav) -> AppResult<Chrome> {
        let client = &cluster.client;
        let (root, license, health) = tokio::join!(client.root(), client.license(), client.health());
        let root = root?;
        let license = license?;
        let mut chrome = Chrome::bare(context, active);
        chrome.header = Some(ClusterHeader {
            name: root.cluster_name.clone(),
            version: root.version.number.clone(),
            license: license.license_type.clone(),
            license_allows_ccr: license.allows_ccr(),
            nodes: health.as_ref().ok().map(|h| h.number_of_nodes),
            health: health.map(|h| Health::from_status(&h.status)).unwrap_or(Health::Unknown),
        });
        chrome.context.current_cluster = cluster.name.clone();
        chrome.context.user = cluster.user.name.clone();
        Ok(chrome)
    }

    pub fn css_url(&self) -> String {
        assets::CSS.url()
    }

    pub fn htmx_url(&self) -> String {
        assets::HTMX.url()
    }

    pub fn js_url(&self) -> String {
        assets::APP_JS.url()
    }

    pub fn icon_url(&self) -> String {
        assets::ICON.url()
    }

    /// The license type in the user's language (an unknown type as Elasticsearch named it).
    pub fn license_label(&self, license: &str) -> String {
        match license {
            "trial" | "basic" | "standard" | "gold" | "platinum" | "enterprise" => {
                self.tr.t(&format!("license-type-{license}"))
            }
            other => other.to_owned(),
        }
    }

    /// The languages for the switcher: tag, native name, selected.
    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        Lang::ALL.iter().map(|l| (l.tag(), l.native_name(), *l == self.context.lang)).collect()
    }

    /// The `hx-headers` value that makes htmx send the CSRF token.
    pub fn htmx_headers(&self) -> String {
        format!("{{\"X-CSRF-Token\": \"{}\"}}", self.context.csrf)
    }

    pub fn nav(&self) -> Vec<(String, &'static str, bool)> {
        Nav::ALL.iter().map(|nav| (self.tr.t(nav.key()), nav.href(), *nav == self.active)).collect()
    }
}
