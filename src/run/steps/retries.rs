//! `expect_webhook.retries_stopped`: after a step that must stop a subscription's retries
//! (deleting it), no further attempt may arrive. The wait follows the retry schedule: from
//! the attempts seen so far, the next one each event id would get is due at its last attempt
//! plus the schedule's next gap; the step waits until every such attempt is overdue (gap plus
//! tolerance). So the verdict does not depend on how long the deleting step took: a deletion
//! held up past one retry waits for the following one instead.
use super::*;
use time::OffsetDateTime;

/// A delivery this soon after the previous step ended may have been sent before it (in
/// flight): it is logged, not counted. At most this, and at most a quarter of the next gap.
const IN_FLIGHT_GRACE: Duration = Duration::from_secs(1);

/// What to wait for after `since`, from the valid attempts that arrived by then.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RetryWatch {
    /// When the last attempt the schedule still allows is overdue.
    pub until: OffsetDateTime,
    /// Deliveries arriving up to this long after `since` count as in flight.
    pub grace: Duration,
    /// For the report: the attempt awaited last, e.g. "attempt 3 of evt_1, due 1.5s after attempt 2".
    pub awaited: String,
}

/// `None` when no event id has an attempt the schedule would retry (none arrived, or every
/// one used up the schedule).
pub(super) fn retry_watch(
    seen: &[Delivery],
    since: OffsetDateTime,
    gaps: &[Duration],
    tolerance: Option<Duration>,
) -> Option<RetryWatch> {
    let mut per: BTreeMap<&str, (usize, OffsetDateTime)> = BTreeMap::new();
    for d in seen
        .iter()
        .filter(|d| d.is_valid() && d.received_at <= since)
    {
        if let Some(id) = &d.event_id {
            let e = per.entry(id.as_str()).or_insert((0, d.received_at));
            e.0 += 1;
            e.1 = e.1.max(d.received_at);
        }
    }
    let mut best: Option<RetryWatch> = None;
    for (id, (n, last)) in per {
        let Some(gap) = gaps.get(n - 1).copied() else {
            continue; // the schedule has no attempt after the nth
        };
        let late = super::webhook::GapWindow::new(gap, tolerance).late;
        let until = last + gap + late;
        let grace = IN_FLIGHT_GRACE.min(gap / 4);
        let awaited = format!(
            "attempt {} of {id}, due {} after attempt {n}",
            n + 1,
            humantime::format_duration(gap)
        );
        let candidate = RetryWatch {
            until,
            grace,
            awaited,
        };
        best = Some(match best {
            None => candidate,
            Some(b) => RetryWatch {
                grace: b.grace.min(candidate.grace),
                ..if candidate.until > b.until {
                    candidate
                } else {
                    b
                }
            },
        });
    }
    best
}

