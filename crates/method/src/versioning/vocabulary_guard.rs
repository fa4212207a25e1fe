//! The guard for comparable indicators («сопоставимые показатели»): indicators across
//! organisations count cases by the shared vocabulary — canonical phases, risk bands, outcomes,
//! case types, readiness — never by a variant's own keys. A new version that maps a stage, a
//! band, a classification value or an outcome onto another canonical term, drops one that was
//! mapped, or adds one without a mapping breaks the series those indicators draw. Publishing is
//! not refused for it (the method may really have changed); the administrator is warned.

use serde::Serialize;

use crate::problem::Problem;
use crate::{Variant, VariantDoc};

/// What kind of item is mapped onto the shared vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MappedItem {
    /// A stage, onto a canonical phase.
    Stage,
    /// A band of a scoring table, onto a canonical risk band.
    Band,
    /// A value of a classification (category, risk level, case type, readiness).
    ClassificationValue,
    /// An outcome of a closed case.
    Outcome,
}

impl MappedItem {
    pub fn as_str(self) -> &'static str {
        match self {
            MappedItem::Stage => "stage",
            MappedItem::Band => "band",
            MappedItem::ClassificationValue => "classification_value",
            MappedItem::Outcome => "outcome",
        }
    }

    fn ru(self) -> &'static str {
        match self {
            MappedItem::Stage => "Этап",
            MappedItem::Band => "Уровень шкалы",
            MappedItem::ClassificationValue => "Значение классификации",
            MappedItem::Outcome => "Итог",
        }
    }

    fn en(self) -> &'static str {
        match self {
            MappedItem::Stage => "Stage",
            MappedItem::Band => "Band",
            MappedItem::ClassificationValue => "Classification value",
            MappedItem::Outcome => "Outcome",
        }
    }
}

/// How the mapping breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "break", rename_all = "snake_case")]
pub enum MappingBreak {
    /// The item was mapped onto `canonical` and is gone.
    Removed { canonical: String },
    /// The item is mapped onto another canonical term.
    Remapped { from: String, to: String },
    /// The item has no mapping (new, or its mapping was dropped).
    Unmapped,
}

/// One broken mapping between the published version and the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VocabularyWarning {
    pub item: MappedItem,
    /// Where in the document, named by keys like the diff: `stages[diagnostic].phase`,
    /// `scoring[complexity].bands[high].canonical`, `outcomes[closed_well].canonical`.
    pub path: String,
    /// The item's own key.
    pub key: String,
    #[serde(flatten)]
    pub change: MappingBreak,
}

impl VocabularyWarning {
    /// The warning as a coded problem at its path in the document, in both languages.
    pub fn problem(&self) -> Problem {
        let (what_ru, what_en, key, path) = (self.item.ru(), self.item.en(), &self.key, &self.path);
        let problem = match &self.change {
            MappingBreak::Removed { canonical } => crate::problem!(
                "vocabulary_mapping_removed",
                "{what_ru} «{key}» был отображён на общий термин «{canonical}» и удалён: сопоставимые показатели его больше не увидят",
                "{what_en} “{key}” was mapped onto the shared term “{canonical}” and is removed: comparable indicators no longer see it"
            ),
            MappingBreak::Remapped { from, to } => crate::problem!(
                "vocabulary_mapping_changed",
                "{what_ru} «{key}» теперь отображён на общий термин «{to}» вместо «{from}»: ряды сопоставимых показателей прервутся",
                "{what_en} “{key}” now maps onto the shared term “{to}” instead of “{from}”: the series of comparable indicators break"
            ),
            MappingBreak::Unmapped => crate::problem!(
                "vocabulary_mapping_missing",
                "{what_ru} «{key}» не отображён на общий словарь: сопоставимые показатели его не увидят",
                "{what_en} “{key}” is not mapped onto the shared vocabulary: comparable indicators do not see it"
            ),
        };
        problem.at(format!("document.{path}"))
    }
}

/// Every mapped item of a variant: (kind, path, key, canonical term).
fn mappings(doc: &VariantDoc) -> Vec<(MappedItem, String, String, Option<String>)> {
    let mut out = Vec::new();
    for s in &doc.stages {
        out.push((
            MappedItem::Stage,
            format!("stages[{}].phase", s.key),
            s.key.clone(),
            s.phase.clone(),
        ));
    }
    for table in &doc.scoring {
        for b in &table.bands {
            out.push((
                MappedItem::Band,
                format!("scoring[{}].bands[{}].canonical", table.key, b.key),
                b.key.clone(),
                b.canonical.clone(),
            ));
        }
    }
    for c in &doc.classifications {
        for v in &c.values {
            out.push((
                MappedItem::ClassificationValue,
                format!("classifications[{}].values[{}].canonical", c.key, v.key),
                v.key.clone(),
                v.canonical.clone(),
            ));
        }
    }
    for o in &doc.outcomes {
        out.push((
            MappedItem::Outcome,
            format!("outcomes[{}].canonical", o.key),
            o.key.clone(),
            o.canonical.clone(),
        ));
    }
    out
}

