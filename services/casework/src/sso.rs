//! The organisation's single sign-on (единый вход), as its administrator configures it: the
//! provider (issuer, client id and secret), which claims are the person's e-mail and name, the
//! e-mail domains a first sign-in may be linked from, which roles keep a password as a
//! break-glass account, and the internal addresses the provider may be reached at. Discovery
//! runs when the settings are saved, and what it found is stored with them. Organisation
//! administrators only; every change and every account linked is in the organisation's audit
//! trail.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::registry::TenantRegistry;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_auth::oidc::login::Callback;
use kurator_auth::oidc::provider::{self, parse_role};
use kurator_auth::oidc::{EmailClaim, NameClaim, SignedIn, SsoError, SsoLogin, SsoRefusal};
use kurator_domain::UserId;
use kurator_method::{problem, problem::Problem};
use kurator_store::control::sso::{self as store, SsoRow};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::Serialize;
use serde_json::json;

/// The settings as an administrator sees them: never the secret itself.
#[derive(Debug, Clone, Serialize)]
pub struct SsoSettingsView {
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub has_client_secret: bool,
    pub email_claim: String,
    pub name_claim: String,
    pub allowed_domains: Vec<String>,
    pub password_roles: Vec<String>,
    pub address_allowlist: Vec<String>,
    pub authorization_endpoint: Option<String>,
    pub discovered_at: DateTime<Utc>,
    pub version: i32,
}

/// A change as the administrator sends it, with the version they saw (`0` for the first).
#[derive(Debug, Clone, Default)]
pub struct SsoSettingsChange {
    pub version: i32,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    /// Unset: keep the stored one.
    pub client_secret: Option<String>,
    pub email_claim: String,
    pub name_claim: String,
    pub allowed_domains: Vec<String>,
    pub password_roles: Vec<String>,
    pub address_allowlist: Vec<String>,
}

fn view(row: &SsoRow) -> SsoSettingsView {
    let authorization_endpoint = serde_json::from_str::<serde_json::Value>(&row.metadata)
        .ok()
        .and_then(|m| m["authorization_endpoint"].as_str().map(str::to_owned));
    SsoSettingsView {
        label: row.label.clone(),
        issuer: row.issuer.clone(),
        client_id: row.client_id.clone(),
        has_client_secret: !row.client_secret_sealed.is_empty(),
        email_claim: row.email_claim.clone(),
        name_claim: row.name_claim.clone(),
        allowed_domains: row.allowed_domains.clone(),
        password_roles: row.password_roles.clone(),
        address_allowlist: row.address_allowlist.clone(),
        authorization_endpoint,
        discovered_at: row.discovered_at,
        version: row.version,
    }
}

/// A refusal of single sign-on as a problem of the request, about `field`.
pub fn refusal_problem(refusal: &SsoRefusal, field: &str) -> Problem {
    let (ru, en) = refusal.texts();
    Problem::new(refusal.code(), ru, en).at(field)
}

impl From<SsoError> for CaseworkError {
    fn from(err: SsoError) -> Self {
        match err {
            SsoError::Refused(refusal) => {
                CaseworkError::rejected(refusal_problem(&refusal, "issuer"))
            }
            SsoError::Store(e) => CaseworkError::from(e),
            SsoError::Cache(e) => CaseworkError::Internal(e.to_string()),
            SsoError::Internal(why) => CaseworkError::Internal(why),
        }
    }
}

/// The organisation's settings, if it has single sign-on.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn get(
    control: &DatabaseConnection,
    runtime: &TenantRuntime,
    actor: &Actor,
) -> CaseworkResult<Option<SsoSettingsView>> {
    actor.require_org_admin()?;
    Ok(store::settings_of(control, runtime.tenant().id)
        .await?
        .as_ref()
        .map(view))
}

