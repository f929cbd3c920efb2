//! The ten follow settings (`max_read_request_operation_count`, ..., `read_poll_timeout`) that
//! `PUT {follower}/_ccr/follow`, `POST {follower}/_ccr/resume_follow` and auto-follow patterns
//! take, parsed from the text a person typed into values Elasticsearch accepts.
//!
//! The rules are Elasticsearch's own (`FollowParameters#validate`): counts are Java `int`s of
//! at least 1, sizes are byte sizes larger than 0, `max_retry_delay` is positive and at most
//! 5 minutes. An empty field means "Elasticsearch's default" and is not sent. Every problem of
//! every field is reported at once, and each check is linear in the input.

use std::collections::BTreeMap;

use crate::ccr::units::{ByteSize, TimeValue};
use crate::es::FollowParameters;

/// The longest text a setting field may hold: the longest valid value
/// (`9223372036854775807b`) with room to spare. Longer input is refused before parsing.
pub const MAX_SETTING_LENGTH: usize = 64;

/// What kind of value a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A whole number from 1 to 2,147,483,647 (a Java `int`).
    Count,
    /// A byte size larger than 0 (`32mb`).
    ByteSize,
    /// A time value (`500ms`, `1m`).
    Time,
}

/// One follow setting: its Elasticsearch name, kind and default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingSpec {
    /// The body key, which is also the form field name.
    pub name: &'static str,
    pub kind: SettingKind,
    /// Elasticsearch's default, as `_ccr/info` reports it.
    pub default: &'static str,
}

/// The ten settings in the order Elasticsearch documents them.
pub const SETTINGS: [SettingSpec; 10] = [
    SettingSpec { name: "max_read_request_operation_count", kind: SettingKind::Count, default: "5120" },
    SettingSpec { name: "max_outstanding_read_requests", kind: SettingKind::Count, default: "12" },
    SettingSpec { name: "max_read_request_size", kind: SettingKind::ByteSize, default: "32mb" },
    SettingSpec { name: "max_write_request_operation_count", kind: SettingKind::Count, default: "5120" },
    SettingSpec { name: "max_write_request_size", kind: SettingKind::ByteSize, default: "9223372036854775807b" },
    SettingSpec { name: "max_outstanding_write_requests", kind: SettingKind::Count, default: "9" },
    SettingSpec { name: "max_write_buffer_count", kind: SettingKind::Count, default: "2147483647" },
    SettingSpec { name: "max_write_buffer_size", kind: SettingKind::ByteSize, default: "512mb" },
    SettingSpec { name: "max_retry_delay", kind: SettingKind::Time, default: "500ms" },
    SettingSpec { name: "read_poll_timeout", kind: SettingKind::Time, default: "1m" },
];

/// Elasticsearch refuses a longer `max_retry_delay` (`RETRY_DELAY_MAX`).
const MAX_RETRY_DELAY_NANOS: u128 = 5 * 60 * 1_000_000_000;

/// Why a setting's text was refused; each is a message key with the setting's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingProblem {
    TooLong,
    NotACount,
    CountTooSmall,
    CountTooLarge,
    NotAByteSize,
    ByteSizeZero,
    ByteSizeTooLarge,
    NotATime,
    RetryDelayNotPositive,
    RetryDelayTooLong,
}

impl SettingProblem {
    /// The catalog key of the message shown beside the field.
    pub fn message_key(self) -> &'static str {
        match self {
            SettingProblem::TooLong => "setting-too-long",
            SettingProblem::NotACount => "setting-not-a-count",
            SettingProblem::CountTooSmall => "setting-count-too-small",
            SettingProblem::CountTooLarge => "setting-count-too-large",
            SettingProblem::NotAByteSize => "setting-not-a-byte-size",
            SettingProblem::ByteSizeZero => "setting-byte-size-zero",
            SettingProblem::ByteSizeTooLarge => "setting-byte-size-too-large",
            SettingProblem::NotATime => "setting-not-a-time",
            SettingProblem::RetryDelayNotPositive => "setting-retry-delay-not-positive",
            SettingProblem::RetryDelayTooLong => "setting-retry-delay-too-long",
        }
    }

    /// Every variant, so a test can check the catalog holds each message.
    pub const ALL: [SettingProblem; 10] = [
        SettingProblem::TooLong,
        SettingProblem::NotACount,
        SettingProblem::CountTooSmall,
        SettingProblem::CountTooLarge,
        SettingProblem::NotAByteSize,
        SettingProblem::ByteSizeZero,
        SettingProblem::ByteSizeTooLarge,
        SettingProblem::NotATime,
        SettingProblem::RetryDelayNotPositive,
        SettingProblem::RetryDelayTooLong,
    ];
}

