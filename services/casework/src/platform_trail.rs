//! The platform's own audit trail (журнал действий платформы) as its administrators read it:
//! every change made on the platform as a whole — methodologists of the platform appointed and
//! relieved, organisations created, suspended and resumed — newest first, a page at a time, with
//! who made it and the values before and after. Written with each change (see
//! [`crate::audit::record_platform`]); reading it is not audited, as it holds no personal data
//! beyond people's ids and logins.

use crate::error::CaseworkResult;
use crate::organisations::PlatformActor;
use kurator_store::control::platform_audit::{self, MAX_PAGE, PlatformAuditEntry};
use kurator_store::control::repo;
use sea_orm::DatabaseConnection;

/// The page size when none is asked for.
pub const DEFAULT_PAGE: u64 = 50;

/// One change on the platform, with the login of who made it (when the account still exists).
#[derive(Debug, Clone)]
pub struct TrailEntry {
    pub entry: PlatformAuditEntry,
    pub actor_login: Option<String>,
}

/// A page of the trail, newest first.
#[derive(Debug, Clone)]
pub struct TrailPage {
    pub entries: Vec<TrailEntry>,
    /// Whether older entries follow.
    pub has_next: bool,
}

impl TrailPage {
    /// Where the next page continues: give it back as `after`. Opaque to clients.
    pub fn end_cursor(&self) -> Option<String> {
        self.entries.last().map(|e| e.entry.id.to_string())
    }
}

fn page_size(first: Option<i64>) -> CaseworkResult<u64> {
    crate::cases::page_size_up_to(first, DEFAULT_PAGE, MAX_PAGE)
}

/// A page of the platform's trail, newest first, behind `after` — the `end_cursor` of the page
/// before (platform administrators only). A cursor that is malformed or names no entry of the
/// trail is refused as `unknown_cursor`; a page size outside 1 to [`MAX_PAGE`] as
/// `page_size_out_of_range`.
#[tracing::instrument(skip_all)]
pub async fn platform_audit_trail(
    control: &DatabaseConnection,
    actor: &PlatformActor,
    first: Option<i64>,
    after: Option<&str>,
) -> CaseworkResult<TrailPage> {
    actor.require_platform_admin()?;
    let size = page_size(first)?;
    let before = match crate::notifications::parse_cursor(after)? {
        Some(id) => Some(
            platform_audit::position_of(control, id)
                .await?
                .ok_or_else(crate::cases::unknown_cursor)?,
        ),
        None => None,
    };
    let page = platform_audit::page(control, before, size).await?;
    let mut actors: Vec<_> = page.entries.iter().filter_map(|e| e.actor).collect();
    actors.sort();
    actors.dedup();
    let logins = repo::logins_of(control, &actors).await?;
    Ok(TrailPage {
        entries: page
            .entries
            .into_iter()
            .map(|entry| TrailEntry {
                actor_login: entry.actor.and_then(|a| logins.get(&a).cloned()),
                entry,
            })
            .collect(),
        has_next: page.has_next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CaseworkError;

    #[test]
    fn a_page_holds_one_to_the_most_entries() {
        assert_eq!(page_size(None).ok(), Some(DEFAULT_PAGE));
        assert_eq!(page_size(Some(1)).ok(), Some(1));
        assert_eq!(page_size(Some(MAX_PAGE as i64)).ok(), Some(MAX_PAGE));
        for refused in [0, -1, MAX_PAGE as i64 + 1] {
            assert!(matches!(
                page_size(Some(refused)),
                Err(CaseworkError::Rejected(problems)) if problems[0].code == "page_size_out_of_range"
            ));
        }
    }
}
