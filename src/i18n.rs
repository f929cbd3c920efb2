//! The interface's languages: English and Simplified Chinese, from Fluent catalogs in
//! `locales/<lang>/main.ftl`, compiled into the binary.
//!
//! Templates never hold user-visible text of their own; they ask a [`Tr`] for each string by
//! key, so a missing translation is a test failure instead of a half-English page.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::LanguageIdentifier;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // Fluent wraps arguments in bidi isolation marks by default; they show up as stray
        // characters in copied text and in tests, and neither language needs them.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the interface is offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag, for `<html lang>` and the language cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    /// Parsed once: a page looks up hundreds of messages.
    fn catalog(self) -> &'static LanguageIdentifier {
        static EN: std::sync::LazyLock<LanguageIdentifier> =
            std::sync::LazyLock::new(|| "en-US".parse().expect("valid tag"));
        static ZH_CN: std::sync::LazyLock<LanguageIdentifier> =
            std::sync::LazyLock::new(|| "zh-CN".parse().expect("valid tag"));
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }

    /// Reads a cookie or form value (`en`, `zh-CN`, case-insensitive).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "en" || tag.starts_with("en-") {
            Some(Lang::En)
        } else if tag == "zh" || tag.starts_with("zh-cn") || tag.starts_with("zh-hans") || tag.starts_with("zh-sg") {
            Some(Lang::ZhCn)
        } else {
            None
        }
    }

    /// Picks the best language from an `Accept-Language` header, honouring `q` weights.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut choices: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let lang = Lang::from_tag(pieces.next()?)?;
                let q =
                    pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
                (q > 0.0).then_some((q, lang))
            })
            .collect();
        // Stable sort keeps header order among equal weights.
        choices.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        choices.first().map(|(_, lang)| *lang)
    }
}

/// The messages without arguments already resolved, per language ([`Lang`] as index): a page
/// asks for hundreds of them (a follower list of 50 rows, about 300), and Fluent resolves a
/// message anew at each lookup (measured with `perf` on `cargo bench --bench pages`: 8% of
/// the panel's CPU for that list). Only keys found in the catalog are kept, so the cache is
/// at most the catalog's size whatever a request asks for.
static PLAIN_MESSAGES: [std::sync::LazyLock<std::sync::RwLock<HashMap<String, String>>>; Lang::ALL.len()] =
    [std::sync::LazyLock::new(Default::default), std::sync::LazyLock::new(Default::default)];

/// Translates keys for one request's language.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The message for `key`. A missing key shows as the key itself (tests catch it first).
    pub fn t(&self, key: &str) -> String {
        let cache = &PLAIN_MESSAGES[self.lang as usize];
        if let Some(text) = cache.read().unwrap_or_else(|p| p.into_inner()).get(key) {
            return text.clone();
        }
        match LOCALES.try_lookup(self.lang.catalog(), key) {
            Some(text) => {
                cache.write().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned(), text.clone());
                text
            }
            None => key.to_owned(),
        }
    }

    /// The message for `key` with named arguments (`{ $name }` in the catalog).
    pub fn t_args(&self, key: &str, args: &[(&str, &str)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
            args.iter().map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(*v))).collect();
        LOCALES.try_lookup_with_args(self.lang.catalog(), key, &args).unwrap_or_else(|| key.to_owned())
    }

    /// Shorthand for one argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.t_args(key, &[(name, value)])
    }
}

/// A catalog key with its arguments, kept untranslated until a page renders it in the
/// reader's language (so the same message can be compared, hashed or stored first).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Message {
    pub key: String,
    pub args: Vec<(String, MessageArg)>,
}

/// One argument of a [`Message`]: text shown as it is, or another catalog key translated with
/// the message (a reason inside a sentence).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MessageArg {
    Text(String),
    Key(String),
}

impl Message {
    /// A message without arguments.
    pub fn new(key: impl Into<String>) -> Message {
        Message { key: key.into(), args: Vec::new() }
    }

    /// Adds one named argument (`{ $name }` in the catalog).
    pub fn arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Message {
        self.args.push((name.into(), MessageArg::Text(value.into())));
        self
    }

    /// Adds one argument that is itself a catalog key, translated when the message is.
    pub fn arg_key(mut self, name: impl Into<String>, key: impl Into<String>) -> Message {
        self.args.push((name.into(), MessageArg::Key(key.into())));
        self
    }

    /// The message in `tr`'s language.
    pub fn render(&self, tr: &Tr) -> String {
        let values: Vec<String> = self
            .args
            .iter()
            .map(|(_, value)| match value {
                MessageArg::Text(text) => text.clone(),
                MessageArg::Key(key) => tr.t(key),
            })
            .collect();
        let args: Vec<(&str, &str)> =
            self.args.iter().zip(&values).map(|((name, _), value)| (name.as_str(), value.as_str())).collect();
        tr.t_args(&self.key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_honours_weights() {
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("fr-FR, en;q=0.5, zh;q=0.4"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("en;q=0.1, zh-Hans;q=0.9"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(Lang::from_accept_language("zh-TW"), None);
    }

    #[test]
    fn a_kept_message_is_the_one_of_its_language_and_unknown_keys_are_not_kept() {
        for _ in 0..2 {
            assert_eq!(Tr::new(Lang::En).t("nav-remote-clusters"), "Remote clusters");
            assert_eq!(Tr::new(Lang::ZhCn).t("nav-remote-clusters"), "远程集群");
        }
        let unknown = "no-such-key-in-any-catalog";
        assert_eq!(Tr::new(Lang::En).t(unknown), unknown);
        assert!(!PLAIN_MESSAGES[Lang::En as usize].read().unwrap().contains_key(unknown));
    }
}
