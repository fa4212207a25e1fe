//! Case work (ведение случая): one runtime per tenant, each owning its own database handle, its
//! published method variants and its calendar; and everything a curator, a supervisor and an
//! organisation administrator do in the life of a case — intake, cases, steps and decisions,
//! plans, contacts and monitoring, deadlines, closure and after.
//!
//! Every function takes the tenant's runtime and the acting person; it checks the person's scope
//! first, runs in one tenant transaction, writes the audit trail, and writes nothing if it fails.

pub mod actor;
pub mod api_tokens;
pub mod attribute_events;
pub mod audit;
pub mod board;
pub mod calendar;
pub mod calendar_admin;
pub mod case_file;
pub mod cases;
pub mod closure;
pub mod deadlines;
pub mod error;
pub mod forms;
pub mod indicators;
pub mod intake;
pub mod members;
pub mod minutes;
pub mod next_actions;
pub mod notifications;
pub mod obligations;
pub mod organisations;
pub mod plans;
pub mod platform_trail;
pub mod publication;
pub mod published;
pub mod records;
pub mod registry;
pub mod request_end;
pub mod runtime;
pub mod schedules;
pub mod settings;
pub mod spending;
pub mod sso;
pub mod staff;
pub mod steps;
pub mod triage;
pub mod variant_drafts;
pub mod variant_migration;
pub mod variant_publication;
pub mod variant_templates;
pub mod variant_view;
pub mod worker;

pub use actor::Actor;
pub use error::{CaseworkError, CaseworkResult};
pub use registry::TenantRegistry;
pub use runtime::TenantRuntime;