/// The mappings onto the shared vocabulary that `new` breaks, compared with `old`. Validation
/// already refuses an item without a mapping; the check stays here so that the guard does not
/// depend on it.
pub fn vocabulary_warnings(old: &Variant, new: &Variant) -> Vec<VocabularyWarning> {
    between(old.doc(), new.doc())
}

fn between(old: &VariantDoc, new: &VariantDoc) -> Vec<VocabularyWarning> {
    let before = mappings(old);
    let after = mappings(new);
    let mut out = Vec::new();
    for (item, path, key, canonical) in &before {
        let Some(canonical) = canonical else { continue };
        match after.iter().find(|(i, p, _, _)| i == item && p == path) {
            None => out.push(VocabularyWarning {
                item: *item,
                path: path.clone(),
                key: key.clone(),
                change: MappingBreak::Removed {
                    canonical: canonical.clone(),
                },
            }),
            Some((_, _, _, Some(now))) if now != canonical => out.push(VocabularyWarning {
                item: *item,
                path: path.clone(),
                key: key.clone(),
                change: MappingBreak::Remapped {
                    from: canonical.clone(),
                    to: now.clone(),
                },
            }),
            _ => {}
        }
    }
    for (item, path, key, _) in after.iter().filter(|(_, _, _, c)| c.is_none()) {
        out.push(VocabularyWarning {
            item: *item,
            path: path.clone(),
            key: key.clone(),
            change: MappingBreak::Unmapped,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::presets;

    fn edited(preset: &str, edit: impl FnOnce(&mut VariantDoc)) -> (Variant, Variant) {
        let old = presets::load(preset).unwrap();
        let mut doc = old.doc().clone();
        edit(&mut doc);
        doc.version += 1;
        (old, Variant::from_doc(doc).unwrap())
    }

    fn codes(list: &[VocabularyWarning]) -> Vec<(&'static str, String)> {
        list.iter()
            .map(|w| (w.problem().code, w.path.clone()))
            .collect()
    }

    #[test]
    fn an_unchanged_variant_or_a_renamed_stage_breaks_nothing() {
        let (old, new) = edited("state_centre", |doc| {
            doc.stages[0].name.ru = "Новое название".into();
        });
        assert!(vocabulary_warnings(&old, &new).is_empty());
    }

    #[test]
    fn a_stage_remapped_to_another_phase_is_a_warning() {
        // The state centre files its diagnostic stage under planning instead of assessment.
        let (old, new) = edited("state_centre", |doc| {
            let stage = doc
                .stages
                .iter_mut()
                .find(|s| s.key == "diagnostic")
                .unwrap();
            stage.phase = Some("planning".into());
        });
        let warnings = vocabulary_warnings(&old, &new);
        assert_eq!(
            codes(&warnings),
            vec![(
                "vocabulary_mapping_changed",
                "stages[diagnostic].phase".to_owned()
            )]
        );
        assert_eq!(
            warnings[0].change,
            MappingBreak::Remapped {
                from: "assessment".into(),
                to: "planning".into()
            }
        );
        assert_eq!(
            warnings[0].problem().field.as_deref(),
            Some("document.stages[diagnostic].phase")
        );
    }

    #[test]
    fn a_removed_outcome_and_a_remapped_band_are_warnings() {
        let (old, new) = edited("fund", |doc| {
            let gone = doc.outcomes.pop().unwrap();
            let band = doc.scoring[0].bands.last_mut().unwrap();
            band.canonical = Some("medium".into());
            // keep the document valid: nothing else refers to the outcome by key
            assert!(!gone.key.is_empty());
        });
        let found: Vec<&'static str> = vocabulary_warnings(&old, &new)
            .iter()
            .map(|w| w.problem().code)
            .collect();
        assert!(found.contains(&"vocabulary_mapping_removed"), "{found:?}");
        assert!(found.contains(&"vocabulary_mapping_changed"), "{found:?}");
    }

    #[test]
    fn an_unmapped_item_is_a_warning_even_where_validation_would_refuse_it() {
        let old = presets::load("clinic").unwrap();
        let mut doc = old.doc().clone();
        doc.stages[0].phase = None;
        let warnings = between(old.doc(), &doc);
        assert!(
            warnings
                .iter()
                .any(|w| w.change == MappingBreak::Unmapped && w.item == MappedItem::Stage),
            "{warnings:?}"
        );
    }
}
