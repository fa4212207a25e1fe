//! Optimistic concurrency: every update names the version the client saw. A stale version is
//! refused with the current one; nothing is merged.

use crate::StoreError;

/// What a version check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionCheck {
    Current,
    Stale { current: i32 },
}

pub fn check(expected: i32, current: i32) -> VersionCheck {
    if expected == current {
        VersionCheck::Current
    } else {
        VersionCheck::Stale { current }
    }
}

/// The error for a stale write, carrying the current version.
pub fn stale(current: i32) -> StoreError {
    StoreError::Stale { current }
}
