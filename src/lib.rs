#![forbid(unsafe_code)]
//! runwarden: finds Google Cloud Run access mistakes in Terraform before deploy.

pub mod syntax;
pub mod eval;
pub mod load;
pub mod model;
pub mod rules;
pub mod check;
pub mod config;
pub mod suppress;
pub mod report;
