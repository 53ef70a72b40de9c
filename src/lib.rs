#![forbid(unsafe_code)]
//! runwarden: finds Google Cloud Run access mistakes in Terraform before deploy.

/// The project's home: SARIF `informationUri`, rule `helpUri`s, docs links.
/// Cargo.toml's `homepage` is the one place that spells it.
pub const HOMEPAGE: &str = env!("CARGO_PKG_HOMEPAGE");

pub mod authz;
pub mod baseline;
pub mod check;
pub mod cli;
pub mod color;
pub mod config;
pub mod eval;
pub mod exclude;
pub mod fingerprint;
pub mod live;
pub mod load;
pub mod man;
pub mod markdown;
pub mod model;
pub mod output;
pub mod plan;
pub mod provider;
pub mod report;
pub mod rules;
pub mod suppress;
pub mod syntax;
pub mod why;
