//! The words of reminders, escalations and digests, in the language the person chose: Russian by
//! default, Kazakh or English. A message names the case by its number and links to it; it never
//! carries a family's name or any free text from the case.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kurator_method::Variant;
use kurator_method::schema::Text;

/// A person's language for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageLanguage {
    #[default]
    Ru,
    Kk,
    En,
}

impl MessageLanguage {
    pub const ALL: [MessageLanguage; 3] = [Self::Ru, Self::Kk, Self::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::Kk => "kk",
            Self::En => "en",
        }
    }

    /// `ru`, `kk` or `en`; anything else is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == value)
    }

    fn text(self, text: &Text) -> &str {
        match self {
            Self::Ru => &text.ru,
            Self::Kk => text.kk.as_deref().unwrap_or(&text.ru),
            Self::En => text.en.as_deref().unwrap_or(&text.ru),
        }
    }

    fn pick(self, ru: String, kk: String, en: String) -> String {
        match self {
            Self::Ru => ru,
            Self::Kk => kk,
            Self::En => en,
        }
    }
}

/// A rendered message: a title (the e-mail's subject) and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub body: String,
}

/// The name of an obligation as the variant gives it, in `language`.
pub fn obligation_name(
    variant: &Variant,
    kind: &str,
    subject: &str,
    language: MessageLanguage,
) -> String {
    let named = match kind {
        "deadline" => variant.step(subject).map(|(_, step)| &step.name),
        "recurring" => variant
            .doc()
            .recurring
            .iter()
            .find(|r| r.key == subject)
            .map(|r| &r.name),
        "stage_limit" => variant.stage(subject).map(|stage| &stage.name),
        _ => None,
    };
    match (named, kind) {
        (Some(text), _) => language.text(text).to_owned(),
        (None, "case_duration") => language.pick(
            "Срок ведения случая".into(),
            "Істі жүргізу мерзімі".into(),
            "Duration of the case".into(),
        ),
        (None, _) => subject.to_owned(),
    }
}

fn local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%d.%m.%Y %H:%M").to_string()
}

/// An obligation entered its reminder window (`due`) or passed its due instant (`overdue`).
pub fn reminder(
    language: MessageLanguage,
    status: &str,
    case_number: i64,
    obligation: &str,
    due: DateTime<Utc>,
    zone: Tz,
    link: &str,
) -> Message {
    let due = local(due, zone);
    let (title, body) = if status == "overdue" {
        (
            language.pick(
                format!("Просрочено: случай № {case_number}"),
                format!("Мерзімі өтті: № {case_number} іс"),
                format!("Overdue: case No. {case_number}"),
            ),
            language.pick(
                format!("«{obligation}» — срок {due} прошёл. Случай № {case_number}: {link}"),
                format!("«{obligation}» — {due} мерзімі өтті. № {case_number} іс: {link}"),
                format!("“{obligation}” was due {due}. Case No. {case_number}: {link}"),
            ),
        )
    } else {
        (
            language.pick(
                format!("Скоро срок: случай № {case_number}"),
                format!("Мерзім жақындады: № {case_number} іс"),
                format!("Due soon: case No. {case_number}"),
            ),
            language.pick(
                format!("«{obligation}» — срок {due}. Случай № {case_number}: {link}"),
                format!("«{obligation}» — мерзімі {due}. № {case_number} іс: {link}"),
                format!("“{obligation}” is due {due}. Case No. {case_number}: {link}"),
            ),
        )
    };
    Message { title, body }
}

/// An escalation the variant declares.
pub fn escalation(
    language: MessageLanguage,
    name: &Text,
    case_number: i64,
    detail: Option<&str>,
    link: &str,
) -> Message {
    let name = language.text(name);
    let detail = detail.map(|d| format!(" ({d})")).unwrap_or_default();
    Message {
        title: language.pick(
            format!("Эскалация: случай № {case_number}"),
            format!("Эскалация: № {case_number} іс"),
            format!("Escalation: case No. {case_number}"),
        ),
        body: language.pick(
            format!("{name}{detail}. Случай № {case_number}: {link}"),
            format!("{name}{detail}. № {case_number} іс: {link}"),
            format!("{name}{detail}. Case No. {case_number}: {link}"),
        ),
    }
}

/// One line of a digest: a case number, what is owed and by when.
#[derive(Debug, Clone)]
pub struct DigestLine {
    pub case_number: i64,
    pub obligation: String,
    pub due: DateTime<Utc>,
    pub overdue: bool,
    pub link: String,
}

/// The day's digest: a person's own due and overdue work, or a supervisor's team's overdue work.
pub fn digest(language: MessageLanguage, team: bool, lines: &[DigestLine], zone: Tz) -> Message {
    let overdue = lines.iter().filter(|l| l.overdue).count();
    let due = lines.len() - overdue;
    let title = if team {
        language.pick(
            format!("Сводка по команде: просрочено {overdue}"),
            format!("Команда бойынша жиынтық: мерзімі өткені {overdue}"),
            format!("Team digest: {overdue} overdue"),
        )
    } else {
        language.pick(
            format!("Сводка на сегодня: просрочено {overdue}, скоро срок {due}"),
            format!("Бүгінгі жиынтық: мерзімі өткені {overdue}, мерзімі жақын {due}"),
            format!("Today's digest: {overdue} overdue, {due} due soon"),
        )
    };
    let mut body = String::new();
    for line in lines {
        let mark = match (line.overdue, language) {
            (true, MessageLanguage::En) => "overdue",
            (true, MessageLanguage::Kk) => "мерзімі өтті",
            (true, MessageLanguage::Ru) => "просрочено",
            (false, MessageLanguage::En) => "due",
            (false, MessageLanguage::Kk) => "мерзімі",
            (false, MessageLanguage::Ru) => "срок",
        };
        let number = match language {
            MessageLanguage::En => format!("Case No. {}", line.case_number),
            MessageLanguage::Kk => format!("№ {} іс", line.case_number),
            MessageLanguage::Ru => format!("Случай № {}", line.case_number),
        };
        body.push_str(&format!(
            "{number}: «{}» — {mark} {} — {}\n",
            line.obligation,
            local(line.due, zone),
            line.link
        ));
    }
    Message { title, body }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_speaks_the_persons_language_and_names_only_the_case_number() {
        let due = "2026-04-06T05:00:00Z".parse().unwrap();
        let zone: Tz = "Asia/Almaty".parse().unwrap();
        let ru = reminder(
            MessageLanguage::Ru,
            "overdue",
            7,
            "Срочные меры",
            due,
            zone,
            "http://k/cases/1",
        );
        assert_eq!(ru.title, "Просрочено: случай № 7");
        assert!(ru.body.contains("06.04.2026 10:00"), "{}", ru.body);
        let kk = reminder(MessageLanguage::Kk, "due", 7, "x", due, zone, "l");
        assert!(kk.title.contains("іс"));
        let en = reminder(MessageLanguage::En, "due", 7, "x", due, zone, "l");
        assert_eq!(en.title, "Due soon: case No. 7");
        assert_eq!(MessageLanguage::parse("kk"), Some(MessageLanguage::Kk));
        assert_eq!(MessageLanguage::parse("de"), None);
    }
}
