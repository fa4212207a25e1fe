//! Organisations over their whole life, as the platform administrator runs them: created while
//! the platform runs (its database made and migrated on the placement chosen, its first version
//! of the method published, its first administrator given the role), listed, suspended — nobody
//! reaches a suspended organisation, and its data stays — and resumed. No replica restarts.

use crate::TenantRuntime;
use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::registry::TenantRegistry;
use crate::variant_drafts::{DraftFormat, validation_problems};
use kurator_auth::password::{MAX_PASSWORD_LEN, hash_password};
use kurator_domain::{LoginName, Role, TenantId, TenantSlug, UserId};
use kurator_method::{Variant, problem, problem::Problem};
use kurator_platform::Settings;
use kurator_store::control::{NewTenant, NewUser, TenantRow, repo};
use kurator_store::tenant::variants;
use kurator_store::{NewDatabase, TenantTx};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;
use std::sync::Arc;

/// The person acting on the platform as a whole (not within one organisation).
#[derive(Debug, Clone)]
pub struct PlatformActor {
    pub user: UserId,
    pub is_platform_admin: bool,
    pub request_id: Option<String>,
}

impl PlatformActor {
    pub(crate) fn require_platform_admin(&self) -> CaseworkResult<()> {
        if self.is_platform_admin {
            Ok(())
        } else {
            Err(CaseworkError::Forbidden)
        }
    }

    /// As recorded in the organisation's own audit trail.
    fn in_tenant(&self) -> Actor {
        Actor {
            user: self.user,
            roles: vec![Role::PlatformAdmin],
            request_id: self.request_id.clone(),
            api_token: None,
        }
    }
}

/// The method an organisation starts from.
pub enum StartingVariant {
    /// One of the presets, by key (`fund`, `volunteers`, `state_centre`, `clinic`).
    Template(String),
    /// A variant file of its own, TOML or JSON.
    Document { source: String, format: DraftFormat },
}

pub struct FirstAdmin {
    pub login: String,
    /// For a new account; an existing account keeps its name and password.
    pub display_name: Option<String>,
    pub password: Option<String>,
}

pub struct NewOrganisation {
    pub slug: String,
    pub name_ru: String,
    pub name_kk: String,
    pub name_en: String,
    /// Unset: the starting variant's.
    pub time_zone: Option<String>,
    /// The production calendar (`ru`, `kz`); unset: the starting variant's.
    pub calendar: Option<String>,
    pub variant: StartingVariant,
    /// Where its data lives (see [`Settings::placements`]).
    pub placement: String,
    pub first_admin: FirstAdmin,
}

/// A created organisation and its first administrator.
pub struct Created {
    pub runtime: Arc<TenantRuntime>,
    pub first_admin: UserId,
    /// Whether the administrator's account was made now (otherwise it existed and got the role).
    pub account_created: bool,
}

/// Every organisation, suspended ones included (platform administrators).
pub async fn list(
    control: &DatabaseConnection,
    actor: &PlatformActor,
) -> CaseworkResult<Vec<TenantRow>> {
    actor.require_platform_admin()?;
    Ok(repo::list_tenants(control).await?)
}

/// The placements an organisation can be created on: name and label.
pub fn placements(
    settings: &Settings,
    actor: &PlatformActor,
) -> CaseworkResult<Vec<(String, String)>> {
    actor.require_platform_admin()?;
    Ok(settings.placements())
}

fn names_problems(new: &NewOrganisation, problems: &mut Vec<Problem>) {
    for (field, name) in [
        ("names.ru", &new.name_ru),
        ("names.kk", &new.name_kk),
        ("names.en", &new.name_en),
    ] {
        let length = name.trim().chars().count();
        if !(1..=200).contains(&length) {
            problems.push(problem!(
                at = field,
                "invalid_length",
                "{field}: от 1 до 200 символов",
                "{field}: 1 to 200 characters"
            ));
        }
    }
}

