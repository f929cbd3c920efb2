//! Template filters. Templates of a module use them after `use crate::web::filters;`, which
//! is where askama looks for `{{ value|segment }}`: URL segments, translation, numbers with
//! grouped digits (lag in operations), byte sizes, durations and relative times. Each filter
//! is a thin wrapper around a plain function tested here.

use std::fmt::{Display, Write};

use crate::i18n::Tr;

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

/// `{{ "key"|t(tr) }}`: the catalog message `key` in the request's language.
#[askama::filter_fn]
pub fn t(key: impl Display, _: &dyn askama::Values, tr: &Tr) -> askama::Result<String> {
    Ok(tr.t(&key.to_string()))
}

/// Digits grouped by thousands with a comma (the same in both languages): `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `{{ lag|grouped }}`: see [`group_digits`].
#[askama::filter_fn]
pub fn grouped(value: &u64, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(group_digits(*value))
}

/// A byte count in binary units with one decimal past KiB: `512 B`, `1.5 KiB`, `3.2 GiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `{{ size|bytes }}`: see [`format_bytes`].
#[askama::filter_fn]
pub fn bytes(value: &u64, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(format_bytes(*value))
}

/// A duration in milliseconds, in the two largest units that matter: `250ms`, `4.5s`,
/// `3m 20s`, `2h 5m`, `3d 4h` (unit letters as Elasticsearch writes time values).
pub fn format_duration(millis: u64) -> String {
    let seconds = millis / 1000;
    match millis {
        0..1_000 => format!("{millis}ms"),
        1_000..60_000 => {
            let tenths = millis / 100;
            if tenths.is_multiple_of(10) {
                format!("{}s", tenths / 10)
            } else {
                format!("{}.{}s", tenths / 10, tenths % 10)
            }
        }
        60_000..3_600_000 => format!("{}m {}s", seconds / 60, seconds % 60),
        3_600_000..86_400_000 => format!("{}h {}m", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{}d {}h", seconds / 86_400, seconds % 86_400 / 3600),
    }
}

/// `{{ millis|duration }}`: see [`format_duration`].
#[askama::filter_fn]
pub fn duration(value: &u64, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(format_duration(*value))
}

/// How long ago something happened, `millis_ago` before now, in the reader's language:
/// "just now", "5 minutes ago", "3 hours ago", "2 days ago".
pub fn format_relative(millis_ago: u64, tr: &Tr) -> String {
    let seconds = millis_ago / 1000;
    let (key, count) = match seconds {
        0..60 => return tr.t("time-just-now"),
        60..3_600 => ("time-minutes-ago", seconds / 60),
        3_600..86_400 => ("time-hours-ago", seconds / 3600),
        _ => ("time-days-ago", seconds / 86_400),
    };
    tr.t1(key, "count", &count.to_string())
}

/// `{{ millis_ago|relative(tr) }}`: see [`format_relative`].
#[askama::filter_fn]
pub fn relative(value: &u64, _: &dyn askama::Values, tr: &Tr) -> askama::Result<String> {
    Ok(format_relative(*value, tr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::web::filters;

    #[test]
    fn groups_digits_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000), "1,000");
        assert_eq!(group_digits(1_234_567), "1,234,567");
        assert_eq!(group_digits(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn byte_sizes_in_binary_units() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(3 * 1024 * 1024 * 1024 + 200 * 1024 * 1024), "3.2 GiB");
        assert_eq!(format_bytes(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn durations_in_their_two_largest_units() {
        assert_eq!(format_duration(250), "250ms");
        assert_eq!(format_duration(4_000), "4s");
        assert_eq!(format_duration(4_560), "4.5s");
        assert_eq!(format_duration(200_000), "3m 20s");
        assert_eq!(format_duration(7_500_000), "2h 5m");
        assert_eq!(format_duration(4 * 86_400_000 + 3_600_000), "4d 1h");
    }

    #[test]
    fn relative_times_in_both_languages() {
        let en = Tr::new(Lang::En);
        let zh = Tr::new(Lang::ZhCn);
        assert_eq!(format_relative(10_000, &en), "just now");
        assert_eq!(format_relative(5 * 60_000, &en), "5 minutes ago");
        assert_eq!(format_relative(3 * 3_600_000, &en), "3 hours ago");
        assert_eq!(format_relative(2 * 86_400_000, &en), "2 days ago");
        assert_eq!(format_relative(5 * 60_000, &zh), "5 分钟前");
        assert_eq!(format_relative(10_000, &zh), "刚刚");
    }

    #[test]
    fn filters_work_in_templates() {
        #[derive(askama::Template)]
        #[template(
            source = "{{ \"nav-overview\"|t(tr) }}|{{ lag|grouped }}|{{ size|bytes }}|{{ took|duration }}|{{ ago|relative(tr) }}",
            ext = "txt"
        )]
        struct Sample {
            tr: Tr,
            lag: u64,
            size: u64,
            took: u64,
            ago: u64,
        }
        let sample = Sample { tr: Tr::new(Lang::En), lag: 12_345, size: 2048, took: 1_500, ago: 120_000 };
        let rendered = askama::Template::render(&sample).unwrap();
        assert_eq!(rendered, format!("{}|12,345|2.0 KiB|1.5s|2 minutes ago", Tr::new(Lang::En).t("nav-overview")));
    }

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode_segment("leader_1-b.x~"), "leader_1-b.x~");
        assert_eq!(encode_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(encode_segment("索引"), "%E7%B4%A2%E5%BC%95");
    }
}
