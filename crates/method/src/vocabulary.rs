//! The shared vocabulary: canonical phases, risk bands, outcomes, case types and readiness
//! stages onto which every variant maps its own stages, bands, categories and outcomes, so that
//! organisations whose methods differ can be compared (analytics sees only these).

use serde::{Deserialize, Serialize};

use crate::schema::ClassificationPurpose;

macro_rules! canonical_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The identifier used in variant documents and the API.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// Parses an identifier; `None` if it is not part of the vocabulary.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($key => Some($name::$variant),)+ _ => None }
            }

            /// All identifiers, comma-separated, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

canonical_enum! {
    /// Canonical phase of a case.
    Phase {
        /// приём сигнала, регистрация обращения
        Intake => "intake",
        /// первичная и комплексная оценка, диагностика
        Assessment => "assessment",
        /// разработка плана, программы
        Planning => "planning",
        /// реализация плана
        Implementation => "implementation",
        /// мониторинг, пересмотр, корректировка
        Monitoring => "monitoring",
        /// закрытие случая
        Closure => "closure",
        /// пост-сопровождение
        PostSupport => "post_support",
    }
}

canonical_enum! {
    /// Canonical journal kept from requests: what a variant's journal is, so that Kurator knows
    /// which entries go into it (`signals(journal: …)`).
    JournalKind {
        /// журнал сигналов, первичной регистрации: every request
        Signals => "signals",
        /// журнал «Неподтверждённые обращения»: requests the primary assessment did not confirm
        Unconfirmed => "unconfirmed",
        /// журнал посетителей: one-time help without a case
        Visitors => "visitors",
    }
}

impl JournalKind {
    /// The status a request has when it is an entry of this journal (none for the journal of
    /// every request).
    pub fn signal_status(self) -> Option<&'static str> {
        match self {
            JournalKind::Signals => None,
            JournalKind::Unconfirmed => Some("not_confirmed"),
            JournalKind::Visitors => Some("one_time_help"),
        }
    }
}

canonical_enum! {
    /// Canonical risk (or complexity, or category severity) band.
    RiskBand {
        None => "none",
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

canonical_enum! {
    /// Canonical outcome of a closed case.
    Outcome {
        /// ребёнок живёт в кровной семье в безопасности
        ChildSafeInFamily => "child_safe_in_family",
        /// восстановление в родительских правах / снятие ограничения
        ParentalRightsRestored => "parental_rights_restored",
        /// повысилось качество жизни ребёнка
        WellbeingImproved => "wellbeing_improved",
        /// риск снижен до приемлемого
        RiskReduced => "risk_reduced",
        /// семья справляется самостоятельно
        FamilySelfReliant => "family_self_reliant",
        /// договор расторгнут, семья отказалась
        SupportEndedByFamily => "support_ended_by_family",
        /// ребёнок разлучён с семьёй / помещён в учреждение
        ChildPlacedOutOfFamily => "child_placed_out_of_family",
        /// передан в другую службу
        ReferredElsewhere => "referred_elsewhere",
    }
}

canonical_enum! {
    /// Canonical case type.
    CaseType {
        /// обычный случай
        Standard => "standard",
        /// подготовительная (мотивационная) работа
        Preparatory => "preparatory",
        /// длительное сопровождение до совершеннолетия
        LongTerm => "long_term",
    }
}

canonical_enum! {
    /// Stages of readiness to change (transtheoretical model, Prochaska & DiClemente).
    Readiness {
        Precontemplation => "precontemplation",
        Contemplation => "contemplation",
        Preparation => "preparation",
        Action => "action",
        Maintenance => "maintenance",
    }
}

/// Checks a classification value's canonical mapping against the vocabulary its purpose uses.
/// Returns the list of allowed keys on failure.
pub fn check_class_canonical(purpose: ClassificationPurpose, value: &str) -> Result<(), String> {
    let ok = match purpose {
        ClassificationPurpose::Category | ClassificationPurpose::Risk => {
            RiskBand::parse(value).is_some()
        }
        ClassificationPurpose::CaseType => CaseType::parse(value).is_some(),
        ClassificationPurpose::Readiness => Readiness::parse(value).is_some(),
    };
    if ok {
        Ok(())
    } else {
        Err(match purpose {
            ClassificationPurpose::Category | ClassificationPurpose::Risk => RiskBand::expected(),
            ClassificationPurpose::CaseType => CaseType::expected(),
            ClassificationPurpose::Readiness => Readiness::expected(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses_back() {
        for p in Phase::ALL {
            assert_eq!(Phase::parse(p.key()), Some(*p));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.key()), Some(*o));
        }
        assert_eq!(RiskBand::parse("severe"), None);
    }
}