impl ScenarioRun<'_> {
    /// Records deliveries a step saw into the scenario's results, and logs each.
    pub(super) fn record_deliveries(&mut self, seen: &[Delivery], res: &mut StepResult) {
        let redact = |s: &str| self.target.redact_text(s);
        for d in seen {
            self.webhooks.push(crate::webhook::to_record(d, &redact));
            res.log.push(format!(
                "webhook {} {} attempt {}: {}",
                d.event_type.as_deref().unwrap_or("?"),
                d.event_id.as_deref().unwrap_or("?"),
                d.attempt,
                d.verdict
            ));
        }
    }

    pub(super) async fn expect_retries_stopped(
        &mut self,
        exp: &Spanned<WebhookExpect>,
        event: &str,
        matcher: &(dyn Fn(&Delivery) -> bool + Send + Sync),
        gaps: &[Duration],
        tolerance: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<(), RunError> {
        let receiver = self.receiver()?;
        let inbox = receiver.inbox();
        let since = self
            .previous_step_end
            .unwrap_or_else(OffsetDateTime::now_utc);
        let before: Vec<Delivery> = inbox
            .snapshot()
            .into_iter()
            .filter(|d| matcher(d))
            .collect();
        let label = format!("webhook {event} retries stopped");
        let loc = Some(self.loc(exp));
        let Some(watch) = retry_watch(&before, since, gaps, tolerance) else {
            res.checks.push(CheckOutcome {
                status: crate::results::CheckStatus::Failed,
                check: label,
                expected: "an attempt before the previous step that the schedule would retry"
                    .into(),
                actual: format!(
                    "{} matching attempt(s) arrived before it, none with a retry left in the schedule",
                    before.iter().filter(|d| d.received_at <= since).count()
                ),
                location: loc,
                detail: None,
            });
            self.record_deliveries(&before, res);
            return Ok(());
        };
        let wait = Duration::try_from(watch.until - OffsetDateTime::now_utc()).unwrap_or_default();
        let t0 = Instant::now();
        let seen = self
            .slot
            .idle(inbox.wait_until(matcher, &|_: &[Delivery]| false, wait))
            .await;
        res.waited_ms += ms(t0.elapsed());
        // What arrived before was recorded by the steps that waited for it.
        let new: Vec<Delivery> = seen.into_iter().filter(|d| d.received_at > since).collect();
        self.record_deliveries(&new, res);
        let mut late = Vec::new();
        for d in &new {
            let gap = Duration::try_from(d.received_at - since).unwrap_or_default();
            let what = format!(
                "a delivery of {} arrived {} ms after the previous step",
                d.event_id.as_deref().unwrap_or("(no event id)"),
                gap.as_millis()
            );
            if gap <= watch.grace {
                res.log
                    .push(format!("{what}: in flight when it ended, not counted"));
            } else {
                late.push(what);
            }
        }
        res.checks.push(CheckOutcome {
            status: crate::results::CheckStatus::judged(late.is_empty()),
            check: label,
            expected: format!(
                "no attempt after the previous step (waited until {} was overdue)",
                watch.awaited
            ),
            actual: if late.is_empty() {
                "none".into()
            } else {
                late.join("; ")
            },
            location: loc,
            detail: None,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::Verdict;

    fn at(id: &str, secs: f64) -> Delivery {
        Delivery {
            received_at: OffsetDateTime::UNIX_EPOCH + Duration::from_secs_f64(secs),
            path: "/conform-sub-1".into(),
            headers: Vec::new(),
            body: Bytes::new(),
            json: None,
            event_id: Some(id.into()),
            event_type: Some("order.updated".into()),
            attempt: 1,
            verdict: Verdict::Valid,
            answered: 500,
        }
    }

    fn t(secs: f64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::from_secs_f64(secs)
    }

    const GAPS: [Duration; 4] = [
        Duration::from_millis(300),
        Duration::from_millis(1500),
        Duration::from_secs(9),
        Duration::from_secs(36),
    ];

    #[test]
    fn waits_for_the_next_gap_after_the_attempts_seen_by_then() {
        // Two attempts by the deletion: the third is due 1.5 s after the second.
        let seen = [at("e", 0.0), at("e", 0.3)];
        let w = retry_watch(&seen, t(0.5), &GAPS, None).unwrap();
        // Overdue at the gap plus its late tolerance: half the gap plus 1 s.
        assert_eq!(w.until, t(0.3 + 1.5 + 0.75 + 1.0));
        assert_eq!(w.grace, Duration::from_millis(375));
        assert_eq!(w.awaited, "attempt 3 of e, due 1s 500ms after attempt 2");
        // A deletion held past the third attempt waits for the fourth instead.
        let seen = [at("e", 0.0), at("e", 0.3), at("e", 1.8)];
        let w = retry_watch(&seen, t(7.8), &GAPS, None).unwrap();
        assert_eq!(w.until, t(1.8 + 9.0 + 4.5 + 1.0));
        assert_eq!(w.grace, Duration::from_secs(1));
        // Attempts after `since` are not the ones the deletion saw.
        let w = retry_watch(&seen, t(0.5), &GAPS, Some(Duration::ZERO)).unwrap();
        assert_eq!(w.until, t(1.8));
    }

    #[test]
    fn the_latest_due_attempt_of_several_events_bounds_the_wait() {
        let seen = [at("a", 0.0), at("b", 0.1), at("b", 0.4)];
        let w = retry_watch(&seen, t(1.0), &GAPS, Some(Duration::ZERO)).unwrap();
        assert_eq!(w.until, t(1.9));
        assert!(w.awaited.contains("attempt 3 of b"));
        assert_eq!(w.grace, Duration::from_millis(75));
    }

    #[test]
    fn nothing_to_wait_for_without_a_retry_left() {
        assert_eq!(retry_watch(&[], t(1.0), &GAPS, None), None);
        let five: Vec<Delivery> = (0..5).map(|i| at("e", f64::from(i))).collect();
        assert_eq!(retry_watch(&five, t(9.0), &GAPS, None), None);
        let mut invalid = at("e", 0.0);
        invalid.verdict = Verdict::BadSignature;
        assert_eq!(retry_watch(&[invalid], t(1.0), &GAPS, None), None);
    }
}
