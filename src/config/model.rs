//! `conform.yaml` as data. Values that may be secret are [`ValueSource`]s: a literal only for
//! non-secret values, otherwise a reference to an environment variable or a file outside the repo.
use crate::source::{DurationValue, Spanned};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigDoc {
    /// The OpenAPI 3.1 document of the contract (relative to the config file).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub contract: Option<Spanned<String>>,
    /// Folder of request fixtures and schemas (default `fixtures`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub fixtures: Option<Spanned<String>>,
    /// How conform reads the contract (where error codes live).
    #[serde(default)]
    pub contract_options: Option<ContractOptionsDoc>,
    /// Environment used when `--env` is not given (default `local`).
    #[serde(default)]
    pub default_env: Option<String>,
    #[schemars(with = "IndexMap<String, EnvironmentDoc>")]
    pub environments: IndexMap<String, Spanned<EnvironmentDoc>>,
    /// Differences between environments that are expected, for `conform parity`
    /// (see `docs/parity.md`).
    #[serde(default)]
    #[schemars(with = "Option<ParityDoc>")]
    pub parity: Option<Spanned<ParityDoc>>,
}

/// The `parity:` section: what `conform parity` must not report as a difference.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParityDoc {
    /// Response and webhook headers not compared at all (case-insensitive).
    #[serde(default)]
    pub ignore_headers: Vec<String>,
    /// JSON pointers not compared in response bodies and webhook payloads; `*` stands for
    /// any one array index or property name (`/data/*/tracking_url`). A pointer covers
    /// everything below it.
    #[serde(default)]
    pub ignore_pointers: Vec<String>,
    /// Scenarios not compared: ids (`file::name`) containing one of these texts.
    #[serde(default)]
    pub ignore_scenarios: Vec<String>,
    /// Rate-limit scale of each environment (default 1): the `X-RateLimit-Limit` of
    /// environment A is expected to be `scale[A] / scale[B]` times that of B.
    #[serde(default)]
    pub rate_limit_scale: IndexMap<String, f64>,
    /// Relative tolerance on that ratio (default 0.1, i.e. 10 %).
    #[serde(default)]
    pub rate_limit_tolerance: Option<f64>,
    /// JSON pointer of the error code in error bodies (default `/error_code`).
    #[serde(default)]
    pub error_code_pointer: Option<String>,
    #[serde(default)]
    pub latency: Option<ParityLatencyDoc>,
}

/// When per-operation latencies count as different.
#[derive(Debug, Clone, Copy, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParityLatencyDoc {
    /// The slower side's median (p50) may be at most this many times the faster one's
    /// (default 3).
    #[serde(default)]
    pub max_ratio: Option<f64>,
    /// ... or closer than this (default 250ms): noise on fast operations.
    #[serde(default)]
    pub min_difference: Option<DurationValue>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractOptionsDoc {
    /// JSON pointer into the contract to the property schema of the error code, whose `enum`
    /// lists the codes coverage counts (default
    /// `#/components/schemas/Error/properties/error_code`; RFC 7807 problem bodies:
    /// `#/components/schemas/Problem/properties/type`).
    #[serde(default)]
    pub error_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentDoc {
    #[serde(default)]
    pub description: Option<String>,
    /// Base URL of the target; absent when `embedded_sandbox` is set.
    #[serde(default)]
    #[schemars(with = "Option<ValueSource>")]
    pub base_url: Option<Spanned<ValueSource>>,
    /// Start the reference sandbox inside the run on an ephemeral port and target it.
    #[serde(default)]
    #[schemars(with = "Option<EmbeddedSandboxDoc>")]
    pub embedded_sandbox: Option<Spanned<EmbeddedSandboxDoc>>,
    /// A production environment: destructive and sandbox-only scenarios are refused.
    #[serde(default)]
    pub production: bool,
    /// What the target offers: `sandbox_controls`, `webhooks`, ...
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Headers sent with every request: a value adds a header or replaces one of conform's
    /// defaults (`Accept: application/json`, a fresh `X-Request-ID`); `null` removes a default.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Option<ValueSource>>")]
    pub headers: IndexMap<String, Spanned<Option<ValueSource>>>,
    #[serde(default)]
    pub timeouts: TimeoutsDoc,
    #[serde(default)]
    #[schemars(with = "Option<AuthDoc>")]
    pub auth: Option<Spanned<AuthDoc>>,
    #[serde(default)]
    #[schemars(with = "Option<WebhooksDoc>")]
    pub webhooks: Option<Spanned<WebhooksDoc>>,
    /// Variables visible to every scenario (`{{ env.NAME }}` is also available). A variable
    /// whose value cannot be read (its environment variable is not set) is *unavailable*:
    /// scenarios that use it are skipped with the reason, the run goes on.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, ValueSource>")]
    pub vars: IndexMap<String, Spanned<ValueSource>>,
    /// Named test data of this environment (a declining customer, an out-of-stock product,
    /// ...): visible to scenarios like variables; a scenario that uses a name the
    /// environment does not give is skipped with the reason. See docs/environments.md.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, ValueSource>")]
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
    /// How the automatic contract check judges this environment's answers.
    #[serde(default)]
    pub contract: Option<ContractPolicyDoc>,
}

#[derive(Debug, Clone, Copy, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPolicyDoc {
    /// Properties the contract does not document: `warn` (default) or `fail`.
    #[serde(default)]
    pub unknown_properties: Option<UnknownProperties>,
}

