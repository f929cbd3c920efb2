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

/// The messages with arguments already resolved, per language and key: one form for each list
/// of argument names a caller gave. A follower list of 50 rows asks 50 of them, and Fluent
/// resolved each anew (measured with `perf`: 3 % of the panel's CPU for that page).
///
/// Exact because the catalogs use no selectors and no functions, only plain `{ $name }`
/// placeables (a test holds them to it): the text around the arguments is then the same
/// whatever their values. Only keys found in the catalog are kept, each with the lists of
/// argument names the code passes (names are literals in the code, never a request's input):
/// bounded by the catalog and the code.
static ARG_MESSAGES: [std::sync::LazyLock<std::sync::RwLock<ArgForms>>; Lang::ALL.len()] =
    [std::sync::LazyLock::new(Default::default), std::sync::LazyLock::new(Default::default)];

/// Per key, its forms (one per list of argument names).
type ArgForms = HashMap<String, Vec<ArgMessage>>;

/// Marks where an argument went when a message is resolved with markers for values: this
/// private-use character, then one naming the argument's position (`ARG_BASE` + position).
const ARG_MARK: char = '\u{E000}';
const ARG_BASE: u32 = 0xE100;

/// One message with arguments, as the text between them.
#[derive(Debug)]
struct ArgMessage {
    /// The argument names this form was resolved for, in the caller's order.
    names: Vec<String>,
    pieces: Vec<Piece>,
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(Box<str>),
    /// The value of the caller's argument at this position.
    Arg(usize),
}

impl ArgMessage {
    /// The message resolved once with a marker for each argument; none when the key is not in
    /// the catalog or the text holds a marker it was not given (then Fluent resolves each time).
    fn resolve(lang: Lang, key: &str, args: &[(&str, &str)]) -> Option<ArgMessage> {
        let markers: Vec<String> = (0..args.len())
            .map(|at| Some(format!("{ARG_MARK}{}", char::from_u32(ARG_BASE + u32::try_from(at).ok()?)?)))
            .collect::<Option<_>>()?;
        let marked: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .zip(&markers)
            .map(|((name, _), marker)| (Cow::Owned((*name).to_owned()), FluentValue::from(marker.as_str())))
            .collect();
        let text = LOCALES.try_lookup_with_args(lang.catalog(), key, &marked)?;
        let mut pieces = Vec::new();
        let mut parts = text.split(ARG_MARK);
        let first = parts.next().unwrap_or_default();
        if !first.is_empty() {
            pieces.push(Piece::Text(first.into()));
        }
        for part in parts {
            let mut chars = part.chars();
            let at =
                chars.next().and_then(|c| (c as u32).checked_sub(ARG_BASE)).and_then(|at| usize::try_from(at).ok());
            let at = at.filter(|at| *at < args.len())?;
            pieces.push(Piece::Arg(at));
            if !chars.as_str().is_empty() {
                pieces.push(Piece::Text(chars.as_str().into()));
            }
        }
        Some(ArgMessage { names: args.iter().map(|(name, _)| (*name).to_owned()).collect(), pieces })
    }

    /// The message with these values (given in the order of [`ArgMessage::names`]).
    fn fill(&self, args: &[(&str, &str)]) -> String {
        let values = || {
            self.pieces.iter().map(|piece| match piece {
                Piece::Text(text) => &**text,
                Piece::Arg(at) => args[*at].1,
            })
        };
        let mut text = String::with_capacity(values().map(str::len).sum());
        values().for_each(|value| text.push_str(value));
        text
    }
}

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

    /// The message for `key` with named arguments (`{ $name }` in the catalog): the text around
    /// the arguments is resolved once per language and argument names ([`ARG_MESSAGES`]).
    pub fn t_args(&self, key: &str, args: &[(&str, &str)]) -> String {
        let cache = &ARG_MESSAGES[self.lang as usize];
        let kept = |cache: &ArgForms| {
            let forms = cache.get(key)?;
            let form = forms.iter().find(|f| f.names.iter().map(String::as_str).eq(args.iter().map(|(n, _)| *n)))?;
            Some(form.fill(args))
        };
        if let Some(text) = kept(&cache.read().unwrap_or_else(|p| p.into_inner())) {
            return text;
        }
        match ArgMessage::resolve(self.lang, key, args) {
            Some(form) => {
                let text = form.fill(args);
                let mut cache = cache.write().unwrap_or_else(|p| p.into_inner());
                // Another page may have resolved the same form meanwhile: kept once.
                if kept(&cache).is_none() {
                    cache.entry(key.to_owned()).or_default().push(form);
                }
                text
            }
            None => self.fluent_args(key, args),
        }
    }

    /// Through Fluent itself (a key missing from the catalog shows as the key).
    fn fluent_args(&self, key: &str, args: &[(&str, &str)]) -> String {
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

    /// [`ARG_MESSAGES`] keeps the text around the arguments: right only while no message
    /// chooses its text by an argument's value (a selector) or passes it to a function.
    #[test]
    fn the_catalogs_place_arguments_only_as_plain_variables() {
        // Every file the loader reads: each `.ftl` of each language's folder.
        let root = format!("{}/locales", env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for lang in std::fs::read_dir(&root).unwrap() {
            for file in std::fs::read_dir(lang.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_some_and(|e| e == "ftl") {
                    files.push(path.display().to_string());
                }
            }
        }
        assert!(files.len() >= 2, "{files:?}");
        for path in files {
            let catalog = std::fs::read_to_string(&path).unwrap();
            for placeable in catalog.split('{').skip(1) {
                let inside = placeable.split('}').next().unwrap().trim();
                let variable = inside.strip_prefix('$').is_some_and(|name| {
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b))
                });
                let literal = inside.len() >= 2 && inside.starts_with('"') && inside.ends_with('"');
                assert!(
                    variable || literal,
                    "{path}: `{{ {inside} }}` is neither a plain variable nor a literal; Tr::t_args would need Fluent each time"
                );
            }
        }
    }

    #[test]
    fn a_message_with_arguments_kept_is_what_fluent_resolves() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            let cases: [(&str, &[(&str, &str)]); 5] = [
                ("follower-select", &[("name", "logs-1-copy")]),
                // Without the argument the message names: Fluent refuses it (the key shows).
                ("follower-select", &[("other", "x")]),
                ("follower-select", &[("name", "<b>{ $name }\u{E000}")]),
                ("follower-resumed-with-defaults", &[("names", "a, b")]),
                ("follower-select", &[("other", "x"), ("name", "y")]),
            ];
            for _ in 0..2 {
                for (key, args) in cases {
                    assert_eq!(tr.t_args(key, args), tr.fluent_args(key, args), "{lang:?} {key} {args:?}");
                }
            }
            assert_eq!(tr.t_args("follower-select", &[("other", "x")]), "follower-select");
            // One form for `name`, one for `other` and `name`; none for the refused one.
            assert_eq!(ARG_MESSAGES[lang as usize].read().unwrap().get("follower-select").map(Vec::len), Some(2));
        }
        let unknown = "no-such-key-with-arguments";
        assert_eq!(Tr::new(Lang::En).t1(unknown, "name", "x"), unknown);
        assert!(!ARG_MESSAGES[Lang::En as usize].read().unwrap().contains_key(unknown));
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
