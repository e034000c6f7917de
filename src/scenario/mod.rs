//! Stage 1: YAML scenario files → validated [`Scenario`]s with source positions.
//!
//! [`load_and_validate`] finds, parses and validates files and returns every problem as a
//! [`Diagnostic`]; [`render_diagnostics`] prints them like a compiler.
pub mod action;
pub mod check;
pub mod expectation;
pub mod jsonpath;
pub mod load;
pub mod model;
pub mod safety;
pub mod schema;
pub mod validate;

pub use crate::source::{has_errors, render_diagnostics, Diagnostic, Severity};
pub use action::{Action, Sending};
pub use check::{typed_check, CheckMode, Op, TypedCheck};
pub use expectation::{typed_expect, ExpectCheck, TypedExpect};
pub use load::{discover, parse_file, scenario_id, LoadError, LoadedFile};
pub use model::*;
pub use schema::{scenario_schema, SCENARIO_SCHEMA_FILE};
pub use validate::{load_and_validate, validate_doc, ValidationContext};
