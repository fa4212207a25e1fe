//! The language of a request's messages, from its `Accept-Language` header: English when the
//! client prefers it (`en`, `en-GB`, …), Russian otherwise — Russian is the default, for a missing
//! or unreadable header too. Nothing is stored: every request says what it wants.
//!
//! There is no Kazakh catalogue yet; a client asking for `kk` gets Russian, the language every
//! organisation works in. When one is added, [`Language`] gains a variant and `kk` maps to it here.
//!
//! The language is set for the whole execution of a request (a task-local), so errors made deep in
//! a resolver are rendered in it where they become GraphQL errors.

pub use kurator_casework::error::Language;

tokio::task_local! {
    static LANGUAGE: Language;
}

/// The language `Accept-Language` asks for: the supported language with the highest q-value
/// (the first on a tie); Russian when none is supported or the header is missing or malformed.
pub fn from_accept_language(header: Option<&str>) -> Language {
    let Some(header) = header else {
        return Language::default();
    };
    let mut best: Option<(f32, Language)> = None;
    for item in header.split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut quality = 1.0_f32;
        for param in parts {
            if let Some(q) = param.trim().strip_prefix("q=") {
                quality = q.trim().parse::<f32>().unwrap_or(0.0);
            }
        }
        if !(quality > 0.0 && quality <= 1.0) {
            continue;
        }
        let primary = tag.split('-').next().unwrap_or_default();
        let language = match primary {
            "en" => Language::En,
            "ru" => Language::Ru,
            // Kazakh and everything else: no catalogue, Russian.
            "kk" | "*" => Language::Ru,
            _ => continue,
        };
        if best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, language));
        }
    }
    best.map_or(Language::default(), |(_, language)| language)
}

/// Runs `future` with `language` as the request's language.
pub async fn scope<F: Future>(language: Language, future: F) -> F::Output {
    LANGUAGE.scope(language, future).await
}

/// The language of the request being served; Russian outside one.
pub fn current() -> Language {
    LANGUAGE.try_with(|l| *l).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_only_when_asked_for() {
        let cases = [
            (None, Language::Ru),
            (Some(""), Language::Ru),
            (Some("en"), Language::En),
            (Some("en-GB,en;q=0.9"), Language::En),
            (Some("EN-us"), Language::En),
            (Some("ru-RU,ru;q=0.9,en;q=0.8"), Language::Ru),
            (Some("en;q=0.5,ru;q=0.8"), Language::Ru),
            (Some("de,en;q=0.7"), Language::En),
            (Some("kk"), Language::Ru),
            (Some("kk-KZ,en;q=0.3"), Language::Ru),
            (Some("fr"), Language::Ru),
            (Some("en;q=0"), Language::Ru),
            (Some("en;q=abc"), Language::Ru),
            (Some(";;;,,,q=="), Language::Ru),
            (Some("\u{1F600}"), Language::Ru),
        ];
        for (header, expected) in cases {
            assert_eq!(from_accept_language(header), expected, "{header:?}");
        }
    }
}
