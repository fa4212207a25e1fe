//! Reading the organisation's method variant («вариант технологии») as published: the current
//! version new cases start under, or an older one a case is pinned to. The variant holds rules,
//! not people, so everyone who works in the organisation may read it, methodologists included.

use crate::actor::Actor;
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use kurator_method::Variant;
use std::sync::Arc;

/// A published version of the tenant's variant, and the version numbers it has published.
#[derive(Debug, Clone)]
pub struct PublishedVariant {
    pub variant: Arc<Variant>,
    /// Every published version number, oldest first.
    pub published_versions: Vec<u32>,
}

/// The published variant: `version`, or the current one when it is `None`. A version the tenant
/// has not published is not found.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, version = ?version))]
pub fn published(
    runtime: &TenantRuntime,
    actor: &Actor,
    version: Option<i32>,
) -> CaseworkResult<PublishedVariant> {
    actor.require_variant_reader()?;
    let variant = match version {
        None => runtime.current_variant()?.clone(),
        Some(v) => runtime
            .variant(v)
            .map_err(|_| CaseworkError::NotFound)?
            .clone(),
    };
    Ok(PublishedVariant {
        variant,
        published_versions: runtime.published_versions(),
    })
}
