//! Black-box tests of Kurator over HTTP and GraphQL. One test binary; each module is one area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account;
mod caseload;
mod hostile;
mod listing;
mod platform;
mod rls;
mod scenarios;
