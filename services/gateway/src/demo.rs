//! Demo data for the embedded default: four organisations, one per method-variant preset, an
//! account for every role in each, and a year of work in every organisation (module `year`).
//! Seeding is idempotent: what exists is left alone, so restarting never duplicates anything.

use kurator_auth::password::hash_password;
use kurator_domain::{LoginName, Role, TenantSlug};
use kurator_platform::Settings;
use kurator_store::StoreError;
use kurator_store::control::{NewTenant, NewUser, repo};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::Deserialize;

const DEMO_DATA: &str = include_str!("../demo/tenants.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoData {
    pub platform_admin: DemoAccount,
    /// A methodologist of the platform: compares the organisations, a member of none.
    pub platform_methodologist: DemoAccount,
    pub tenant: Vec<DemoTenant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTenant {
    pub slug: String,
    pub name_ru: String,
    pub name_kk: String,
    pub name_en: String,
    pub preset: String,
    pub time_zone: String,
    pub accounts: Vec<DemoAccount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoAccount {
    pub login: String,
    pub display_name: String,
    #[serde(default)]
    pub role: Option<String>,
    /// The method variant's roles the person holds (senior curator, psychologist…).
    #[serde(default)]
    pub method_roles: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("demo data file is invalid: {0}")]
    Data(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

pub fn demo_data() -> Result<DemoData, SeedError> {
    toml::from_str(DEMO_DATA).map_err(|e| SeedError::Data(e.to_string()))
}

/// Creates the demo tenants and accounts that do not exist yet. Returns how many accounts it made.
#[tracing::instrument(skip_all)]
pub async fn seed(control: &DatabaseConnection, settings: &Settings) -> Result<usize, SeedError> {
    let data = demo_data()?;
    let hash =
        hash_password(&settings.demo.password).map_err(|e| SeedError::Data(e.to_string()))?;
    let tx = control.begin().await?;
    let mut created = 0;

    let admin_login = parse_login(&data.platform_admin.login)?;
    if repo::find_user_by_login(&tx, &admin_login).await?.is_none() {
        repo::insert_user(
            &tx,
            NewUser {
                login: &admin_login,
                display_name: &data.platform_admin.display_name,
                password_hash: Some(&hash),
                is_platform_admin: true,
                email: None,
            },
        )
        .await?;
        created += 1;
    }

    let methodologist_login = parse_login(&data.platform_methodologist.login)?;
    if repo::find_user_by_login(&tx, &methodologist_login)
        .await?
        .is_none()
    {
        let user = repo::insert_user(
            &tx,
            NewUser {
                login: &methodologist_login,
                display_name: &data.platform_methodologist.display_name,
                password_hash: Some(&hash),
                is_platform_admin: false,
                email: None,
            },
        )
        .await?;
        repo::set_platform_methodologist(&tx, user.id, true).await?;
        created += 1;
    }

    for demo in &data.tenant {
        let slug = TenantSlug::parse(&demo.slug).map_err(|e| SeedError::Data(e.to_string()))?;
        let tenant = match repo::find_tenant_by_slug(&tx, &slug).await? {
            Some(tenant) => tenant,
            None => {
                let url = settings.tenant_database_url(slug.as_str());
                repo::insert_tenant(
                    &tx,
                    NewTenant {
                        id: kurator_domain::TenantId::new(),
                        slug: &slug,
                        name_ru: &demo.name_ru,
                        name_kk: &demo.name_kk,
                        name_en: &demo.name_en,
                        preset: &demo.preset,
                        database_url: &url,
                        time_zone: &demo.time_zone,
                        placement: kurator_platform::config::DEFAULT_PLACEMENT,
                    },
                )
                .await?
            }
        };
        for account in &demo.accounts {
            let login = parse_login(&account.login)?;
            if repo::find_user_by_login(&tx, &login).await?.is_some() {
                continue;
            }
            let role_name = account.role.as_deref().unwrap_or_default();
            let role = Role::parse(role_name).map_err(|e| SeedError::Data(e.to_string()))?;
            let user = repo::insert_user(
                &tx,
                NewUser {
                    login: &login,
                    display_name: &account.display_name,
                    password_hash: Some(&hash),
                    is_platform_admin: false,
                    email: None,
                },
            )
            .await?;
            repo::insert_membership(&tx, user.id, tenant.id, role).await?;
            created += 1;
        }
    }
    tx.commit().await?;
    Ok(created)
}

fn parse_login(value: &str) -> Result<LoginName, SeedError> {
    LoginName::parse(value).map_err(|e| SeedError::Data(e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_has_the_four_presets_and_every_tenant_role() {
        let data = demo_data().unwrap();
        let slugs: Vec<_> = data.tenant.iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(slugs, ["fund", "volunteers", "state_centre", "clinic"]);
        for tenant in &data.tenant {
            for role in [
                Role::OrgAdmin,
                Role::Supervisor,
                Role::Curator,
                Role::Specialist,
                Role::Methodologist,
            ] {
                assert!(
                    tenant
                        .accounts
                        .iter()
                        .any(|a| a.role.as_deref() == Some(role.as_str())),
                    "{} lacks {role}",
                    tenant.slug
                );
            }
        }
    }
}

mod year {
    //! A year of work in every demo organisation, so that a newcomer sees Kurator as its people
    //! would after a year with it: dozens of families at every stage of the organisation's method
    //! variant, visits and plans overdue or due today, plans revised, cases closed with their
    //! outcomes, families in post-support, signals refused, redirected and waiting for intake.
    //!
    //! Nothing here knows an organisation. The files under `demo/year/` hold, per organisation,
    //! the pools its cases draw on (grounds, plan actions, texts, forms, decisions) and its
    //! scenarios: sequences of steps, moves, plans, contacts and closures that walk its variant's
    //! real path. Every scenario becomes one case per entry of its `days_ago`, with people from
    //! `demo/names.toml`, deterministically: a fixed-seed generator, so the same files give the
    //! same year, counted back from the moment of seeding. Every case goes through the case-work
    //! service the way the organisation's people would do it — the method rules apply, and what
    //! they refuse is reported, never written around.

    use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
    use futures::future::join_all;
    use kurator_casework::closure::{self, ClosureInput};
    use kurator_casework::intake::{self, JournalQuery, SignalDecision, SignalInput};
    use kurator_casework::plans::{self, ActionInput, RevisionInput};
    use kurator_casework::publication;
    use kurator_casework::records::{self, RecordInput};
    use kurator_casework::steps::{self, StepInput};
    use kurator_casework::triage::TriageInput;
    use kurator_casework::{Actor, CaseworkError, TenantRegistry, TenantRuntime, cases};
    use kurator_domain::{LoginName, UserId};
    use kurator_method::Variant;
    use kurator_method::decisions::{DecisionRecord, Participant, Vote};
    use kurator_method::schema::{CaseSubject, Span};
    use kurator_store::control::repo;
    use kurator_store::tenant::plans::ActionRow;
    use kurator_store::tenant::staff_roles;
    use sea_orm::DatabaseConnection;
    use serde::Deserialize;
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    use uuid::Uuid;

    const NAMES: &str = include_str!("../demo/names.toml");

    /// The year of each demo organisation, one file each; the file names its organisation.
    const YEARS: [(&str, &str); 4] = [
        ("fund.toml", include_str!("../demo/year/fund.toml")),
        (
            "volunteers.toml",
            include_str!("../demo/year/volunteers.toml"),
        ),
        (
            "state_centre.toml",
            include_str!("../demo/year/state_centre.toml"),
        ),
        ("clinic.toml", include_str!("../demo/year/clinic.toml")),
    ];

    // ------------------------------------------------------------------ the data files

    /// Invented people and places, by region.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Names {
        pub region: Vec<Region>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Region {
        pub key: String,
        /// Family names in the masculine form ending in -ов, -ев, -ёв or -ин: the feminine form
        /// and «Семья …ых» are made from it.
        pub surnames: Vec<String>,
        pub women: Vec<String>,
        pub men: Vec<String>,
        /// Towns and villages, as an address starts.
        pub places: Vec<String>,
        pub streets: Vec<String>,
    }

    /// One organisation's year.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Year {
        pub tenant: String,
        /// The region of `names.toml` its families live in.
        pub region: String,
        /// The lead who decides on signals, assigns curators and acts where no curator does.
        pub intake_by: String,
        /// The curators accepted cases go to in turn, where a scenario names none.
        pub curators: Vec<String>,
        /// The curator the demo is shown as: their day holds overdue, due and coming work.
        pub main_curator: String,
        /// Named triage inputs (classifications, score points) scenarios take.
        #[serde(default)]
        pub triage: BTreeMap<String, TriageInput>,
        /// What signals say and who sends them.
        pub grounds: Vec<Ground>,
        pub texts: Texts,
        /// Actions plans are made of.
        pub plan_actions: Vec<PlanAction>,
        /// Contents of the forms steps fill in, by artefact key; `{…}` names the case's people.
        #[serde(default)]
        pub forms: BTreeMap<String, Value>,
        /// Decisions steps record, by a name scenarios use.
        #[serde(default)]
        pub decisions: BTreeMap<String, DecisionSpec>,
        /// Stretches of the variant's path several scenarios walk, by name.
        #[serde(default)]
        pub paths: BTreeMap<String, Vec<Op>>,
        pub scenario: Vec<Scenario>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Ground {
        pub source: String,
        pub channel: String,
        pub requester: String,
        pub relation: String,
        pub text: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Texts {
        /// Informed refusals: of a signal, and after the first visit.
        pub refusals: Vec<Refusal>,
        #[serde(default)]
        pub redirects: Vec<Redirect>,
        #[serde(default)]
        pub one_time_help: Vec<String>,
        #[serde(default)]
        pub not_confirmed: Vec<String>,
        /// What the family's situation looked like at the first visit.
        pub situations: Vec<String>,
        pub occupations: Vec<String>,
        /// Notes of visits and calls.
        pub contacts: Vec<String>,
        pub monitoring: Vec<String>,
        /// Results of plan actions done.
        pub results: Vec<String>,
        /// Notes at closure.
        pub closures: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Refusal {
        pub reasons: String,
        pub alternatives: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Redirect {
        pub to: String,
        pub reasons: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PlanAction {
        /// `organisation` or `family`.
        pub owner: String,
        pub title: String,
        /// The outside organisation responsible; without it the curator (an action of the
        /// organisation) or the family.
        #[serde(default)]
        pub by: Option<String>,
        /// Days from the meeting to the deadline.
        pub days: i64,
        /// What is written when it is done (else one of the texts' results).
        #[serde(default)]
        pub result: Option<String>,
    }

    /// A decision as a step records it: votes and rulings by role, conference participants by
    /// role (the case's curator where they hold it, else the first demo person who does), people
    /// from outside the organisation, the recorded outcome, and the date of the next occurrence.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct DecisionSpec {
        pub key: String,
        #[serde(default)]
        pub votes: BTreeMap<String, String>,
        #[serde(default)]
        pub rulings: BTreeMap<String, String>,
        #[serde(default)]
        pub participants: Vec<String>,
        #[serde(default)]
        pub outside: Vec<Participant>,
        #[serde(default)]
        pub recorded: Option<String>,
        /// The next occurrence, this long after the decision (e.g. `90d`).
        #[serde(default)]
        pub next_in: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Scenario {
        pub key: String,
        /// What the cases of the scenario show.
        pub about: String,
        /// When each case's signal came in, in days before seeding: one case per entry.
        pub days_ago: Vec<u32>,
        /// Names of `triage` inputs the cases take in turn.
        #[serde(default)]
        pub triage: Vec<String>,
        /// The decision on the signal: new (none yet), accept, refuse, redirect, not_confirmed,
        /// one_time_help.
        pub decision: String,
        /// Curators the accepted cases go to in turn (default: the organisation's curators).
        #[serde(default)]
        pub curators: Vec<String>,
        /// Paths (of `paths`) walked first, in order.
        #[serde(default)]
        pub path: Vec<String>,
        /// What happens after them.
        #[serde(default)]
        pub steps: Vec<Op>,
    }

    impl Scenario {
        /// Everything done in a case of the scenario: its paths, then its own steps.
        pub fn ops<'y>(&'y self, year: &'y Year) -> Result<Vec<&'y Op>, String> {
            let mut ops = Vec::new();
            for name in &self.path {
                let path = year
                    .paths
                    .get(name)
                    .ok_or_else(|| format!("нет пути «{name}» (paths)"))?;
                ops.extend(path);
            }
            ops.extend(&self.steps);
            Ok(ops)
        }
    }

    /// One thing done in a case, `at` a time after its signal came in or `ago` before seeding
    /// (`3d`, `4h`, `30m`, `1d6h`).
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Op {
        #[serde(default)]
        pub at: Option<String>,
        #[serde(default)]
        pub ago: Option<String>,
        /// A step of the current stage.
        #[serde(default)]
        pub step: Option<String>,
        /// A move to another stage.
        #[serde(default, rename = "move")]
        pub move_to: Option<String>,
        /// A plan revision with this many new actions (and the open ones carried over).
        #[serde(default)]
        pub plan: Option<usize>,
        /// With `plan`: the new actions due this long after the meeting, instead of their usual
        /// term (e.g. `14d`).
        #[serde(default)]
        pub deadline: Option<String>,
        /// This many plan actions done, the earliest deadlines first.
        #[serde(default)]
        pub done: Option<usize>,
        /// A contact of this kind.
        #[serde(default)]
        pub contact: Option<String>,
        /// A monitoring record of this kind.
        #[serde(default)]
        pub monitoring: Option<String>,
        /// Attributes changed.
        #[serde(default)]
        pub set: Option<BTreeMap<String, String>>,
        #[serde(default)]
        pub close: Option<CloseSpec>,
        /// The informed refusal after the decision not to take the case.
        #[serde(default)]
        pub decline: bool,
        #[serde(default)]
        pub end_post_support: bool,
        /// The variant role the person acts in.
        #[serde(default, rename = "as")]
        pub acting_as: Option<String>,
        /// A decision of `decisions` recorded with the step or move.
        #[serde(default)]
        pub decision: Option<String>,
        /// Forms filled in with it: an artefact key, its content from `forms`; or
        /// `key:form` with the content of another entry of `forms`.
        #[serde(default)]
        pub artefacts: Vec<String>,
        #[serde(default)]
        pub consents: Vec<String>,
        #[serde(default)]
        pub note: Option<String>,
        /// Norms acknowledged (e.g. `case_duration`).
        #[serde(default)]
        pub acknowledge: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct CloseSpec {
        pub confirmed: Vec<String>,
        #[serde(default)]
        pub outcomes: Vec<String>,
        #[serde(default)]
        pub domains: Vec<String>,
        #[serde(default)]
        pub contact_every: Option<Span>,
    }

    /// What an op does.
    enum Action<'a> {
        Step(&'a str),
        Move(&'a str),
        Plan(usize),
        Done(usize),
        Contact(&'a str),
        Monitoring(&'a str),
        Set(&'a BTreeMap<String, String>),
        Close(&'a CloseSpec),
        Decline,
        EndPostSupport,
    }

    impl Op {
        fn action(&self) -> Result<Action<'_>, String> {
            let mut found = Vec::new();
            if let Some(step) = &self.step {
                found.push(Action::Step(step));
            }
            if let Some(stage) = &self.move_to {
                found.push(Action::Move(stage));
            }
            if let Some(n) = self.plan {
                found.push(Action::Plan(n));
            }
            if let Some(n) = self.done {
                found.push(Action::Done(n));
            }
            if let Some(kind) = &self.contact {
                found.push(Action::Contact(kind));
            }
            if let Some(kind) = &self.monitoring {
                found.push(Action::Monitoring(kind));
            }
            if let Some(set) = &self.set {
                found.push(Action::Set(set));
            }
            if let Some(close) = &self.close {
                found.push(Action::Close(close));
            }
            if self.decline {
                found.push(Action::Decline);
            }
            if self.end_post_support {
                found.push(Action::EndPostSupport);
            }
            match found.len() {
                1 => Ok(found.remove(0)),
                0 => Err("ничего не делает: нужен step, move, plan, done, contact, monitoring, set, close, decline или end_post_support".into()),
                _ => Err("делает сразу несколько дел; одно действие — одна запись".into()),
            }
        }
    }

    pub fn names() -> Result<Names, String> {
        toml::from_str(NAMES).map_err(|e| format!("names.toml: {e}"))
    }

    /// Every organisation's year, as the files say.
    pub fn years() -> Result<Vec<Year>, String> {
        YEARS
            .iter()
            .map(|(file, src)| toml::from_str(src).map_err(|e| format!("demo/year/{file}: {e}")))
            .collect()
    }

    // ------------------------------------------------------------------ the generator

    /// A small fixed-seed generator (SplitMix64), seeded from names: the same names give the same
    /// sequence on every machine.
    struct Dice(u64);

    impl Dice {
        fn new(parts: &[&str], n: u64) -> Dice {
            // FNV-1a over the parts, then the number.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for part in parts {
                for byte in part.bytes().chain([0xff]) {
                    h ^= u64::from(byte);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
            }
            Dice(h ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        }

        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        /// A number in `0..n` (0 when `n` is 0).
        fn below(&mut self, n: usize) -> usize {
            if n == 0 {
                return 0;
            }
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }

        fn pick<'a, T>(&mut self, list: &'a [T]) -> Option<&'a T> {
            list.get(self.below(list.len()))
        }

        fn shuffle<T>(&mut self, list: &mut [T]) {
            for i in (1..list.len()).rev() {
                let j = self.below(i + 1);
                list.swap(i, j);
            }
        }
    }

    /// `3d`, `4h`, `30m`, `1d6h`.
    pub(super) fn span(text: &str) -> Result<Duration, String> {
        let mut total = Duration::zero();
        let mut digits = String::new();
        for c in text.trim().chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let n: i64 = digits
                .parse()
                .map_err(|_| format!("«{text}»: ожидается, например, 3d, 4h, 30m"))?;
            digits.clear();
            total += match c {
                'd' => Duration::days(n),
                'h' => Duration::hours(n),
                'm' => Duration::minutes(n),
                _ => return Err(format!("«{text}»: единицы — d, h, m")),
            };
        }
        if !digits.is_empty() || text.trim().is_empty() {
            return Err(format!("«{text}»: ожидается, например, 3d, 4h, 30m"));
        }
        Ok(total)
    }

    /// When an op happens: this long after the case's signal came in, or before seeding.
    #[derive(Debug, Clone, Copy)]
    pub(super) enum When {
        After(Duration),
        Before(Duration),
    }

    /// How long the decision on a signal takes.
    const DECIDED_AFTER: i64 = 20;
    /// Signals come in between 09:00 and 13:00 in the organisation's time, whatever the hour of
    /// seeding: a case's signal comes in a little earlier than its whole `days_ago` (its lead:
    /// from half an hour to a day and a half-hour). What is done `ago` happens between 10:00 and
    /// 17:00 of its day (its shift, less than a day), or at the hour of seeding if that is earlier.
    const SIGNAL_HOURS: (i64, usize) = (9 * 60, 240);
    const WORK_HOURS: (i64, usize) = (10 * 60, 420);
    const MIN_LEAD: i64 = 30;
    const MAX_LEAD: i64 = 24 * 60 + MIN_LEAD;
    const MAX_SHIFT: i64 = 24 * 60;

    /// The ops of the `index`-th case of `scenario` on the case's clock. Refused when an op could,
    /// at some hour of seeding, happen after seeding, before the signal was decided on or before
    /// the op it follows.
    pub(super) fn timeline(
        scenario: &Scenario,
        ops: &[&Op],
        index: usize,
    ) -> Result<Vec<When>, String> {
        let days = scenario
            .days_ago
            .get(index)
            .map(|d| Duration::days(i64::from(*d)))
            .ok_or("нет такого случая")?;
        let (min_lead, max_lead) = (Duration::minutes(MIN_LEAD), Duration::minutes(MAX_LEAD));
        let max_shift = Duration::minutes(MAX_SHIFT);
        let decided = Duration::minutes(DECIDED_AFTER);
        let mut out: Vec<When> = Vec::with_capacity(ops.len());
        for (n, op) in ops.iter().enumerate() {
            let when = match (&op.at, &op.ago) {
                (Some(at), None) => When::After(span(at)?),
                (None, Some(ago)) => When::Before(span(ago)?),
                _ => return Err(format!("действие {n}: нужно ровно одно из at и ago")),
            };
            let fits = match when {
                // After the decision, before seeding even with the shortest lead.
                When::After(after) => after >= decided && after <= days + min_lead,
                // After the decision even with the shortest lead and the longest shift.
                When::Before(ago) => ago + max_shift + decided <= days + min_lead,
            };
            if !fits {
                return Err(format!(
                    "действие {n}: при некотором часе посева случилось бы раньше решения по сигналу или позже посева (сигнал {} дн. назад)",
                    days.num_days()
                ));
            }
            let ordered = match (out.last(), when) {
                (None, _) => true,
                (Some(When::After(a)), When::After(b)) => *a <= b,
                (Some(When::Before(a)), When::Before(b)) => *a >= b,
                // signal + a ≤ now − b − shift, for the shortest lead and the longest shift
                (Some(When::After(a)), When::Before(b)) => days + min_lead - *a >= b + max_shift,
                // now − a − shift ≤ signal + b, for no shift and the longest lead
                (Some(When::Before(a)), When::After(b)) => *a >= days + max_lead - b,
            };
            if !ordered {
                return Err(format!(
                    "действие {n}: при некотором часе посева случилось бы раньше предыдущего"
                ));
            }
            out.push(when);
        }
        Ok(out)
    }

    /// A case's clock: when its signal came in and when its `ago` ops happen, in working hours
    /// of the organisation's day.
    struct Clock {
        now: DateTime<Utc>,
        signal: DateTime<Utc>,
        shift: Duration,
    }

    impl Clock {
        fn new(now: DateTime<Utc>, variant: &Variant, days_ago: u32, dice: &mut Dice) -> Clock {
            let local = now.with_timezone(&variant.time_zone());
            let minute = i64::from(local.hour() * 60 + local.minute());
            let signal_at = SIGNAL_HOURS.0 + dice.below(SIGNAL_HOURS.1) as i64;
            let work_at = WORK_HOURS.0 + dice.below(WORK_HOURS.1) as i64;
            let mut lead = (minute - signal_at).rem_euclid(24 * 60);
            if lead < MIN_LEAD {
                lead += 24 * 60;
            }
            // An `ago` op stays on its day: «13 days ago» is 13 days ago, at its hour of work if
            // that hour has come today, else at the hour of seeding.
            let shift = (minute - work_at).max(0);
            Clock {
                now,
                signal: now - Duration::days(i64::from(days_ago)) - Duration::minutes(lead),
                shift: Duration::minutes(shift),
            }
        }

        fn at(&self, when: When) -> DateTime<Utc> {
            let at = match when {
                When::After(after) => self.signal + after,
                When::Before(ago) => self.now - ago - self.shift,
            };
            at.min(self.now)
        }
    }

    /// The people of one case.
    struct Family {
        /// «Семья Ивановых».
        name: String,
        surname: String,
        mother: String,
        child: String,
        /// `m` or `f`.
        sex: &'static str,
        birth_date: NaiveDate,
        place: String,
        address: String,
        occupation: String,
        situation: String,
    }

    impl Family {
        fn new(
            surname: &str,
            region: &Region,
            texts: &Texts,
            dice: &mut Dice,
            born_before: DateTime<Utc>,
            ages: (u32, u32),
        ) -> Family {
            let base = surname.trim();
            let mother = dice.pick(&region.women).cloned().unwrap_or_default();
            let boy = dice.below(2) == 0;
            let (child, sex) = if boy {
                (
                    format!(
                        "{base} {}",
                        dice.pick(&region.men).cloned().unwrap_or_default()
                    ),
                    "m",
                )
            } else {
                // A daughter is not named after her mother.
                let names: Vec<&String> = region.women.iter().filter(|w| **w != mother).collect();
                (
                    format!(
                        "{base}а {}",
                        dice.pick(&names).map(|n| n.as_str()).unwrap_or_default()
                    ),
                    "f",
                )
            };
            let (min_days, max_days) = (ages.0 as usize, ages.1 as usize);
            let age = min_days + dice.below(max_days.saturating_sub(min_days).max(1));
            let birth_date = (born_before - Duration::days(age as i64)).date_naive();
            let place = dice.pick(&region.places).cloned().unwrap_or_default();
            let street = dice.pick(&region.streets).cloned().unwrap_or_default();
            let house = 1 + dice.below(60);
            let flat = 1 + dice.below(90);
            let address = if place.contains("г. ") {
                format!("{place}, {street}, д. {house}, кв. {flat}")
            } else {
                format!("{place}, {street}, д. {house}")
            };
            Family {
                name: format!("Семья {base}ых"),
                surname: base.to_owned(),
                mother: format!("{base}а {mother}"),
                child,
                sex,
                birth_date,
                place,
                address,
                occupation: dice.pick(&texts.occupations).cloned().unwrap_or_default(),
                situation: dice.pick(&texts.situations).cloned().unwrap_or_default(),
            }
        }
    }

    /// What `{…}` in a text names: the case's people, its curator, the moment.
    struct Words<'a> {
        family: &'a Family,
        curator: &'a str,
        /// Who reported, as the signal names them.
        requester: &'a str,
        grounds: &'a str,
        at: DateTime<Utc>,
        variant: &'a Variant,
    }

    impl Words<'_> {
        fn fill(&self, text: &str) -> String {
            let local = self.at.with_timezone(&self.variant.time_zone());
            // «Анна Петрова» → «Петрова А.»
            let short = |full: &str| -> String {
                let mut parts = full.split_whitespace();
                match (parts.next(), parts.next()) {
                    (Some(name), Some(surname)) => {
                        format!("{surname} {}.", name.chars().next().unwrap_or(' '))
                    }
                    _ => full.to_owned(),
                }
            };
            text.replace("{family}", &self.family.name)
                .replace("{surname}", &self.family.surname)
                .replace("{mother}", &self.family.mother)
                .replace("{child}", &self.family.child)
                .replace(
                    "{birth_date}",
                    &self.family.birth_date.format("%Y-%m-%d").to_string(),
                )
                .replace("{place}", &self.family.place)
                .replace("{address}", &self.family.address)
                .replace("{occupation}", &self.family.occupation)
                .replace("{situation}", &self.family.situation)
                .replace("{grounds}", self.grounds)
                .replace("{requester}", self.requester)
                .replace("{curator_short}", &short(self.curator))
                .replace("{curator}", self.curator)
                .replace("{date}", &local.format("%d.%m.%Y").to_string())
                .replace("{iso_date}", &local.format("%Y-%m-%d").to_string())
                .replace("{time}", &local.format("%H:%M").to_string())
        }

        fn fill_json(&self, value: &Value) -> Value {
            match value {
                Value::String(s) => Value::String(self.fill(s)),
                Value::Array(list) => {
                    Value::Array(list.iter().map(|v| self.fill_json(v)).collect())
                }
                Value::Object(map) => Value::Object(
                    map.iter()
                        .map(|(k, v)| (k.clone(), self.fill_json(v)))
                        .collect(),
                ),
                other => other.clone(),
            }
        }
    }

    // ------------------------------------------------------------------ the people at work

    /// A demo person as the case-work service sees them.
    struct Person {
        login: String,
        name: String,
        actor: Actor,
        method_roles: Vec<String>,
    }

    /// The demo people of one organisation, in the order `tenants.toml` lists them.
    struct Staff(Vec<Person>);

    impl Staff {
        async fn of(
            control: &DatabaseConnection,
            runtime: &TenantRuntime,
            data: &super::DemoData,
        ) -> Staff {
            let slug = runtime.tenant().slug.to_string();
            let mut people = Vec::new();
            for account in data
                .tenant
                .iter()
                .filter(|t| t.slug == slug)
                .flat_map(|t| &t.accounts)
            {
                if let Some(actor) = actor(control, runtime, &account.login).await {
                    people.push(Person {
                        login: account.login.clone(),
                        name: account.display_name.clone(),
                        actor,
                        method_roles: account.method_roles.clone(),
                    });
                }
            }
            Staff(people)
        }

        fn by_login(&self, login: &str) -> Option<&Person> {
            self.0.iter().find(|p| p.login == login)
        }

        /// Who acts in `role` in a case: its curator where they hold the role, else the first
        /// person who does.
        fn acting<'s>(&'s self, role: &str, curator: Option<&'s Person>) -> Option<&'s Person> {
            curator
                .filter(|c| c.method_roles.iter().any(|r| r == role))
                .or_else(|| {
                    self.0
                        .iter()
                        .find(|p| p.method_roles.iter().any(|r| r == role))
                })
        }
    }

    async fn user(control: &DatabaseConnection, login: &str) -> Option<UserId> {
        let login = LoginName::parse(login).ok()?;
        repo::find_user_by_login(control, &login)
            .await
            .ok()
            .flatten()
            .map(|u| u.id)
    }

    /// A demo person with their roles in `runtime`'s tenant.
    async fn actor(
        control: &DatabaseConnection,
        runtime: &TenantRuntime,
        login: &str,
    ) -> Option<Actor> {
        let id = user(control, login).await?;
        let roles = repo::memberships_of(control, id)
            .await
            .ok()?
            .into_iter()
            .filter(|m| m.tenant_id == runtime.tenant().id)
            .map(|m| m.role)
            .collect();
        Some(Actor {
            user: id,
            roles,
            request_id: None,
            api_token: None,
        })
    }

    /// Gives the demo people their method roles (idempotent).
    async fn grant_method_roles(
        control: &DatabaseConnection,
        runtime: &TenantRuntime,
        data: &super::DemoData,
    ) -> Result<(), String> {
        let slug = runtime.tenant().slug.to_string();
        let tx = runtime.begin().await.map_err(|e| e.to_string())?;
        for account in data
            .tenant
            .iter()
            .filter(|t| t.slug == slug)
            .flat_map(|t| &t.accounts)
        {
            let Some(id) = user(control, &account.login).await else {
                continue;
            };
            for role in &account.method_roles {
                staff_roles::grant(&tx, id, role, None, Utc::now())
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        tx.commit().await.map_err(|e| e.to_string())
    }

    // ------------------------------------------------------------------ seeding

    /// What seeding the year did.
    #[derive(Debug, Default)]
    pub struct Report {
        /// Cases and signals walked to their end.
        pub seeded: usize,
        /// What the method rules (or the data) refused: organisation, scenario, case, op, why.
        /// Each refused case stops where it was refused.
        pub refused: Vec<String>,
        /// Organisations whose journal already held work, left alone.
        pub skipped: Vec<String>,
    }

    /// Gives the demo people their method roles, and seeds the year of every demo organisation
    /// whose journal is still empty. Returns how many cases and signals it seeded; what the rules
    /// refused is logged.
    pub async fn seed(
        control: &DatabaseConnection,
        tenants: &TenantRegistry,
        example_cases: bool,
    ) -> Result<usize, String> {
        let data = super::demo_data().map_err(|e| e.to_string())?;
        for runtime in tenants.all().iter() {
            grant_method_roles(control, runtime, &data).await?;
        }
        if !example_cases {
            return Ok(0);
        }
        let started = std::time::Instant::now();
        let report = seed_year(control, tenants).await?;
        share_indicators(control, tenants, &data).await?;
        for refusal in &report.refused {
            tracing::warn!(refusal = %refusal, "demo case not seeded to its end");
        }
        if report.seeded > 0 {
            tracing::info!(
                cases = report.seeded,
                refused = report.refused.len(),
                seconds = started.elapsed().as_secs_f64(),
                "seeded the demo organisations' year of work"
            );
        }
        Ok(report.seeded)
    }

    /// Each demo organisation's administrator shares every indicator it can for comparison, so
    /// that the demo's methodologist of the platform has something to compare — once: a choice
    /// an administrator made afterwards is left alone.
    async fn share_indicators(
        control: &DatabaseConnection,
        tenants: &TenantRegistry,
        data: &super::DemoData,
    ) -> Result<(), String> {
        for runtime in tenants.all().iter() {
            let slug = runtime.tenant().slug.to_string();
            let Some(admin) = data
                .tenant
                .iter()
                .filter(|t| t.slug == slug)
                .flat_map(|t| &t.accounts)
                .find(|a| a.role.as_deref() == Some("org_admin"))
            else {
                continue;
            };
            let Some(actor) = actor(control, runtime, &admin.login).await else {
                continue;
            };
            let current = publication::sharing(runtime, &actor)
                .await
                .map_err(|e| format!("{slug}: {e}"))?;
            if current.version > 0 || current.share {
                continue;
            }
            let chosen: Vec<String> = current
                .choices
                .iter()
                .filter(|c| c.shareable)
                .map(|c| c.indicator.key.clone())
                .collect();
            publication::set_sharing(runtime, &actor, current.version, true, &chosen)
                .await
                .map_err(|e| format!("{slug}: {e}"))?;
        }
        Ok(())
    }

    /// Seeds the year of every demo organisation whose journal is still empty, the organisations
    /// side by side. The demo people must hold their method roles already.
    pub async fn seed_year(
        control: &DatabaseConnection,
        tenants: &TenantRegistry,
    ) -> Result<Report, String> {
        let years = years()?;
        let names = names()?;
        let data = super::demo_data().map_err(|e| e.to_string())?;
        // Whole minutes: the year reads like a person wrote it down.
        let now = Utc::now();
        let now = now
            .with_nanosecond(0)
            .and_then(|t| t.with_second(0))
            .unwrap_or(now);
        let names = std::sync::Arc::new(names);
        let mut work = Vec::new();
        let mut years = years;
        for runtime in tenants.all().iter() {
            let slug = runtime.tenant().slug.to_string();
            let Some(found) = years.iter().position(|y| y.tenant == slug) else {
                continue;
            };
            let year = years.swap_remove(found);
            let region = names
                .region
                .iter()
                .position(|r| r.key == year.region)
                .ok_or_else(|| format!("{slug}: в names.toml нет региона «{}»", year.region))?;
            let staff = Staff::of(control, runtime, &data).await;
            let (runtime, names) = (runtime.clone(), names.clone());
            // Each organisation on its own task: they share nothing but the processor.
            work.push(tokio::spawn(async move {
                seed_organisation(&runtime, &year, &names.region[region], staff, now).await
            }));
        }
        let mut report = Report::default();
        for done in join_all(work).await {
            let done = done.map_err(|e| e.to_string())??;
            report.seeded += done.seeded;
            report.refused.extend(done.refused);
            report.skipped.extend(done.skipped);
        }
        Ok(report)
    }

    /// One case to seed: which scenario, which of its entries, and when it came in.
    struct Planned<'a> {
        scenario: &'a Scenario,
        index: usize,
        clock: Clock,
        /// Its family name, drawn without repeating within the organisation.
        surname: &'a str,
        curator: Option<&'a str>,
    }

    async fn seed_organisation(
        runtime: &TenantRuntime,
        year: &Year,
        region: &Region,
        staff: Staff,
        now: DateTime<Utc>,
    ) -> Result<Report, String> {
        let slug = runtime.tenant().slug.to_string();
        let mut report = Report::default();
        let lead = staff
            .by_login(&year.intake_by)
            .ok_or_else(|| format!("{slug}: нет демо-сотрудника {}", year.intake_by))?;
        let journal = intake::journal(runtime, &lead.actor, JournalQuery::default())
            .await
            .map_err(|e| e.to_string())?;
        if !journal.is_empty() {
            report.skipped.push(slug);
            return Ok(report);
        }
        let variant = runtime
            .current_variant()
            .map_err(|e| e.to_string())?
            .clone();

        let mut surnames: Vec<&str> = region.surnames.iter().map(String::as_str).collect();
        Dice::new(&[&slug, "surnames"], 0).shuffle(&mut surnames);
        let mut planned = Vec::new();
        for scenario in &year.scenario {
            let curators = if scenario.curators.is_empty() {
                &year.curators
            } else {
                &scenario.curators
            };
            for index in 0..scenario.days_ago.len() {
                let Some(surname) = surnames.get(planned.len()).copied() else {
                    return Err(format!(
                        "{slug}: фамилий региона «{}» меньше, чем случаев",
                        region.key
                    ));
                };
                let mut dice = Dice::new(&[&slug, &scenario.key, "clock"], index as u64);
                let days = scenario.days_ago.get(index).copied().unwrap_or_default();
                planned.push(Planned {
                    scenario,
                    index,
                    clock: Clock::new(now, &variant, days, &mut dice),
                    surname,
                    curator: curators
                        .get(index % curators.len().max(1))
                        .map(String::as_str),
                });
            }
        }
        // The oldest first, as the work came in.
        planned.sort_by_key(|p| p.clock.signal);
        let walker = Walker {
            runtime,
            variant: &variant,
            year,
            region,
            staff: &staff,
            lead,
        };
        for case in &planned {
            match walker.walk(case).await {
                Ok(()) => report.seeded += 1,
                Err(why) => report.refused.push(format!(
                    "{slug}/{}#{} ({}): {why}",
                    case.scenario.key, case.index, case.surname
                )),
            }
        }
        Ok(report)
    }

    struct Walker<'a> {
        runtime: &'a TenantRuntime,
        variant: &'a Variant,
        year: &'a Year,
        region: &'a Region,
        staff: &'a Staff,
        lead: &'a Person,
    }

    /// A case on its way: where the walk has got to.
    struct Case<'a> {
        id: Uuid,
        version: i32,
        curator: Option<&'a Person>,
        /// The latest plan revision's actions.
        actions: Vec<ActionRow>,
    }

    fn refused(what: &str, err: CaseworkError) -> String {
        format!("{what}: {err}")
    }

    impl<'a> Walker<'a> {
        async fn walk(&self, planned: &Planned<'a>) -> Result<(), String> {
            let slug = self.runtime.tenant().slug.to_string();
            let scenario = planned.scenario;
            let ops = scenario.ops(self.year)?;
            let times = timeline(scenario, &ops, planned.index)?;
            let received_at = planned.clock.signal;
            let mut dice = Dice::new(&[&slug, &scenario.key], planned.index as u64);
            let doc = self.variant.doc();
            // Ages in days: within the variant's age limits, from 2 to 15 years otherwise.
            let ages = doc.subject_age.as_ref().map_or((700, 5500), |a| {
                ((a.min_years * 366 + 60).max(60), a.max_years * 365 + 120)
            });
            let family = Family::new(
                planned.surname,
                self.region,
                &self.year.texts,
                &mut dice,
                received_at,
                ages,
            );
            let ground = dice
                .pick(&self.year.grounds)
                .ok_or("в файле нет оснований обращений (grounds)")?;
            let curator = match planned.curator {
                Some(login) => Some(
                    self.staff
                        .by_login(login)
                        .ok_or_else(|| format!("нет демо-сотрудника {login}"))?,
                ),
                None => None,
            };
            let curator_name = curator.map_or(self.lead.name.as_str(), |c| c.name.as_str());
            let bare = Words {
                family: &family,
                curator: curator_name,
                requester: "",
                grounds: "",
                at: received_at,
                variant: self.variant,
            };
            let (grounds, requester) = (bare.fill(&ground.text), bare.fill(&ground.requester));
            let words = |at: DateTime<Utc>| Words {
                family: &family,
                curator: curator_name,
                requester: &requester,
                grounds: &grounds,
                at,
                variant: self.variant,
            };

            // The signal, as the person on duty takes it in.
            let triage = match scenario.triage.as_slice() {
                [] => TriageInput::default(),
                names => {
                    let name = &names[planned.index % names.len()];
                    self.year
                        .triage
                        .get(name)
                        .cloned()
                        .ok_or_else(|| format!("нет входа сортировки «{name}» (triage)"))?
                }
            };
            let age_field = doc.subject_age.as_ref().map(|a| a.field.clone());
            let mut subject = match doc.case_subject {
                CaseSubject::Family => json!({ "name": family.name, "address": family.address }),
                CaseSubject::Child => json!({
                    "name": family.child,
                    "sex": family.sex,
                    "address": family.address,
                    "birth_date": family.birth_date.to_string(),
                }),
            };
            if let Some(field) = &age_field {
                subject[field] = json!(family.birth_date.to_string());
            }
            let form = doc
                .intake_form
                .as_ref()
                .map(|key| {
                    self.year
                        .forms
                        .get(key)
                        .map(|f| words(received_at).fill_json(f))
                        .ok_or_else(|| format!("нет содержания формы «{key}» (forms)"))
                })
                .transpose()?;
            let registrar = curator
                .filter(|c| c.actor.require_intake().is_ok())
                .unwrap_or(self.lead);
            let signal = intake::register(
                self.runtime,
                &registrar.actor,
                SignalInput {
                    received_at,
                    source: ground.source.clone(),
                    channel: ground.channel.clone(),
                    requester: json!({ "name": requester, "relation": ground.relation }),
                    subject: subject.clone(),
                    parents: json!({ "mother": {
                        "name": family.mother,
                        "whereabouts": family.place,
                        "occupation": family.occupation,
                    } }),
                    grounds: grounds.clone(),
                    follow_up: String::new(),
                    triage,
                    form,
                },
                None,
            )
            .await
            .map_err(|e| refused("регистрация сигнала", e))?;

            let texts = &self.year.texts;
            let decided_at = received_at + Duration::minutes(DECIDED_AFTER);
            let decision = match scenario.decision.as_str() {
                "new" => return Ok(()),
                "accept" => SignalDecision::Accept {
                    family: match doc.case_subject {
                        CaseSubject::Family => json!({
                            "name": family.name,
                            "address": family.address,
                            "members": [
                                { "role": "mother", "name": family.mother },
                                { "role": "child", "name": family.child, "sex": family.sex,
                                  "birthDate": family.birth_date.to_string() },
                            ],
                        }),
                        CaseSubject::Child => {
                            let mut child = subject.clone();
                            child["mother"] = json!(family.mother);
                            child
                        }
                    },
                },
                "refuse" => {
                    let refusal = dice.pick(&texts.refusals).ok_or("нет текстов отказа")?;
                    SignalDecision::Refuse {
                        reasons: refusal.reasons.clone(),
                        alternatives: refusal.alternatives.clone(),
                    }
                }
                "redirect" => {
                    let to = dice
                        .pick(&texts.redirects)
                        .ok_or("нет текстов перенаправления")?;
                    SignalDecision::Redirect {
                        to: to.to.clone(),
                        reasons: to.reasons.clone(),
                    }
                }
                "not_confirmed" => SignalDecision::NotConfirmed {
                    reasons: dice
                        .pick(&texts.not_confirmed)
                        .cloned()
                        .ok_or("нет текстов «не подтвердилось»")?,
                },
                "one_time_help" => SignalDecision::OneTimeHelp {
                    help: dice
                        .pick(&texts.one_time_help)
                        .cloned()
                        .ok_or("нет текстов разовой помощи")?,
                },
                other => return Err(format!("неизвестное решение по сигналу «{other}»")),
            };
            let decided = intake::decide(
                self.runtime,
                &self.lead.actor,
                signal.id,
                signal.version,
                decision,
                decided_at,
            )
            .await
            .map_err(|e| refused("решение по сигналу", e))?;
            let Some(case_id) = decided.case_id else {
                return Ok(());
            };
            let mut case = Case {
                id: case_id,
                version: 1,
                curator,
                actions: Vec::new(),
            };
            if let Some(curator) = curator {
                let (row, _) = cases::assign_curator(
                    self.runtime,
                    &self.lead.actor,
                    case.id,
                    case.version,
                    curator.actor.user,
                )
                .await
                .map_err(|e| refused("назначение куратора", e))?;
                case.version = row.version;
            }
            for (n, (op, when)) in ops.into_iter().zip(times).enumerate() {
                let at = planned.clock.at(when);
                self.apply(&mut case, op, at, &words(at), &mut dice)
                    .await
                    .map_err(|why| format!("действие {n}: {why}"))?;
            }
            Ok(())
        }

        /// The person who acts in `role` in the case.
        fn acting(&self, role: Option<&str>, case: &Case<'a>) -> &'a Person {
            match role {
                Some(role) => self.staff.acting(role, case.curator).unwrap_or(self.lead),
                None => case.curator.unwrap_or(self.lead),
            }
        }

        fn decision(
            &self,
            name: &str,
            case: &Case<'a>,
            at: DateTime<Utc>,
        ) -> Result<(String, DecisionRecord), String> {
            let spec = self
                .year
                .decisions
                .get(name)
                .ok_or_else(|| format!("нет решения «{name}» (decisions)"))?;
            let person = |role: &str| -> Result<String, String> {
                self.staff
                    .acting(role, case.curator)
                    .map(|p| p.actor.user.to_string())
                    .ok_or_else(|| format!("никто из демо-сотрудников не в роли «{role}»"))
            };
            let votes = |list: &BTreeMap<String, String>| -> Result<Vec<Vote>, String> {
                list.iter()
                    .map(|(role, choice)| Ok(Vote::new(role, &person(role)?, choice)))
                    .collect()
            };
            let mut participants = Vec::new();
            for role in &spec.participants {
                participants.push(Participant {
                    person: person(role)?,
                    role: role.clone(),
                    organisation: None,
                });
            }
            participants.extend(spec.outside.iter().cloned());
            let next_date = spec.next_in.as_deref().map(span).transpose()?.map(|d| {
                (at + d)
                    .with_timezone(&self.variant.time_zone())
                    .date_naive()
            });
            Ok((
                spec.key.clone(),
                DecisionRecord {
                    votes: votes(&spec.votes)?,
                    rulings: votes(&spec.rulings)?,
                    participants,
                    recorded: spec.recorded.clone(),
                    next_date,
                },
            ))
        }

        fn step_input(
            &self,
            op: &Op,
            case: &Case<'a>,
            at: DateTime<Utc>,
            words: &Words<'_>,
        ) -> Result<StepInput, String> {
            let mut decisions = BTreeMap::new();
            if let Some(name) = &op.decision {
                let (key, record) = self.decision(name, case, at)?;
                decisions.insert(key, record);
            }
            let mut artefacts = BTreeMap::new();
            for entry in &op.artefacts {
                let (key, form) = entry.split_once(':').unwrap_or((entry, entry));
                let content = self
                    .year
                    .forms
                    .get(form)
                    .ok_or_else(|| format!("нет содержания формы «{form}» (forms)"))?;
                artefacts.insert(key.to_owned(), words.fill_json(content));
            }
            Ok(StepInput {
                acting_as: op.acting_as.clone().unwrap_or_default(),
                artefacts,
                consents: op.consents.clone(),
                decisions,
                acknowledged: op.acknowledge.clone(),
                note: op.note.as_deref().map(|n| words.fill(n)),
                at,
            })
        }

        async fn apply(
            &self,
            case: &mut Case<'a>,
            op: &Op,
            at: DateTime<Utc>,
            words: &Words<'_>,
            dice: &mut Dice,
        ) -> Result<(), String> {
            let runtime = self.runtime;
            let texts = &self.year.texts;
            let by = self.acting(op.acting_as.as_deref(), case);
            match op.action()? {
                Action::Step(step) => {
                    let input = self.step_input(op, case, at, words)?;
                    let row =
                        steps::perform(runtime, &by.actor, case.id, case.version, step, input)
                            .await
                            .map_err(|e| refused(&format!("шаг «{step}»"), e))?;
                    case.version = row.version;
                }
                Action::Move(stage) => {
                    let input = self.step_input(op, case, at, words)?;
                    let row =
                        steps::transition(runtime, &by.actor, case.id, case.version, stage, input)
                            .await
                            .map_err(|e| refused(&format!("переход на этап «{stage}»"), e))?;
                    case.version = row.version;
                }
                Action::Plan(new) => {
                    let term = op.deadline.as_deref().map(span).transpose()?;
                    let revision = self.revision(case, new, term, at, words, dice)?;
                    let (_, actions) =
                        plans::revise(runtime, &by.actor, case.id, case.version, revision)
                            .await
                            .map_err(|e| refused("пересмотр плана", e))?;
                    // Revising the plan moves the case's version by one.
                    case.version += 1;
                    case.actions = actions;
                }
                Action::Done(count) => {
                    for _ in 0..count {
                        let Some(next) = case
                            .actions
                            .iter_mut()
                            .filter(|a| a.done_at.is_none())
                            .min_by_key(|a| a.deadline)
                        else {
                            return Err("в плане не осталось невыполненных действий".into());
                        };
                        let own = self
                            .year
                            .plan_actions
                            .iter()
                            .find(|a| words.fill(&a.title) == next.title)
                            .and_then(|a| a.result.as_ref());
                        let result = own
                            .or_else(|| dice.pick(&texts.results))
                            .map(|r| words.fill(r));
                        let row = plans::complete_action(
                            runtime,
                            &by.actor,
                            next.id,
                            next.version,
                            Some(at),
                            result,
                        )
                        .await
                        .map_err(|e| refused("отметка о выполнении действия плана", e))?;
                        *next = row;
                    }
                }
                Action::Contact(kind) => {
                    let note = dice.pick(&texts.contacts).map(|n| words.fill(n));
                    records::contact(
                        runtime,
                        &by.actor,
                        case.id,
                        RecordInput {
                            kind: kind.to_owned(),
                            at,
                            data: json!({ "notes": note }),
                        },
                    )
                    .await
                    .map_err(|e| refused(&format!("контакт «{kind}»"), e))?;
                }
                Action::Monitoring(kind) => {
                    let note = dice.pick(&texts.monitoring).map(|n| words.fill(n));
                    records::monitoring(
                        runtime,
                        &by.actor,
                        case.id,
                        RecordInput {
                            kind: kind.to_owned(),
                            at,
                            data: json!({ "notes": note }),
                        },
                    )
                    .await
                    .map_err(|e| refused(&format!("мониторинг «{kind}»"), e))?;
                }
                Action::Set(values) => {
                    for (key, value) in values {
                        let row = cases::set_attribute(
                            runtime,
                            &by.actor,
                            case.id,
                            case.version,
                            key,
                            value,
                            at,
                        )
                        .await
                        .map_err(|e| refused(&format!("признак «{key}»"), e))?;
                        case.version = row.version;
                    }
                }
                Action::Close(close) => {
                    let row = closure::close(
                        runtime,
                        &by.actor,
                        case.id,
                        case.version,
                        ClosureInput {
                            confirmed: close.confirmed.clone(),
                            outcomes: close.outcomes.clone(),
                            improved_domains: close.domains.clone(),
                            note: dice.pick(&texts.closures).map(|n| words.fill(n)),
                            acting_as: op.acting_as.clone().unwrap_or_default(),
                            acknowledged: op.acknowledge.clone(),
                            contact_every: close.contact_every,
                            at,
                        },
                    )
                    .await
                    .map_err(|e| refused("закрытие случая", e))?;
                    case.version = row.version;
                }
                Action::Decline => {
                    let refusal = dice.pick(&texts.refusals).ok_or("нет текстов отказа")?;
                    let input = self.step_input(op, case, at, words)?;
                    let by = if op.acting_as.is_some() {
                        by
                    } else {
                        self.lead
                    };
                    let row = closure::decline(
                        runtime,
                        &by.actor,
                        case.id,
                        case.version,
                        words.fill(&refusal.reasons),
                        refusal.alternatives.clone(),
                        input,
                    )
                    .await
                    .map_err(|e| refused("информированный отказ", e))?;
                    case.version = row.version;
                }
                Action::EndPostSupport => {
                    let row =
                        closure::end_post_support(runtime, &by.actor, case.id, case.version, at)
                            .await
                            .map_err(|e| refused("окончание пост-сопровождения", e))?;
                    case.version = row.version;
                }
            }
            Ok(())
        }

        /// A plan revision: the actions still open carried over with new deadlines, and `new`
        /// actions from the organisation's list — the organisation's and the family's in turn —
        /// due after their usual term or `term`.
        fn revision(
            &self,
            case: &Case<'a>,
            new: usize,
            term: Option<Duration>,
            at: DateTime<Utc>,
            words: &Words<'_>,
            dice: &mut Dice,
        ) -> Result<RevisionInput, String> {
            let curator = case.curator.unwrap_or(self.lead);
            // Deadlines at the end of the organisation's day.
            let calendar = self.runtime.calendar();
            let by =
                |days: i64| calendar.end_of_day(calendar.local_date(at + Duration::days(days)));
            let mut actions: Vec<ActionInput> = case
                .actions
                .iter()
                .filter(|a| a.done_at.is_none())
                .map(|a| ActionInput {
                    title: a.title.clone(),
                    deadline: by(21),
                    responsible: a.responsible.clone(),
                    owner: a.owner.clone(),
                })
                .collect();
            let owners = ["organisation", "family"];
            let mut taken: Vec<String> = actions.iter().map(|a| a.title.clone()).collect();
            for n in 0..new {
                let owner = owners[n % owners.len()];
                let pool: Vec<&PlanAction> = self
                    .year
                    .plan_actions
                    .iter()
                    .filter(|a| a.owner == owner && !taken.contains(&words.fill(&a.title)))
                    .collect();
                let Some(action) = dice.pick(&pool).copied() else {
                    return Err(format!("в plan_actions не хватает действий «{owner}»"));
                };
                taken.push(words.fill(&action.title));
                let responsible = match (&action.by, owner) {
                    (Some(by), _) => json!({ "organisation": words.fill(by) }),
                    (None, "organisation") => json!({ "userId": curator.actor.user.to_string() }),
                    (None, _) => json!({ "organisation": words.family.name }),
                };
                actions.push(ActionInput {
                    title: words.fill(&action.title),
                    deadline: by(term.map_or(action.days, |t| t.num_days())),
                    responsible,
                    owner: owner.to_owned(),
                });
            }
            Ok(RevisionInput {
                meeting_date: at,
                participants: vec![curator.name.clone(), words.family.mother.clone()],
                actions,
            })
        }
    }
}

pub use year::{Report, Year, seed as seed_cases, seed_year, years};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod year_tests {
    use super::year::{names, timeline, years};
    use kurator_method::presets;

    #[test]
    fn every_organisation_has_a_year_and_every_case_a_timeline_before_seeding() {
        let years = years().unwrap();
        let data = super::demo_data().unwrap();
        let names = names().unwrap();
        let slugs: Vec<_> = years.iter().map(|y| y.tenant.as_str()).collect();
        assert_eq!(slugs, ["fund", "volunteers", "state_centre", "clinic"]);
        let mut untimely = Vec::new();
        for year in &years {
            let tenant = data.tenant.iter().find(|t| t.slug == year.tenant).unwrap();
            let variant = presets::load(&tenant.preset).unwrap();
            let region = names.region.iter().find(|r| r.key == year.region).unwrap();
            let cases: usize = year.scenario.iter().map(|s| s.days_ago.len()).sum();
            assert!(
                region.surnames.len() >= cases,
                "{}: {} cases, {} surnames",
                year.tenant,
                cases,
                region.surnames.len()
            );
            for scenario in &year.scenario {
                let ops = scenario.ops(year).unwrap();
                for index in 0..scenario.days_ago.len() {
                    if let Err(why) = timeline(scenario, &ops, index) {
                        untimely.push(format!("{}/{}#{index}: {why}", year.tenant, scenario.key));
                    }
                }
                for op in ops {
                    if let Some(step) = &op.step {
                        assert!(variant.step(step).is_some(), "{}: step {step}", year.tenant);
                    }
                    if let Some(stage) = &op.move_to {
                        assert!(
                            variant.stage(stage).is_some(),
                            "{}: stage {stage}",
                            year.tenant
                        );
                    }
                    if let Some(role) = &op.acting_as {
                        assert!(variant.role(role).is_some(), "{}: role {role}", year.tenant);
                    }
                    if let Some(decision) = &op.decision {
                        assert!(
                            year.decisions.contains_key(decision),
                            "{}: decision {decision}",
                            year.tenant
                        );
                    }
                    for entry in &op.artefacts {
                        let (key, form) = entry.split_once(':').unwrap_or((entry, entry));
                        assert!(variant.artefact(key).is_some(), "{}: {key}", year.tenant);
                        assert!(year.forms.contains_key(form), "{}: {form}", year.tenant);
                    }
                }
            }
            for (name, spec) in &year.decisions {
                assert!(
                    variant.decision(&spec.key).is_some(),
                    "{}: decision {name} records {}",
                    year.tenant,
                    spec.key
                );
                let roles = spec.votes.keys().chain(spec.rulings.keys());
                for role in roles.chain(&spec.participants) {
                    let held = tenant
                        .accounts
                        .iter()
                        .any(|a| a.method_roles.iter().any(|r| r == role));
                    assert!(held, "{}: no demo person acts as {role}", year.tenant);
                }
            }
            for login in year
                .curators
                .iter()
                .chain([&year.main_curator, &year.intake_by])
            {
                assert!(
                    tenant.accounts.iter().any(|a| &a.login == login),
                    "{}: no demo account {login}",
                    year.tenant
                );
            }
        }
        assert!(untimely.is_empty(), "{}", untimely.join("\n"));
    }

    #[test]
    fn surnames_take_the_feminine_and_plural_forms() {
        for region in names().unwrap().region {
            for surname in &region.surnames {
                assert!(
                    ["ов", "ев", "ёв", "ин"]
                        .iter()
                        .any(|e| surname.ends_with(e)),
                    "{}: {surname}",
                    region.key
                );
            }
        }
    }

    #[test]
    fn spans_read_days_hours_and_minutes() {
        use chrono::Duration;
        assert_eq!(super::year::span("3d").unwrap(), Duration::days(3));
        assert_eq!(
            super::year::span("1d6h30m").unwrap(),
            Duration::days(1) + Duration::hours(6) + Duration::minutes(30)
        );
        assert!(super::year::span("3").is_err());
        assert!(super::year::span("3w").is_err());
    }
}
