//! Token-bucket rate limits of contract §5.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::Method;

/// Which per-minute rule a request falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    CreateOrder,
    ReadOrders,
    Search,
    Other,
}

impl Rule {
    /// `path` is the full request path (`/api/v1/...`).
    pub fn of(method: &Method, path: &str) -> Rule {
        let path = path.trim_end_matches('/');
        if method == Method::POST && path == "/api/v1/orders" {
            Rule::CreateOrder
        } else if method == Method::GET
            && (path == "/api/v1/orders" || path.starts_with("/api/v1/orders/"))
        {
            Rule::ReadOrders
        } else if path == "/api/v1/search" || path.starts_with("/api/v1/search/") {
            Rule::Search
        } else {
            Rule::Other
        }
    }

    fn base_per_minute(self) -> f64 {
        match self {
            Rule::CreateOrder => 100.0,
            Rule::ReadOrders => 300.0,
            Rule::Search => 60.0,
            Rule::Other => 100.0,
        }
    }
}

/// A token bucket: capacity floor(1.5 × limit), refilled at `limit` per minute.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub limit: u32,
    pub capacity: f64,
    tokens: f64,
    last: Instant,
    /// Seconds over which `limit` tokens come back: 60 (the `ratelimit-slow-refill` fault: a day).
    refill_secs: f64,
}

/// What one request learned from its bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    /// Whole requests left now.
    pub remaining: u64,
    /// The bucket's capacity (what the `ratelimit-limit-shows-capacity` fault reports).
    pub capacity: u64,
    /// Seconds until the bucket is full again (rounded up).
    pub reset_in: u64,
    /// Seconds until one request is allowed (≥ 1), for a refused request.
    pub retry_after: u64,
    /// The same, not rounded (what the `retry-after-floor` fault rounds down).
    pub retry_after_exact: f64,
}

impl Bucket {
    #[cfg(test)]
    pub fn new(limit: u32, now: Instant) -> Bucket {
        Bucket::with_burst(limit, now, 1.5)
    }

    /// A bucket of capacity floor(`burst` × limit) (1.5 unless a fault says otherwise).
    pub fn with_burst(limit: u32, now: Instant, burst: f64) -> Bucket {
        let limit = limit.max(1);
        let capacity = (burst * f64::from(limit)).floor().max(1.0);
        Bucket {
            limit,
            capacity,
            tokens: capacity,
            last: now,
            refill_secs: 60.0,
        }
    }

    /// The rate the bucket promises (per minute), whatever it really refills at.
    fn rate_per_sec(&self) -> f64 {
        f64::from(self.limit) / 60.0
    }

    fn refill_per_sec(&self) -> f64 {
        f64::from(self.limit) / self.refill_secs
    }

    /// Takes one token if there is one.
    pub fn take(&mut self, now: Instant) -> Decision {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.refill_per_sec()).min(self.capacity);
        let allowed = self.tokens >= 1.0;
        if allowed {
            self.tokens -= 1.0;
        }
        let rate = self.rate_per_sec();
        let reset_in = ((self.capacity - self.tokens) / rate).ceil().max(0.0) as u64;
        let retry_after_exact = if allowed {
            0.0
        } else {
            ((1.0 - self.tokens) / rate).max(0.0)
        };
        let retry_after = if allowed {
            0
        } else {
            retry_after_exact.ceil().max(1.0) as u64
        };
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.tokens.floor().max(0.0) as u64,
            capacity: self.capacity as u64,
            reset_in,
            retry_after,
            retry_after_exact,
        }
    }
}

/// All buckets of a sandbox.
#[derive(Debug)]
pub struct Limiter {
    scale: f64,
    burst: f64,
    slow_refill: bool,
    orders_limit: Option<u32>,
    buckets: Mutex<HashMap<(String, Rule), Bucket>>,
    daily: Mutex<HashMap<String, (i64, u64)>>,
    /// The `ratelimit-daily-as-rate` fault: the daily quota as a per-client token bucket.
    daily_as_rate: Option<Mutex<HashMap<String, Bucket>>>,
}

impl Limiter {
    pub fn new(scale: f64, orders_limit: Option<u32>) -> Limiter {
        Limiter {
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
            orders_limit,
            burst: 1.5,
            slow_refill: false,
            buckets: Mutex::new(HashMap::new()),
            daily: Mutex::new(HashMap::new()),
            daily_as_rate: None,
        }
    }

    /// The daily quota as one more token bucket, refilled at a 1440th of it per minute with
    /// a 150% burst (the `ratelimit-daily-as-rate` fault).
    pub fn with_daily_as_rate(mut self, on: bool) -> Limiter {
        self.daily_as_rate = on.then(|| Mutex::new(HashMap::new()));
        self
    }

    /// Bucket capacity as a multiple of the per-minute limit (the contract: 1.5).
    pub fn with_burst(mut self, burst: f64) -> Limiter {
        self.burst = burst;
        self
    }

    /// Refill per day instead of per minute (the `ratelimit-slow-refill` fault).
    pub fn with_slow_refill(mut self, slow: bool) -> Limiter {
        self.slow_refill = slow;
        self
    }

    pub fn per_minute(&self, rule: Rule) -> u32 {
        if let (Rule::CreateOrder, Some(n)) = (rule, self.orders_limit) {
            return n.max(1);
        }
        scaled(rule.base_per_minute(), self.scale)
    }

    pub fn per_day(&self) -> u64 {
        u64::from(scaled(10_000.0, self.scale))
    }

