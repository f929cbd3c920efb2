//! What the connected cluster can do, decided once from its version.
//!
//! Every version-dependent choice in the panel asks this value instead of comparing version
//! numbers itself, so "from which version" lives in exactly one place.

use std::fmt;
use std::str::FromStr;

/// An Elasticsearch version number such as `8.15.0` (a `-SNAPSHOT` suffix is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version { major, minor, patch }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a version number: {0:?} (expected e.g. 8.15.0)")]
pub struct BadVersion(String);

impl FromStr for Version {
    type Err = BadVersion;
    fn from_str(s: &str) -> Result<Version, BadVersion> {
        let core = s.split(['-', '+']).next().unwrap_or_default();
        let mut numbers = core.split('.').map(|n| n.parse::<u32>());
        let bad = || BadVersion(s.to_owned());
        let major = numbers.next().ok_or_else(bad)?.map_err(|_| bad())?;
        let minor = numbers.next().ok_or_else(bad)?.map_err(|_| bad())?;
        let patch = numbers.next().unwrap_or(Ok(0)).map_err(|_| bad())?;
        if numbers.next().is_some() {
            return Err(bad());
        }
        Ok(Version { major, minor, patch })
    }
}

/// Features that appeared in a given Elasticsearch version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub version: Version,
}

impl Capabilities {
    /// The oldest version with CCR generally available.
    pub const MINIMUM: Version = Version::new(6, 7, 0);

    pub fn new(version: Version) -> Capabilities {
        Capabilities { version }
    }

    fn since(&self, major: u32, minor: u32) -> bool {
        self.version >= Version::new(major, minor, 0)
    }

    /// CCR exists at all (6.7+).
    pub fn supports_ccr(&self) -> bool {
        self.version >= Self::MINIMUM
    }
    /// `cluster.remote.<alias>.mode: proxy` (7.6+); older clusters only know sniff.
    pub fn proxy_mode(&self) -> bool {
        self.since(7, 6)
    }
    /// `server_name` for proxy-mode remotes (7.7+).
    pub fn proxy_server_name(&self) -> bool {
        self.since(7, 7)
    }
    /// `skip_unavailable` defaults to true from 8.15 (false before).
    pub fn skip_unavailable_by_default(&self) -> bool {
        self.since(8, 15)
    }
    /// Pausing and resuming auto-follow patterns (7.5+).
    pub fn auto_follow_pause(&self) -> bool {
        self.since(7, 5)
    }
    /// `leader_index_exclusion_patterns` on auto-follow patterns (7.14+).
    pub fn auto_follow_exclusions(&self) -> bool {
        self.since(7, 14)
    }
    /// `expand_wildcards` on `_cat/indices` (7.7+; older versions reject the parameter).
    pub fn cat_expand_wildcards(&self) -> bool {
        self.since(7, 7)
    }
    /// The `index.hidden` setting, which keeps the panel's own index out of wildcards (7.7+).
    pub fn hidden_indices(&self) -> bool {
        self.since(7, 7)
    }
    /// `GET _resolve/index/{expr}` (7.9+).
    pub fn resolve_index(&self) -> bool {
        self.since(7, 9)
    }
    /// `GET _resolve/cluster/{alias}:*`, which forces a connection attempt (8.13+).
    pub fn resolve_cluster(&self) -> bool {
        self.since(8, 13)
    }
    /// The `timeout` parameter of `_resolve/cluster` (8.19 on the 8.x line, 9.1 on 9.x).
    pub fn resolve_cluster_timeout(&self) -> bool {
        match self.version.major {
            8 => self.since(8, 19),
            _ => self.since(9, 1),
        }
    }
    /// Soft deletes are on by default for new indices (7.0+); before, the leader needs them set.
    pub fn soft_deletes_by_default(&self) -> bool {
        self.since(7, 0)
    }
    /// `total_global_checkpoint_lag` in follower stats (8.13+).
    pub fn total_lag_in_stats(&self) -> bool {
        self.since(8, 13)
    }
    /// The API-key security model for remote clusters (`cluster_credentials`, port 9443; 8.10+).
    pub fn remote_cluster_api_keys(&self) -> bool {
        self.since(8, 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!("8.15.0".parse::<Version>(), Ok(Version::new(8, 15, 0)));
        assert_eq!("9.1.0-SNAPSHOT".parse::<Version>(), Ok(Version::new(9, 1, 0)));
        assert_eq!("7.17".parse::<Version>(), Ok(Version::new(7, 17, 0)));
        assert!("x.1".parse::<Version>().is_err());
        assert!("1.2.3.4".parse::<Version>().is_err());
        assert!("".parse::<Version>().is_err());
    }

    #[test]
    fn features_follow_versions() {
        let caps = |v: &str| Capabilities::new(v.parse().unwrap());
        assert!(!caps("7.5.0").proxy_mode());
        assert!(caps("7.6.0").proxy_mode());
        assert!(caps("7.5.0").auto_follow_pause());
        assert!(!caps("7.13.2").auto_follow_exclusions());
        assert!(!caps("8.12.0").resolve_cluster());
        assert!(caps("8.13.0").resolve_cluster());
        assert!(!caps("8.18.0").resolve_cluster_timeout());
        assert!(caps("8.19.0").resolve_cluster_timeout());
        assert!(!caps("9.0.0").resolve_cluster_timeout());
        assert!(caps("9.1.0").resolve_cluster_timeout());
        assert!(!caps("6.6.0").supports_ccr());
    }
}