/// The starting variant with the organisation's time zone and calendar, validated.
fn starting_variant(new: &NewOrganisation, problems: &mut Vec<Problem>) -> Option<Variant> {
    let parsed = match &new.variant {
        StartingVariant::Template(key) => match kurator_method::presets::load(key) {
            Ok(variant) => Ok(variant),
            Err(_) => {
                let known = kurator_method::presets::names().join(", ");
                problems.push(problem!(
                    at = "template",
                    "template_unknown",
                    "Шаблона «{key}» нет; есть: {known}",
                    "There is no template “{key}”; there are: {known}"
                ));
                return None;
            }
        },
        StartingVariant::Document { source, format } => match format {
            DraftFormat::Toml => Variant::from_toml_str(source),
            DraftFormat::Json => Variant::from_json_str(source),
        },
    };
    let variant = match parsed {
        Ok(variant) => variant,
        Err(errors) => {
            problems.extend(validation_problems(&errors));
            return None;
        }
    };
    if new.time_zone.is_none() && new.calendar.is_none() {
        return Some(variant);
    }
    let mut document = serde_json::to_value(variant.doc()).ok()?;
    if let Some(zone) = &new.time_zone {
        if zone.parse::<chrono_tz::Tz>().is_err() {
            problems.push(problem!(
                at = "timeZone",
                "time_zone_unknown",
                "Часовой пояс «{zone}» неизвестен (пример: Europe/Moscow, Asia/Almaty)",
                "Unknown time zone “{zone}” (e.g. Europe/Moscow, Asia/Almaty)"
            ));
            return None;
        }
        document["time_zone"] = json!(zone);
    }
    if let Some(region) = &new.calendar {
        if kurator_method::Calendar::region(region, chrono_tz::UTC).is_err() {
            problems.push(problem!(
                at = "calendar",
                "calendar_unknown",
                "Производственного календаря «{region}» нет; есть: ru, kz",
                "There is no production calendar “{region}”; there are: ru, kz"
            ));
            return None;
        }
        document["calendar"] = json!(region);
    }
    match Variant::from_json_str(&document.to_string()) {
        Ok(variant) => Some(variant),
        Err(errors) => {
            problems.extend(validation_problems(&errors));
            None
        }
    }
}

/// Creates an organisation and opens it in this process; other replicas open it on its first
/// request. Every problem with the input is answered at once and nothing is made.
#[tracing::instrument(skip_all, fields(tenant = %new.slug))]
pub async fn create(
    registry: &TenantRegistry,
    control: &DatabaseConnection,
    settings: &Settings,
    actor: &PlatformActor,
    new: NewOrganisation,
) -> CaseworkResult<Created> {
    actor.require_platform_admin()?;
    let mut problems = Vec::new();
    let slug = TenantSlug::parse(&new.slug)
        .map_err(|_| {
            problems.push(problem!(
                at = "slug",
                "organisation_slug_invalid",
                "Короткое имя: 2–40 строчных латинских букв, цифр или _, начиная с буквы",
                "Short name: 2–40 lower-case latin letters, digits or _, starting with a letter"
            ))
        })
        .ok();
    names_problems(&new, &mut problems);
    let url = slug
        .as_ref()
        .and_then(|slug| settings.placement_database_url(&new.placement, slug.as_str()));
    if url.is_none() && slug.is_some() {
        let placement = &new.placement;
        problems.push(problem!(
            at = "placement",
            "placement_unknown",
            "Размещения «{placement}» нет в настройках платформы",
            "The platform has no placement “{placement}”"
        ));
    }
    let variant = starting_variant(&new, &mut problems);
    let admin = first_admin(control, &new.first_admin, &mut problems).await?;
    if let Some(slug) = &slug
        && repo::find_tenant_by_slug(control, slug).await?.is_some()
    {
        problems.push(slug_taken(slug));
    }
    let (Some(slug), Some(url), Some(variant), Some(admin), true) =
        (slug, url, variant, admin, problems.is_empty())
    else {
        return Err(CaseworkError::Rejected(problems));
    };

    if kurator_store::create_database(&url).await? == NewDatabase::AlreadyExists {
        return Err(CaseworkError::rejected(problem!(
            at = "slug",
            "organisation_database_exists",
            "На этом размещении уже есть база данных для «{slug}»: она не будет использована повторно",
            "A database for “{slug}” already exists on this placement: it is not reused"
        )));
    }
    let id = TenantId::new();
    let made = async {
        publish_first_version(&url, id, &variant).await?;
        register(control, actor, &new, id, &slug, &url, &variant, &admin).await
    }
    .await;
    let (row, first_admin, account_created) = match made {
        Ok(made) => made,
        Err(err) => {
            // Nothing of a refused or failed organisation is left behind.
            if let Err(cleanup) = kurator_store::drop_database(&url).await {
                tracing::warn!(error = %cleanup, "the new organisation's database was not removed");
            }
            return Err(err);
        }
    };
    let runtime = registry.open_row(row).await?.ok_or_else(|| {
        CaseworkError::Conflict("the organisation was suspended meanwhile".into())
    })?;
    audit::deliver_outbox_now(&runtime, control).await;
    Ok(Created {
        runtime,
        first_admin,
        account_created,
    })
}

