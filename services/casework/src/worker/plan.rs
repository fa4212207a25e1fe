//! Planning: what goes to whom. Each step is one tenant transaction that writes the marks, the
//! in-app notifications and the outbox rows together, so a message is planned exactly once.

use super::messages::{self, DigestLine, Message, MessageLanguage};
use super::{DeadlineWorker, TenantRun, WorkerError};
use crate::cases::load_files;
use crate::deadlines;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use kurator_domain::Role;
use kurator_method::Variant;
use kurator_method::schema::{Escalation, EscalationTrigger};
use kurator_store::TenantTx;
use kurator_store::control::{preferences, repo};
use kurator_store::tenant::cases::{self, CaseRow};
use kurator_store::tenant::notifications::{self as store, NewNotification, NewOutbox, WebhookRow};
use kurator_store::tenant::obligations::{self, ObligationRow, status};
use kurator_store::tenant::staff_roles;
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use uuid::Uuid;

/// The most lines one digest lists.
const DIGEST_LINES: usize = 50;
/// Batches of one planning step per run, so one run ends.
const MAX_BATCHES: usize = 50;

/// A member of the organisation, as messages need them.
#[derive(Debug, Clone)]
struct Person {
    roles: Vec<Role>,
    language: MessageLanguage,
    email: Option<String>,
}

/// Something to tell people about.
struct What<'a> {
    /// Unique per what and period; the channel and recipient are appended.
    key: String,
    kind: &'a str,
    case: Option<&'a CaseRow>,
    payload: serde_json::Value,
}

pub(super) struct Planner<'w> {
    worker: &'w DeadlineWorker,
    runtime: &'w Arc<TenantRuntime>,
    people: HashMap<Uuid, Person>,
    zone: Tz,
}

impl<'w> Planner<'w> {
    /// The organisation's people, their roles and their choices, from the control plane.
    pub(super) async fn load(
        worker: &'w DeadlineWorker,
        runtime: &'w Arc<TenantRuntime>,
    ) -> Result<Self, WorkerError> {
        let members = repo::members_of_tenant(&worker.control, runtime.tenant().id).await?;
        let ids: Vec<Uuid> = members.iter().map(|(u, _)| u.id.0).collect();
        let choices: HashMap<Uuid, preferences::PreferenceRow> =
            preferences::of_users(&worker.control, &ids)
                .await?
                .into_iter()
                .map(|p| (p.user_id, p))
                .collect();
        let people = members
            .into_iter()
            .filter(|(user, _)| user.is_active)
            .map(|(user, roles)| {
                let choice = choices.get(&user.id.0);
                let person = Person {
                    roles,
                    language: choice
                        .and_then(|c| MessageLanguage::parse(&c.language))
                        .unwrap_or_default(),
                    email: choice.and_then(|c| c.email.clone()),
                };
                (user.id.0, person)
            })
            .collect();
        let zone = runtime.tenant().time_zone.parse().unwrap_or(Tz::UTC);
        Ok(Self {
            worker,
            runtime,
            people,
            zone,
        })
    }

    fn link(&self, case: &CaseRow) -> String {
        // The case card in the web interface.
        format!(
            "{}/o/{}/cases/{}",
            self.worker.link_base,
            self.runtime.tenant().slug,
            case.id
        )
    }

