//! One [`AuthManager`] per environment, shared by every concurrent scenario: it caches OAuth2
//! tokens per client, refreshes them before they expire, and makes sure only one token request
//! per client is ever in flight.
use super::redact::Redactor;
use super::settings::{AuthSettings, OAuth2Settings, MAX_SILENT_ATTEMPTS};
use super::token::{request_token, AttemptError, IssuedToken};
use super::{AuthError, AuthSelector};
use crate::config::Secret;
use crate::results::AuthStats;
use base64::Engine;
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// `auth: expired` waits at most this long for a token to expire.
pub const MAX_EXPIRED_WAIT: Duration = Duration::from_secs(60);
/// Expired means expired: wait this much past `expires_in`, for clock granularity.
const EXPIRY_MARGIN: Duration = Duration::from_secs(1);
/// A `Retry-After` from the token endpoint is honoured up to this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct AuthManager {
    inner: Arc<Inner>,
}

struct Inner {
    env: String,
    settings: AuthSettings,
    http: reqwest::Client,
    /// The token URL joined onto the base URL, or why that failed.
    token_url: Result<url::Url, String>,
    clients: IndexMap<String, ClientSlot>,
    /// The one expired token, shared by every `auth: expired` request.
    expired: Mutex<Option<Secret>>,
    redactor: Redactor,
    /// Set once the token endpoint has not answered through the allowed attempts: every
    /// later fetch fails at once with this, so the rest of the run ends in seconds.
    down: StdMutex<Option<AuthError>>,
}

#[derive(Default)]
struct ClientSlot {
    /// Held during a fetch: this is what makes the token request single flight.
    cache: Mutex<Option<Cached>>,
    /// Bumped whenever a new token is cached, so concurrent 401 handlers refresh only once.
    generation: AtomicU64,
    fetched_once: AtomicBool,
    stats: StdMutex<AuthStats>,
}

struct Cached {
    token: Secret,
    issued_at: Instant,
    lifetime: Option<Duration>,
    refresh_at: Option<Instant>,
}

impl Cached {
    fn new(t: IssuedToken, threshold: Duration) -> Cached {
        let refresh_at = t
            .lifetime
            .map(|life| t.issued_at + refresh_after(life, threshold));
        Cached {
            token: t.token,
            issued_at: t.issued_at,
            lifetime: t.lifetime,
            refresh_at,
        }
    }
    fn fresh(&self, now: Instant) -> bool {
        self.refresh_at.is_none_or(|r| now < r)
    }
    fn expires_at(&self) -> Option<Instant> {
        self.lifetime.map(|l| self.issued_at + l)
    }
    fn unexpired(&self, now: Instant) -> bool {
        self.expires_at().is_none_or(|e| now < e)
    }
}

/// How long after issue a token is refreshed: `threshold` before expiry, or, for tokens that
/// live no longer than the threshold, when half the lifetime is left.
pub fn refresh_after(lifetime: Duration, threshold: Duration) -> Duration {
    if lifetime > threshold {
        lifetime - threshold
    } else {
        lifetime / 2
    }
}

impl std::fmt::Debug for AuthManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthManager")
            .field("env", &self.inner.env)
            .field("settings", &self.inner.settings)
            .finish()
    }
}

impl AuthManager {
    pub fn new(
        env_name: &str,
        settings: AuthSettings,
        http: reqwest::Client,
        base_url: &url::Url,
    ) -> AuthManager {
        let token_url = match &settings.oauth2 {
            Some(o) => base_url
                .join(&o.token_url)
                .map_err(|e| format!("token URL `{}` is not a URL: {e}", o.token_url)),
            None => Err("no OAuth2 configured".to_string()),
        };
        let clients = settings
            .oauth2
            .iter()
            .flat_map(|o| o.clients.keys())
            .map(|name| (name.clone(), ClientSlot::default()))
            .collect();
        let redactor = Redactor::new(settings.secrets());
        AuthManager {
            inner: Arc::new(Inner {
                env: env_name.to_string(),
                settings,
                http,
                token_url,
                clients,
                expired: Mutex::new(None),
                redactor,
                down: StdMutex::new(None),
            }),
        }
    }

