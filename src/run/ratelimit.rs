//! Rate-limit awareness: every response's `X-RateLimit-Limit` / `X-RateLimit-Remaining` is
//! read per credentials and rule, and a request that would find its bucket empty is held
//! until the bucket has refilled by one, instead of running into a 429.
//!
//! A rule is the endpoint group the contract defines: the operation's `x-rate-limit-rule`,
//! else the document's `x-rate-limit-default-rule`, else the operation itself. The bucket is
//! taken to refill at `Limit` requests a minute (the token bucket of the Orders API §5, and
//! what a fixed window averages to); where the estimate is early, the target's 429 and its
//! `Retry-After` are still honoured by the caller.
use crate::contract::Contract;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The bucket a request draws from: who sends it, and under which rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BucketKey {
    /// The credentials (`default`, a named client, ...).
    pub credentials: String,
    pub rule: String,
}

impl std::fmt::Display for BucketKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule `{}` of client `{}`", self.rule, self.credentials)
    }
}

/// What conform knows of one bucket of the target.
#[derive(Debug, Clone)]
struct Bucket {
    /// Requests a minute.
    limit: u32,
    /// Estimated requests left at `at`.
    tokens: f64,
    at: Instant,
    /// The most `Remaining` ever seen (the burst), so the estimate never overfills.
    capacity: f64,
    /// Requests sent under this bucket whose response has not come back.
    in_flight: u32,
}

impl Bucket {
    fn rate_per_sec(&self) -> f64 {
        f64::from(self.limit.max(1)) / 60.0
    }

    fn refill(&mut self, now: Instant) {
        let gained = now.duration_since(self.at).as_secs_f64() * self.rate_per_sec();
        self.tokens = (self.tokens + gained).min(self.capacity);
        self.at = now;
    }
}

/// A hold before a request, for the console.
#[derive(Debug, Clone)]
pub struct Hold {
    pub key: BucketKey,
    pub limit: u32,
    pub wait: Duration,
}

/// Told of every hold (the console shows that the run waits for the target's limits).
pub type HoldObserver = Arc<dyn Fn(&Hold) + Send + Sync>;

/// The buckets of the whole run, shared by every concurrent scenario.
#[derive(Default)]
pub struct RateLimits {
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
    /// Rule of each `METHOD template` seen, so the document is read once per operation.
    rules: Mutex<HashMap<(String, String), String>>,
    observer: Option<HoldObserver>,
}

/// Parsed `X-RateLimit-*` headers of one response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub limit: u32,
    pub remaining: u32,
}

impl Reading {
    /// The reading of a response's headers, if it carries both.
    pub fn of(headers: &[(String, String)]) -> Option<Reading> {
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.trim().parse::<u32>().ok())
        };
        Some(Reading {
            limit: get("X-RateLimit-Limit")?,
            remaining: get("X-RateLimit-Remaining")?,
        })
    }
}

impl RateLimits {
    pub fn new(observer: Option<HoldObserver>) -> RateLimits {
        RateLimits {
            observer,
            ..RateLimits::default()
        }
    }

    /// The rule of a request to `path` (below the base URL) per the contract.
    pub fn rule(&self, contract: Option<&Contract>, method: &str, path: &str) -> String {
        let Some(contract) = contract else {
            return "all".to_string();
        };
        let Some(op) = contract.operation(method, path) else {
            return "unmatched".to_string();
        };
        let cache_key = (op.method.clone(), op.template.clone());
        if let Some(r) = self
            .rules
            .lock()
            .ok()
            .and_then(|m| m.get(&cache_key).cloned())
        {
            return r;
        }
        let doc = contract.document();
        let text = |v: Option<&serde_json::Value>| v.and_then(|r| r.as_str()).map(str::to_string);
        let rule = text(
            doc.get("paths")
                .and_then(|p| p.get(&op.template))
                .and_then(|p| p.get(op.method.to_lowercase()))
                .and_then(|o| o.get("x-rate-limit-rule")),
        )
        .or_else(|| text(doc.get("x-rate-limit-default-rule")))
        .unwrap_or_else(|| op.id.clone());
        if let Ok(mut m) = self.rules.lock() {
            m.insert(cache_key, rule.clone());
        }
        rule
    }

    /// Takes one request from `key`'s bucket if it has one (or nothing is known of it, or
    /// `deadline` has passed); `false` when the caller should [`RateLimits::acquire`].
    pub fn try_acquire(&self, key: &BucketKey, deadline: Instant) -> bool {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        let Some(b) = buckets.get_mut(key) else {
            return true;
        };
        b.refill(now);
        if b.tokens >= 1.0 || now >= deadline {
            b.tokens -= 1.0;
            b.in_flight += 1;
            return true;
        }
        false
    }

