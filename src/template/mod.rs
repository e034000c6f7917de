//! Variables, generators and captures → concrete strings and JSON values (minijinja).
mod engine;
pub use engine::*;
