//! Stage 2: `conform.yaml` → a resolved [`Environment`] (base URL, auth, capabilities, secrets).
pub mod load;
pub mod model;
pub mod secret;
pub use load::*;
pub use model::*;
pub use secret::{is_credential_header, is_secret_name, Secret};
