//! Seed and proxy addresses: `host:port` with an IPv4 address, a bracketed IPv6 address or a
//! host name, and a port from 1 to 65535. Parsed once into [`SeedAddress`], so a handler
//! holding one never re-checks it.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Why an address was refused; each is a message key in the catalogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an address is required")]
    Empty,
    #[error("the address needs a port, as host:port")]
    MissingPort,
    #[error("the port must be a number from 1 to 65535")]
    BadPort,
    #[error("not a valid IPv4 address")]
    BadIpv4,
    #[error("not a valid IPv6 address")]
    BadIpv6,
    #[error("a host name may hold only letters, digits, dots and dashes")]
    BadHost,
    #[error("longer than any host name and port")]
    TooLong,
}

impl AddressError {
    /// Every error, for the catalog test.
    pub const ALL: [AddressError; 7] = [
        AddressError::Empty,
        AddressError::MissingPort,
        AddressError::BadPort,
        AddressError::BadIpv4,
        AddressError::BadIpv6,
        AddressError::BadHost,
        AddressError::TooLong,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AddressError::Empty => "address-empty",
            AddressError::MissingPort => "address-missing-port",
            AddressError::BadPort => "address-bad-port",
            AddressError::BadIpv4 => "address-bad-ipv4",
            AddressError::BadIpv6 => "address-bad-ipv6",
            AddressError::BadHost => "address-bad-host",
            AddressError::TooLong => "address-too-long",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Name(String),
}

/// A `host:port` address of a remote cluster node (or its proxy).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeedAddress {
    pub host: Host,
    pub port: u16,
}

impl SeedAddress {
    /// The default transport port; the HTTP port is 9200.
    pub const TRANSPORT_PORT: u16 = 9300;
    /// The remote cluster server port of the API-key security model (8.10+).
    pub const REMOTE_CLUSTER_PORT: u16 = 9443;
}

/// The longest host name DNS allows (RFC 1035), and the longest label in it.
pub const MAX_HOST_NAME: usize = 253;
pub const MAX_LABEL: usize = 63;
/// The longest `host:port` text: a maximal host name, a colon, five digits.
pub const MAX_ADDRESS_LEN: usize = MAX_HOST_NAME + 6;

/// A DNS host name: dot-separated labels of letters, digits and inner dashes, at most
/// [`MAX_HOST_NAME`] bytes with labels of at most [`MAX_LABEL`]. Also what
/// `cluster.remote.*.server_name` must be (it is sent as the TLS SNI host name).
pub fn valid_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_HOST_NAME
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

impl FromStr for SeedAddress {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<SeedAddress, AddressError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        if text.len() > MAX_ADDRESS_LEN {
            return Err(AddressError::TooLong);
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or(AddressError::BadIpv6)?;
            let ip: Ipv6Addr = inside.parse().map_err(|_| AddressError::BadIpv6)?;
            let port = after.strip_prefix(':').ok_or(AddressError::MissingPort)?;
            (Host::Ipv6(ip), port)
        } else {
            let (host, port) = text.rsplit_once(':').ok_or(AddressError::MissingPort)?;
            if host.contains(':') {
                // An IPv6 address without brackets cannot be told apart from its port.
                return Err(AddressError::BadIpv6);
            }
            let looks_numeric = !host.is_empty() && host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            let host = if looks_numeric {
                Host::Ipv4(host.parse().map_err(|_| AddressError::BadIpv4)?)
            } else if valid_host_name(host) {
                Host::Name(host.to_ascii_lowercase())
            } else {
                return Err(AddressError::BadHost);
            };
            (host, port)
        };
        if port.is_empty() {
            return Err(AddressError::MissingPort);
        }
        let port: u16 = port.parse().map_err(|_| AddressError::BadPort)?;
        if port == 0 {
            return Err(AddressError::BadPort);
        }
        Ok(SeedAddress { host, port })
    }
}

impl fmt::Display for SeedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::Ipv4(ip) => write!(f, "{ip}:{}", self.port),
            Host::Ipv6(ip) => write!(f, "[{ip}]:{}", self.port),
            Host::Name(name) => write!(f, "{name}:{}", self.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<String, AddressError> {
        text.parse::<SeedAddress>().map(|a| a.to_string())
    }

    #[test]
    fn accepts_the_three_host_forms() {
        assert_eq!(parse("10.0.0.1:9300"), Ok("10.0.0.1:9300".into()));
        assert_eq!(parse("[::1]:9300"), Ok("[::1]:9300".into()));
        assert_eq!(parse(" ES-Node-1.example.com:9300 "), Ok("es-node-1.example.com:9300".into()));
    }

    #[test]
    fn refuses_with_the_reason() {
        assert_eq!(parse(""), Err(AddressError::Empty));
        assert_eq!(parse("host"), Err(AddressError::MissingPort));
        assert_eq!(parse("host:"), Err(AddressError::MissingPort));
        assert_eq!(parse("host:0"), Err(AddressError::BadPort));
        assert_eq!(parse("host:65536"), Err(AddressError::BadPort));
        assert_eq!(parse("host:http"), Err(AddressError::BadPort));
        assert_eq!(parse("256.1.1.1:9300"), Err(AddressError::BadIpv4));
        assert_eq!(parse("1.2.3:9300"), Err(AddressError::BadIpv4));
        assert_eq!(parse("::1:9300"), Err(AddressError::BadIpv6));
        assert_eq!(parse("[::g]:9300"), Err(AddressError::BadIpv6));
        assert_eq!(parse("[::1]"), Err(AddressError::MissingPort));
        assert_eq!(parse("bad_host:9300"), Err(AddressError::BadHost));
        assert_eq!(parse("-x.com:9300"), Err(AddressError::BadHost));
        assert_eq!(parse("a..b:9300"), Err(AddressError::BadHost));
        assert_eq!(parse(&format!("{}:9300", "a".repeat(64))), Err(AddressError::BadHost), "a label over 63");
        assert_eq!(parse(&format!("{}:9300", "a".repeat(300))), Err(AddressError::TooLong));
    }
}
