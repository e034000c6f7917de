//! Stage 4: expectations and contract checks → [`CheckOutcome`](crate::results::CheckOutcome)s.
pub mod expect;
pub mod jsonpath;
pub use expect::*;