    /// Takes one request from `key`'s bucket, first waiting while it is (estimated) empty;
    /// never past `deadline` (then the request goes and the target decides). Returns how
    /// long it held the request.
    pub async fn acquire(&self, key: &BucketKey, deadline: Instant) -> Duration {
        let t0 = Instant::now();
        let mut told = false;
        // Zero when it never waited (not the few microseconds of the look-up).
        let held = |told: bool| if told { t0.elapsed() } else { Duration::ZERO };
        loop {
            let now = Instant::now();
            let wait = {
                let Ok(mut buckets) = self.buckets.lock() else {
                    return held(told);
                };
                let Some(b) = buckets.get_mut(key) else {
                    return held(told);
                };
                b.refill(now);
                if b.tokens >= 1.0 || now >= deadline {
                    b.tokens -= 1.0;
                    b.in_flight += 1;
                    return held(told);
                }
                let wait = Duration::from_secs_f64((1.0 - b.tokens) / b.rate_per_sec())
                    .min(deadline.saturating_duration_since(now))
                    .max(Duration::from_millis(1));
                if !told {
                    told = true;
                    if let Some(o) = &self.observer {
                        o(&Hold {
                            key: key.clone(),
                            limit: b.limit,
                            wait,
                        });
                    }
                }
                wait
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Learns from a response: what the target says is left in `key`'s bucket. `acquired`
    /// says whether the request went through [`RateLimits::acquire`].
    pub fn observe(&self, key: &BucketKey, reading: Option<Reading>, acquired: bool) {
        let Ok(mut buckets) = self.buckets.lock() else {
            return;
        };
        let now = Instant::now();
        let Some(r) = reading else {
            if acquired {
                if let Some(b) = buckets.get_mut(key) {
                    b.in_flight = b.in_flight.saturating_sub(1);
                }
            }
            return;
        };
        let b = buckets.entry(key.clone()).or_insert(Bucket {
            limit: r.limit,
            tokens: f64::from(r.remaining),
            at: now,
            // At least one: a first answer of `Remaining: 0` must still let the bucket refill.
            capacity: f64::from(r.remaining).max(1.0),
            in_flight: 0,
        });
        if acquired {
            b.in_flight = b.in_flight.saturating_sub(1);
        }
        b.limit = r.limit;
        b.capacity = b.capacity.max(f64::from(r.remaining));
        // Requests still on their way will take from what the target reported.
        b.tokens = f64::from(r.remaining) - f64::from(b.in_flight);
        b.at = now;
    }

    /// The last `X-RateLimit-Limit` seen for `key`.
    pub fn limit(&self, key: &BucketKey) -> Option<u32> {
        self.buckets.lock().ok()?.get(key).map(|b| b.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> BucketKey {
        BucketKey {
            credentials: "default".into(),
            rule: "create-order".into(),
        }
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    #[test]
    fn reads_both_headers_or_nothing() {
        let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            Reading::of(&h(&[
                ("x-ratelimit-limit", "20"),
                ("X-RateLimit-Remaining", "3")
            ])),
            Some(Reading {
                limit: 20,
                remaining: 3
            })
        );
        assert_eq!(Reading::of(&h(&[("X-RateLimit-Limit", "20")])), None);
        assert_eq!(
            Reading::of(&h(&[
                ("X-RateLimit-Limit", "x"),
                ("X-RateLimit-Remaining", "1")
            ])),
            None
        );
    }

    #[tokio::test]
    async fn holds_when_the_bucket_is_empty_and_not_before() {
        let rl = RateLimits::new(None);
        // Nothing known: no hold.
        assert!(rl.try_acquire(&key(), far()));
        assert_eq!(rl.acquire(&key(), far()).await, Duration::ZERO);
        let one_left = Reading {
            limit: 600,
            remaining: 1,
        };
        rl.observe(&key(), Some(one_left), false);
        assert!(rl.try_acquire(&key(), far()));
        // The one left is taken: the next waits one refill (600/min = 100 ms).
        assert!(!rl.try_acquire(&key(), far()));
        let held = rl.acquire(&key(), far()).await;
        assert!(
            held >= Duration::from_millis(80) && held <= Duration::from_millis(600),
            "{held:?}"
        );
        // Another client is another bucket.
        let other = BucketKey {
            credentials: "readonly".into(),
            rule: "create-order".into(),
        };
        assert!(rl.try_acquire(&other, far()));
    }

    #[tokio::test]
    async fn never_holds_past_the_deadline() {
        let rl = RateLimits::new(None);
        let empty = Reading {
            limit: 1,
            remaining: 0,
        };
        rl.observe(&key(), Some(empty), false);
        // One request a minute, but the scenario has 200 ms left: it goes then.
        let held = rl
            .acquire(&key(), Instant::now() + Duration::from_millis(200))
            .await;
        assert!(
            held >= Duration::from_millis(150) && held <= Duration::from_millis(900),
            "{held:?}"
        );
    }

    #[tokio::test]
    async fn requests_in_flight_count_against_what_the_target_reports() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let rl = RateLimits::new(Some(Arc::new(move |h: &Hold| {
            if let Ok(mut l) = log.lock() {
                l.push(h.limit);
            }
        })));
        let three = Reading {
            limit: 600,
            remaining: 3,
        };
        rl.observe(&key(), Some(three), false);
        for _ in 0..3 {
            assert!(rl.try_acquire(&key(), far()));
        }
        // The first answer says 2 left, but two more are on their way: none is left.
        let two = Reading {
            limit: 600,
            remaining: 2,
        };
        rl.observe(&key(), Some(two), true);
        assert!(!rl.try_acquire(&key(), far()));
        assert!(rl.acquire(&key(), far()).await >= Duration::from_millis(80));
        assert_eq!(*seen.lock().expect("lock"), [600]);
    }

    #[tokio::test]
    async fn a_first_answer_of_none_left_still_refills() {
        let rl = RateLimits::new(None);
        let empty = Reading {
            limit: 600,
            remaining: 0,
        };
        rl.observe(&key(), Some(empty), false);
        let held = rl.acquire(&key(), far()).await;
        assert!(
            held >= Duration::from_millis(80) && held <= Duration::from_millis(600),
            "{held:?}"
        );
    }
}
