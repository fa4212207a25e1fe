//! Caseload policy («нагрузка куратора»): may this curator take one more case? Total bounds with
//! an optimum, per-category caps read either independently or as one weighted capacity, sub-limits
//! (at most 5 high-complexity cases), and a separate post-support allowance. Every refusal or
//! warning is a sentence in Russian a supervisor can read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::schema::{CapsMode, CaseloadPolicy, Noun};
use crate::{Language, Problem, Variant};

/// One active case of a curator, by its attributes (family_category, complexity band, …).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LoadCase {
    pub attributes: BTreeMap<String, String>,
}

impl LoadCase {
    pub fn with(key: &str, value: &str) -> Self {
        LoadCase {
            attributes: BTreeMap::from([(key.to_string(), value.to_string())]),
        }
    }
    pub fn and(mut self, key: &str, value: &str) -> Self {
        self.attributes.insert(key.to_string(), value.to_string());
        self
    }
}

/// What a curator holds now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CuratorLoad {
    /// Active cases (not in post-support).
    pub active: Vec<LoadCase>,
    /// Families in post-support.
    pub post_support: u32,
}

/// The proposed assignment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Proposed {
    pub case: LoadCase,
    /// The family comes in post-support (counted against the post-support allowance).
    pub post_support: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", content = "reason", rename_all = "snake_case")]
pub enum CaseloadDecision {
    Allowed,
    AllowedWithWarning(String),
    Refused(String),
}

impl CaseloadDecision {
    pub fn is_allowed(&self) -> bool {
        !matches!(self, CaseloadDecision::Refused(_))
    }
}

/// Russian plural form for a count.
pub fn plural(n: u64, noun: &Noun) -> &str {
    let (d10, d100) = (n % 10, n % 100);
    if d10 == 1 && d100 != 11 {
        &noun.one
    } else if (2..=4).contains(&d10) && !(12..=14).contains(&d100) {
        &noun.few
    } else {
        &noun.many
    }
}

