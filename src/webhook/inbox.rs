//! The deliveries a receiver has seen, shared with the steps that wait on them.
//!
//! Every arrival gets a sequence number and bumps a `watch` counter, so a waiter sleeps until
//! something arrives or its deadline passes: no polling.
//!
//! What is kept is bounded, whoever sends ([`InboxLimits`]): anyone who can reach the
//! receiver can POST to it without the secret. A rejected delivery is counted by verdict
//! ([`InboxStats`]); only the first few are kept, as samples with a cut body. Valid deliveries
//! are kept up to a count and a byte budget; past those the oldest are dropped (and counted).
//! A one-line summary of every arrival is kept in a ring for `conform webhooks listen`.
use super::delivery::{Delivery, Verdict};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;

/// A predicate over one delivery.
pub type Matcher = Arc<dyn Fn(&Delivery) -> bool + Send + Sync>;

/// How much an inbox keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxLimits {
    /// Valid deliveries kept (default 10,000); past it the oldest are dropped.
    pub max_deliveries: usize,
    /// Bytes of kept deliveries (bodies, headers, parsed JSON estimated; default 64 MiB).
    pub max_bytes: usize,
    /// Rejected deliveries kept as samples (default 20); the rest are only counted.
    pub rejected_samples: usize,
    /// Body bytes kept of a rejected sample (default 4 KiB).
    pub rejected_body: usize,
    /// Arrival summaries kept for `listen` (default 10,000).
    pub max_summaries: usize,
    /// Distinct event ids whose attempts are numbered (default 100,000); later new ids of
    /// rejected deliveries are numbered 1 without being remembered.
    pub max_event_ids: usize,
}

impl Default for InboxLimits {
    fn default() -> Self {
        InboxLimits {
            max_deliveries: 10_000,
            max_bytes: 64 * 1024 * 1024,
            rejected_samples: 20,
            rejected_body: 4 * 1024,
            max_summaries: 10_000,
            max_event_ids: 100_000,
        }
    }
}

/// Longest event id or type kept (in bytes) of a delivery the receiver rejected.
const MAX_FIELD_BYTES: usize = 256;
/// Headers kept of a rejected sample, and bytes of each value.
const MAX_SAMPLE_HEADERS: usize = 32;
const MAX_SAMPLE_HEADER_VALUE: usize = 1024;

/// What the receiver saw and what it did not keep: `results.json`'s `webhook_receiver`.
pub use crate::results::ReceiverStats as InboxStats;

/// One arrival in a line: what `conform webhooks listen` prints.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// Sequence number (0 = first arrival).
    pub seq: u64,
    pub received_at: OffsetDateTime,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub attempt: u32,
    pub verdict: Verdict,
    pub answered: u16,
}

#[derive(Clone)]
pub struct Inbox {
    inner: Arc<InboxInner>,
}

struct InboxInner {
    limits: InboxLimits,
    state: Mutex<State>,
    /// Number of arrivals so far (kept or not).
    arrived: watch::Sender<u64>,
    rules: Mutex<Vec<ReplyRule>>,
}

#[derive(Default)]
struct State {
    /// Kept deliveries with their sequence numbers, in arrival order.
    deliveries: VecDeque<(u64, Arc<Delivery>)>,
    kept_bytes: usize,
    /// Valid deliveries among `deliveries`.
    kept_valid: usize,
    summaries: VecDeque<Arrival>,
    attempts: HashMap<String, u32>,
    stats: InboxStats,
}

impl State {
    /// Index of the first kept delivery with a sequence number `>= seq`.
    fn index_of(&self, seq: u64) -> usize {
        self.deliveries.partition_point(|(s, _)| *s < seq)
    }
}

struct ReplyRule {
    matches: Matcher,
    status: u16,
    remaining: u32,
    delay: Duration,
}

/// How the receiver answers a valid delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    pub delay: Duration,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("deliveries", &self.len())
            .finish()
    }
}

impl Default for Inbox {
    fn default() -> Self {
        Inbox::new()
    }
}

