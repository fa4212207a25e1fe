//! The disclosure rules («правила защиты от раскрытия»): the smallest count that may be
//! published, the rounding base, the smallest denominator a rate is shown over, and how many
//! organisations a pooled figure needs. They can be made stricter, never looser than the
//! defaults — [`DisclosureRules::new`] refuses anything below them.

use serde::{Deserialize, Serialize};

/// Disclosure rules, validated: every value is at least its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRules", into = "RawRules")]
pub struct DisclosureRules {
    k: u32,
    rounding_base: u32,
    rate_min_denominator: u32,
    pooled_min_organisations: u32,
}

/// A rule looser than its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{setting} = {value} is below {minimum}: disclosure rules are configurable upward only \
     («правила защиты можно только ужесточить»)"
)]
pub struct RulesError {
    pub setting: &'static str,
    pub value: u32,
    pub minimum: u32,
}

impl DisclosureRules {
    /// Counts from 1 to `K` are suppressed by default.
    pub const DEFAULT_K: u32 = 5;
    /// Published counts are rounded to a multiple of 5 by default.
    pub const DEFAULT_ROUNDING_BASE: u32 = 5;
    /// A rate is shown only over a denominator of at least 20 by default.
    pub const DEFAULT_RATE_MIN_DENOMINATOR: u32 = 20;
    /// A pooled figure needs at least 3 contributing organisations by default.
    pub const DEFAULT_POOLED_MIN_ORGANISATIONS: u32 = 3;

    /// Rules with the given values; an error names the first value looser than its default.
    pub fn new(
        k: u32,
        rounding_base: u32,
        rate_min_denominator: u32,
        pooled_min_organisations: u32,
    ) -> Result<Self, RulesError> {
        let check = |setting, value, minimum| {
            if value < minimum {
                Err(RulesError {
                    setting,
                    value,
                    minimum,
                })
            } else {
                Ok(())
            }
        };
        check("k", k, Self::DEFAULT_K)?;
        check("rounding_base", rounding_base, Self::DEFAULT_ROUNDING_BASE)?;
        check(
            "rate_min_denominator",
            rate_min_denominator,
            Self::DEFAULT_RATE_MIN_DENOMINATOR,
        )?;
        check(
            "pooled_min_organisations",
            pooled_min_organisations,
            Self::DEFAULT_POOLED_MIN_ORGANISATIONS,
        )?;
        Ok(DisclosureRules {
            k,
            rounding_base,
            rate_min_denominator,
            pooled_min_organisations,
        })
    }

    /// Counts from 1 to `k` are small and never published.
    pub fn k(&self) -> u32 {
        self.k
    }
    pub fn rounding_base(&self) -> u32 {
        self.rounding_base
    }
    pub fn rate_min_denominator(&self) -> u32 {
        self.rate_min_denominator
    }
    pub fn pooled_min_organisations(&self) -> u32 {
        self.pooled_min_organisations
    }

    /// Whether a true count is small: from 1 to `k`. Zero is not small (see the module
    /// documentation of [`crate::disclosure`]).
    pub fn is_small(&self, count: u32) -> bool {
        (1..=self.k).contains(&count)
    }

    /// A count rounded to the nearest multiple of the rounding base. A tie — possible only with an
    /// even base, e.g. 15 with base 10 — goes up, so that rounding never publishes a 0 for a
    /// count that is not 0 because of a tie.
    pub fn round(&self, count: u32) -> u32 {
        let base = u64::from(self.rounding_base);
        let count = u64::from(count);
        let remainder = count % base;
        let down = count - remainder;
        let rounded = if 2 * remainder >= base {
            down + base
        } else {
            down
        };
        u32::try_from(rounded).unwrap_or(u32::MAX - u32::MAX % self.rounding_base)
    }
}

