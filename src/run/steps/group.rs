//! `group`: requests sent at the same moment, each with its own expect and capture.
use super::*;

impl ScenarioRun<'_> {
    pub(super) async fn group(
        &mut self,
        members: &[Spanned<Step>],
        timeout: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<(), RunError> {
        let mut prepared = Vec::new();
        let mut selectors = Vec::new();
        for m in members {
            let Some(req) = &m.value.request else {
                return Err(RunError::invalid(
                    "every member of a group needs a `request`",
                    self.loc(m),
                ));
            };
            let sel = self.selector(&req.value)?;
            let mut p =
                self.prepare(req, m.value.timeout.as_ref().map(|t| t.value.0).or(timeout))?;
            p.headers.extend(self.auth_headers(&sel).await?);
            prepared.push(p);
            selectors.push(sel);
        }
        let http = &self.target.http;
        let cap = self.target.env.max_body_bytes;
        // All requests are built and paced first, then sent together.
        self.pace(prepared.len(), res).await;
        let mut gates = Vec::new();
        for (p, sel) in prepared.iter().zip(&selectors) {
            gates.push(self.hold_for_rate_limit(p, sel, res).await);
        }
        let sent_at = now_rfc3339();
        let results =
            futures::future::join_all(prepared.iter().map(|p| http::send(http, p, cap))).await;
        let mut errors = Vec::new();
        for (((m, p), r), gate) in members.iter().zip(&prepared).zip(results).zip(gates) {
            res.attempts += 1;
            self.learn_rate_limit(gate, &r);
            let before = res.checks.len();
            // Every member's exchange is kept (a group is small).
            let ex = self.exchange_record(p, sent_at.clone(), &r, res);
            res.exchanges.push(ex);
            match r {
                Ok(resp) => {
                    self.evaluate_and_capture(
                        m.value.expect.as_deref(),
                        &m.value.capture,
                        &resp,
                        res,
                    );
                    let label = m
                        .value
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("member {}", res.exchanges.len()));
                    for c in &mut res.checks[before..] {
                        c.check = format!("{label}: {}", c.check);
                    }
                    self.last = Some(resp);
                }
                Err(e) => errors.push(RunError::http(
                    format!("send {} {}", p.method, p.url),
                    self.loc(m),
                    e,
                )),
            }
        }
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(RunError::Group(errors)),
        }
    }
}