fn default_noun() -> Noun {
    Noun {
        one: "случай".into(),
        few: "случая".into(),
        many: "случаев".into(),
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A copy of the policy with the category caps read the other way (a tenant setting).
pub fn with_caps_mode(policy: &CaseloadPolicy, mode: CapsMode) -> CaseloadPolicy {
    let mut p = policy.clone();
    if let Some(c) = p.categories.as_mut() {
        c.mode = mode;
    }
    p
}

/// Evaluates a proposed assignment against the variant's own caseload policy.
pub fn evaluate(variant: &Variant, load: &CuratorLoad, proposed: &Proposed) -> CaseloadDecision {
    match variant.caseload() {
        None => CaseloadDecision::Allowed,
        Some(p) => evaluate_policy(variant, p, load, proposed),
    }
}

/// Evaluates a proposed assignment against a policy (e.g. the variant's with a tenant's caps mode).
/// The variant supplies the category labels.
pub fn evaluate_policy(
    variant: &Variant,
    policy: &CaseloadPolicy,
    load: &CuratorLoad,
    proposed: &Proposed,
) -> CaseloadDecision {
    assess(variant, policy, load, proposed).decision()
}

/// Every refusal and warning of a proposed assignment, as problems in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    pub refusals: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Assessment {
    /// The decision, with the Russian sentences joined.
    pub fn decision(&self) -> CaseloadDecision {
        let join = |list: &[Problem]| {
            list.iter()
                .map(|p| p.ru.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        if !self.refusals.is_empty() {
            CaseloadDecision::Refused(join(&self.refusals))
        } else if !self.warnings.is_empty() {
            CaseloadDecision::AllowedWithWarning(join(&self.warnings))
        } else {
            CaseloadDecision::Allowed
        }
    }
}

/// English count of cases: the variant's noun is Russian only.
fn en_cases(k: u64) -> String {
    if k == 1 {
        "1 case".to_owned()
    } else {
        format!("{k} cases")
    }
}

/// Like [`evaluate_policy`], keeping every refusal and warning apart, in both languages.
pub fn assess(
    variant: &Variant,
    policy: &CaseloadPolicy,
    load: &CuratorLoad,
    proposed: &Proposed,
) -> Assessment {
    let noun = policy.noun.clone().unwrap_or_else(default_noun);
    let n = |k: u64| format!("{k} {}", plural(k, &noun));
    let mut refusals: Vec<Problem> = Vec::new();
    let mut warnings: Vec<Problem> = Vec::new();

    if proposed.post_support
        && let Some(allow) = policy.post_support_allowance
    {
        if load.post_support >= allow {
            let held = u64::from(load.post_support);
            refusals.push(Problem::new(
                "caseload_post_support_full",
                format!(
                    "Куратор ведёт {} на пост-сопровождении из {allow} допустимых",
                    n(held)
                ),
                format!(
                    "The curator holds {} in post-support out of {allow} allowed",
                    en_cases(held)
                ),
            ));
        }
        return Assessment { refusals, warnings };
    }

    let active = load.active.len() as u64;
    if let Some(max) = policy.max_total
        && active + 1 > u64::from(max)
    {
        refusals.push(Problem::new(
            "caseload_full",
            format!("Куратор ведёт {} из {max} допустимых", n(active)),
            format!(
                "The curator holds {} out of {max} allowed",
                en_cases(active)
            ),
        ));
    }

    if let Some(cats) = &policy.categories {
        let class = variant.classification(&cats.classification);
        let label_en = |v: &str| -> String {
            class
                .and_then(|c| c.values.iter().find(|x| x.key == v))
                .map(|x| format!("“{}”", x.name.in_language(Language::En)))
                .unwrap_or_else(|| v.to_string())
        };
        let label = |v: &str| -> String {
            class
                .and_then(|c| c.values.iter().find(|x| x.key == v))
                .map(|x| {
                    x.caseload_label
                        .clone()
                        .unwrap_or_else(|| format!("«{}»", x.name.ru))
                })
                .unwrap_or_else(|| v.to_string())
        };
        let count = |v: &str| {
            load.active
                .iter()
                .filter(|c| {
                    c.attributes
                        .get(&cats.classification)
                        .is_some_and(|x| x == v)
                })
                .count() as u64
        };
        match proposed.case.attributes.get(&cats.classification) {
            None => refusals.push(
                Problem::new(
                    "caseload_category_missing",
                    format!(
                        "Для новой семьи не указана категория ({}): без неё нагрузку не проверить",
                        class.map_or(cats.classification.as_str(), |c| c.name.ru.as_str())
                    ),
                    format!(
                        "The new family has no category ({}): the caseload cannot be checked without it",
                        class.map_or(cats.classification.as_str(), |c| c
                            .name
                            .in_language(Language::En))
                    ),
                )
                .at(format!("attributes.{}", cats.classification)),
            ),
            Some(v) => match cats.mode {
                CapsMode::Independent => {
                    if let Some(cap) = cats.caps.iter().find(|c| &c.value == v) {
                        let have = count(v);
                        if have + 1 > u64::from(cap.max) {
                            refusals.push(Problem::new(
                                "caseload_category_full",
                                format!(
                                    "Куратор ведёт {} {} из {} допустимых",
                                    n(have),
                                    label(v),
                                    cap.max
                                ),
                                format!(
                                    "The curator holds {} {} out of {} allowed",
                                    en_cases(have),
                                    label_en(v),
                                    cap.max
                                ),
                            ));
                        }
                    }
                }
                CapsMode::Weighted => {
                    // exact arithmetic: a family of category c takes L / cap(c) units of L
                    let l = cats
                        .caps
                        .iter()
                        .map(|c| u64::from(c.max.max(1)))
                        .fold(1, |acc, m| acc / gcd(acc, m) * m);
                    let units = |value: &str| {
                        cats.caps
                            .iter()
                            .find(|c| c.value == value)
                            .map(|c| l / u64::from(c.max.max(1)))
                    };
                    let used: u64 = load
                        .active
                        .iter()
                        .filter_map(|c| c.attributes.get(&cats.classification))
                        .filter_map(|x| units(x))
                        .sum();
                    if let Some(add) = units(v)
                        && used + add > l
                    {
                        let parts: Vec<String> = cats
                            .caps
                            .iter()
                            .filter(|c| count(&c.value) > 0)
                            .map(|c| format!("{} {}", n(count(&c.value)), label(&c.value)))
                            .collect();
                        let held = if parts.is_empty() {
                            "ни одной семьи".to_string()
                        } else {
                            parts.join(" и ")
                        };
                        let cap = cats
                            .caps
                            .iter()
                            .find(|c| &c.value == v)
                            .map_or(0, |c| c.max);
                        let held_en = {
                            let parts: Vec<String> = cats
                                .caps
                                .iter()
                                .filter(|c| count(&c.value) > 0)
                                .map(|c| {
                                    format!("{} {}", en_cases(count(&c.value)), label_en(&c.value))
                                })
                                .collect();
                            if parts.is_empty() {
                                "no families".to_string()
                            } else {
                                parts.join(" and ")
                            }
                        };
                        refusals.push(Problem::new(
                            "caseload_category_full",
                            format!(
                                "Куратор ведёт {held} — это {} полной нагрузки; ещё одна {} {} (1/{cap} нагрузки) даст {} из 1 допустимой",
                                ratio(used, l),
                                noun.one.replace("семью", "семья"),
                                label(v),
                                ratio(used + add, l)
                            ),
                            format!(
                                "The curator holds {held_en}, which is {} of a full caseload; one more {} case (1/{cap} of a caseload) makes {} out of 1 allowed",
                                ratio_en(used, l),
                                label_en(v),
                                ratio_en(used + add, l)
                            ),
                        ));
                    }
                }
            },
        }
    }

    for sl in &policy.sub_limits {
        let hit = |c: &LoadCase| {
            c.attributes
                .get(&sl.attribute)
                .is_some_and(|x| sl.values.contains(x))
        };
        if hit(&proposed.case) {
            let have = load.active.iter().filter(|c| hit(c)).count() as u64;
            if have + 1 > u64::from(sl.max) {
                refusals.push(Problem::new(
                    "caseload_sub_limit_full",
                    format!(
                        "Куратор ведёт {have} {} {} из {} допустимых",
                        sl.label,
                        plural(have, &noun),
                        sl.max
                    ),
                    format!(
                        "The curator holds {} of kind “{}” out of {} allowed",
                        en_cases(have),
                        sl.label,
                        sl.max
                    ),
                ));
            }
        }
    }

    if let Some(opt) = policy.optimum
        && active + 1 > u64::from(opt)
    {
        warnings.push(Problem::new(
            "caseload_above_optimum",
            format!(
                "После назначения у куратора будет {} — больше оптимальных {opt}",
                n(active + 1)
            ),
            format!(
                "After this assignment the curator will hold {} — more than the optimal {opt}",
                en_cases(active + 1)
            ),
        ));
    }
    Assessment { refusals, warnings }
}

fn ratio(num: u64, den: u64) -> String {
    let hundredths = (num * 100 + den / 2) / den.max(1);
    format!("{},{:02}", hundredths / 100, hundredths % 100)
}

fn ratio_en(num: u64, den: u64) -> String {
    ratio(num, den).replace(',', ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_plural_forms() {
        let noun = Noun {
            one: "семья".into(),
            few: "семьи".into(),
            many: "семей".into(),
        };
        let forms: Vec<&str> = [1, 2, 5, 11, 12, 21, 22, 25, 111]
            .iter()
            .map(|&k| plural(k, &noun))
            .collect();
        assert_eq!(
            forms,
            [
                "семья",
                "семьи",
                "семей",
                "семей",
                "семей",
                "семья",
                "семьи",
                "семей",
                "семей"
            ]
        );
    }
}