impl Default for DisclosureRules {
    fn default() -> Self {
        DisclosureRules {
            k: Self::DEFAULT_K,
            rounding_base: Self::DEFAULT_ROUNDING_BASE,
            rate_min_denominator: Self::DEFAULT_RATE_MIN_DENOMINATOR,
            pooled_min_organisations: Self::DEFAULT_POOLED_MIN_ORGANISATIONS,
        }
    }
}

/// The rules as written in a configuration file; every value may be left out for its default.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawRules {
    k: u32,
    rounding_base: u32,
    rate_min_denominator: u32,
    pooled_min_organisations: u32,
}

impl Default for RawRules {
    fn default() -> Self {
        DisclosureRules::default().into()
    }
}

impl From<DisclosureRules> for RawRules {
    fn from(r: DisclosureRules) -> Self {
        RawRules {
            k: r.k,
            rounding_base: r.rounding_base,
            rate_min_denominator: r.rate_min_denominator,
            pooled_min_organisations: r.pooled_min_organisations,
        }
    }
}

impl TryFrom<RawRules> for DisclosureRules {
    type Error = RulesError;
    fn try_from(r: RawRules) -> Result<Self, Self::Error> {
        DisclosureRules::new(
            r.k,
            r.rounding_base,
            r.rate_min_denominator,
            r.pooled_min_organisations,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_five_five_twenty_and_three() {
        let rules = DisclosureRules::default();
        assert_eq!(rules.k(), 5);
        assert_eq!(rules.rounding_base(), 5);
        assert_eq!(rules.rate_min_denominator(), 20);
        assert_eq!(rules.pooled_min_organisations(), 3);
        assert_eq!(DisclosureRules::new(5, 5, 20, 3), Ok(rules));
    }

    #[test]
    fn rules_can_be_made_stricter() {
        let rules = DisclosureRules::new(10, 10, 50, 5).expect("stricter rules are accepted");
        assert_eq!(rules.k(), 10);
    }

    #[test]
    fn a_looser_rule_is_refused() {
        let err = DisclosureRules::new(3, 5, 20, 3).expect_err("k = 3 is looser than 5");
        assert_eq!(err.setting, "k");
        assert_eq!(err.minimum, 5);
        assert!(err.to_string().contains("upward only"));
        assert!(DisclosureRules::new(5, 1, 20, 3).is_err());
        assert!(DisclosureRules::new(5, 5, 10, 3).is_err());
        assert!(DisclosureRules::new(5, 5, 20, 2).is_err());
    }

    #[test]
    fn a_configuration_file_cannot_loosen_the_rules() {
        let rules: DisclosureRules = toml::from_str("k = 7").expect("k = 7 is stricter");
        assert_eq!(rules.k(), 7);
        assert_eq!(rules.rounding_base(), 5);
        let err = toml::from_str::<DisclosureRules>("k = 2").expect_err("k = 2 is refused");
        assert!(err.to_string().contains("upward only"), "{err}");
        assert!(toml::from_str::<DisclosureRules>("kay = 7").is_err());
    }

    #[test]
    fn counts_round_to_the_nearest_multiple_of_five() {
        let rules = DisclosureRules::default();
        let rounded: Vec<u32> = [0, 6, 7, 8, 12, 13, 26, 32, 81]
            .into_iter()
            .map(|c| rules.round(c))
            .collect();
        assert_eq!(rounded, [0, 5, 5, 10, 10, 15, 25, 30, 80]);
    }

    #[test]
    fn a_tie_with_an_even_base_rounds_up() {
        let rules = DisclosureRules::new(5, 10, 20, 3).expect("valid");
        assert_eq!(rules.round(15), 20);
        assert_eq!(rules.round(14), 10);
        assert_eq!(rules.round(25), 30);
    }

    #[test]
    fn zero_is_not_a_small_count() {
        let rules = DisclosureRules::default();
        assert!(!rules.is_small(0));
        assert!(rules.is_small(1));
        assert!(rules.is_small(5));
        assert!(!rules.is_small(6));
    }
}