    /// Counts one request of `client` under `rule`.
    pub fn check(&self, client: &str, rule: Rule) -> Decision {
        let now = Instant::now();
        let limit = self.per_minute(rule);
        let mut decision = {
            let mut buckets = self
                .buckets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            buckets
                .entry((client.to_owned(), rule))
                .or_insert_with(|| {
                    let mut b = Bucket::with_burst(limit, now, self.burst);
                    if self.slow_refill {
                        b.refill_secs = 86_400.0;
                    }
                    b
                })
                .take(now)
        };
        if let (true, Some(daily)) = (decision.allowed, &self.daily_as_rate) {
            // 10,000/day read as a rate: 6.94/min, so the bucket holds floor(1.5 x 6.94).
            let per_minute = (self.per_day() as f64 / 1440.0).round().max(1.0) as u32;
            let d = daily
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(client.to_owned())
                .or_insert_with(|| Bucket::with_burst(per_minute, now, 1.5))
                .take(now);
            if !d.allowed {
                decision.allowed = false;
                decision.remaining = 0;
                decision.retry_after = d.retry_after;
                decision.retry_after_exact = d.retry_after_exact;
            }
            return decision;
        }
        if decision.allowed {
            let unix = crate::util::unix_now();
            let day = unix.div_euclid(86_400);
            let mut daily = self
                .daily
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let entry = daily.entry(client.to_owned()).or_insert((day, 0));
            if entry.0 != day {
                *entry = (day, 0);
            }
            if entry.1 >= self.per_day() {
                decision.allowed = false;
                decision.retry_after = ((day + 1) * 86_400 - unix).max(1) as u64;
                decision.retry_after_exact = decision.retry_after as f64;
            } else {
                entry.1 += 1;
            }
        }
        decision
    }
}

fn scaled(base: f64, scale: f64) -> u32 {
    (base * scale).round().clamp(1.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rules_by_method_and_path() {
        assert_eq!(Rule::of(&Method::POST, "/api/v1/orders"), Rule::CreateOrder);
        assert_eq!(Rule::of(&Method::GET, "/api/v1/orders"), Rule::ReadOrders);
        assert_eq!(
            Rule::of(&Method::GET, "/api/v1/orders/ORD-1"),
            Rule::ReadOrders
        );
        assert_eq!(
            Rule::of(&Method::POST, "/api/v1/orders/ORD-1/cancel"),
            Rule::Other
        );
        assert_eq!(Rule::of(&Method::GET, "/api/v1/search"), Rule::Search);
        assert_eq!(Rule::of(&Method::GET, "/api/v1/webhooks/x"), Rule::Other);
    }

    #[test]
    fn bucket_capacity_is_one_and_a_half_times_the_limit() {
        let t0 = Instant::now();
        let mut b = Bucket::new(100, t0);
        assert_eq!(b.capacity, 150.0);
        for i in 0..150 {
            let d = b.take(t0);
            assert!(d.allowed, "request {i}");
            assert_eq!(d.remaining, 149 - i);
            assert_eq!(d.limit, 100);
        }
        let d = b.take(t0);
        assert!(!d.allowed);
        assert_eq!(d.remaining, 0);
        // 100/min = one token every 0.6 s.
        assert_eq!(d.retry_after, 1);
        assert_eq!(d.reset_in, 90);
    }

    #[test]
    fn bucket_refills_at_the_per_minute_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(2, t0);
        assert_eq!(b.capacity, 3.0);
        for _ in 0..3 {
            assert!(b.take(t0).allowed);
        }
        let d = b.take(t0);
        assert!(!d.allowed);
        assert_eq!(d.retry_after, 30);
        assert!(!b.take(t0 + Duration::from_secs(29)).allowed);
        let d = b.take(t0 + Duration::from_secs(31));
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
        // Never above capacity.
        let d = b.take(t0 + Duration::from_secs(3600));
        assert!(d.allowed);
        assert_eq!(d.remaining, 2);
    }

    #[test]
    fn small_limits_keep_capacity_one() {
        let b = Bucket::new(1, Instant::now());
        assert_eq!(b.capacity, 1.0);
        let b = Bucket::new(0, Instant::now());
        assert_eq!(b.limit, 1);
    }

    #[test]
    fn limiter_scales_and_overrides() {
        let l = Limiter::new(0.1, Some(3));
        assert_eq!(l.per_minute(Rule::CreateOrder), 3);
        assert_eq!(l.per_minute(Rule::ReadOrders), 30);
        assert_eq!(l.per_minute(Rule::Search), 6);
        assert_eq!(l.per_day(), 1000);
        for _ in 0..4 {
            assert!(l.check("a", Rule::CreateOrder).allowed);
        }
        assert!(!l.check("a", Rule::CreateOrder).allowed);
        // Per client.
        assert!(l.check("b", Rule::CreateOrder).allowed);
    }

    #[test]
    fn the_daily_quota_does_not_bite_before_a_day_of_requests() {
        // At scale 10: 100,000 a day; 200 quick requests on two rules are far from it.
        let l = Limiter::new(10.0, None);
        for i in 0..200 {
            let rule = if i % 2 == 0 {
                Rule::ReadOrders
            } else {
                Rule::Other
            };
            assert!(l.check("a", rule).allowed, "request {i}");
        }
    }

    #[test]
    fn daily_as_rate_fault_refuses_after_a_short_burst() {
        // 100,000/day read as a rate: 69/min, capacity floor(1.5 x 69) = 103.
        let l = Limiter::new(10.0, None).with_daily_as_rate(true);
        let refused = (0..200)
            .position(|i| {
                let rule = if i % 2 == 0 {
                    Rule::ReadOrders
                } else {
                    Rule::Other
                };
                !l.check("a", rule).allowed
            })
            .expect("a refusal");
        assert_eq!(refused, 103);
        // Per client all the same.
        assert!(l.check("b", Rule::ReadOrders).allowed);
    }
}
