//! `conform.yaml` as data. Values that may be secret are [`ValueSource`]s: a literal only for
//! non-secret values, otherwise a reference to an environment variable or a file outside the repo.
use crate::source::{DurationValue, Spanned};
use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigDoc {
    /// The OpenAPI 3.1 document of the contract (relative to the config file).
    #[serde(default)]
    pub contract: Option<Spanned<String>>,
    /// Folder of request fixtures and schemas (default `fixtures`).
    #[serde(default)]
    pub fixtures: Option<Spanned<String>>,
    /// Environment used when `--env` is not given (default `local`).
    #[serde(default)]
    pub default_env: Option<String>,
    pub environments: IndexMap<String, Spanned<EnvironmentDoc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentDoc {
    #[serde(default)]
    pub description: Option<String>,
    /// Base URL of the target; absent when `embedded_sandbox` is set.
    #[serde(default)]
    pub base_url: Option<Spanned<ValueSource>>,
    /// Start the reference sandbox inside the run on an ephemeral port and target it.
    #[serde(default)]
    pub embedded_sandbox: Option<Spanned<EmbeddedSandboxDoc>>,
    /// A production environment: destructive and sandbox-only scenarios are refused.
    #[serde(default)]
    pub production: bool,
    /// What the target offers: `sandbox_controls`, `webhooks`, ...
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Headers sent with every request.
    #[serde(default)]
    pub headers: IndexMap<String, Spanned<ValueSource>>,
    #[serde(default)]
    pub timeouts: TimeoutsDoc,
    #[serde(default)]
    pub auth: Option<Spanned<AuthDoc>>,
    #[serde(default)]
    pub webhooks: Option<Spanned<WebhooksDoc>>,
    /// Variables visible to every scenario (`{{ env.NAME }}` is also available). A variable
    /// whose value cannot be read (its environment variable is not set) is *unavailable*:
    /// scenarios that use it are skipped with the reason, the run goes on.
    #[serde(default)]
    pub vars: IndexMap<String, Spanned<ValueSource>>,
    /// Named test data of this environment (a declining customer, an out-of-stock product,
    /// ...): visible to scenarios like variables; a scenario that uses a name the
    /// environment does not give is skipped with the reason. See docs/environments.md.
    #[serde(default)]
    pub test_data: IndexMap<String, Spanned<ValueSource>>,
    #[serde(default)]
    pub sla: Option<SlaDoc>,
    /// Cap on response bodies kept in memory and reports (default 1 MiB).
    #[serde(default)]
    pub max_body_bytes: Option<u64>,
    /// Client-side rate limiting across all concurrent scenarios (the seed's "implement
    /// client-side rate limiting"); scenarios with `pacing: false` are exempt.
    #[serde(default)]
    pub pacing: Option<PacingDoc>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedSandboxDoc {
    #[serde(default)]
    pub token_ttl: Option<DurationValue>,
    #[serde(default)]
    pub rate_scale: Option<f64>,
    #[serde(default)]
    pub orders_limit: Option<u32>,
    #[serde(default)]
    pub webhook_retry_scale: Option<f64>,
    #[serde(default)]
    pub delivery_timeout: Option<DurationValue>,
    /// Delay added by the `latency` fault.
    #[serde(default)]
    pub latency: Option<DurationValue>,
    /// Deliberate contract violations to switch on (`conform sandbox --fault list`).
    #[serde(default)]
    pub faults: Vec<String>,
    /// `false`: no sandbox controls (`/sandbox/v1` is 404), as on a staging system.
    #[serde(default)]
    pub controls: Option<bool>,
    /// `single`: only the default (read/write) client exists, as on a staging system that
    /// configures one client for conform; default `seeded` (also the read-only client).
    #[serde(default)]
    pub clients: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsDoc {
    /// Per request attempt (default 30 s).
    #[serde(default)]
    pub request: Option<DurationValue>,
    /// TCP/TLS connect (default 10 s).
    #[serde(default)]
    pub connect: Option<DurationValue>,
    /// Whole scenario (default 120 s).
    #[serde(default)]
    pub scenario: Option<DurationValue>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacingDoc {
    /// Requests per second, sustained.
    pub rps: u32,
    /// Requests allowed at once above the sustained rate (default: `rps`).
    #[serde(default)]
    pub burst: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaDoc {
    #[serde(default)]
    pub p95: Option<DurationValue>,
    #[serde(default)]
    pub p99: Option<DurationValue>,
}

/// How conform authenticates to the target. Filled in by the auth stage.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuthDoc {
    #[serde(default)]
    pub oauth2: Option<Spanned<OAuth2Doc>>,
    #[serde(default)]
    pub api_key: Option<Spanned<ApiKeyDoc>>,
    #[serde(default)]
    pub bearer: Option<Spanned<BearerDoc>>,
    #[serde(default)]
    pub mtls: Option<Spanned<MtlsDoc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Doc {
    /// Token endpoint: absolute, or relative to the base URL.
    pub token_url: Spanned<ValueSource>,
    /// `basic` (HTTP Basic, RFC 6749 §2.3.1) or `body` (form fields). Default `body`.
    #[serde(default)]
    pub client_auth: Option<Spanned<String>>,
    /// Refresh this long before expiry (default 300 s).
    #[serde(default)]
    pub refresh_threshold: Option<DurationValue>,
    /// Retries of a failing token request (default 3).
    #[serde(default)]
    pub retry_attempts: Option<u32>,
    /// Delay before the first retry, doubled each time (default 5 s).
    #[serde(default)]
    pub retry_delay: Option<DurationValue>,
    /// Each token request is abandoned after this long (default 10 s).
    #[serde(default)]
    pub timeout: Option<DurationValue>,
    /// Named clients; `default` is used when a step names none.
    pub clients: IndexMap<String, Spanned<OAuth2ClientDoc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2ClientDoc {
    pub client_id: Spanned<ValueSource>,
    pub client_secret: Spanned<ValueSource>,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyDoc {
    pub header: String,
    pub value: Spanned<ValueSource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BearerDoc {
    pub token: Spanned<ValueSource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MtlsDoc {
    /// PEM client certificate (chain); with `key`, conform presents a client certificate.
    #[serde(default)]
    pub cert: Option<Spanned<ValueSource>>,
    /// PEM private key.
    #[serde(default)]
    pub key: Option<Spanned<ValueSource>>,
    /// Extra PEM CA bundle to trust (private staging hosts).
    #[serde(default)]
    pub ca: Option<Spanned<ValueSource>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WebhooksDoc {
    /// Where the embedded receiver binds (default `127.0.0.1:0`).
    #[serde(default)]
    pub listen: Option<String>,
    /// URL the target must call, when it differs from the receiver's own (tunnel, CI host).
    #[serde(default)]
    pub public_url: Option<Spanned<ValueSource>>,
    /// `seed` (X-Webhook-Signature, sha256=hex; default) or `standard` (Standard Webhooks).
    #[serde(default)]
    pub scheme: Option<String>,
    /// Accepted clock skew of the delivery timestamp (default 300 s).
    #[serde(default)]
    pub tolerance: Option<DurationValue>,
    /// A URL registered out of band (partner portal) and its secret; then no subscription calls.
    #[serde(default)]
    pub secret: Option<Spanned<ValueSource>>,
    /// TLS for the receiver: PEM certificate and key.
    #[serde(default)]
    pub tls_cert: Option<Spanned<ValueSource>>,
    #[serde(default)]
    pub tls_key: Option<Spanned<ValueSource>>,
}

/// A configuration value: a literal (`"https://x"`), `{env: NAME}` (optionally with
/// `default:` for non-secrets) or `{file: PATH}` (read at start, trailing newline trimmed).
///
/// Which values are secret (redacted from every output): see [`ValueSource::secret_marker`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    Literal(String),
    Env {
        name: String,
        default: Option<String>,
        /// `secret: true|false` as written; `None` when not said.
        secret: Option<bool>,
    },
    File(String),
}

impl ValueSource {
    /// What the config says about the value's secrecy: `secret: true|false` on an `env:`
    /// value, always secret for a `file:` value (files outside the repository are where
    /// secrets live), nothing for the rest (then the name of the header or variable decides).
    pub fn secret_marker(&self) -> Option<bool> {
        match self {
            ValueSource::Literal(_) => None,
            ValueSource::File(_) => Some(true),
            ValueSource::Env { secret, .. } => *secret,
        }
    }
}

impl<'de> Deserialize<'de> for ValueSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ValueSource;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, `{env: NAME}` or `{file: PATH}`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ValueSource::Literal(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ValueSource::Literal(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ValueSource::Literal(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ValueSource::Literal(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut env = None;
                let mut file = None;
                let mut default = None;
                let mut secret = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "env" => env = Some(map.next_value::<String>()?),
                        "file" => file = Some(map.next_value::<String>()?),
                        "default" => default = Some(map.next_value::<String>()?),
                        "secret" => secret = Some(map.next_value::<bool>()?),
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["env", "file", "default", "secret"],
                            ))
                        }
                    }
                }
                match (env, file) {
                    (Some(name), None) => Ok(ValueSource::Env {
                        name,
                        default,
                        secret,
                    }),
                    (None, Some(_)) if secret == Some(false) => Err(de::Error::custom(
                        "a `file:` value is always secret; `secret: false` is only for `env:`",
                    )),
                    (None, Some(path)) if default.is_none() => Ok(ValueSource::File(path)),
                    (None, None) => Err(de::Error::custom("expected `env: NAME` or `file: PATH`")),
                    _ => Err(de::Error::custom(
                        "use either `env` (with an optional `default`) or `file`",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}