fn slug_taken(slug: &TenantSlug) -> Problem {
    problem!(
        at = "slug",
        "organisation_slug_taken",
        "Организация с коротким именем «{slug}» уже есть",
        "An organisation with the short name “{slug}” already exists"
    )
}

/// Who becomes the first administrator: an existing account, or a new one (with its password
/// hashed here).
enum Admin {
    Existing(UserId),
    New {
        login: LoginName,
        display_name: String,
        password_hash: String,
    },
}

async fn first_admin(
    control: &DatabaseConnection,
    input: &FirstAdmin,
    problems: &mut Vec<Problem>,
) -> CaseworkResult<Option<Admin>> {
    let Ok(login) = LoginName::parse(&input.login) else {
        problems.push(problem!(
            at = "firstAdmin.login",
            "invalid_login",
            "login: от 3 до 120 букв, цифр или знаков . _ - @",
            "login: 3 to 120 letters, digits or . _ - @"
        ));
        return Ok(None);
    };
    if let Some(user) = repo::find_user_by_login(control, &login).await? {
        if user.is_active && !user.is_platform_admin {
            return Ok(Some(Admin::Existing(user.id)));
        }
        problems.push(problem!(
            at = "firstAdmin.login",
            "first_admin_unavailable",
            "Учётная запись «{login}» отключена или принадлежит администратору платформы",
            "The account “{login}” is disabled or belongs to a platform administrator"
        ));
        return Ok(None);
    }
    let display_name = input
        .display_name
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_owned();
    let mut fine = true;
    if !(1..=200).contains(&display_name.chars().count()) {
        fine = false;
        problems.push(problem!(
            at = "firstAdmin.displayName",
            "invalid_length",
            "displayName: от 1 до 200 символов",
            "displayName: 1 to 200 characters"
        ));
    }
    let password = input.password.clone().unwrap_or_default();
    if !(10..=MAX_PASSWORD_LEN).contains(&password.chars().count()) {
        fine = false;
        problems.push(problem!(
            at = "firstAdmin.password",
            "invalid_length",
            "password: от 10 до {MAX_PASSWORD_LEN} символов",
            "password: 10 to {MAX_PASSWORD_LEN} characters"
        ));
    }
    if !fine || !problems.is_empty() {
        return Ok(None);
    }
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| CaseworkError::Conflict(format!("password hashing stopped: {e}")))?
        .map_err(|e| CaseworkError::Conflict(format!("password hashing failed: {e}")))?;
    Ok(Some(Admin::New {
        login,
        display_name,
        password_hash,
    }))
}

/// Migrates the new database and publishes the organisation's first version of its method there.
async fn publish_first_version(url: &str, id: TenantId, variant: &Variant) -> CaseworkResult<()> {
    // Two connections: migrating holds the migration lock on one of them.
    let db = kurator_store::connect(url, 2).await?;
    kurator_store::migrate_tenant(&db).await?;
    let document =
        serde_json::to_value(variant.doc()).map_err(|e| CaseworkError::Variant(e.to_string()))?;
    let version = i32::try_from(variant.version()).unwrap_or(1);
    let tx = TenantTx::begin(&db, id).await?;
    variants::publish(&tx, variant.key(), version, document, None).await?;
    tx.commit().await?;
    db.close().await?;
    Ok(())
}

