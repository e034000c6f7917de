//! Stage 4: expectations and contract checks → [`CheckOutcome`](crate::run::CheckOutcome)s.
pub mod expect;
pub use expect::*;
