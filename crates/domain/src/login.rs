//! The name a person signs in with (логин).

use crate::InvalidInput;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LoginName(String);

impl LoginName {
    const MAX_LEN: usize = 120;

    /// Trimmed and lower-cased; 3–120 characters of letters, digits, `.`, `_`, `-`, `@`.
    pub fn parse(value: &str) -> Result<Self, InvalidInput> {
        let normalised = value.trim().to_lowercase();
        let length = normalised.chars().count();
        let valid = normalised
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if !(3..=Self::MAX_LEN).contains(&length) || !valid {
            return Err(InvalidInput::new(
                "login",
                "expected 3–120 letters, digits or . _ - @",
            ));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LoginName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_normalised() {
        assert_eq!(
            LoginName::parse("  Fund.Curator ").unwrap().as_str(),
            "fund.curator"
        );
    }

    #[test]
    fn bad_logins_are_rejected() {
        for bad in ["", "ab", "a b c", "x'; --", &"a".repeat(121)] {
            assert!(LoginName::parse(bad).is_err(), "{bad}");
        }
    }
}
