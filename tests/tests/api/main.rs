//! Black-box tests of Kurator over HTTP and GraphQL. One test binary; each module is one area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account;
mod administration;
mod api_tokens;
mod audit;
mod audit_outbox;
mod calendars;
mod callers;
mod caseload;
mod conflicts;
mod demo_year;
mod edge;
mod errors;
mod fifth_organisation;
mod hostile;
mod indicators;
mod isolation;
mod listing;
mod method_rules;
mod migrations;
mod notifications;
mod obligations_kept;
mod oidc;
mod organisations;
mod permissions;
mod platform;
mod rls;
mod scale;
mod scenarios;
mod spending;
mod variant;
mod variant_admin;
mod variant_publication;
mod variant_templates;
mod web;
mod web_admin;
