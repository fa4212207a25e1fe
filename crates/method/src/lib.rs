//! Kurator's method engine: turns a method variant («вариант технологии») — a validated,
//! versioned document — into executable rules: stages and steps with their guards, deadlines on a
//! production calendar, recurring obligations, triage and scoring, caseload limits, decision
//! procedures, closure and reopening, and the mapping onto the shared vocabulary.
//!
//! The crate is pure: no IO, no async, no clock. Callers pass file contents, `now` and the
//! calendar in. Start from [`Variant`] (or [`presets::load`]), a [`calendar::Calendar`], and
//! [`obligations::evaluate`].

pub mod age;
pub mod calendar;
pub mod caseload;
pub mod cli;
pub mod decisions;
pub mod norms;
pub mod obligations;
pub mod presets;
pub mod problem;
pub mod schema;
pub mod scoring;
pub mod transitions;
pub mod validate;
pub mod variant;
pub mod versioning;
pub mod vocabulary;

pub use calendar::Calendar;
pub use problem::{Language, Problem};
pub use schema::{Span, Text, VariantDoc};
pub use validate::{ValidationError, ValidationErrors};
pub use variant::Variant;
