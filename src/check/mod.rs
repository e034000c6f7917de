//! Stage 4: expectations and contract checks → [`CheckOutcome`](crate::results::CheckOutcome)s.
//! The checks arrive typed and compiled ([`crate::scenario::check`]); this stage evaluates them.
pub mod expect;
pub mod json;
pub mod ops;
pub use crate::scenario::jsonpath;
pub use expect::*;
pub use json::{brief, json_eq, json_subset, type_name};
pub use ops::{check_assert, check_body_path, check_path};
