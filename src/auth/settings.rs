//! `auth:` of an environment, resolved: every secret read into a [`Secret`], every default filled in.
use super::AuthError;
use crate::config::{AuthDoc, Secret, ValueSource};
use indexmap::IndexMap;
use serde_saphyr::Spanned;
use std::time::Duration;

/// Seed contract (§2, `token_refresh`): refresh 300 s before expiry, 3 retries, 5 s apart.
pub const DEFAULT_REFRESH_THRESHOLD: Duration = Duration::from_secs(300);
pub const DEFAULT_RETRY_ATTEMPTS: u32 = 3;
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(5);
/// Each token request attempt is abandoned after this long, so a hung token endpoint cannot
/// block every scenario waiting for a token (`auth.oauth2.timeout`).
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts at a token endpoint that does not answer at all (timeout, refused connection),
/// whatever `retry_attempts` says: a dead endpoint is not a busy one.
pub const MAX_SILENT_ATTEMPTS: u32 = 2;

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as form fields.
    Body,
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))`.
    Basic,
}

#[derive(Debug, Clone)]
pub struct OAuth2Settings {
    /// As configured: absolute, or relative to the environment's base URL.
    pub token_url: String,
    pub client_auth: ClientAuth,
    pub refresh_threshold: Duration,
    pub retry_attempts: u32,
    pub retry_delay: Duration,
    /// Per token request attempt (`auth.oauth2.timeout`, default 10 s).
    pub token_timeout: Duration,
    /// In declaration order; the first is the default when none is named `default`.
    pub clients: IndexMap<String, OAuth2Client>,
}

#[derive(Debug, Clone)]
pub struct OAuth2Client {
    pub client_id: String,
    pub client_secret: Secret,
    pub scope: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiKey {
    pub header: String,
    pub value: Secret,
}

#[derive(Debug, Clone)]
pub struct Mtls {
    /// Certificate chain and private key concatenated, as `reqwest::Identity::from_pem` wants,
    /// with where the certificate and the key came from (for error messages).
    pub identity: Option<(Secret, String, String)>,
    /// An extra CA bundle to trust (private staging hosts), with where it came from.
    pub ca: Option<(String, String)>,
}

/// The resolved `auth:` section of one environment.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    pub oauth2: Option<OAuth2Settings>,
    pub api_key: Option<ApiKey>,
    pub bearer: Option<Secret>,
    pub mtls: Option<Mtls>,
}

fn at<T>(s: &Spanned<T>) -> String {
    let l = &s.referenced;
    if l.line() == 0 {
        String::new()
    } else {
        format!(" (line {}, column {})", l.line(), l.column())
    }
}

fn config_err<T>(key: &str, node: &Spanned<T>, message: impl Into<String>) -> AuthError {
    AuthError::Config {
        key: key.to_string(),
        at: at(node),
        message: message.into(),
    }
}

/// Where a value comes from, in words (never the value itself).
fn origin(src: &ValueSource) -> String {
    match src {
        ValueSource::Literal(_) => "an inline value".to_string(),
        ValueSource::Env { name, .. } => format!("environment variable `{name}`"),
        ValueSource::File(path) => format!("file `{path}`"),
    }
}

type Lookup<'a> = &'a dyn Fn(&ValueSource) -> Result<String, String>;

fn read(key: &str, node: &Spanned<ValueSource>, lookup: Lookup) -> Result<String, AuthError> {
    lookup(&node.value).map_err(|e| {
        config_err(
            key,
            node,
            format!("failed to read {}: {e}", origin(&node.value)),
        )
    })
}

fn read_nonempty(
    key: &str,
    node: &Spanned<ValueSource>,
    lookup: Lookup,
) -> Result<String, AuthError> {
    let v = read(key, node, lookup)?;
    if v.trim().is_empty() {
        return Err(config_err(
            key,
            node,
            format!("{} is empty", origin(&node.value)),
        ));
    }
    Ok(v)
}

/// A PEM value: PEM text itself, or (when a literal or env var is not PEM) the path of a PEM file.
fn read_pem(
    key: &str,
    node: &Spanned<ValueSource>,
    lookup: Lookup,
) -> Result<(String, String), AuthError> {
    let v = read_nonempty(key, node, lookup)?;
    if v.contains("-----BEGIN") {
        return Ok((v, origin(&node.value)));
    }
    if let ValueSource::File(path) = &node.value {
        return Err(config_err(
            key,
            node,
            format!("file `{path}` is not PEM (no `-----BEGIN` line)"),
        ));
    }
    let path = v.trim().to_string();
    let file = ValueSource::File(path.clone());
    let pem = lookup(&file)
        .map_err(|e| config_err(key, node, format!("failed to read file `{path}`: {e}")))?;
    if !pem.contains("-----BEGIN") {
        return Err(config_err(
            key,
            node,
            format!("file `{path}` is not PEM (no `-----BEGIN` line)"),
        ));
    }
    Ok((pem, format!("file `{path}`")))
}

impl AuthSettings {
    /// Resolve from config; `lookup` reads a ValueSource (env var / file / literal) — given by
    /// the caller so tests and the embedded sandbox can inject values.
    pub fn resolve(
        doc: &AuthDoc,
        lookup: &dyn Fn(&ValueSource) -> Result<String, String>,
    ) -> Result<AuthSettings, AuthError> {
        let mut out = AuthSettings::default();
        if let Some(o) = &doc.oauth2 {
            let o2 = &o.value;
            let token_url = read_nonempty("auth.oauth2.token_url", &o2.token_url, lookup)?
                .trim()
                .to_string();
            let base = url::Url::parse("http://base.invalid/")
                .map_err(|e| config_err("auth.oauth2.token_url", &o2.token_url, e.to_string()))?;
            base.join(&token_url).map_err(|e| {
                config_err(
                    "auth.oauth2.token_url",
                    &o2.token_url,
                    format!("`{token_url}` is not a URL: {e}"),
                )
            })?;
            let client_auth = match &o2.client_auth {
                None => ClientAuth::Body,
                Some(s) => match s.value.trim() {
                    "body" => ClientAuth::Body,
                    "basic" => ClientAuth::Basic,
                    other => {
                        return Err(config_err(
                            "auth.oauth2.client_auth",
                            s,
                            format!("`{other}` is not `body` or `basic`"),
                        ));
                    }
                },
            };
            if o2.clients.is_empty() {
                return Err(config_err(
                    "auth.oauth2.clients",
                    o,
                    "at least one client is needed (usually `default`)",
                ));
            }
            let mut clients = IndexMap::new();
            for (name, c) in &o2.clients {
                let key = |k: &str| format!("auth.oauth2.clients.{name}.{k}");
                let client_id = read_nonempty(&key("client_id"), &c.value.client_id, lookup)?;
                let client_secret =
                    read_nonempty(&key("client_secret"), &c.value.client_secret, lookup)?;
                let scope = c
                    .value
                    .scope
                    .as_ref()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty());
                clients.insert(
                    name.clone(),
                    OAuth2Client {
                        client_id,
                        client_secret: Secret::new(client_secret),
                        scope,
                    },
                );
            }
            out.oauth2 = Some(OAuth2Settings {
                token_url,
                client_auth,
                refresh_threshold: o2
                    .refresh_threshold
                    .map_or(DEFAULT_REFRESH_THRESHOLD, |d| d.0),
                retry_attempts: o2.retry_attempts.unwrap_or(DEFAULT_RETRY_ATTEMPTS),
                retry_delay: o2.retry_delay.map_or(DEFAULT_RETRY_DELAY, |d| d.0),
                token_timeout: o2.timeout.map_or(DEFAULT_TOKEN_TIMEOUT, |d| d.0),
                clients,
            });
        }
        if let Some(b) = &doc.bearer {
            if let Some(o) = &doc.oauth2 {
                return Err(config_err(
                    "auth.bearer",
                    b,
                    format!(
                        "both `bearer` and `oauth2`{} set `Authorization`; configure one",
                        at(o)
                    ),
                ));
            }
            let token = read_nonempty("auth.bearer.token", &b.value.token, lookup)?;
            out.bearer = Some(Secret::new(token.trim()));
        }
        if let Some(k) = &doc.api_key {
            let header = k.value.header.trim();
            if header.is_empty()
                || reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err()
            {
                return Err(config_err(
                    "auth.api_key.header",
                    k,
                    format!("`{header}` is not a valid header name"),
                ));
            }
            let value = read_nonempty("auth.api_key.value", &k.value.value, lookup)?;
            out.api_key = Some(ApiKey {
                header: header.to_string(),
                value: Secret::new(value.trim()),
            });
        }
        if let Some(m) = &doc.mtls {
            let identity = match (&m.value.cert, &m.value.key) {
                (Some(c), Some(k)) => {
                    let (cert, cert_origin) = read_pem("auth.mtls.cert", c, lookup)?;
                    let (key, key_origin) = read_pem("auth.mtls.key", k, lookup)?;
                    let mut pem = cert;
                    if !pem.ends_with('\n') {
                        pem.push('\n');
                    }
                    pem.push_str(&key);
                    Some((Secret::new(pem), cert_origin, key_origin))
                }
                (None, None) => None,
                _ => {
                    return Err(config_err(
                        "auth.mtls",
                        m,
                        "`cert` and `key` go together (a client certificate needs both)",
                    ))
                }
            };
            let ca = match &m.value.ca {
                Some(ca) => Some(read_pem("auth.mtls.ca", ca, lookup)?),
                None => None,
            };
            if identity.is_none() && ca.is_none() {
                return Err(config_err(
                    "auth.mtls",
                    m,
                    "needs `cert` and `key`, or `ca`, or all three",
                ));
            }
            out.mtls = Some(Mtls { identity, ca });
        }
        Ok(out)
    }

    /// Apply mTLS identity / extra CA to the environment's HTTP client builder.
    pub fn configure_client(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, AuthError> {
        let Some(m) = &self.mtls else {
            return Ok(builder);
        };
        let mut builder = builder;
        if let Some((pem, cert_origin, key_origin)) = &m.identity {
            builder = builder.identity(client_identity(pem.expose(), cert_origin, key_origin)?);
        }
        if let Some((ca, origin)) = &m.ca {
            let certs = reqwest::Certificate::from_pem_bundle(ca.as_bytes()).map_err(|e| {
                AuthError::Tls {
                    what: "CA bundle",
                    origin: origin.clone(),
                    reason: error_chain(&e),
                }
            })?;
            if certs.is_empty() {
                return Err(AuthError::Tls {
                    what: "CA bundle",
                    origin: origin.clone(),
                    reason: "no certificate in it".into(),
                });
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        Ok(builder)
    }

    /// The name of the client `AuthSelector::Default` means: `default`, else the first declared.
    pub fn default_client(&self) -> Option<&str> {
        let o = self.oauth2.as_ref()?;
        if o.clients.contains_key("default") {
            Some("default")
        } else {
            o.clients.keys().next().map(String::as_str)
        }
    }

    /// Every secret value in the settings (client secrets, bearer token, API key).
    pub fn secrets(&self) -> Vec<Secret> {
        let mut v = Vec::new();
        if let Some(o) = &self.oauth2 {
            v.extend(o.clients.values().map(|c| c.client_secret.clone()));
        }
        v.extend(self.bearer.iter().cloned());
        v.extend(self.api_key.iter().map(|k| k.value.clone()));
        v
    }
}

/// An error and its causes on one line: `a: b: c`.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// A client identity from PEM, checked now (reqwest checks the key only when a client is
/// built), so the error can name the files.
fn client_identity(
    pem: &str,
    cert_origin: &str,
    key_origin: &str,
) -> Result<reqwest::Identity, AuthError> {
    if !pem.contains("CERTIFICATE-----") {
        return Err(AuthError::Tls {
            what: "client certificate",
            origin: cert_origin.to_string(),
            reason: "no `BEGIN CERTIFICATE` block".into(),
        });
    }
    if !pem.contains("PRIVATE KEY-----") {
        return Err(AuthError::Tls {
            what: "client key",
            origin: key_origin.to_string(),
            reason: "no `BEGIN ... PRIVATE KEY` block".into(),
        });
    }
    let both = format!("{cert_origin} and {key_origin}");
    let identity = reqwest::Identity::from_pem(pem.as_bytes()).map_err(|e| AuthError::Tls {
        what: "client identity",
        origin: both.clone(),
        reason: error_chain(&e),
    })?;
    reqwest::Client::builder()
        .identity(identity.clone())
        .build()
        .map_err(|e| AuthError::Tls {
            what: "client identity",
            origin: both,
            reason: error_chain(&e),
        })?;
    Ok(identity)
}
