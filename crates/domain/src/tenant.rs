//! The tenant slug: the short, stable name an organisation is addressed by (`fund`, `clinic`).

use crate::InvalidInput;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

impl TenantSlug {
    const MAX_LEN: usize = 40;

    /// Lower-case latin letters, digits and `_`, starting with a letter, 2–40 characters. The slug
    /// names databases and cache namespaces, so nothing else is allowed in it.
    pub fn parse(value: &str) -> Result<Self, InvalidInput> {
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let starts_with_letter = value.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if value.len() < 2 || value.len() > Self::MAX_LEN || !valid_chars || !starts_with_letter {
            return Err(InvalidInput::new(
                "tenant",
                "expected 2–40 lower-case latin letters, digits or '_', starting with a letter",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantSlug {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TenantSlug> for String {
    fn from(value: TenantSlug) -> Self {
        value.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tenant_slugs_are_valid() {
        for slug in ["fund", "volunteers", "state_centre", "clinic"] {
            assert!(TenantSlug::parse(slug).is_ok(), "{slug}");
        }
    }

    #[test]
    fn slugs_that_could_escape_a_path_or_query_are_rejected() {
        for bad in [
            "",
            "a",
            "Fund",
            "../x",
            "fund;drop",
            "1fund",
            "фонд",
            &"a".repeat(41),
        ] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
