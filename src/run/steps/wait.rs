//! `wait`: a duration, or the previous response's `Retry-After`.
use super::*;

impl ScenarioRun<'_> {
    pub(super) async fn wait(
        &mut self,
        w: &Spanned<Wait>,
        res: &mut StepResult,
    ) -> Result<(), RunError> {
        let d = match &w.value {
            Wait::For(d) => *d,
            Wait::RetryAfter => {
                let header = self
                    .last
                    .as_ref()
                    .and_then(|r| r.header("Retry-After").map(str::to_string));
                match header {
                    None => {
                        res.checks.push(CheckOutcome {
                            status: crate::results::CheckStatus::Failed,
                            check: "wait retry_after".into(),
                            expected: "a Retry-After header on the previous response".into(),
                            actual: "(absent)".into(),
                            location: Some(self.loc(w)),
                            detail: None,
                        });
                        return Ok(());
                    }
                    Some(v) => match retry_after(&v) {
                        Some(d) => d,
                        None => {
                            res.checks.push(CheckOutcome {
                                status: crate::results::CheckStatus::Failed,
                                check: "wait retry_after".into(),
                                expected: "Retry-After as seconds or an HTTP date".into(),
                                actual: format!("{v:?}"),
                                location: Some(self.loc(w)),
                                detail: None,
                            });
                            return Ok(());
                        }
                    },
                }
            }
        };
        let d = d.min(MAX_RETRY_AFTER);
        res.log
            .push(format!("waited {}", humantime::format_duration(d)));
        self.slot.idle(tokio::time::sleep(d)).await;
        res.waited_ms += ms(d);
        Ok(())
    }
}

/// `Retry-After`: whole seconds, or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}
