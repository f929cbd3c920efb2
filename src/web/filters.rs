//! Template filters. Templates of a module use them after `use crate::web::filters;`, which
//! is where askama looks for `{{ value|segment }}`.

use std::fmt::{Display, Write};

/// Percent-encodes `value` as one URL path segment: everything but the unreserved characters
/// of RFC 3986 (letters, digits, `-`, `.`, `_`, `~`) is encoded, so a name holding `/`, `?`,
/// `#`, `%` or spaces links to itself and nowhere else. (`.` and `..` alone stay as they are:
/// no name the panel links to can be one.)
pub fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `{{ name|segment }}`: see [`encode_segment`].
#[askama::filter_fn]
pub fn segment(value: impl Display, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(encode_segment(&value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode_segment("leader_1-b.x~"), "leader_1-b.x~");
        assert_eq!(encode_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(encode_segment("索引"), "%E7%B4%A2%E5%BC%95");
    }
}
