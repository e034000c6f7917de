//! The deliveries a receiver has seen, shared with the steps that wait on them.
//!
//! Deliveries are append-only. Every append bumps a `watch` counter, so a waiter sleeps until
//! something arrives or its deadline passes: no polling.
use super::delivery::Delivery;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

/// A predicate over one delivery.
pub type Matcher = Arc<dyn Fn(&Delivery) -> bool + Send + Sync>;

#[derive(Clone)]
pub struct Inbox {
    inner: Arc<InboxInner>,
}

struct InboxInner {
    state: Mutex<State>,
    /// Number of deliveries recorded so far.
    arrived: watch::Sender<usize>,
    rules: Mutex<Vec<ReplyRule>>,
}

#[derive(Default)]
struct State {
    deliveries: Vec<Arc<Delivery>>,
    attempts: HashMap<String, u32>,
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

impl Inbox {
    pub fn new() -> Inbox {
        Inbox {
            inner: Arc::new(InboxInner {
                state: Mutex::new(State::default()),
                arrived: watch::Sender::new(0),
                rules: Mutex::new(Vec::new()),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking matcher cannot leave `State` half-updated (matchers never run under this
        // lock), so a poisoned lock is still consistent.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn rules(&self) -> MutexGuard<'_, Vec<ReplyRule>> {
        self.inner.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of deliveries recorded.
    pub fn len(&self) -> usize {
        self.state().deliveries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every delivery so far, in arrival order.
    pub fn snapshot(&self) -> Vec<Delivery> {
        self.state()
            .deliveries
            .iter()
            .map(|d| Delivery::clone(d))
            .collect()
    }

    /// Deliveries from index `from` on (arrival order).
    pub fn since(&self, from: usize) -> Vec<Delivery> {
        let state = self.state();
        state
            .deliveries
            .get(from..)
            .unwrap_or_default()
            .iter()
            .map(|d| Delivery::clone(d))
            .collect()
    }

    /// Waits until at least `count` deliveries have been recorded in all (or `within` passes);
    /// returns the number recorded.
    pub async fn wait_for_count(&self, count: usize, within: Duration) -> usize {
        let mut rx = self.inner.arrived.subscribe();
        let _ = tokio::time::timeout(within, rx.wait_for(|n| *n >= count)).await;
        let n = *rx.borrow();
        n
    }

    /// Event-driven wait: returns once `done(&matching)` is true or `within` elapses, with the
    /// matching deliveries seen so far (all attempts, invalid ones included), oldest first.
    /// `done` is evaluated once at the start and once per new matching delivery.
    pub async fn wait_until(
        &self,
        matches: &(dyn Fn(&Delivery) -> bool + Send + Sync),
        done: &(dyn Fn(&[Delivery]) -> bool + Send + Sync),
        within: Duration,
    ) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + within;
        let mut rx = self.inner.arrived.subscribe();
        let mut seen = 0;
        let mut matching = Vec::new();
        let mut first = true;
        loop {
            // Mark the current count as seen before reading, so an append racing with the scan
            // still wakes the `changed()` below.
            rx.borrow_and_update();
            let fresh: Vec<Arc<Delivery>> = {
                let state = self.state();
                let fresh = state.deliveries[seen..].to_vec();
                seen = state.deliveries.len();
                fresh
            };
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
                    let state = self.state();
                    matching.extend(
                        state.deliveries[seen..]
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
    pub(crate) fn reserve_attempt(&self, event_id: Option<&str>) -> u32 {
        match event_id {
            Some(id) => {
                let mut state = self.state();
                let n = state.attempts.entry(id.to_owned()).or_insert(0);
                *n += 1;
                *n
            }
            None => 1,
        }
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

    /// Records a delivery and wakes the waiters.
    pub(crate) fn record(&self, d: Delivery) {
        self.state().deliveries.push(Arc::new(d));
        self.inner.arrived.send_modify(|n| *n += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::Verdict;

    fn delivery(id: &str) -> Delivery {
        Delivery {
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
            let attempt = writer.reserve_attempt(Some(id));
            writer.record(Delivery {
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
