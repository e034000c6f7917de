#![forbid(unsafe_code)]
//! conform: prove, repeatably, whether a live HTTP API honours its contract.
pub mod scenario;
pub mod config;
pub mod run;
pub mod check;
pub mod report;
pub mod webhook;
pub mod template;