/// A count setting: 1 to `i32::MAX`, as Elasticsearch parses it into a Java `int`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationCount(u32);

impl OperationCount {
    pub fn get(self) -> u32 {
        self.0
    }

    fn parse(text: &str) -> Result<OperationCount, SettingProblem> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(if text.starts_with('-') && text[1..].bytes().all(|b| b.is_ascii_digit()) && text.len() > 1 {
                SettingProblem::CountTooSmall
            } else {
                SettingProblem::NotACount
            });
        }
        // Only digits and at most MAX_SETTING_LENGTH of them: u128 cannot overflow.
        let value: u128 = text.parse().map_err(|_| SettingProblem::NotACount)?;
        match value {
            0 => Err(SettingProblem::CountTooSmall),
            v if v > i32::MAX as u128 => Err(SettingProblem::CountTooLarge),
            v => Ok(OperationCount(v as u32)),
        }
    }
}

/// The follow settings a person chose; `None` leaves Elasticsearch's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowSettings {
    pub max_read_request_operation_count: Option<OperationCount>,
    pub max_outstanding_read_requests: Option<OperationCount>,
    pub max_read_request_size: Option<ByteSize>,
    pub max_write_request_operation_count: Option<OperationCount>,
    pub max_write_request_size: Option<ByteSize>,
    pub max_outstanding_write_requests: Option<OperationCount>,
    pub max_write_buffer_count: Option<OperationCount>,
    pub max_write_buffer_size: Option<ByteSize>,
    pub max_retry_delay: Option<TimeValue>,
    pub read_poll_timeout: Option<TimeValue>,
}

/// The problems of each field that was refused, by setting name.
pub type SettingProblems = BTreeMap<&'static str, SettingProblem>;

fn parse_byte_size(text: &str) -> Result<ByteSize, SettingProblem> {
    match text.parse::<ByteSize>() {
        Ok(size) if size.bytes() == 0 => Err(SettingProblem::ByteSizeZero),
        Ok(size) => Ok(size),
        Err(crate::ccr::units::UnitError::TooLarge(_)) => Err(SettingProblem::ByteSizeTooLarge),
        Err(_) => Err(SettingProblem::NotAByteSize),
    }
}

fn parse_time(text: &str) -> Result<TimeValue, SettingProblem> {
    text.parse::<TimeValue>().map_err(|_| SettingProblem::NotATime)
}

fn parse_retry_delay(text: &str) -> Result<TimeValue, SettingProblem> {
    let delay = parse_time(text)?;
    let nanos = delay.as_duration().as_nanos();
    if nanos == 0 {
        Err(SettingProblem::RetryDelayNotPositive)
    } else if nanos > MAX_RETRY_DELAY_NANOS {
        Err(SettingProblem::RetryDelayTooLong)
    } else {
        Ok(delay)
    }
}