/// The organisation's row in the tenant registry, its first administrator and the record of its
/// creation for its own audit trail (in the outbox), in one control-plane transaction.
#[allow(clippy::too_many_arguments)]
async fn register(
    control: &DatabaseConnection,
    actor: &PlatformActor,
    new: &NewOrganisation,
    id: TenantId,
    slug: &TenantSlug,
    url: &str,
    variant: &Variant,
    admin: &Admin,
) -> CaseworkResult<(TenantRow, UserId, bool)> {
    let tx = control.begin().await?;
    if repo::find_tenant_by_slug(&tx, slug).await?.is_some() {
        return Err(CaseworkError::rejected(slug_taken(slug)));
    }
    let preset = match &new.variant {
        StartingVariant::Template(key) => key.clone(),
        StartingVariant::Document { .. } => format!("uploaded:{}", variant.key()),
    };
    let row = repo::insert_tenant(
        &tx,
        NewTenant {
            id,
            slug,
            name_ru: new.name_ru.trim(),
            name_kk: new.name_kk.trim(),
            name_en: new.name_en.trim(),
            preset: &preset,
            database_url: url,
            time_zone: &variant.doc().time_zone,
            placement: &new.placement,
        },
    )
    .await?;
    let (user, created) = match admin {
        Admin::Existing(user) => (*user, false),
        Admin::New {
            login,
            display_name,
            password_hash,
        } => {
            let user = repo::insert_user(
                &tx,
                NewUser {
                    login,
                    display_name,
                    password_hash: Some(password_hash),
                    is_platform_admin: false,
                    email: None,
                },
            )
            .await?;
            (user.id, true)
        }
    };
    repo::insert_membership(&tx, user, id, Role::OrgAdmin).await?;
    let after = json!({
        "slug": slug.as_str(),
        "names": { "ru": new.name_ru.trim(), "kk": new.name_kk.trim(), "en": new.name_en.trim() },
        "placement": new.placement,
        "variant": variant.key(),
        "timeZone": variant.doc().time_zone,
        "calendar": variant.calendar_region(),
        "firstAdmin": user.0,
        "accountCreated": created,
    });
    audit::enqueue(
        &tx,
        id,
        &actor.in_tenant(),
        Audit::created("organisation.create", "organisation", id.0, &after),
    )
    .await?;
    audit::record_platform(
        &tx,
        actor,
        Audit::created("organisation.create", "organisation", id.0, &after),
    )
    .await?;
    tx.commit().await?;
    Ok((row, user, created))
}

/// Suspends the organisation `slug`: from now on nobody reaches it — on any replica, once the
/// people who worked there are read again (see the returned list) — and no worker sends its
/// reminders. Its data stays. Answers the people whose access changed; already suspended is
/// answered the same.
#[tracing::instrument(skip_all, fields(tenant = %slug))]
pub async fn suspend(
    registry: &TenantRegistry,
    control: &DatabaseConnection,
    actor: &PlatformActor,
    slug: &TenantSlug,
) -> CaseworkResult<(TenantRow, Vec<UserId>)> {
    actor.require_platform_admin()?;
    let row = repo::find_tenant_by_slug(control, slug)
        .await?
        .ok_or(CaseworkError::NotFound)?;
    let was_suspended = row.is_suspended();
    // Opened before the suspension, so that its record can still be delivered to the trail.
    let runtime = if was_suspended {
        None
    } else {
        registry.find(slug).await?
    };
    let at = row.suspended_at.unwrap_or_else(chrono::Utc::now);
    let tx = control.begin().await?;
    let row = repo::set_tenant_suspended(&tx, row.id, Some(at))
        .await?
        .ok_or(CaseworkError::NotFound)?;
    if !was_suspended {
        audit::enqueue(&tx, row.id, &actor.in_tenant(), suspension(row.id, true)).await?;
        audit::record_platform(&tx, actor, platform_suspension(&row, true)).await?;
    }
    tx.commit().await?;
    if let Some(runtime) = runtime {
        audit::deliver_outbox_now(&runtime, control).await;
    }
    registry.close(slug);
    let members = members(control, row.id).await?;
    Ok((row, members))
}