fn trimmed_list(values: &[String], lower: bool) -> Vec<String> {
    let mut out: Vec<String> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| {
            if lower {
                v.to_lowercase()
            } else {
                v.to_owned()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn is_host_name(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Every problem with `change`; the lists as they will be stored.
fn problems_of(change: &mut SsoSettingsChange, has_secret: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    change.label = change.label.trim().to_owned();
    change.issuer = change.issuer.trim().to_owned();
    change.client_id = change.client_id.trim().to_owned();
    if !(1..=120).contains(&change.label.chars().count()) {
        problems.push(problem!(
            at = "label",
            "invalid_length",
            "label: от 1 до 120 символов",
            "label: 1 to 120 characters"
        ));
    }
    if let Err(refusal) = provider::parse_issuer(&change.issuer) {
        problems.push(refusal_problem(&refusal, "issuer"));
    }
    if !(1..=255).contains(&change.client_id.chars().count()) {
        problems.push(problem!(
            at = "clientId",
            "invalid_length",
            "clientId: от 1 до 255 символов",
            "clientId: 1 to 255 characters"
        ));
    }
    match change.client_secret.as_deref() {
        None | Some("") if !has_secret => problems.push(problem!(
            at = "clientSecret",
            "sso_secret_required",
            "clientSecret: укажите секрет клиента, выданный поставщиком входа",
            "clientSecret: give the client secret the identity provider issued"
        )),
        Some(secret) if secret.chars().count() > 1024 => problems.push(problem!(
            at = "clientSecret",
            "invalid_length",
            "clientSecret: не длиннее 1024 символов",
            "clientSecret: at most 1024 characters"
        )),
        _ => {}
    }
    let email_claim = change.email_claim.trim().to_owned();
    if EmailClaim::parse(&email_claim).is_none() {
        problems.push(problem!(
            at = "emailClaim",
            "sso_unknown_claim",
            "emailClaim: «{email_claim}» — не поддерживается; возможны email, preferred_username",
            "emailClaim: “{email_claim}” is not supported; use email or preferred_username"
        ));
    }
    let name_claim = change.name_claim.trim().to_owned();
    if NameClaim::parse(&name_claim).is_none() {
        problems.push(problem!(
            at = "nameClaim",
            "sso_unknown_claim",
            "nameClaim: «{name_claim}» — не поддерживается; возможны name, preferred_username, nickname, given_and_family",
            "nameClaim: “{name_claim}” is not supported; use name, preferred_username, nickname or given_and_family"
        ));
    }
    change.email_claim = email_claim;
    change.name_claim = name_claim;
    change.allowed_domains = trimmed_list(&change.allowed_domains, true);
    for domain in &change.allowed_domains {
        if !is_host_name(domain) || !domain.contains('.') {
            problems.push(problem!(
                at = "allowedDomains",
                "sso_invalid_domain",
                "allowedDomains: «{domain}» — не домен электронной почты (например, fund.example.ru)",
                "allowedDomains: “{domain}” is not an e-mail domain (e.g. fund.example.org)"
            ));
        }
    }
    change.password_roles = trimmed_list(&change.password_roles, true);
    for role in &change.password_roles {
        if parse_role(role).is_none() {
            problems.push(problem!(
                at = "passwordRoles",
                "sso_invalid_role",
                "passwordRoles: «{role}» — не роль в организации",
                "passwordRoles: “{role}” is not a role in an organisation"
            ));
        }
    }
    change.address_allowlist = trimmed_list(&change.address_allowlist, true);
    if change.address_allowlist.len() > 20 {
        problems.push(problem!(
            at = "addressAllowlist",
            "sso_invalid_allowlist",
            "addressAllowlist: не больше 20 адресов",
            "addressAllowlist: at most 20 entries"
        ));
    }
    for entry in &change.address_allowlist {
        let bare = entry.trim_matches(['[', ']']);
        if bare.parse::<std::net::IpAddr>().is_err() && !is_host_name(bare) {
            problems.push(problem!(
                at = "addressAllowlist",
                "sso_invalid_allowlist",
                "addressAllowlist: «{entry}» — не имя хоста и не IP-адрес",
                "addressAllowlist: “{entry}” is neither a host name nor an IP address"
            ));
        }
    }
    problems
}

/// Saves the settings after running discovery against the issuer; nothing is written when the
/// input is wrong or the provider cannot be discovered (or is an internal address the allowlist
/// does not name, or calls itself by another issuer).
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn save(
    control: &DatabaseConnection,
    login: &SsoLogin,
    runtime: &TenantRuntime,
    actor: &Actor,
    mut change: SsoSettingsChange,
) -> CaseworkResult<SsoSettingsView> {
    actor.require_org_admin()?;
    let tenant = runtime.tenant().id;
    let before = store::settings_of(control, tenant).await?;
    let current_version = before.as_ref().map_or(0, |b| b.version);
    if change.version != current_version {
        return Err(CaseworkError::Stale {
            current: current_version,
        });
    }
    let problems = problems_of(&mut change, before.is_some());
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let discovered =
        provider::discover(&change.issuer, &change.address_allowlist, login.timeout()).await?;
    let sealed = match (change.client_secret.as_deref(), &before) {
        (Some(secret), _) if !secret.is_empty() => login.secrets().seal(secret),
        (_, Some(before)) => before.client_secret_sealed.clone(),
        (_, None) => return Err(CaseworkError::Internal("no client secret".into())),
    };
    let now = Utc::now();
    let row = SsoRow {
        tenant_id: tenant,
        label: change.label,
        issuer: change.issuer,
        client_id: change.client_id,
        client_secret_sealed: sealed,
        email_claim: change.email_claim,
        name_claim: change.name_claim,
        allowed_domains: change.allowed_domains,
        password_roles: change.password_roles,
        address_allowlist: change.address_allowlist,
        metadata: discovered.metadata,
        jwks: discovered.jwks,
        discovered_at: now,
        version: current_version,
        updated_by: actor.user,
        updated_at: now,
    };
    // The settings and the record of their change commit together (the audit outbox).
    let tx = control.begin().await?;
    let saved = store::save(&tx, &row, current_version).await?;
    let after = view(&saved);
    record(
        &tx,
        runtime,
        actor,
        "sso.configure",
        before.as_ref().map(view),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    audit::deliver_outbox_now(runtime, control).await;
    Ok(after)
}

/// Turns single sign-on off: everybody signs in with a password again.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn remove(
    control: &DatabaseConnection,
    runtime: &TenantRuntime,
    actor: &Actor,
) -> CaseworkResult<bool> {
    actor.require_org_admin()?;
    let tenant = runtime.tenant().id;
    let Some(before) = store::settings_of(control, tenant).await? else {
        return Ok(false);
    };
    let tx = control.begin().await?;
    store::remove(&tx, tenant).await?;
    record(&tx, runtime, actor, "sso.remove", Some(view(&before)), None).await?;
    tx.commit().await?;
    audit::deliver_outbox_now(runtime, control).await;
    Ok(true)
}

/// Records (or, with `None`, clears) the e-mail a member of the organisation is invited with for
/// single sign-on (organisation administrators). Accounts are shared between organisations, so
/// only a person who belongs to this organisation alone can be given one here.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn set_member_email(
    control: &DatabaseConnection,
    runtime: &TenantRuntime,
    actor: &Actor,
    user: UserId,
    email: Option<&str>,
) -> CaseworkResult<Option<String>> {
    actor.require_org_admin()?;
    let tenant = runtime.tenant().id;
    let memberships = kurator_store::control::repo::memberships_of(control, user).await?;
    if !memberships.iter().any(|m| m.tenant_id == tenant) {
        return Err(CaseworkError::NotFound);
    }
    if memberships.iter().any(|m| m.tenant_id != tenant) {
        return Err(CaseworkError::rejected(problem!(
            at = "userId",
            "member_of_other_organisation",
            "userId: сотрудник работает и в другой организации; его адрес для единого входа здесь не меняется",
            "userId: the person also works in another organisation; their single sign-on e-mail is not changed here"
        )));
    }
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => Some(crate::notifications::parse_email(email)?.to_lowercase()),
        None => None,
    };
    let before = kurator_store::control::repo::find_user(control, user)
        .await?
        .ok_or(CaseworkError::NotFound)?
        .email;
    let tx = control.begin().await?;
    store::set_email(&tx, user, email.as_deref()).await?;
    audit::enqueue(
        &tx,
        tenant,
        actor,
        Audit::changed(
            "member.set_email",
            "user",
            user.0,
            &json!({ "email": before }),
            &json!({ "email": email }),
        ),
    )
    .await?;
    tx.commit().await?;
    audit::deliver_outbox_now(runtime, control).await;
    Ok(email)
}

/// Finishes a sign-in at the callback. When it linked an invited person's account to the
/// provider's, the link was written with its audit record in the control plane's outbox; the
/// record is delivered to the organisation's trail here (or by the deadline worker).
#[tracing::instrument(skip_all)]
pub async fn finish_sign_in(
    login: &SsoLogin,
    tenants: &TenantRegistry,
    control: &DatabaseConnection,
    binding: Option<&str>,
    callback: Callback<'_>,
) -> Result<SignedIn, SsoError> {
    let signed_in = login.finish(binding, callback).await?;
    if signed_in.linked.is_some()
        && let Ok(Some(runtime)) = tenants.find_by_id(signed_in.tenant).await
    {
        audit::deliver_outbox_now(&runtime, control).await;
    }
    Ok(signed_in)
}

/// Writes the record of a change of the settings into the control plane's outbox, inside
/// `control_tx`, the transaction making the change.
async fn record(
    control_tx: &impl sea_orm::ConnectionTrait,
    runtime: &TenantRuntime,
    actor: &Actor,
    action: &'static str,
    before: Option<SsoSettingsView>,
    after: Option<&SsoSettingsView>,
) -> CaseworkResult<()> {
    let id = runtime.tenant().id.0;
    let audit = match (before, after) {
        (Some(before), Some(after)) => {
            Audit::changed(action, "organisation_sso", id, &before, after)
        }
        (None, Some(after)) => Audit::created(action, "organisation_sso", id, after),
        (Some(before), None) => {
            Audit::changed(action, "organisation_sso", id, &before, &json!(null))
        }
        (None, None) => return Ok(()),
    };
    audit::enqueue(control_tx, runtime.tenant().id, actor, audit).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change() -> SsoSettingsChange {
        SsoSettingsChange {
            version: 0,
            label: "Keycloak".into(),
            issuer: "https://idp.example.org/realms/fund".into(),
            client_id: "kurator".into(),
            client_secret: Some("secret".into()),
            email_claim: "email".into(),
            name_claim: "name".into(),
            allowed_domains: vec![" Fund.Example.org ".into()],
            password_roles: vec!["org_admin".into()],
            address_allowlist: Vec::new(),
        }
    }

    #[test]
    fn good_settings_have_no_problems_and_are_normalised() {
        let mut good = change();
        assert!(problems_of(&mut good, false).is_empty());
        assert_eq!(good.allowed_domains, vec!["fund.example.org".to_owned()]);
    }

    #[test]
    fn every_wrong_field_is_a_coded_problem() {
        let mut bad = SsoSettingsChange {
            label: String::new(),
            issuer: "ftp://idp".into(),
            client_secret: None,
            email_claim: "upn".into(),
            name_claim: "full".into(),
            allowed_domains: vec!["no domain".into()],
            password_roles: vec!["platform_admin".into()],
            address_allowlist: vec!["not a host!".into()],
            ..change()
        };
        let codes: Vec<&str> = problems_of(&mut bad, false)
            .iter()
            .map(|p| p.code)
            .collect();
        for code in [
            "invalid_length",
            "sso_invalid_issuer",
            "sso_secret_required",
            "sso_unknown_claim",
            "sso_invalid_domain",
            "sso_invalid_role",
            "sso_invalid_allowlist",
        ] {
            assert!(codes.contains(&code), "{code} in {codes:?}");
        }
    }
}