impl FollowSettings {
    /// Parses the typed text of each setting (`value(name)` gives the field's text, `None` or
    /// blank for "default"). Returns every refused field with its problem.
    pub fn parse<'a>(value: impl Fn(&str) -> Option<&'a str>) -> Result<FollowSettings, SettingProblems> {
        let mut problems = SettingProblems::new();
        let mut settings = FollowSettings::default();
        for spec in SETTINGS {
            let Some(text) = value(spec.name).map(str::trim).filter(|t| !t.is_empty()) else { continue };
            if text.len() > MAX_SETTING_LENGTH {
                problems.insert(spec.name, SettingProblem::TooLong);
                continue;
            }
            if let Err(problem) = settings.set(spec.name, text) {
                problems.insert(spec.name, problem);
            }
        }
        if problems.is_empty() { Ok(settings) } else { Err(problems) }
    }

    fn set(&mut self, name: &str, text: &str) -> Result<(), SettingProblem> {
        let count = || OperationCount::parse(text).map(Some);
        let size = || parse_byte_size(text).map(Some);
        match name {
            "max_read_request_operation_count" => self.max_read_request_operation_count = count()?,
            "max_outstanding_read_requests" => self.max_outstanding_read_requests = count()?,
            "max_read_request_size" => self.max_read_request_size = size()?,
            "max_write_request_operation_count" => self.max_write_request_operation_count = count()?,
            "max_write_request_size" => self.max_write_request_size = size()?,
            "max_outstanding_write_requests" => self.max_outstanding_write_requests = count()?,
            "max_write_buffer_count" => self.max_write_buffer_count = count()?,
            "max_write_buffer_size" => self.max_write_buffer_size = size()?,
            "max_retry_delay" => self.max_retry_delay = Some(parse_retry_delay(text)?),
            "read_poll_timeout" => self.read_poll_timeout = Some(parse_time(text)?),
            _ => {}
        }
        Ok(())
    }

    /// The value of one setting as the form shows it (empty for the default).
    pub fn text(&self, name: &str) -> String {
        fn show<T: ToString>(value: Option<T>) -> String {
            value.map(|v| v.to_string()).unwrap_or_default()
        }
        match name {
            "max_read_request_operation_count" => show(self.max_read_request_operation_count.map(OperationCount::get)),
            "max_outstanding_read_requests" => show(self.max_outstanding_read_requests.map(OperationCount::get)),
            "max_read_request_size" => show(self.max_read_request_size),
            "max_write_request_operation_count" => {
                show(self.max_write_request_operation_count.map(OperationCount::get))
            }
            "max_write_request_size" => show(self.max_write_request_size),
            "max_outstanding_write_requests" => show(self.max_outstanding_write_requests.map(OperationCount::get)),
            "max_write_buffer_count" => show(self.max_write_buffer_count.map(OperationCount::get)),
            "max_write_buffer_size" => show(self.max_write_buffer_size),
            "max_retry_delay" => show(self.max_retry_delay),
            "read_poll_timeout" => show(self.read_poll_timeout),
            _ => String::new(),
        }
    }

    /// The request body part: only the settings that were chosen.
    pub fn to_parameters(&self) -> FollowParameters {
        let count = |c: Option<OperationCount>| c.map(|c| u64::from(c.get()));
        let text = |v: Option<String>| v;
        FollowParameters {
            max_read_request_operation_count: count(self.max_read_request_operation_count),
            max_outstanding_read_requests: count(self.max_outstanding_read_requests),
            max_read_request_size: text(self.max_read_request_size.map(|v| v.to_string())),
            max_write_request_operation_count: count(self.max_write_request_operation_count),
            max_write_request_size: text(self.max_write_request_size.map(|v| v.to_string())),
            max_outstanding_write_requests: count(self.max_outstanding_write_requests),
            max_write_buffer_count: count(self.max_write_buffer_count),
            max_write_buffer_size: text(self.max_write_buffer_size.map(|v| v.to_string())),
            max_retry_delay: text(self.max_retry_delay.map(|v| v.to_string())),
            read_poll_timeout: text(self.read_poll_timeout.map(|v| v.to_string())),
        }
    }

    /// Reads the parameters Elasticsearch reports in `_ccr/info` (or an auto-follow pattern).
    /// A value Elasticsearch reports that the panel cannot read is left at "default" rather
    /// than guessed, and named in the error so the page can say so.
    pub fn from_parameters(parameters: &FollowParameters) -> Result<FollowSettings, SettingProblems> {
        let numbers = [
            ("max_read_request_operation_count", parameters.max_read_request_operation_count),
            ("max_outstanding_read_requests", parameters.max_outstanding_read_requests),
            ("max_write_request_operation_count", parameters.max_write_request_operation_count),
            ("max_outstanding_write_requests", parameters.max_outstanding_write_requests),
            ("max_write_buffer_count", parameters.max_write_buffer_count),
        ]
        .map(|(name, value)| (name, value.map(|v| v.to_string())));
        let texts = [
            ("max_read_request_size", parameters.max_read_request_size.clone()),
            ("max_write_request_size", parameters.max_write_request_size.clone()),
            ("max_write_buffer_size", parameters.max_write_buffer_size.clone()),
            ("max_retry_delay", parameters.max_retry_delay.clone()),
            ("read_poll_timeout", parameters.read_poll_timeout.clone()),
        ];
        let all: BTreeMap<&str, String> =
            numbers.into_iter().chain(texts).filter_map(|(name, value)| value.map(|v| (name, v))).collect();
        FollowSettings::parse(|name| all.get(name).map(String::as_str))
    }

    /// The settings whose value differs from Elasticsearch's default, for "custom" marks.
    pub fn is_custom(&self, name: &str) -> bool {
        let text = self.text(name);
        !text.is_empty() && SETTINGS.iter().find(|s| s.name == name).is_some_and(|s| !same_value(s, &text))
    }
}

