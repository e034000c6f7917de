//! Stage 2: `conform.yaml` → a resolved [`Environment`] (base URL, auth, capabilities, secrets).
pub mod model;
pub mod secret;
pub use model::*;
pub use secret::Secret;