/// Roughly what a delivery costs in memory: the body, the headers, and its parsed JSON
/// (counted as twice the body).
fn cost(d: &Delivery) -> usize {
    let json = if d.json.is_some() {
        d.body.len() * 2
    } else {
        0
    };
    d.body.len()
        + json
        + d.headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 48)
            .sum::<usize>()
        + 256
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A rejected delivery made small enough to keep as a sample.
fn sample(mut d: Delivery, limits: &InboxLimits) -> Delivery {
    if d.body.len() > limits.rejected_body {
        d.body = d.body.slice(..limits.rejected_body);
        d.json = None;
    }
    d.headers.truncate(MAX_SAMPLE_HEADERS);
    for (_, v) in &mut d.headers {
        if v.len() > MAX_SAMPLE_HEADER_VALUE {
            *v = cut(v, MAX_SAMPLE_HEADER_VALUE);
        }
    }
    d
}

impl Inbox {
    pub fn new() -> Inbox {
        Inbox::with_limits(InboxLimits::default())
    }

    pub fn with_limits(limits: InboxLimits) -> Inbox {
        Inbox {
            inner: Arc::new(InboxInner {
                limits,
                state: Mutex::new(State::default()),
                arrived: watch::Sender::new(0),
                rules: Mutex::new(Vec::new()),
            }),
        }
    }

