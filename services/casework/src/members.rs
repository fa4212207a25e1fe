//! The organisation's people: its administrator creates accounts and grants or takes away the
//! organisation's roles. People and roles live in the control plane; each change writes its record
//! for the organisation's audit trail into the control plane's outbox in the same transaction (see
//! [`crate::audit::enqueue`]), and the record is delivered to the trail at once.
//!
//! After a change the caller moves the person's session generation (the gateway's `Callers`), so
//! that every replica reads their roles again on their next request.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use kurator_auth::password::{MAX_PASSWORD_LEN, hash_password};
use kurator_domain::{LoginName, Role, UserId};
use kurator_method::problem;
use kurator_store::control::{NewUser, UserRow, repo};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;

/// What the administrator filled in for a new member.
pub struct NewMember {
    pub login: String,
    pub display_name: String,
    pub password: String,
    /// Invites the person for single sign-on: their first sign-in through the organisation's
    /// provider is linked to this account when the provider vouches for the address.
    pub email: Option<String>,
    pub role: Role,
}

/// Shortest password a new member may be given.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Creates an account with `role` in `runtime`'s organisation (organisation administrators).
/// Every problem with the input comes back at once and nothing is written; a login already taken
/// is `CONFLICT`.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn create(
    runtime: &TenantRuntime,
    control: &DatabaseConnection,
    actor: &Actor,
    new: NewMember,
) -> CaseworkResult<UserRow> {
    actor.require_org_admin()?;
    let mut problems = Vec::new();
    let login = LoginName::parse(&new.login)
        .map_err(|_| {
            problems.push(problem!(
                at = "login",
                "invalid_login",
                "login: от 3 до 120 букв, цифр или знаков . _ - @",
                "login: 3 to 120 letters, digits or . _ - @"
            ))
        })
        .ok();
    let display_name = new.display_name.trim().to_owned();
    if display_name.is_empty() || display_name.chars().count() > 200 {
        problems.push(problem!(
            at = "displayName",
            "invalid_length",
            "displayName: от 1 до 200 символов",
            "displayName: 1 to 200 characters"
        ));
    }
    let email = match new
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(email) => match crate::notifications::parse_email(email) {
            Ok(email) => Some(email.to_lowercase()),
            Err(CaseworkError::Rejected(found)) => {
                problems.extend(found);
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    let length = new.password.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&length) {
        problems.push(problem!(
            at = "password",
            "invalid_length",
            "password: от {MIN_PASSWORD_LEN} до {MAX_PASSWORD_LEN} символов",
            "password: {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters"
        ));
    }
    let Some(login) = login.filter(|_| problems.is_empty()) else {
        return Err(CaseworkError::Rejected(problems));
    };
    let password = new.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| CaseworkError::Conflict(format!("password hashing stopped: {e}")))?
        .map_err(|e| CaseworkError::Conflict(format!("password hashing failed: {e}")))?;
    let tenant = runtime.tenant().id;
    let tx = control.begin().await?;
    if repo::find_user_by_login(&tx, &login).await?.is_some() {
        return Err(CaseworkError::Conflict("login taken".into()));
    }
    let user = repo::insert_user(
        &tx,
        NewUser {
            login: &login,
            display_name: &display_name,
            password_hash: Some(&hash),
            is_platform_admin: false,
            email: email.as_deref(),
        },
    )
    .await?;
    repo::insert_membership(&tx, user.id, tenant, new.role).await?;
    let after = json!({ "login": user.login, "role": new.role.as_str() });
    audit::enqueue(
        &tx,
        tenant,
        actor,
        Audit::created("member.create", "member", user.id.0, &after),
    )
    .await?;
    tx.commit().await?;
    audit::deliver_outbox_now(runtime, control).await;
    Ok(user)
}

/// Gives `user` `role` in `runtime`'s organisation (`grant`), or takes it away (organisation
/// administrators). Only the organisation's own people can be changed — anyone else is not found;
/// an administrator cannot take away their own administration, and a member keeps at least one
/// role. Granting a role already held and taking one not held change nothing and record nothing.
/// Answers whether anything changed.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, %grant))]
pub async fn change_role(
    runtime: &TenantRuntime,
    control: &DatabaseConnection,
    actor: &Actor,
    user: UserId,
    role: Role,
    grant: bool,
) -> CaseworkResult<bool> {
    actor.require_org_admin()?;
    let tenant = runtime.tenant().id;
    let tx = control.begin().await?;
    let held: Vec<Role> = repo::memberships_of(&tx, user)
        .await?
        .into_iter()
        .filter(|m| m.tenant_id == tenant)
        .map(|m| m.role)
        .collect();
    if held.is_empty() {
        return Err(CaseworkError::NotFound);
    }
    if grant {
        if held.contains(&role) {
            return Ok(false);
        }
        repo::insert_membership(&tx, user, tenant, role).await?;
    } else {
        if user == actor.user && role == Role::OrgAdmin {
            return Err(CaseworkError::rejected(problem!(
                at = "role",
                "own_admin_role",
                "Нельзя снять с себя роль администратора организации",
                "You cannot take the organisation administrator's role from yourself"
            )));
        }
        if held.len() <= 1 {
            return Err(CaseworkError::rejected(problem!(
                at = "role",
                "last_role",
                "У сотрудника должна остаться хотя бы одна роль",
                "A member must keep at least one role"
            )));
        }
        if !held.contains(&role) {
            return Ok(false);
        }
        repo::delete_membership(&tx, user, tenant, role).await?;
    }
    let action = if grant {
        "member.grant_role"
    } else {
        "member.revoke_role"
    };
    let before: Vec<&str> = held.iter().map(|r| r.as_str()).collect();
    let after: Vec<&str> = if grant {
        held.iter().chain([&role]).map(|r| r.as_str()).collect()
    } else {
        held.iter()
            .filter(|r| **r != role)
            .map(|r| r.as_str())
            .collect()
    };
    audit::enqueue(
        &tx,
        tenant,
        actor,
        Audit::changed(
            action,
            "member",
            user.0,
            &json!({ "roles": before }),
            &json!({ "role": role.as_str(), "roles": after }),
        ),
    )
    .await?;
    tx.commit().await?;
    audit::deliver_outbox_now(runtime, control).await;
    Ok(true)
}