/// Lifts a suspension: the organisation opens again with everything it had.
#[tracing::instrument(skip_all, fields(tenant = %slug))]
pub async fn resume(
    registry: &TenantRegistry,
    control: &DatabaseConnection,
    actor: &PlatformActor,
    slug: &TenantSlug,
) -> CaseworkResult<(TenantRow, Vec<UserId>)> {
    actor.require_platform_admin()?;
    let row = repo::find_tenant_by_slug(control, slug)
        .await?
        .ok_or(CaseworkError::NotFound)?;
    let was_suspended = row.is_suspended();
    let tx = control.begin().await?;
    let row = repo::set_tenant_suspended(&tx, row.id, None)
        .await?
        .ok_or(CaseworkError::NotFound)?;
    if was_suspended {
        audit::enqueue(&tx, row.id, &actor.in_tenant(), suspension(row.id, false)).await?;
        audit::record_platform(&tx, actor, platform_suspension(&row, false)).await?;
    }
    tx.commit().await?;
    let runtime = registry
        .open_row(row.clone())
        .await?
        .ok_or(CaseworkError::NotFound)?;
    // With the record of the suspension too, if it could not be delivered then.
    audit::deliver_outbox_now(&runtime, control).await;
    let members = members(control, row.id).await?;
    Ok((row, members))
}

/// The record, for the organisation's own trail, that it was suspended (`true`) or resumed.
fn suspension(id: TenantId, suspended: bool) -> Audit {
    let action = if suspended {
        "organisation.suspend"
    } else {
        "organisation.resume"
    };
    Audit::changed(
        action,
        "organisation",
        id.0,
        &json!({ "suspended": !suspended }),
        &json!({ "suspended": suspended }),
    )
}

/// The record, for the platform's trail, that the organisation `row` was suspended (`true`) or
/// resumed: the same change, naming the organisation by its short name too, as the platform's
/// trail lists every organisation.
fn platform_suspension(row: &TenantRow, suspended: bool) -> Audit {
    let action = if suspended {
        "organisation.suspend"
    } else {
        "organisation.resume"
    };
    let slug = row.slug.as_str();
    Audit::changed(
        action,
        "organisation",
        row.id.0,
        &json!({ "slug": slug, "suspended": !suspended }),
        &json!({ "slug": slug, "suspended": suspended }),
    )
}

async fn members(control: &DatabaseConnection, id: TenantId) -> CaseworkResult<Vec<UserId>> {
    Ok(repo::members_of_tenant(control, id)
        .await?
        .into_iter()
        .map(|(user, _)| user.id)
        .collect())
}

/// Makes the person with `login` a methodologist of the platform, or no longer one (platform
/// administrators). A methodologist compares organisations on their published figures and is a
/// member of none of them; the role gives no case data. A change is written to the platform's
/// trail with the change; asking for what already holds changes nothing and writes nothing.
/// Answers the person.
#[tracing::instrument(skip_all, fields(methodologist))]
pub async fn set_platform_methodologist(
    control: &DatabaseConnection,
    actor: &PlatformActor,
    login: &str,
    methodologist: bool,
) -> CaseworkResult<repo::UserRow> {
    actor.require_platform_admin()?;
    let login = LoginName::parse(login).map_err(|_| CaseworkError::NotFound)?;
    let tx = control
        .begin()
        .await
        .map_err(kurator_store::StoreError::from)?;
    let user = repo::find_user_by_login(&tx, &login)
        .await?
        .ok_or(CaseworkError::NotFound)?;
    if user.is_platform_methodologist != methodologist {
        repo::set_platform_methodologist(&tx, user.id, methodologist).await?;
        let action = if methodologist {
            "platform_methodologist.grant"
        } else {
            "platform_methodologist.revoke"
        };
        let state = |on: bool| json!({ "login": user.login, "platformMethodologist": on });
        audit::record_platform(
            &tx,
            actor,
            Audit::changed(
                action,
                "user",
                user.id.0,
                &state(user.is_platform_methodologist),
                &state(methodologist),
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(kurator_store::StoreError::from)?;
    tracing::info!(
        by = %actor.user,
        user = %user.id,
        methodologist,
        "platform methodologist set"
    );
    Ok(repo::UserRow {
        is_platform_methodologist: methodologist,
        ..user
    })
}
