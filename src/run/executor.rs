//! The scheduler: scenarios concurrently up to `jobs`, steps in order within each, events to
//! the sink as they happen, results in plan order.
use super::event::{EventSink, NoticeLevel, RunEvent};
use super::plan::PlannedScenario;
use crate::results::*;

use super::context::RunContext;
use super::steps::{not_running, now_rfc3339, run_scenario};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

/// Run-wide verdicts added once every scenario has finished, before `RunFinished`.
pub type PostRun = Arc<dyn Fn(&mut RunResult) + Send + Sync>;

/// Notices raised while scenarios run (a wait for a rate limit), passed on to the sink as
/// [`RunEvent::Notice`] by the scheduler, which alone holds the sink.
pub type NoticeReceiver = mpsc::UnboundedReceiver<(NoticeLevel, String)>;

pub struct RunOptions {
    pub jobs: usize,
    pub fail_fast: bool,
    /// Becomes `true` on Ctrl-C / SIGTERM: nothing new starts.
    pub cancel: Option<watch::Receiver<bool>>,
    pub post: Option<PostRun>,
    pub notices: Option<NoticeReceiver>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("jobs", &self.jobs)
            .field("fail_fast", &self.fail_fast)
            .finish_non_exhaustive()
    }
}

/// Scenarios in flight when `--jobs` is not given. A job is a task on conform's one runtime
/// thread, not a thread, so the number does not follow the machine's cores: the same suite puts
/// the same load on a target from a laptop or a 64-core CI runner. Eight keeps that one thread
/// busy while requests are on the wire (fewer leave it waiting on round trips, and each wake-up
/// carries less work: `bench/README.md`), and stays a small load for a shared staging
/// environment, whose rate limits pacing and `Retry-After` holds respect anyway.
pub const DEFAULT_JOBS: usize = 8;

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: DEFAULT_JOBS,
            fail_fast: false,
            cancel: None,
            post: None,
            notices: None,
        }
    }
}

