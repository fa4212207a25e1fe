//! Demo data for the embedded default: four organisations, one per method-variant preset, and an
//! account for every role in each. Seeding is idempotent: what exists is left alone, so restarting
//! never duplicates anything.

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
            },
        )
        .await?;
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
                        slug: &slug,
                        name_ru: &demo.name_ru,
                        name_kk: &demo.name_kk,
                        name_en: &demo.name_en,
                        preset: &demo.preset,
                        database_url: &url,
                        time_zone: &demo.time_zone,
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

mod cases {
    //! Example work in the demo organisations: signals in the journals and cases at different
    //! stages, with deadlines counted back from the moment of seeding.

    use chrono::{Duration, Utc};
    use kurator_casework::intake::{self, JournalQuery, SignalDecision, SignalInput};
    use kurator_casework::plans::{self, ActionInput, RevisionInput};
    use kurator_casework::steps::{self, StepInput};
    use kurator_casework::triage::TriageInput;
    use kurator_casework::{Actor, CaseworkError, TenantRegistry, TenantRuntime, cases};
    use kurator_domain::LoginName;
    use kurator_method::decisions::{DecisionRecord, Vote};
    use kurator_store::control::repo;
    use kurator_store::tenant::staff_roles;
    use sea_orm::DatabaseConnection;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    const DEMO_CASES: &str = include_str!("../demo/cases.toml");

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct DemoCases {
        pub case: Vec<DemoCase>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct DemoCase {
        pub tenant: String,
        pub days_ago: i64,
        pub source: String,
        pub channel: String,
        pub subject: String,
        /// Date of birth or approximate age of the child, where the variant asks for it.
        #[serde(default)]
        pub birth_date: Option<String>,
        pub grounds: String,
        /// new, accept, refuse, not_confirmed, one_time_help.
        pub decision: String,
        #[serde(default)]
        pub classifications: BTreeMap<String, String>,
        #[serde(default)]
        pub scores: BTreeMap<String, BTreeMap<String, u32>>,
        pub curator: Option<String>,
        /// The intake form, where the organisation's variant registers signals on one.
        #[serde(default)]
        pub form: Option<serde_json::Value>,
        #[serde(default)]
        pub actions: Vec<DemoAction>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct DemoAction {
        pub step: Option<String>,
        /// Records the plan (a revision with an action of the organisation and one of the family).
        #[serde(default)]
        pub plan: bool,
        #[serde(rename = "move")]
        pub move_to: Option<String>,
        pub acting_as: String,
        pub days_ago: i64,
        pub decision: Option<DemoDecision>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct DemoDecision {
        pub key: String,
        pub votes: Vec<Vote>,
    }

    pub fn demo_cases() -> Result<DemoCases, toml::de::Error> {
        toml::from_str(DEMO_CASES)
    }

    async fn user(control: &DatabaseConnection, login: &str) -> Option<kurator_domain::UserId> {
        let login = LoginName::parse(login).ok()?;
        repo::find_user_by_login(control, &login)
            .await
            .ok()
            .flatten()
            .map(|u| u.id)
    }

    /// The demo person who acts in `role` in `tenant`: the first account holding it.
    fn holder<'a>(data: &'a super::DemoData, tenant: &str, role: &str) -> Option<&'a str> {
        data.tenant
            .iter()
            .filter(|t| t.slug == tenant)
            .flat_map(|t| &t.accounts)
            .find(|a| a.method_roles.iter().any(|r| r == role))
            .map(|a| a.login.as_str())
    }

    /// A demo person as the case-work service sees them: their roles in `runtime`'s tenant.
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

    /// Gives the demo people their method roles, and seeds the example work of every demo tenant
    /// whose journal is still empty.
    pub async fn seed(
        control: &DatabaseConnection,
        tenants: &TenantRegistry,
        example_cases: bool,
    ) -> Result<usize, String> {
        let demo = demo_cases().map_err(|e| e.to_string())?;
        let data = super::demo_data().map_err(|e| e.to_string())?;
        let mut seeded = 0;
        for runtime in tenants.all() {
            grant_method_roles(control, runtime, &data).await?;
        }
        if !example_cases {
            return Ok(0);
        }
        for runtime in tenants.all() {
            let slug = runtime.tenant().slug.to_string();
            let Some(actor) = actor(control, runtime, &format!("{slug}.supervisor")).await else {
                continue;
            };
            let journal = intake::journal(runtime, &actor, JournalQuery::default())
                .await
                .map_err(|e| e.to_string())?;
            if !journal.is_empty() {
                continue;
            }
            for case in demo.case.iter().filter(|c| c.tenant == slug) {
                if let Err(err) = seed_one(control, runtime, &data, &actor, case).await {
                    tracing::warn!(tenant = %slug, error = %err, "demo case not seeded");
                } else {
                    seeded += 1;
                }
            }
        }
        Ok(seeded)
    }

    /// The child or family as the demo request names them, with the child's age if given.
    fn described(case: &DemoCase) -> serde_json::Value {
        let mut described = json!({ "name": case.subject });
        if let Some(birth_date) = &case.birth_date {
            described["birth_date"] = json!(birth_date);
        }
        described
    }

    async fn seed_one(
        control: &DatabaseConnection,
        runtime: &TenantRuntime,
        data: &super::DemoData,
        actor: &Actor,
        case: &DemoCase,
    ) -> Result<(), CaseworkError> {
        let slug = runtime.tenant().slug.to_string();
        let now = Utc::now();
        let received_at = now - Duration::days(case.days_ago);
        let input = SignalInput {
            received_at,
            source: case.source.clone(),
            channel: case.channel.clone(),
            requester: json!({ "name": "Демо-заявитель" }),
            subject: described(case),
            parents: json!({}),
            grounds: case.grounds.clone(),
            follow_up: String::new(),
            triage: TriageInput {
                classifications: case.classifications.clone(),
                scores: case.scores.clone(),
                ..TriageInput::default()
            },
            form: case.form.clone(),
        };
        let signal = intake::register(runtime, actor, input, None).await?;
        let decision = match case.decision.as_str() {
            "new" => return Ok(()),
            "accept" => SignalDecision::Accept {
                family: described(case),
            },
            "refuse" => SignalDecision::Refuse {
                reasons: "Семья проживает вне территории работы фонда".into(),
                alternatives: vec![
                    "Центр социальной помощи семье и детям по месту жительства".into(),
                ],
            },
            "not_confirmed" => SignalDecision::NotConfirmed {
                reasons: "При первичной оценке риск не подтвердился".into(),
            },
            _ => SignalDecision::OneTimeHelp {
                help: "Консультация по оформлению пособия".into(),
            },
        };
        let decided = intake::decide(
            runtime,
            actor,
            signal.id,
            signal.version,
            decision,
            received_at,
        )
        .await?;
        let Some(case_id) = decided.case_id else {
            return Ok(());
        };
        if let Some(login) = &case.curator
            && let Some(curator) = user(control, login).await
        {
            let current = cases::file(runtime, actor, case_id).await?.case.version;
            cases::assign_curator(runtime, actor, case_id, current, curator).await?;
        }
        for action in &case.actions {
            let mut decisions = BTreeMap::new();
            if let Some(d) = &action.decision {
                let mut votes = Vec::new();
                for vote in &d.votes {
                    // Votes name demo people by login; the record keeps their ids.
                    let person = match user(control, &vote.person).await {
                        Some(id) => id.to_string(),
                        None => vote.person.clone(),
                    };
                    votes.push(Vote {
                        person,
                        ..vote.clone()
                    });
                }
                decisions.insert(
                    d.key.clone(),
                    DecisionRecord {
                        votes,
                        ..Default::default()
                    },
                );
            }
            // The person who holds the role acts; the case's curator when it is theirs.
            let by = match &case.curator {
                Some(login)
                    if action.acting_as == "curator"
                        || holder(data, &slug, &action.acting_as) == Some(login.as_str()) =>
                {
                    Some(login.clone())
                }
                _ => holder(data, &slug, &action.acting_as).map(str::to_owned),
            };
            let acting = match &by {
                Some(login) => super::cases::actor(control, runtime, login).await,
                None => None,
            };
            let acting = acting.as_ref().unwrap_or(actor);
            let input = StepInput {
                acting_as: action.acting_as.clone(),
                decisions,
                at: now - Duration::days(action.days_ago),
                ..Default::default()
            };
            let version = cases::file(runtime, actor, case_id).await?.case.version;
            if action.plan {
                let at = now - Duration::days(action.days_ago);
                let revision = RevisionInput {
                    meeting_date: at,
                    participants: vec!["Куратор".into(), "Мать".into()],
                    actions: vec![
                        ActionInput {
                            title: "Оформить детское пособие".into(),
                            deadline: at + Duration::days(30),
                            responsible: json!({ "organisation": "Отдел социальной защиты" }),
                            owner: "organisation".into(),
                        },
                        ActionInput {
                            title: "Посетить консультацию психолога".into(),
                            deadline: at + Duration::days(21),
                            responsible: json!({ "organisation": "Семья" }),
                            owner: "family".into(),
                        },
                    ],
                };
                plans::revise(runtime, acting, case_id, version, revision).await?;
                continue;
            }
            match (&action.step, &action.move_to) {
                (Some(step), _) => {
                    steps::perform(runtime, acting, case_id, version, step, input).await?
                }
                (None, Some(stage)) => {
                    steps::transition(runtime, acting, case_id, version, stage, input).await?
                }
                (None, None) => continue,
            };
        }
        Ok(())
    }
}

pub use cases::seed as seed_cases;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod demo_cases_tests {
    #[test]
    fn demo_cases_parse_and_name_demo_tenants() {
        let demo = super::cases::demo_cases().unwrap();
        assert!(demo.case.len() >= 8);
        for case in &demo.case {
            assert!(
                ["fund", "volunteers", "state_centre", "clinic"].contains(&case.tenant.as_str())
            );
        }
    }
}