/// Whether a value equals the default (`32mb` and `33554432b` are the same size).
fn same_value(spec: &SettingSpec, text: &str) -> bool {
    match spec.kind {
        SettingKind::Count => text == spec.default,
        SettingKind::ByteSize => {
            matches!((text.parse::<ByteSize>(), spec.default.parse::<ByteSize>()), (Ok(a), Ok(b)) if a.bytes() == b.bytes())
        }
        SettingKind::Time => matches!(
            (text.parse::<TimeValue>(), spec.default.parse::<TimeValue>()),
            (Ok(a), Ok(b)) if a.as_duration() == b.as_duration()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<FollowSettings, SettingProblems> {
        let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
        FollowSettings::parse(|name| map.get(name).copied())
    }

    #[test]
    fn empty_fields_mean_the_defaults_and_send_nothing() {
        let settings = parse(&[("max_read_request_size", "  "), ("read_poll_timeout", "")]).unwrap();
        assert_eq!(settings, FollowSettings::default());
        assert_eq!(serde_json::to_value(settings.to_parameters()).unwrap(), serde_json::json!({}));
    }

    #[test]
    fn chosen_settings_are_sent_in_elasticsearch_syntax() {
        let settings = parse(&[
            ("max_read_request_operation_count", "100"),
            ("max_write_buffer_size", "64MB"),
            ("max_retry_delay", "5m"),
            ("read_poll_timeout", "30s"),
        ])
        .unwrap();
        assert_eq!(
            serde_json::to_value(settings.to_parameters()).unwrap(),
            serde_json::json!({
                "max_read_request_operation_count": 100,
                "max_write_buffer_size": "64mb",
                "max_retry_delay": "5m",
                "read_poll_timeout": "30s",
            })
        );
    }

    #[test]
    fn every_problem_of_every_field_is_reported() {
        let problems = parse(&[
            ("max_read_request_operation_count", "0"),
            ("max_outstanding_read_requests", "2147483648"),
            ("max_write_request_operation_count", "-5"),
            ("max_outstanding_write_requests", "ten"),
            ("max_read_request_size", "0kb"),
            ("max_write_request_size", "10"),
            ("max_write_buffer_size", "9223372036854775808b"),
            ("max_retry_delay", "6m"),
            ("read_poll_timeout", "soon"),
            ("max_write_buffer_count", &"9".repeat(200)),
        ])
        .unwrap_err();
        assert_eq!(problems["max_read_request_operation_count"], SettingProblem::CountTooSmall);
        assert_eq!(problems["max_outstanding_read_requests"], SettingProblem::CountTooLarge);
        assert_eq!(problems["max_write_request_operation_count"], SettingProblem::CountTooSmall);
        assert_eq!(problems["max_outstanding_write_requests"], SettingProblem::NotACount);
        assert_eq!(problems["max_read_request_size"], SettingProblem::ByteSizeZero);
        assert_eq!(problems["max_write_request_size"], SettingProblem::NotAByteSize);
        assert_eq!(problems["max_write_buffer_size"], SettingProblem::ByteSizeTooLarge);
        assert_eq!(problems["max_retry_delay"], SettingProblem::RetryDelayTooLong);
        assert_eq!(problems["read_poll_timeout"], SettingProblem::NotATime);
        assert_eq!(problems["max_write_buffer_count"], SettingProblem::TooLong);
        assert_eq!(problems.len(), 10);
        assert_eq!(
            parse(&[("max_retry_delay", "0ms")]).unwrap_err()["max_retry_delay"],
            SettingProblem::RetryDelayNotPositive
        );
    }

    #[test]
    fn the_limits_themselves_are_accepted() {
        let settings = parse(&[
            ("max_write_buffer_count", "2147483647"),
            ("max_write_request_size", "9223372036854775807b"),
            ("max_retry_delay", "300s"),
            ("max_outstanding_read_requests", "1"),
        ])
        .unwrap();
        assert_eq!(settings.text("max_write_buffer_count"), "2147483647");
        assert_eq!(settings.text("max_retry_delay"), "300s");
    }

    #[test]
    fn info_parameters_round_trip_and_custom_ones_are_marked() {
        let defaults: FollowParameters = serde_json::from_value(serde_json::json!({
            "max_read_request_operation_count": 5120, "max_read_request_size": "32mb",
            "max_outstanding_read_requests": 12, "max_write_request_operation_count": 5120,
            "max_write_request_size": "9223372036854775807b", "max_outstanding_write_requests": 9,
            "max_write_buffer_count": 2147483647, "max_write_buffer_size": "512mb",
            "max_retry_delay": "500ms", "read_poll_timeout": "1m"
        }))
        .unwrap();
        let settings = FollowSettings::from_parameters(&defaults).unwrap();
        assert!(SETTINGS.iter().all(|s| !settings.is_custom(s.name)), "ES defaults are not custom");
        assert_eq!(settings.to_parameters(), defaults);

        let custom = FollowParameters { max_read_request_size: Some("1gb".into()), ..defaults };
        let settings = FollowSettings::from_parameters(&custom).unwrap();
        assert!(settings.is_custom("max_read_request_size"));
        assert!(!settings.is_custom("read_poll_timeout"));
    }

    #[test]
    fn every_setting_has_a_default_it_accepts() {
        let all: Vec<(&str, &str)> = SETTINGS.iter().map(|s| (s.name, s.default)).collect();
        let settings = parse(&all).unwrap();
        for spec in SETTINGS {
            assert!(!settings.is_custom(spec.name), "{}", spec.name);
        }
    }
}