/// The next notice, or never when there is no channel (or it is closed).
async fn next_notice(rx: &mut Option<NoticeReceiver>) -> Option<(NoticeLevel, String)> {
    match rx {
        Some(rx) => match rx.recv().await {
            Some(n) => Some(n),
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

pub async fn execute(
    plan: Vec<PlannedScenario>,
    target: Arc<RunContext>,
    environment: EnvironmentInfo,
    mut opts: RunOptions,
    sink: &mut dyn EventSink,
) -> RunResult {
    let started_at = now_rfc3339();
    let t0 = Instant::now();
    let total = plan.len();
    sink.on_event(&RunEvent::RunStarted {
        environment: &environment,
        total,
    });
    let mut results: Vec<Option<ScenarioResult>> = vec![None; total];
    // The redactor's generation each finished scenario was scrubbed at (see below).
    let mut scrubbed_at: Vec<Option<u64>> = vec![None; total];
    // Each scenario moves into its task and is dropped when it ends, so the loaded scenario
    // model shrinks while the results grow.
    let mut plan: Vec<Option<PlannedScenario>> = plan.into_iter().map(Some).collect();
    let sem = Arc::new(Semaphore::new(opts.jobs.max(1)));
    let stop = Arc::new(AtomicBool::new(false));
    let mut set = JoinSet::new();
    // Scenarios start in plan order, each as soon as a job slot is free.
    let mut next = 0;
    loop {
        // Skipped ones, and everything once the run stops, finish without a slot.
        while let Some(p) = plan.get(next).and_then(Option::as_ref) {
            let reason = if let Some(reason) = &p.skip {
                Some((Outcome::Skipped, reason.clone()))
            } else if opts.cancel.as_ref().is_some_and(|c| *c.borrow()) {
                Some((
                    Outcome::NotRun,
                    "not run: the run was interrupted".to_string(),
                ))
            } else if stop.load(Ordering::SeqCst) {
                Some((
                    Outcome::NotRun,
                    "not run: --fail-fast stopped the run after a failure".to_string(),
                ))
            } else {
                None
            };
            let Some((outcome, reason)) = reason else {
                break;
            };
            let r = not_running(p, outcome, reason);
            sink.on_event(&RunEvent::ScenarioFinished { result: &r });
            results[next] = Some(r);
            plan[next] = None;
            next += 1;
        }
        if next >= total && set.is_empty() {
            break;
        }
        tokio::select! {
            permit = sem.clone().acquire_owned(), if next < total => {
                let Ok(permit) = permit else { break };
                let stopped = stop.load(Ordering::SeqCst)
                    || opts.cancel.as_ref().is_some_and(|c| *c.borrow());
                if stopped {
                    // The loop's head marks the rest not run.
                    drop(permit);
                    continue;
                }
                let i = next;
                next += 1;
                let Some(p) = plan[i].take() else { continue };
                sink.on_event(&RunEvent::ScenarioStarted {
                    id: &p.id,
                    name: &p.scenario.name.value,
                });
                let (sem, stop, target, cancel) = (
                    sem.clone(),
                    stop.clone(),
                    target.clone(),
                    opts.cancel.clone(),
                );
                let fail_fast = opts.fail_fast;
                set.spawn(async move {
                    // Before anything is recorded: see `Redactor::scrub_scenario`.
                    let generation = target.redactor.generation();
                    let slot = super::steps::JobSlot::new(sem, permit);
                    let run = std::panic::AssertUnwindSafe(run_scenario(target, &p, cancel, &slot));
                    let r = futures::FutureExt::catch_unwind(run).await.unwrap_or_else(|panic| {
                        let what = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        not_running(&p, Outcome::Errored, format!("internal error in conform: {what}"))
                    });
                    // Before the slot is given back, so nothing else starts after a failure.
                    if fail_fast && matches!(r.outcome, Outcome::Failed | Outcome::Errored) {
                        stop.store(true, Ordering::SeqCst);
                    }
                    drop(slot);
                    (i, r, generation)
                });
            }
            joined = set.join_next(), if !set.is_empty() => match joined {
                Some(Ok((i, mut r, started_at))) => {
                    // Before anything prints it: every secret known so far is replaced.
                    scrubbed_at[i] = Some(target.redactor.generation());
                    target.redactor.scrub_scenario(&mut r, started_at);
                    sink.on_event(&RunEvent::ScenarioFinished { result: &r });
                    results[i] = Some(r);
                }
                Some(Err(e)) => {
                    // Panics are caught in the task; this is a task that was cancelled.
                    let message = format!("internal error in a scenario task: {e}");
                    sink.on_event(&RunEvent::Notice { level: NoticeLevel::Warning, message: &message });
                }
                None => {}
            },
            Some((level, message)) = next_notice(&mut opts.notices) => {
                sink.on_event(&RunEvent::Notice { level, message: &message });
            }
        }
    }
    if let Some(rx) = &mut opts.notices {
        while let Ok((level, message)) = rx.try_recv() {
            sink.on_event(&RunEvent::Notice {
                level,
                message: &message,
            });
        }
    }
    // Every scenario has its result: skipped and not-run ones from the loop, started ones from
    // their task (panics included). Should a task still be lost, an errored case says so, so
    // the run cannot pass with a scenario missing.
    let lost = results.iter().filter(|r| r.is_none()).count();
    // Secrets learned late (a token issued, a webhook secret returned by the target) are
    // replaced in earlier scenarios' results too, before any report is built: every scenario
    // scrubbed before the last secret was learned (or never) is scrubbed again.
    let generation = target.redactor.generation();
    let mut scenarios: Vec<ScenarioResult> = results
        .into_iter()
        .zip(scrubbed_at)
        .filter_map(|(r, at)| {
            let mut r = r?;
            if at.is_none_or(|at| at < generation) {
                target.redactor.scrub(&mut r);
            }
            Some(r)
        })
        .collect();
    if lost > 0 {
        let check = CheckOutcome {
            status: crate::results::CheckStatus::Failed,
            check: "scenario results".into(),
            expected: format!("{total} results"),
            actual: format!("{} results", total - lost),
            location: None,
            detail: None,
        };
        let mut r = super::verdicts::synthetic(
            "internal",
            "every scenario has a result",
            "internal error in conform: a scenario task ended without a result",
            vec![check],
        );
        r.outcome = Outcome::Errored;
        scenarios.push(r);
    }
    let summary = Summary::of(&scenarios);
    let auth = target.auth.as_ref().map(|a| a.stats()).unwrap_or_default();
    let interrupted = opts.cancel.as_ref().is_some_and(|c| *c.borrow());
    let result = RunResult {
        schema_version: RESULTS_SCHEMA_VERSION.to_string(),
        conform_version: env!("CARGO_PKG_VERSION").to_string(),
        environment,
        started_at,
        duration_ms: (t0.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0,
        scenarios,
        summary,
        auth,
        interrupted,
        verdicts: Vec::new(),
        contract: None,
        coverage: None,
        latency: None,
        rate_limits: None,
        webhook_receiver: None,
        extensions: Default::default(),
    };
    let mut result = result;
    if let Some(post) = &opts.post {
        post(&mut result);
    }
    // The run-wide parts (`post` reads the scenarios, it does not change them) likewise, and
    // every scenario again should a secret have been learned meanwhile.
    let scenarios = std::mem::take(&mut result.scenarios);
    target.redactor.scrub(&mut result);
    result.scenarios = scenarios;
    let generation_now = target.redactor.generation();
    if generation_now != generation {
        for s in &mut result.scenarios {
            target.redactor.scrub(s);
        }
    }
    sink.on_event(&RunEvent::RunFinished { result: &result });
    result
}
