//! Plain HTTP endpoints beside GraphQL.

pub mod health;
