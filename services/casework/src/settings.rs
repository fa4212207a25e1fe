//! The organisation's settings (настройки организации): how the variant's per-category caseload
//! caps are read — each on its own, or as one weighted load (the state centre's document does not
//! say; its preset defaults to the weighted reading) — and whether publishing a new variant
//! version needs a second administrator (the four-eyes rule, «принцип четырёх глаз»).

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use kurator_method::Variant;
use kurator_method::caseload::with_caps_mode;
use kurator_method::schema::{CapsMode, CaseloadPolicy};
use kurator_store::TenantTx;
use kurator_store::tenant::settings as store;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSettings {
    /// `independent` or `weighted`; unset means what the variant says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caseload_caps_mode: Option<CapsMode>,
    /// A variant draft is published only when a second organisation administrator approves what
    /// the first asked to publish (see [`crate::variant_publication`]). Off by default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub publish_needs_second_admin: bool,
    /// The administrator's consent to publish the organisation's indicators for comparison,
    /// and which (see [`crate::publication`]). Unset: nothing is shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing: Option<SharingConsent>,
}

/// Which of the organisation's indicators leave it, protected, for methodologists to compare:
/// opted in per organisation (`share`) and per indicator (`indicators`, catalogue keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingConsent {
    pub share: bool,
    #[serde(default)]
    pub indicators: Vec<String>,
}

/// A change of the settings. The caps reading is replaced as given (`None`: as the variant says);
/// the four-eyes rule is kept when not given, so that a form that knows only the caps cannot
/// switch it off by leaving it out.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub caseload_caps_mode: Option<CapsMode>,
    pub publish_needs_second_admin: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub settings: TenantSettings,
    pub version: i32,
}

pub(crate) async fn load(tx: &TenantTx) -> CaseworkResult<Settings> {
    let row = store::get(tx).await?;
    let settings = serde_json::from_value(row.settings).unwrap_or_default();
    Ok(Settings {
        settings,
        version: row.version,
    })
}

/// The variant's caseload policy as this organisation reads it.
pub(crate) fn caseload_policy(
    variant: &Variant,
    settings: &TenantSettings,
) -> Option<CaseloadPolicy> {
    let policy = variant.caseload()?;
    Some(match settings.caseload_caps_mode {
        Some(mode) => with_caps_mode(policy, mode),
        None => policy.clone(),
    })
}

/// Read by those who assign and administer: supervisors and organisation administrators.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn get(runtime: &TenantRuntime, actor: &Actor) -> CaseworkResult<Settings> {
    actor.require_lead()?;
    let tx = runtime.read().await?;
    let settings = load(&tx).await?;
    tx.commit().await?;
    Ok(settings)
}

/// Changed by the organisation administrator only, with the version they saw.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn update(
    runtime: &TenantRuntime,
    actor: &Actor,
    expected_version: i32,
    change: SettingsChange,
) -> CaseworkResult<Settings> {
    actor.require_org_admin()?;
    let tx = runtime.begin().await?;
    let before = load(&tx).await?;
    if before.version != expected_version {
        return Err(CaseworkError::Stale {
            current: before.version,
        });
    }
    let settings = TenantSettings {
        caseload_caps_mode: change.caseload_caps_mode,
        publish_needs_second_admin: change
            .publish_needs_second_admin
            .unwrap_or(before.settings.publish_needs_second_admin),
        sharing: before.settings.sharing.clone(),
    };
    let value =
        serde_json::to_value(&settings).map_err(|e| CaseworkError::Variant(e.to_string()))?;
    let row = store::put(&tx, expected_version, value, actor.user).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            "tenant.settings",
            "tenant",
            runtime.tenant().id.0,
            &before.settings,
            &settings,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Settings {
        settings,
        version: row.version,
    })
}
