#![forbid(unsafe_code)]
//! runwarden: finds Google Cloud Run access mistakes in Terraform before deploy.

pub mod authz;
pub mod baseline;
pub mod check;
pub mod config;
pub mod eval;
pub mod fingerprint;
pub mod live;
pub mod load;
pub mod model;
pub mod plan;
pub mod provider;
pub mod report;
pub mod rules;
pub mod suppress;
pub mod syntax;
