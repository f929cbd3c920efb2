//! Elasticsearch's byte-size and time-value formats (`32mb`, `500ms`), as the CCR follow
//! parameters use them. Parsed into newtypes so a value that reaches Elasticsearch is one it
//! accepts.

use std::fmt;
use std::str::FromStr;

/// A byte size such as `512mb`: a whole number and a unit (`b`, `kb`, `mb`, `gb`, `tb`, `pb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize {
    bytes: u64,
    unit: ByteUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ByteUnit {
    B,
    Kb,
    Mb,
    Gb,
    Tb,
    Pb,
}

const BYTE_UNITS: [(&str, ByteUnit, u64); 6] = [
    ("pb", ByteUnit::Pb, 1 << 50),
    ("tb", ByteUnit::Tb, 1 << 40),
    ("gb", ByteUnit::Gb, 1 << 30),
    ("mb", ByteUnit::Mb, 1 << 20),
    ("kb", ByteUnit::Kb, 1 << 10),
    ("b", ByteUnit::B, 1),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("{0:?} needs a whole number and a unit, such as 512mb or 30s")]
    Malformed(String),
    #[error("{0:?} is too large")]
    TooLarge(String),
}

impl ByteSize {
    pub fn bytes(self) -> u64 {
        self.bytes
    }
}

impl FromStr for ByteSize {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<ByteSize, UnitError> {
        let lower = text.trim().to_ascii_lowercase();
        for (suffix, unit, factor) in BYTE_UNITS {
            if let Some(number) = lower.strip_suffix(suffix) {
                let number: u64 = number.parse().map_err(|_| UnitError::Malformed(text.to_owned()))?;
                let bytes = number.checked_mul(factor).ok_or_else(|| UnitError::TooLarge(text.to_owned()))?;
                // Elasticsearch keeps byte sizes in a signed 64-bit long.
                if bytes > i64::MAX as u64 {
                    return Err(UnitError::TooLarge(text.to_owned()));
                }
                return Ok(ByteSize { bytes, unit });
            }
        }
        Err(UnitError::Malformed(text.to_owned()))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (suffix, factor) =
            BYTE_UNITS.iter().find(|(_, u, _)| *u == self.unit).map(|(s, _, f)| (*s, *f)).unwrap_or(("b", 1));
        write!(f, "{}{suffix}", self.bytes / factor)
    }
}

/// A time value such as `500ms` or `1m`: a whole number and a unit (`nanos`, `micros`, `ms`,
/// `s`, `m`, `h`, `d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeValue {
    nanos: u128,
    amount: u64,
    unit: &'static str,
}

const TIME_UNITS: [(&str, u128); 7] = [
    ("nanos", 1),
    ("micros", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

impl TimeValue {
    pub fn as_duration(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.nanos.min(u64::MAX as u128) as u64)
    }
}

impl FromStr for TimeValue {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<TimeValue, UnitError> {
        let lower = text.trim().to_ascii_lowercase();
        let split = lower.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| UnitError::Malformed(text.to_owned()))?;
        let (number, suffix) = lower.split_at(split);
        let amount: u64 = number.parse().map_err(|_| UnitError::Malformed(text.to_owned()))?;
        let (unit, factor) =
            TIME_UNITS.iter().find(|(u, _)| *u == suffix).ok_or_else(|| UnitError::Malformed(text.to_owned()))?;
        Ok(TimeValue { nanos: u128::from(amount) * factor, amount, unit })
    }
}

impl fmt::Display for TimeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        let size: ByteSize = "32mb".parse().unwrap();
        assert_eq!((size.bytes(), size.to_string().as_str()), (32 << 20, "32mb"));
        assert_eq!("9223372036854775807b".parse::<ByteSize>().unwrap().bytes(), i64::MAX as u64);
        assert!("9223372036854775808b".parse::<ByteSize>().is_err());
        assert!("10".parse::<ByteSize>().is_err());
        assert!("mb".parse::<ByteSize>().is_err());
        assert!("1.5gb".parse::<ByteSize>().is_err());
    }

    #[test]
    fn time_values() {
        let time: TimeValue = "500ms".parse().unwrap();
        assert_eq!((time.as_duration().as_millis(), time.to_string().as_str()), (500, "500ms"));
        assert_eq!("1m".parse::<TimeValue>().unwrap().as_duration().as_secs(), 60);
        assert!("1x".parse::<TimeValue>().is_err());
        assert!("s".parse::<TimeValue>().is_err());
        assert!("".parse::<TimeValue>().is_err());
    }
}