    fn with_role(&self, role: Role) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self
            .people
            .iter()
            .filter(|(_, p)| p.roles.contains(&role))
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids
    }

    /// Who is reminded about a case's obligations: its curator; before there is one, the people on
    /// the case; when nobody is, the supervisors.
    fn responsible(&self, case: &CaseRow, members: &[Uuid]) -> Vec<Uuid> {
        if let Some(curator) = case.curator_id.filter(|c| self.people.contains_key(c)) {
            return vec![curator];
        }
        let on_case: Vec<Uuid> = members
            .iter()
            .copied()
            .filter(|m| self.people.contains_key(m))
            .collect();
        if on_case.is_empty() {
            self.with_role(Role::Supervisor)
        } else {
            on_case
        }
    }

    /// Who an escalation alerts about a case.
    fn escalated_to(
        &self,
        escalation: &Escalation,
        case: &CaseRow,
        method_roles: &[(Uuid, String)],
    ) -> Vec<Uuid> {
        let mut to = BTreeSet::new();
        for role in &escalation.notify_roles {
            match role.as_str() {
                "curator" => to.extend(case.curator_id),
                other => {
                    if let Ok(role) = Role::parse(other) {
                        to.extend(self.with_role(role));
                    }
                }
            }
        }
        for (user, role) in method_roles {
            if escalation.notify_method_roles.contains(role) {
                to.insert(*user);
            }
        }
        to.into_iter()
            .filter(|id| self.people.contains_key(id))
            .collect()
    }

    /// Writes one thing to tell: in-app for each recipient, e-mail for those with an address
    /// (when SMTP is configured), and one delivery per active webhook of the organisation.
    // The transaction, the message and its recipients on every channel belong together here.
    #[allow(clippy::too_many_arguments)]
    async fn tell(
        &self,
        tx: &TenantTx,
        what: &What<'_>,
        recipients: &[Uuid],
        webhooks: &[WebhookRow],
        render: impl Fn(MessageLanguage) -> Message,
        now: DateTime<Utc>,
        run: &mut TenantRun,
    ) -> Result<(), WorkerError> {
        let mut told = BTreeSet::new();
        for user in recipients {
            let Some(person) = self.people.get(user) else {
                continue;
            };
            if !told.insert(*user) {
                continue;
            }
            let message = render(person.language);
            let added = store::notify(
                tx,
                NewNotification {
                    user_id: *user,
                    kind: what.kind.to_owned(),
                    case_id: what.case.map(|c| c.id),
                    case_number: what.case.and_then(|c| c.number),
                    title: message.title.clone(),
                    body: message.body.clone(),
                    link: what.case.map(|c| self.link(c)).unwrap_or_default(),
                    dedup_key: format!("{}:in_app:{user}", what.key),
                },
            )
            .await?;
            run.notifications += usize::from(added);
            if let (Some(email), true) = (&person.email, self.worker.channels.has_email()) {
                let queued = store::enqueue(
                    tx,
                    NewOutbox {
                        dedup_key: format!("{}:email:{user}", what.key),
                        channel: "email".into(),
                        recipient: email.clone(),
                        user_id: Some(*user),
                        kind: what.kind.to_owned(),
                        subject: message.title,
                        body: message.body,
                        payload: what.payload.clone(),
                    },
                    now,
                )
                .await?;
                run.queued += usize::from(queued);
            }
        }
        for webhook in webhooks.iter().filter(|w| w.active) {
            let queued = store::enqueue(
                tx,
                NewOutbox {
                    dedup_key: format!("{}:webhook:{}", what.key, webhook.id),
                    channel: "webhook".into(),
                    recipient: webhook.id.to_string(),
                    user_id: None,
                    kind: what.kind.to_owned(),
                    subject: what.kind.to_owned(),
                    body: String::new(),
                    payload: what.payload.clone(),
                },
                now,
            )
            .await?;
            run.queued += usize::from(queued);
        }
        Ok(())
    }

    fn payload(
        &self,
        event: &str,
        case: &CaseRow,
        obligation: Option<&ObligationRow>,
        escalation: Option<&str>,
    ) -> serde_json::Value {
        json!({
            "event": event,
            "organisation": self.runtime.tenant().slug.to_string(),
            "case": { "number": case.number, "link": self.link(case) },
            "obligation": obligation.map(|o| json!({
                "key": o.key,
                "kind": o.kind,
                "status": o.status,
                "dueAt": o.due_at.to_rfc3339(),
            })),
            "escalation": escalation,
        })
    }

    /// Advances obligations and plans a reminder for every obligation newly `due` or `overdue`
    /// for its due instant, and the escalations the variant declares for it.
    pub(super) async fn reminders(
        &self,
        now: DateTime<Utc>,
        run: &mut TenantRun,
    ) -> Result<(), WorkerError> {
        let batch = self.worker.settings.batch.max(1);
        for _ in 0..MAX_BATCHES {
            let tx = self.runtime.begin().await?;
            let advanced = obligations::advance(&tx, now, batch).await?;
            let unmarked = store::unmarked_obligations(&tx, batch).await?;
            if advanced.is_empty() && unmarked.is_empty() {
                tx.rollback().await?;
                break;
            }
            run.advanced += advanced.len();
            let full = advanced.len() as u64 == batch || unmarked.len() as u64 == batch;
            self.plan_reminders(&tx, unmarked, now, run).await?;
            tx.commit().await?;
            if !full {
                break;
            }
        }
        Ok(())
    }

    async fn plan_reminders(
        &self,
        tx: &TenantTx,
        unmarked: Vec<ObligationRow>,
        now: DateTime<Utc>,
        run: &mut TenantRun,
    ) -> Result<(), WorkerError> {
        if unmarked.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = unmarked
            .iter()
            .map(|o| o.case_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let by_id: HashMap<Uuid, CaseRow> = cases::get_many(tx, &ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for m in cases::members(tx, &ids).await? {
            if m.ended_at.is_none() {
                members.entry(m.case_id).or_default().push(m.user_id);
            }
        }
        let webhooks = store::webhooks(tx).await?;
        let method_roles: Vec<(Uuid, String)> = staff_roles::of_users(tx, None)
            .await?
            .into_iter()
            .map(|r| (r.user_id, r.role_key))
            .collect();
        for obligation in unmarked {
            let fresh = store::mark(
                tx,
                obligation.case_id,
                &obligation.key,
                &obligation.status,
                obligation.due_at,
            )
            .await?;
            let Some(case) = by_id.get(&obligation.case_id) else {
                continue;
            };
            let Ok(variant) = self.runtime.variant(case.variant_version) else {
                continue;
            };
            if !fresh {
                continue;
            }
            let number = case.number.unwrap_or_default();
            let link = self.link(case);
            let period = format!(
                "{}:{}:{}",
                obligation.key,
                obligation.status,
                obligation.due_at.timestamp()
            );
            let recipients =
                self.responsible(case, members.get(&case.id).map_or(&[][..], |m| &m[..]));
            let what = What {
                key: format!("reminder:{}:{period}", case.id),
                kind: if obligation.status == status::OVERDUE {
                    "overdue"
                } else {
                    "due"
                },
                case: Some(case),
                payload: self.payload(
                    &format!("obligation.{}", obligation.status),
                    case,
                    Some(&obligation),
                    None,
                ),
            };
            let render = |language| {
                let name = messages::obligation_name(
                    variant,
                    &obligation.kind,
                    &obligation.subject,
                    language,
                );
                messages::reminder(
                    language,
                    &obligation.status,
                    number,
                    &name,
                    obligation.due_at,
                    self.zone,
                    &link,
                )
            };
            self.tell(tx, &what, &recipients, &webhooks, render, now, run)
                .await?;

            if obligation.status != status::OVERDUE {
                continue;
            }
            for escalation in overdue_escalations(variant, &obligation) {
                let what = What {
                    key: format!("escalation:{}:{}:{period}", escalation.key, case.id),
                    kind: "escalation",
                    case: Some(case),
                    payload: self.payload(
                        "escalation",
                        case,
                        Some(&obligation),
                        Some(&escalation.key),
                    ),
                };
                let to = self.escalated_to(escalation, case, &method_roles);
                let render = |language| {
                    let name = messages::obligation_name(
                        variant,
                        &obligation.kind,
                        &obligation.subject,
                        language,
                    );
                    messages::escalation(language, &escalation.name, number, Some(&name), &link)
                };
                self.tell(tx, &what, &to, &webhooks, render, now, run)
                    .await?;
            }
        }
        Ok(())
    }

    /// Escalates, once per case, every case whose accumulated slip passed the variant's limit,
    /// where the variant declares it. Only cases with an overdue step deadline can have a growing
    /// slip.
    pub(super) async fn slip_escalations(
        &self,
        now: DateTime<Utc>,
        run: &mut TenantRun,
    ) -> Result<(), WorkerError> {
        let any = self.runtime.published_versions().into_iter().any(|v| {
            self.runtime
                .variant(i32::try_from(v).unwrap_or(0))
                .is_ok_and(|variant| !slip_escalations_of(variant).is_empty())
        });
        if !any {
            return Ok(());
        }
        let batch = self.worker.settings.batch.max(1);
        let mut after = None;
        for _ in 0..MAX_BATCHES {
            let tx = self.runtime.begin().await?;
            let ids = store::cases_with_overdue_deadlines(&tx, after, batch).await?;
            let Some(last) = ids.last().copied() else {
                tx.rollback().await?;
                break;
            };
            after = Some(last);
            let files = load_files(&tx, cases::get_many(&tx, &ids).await?).await?;
            let calendar = self.runtime.calendar_in(&tx).await?;
            let webhooks = store::webhooks(&tx).await?;
            let method_roles: Vec<(Uuid, String)> = staff_roles::of_users(&tx, None)
                .await?
                .into_iter()
                .map(|r| (r.user_id, r.role_key))
                .collect();
            for file in &files {
                let case = &file.case;
                let Ok(variant) = self.runtime.variant(case.variant_version) else {
                    continue;
                };
                let escalations = slip_escalations_of(variant);
                if escalations.is_empty() {
                    continue;
                }
                let evaluation = deadlines::evaluate(variant, &calendar, file, now);
                if !evaluation.slip_exceeded {
                    continue;
                }
                let days = evaluation.slip_days();
                let link = self.link(case);
                let number = case.number.unwrap_or_default();
                for escalation in escalations {
                    let key = format!("escalation:{}", escalation.key);
                    if !store::mark(&tx, case.id, &key, "slip_exceeded", case.opened_at).await? {
                        continue;
                    }
                    let mut payload = self.payload("escalation", case, None, Some(&escalation.key));
                    payload["slipDays"] = json!(days);
                    let what = What {
                        key: format!("escalation:{}:{}", escalation.key, case.id),
                        kind: "escalation",
                        case: Some(case),
                        payload,
                    };
                    let to = self.escalated_to(escalation, case, &method_roles);
                    let render = |language: MessageLanguage| {
                        let detail = match language {
                            MessageLanguage::En => format!("{days} days"),
                            MessageLanguage::Kk => format!("{days} күн"),
                            MessageLanguage::Ru => format!("{days} дн."),
                        };
                        messages::escalation(
                            language,
                            &escalation.name,
                            number,
                            Some(&detail),
                            &link,
                        )
                    };
                    self.tell(&tx, &what, &to, &webhooks, render, now, run)
                        .await?;
                }
            }
            tx.commit().await?;
            if (ids.len() as u64) < batch {
                break;
            }
        }
        Ok(())
    }

    /// The day's digests, once the tenant's local day reaches the digest hour: each person's own
    /// due and overdue work, and each supervisor's team's overdue work. Once per person and day.
    /// Returns the local day once its digests are planned.
    pub(super) async fn digests(
        &self,
        now: DateTime<Utc>,
        run: &mut TenantRun,
    ) -> Result<Option<chrono::NaiveDate>, WorkerError> {
        let local = now.with_timezone(&self.zone);
        if local.hour() < self.worker.settings.digest_hour {
            return Ok(None);
        }
        let Some(day) = local
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|midnight| self.zone.from_local_datetime(&midnight).earliest())
            .map(|d| d.with_timezone(&Utc))
        else {
            return Ok(None);
        };
        let tx = self.runtime.begin().await?;
        let open = store::obligations_in(&tx, &[status::DUE, status::OVERDUE], 10_000).await?;
        if open.is_empty() {
            tx.rollback().await?;
            return Ok(Some(local.date_naive()));
        }
        let ids: Vec<Uuid> = open
            .iter()
            .map(|o| o.case_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let by_id: HashMap<Uuid, CaseRow> = cases::get_many(&tx, &ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let lines: Vec<(Option<Uuid>, &ObligationRow, &CaseRow)> = open
            .iter()
            .filter_map(|o| by_id.get(&o.case_id).map(|c| (c.curator_id, o, c)))
            .collect();
        let mut people: Vec<(&Uuid, &Person)> = self.people.iter().collect();
        people.sort_by_key(|(id, _)| **id);
        for (user, person) in people {
            let own: Vec<_> = lines.iter().filter(|(c, _, _)| *c == Some(*user)).collect();
            let team: Vec<_> = if person.roles.contains(&Role::Supervisor) {
                lines
                    .iter()
                    .filter(|(_, o, _)| o.status == status::OVERDUE)
                    .collect()
            } else {
                Vec::new()
            };
            for (scope, chosen) in [("person", own), ("team", team)] {
                if chosen.is_empty() {
                    continue;
                }
                let key = format!("digest:{scope}");
                if !store::mark(&tx, *user, &key, "digest", day).await? {
                    continue;
                }
                let language = person.language;
                let digest_lines: Vec<DigestLine> = chosen
                    .iter()
                    .take(DIGEST_LINES)
                    .filter_map(|(_, o, case)| {
                        let variant = self.runtime.variant(case.variant_version).ok()?;
                        Some(DigestLine {
                            case_number: case.number.unwrap_or_default(),
                            obligation: messages::obligation_name(
                                variant, &o.kind, &o.subject, language,
                            ),
                            due: o.due_at,
                            overdue: o.status == status::OVERDUE,
                            link: self.link(case),
                        })
                    })
                    .collect();
                let what = What {
                    key: format!("digest:{scope}:{}:{user}", day.date_naive()),
                    kind: "digest",
                    case: None,
                    payload: json!({
                        "event": "digest",
                        "organisation": self.runtime.tenant().slug.to_string(),
                        "day": day.date_naive().to_string(),
                    }),
                };
                let render = |language| {
                    messages::digest(language, scope == "team", &digest_lines, self.zone)
                };
                self.tell(&tx, &what, &[*user], &[], render, now, run)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(Some(local.date_naive()))
    }

    /// The organisation's local day at `now`.
    pub(super) fn local_day(&self, now: DateTime<Utc>) -> chrono::NaiveDate {
        now.with_timezone(&self.zone).date_naive()
    }
}

/// The escalations of `variant` that watch `obligation` falling overdue.
fn overdue_escalations<'v>(
    variant: &'v Variant,
    obligation: &ObligationRow,
) -> Vec<&'v Escalation> {
    variant
        .doc()
        .escalations
        .iter()
        .filter(|e| e.on == EscalationTrigger::Overdue)
        .filter(|e| match (&e.step, &e.recurring) {
            (Some(step), _) => obligation.kind == "deadline" && &obligation.subject == step,
            (None, Some(recurring)) => {
                obligation.kind == "recurring" && &obligation.subject == recurring
            }
            (None, None) => true,
        })
        .collect()
}

fn slip_escalations_of(variant: &Variant) -> Vec<&Escalation> {
    variant
        .doc()
        .escalations
        .iter()
        .filter(|e| e.on == EscalationTrigger::SlipExceeded)
        .collect()
}
