//! Roles a user holds in an organisation (роль). A user's membership in a tenant carries one role;
//! `platform_admin` is the operator of the whole platform and belongs to no tenant.

use crate::InvalidInput;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Оператор платформы: manages tenants, sees no case data.
    PlatformAdmin,
    /// Администратор организации: users and settings of one tenant, sees all its cases.
    OrgAdmin,
    /// Руководитель / супервизор: the whole tenant's cases, assigns curators.
    Supervisor,
    /// Куратор случая: the cases they curate.
    Curator,
    /// Специалист (психолог, юрист…): the cases they are on.
    Specialist,
    /// Методист: anonymised aggregates only, never case data.
    Methodologist,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::PlatformAdmin,
        Role::OrgAdmin,
        Role::Supervisor,
        Role::Curator,
        Role::Specialist,
        Role::Methodologist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::OrgAdmin => "org_admin",
            Role::Supervisor => "supervisor",
            Role::Curator => "curator",
            Role::Specialist => "specialist",
            Role::Methodologist => "methodologist",
        }
    }

    /// The role's name as the Russian-speaking user sees it.
    pub fn label_ru(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "Администратор платформы",
            Role::OrgAdmin => "Администратор организации",
            Role::Supervisor => "Руководитель",
            Role::Curator => "Куратор случая",
            Role::Specialist => "Специалист",
            Role::Methodologist => "Методист",
        }
    }

    pub fn parse(value: &str) -> Result<Self, InvalidInput> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value)
            .ok_or_else(|| InvalidInput::new("role", format!("unknown role \"{value}\"")))
    }

    /// Whether holding this role lets a person read case records of the tenant at all.
    pub fn sees_case_data(self) -> bool {
        !matches!(self, Role::PlatformAdmin | Role::Methodologist)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
    }

    #[test]
    fn unknown_role_is_rejected_with_its_name() {
        let err = Role::parse("janitor").unwrap_err();
        assert_eq!(err.field, "role");
        assert!(err.message.contains("janitor"));
    }

    #[test]
    fn methodologist_sees_no_case_data() {
        assert!(!Role::Methodologist.sees_case_data());
        assert!(Role::Curator.sees_case_data());
    }
}
