//! Stage 2: `conform.yaml` → a resolved [`Environment`] (base URL, auth, capabilities, secrets).
pub mod load;
pub mod model;
pub mod schema;
pub mod secret;
pub use load::*;
pub use model::*;
pub use schema::{config_schema, CONFIG_SCHEMA_FILE};
pub use secret::{is_credential_header, is_secret_name, Secret};
