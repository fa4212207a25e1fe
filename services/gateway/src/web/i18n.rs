//! The interface's words, from Fluent catalogues (`locales/{ru,kk,en}/main.ftl`): Russian by
//! default, Kazakh and English complete. Labels that come from a variant (stages, steps, fields)
//! are the variant's own `Text`, picked by [`Lang::pick`].

use crate::graphql::language::Language;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "ru",
        // No Unicode isolation marks around arguments: the pages are plain left-to-right text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ru,
    Kk,
    En,
}

static IDS: LazyLock<[LanguageIdentifier; 3]> =
    LazyLock::new(|| ["ru", "kk", "en"].map(|tag| tag.parse().unwrap_or_default()));

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Ru, Lang::Kk, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Kk => "kk",
            Lang::En => "en",
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Ru => "Русский",
            Lang::Kk => "Қазақша",
            Lang::En => "English",
        }
    }

    pub fn parse(value: &str) -> Option<Lang> {
        match value.trim() {
            "ru" => Some(Lang::Ru),
            "kk" => Some(Lang::Kk),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of the service's messages (refusal reasons, requirements): they are written
    /// in Russian and English; a Kazakh page shows them in Russian, the organisation's working
    /// language.
    pub fn messages(self) -> Language {
        match self {
            Lang::En => Language::En,
            Lang::Ru | Lang::Kk => Language::Ru,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Ru => &IDS[0],
            Lang::Kk => &IDS[1],
            Lang::En => &IDS[2],
        }
    }

    /// The interface text `key`.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The interface text `key`, or `fallback` where the catalogue has none (a variant's own
    /// outcome keys, say).
    pub fn t_or(self, key: &str, fallback: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| fallback.to_owned())
    }

    /// The interface text `key` with its arguments.
    pub fn f(self, key: &str, args: &[(&'static str, FluentArg)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    FluentArg::Text(text) => FluentValue::from(text.clone()),
                    FluentArg::Number(n) => FluentValue::from(*n),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// A variant label in this language; Russian where the variant has no translation.
    pub fn pick<'a>(self, ru: &'a str, kk: Option<&'a str>, en: Option<&'a str>) -> &'a str {
        let translated = match self {
            Lang::Ru => None,
            Lang::Kk => kk,
            Lang::En => en,
        };
        translated.filter(|t| !t.is_empty()).unwrap_or(ru)
    }

    /// A variant's `Text` in this language.
    pub fn text(self, text: &kurator_method::schema::Text) -> String {
        self.pick(&text.ru, text.kk.as_deref(), text.en.as_deref())
            .to_owned()
    }

    /// A `{ru, kk, en}` object from the API in this language.
    pub fn text_json(self, value: &serde_json::Value) -> String {
        let get = |k: &str| value.get(k).and_then(|v| v.as_str());
        self.pick(get("ru").unwrap_or_default(), get("kk"), get("en"))
            .to_owned()
    }
}

/// An argument of a Fluent message.
pub enum FluentArg {
    Text(String),
    Number(i64),
}

impl From<&str> for FluentArg {
    fn from(value: &str) -> Self {
        FluentArg::Text(value.to_owned())
    }
}

impl From<String> for FluentArg {
    fn from(value: String) -> Self {
        FluentArg::Text(value)
    }
}

impl From<i64> for FluentArg {
    fn from(value: i64) -> Self {
        FluentArg::Number(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once('=').map(|(k, _)| k.trim().to_owned()))
            .collect()
    }

    /// Kazakh and English are complete: every Russian message has both, and nothing else.
    #[test]
    fn every_catalogue_has_every_message() {
        let ru = keys(include_str!("../../locales/ru/main.ftl"));
        let kk = keys(include_str!("../../locales/kk/main.ftl"));
        let en = keys(include_str!("../../locales/en/main.ftl"));
        assert!(ru.len() > 100, "{} messages", ru.len());
        let missing = |other: &BTreeSet<String>| ru.difference(other).cloned().collect::<Vec<_>>();
        let extra = |other: &BTreeSet<String>| other.difference(&ru).cloned().collect::<Vec<_>>();
        assert_eq!(missing(&kk), Vec::<String>::new(), "missing in kk");
        assert_eq!(missing(&en), Vec::<String>::new(), "missing in en");
        assert_eq!(extra(&kk), Vec::<String>::new(), "only in kk");
        assert_eq!(extra(&en), Vec::<String>::new(), "only in en");
    }

    #[test]
    fn messages_are_looked_up_in_each_language() {
        assert_eq!(Lang::Ru.t("nav-day"), "Мой день");
        assert_eq!(Lang::En.t("nav-day"), "My day");
        assert_ne!(Lang::Kk.t("nav-day"), Lang::Ru.t("nav-day"));
        let text = Lang::Ru.f("cases-found", &[("count", 3_i64.into())]);
        assert!(text.contains('3'), "{text}");
    }
}