    /// Headers to add for this selector (Authorization: Bearer …, API key header, or nothing for None).
    pub async fn headers_for(
        &self,
        sel: &AuthSelector,
    ) -> Result<Vec<(String, Secret)>, AuthError> {
        let s = &self.inner.settings;
        let mut out = Vec::new();
        let bearer = |t: &str| {
            (
                "Authorization".to_string(),
                Secret::new(format!("Bearer {t}")),
            )
        };
        let api_key = s
            .api_key
            .as_ref()
            .map(|k| (k.header.clone(), k.value.clone()));
        match sel {
            AuthSelector::None => {}
            AuthSelector::Default => {
                if let Some(client) = s.default_client() {
                    out.push(bearer(self.token(client).await?.expose()));
                } else if let Some(t) = &s.bearer {
                    out.push(bearer(t.expose()));
                }
                out.extend(api_key);
            }
            AuthSelector::Named(name) => {
                if s.oauth2.is_none() && name == "default" {
                    return Box::pin(self.headers_for(&AuthSelector::Default)).await;
                }
                let client = self.client_name(sel)?;
                out.push(bearer(self.token(client).await?.expose()));
                out.extend(api_key);
            }
            AuthSelector::Invalid => {
                if s.oauth2.is_none() && s.bearer.is_none() {
                    if let Some(k) = &s.api_key {
                        out.push((k.header.clone(), Secret::new(garbage_token())));
                        return Ok(out);
                    }
                }
                out.push(bearer(&garbage_token()));
                out.extend(api_key);
            }
            AuthSelector::Expired => {
                out.push(bearer(self.expired_token().await?.expose()));
                out.extend(api_key);
            }
        }
        Ok(out)
    }

    /// Called after an API 401 for a request made with `sel`: invalidate and refresh once (single
    /// flight), return true if a retry makes sense (OAuth2 only, never for None/Invalid/Expired).
    pub async fn on_unauthorized(&self, sel: &AuthSelector) -> Result<bool, AuthError> {
        let client = match sel {
            AuthSelector::Default if self.inner.settings.oauth2.is_some() => {
                self.client_name(sel)?
            }
            AuthSelector::Named(_) if self.inner.settings.oauth2.is_some() => {
                self.client_name(sel)?
            }
            _ => return Ok(false),
        };
        let slot = &self.inner.clients[client];
        let seen = slot.generation.load(Ordering::Acquire);
        let mut cache = slot.cache.lock().await;
        if slot.generation.load(Ordering::Acquire) == seen {
            // Nobody replaced the token while we waited: it is the one the API refused.
            *cache = None;
            let fresh = self.fetch(client, slot).await?;
            self.store(slot, &mut cache, fresh);
        }
        drop(cache);
        slot.stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retries_after_401 += 1;
        Ok(true)
    }

    /// Token requests, refreshes, 401-retries and failures; key: `<env>/<client>`.
    pub fn stats(&self) -> BTreeMap<String, AuthStats> {
        self.inner
            .clients
            .iter()
            .map(|(name, slot)| {
                (
                    format!("{}/{name}", self.inner.env),
                    slot.stats.lock().unwrap_or_else(|p| p.into_inner()).clone(),
                )
            })
            .collect()
    }

    /// Every secret value it knows (client secrets, tokens issued so far, api keys) — for redaction.
    pub fn known_secrets(&self) -> Vec<Secret> {
        let mut v = self.inner.settings.secrets();
        v.extend(self.inner.redactor.secrets());
        v.sort_by(|a, b| a.expose().cmp(b.expose()));
        v.dedup();
        v
    }

    /// A redactor that already knows every secret of this environment and learns each token
    /// the moment it is issued; clones share that knowledge.
    pub fn redactor(&self) -> Redactor {
        self.inner.redactor.clone()
    }