/// What an undocumented property in a response or webhook payload is: a warning (the
/// contract is open to additive changes, §1) or, for a closed contract, a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnknownProperties {
    #[default]
    Warn,
    Fail,
}

#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
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
    /// Allowed variants to switch on (`conform sandbox --variant list`; `all` for every one).
    #[serde(default)]
    pub variants: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Default, JsonSchema)]
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

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PacingDoc {
    /// Requests per second, sustained.
    pub rps: u32,
    /// Requests allowed at once above the sustained rate (default: `rps`).
    #[serde(default)]
    pub burst: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaDoc {
    #[serde(default)]
    pub p95: Option<DurationValue>,
    #[serde(default)]
    pub p99: Option<DurationValue>,
}

/// How conform authenticates to the target. Filled in by the auth stage.
#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthDoc {
    #[serde(default)]
    #[schemars(with = "Option<OAuth2Doc>")]
    pub oauth2: Option<Spanned<OAuth2Doc>>,
    #[serde(default)]
    #[schemars(with = "Option<ApiKeyDoc>")]
    pub api_key: Option<Spanned<ApiKeyDoc>>,
    #[serde(default)]
    #[schemars(with = "Option<BearerDoc>")]
    pub bearer: Option<Spanned<BearerDoc>>,
    #[serde(default)]
    #[schemars(with = "Option<MtlsDoc>")]
    pub mtls: Option<Spanned<MtlsDoc>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Doc {
    /// Token endpoint: absolute, or relative to the base URL.
    #[schemars(with = "ValueSource")]
    pub token_url: Spanned<ValueSource>,
    /// `basic` (HTTP Basic, RFC 6749 §2.3.1) or `body` (form fields). Default `body`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
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
    #[schemars(with = "IndexMap<String, OAuth2ClientDoc>")]
    pub clients: IndexMap<String, Spanned<OAuth2ClientDoc>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuth2ClientDoc {
    #[schemars(with = "ValueSource")]
    pub client_id: Spanned<ValueSource>,
    #[schemars(with = "ValueSource")]
    pub client_secret: Spanned<ValueSource>,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyDoc {
    pub header: String,
    #[schemars(with = "ValueSource")]
    pub value: Spanned<ValueSource>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BearerDoc {
    #[schemars(with = "ValueSource")]
    pub token: Spanned<ValueSource>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MtlsDoc {
    /// PEM client certificate (chain); with `key`, conform presents a client certificate.
    #[serde(default)]
    #[schemars(with = "Option<ValueSource>")]
    pub cert: Option<Spanned<ValueSource>>,
    /// PEM private key.
    #[serde(default)]
    #[schemars(with = "Option<ValueSource>")]
    pub key: Option<Spanned<ValueSource>>,
    /// Extra PEM CA bundle to trust (private staging hosts).
    #[serde(default)]
    #[schemars(with = "Option<ValueSource>")]
    pub ca: Option<Spanned<ValueSource>>,
}

#[derive(Debug, Clone, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhooksDoc {
    /// Where the embedded receiver binds (default `127.0.0.1:0`).
    #[serde(default)]
    pub listen: Option<String>,
    /// URL the target must call, when it differs from the receiver's own (tunnel, CI host).
    #[serde(default)]
    #[schemars(with = "Option<ValueSource>")]
    pub public_url: Option<Spanned<ValueSource>>,
    /// `seed` (X-Webhook-Signature, sha256=hex; default) or `standard` (Standard Webhooks).
    #[serde(default)]
    pub scheme: Option<String>,
    /// Accepted clock skew of the delivery timestamp (default 300 s).
    #[serde(default)]
    pub tolerance: Option<DurationValue>,
    /// A URL registered out of band (partner portal) and its secret; then no subscription calls.
    #[serde(default)]
    #[schemars(with = "Option<ValueSource>")]
    pub secret: Option<Spanned<ValueSource>>,
    /// TLS for the receiver: PEM certificate and key.
    #[serde(default)]
    #[schemars(with = "Option<ValueSource>")]
    pub tls_cert: Option<Spanned<ValueSource>>,
    #[serde(default)]
    #[schemars(with = "Option<ValueSource>")]
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
