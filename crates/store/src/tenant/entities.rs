//! sea-orm entities of a tenant database. Every one carries `tenant_id`.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// A signal or request (сигнал, обращение): one row of the intake journal.
pub mod signal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "signals")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub received_at: DateTimeUtc,
        pub source: String,
        pub channel: String,
        /// Personal data: the requester's name, position, contact, relation to the child.
        pub requester: Json,
        /// Personal data: the family or child concerned.
        pub subject: Json,
        /// Personal data: parents' whereabouts and occupation.
        pub parents: Json,
        /// Personal data: free text.
        pub grounds: String,
        pub follow_up: String,
        pub taken_by: Uuid,
        pub triage: Option<Json>,
        /// The variant's intake form as filled in (personal data), where it names one.
        pub form: Option<Json>,
        pub risk_band: Option<String>,
        pub status: String,
        pub decision: Option<Json>,
        pub case_id: Option<Uuid>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// A case (случай): the work with one family or one child.
pub mod case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "cases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub signal_id: Option<Uuid>,
        /// Personal data: the family and its members.
        pub family: Json,
        pub variant_key: String,
        pub variant_version: i32,
        pub status: String,
        pub stage: String,
        pub stage_entered_at: DateTimeUtc,
        pub curator_id: Option<Uuid>,
        pub attributes: Json,
        pub opened_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
        pub post_support_until: Option<DateTimeUtc>,
        pub outcome: Option<Json>,
        pub parent_case_id: Option<Uuid>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// The earliest due instant of the case's open obligations (kept with them).
        pub next_due_at: Option<DateTimeUtc>,
        /// The case number people say and type, per organisation.
        pub number: Option<i64>,
    }
    no_relations!();
}

/// A step deadline or recurring obligation of a case that has fallen due or been met, as the
/// method engine computed it at the case's last change (see the migration
/// `m20261130_000300_case_obligation_results`).
pub mod case_obligation_result {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_obligation_results")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: Uuid,
        /// The engine's key: `deadline:STEP`, `recurring:KEY#N`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        /// deadline, recurring.
        pub kind: String,
        pub due_at: DateTimeUtc,
        /// When it was met; `None`: it fell due and was not met.
        pub met_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

/// An open obligation of a case, as the method engine last computed it (see the migration
/// `m20261129_000300_case_obligations`).
pub mod case_obligation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "case_obligations")]
    pub struct Model {
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: Uuid,
        /// The engine's key: `deadline:STEP`, `recurring:KEY#N`, `stage:STAGE#N`, `case_duration`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        /// deadline, recurring, stage_limit, case_duration.
        pub kind: String,
        /// The step, recurring obligation or stage it is about ("" for the case's duration).
        pub subject: String,
        pub from_at: DateTimeUtc,
        pub due_at: DateTimeUtc,
        /// When the reminder window of the variant opens before `due_at`.
        pub remind_at: DateTimeUtc,
        /// upcoming, due, overdue — as last advanced.
        pub status: String,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// A word of a family's names, lower-cased, for search by surname. Personal data.
pub mod case_search_term {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_search_terms")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub term: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: Uuid,
    }
    no_relations!();
}

/// The last case number given in the organisation.
pub mod case_number {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_numbers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        pub last: i64,
    }
    no_relations!();
}

/// Who works on a case besides its curator: specialists, the first-visit team.
pub mod case_member {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "case_members")]
    pub struct Model {
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        pub added_at: DateTimeUtc,
        /// When the person left the case (reassigned, removed); `None` while they are on it.
        pub ended_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

/// One entry of a case's record: a step performed, an event, a contact, a monitoring record, an
/// assessment, an attribute change. Never updated.
pub mod case_record {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "case_records")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub case_id: Uuid,
        pub kind: String,
        pub key: String,
        pub at: DateTimeUtc,
        /// May hold personal data (forms, notes).
        pub data: Json,
        pub actor_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

/// A revision of a case's plan (план), with the meeting that agreed it.
pub mod plan_revision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "plan_revisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub case_id: Uuid,
        pub number: i32,
        pub meeting_date: DateTimeUtc,
        pub participants: Json,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

/// An action of a plan: deadline, who is responsible, whose action it is, completion and result.
pub mod plan_action {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "plan_actions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub case_id: Uuid,
        pub revision_id: Uuid,
        pub title: String,
        pub deadline: DateTimeUtc,
        pub responsible: Json,
        pub owner: String,
        pub done_at: Option<DateTimeUtc>,
        pub result: Option<String>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// A creation already done under a client's idempotency key.
pub mod idempotency_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub operation: String,
        pub entity_id: Uuid,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

/// A published version of the tenant's method variant (вариант технологии). Never updated.
pub mod variant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "variants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub document: Json,
        pub published_at: DateTimeUtc,
        pub published_by: Option<Uuid>,
    }
    no_relations!();
}

/// The organisation's draft of its next variant version (черновик варианта): one per tenant;
/// `document` is `None` once the draft was published (the row stays, so its version keeps
/// counting).
pub mod variant_draft {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "variant_drafts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        /// `toml` or `json`: how the administrator wrote it.
        pub format: String,
        /// The text as saved, comments and all.
        pub source: String,
        /// The validated document as JSON; `None` when there is no current draft.
        pub document: Option<Json>,
        pub version: i32,
        pub updated_at: DateTimeUtc,
        pub updated_by: Option<Uuid>,
    }
    no_relations!();
}

/// A request to publish the organisation's draft, waiting for a second administrator (the
/// four-eyes rule, «принцип четырёх глаз»). One row per tenant, replaced by the next request; it
/// holds only for the draft version it names.
pub mod variant_publication_request {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "variant_publication_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        /// The draft version the requesting administrator approved.
        pub draft_version: i32,
        pub requested_by: Uuid,
        pub requested_at: DateTimeUtc,
    }
    no_relations!();
}

/// The organisation's settings, one row per tenant.
pub mod tenant_settings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "tenant_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        pub settings: Json,
        pub version: i32,
        pub updated_at: DateTimeUtc,
        pub updated_by: Option<Uuid>,
    }
    no_relations!();
}

/// A method role a person holds in the organisation (роль по технологии): one of the variant's
/// roles, assigned by the organisation's administrator.
pub mod staff_role {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "staff_roles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub role_key: String,
        pub granted_at: DateTimeUtc,
        pub granted_by: Option<Uuid>,
    }
    no_relations!();
}

/// One spend on a case (расход по случаю), in minor units (kopecks, tiyn). Never updated.
pub mod case_spending {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "case_spending")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub case_id: Uuid,
        pub amount_minor: i64,
        pub currency: String,
        /// A category of the case's method variant (material help, services, other).
        pub category: String,
        pub spent_on: Date,
        /// Personal data: free text.
        pub note: Option<String>,
        pub recorded_by: Uuid,
        /// The case record of the decision that approved a spend above the yearly limit.
        pub approval_record_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

/// One change of the organisation's production calendar (изменение производственного
/// календаря): a holiday or transferred working day added or removed, as the organisation's
/// calendar revision `revision`. Never updated or deleted.
pub mod calendar_change {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "calendar_changes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        /// The organisation's calendar revision this change made (1, 2, 3…).
        pub revision: i32,
        pub day: Date,
        /// `holiday` or `working_day`.
        pub kind: String,
        /// `add` or `remove`.
        pub action: String,
        pub name: String,
        pub changed_by: Uuid,
        pub changed_at: DateTimeUtc,
    }
    no_relations!();
}