    fn client_name(&self, sel: &AuthSelector) -> Result<&str, AuthError> {
        let s = &self.inner.settings;
        let known = || {
            let names: Vec<_> = self
                .inner
                .clients
                .keys()
                .map(|k| format!("`{k}`"))
                .collect();
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        match sel {
            AuthSelector::Named(name) => self
                .inner
                .clients
                .get_key_value(name.as_str())
                .map(|(k, _)| k.as_str())
                .ok_or_else(|| AuthError::UnknownClient {
                    env: self.inner.env.clone(),
                    name: name.clone(),
                    known: known(),
                }),
            _ => s.default_client().ok_or_else(|| AuthError::Unsupported {
                env: self.inner.env.clone(),
                selector: sel.to_string(),
                reason: "no `auth.oauth2` client is configured".to_string(),
            }),
        }
    }

    fn oauth2(&self) -> &OAuth2Settings {
        // Only called for names from `self.inner.clients`, which exist only with OAuth2.
        self.inner
            .settings
            .oauth2
            .as_ref()
            .expect("oauth2 settings exist when a client does")
    }

    /// The cached token of `client`, fetched or refreshed first when needed. Concurrent callers
    /// queue on the client's lock, and find the cache filled when they get it.
    async fn token(&self, client: &str) -> Result<Secret, AuthError> {
        let slot = &self.inner.clients[client];
        let mut cache = slot.cache.lock().await;
        let now = Instant::now();
        if let Some(c) = cache.as_ref().filter(|c| c.fresh(now)) {
            return Ok(c.token.clone());
        }
        match self.fetch(client, slot).await {
            Ok(t) => {
                let token = t.token.clone();
                self.store(slot, &mut cache, t);
                Ok(token)
            }
            // A failed proactive refresh is no reason to stop while the old token still works.
            Err(e) => match cache.as_ref().filter(|c| c.unexpired(Instant::now())) {
                Some(c) => Ok(c.token.clone()),
                None => Err(e),
            },
        }
    }

    fn store(&self, slot: &ClientSlot, cache: &mut Option<Cached>, t: IssuedToken) {
        if slot.fetched_once.swap(true, Ordering::AcqRel) {
            slot.stats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .refreshes += 1;
        }
        *cache = Some(Cached::new(t, self.oauth2().refresh_threshold));
        slot.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Ask the token endpoint, retrying transient failures `retry_attempts` times with a
    /// doubling delay. Every attempt counts as a token request; every failed one as a failure.
    async fn fetch(&self, client: &str, slot: &ClientSlot) -> Result<IssuedToken, AuthError> {
        let o = self.oauth2();
        let url = self
            .inner
            .token_url
            .as_ref()
            .map_err(|e| AuthError::Config {
                key: "auth.oauth2.token_url".into(),
                at: String::new(),
                message: e.clone(),
            })?;
        if let Some(down) = self.down() {
            return Err(down);
        }
        let creds = &o.clients[client];
        let attempts = o.retry_attempts.saturating_add(1);
        let mut delay = o.retry_delay;
        let mut attempt = 0;
        loop {
            attempt += 1;
            slot.stats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .token_requests += 1;
            let err =
                match request_token(&self.inner.http, url, o.client_auth, creds, o.token_timeout)
                    .await
                {
                    Ok(t) => {
                        self.inner.redactor.add(t.token.clone());
                        return Ok(t);
                    }
                    Err(e) => e,
                };
            slot.stats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .token_failures += 1;
            match err {
                AttemptError::Fatal(e) => return Err(e),
                AttemptError::Transient {
                    silent: Some(cause),
                    ..
                } if attempt >= attempts.min(MAX_SILENT_ATTEMPTS) => {
                    let e = AuthError::TokenEndpointDown {
                        url: url.to_string(),
                        cause,
                        attempts: attempt,
                    };
                    *self.inner.down.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.clone());
                    return Err(e);
                }
                AttemptError::Transient {
                    reason,
                    retry_after,
                    ..
                } => {
                    if attempt >= attempts {
                        return Err(AuthError::TokenUnavailable {
                            url: url.to_string(),
                            attempts: attempt,
                            last: reason,
                        });
                    }
                    let wait = retry_after.map_or(delay, |r| r.min(MAX_RETRY_AFTER).max(delay));
                    tokio::time::sleep(wait).await;
                    delay = delay.saturating_mul(2);
                }
            }
        }
    }

    /// Why the token endpoint is no longer asked, once it has not answered.
    fn down(&self) -> Option<AuthError> {
        self.inner
            .down
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A real token of the default client whose lifetime has passed. The first caller waits
    /// for it (at most [`MAX_EXPIRED_WAIT`]); later callers get the same token at once.
    async fn expired_token(&self) -> Result<Secret, AuthError> {
        let sel = AuthSelector::Expired;
        let client = self.client_name(&sel)?;
        let mut expired = self.inner.expired.lock().await;
        if let Some(t) = expired.as_ref() {
            return Ok(t.clone());
        }
        let slot = &self.inner.clients[client];
        // The cached token will do if it expires soon enough; else ask for a new one.
        let cached = {
            let cache = slot.cache.lock().await;
            cache.as_ref().and_then(|c| {
                let end = c.expires_at()? + EXPIRY_MARGIN;
                (end.saturating_duration_since(Instant::now()) <= MAX_EXPIRED_WAIT)
                    .then(|| (c.token.clone(), end))
            })
        };
        let (token, end) = match cached {
            Some(c) => c,
            None => {
                let t = self.fetch(client, slot).await?;
                let Some(lifetime) = t.lifetime else {
                    return Err(AuthError::Unsupported {
                        env: self.inner.env.clone(),
                        selector: sel.to_string(),
                        reason: format!("the token endpoint gave client `{client}` no `expires_in`, so conform cannot know when its token expires"),
                    });
                };
                let end = t.issued_at + lifetime + EXPIRY_MARGIN;
                let wait = end.saturating_duration_since(Instant::now());
                if wait > MAX_EXPIRED_WAIT {
                    return Err(AuthError::ExpiredTooLong {
                        client: client.to_string(),
                        lifetime,
                        wait,
                        max_wait: MAX_EXPIRED_WAIT,
                    });
                }
                (t.token, end)
            }
        };
        tokio::time::sleep_until(end.into()).await;
        *expired = Some(token.clone());
        Ok(token)
    }

    /// Make every cached token look `by` older (tests of expiry without sleeping).
    #[cfg(test)]
    pub(crate) async fn age_tokens(&self, by: Duration) {
        for slot in self.inner.clients.values() {
            if let Some(c) = slot.cache.lock().await.as_mut() {
                c.issued_at = c.issued_at.checked_sub(by).expect("instant in range");
                c.refresh_at = c
                    .refresh_at
                    .map(|r| r.checked_sub(by).expect("instant in range"));
            }
        }
    }
}

/// 32 random bytes, base64url: shaped like a token, known to no server.
fn garbage_token() -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
