#![forbid(unsafe_code)]
//! conform: prove, repeatably, whether a live HTTP API honours its contract.
pub mod auth;
pub mod check;
pub mod cli;
pub mod config;
pub mod contract;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod source;
pub mod template;
pub mod webhook;