    pub fn limits(&self) -> InboxLimits {
        self.inner.limits
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking matcher cannot leave `State` half-updated (matchers never run under this
        // lock), so a poisoned lock is still consistent.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn rules(&self) -> MutexGuard<'_, Vec<ReplyRule>> {
        self.inner.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of deliveries kept.
    pub fn len(&self) -> usize {
        self.state().deliveries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of arrivals so far, kept or not (the next arrival's sequence number).
    pub fn arrived(&self) -> u64 {
        *self.inner.arrived.borrow()
    }

    /// What was received, rejected and dropped so far.
    pub fn stats(&self) -> InboxStats {
        self.state().stats.clone()
    }

    /// Every delivery kept, in arrival order.
    pub fn snapshot(&self) -> Vec<Delivery> {
        self.state()
            .deliveries
            .iter()
            .map(|(_, d)| Delivery::clone(d))
            .collect()
    }

    /// Kept deliveries whose sequence number is `from` or later (arrival order).
    pub fn since(&self, from: u64) -> Vec<Delivery> {
        let state = self.state();
        let i = state.index_of(from);
        state
            .deliveries
            .range(i..)
            .map(|(_, d)| Delivery::clone(d))
            .collect()
    }

    /// Summaries of the arrivals numbered `from` or later that are still in the ring, and how
    /// many arrivals from `from` on were pushed out of it before being read.
    pub fn arrivals_since(&self, from: u64) -> (Vec<Arrival>, u64) {
        let state = self.state();
        let first = state.summaries.front().map_or(self.arrived(), |a| a.seq);
        let missed = first.saturating_sub(from);
        let i = state.summaries.partition_point(|a| a.seq < from);
        (state.summaries.range(i..).cloned().collect(), missed)
    }

    /// Waits until at least `count` arrivals have been recorded in all (or `within` passes);
    /// returns the number recorded.
    pub async fn wait_for_count(&self, count: u64, within: Duration) -> u64 {
        let mut rx = self.inner.arrived.subscribe();
        let _ = tokio::time::timeout(within, rx.wait_for(|n| *n >= count)).await;
        let n = *rx.borrow();
        n
    }

    /// Event-driven wait: returns once `done(&matching)` is true or `within` elapses, with the
    /// matching kept deliveries seen so far (all attempts, invalid samples included), oldest
    /// first. `done` is evaluated once at the start and once per new matching delivery.
    pub async fn wait_until(
        &self,
        matches: &(dyn Fn(&Delivery) -> bool + Send + Sync),
        done: &(dyn Fn(&[Delivery]) -> bool + Send + Sync),
        within: Duration,
    ) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + within;
        let mut rx = self.inner.arrived.subscribe();
        let mut seen: u64 = 0;
        let mut matching = Vec::new();
        let mut first = true;
        let take_fresh = |seen: &mut u64| -> Vec<Arc<Delivery>> {
            let state = self.state();
            let i = state.index_of(*seen);
            let fresh: Vec<Arc<Delivery>> = state
                .deliveries
                .range(i..)
                .map(|(_, d)| d.clone())
                .collect();
            if let Some((s, _)) = state.deliveries.back() {
                *seen = (*seen).max(s + 1);
            }
            fresh
        };
        loop {
            // Mark the current count as seen before reading, so an append racing with the scan
            // still wakes the `changed()` below.
            rx.borrow_and_update();
            let fresh = take_fresh(&mut seen);
            let before = matching.len();
            matching.extend(
                fresh
                    .iter()
                    .filter(|d| matches(d))
                    .map(|d| Delivery::clone(d)),
            );
            if (first || matching.len() > before) && done(&matching) {
                return matching;
            }
            first = false;
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                // Deadline passed (or, impossibly, the sender is gone: it lives in `self`).
                _ => {
                    matching.extend(
                        take_fresh(&mut seen)
                            .iter()
                            .filter(|d| matches(d))
                            .map(|d| Delivery::clone(d)),
                    );
                    return matching;
                }
            }
        }
    }

    /// Answers the next `times` valid deliveries that `matches` accepts with `status`, after
    /// waiting `delay`; then they are answered 2xx again. Rules are tried in the order added;
    /// the first with answers left that matches is used. A matcher must not call the inbox.
    pub fn add_reply_rule(&self, matches: Matcher, status: u16, times: u32, delay: Duration) {
        if times == 0 {
            return;
        }
        self.rules().push(ReplyRule {
            matches,
            status,
            remaining: times,
            delay,
        });
    }

    /// Numbers the next delivery of this event id (1 = first; 1 when there is no id). The
    /// number is taken here, before the reply rules see the delivery, so they see the real one.
    /// Only `max_event_ids` distinct ids are remembered, and only a valid delivery may add one
    /// past half of that: a flood of made-up ids cannot grow the table without bound.
    pub(crate) fn reserve_attempt(&self, path: &str, event_id: Option<&str>, valid: bool) -> u32 {
        let Some(id) = event_id else {
            return 1;
        };
        // Counted per URL path: subscriptions with paths of their own (and the run's own at
        // `/`) each count their deliveries of an event id from 1, whatever order the target
        // serves them in.
        let id = &format!("{path}\u{0}{id}");
        let limit = self.inner.limits.max_event_ids;
        let mut state = self.state();
        let full = state.attempts.len() >= limit || (!valid && state.attempts.len() >= limit / 2);
        if full && !state.attempts.contains_key(id) {
            return 1;
        }
        let n = state.attempts.entry(id.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    /// Picks (and consumes) the reply for a valid delivery.
    pub(crate) fn reply_for(&self, d: &Delivery) -> Reply {
        let mut rules = self.rules();
        for rule in rules.iter_mut().filter(|r| r.remaining > 0) {
            if (rule.matches)(d) {
                rule.remaining -= 1;
                return Reply {
                    status: rule.status,
                    delay: rule.delay,
                };
            }
        }
        rules.retain(|r| r.remaining > 0);
        Reply {
            status: 200,
            delay: Duration::ZERO,
        }
    }

    /// Records an arrival within the limits and wakes the waiters.
    pub(crate) fn record(&self, mut d: Delivery) {
        let limits = self.inner.limits;
        {
            let mut state = self.state();
            let seq = state.stats.received;
            state.stats.received += 1;
            let valid = d.is_valid();
            if !valid {
                d.event_id = d.event_id.map(|s| cut(&s, MAX_FIELD_BYTES));
                d.event_type = d.event_type.map(|s| cut(&s, MAX_FIELD_BYTES));
            }
            if limits.max_summaries > 0 {
                if state.summaries.len() >= limits.max_summaries {
                    state.summaries.pop_front();
                }
                state.summaries.push_back(Arrival {
                    seq,
                    received_at: d.received_at,
                    event_id: d.event_id.as_deref().map(|s| cut(s, MAX_FIELD_BYTES)),
                    event_type: d.event_type.as_deref().map(|s| cut(s, MAX_FIELD_BYTES)),
                    attempt: d.attempt,
                    verdict: d.verdict,
                    answered: d.answered,
                });
            }
            let keep = if valid {
                state.stats.valid += 1;
                limits.max_deliveries > 0
            } else {
                *state
                    .stats
                    .rejected
                    .entry(d.verdict.to_string())
                    .or_insert(0) += 1;
                if state.stats.rejected_kept < limits.rejected_samples as u64 {
                    state.stats.rejected_kept += 1;
                    d = sample(d, &limits);
                    true
                } else {
                    state.stats.rejected_dropped += 1;
                    false
                }
            };
            if keep {
                let c = cost(&d);
                state.kept_bytes += c;
                state.kept_valid += usize::from(valid);
                state.deliveries.push_back((seq, Arc::new(d)));
                // Oldest first; a kept rejected sample counts toward the byte budget too.
                while state.kept_valid > limits.max_deliveries
                    || (state.kept_bytes > limits.max_bytes && state.deliveries.len() > 1)
                {
                    let Some((_, old)) = state.deliveries.pop_front() else {
                        break;
                    };
                    state.kept_bytes = state.kept_bytes.saturating_sub(cost(&old));
                    if old.is_valid() {
                        state.kept_valid -= 1;
                        state.stats.valid_dropped += 1;
                    } else {
                        state.stats.rejected_kept -= 1;
                        state.stats.rejected_dropped += 1;
                    }
                }
            } else if valid {
                state.stats.valid_dropped += 1;
            }
        }
        self.inner.arrived.send_modify(|n| *n += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::Verdict;

    fn delivery(id: &str) -> Delivery {
        Delivery {
            path: "/".into(),
            received_at: time::OffsetDateTime::now_utc(),
            headers: vec![],
            body: bytes::Bytes::new(),
            json: None,
            event_id: Some(id.to_owned()),
            event_type: None,
            attempt: 0,
            verdict: Verdict::Valid,
            answered: 200,
        }
    }

    #[tokio::test]
    async fn waiters_are_woken_by_each_record() {
        let inbox = Inbox::new();
        let writer = inbox.clone();
        let waiter = tokio::spawn(async move {
            let is_b = |d: &Delivery| d.event_id.as_deref() == Some("b");
            inbox
                .wait_until(&is_b, &|m| m.len() == 2, Duration::from_secs(30))
                .await
        });
        for id in ["a", "b", "a", "b"] {
            let attempt = writer.reserve_attempt("/", Some(id), true);
            writer.record(Delivery {
                path: "/".into(),
                attempt,
                ..delivery(id)
            });
            tokio::task::yield_now().await;
        }
        let got = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.iter().map(|d| d.attempt).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(writer.len(), 4);
        assert_eq!(writer.since(3).len(), 1);
        assert_eq!(writer.wait_for_count(4, Duration::ZERO).await, 4);
    }

    #[test]
    fn attempts_are_counted_per_event_id_and_path() {
        let inbox = Inbox::new();
        assert_eq!(inbox.reserve_attempt("/", Some("evt_1"), true), 1);
        assert_eq!(
            inbox.reserve_attempt("/conform-sub-1", Some("evt_1"), true),
            1
        );
        assert_eq!(
            inbox.reserve_attempt("/conform-sub-1", Some("evt_1"), true),
            2
        );
        assert_eq!(inbox.reserve_attempt("/", Some("evt_1"), true), 2);
        assert_eq!(inbox.reserve_attempt("/", None, true), 1);
    }

    #[test]
    fn reply_rules_are_used_up_in_order() {
        let inbox = Inbox::new();
        inbox.add_reply_rule(
            Arc::new(|d| d.event_id.as_deref() == Some("x")),
            500,
            2,
            Duration::ZERO,
        );
        inbox.add_reply_rule(Arc::new(|_| true), 429, 1, Duration::from_millis(5));
        inbox.add_reply_rule(Arc::new(|_| true), 404, 0, Duration::ZERO);
        let statuses: Vec<u16> = ["x", "y", "x", "x", "y"]
            .iter()
            .map(|id| inbox.reply_for(&delivery(id)).status)
            .collect();
        assert_eq!(statuses, [500, 429, 500, 200, 200]);
    }
}
