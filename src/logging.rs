//! Log output: plain text lines for people (`--log-format text`) or one JSON object per line
//! for log shippers (`--log-format json`).
//!
//! Log lines carry what clients send (user names typed at sign-in, paths, Elasticsearch's
//! reasons). Escaping is done here, for every field of every line, rather than at each call
//! site: in text, a value with a control character, a space, a quote or `=` is written quoted
//! with Rust string escapes, so no value can end a line or pose as another `key=value`; the
//! message itself has its control characters escaped. JSON strings are escaped by JSON itself.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-01-01T00:00:00Z  INFO audit: cluster change user=alice ...`
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields`, `span`.
    Json,
}

/// The subscriber the binary installs; tests build it over their own writer.
pub fn subscriber<W>(format: LogFormat, filter: EnvFilter, ansi: bool, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.with_target(true).with_ansi(ansi).fmt_fields(TextFields).finish()),
        LogFormat::Json => Box::new(builder.with_ansi(false).fmt_fields(JsonFields).event_format(JsonLines).finish()),
    }
}

/// The fields of an event or span, in order, as text.
#[derive(Default)]
struct Collected(Vec<(&'static str, String)>);

impl Visit for Collected {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push((field.name(), format!("{value:?}")));
    }
}

fn collect(fields: impl RecordFields) -> Collected {
    let mut collected = Collected::default();
    fields.record(&mut collected);
    collected
}

/// Control characters (line breaks, escape sequences, bidi overrides...) written as escapes.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_format_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Invisible characters that reorder or hide text on a terminal (not `is_control`).
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// A value as it appears after `key=`: bare when it is plainly one token, else quoted.
pub fn text_value(value: &str) -> String {
    let bare = !value.is_empty()
        && value.chars().all(|c| c.is_alphanumeric() || "-_.:/@+,*[]()<>#%&!?'".contains(c))
        && !value.chars().any(is_format_char);
    if bare {
        return value.to_owned();
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            c if c.is_control() || is_format_char(c) => quoted.extend(c.escape_default()),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Text fields: the message first (escaped), then `key=value` pairs.
struct TextFields;

impl<'writer> FormatFields<'writer> for TextFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let collected = collect(fields);
        let mut first = true;
        for (_, value) in collected.0.iter().filter(|(n, _)| *n == "message") {
            writer.write_str(&escape_controls(value))?;
            first = false;
        }
        for (name, value) in collected.0.iter().filter(|(n, _)| *n != "message") {
            if !first {
                writer.write_char(' ')?;
            }
            write!(writer, "{name}={}", text_value(value))?;
            first = false;
        }
        Ok(())
    }
}

/// JSON fields (for spans): an object, merged when a span records more fields later.
struct JsonFields;

fn to_object(collected: Collected) -> Map<String, Value> {
    collected.0.into_iter().map(|(name, value)| (name.to_owned(), Value::String(value))).collect()
}

impl<'writer> FormatFields<'writer> for JsonFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let object = to_object(collect(fields));
        writer.write_str(&Value::Object(object).to_string())
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut object: Map<String, Value> = serde_json::from_str(&current.fields).unwrap_or_default();
        object.extend(to_object(collect(fields)));
        current.fields = Value::Object(object).to_string();
        Ok(())
    }
}

/// One JSON object per event.
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert("timestamp".into(), Value::String(timestamp));
        line.insert("level".into(), Value::String(metadata.level().to_string()));
        line.insert("target".into(), Value::String(metadata.target().to_owned()));
        line.insert("fields".into(), Value::Object(to_object(collect(event))));
        let mut span = Map::new();
        if let Some(scope) = ctx.event_scope() {
            for entered in scope.from_root() {
                span.insert("name".into(), Value::String(entered.name().to_owned()));
                if let Some(fields) = entered.extensions().get::<FormattedFields<N>>() {
                    span.extend(serde_json::from_str::<Map<String, Value>>(&fields.fields).unwrap_or_default());
                }
            }
        }
        if !span.is_empty() {
            line.insert("span".into(), Value::Object(span));
        }
        writeln!(writer, "{}", one_line(&Value::Object(line)))
    }
}

/// JSON text with the characters that other line readers take for line ends (U+0085 NEL,
/// U+2028, U+2029: Python's `splitlines`, JavaScript) written as escapes. JSON leaves them
/// raw, and they can only occur inside strings, where `\uXXXX` means the same.
fn one_line(value: &Value) -> String {
    let text = value.to_string();
    if !text.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        return text;
    }
    text.replace('\u{85}', "\\u0085").replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_hold_no_character_a_line_reader_would_split_at() {
        #[derive(Clone, Default)]
        struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().write(bytes)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = subscriber(LogFormat::Json, EnvFilter::new("info"), false, move || writer.clone());
        let hostile = "a\u{85}b\u{2028}c\u{2029}d\u{b}e\u{1c}f\n{\"user\":\"admin\"}";
        tracing::subscriber::with_default(subscriber, || tracing::info!(user = hostile, "sign-in refused"));
        let output = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = output.split_terminator('\n').collect();
        assert_eq!(lines.len(), 1, "{output}");
        assert!(!lines[0].chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')), "{output}");
        let parsed: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(parsed["fields"]["user"], hostile);
    }

    #[test]
    fn values_cannot_end_a_line_or_pose_as_fields() {
        assert_eq!(text_value("alice"), "alice");
        assert_eq!(text_value("GET /_remote/info"), "\"GET /_remote/info\"");
        assert_eq!(text_value("x\nuser=admin"), "\"x\\nuser=admin\"");
        assert_eq!(text_value("a\" outcome=\"ok"), "\"a\\\" outcome=\\\"ok\"");
        assert_eq!(text_value(""), "\"\"");
        assert_eq!(text_value("\u{202e}evil"), "\"\\u{202e}evil\"");
        assert_eq!(escape_controls("line\r\nnext\u{1b}[31m"), "line\\r\\nnext\\u{1b}[31m");
    }
}
