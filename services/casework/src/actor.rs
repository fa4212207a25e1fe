//! Who is acting, and what their roles let them do. The permission matrix of `docs/permissions.md`
//! is written down here, once; every service function asks these questions before it touches data.

use crate::error::{CaseworkError, CaseworkResult};
use kurator_domain::{Role, UserId};

#[derive(Debug, Clone)]
pub struct Actor {
    pub user: UserId,
    /// The caller's roles in this tenant.
    pub roles: Vec<Role>,
    pub request_id: Option<String>,
    /// The API token the request came with (its id), when an integration is acting: it acts in
    /// the token's role on behalf of the administrator who made it, and never manages tokens.
    pub api_token: Option<uuid::Uuid>,
}

/// The scope of case data a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseScope {
    /// Supervisor, organisation administrator: every case of the tenant.
    Tenant,
    /// Curator, specialist: the cases they curate or are on.
    Own(UserId),
}

impl Actor {
    fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Supervisor or organisation administrator.
    pub fn is_lead(&self) -> bool {
        self.has(Role::Supervisor) || self.has(Role::OrgAdmin)
    }

    /// Which cases the caller may see; `FORBIDDEN` for roles that see no case data.
    pub fn case_scope(&self) -> CaseworkResult<CaseScope> {
        if self.is_lead() {
            Ok(CaseScope::Tenant)
        } else if self.has(Role::Curator) || self.has(Role::Specialist) {
            Ok(CaseScope::Own(self.user))
        } else {
            Err(CaseworkError::Forbidden)
        }
    }

    /// Registering signals and reading the intake journals: curators and leads.
    pub fn require_intake(&self) -> CaseworkResult<()> {
        if self.is_lead() || self.has(Role::Curator) {
            Ok(())
        } else {
            Err(CaseworkError::Forbidden)
        }
    }

    /// Assigning curators and the supervisor's board.
    pub fn require_lead(&self) -> CaseworkResult<()> {
        if self.is_lead() {
            Ok(())
        } else {
            Err(CaseworkError::Forbidden)
        }
    }

    /// Reading the organisation's method variant: everyone who works in it — administrators,
    /// supervisors, curators, specialists — and methodologists, since the variant holds no
    /// personal data.
    pub fn require_variant_reader(&self) -> CaseworkResult<()> {
        if self.is_lead()
            || self.has(Role::Curator)
            || self.has(Role::Specialist)
            || self.has(Role::Methodologist)
        {
            Ok(())
        } else {
            Err(CaseworkError::Forbidden)
        }
    }

    /// The organisation's own exact indicator figures: its administrators, supervisors and
    /// methodologists.
    pub fn require_own_figures(&self) -> CaseworkResult<()> {
        if self.is_lead() || self.has(Role::Methodologist) {
            Ok(())
        } else {
            Err(CaseworkError::Forbidden)
        }
    }

    /// The audit trail: organisation administrators only.
    pub fn require_org_admin(&self) -> CaseworkResult<()> {
        if self.has(Role::OrgAdmin) {
            Ok(())
        } else {
            Err(CaseworkError::Forbidden)
        }
    }

    /// Managing the organisation's API tokens: its administrators, signed in themselves — never
    /// an integration with a token.
    pub fn require_token_manager(&self) -> CaseworkResult<()> {
        self.require_org_admin()?;
        if self.api_token.is_some() {
            return Err(CaseworkError::Forbidden);
        }
        Ok(())
    }

    /// The roles this actor may give a token: an organisation administrator may give any of the
    /// organisation's roles (as they may grant them to a person); the platform role never.
    pub fn may_grant(&self, role: Role) -> bool {
        role != Role::PlatformAdmin && self.has(Role::OrgAdmin)
    }

    /// Closing and reopening: the case's curator or a lead (not a specialist on the case).
    pub fn may_close(&self, curator: Option<UserId>) -> bool {
        self.is_lead() || (self.has(Role::Curator) && curator == Some(self.user))
    }

    /// Recording spending on a case: its curator or a lead (not a specialist on the case, nor a
    /// curator who only took it in).
    pub fn may_record_spending(&self, curator: Option<UserId>) -> bool {
        self.is_lead() || (self.has(Role::Curator) && curator == Some(self.user))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            user: UserId::new(),
            roles: roles.to_vec(),
            request_id: None,
            api_token: None,
        }
    }

    #[test]
    fn methodologists_and_platform_admins_see_no_case_data() {
        assert!(actor(&[Role::Methodologist]).case_scope().is_err());
        assert!(actor(&[Role::PlatformAdmin]).case_scope().is_err());
        assert!(actor(&[]).case_scope().is_err());
    }

    #[test]
    fn curators_see_their_own_cases_and_leads_the_tenant() {
        let curator = actor(&[Role::Curator]);
        assert_eq!(curator.case_scope().unwrap(), CaseScope::Own(curator.user));
        assert_eq!(
            actor(&[Role::Supervisor]).case_scope().unwrap(),
            CaseScope::Tenant
        );
        assert_eq!(
            actor(&[Role::OrgAdmin]).case_scope().unwrap(),
            CaseScope::Tenant
        );
    }

    #[test]
    fn everyone_in_the_organisation_reads_its_variant_methodologists_included() {
        for role in [
            Role::OrgAdmin,
            Role::Supervisor,
            Role::Curator,
            Role::Specialist,
            Role::Methodologist,
        ] {
            assert!(actor(&[role]).require_variant_reader().is_ok(), "{role:?}");
        }
        assert!(
            actor(&[Role::PlatformAdmin])
                .require_variant_reader()
                .is_err()
        );
        assert!(actor(&[]).require_variant_reader().is_err());
    }

    #[test]
    fn spending_is_recorded_by_the_cases_curator_or_a_lead() {
        let curator = actor(&[Role::Curator]);
        assert!(curator.may_record_spending(Some(curator.user)));
        assert!(!curator.may_record_spending(Some(UserId::new())));
        assert!(!curator.may_record_spending(None));
        let specialist = actor(&[Role::Specialist]);
        assert!(!specialist.may_record_spending(Some(specialist.user)));
        assert!(actor(&[Role::Supervisor]).may_record_spending(None));
        assert!(actor(&[Role::OrgAdmin]).may_record_spending(Some(UserId::new())));
        assert!(!actor(&[Role::Methodologist]).may_record_spending(None));
    }

    #[test]
    fn tokens_are_managed_by_signed_in_administrators_only() {
        assert!(actor(&[Role::OrgAdmin]).require_token_manager().is_ok());
        assert!(actor(&[Role::Supervisor]).require_token_manager().is_err());
        let mut integration = actor(&[Role::OrgAdmin]);
        integration.api_token = Some(uuid::Uuid::new_v4());
        assert!(integration.require_token_manager().is_err());
        assert!(actor(&[Role::OrgAdmin]).may_grant(Role::OrgAdmin));
        assert!(!actor(&[Role::OrgAdmin]).may_grant(Role::PlatformAdmin));
        assert!(!actor(&[Role::Supervisor]).may_grant(Role::Curator));
    }

    #[test]
    fn only_org_admins_read_the_audit_trail() {
        assert!(actor(&[Role::OrgAdmin]).require_org_admin().is_ok());
        assert!(actor(&[Role::Supervisor]).require_org_admin().is_err());
        assert!(actor(&[Role::Curator]).require_org_admin().is_err());
    }
}
