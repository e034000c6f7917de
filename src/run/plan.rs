//! Plan: which scenarios of the loaded files run, which are skipped and why.
use crate::scenario::model::{Scenario, ScenarioFileDoc, Spanned, Step};
use crate::scenario::safety::{self, normalize_tag};
use crate::source::SourceLocation;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One scenario with everything it inherits from its file.
#[derive(Debug, Clone)]
pub struct PlannedScenario {
    pub id: String,
    pub file: String,
    pub suite: String,
    pub scenario: Arc<Scenario>,
    /// File-level variables (rendered before the scenario's own).
    pub file_vars: Arc<Vec<(String, Spanned<Value>)>>,
    pub tags: Vec<String>,
    pub requires: Vec<String>,
    pub location: SourceLocation,
    /// Set when the scenario will not run, with the reason.
    pub skip: Option<String>,
    /// The file's text (shared by its scenarios), for showing run errors at their line.
    pub source: Option<Arc<str>>,
}

/// Selection from the command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep scenarios having at least one of these tags (all when empty).
    pub tags: Vec<String>,
    pub exclude_tags: Vec<String>,
    /// Case-insensitive substring of the scenario id.
    pub filter: Option<String>,
    /// Keep scenarios whose `covers` names at least one of these rule ids (all when empty;
    /// compared case-insensitively).
    pub covers: Vec<String>,
    /// Deterministic partition `(k, n)`, 1-based.
    pub shard: Option<(u32, u32)>,
    /// Run scenarios refused on production (anything but GET/HEAD/OPTIONS, sandbox
    /// controls, webhook subscriptions, `destructive`).
    pub allow_destructive: bool,
}

/// What the environment offers, for a scenario's needs and production safety.
///
/// A scenario's needs are what it declares in `requires` (capabilities such as
/// `sandbox_controls`, or `client:NAME`, `data:NAME`, `var:NAME`) and what it uses: an
/// `auth: NAME` client (`client:NAME`), `auth: expired` (`short_lived_tokens`), a variable or
/// test data only some environments define (`var:NAME`, `data:NAME`).
#[derive(Debug, Clone, Default)]
pub struct TargetTraits {
    pub name: String,
    pub capabilities: BTreeSet<String>,
    /// Capabilities the environment declares but cannot offer in this run, with why (a
    /// webhook receiver a remote target cannot reach, ...).
    pub unmet: BTreeMap<String, String>,
    pub production: bool,
    /// Named OAuth clients of the environment (`default` is always there when auth is).
    pub clients: BTreeSet<String>,
    /// Variables and test data with a value.
    pub vars: BTreeSet<String>,
    /// Variables and test data named but without a value, with why.
    pub unavailable: BTreeMap<String, String>,
    /// Names that are test data (in any environment of the configuration).
    pub test_data: BTreeSet<String>,
}

/// Where the contract's sandbox controls live: a request there needs `sandbox_controls`.
pub const SANDBOX_CONTROLS_PREFIX: &str = "/sandbox/v1/";

/// A scenario file to plan: its path, the parsed document and, per scenario, the variables
/// it uses that only some environments define.
pub type PlanFile = (String, ScenarioFileDoc, Vec<BTreeSet<String>>);

/// Needs a scenario shows by what it does: the named clients of its steps,
/// `short_lived_tokens` for `auth: expired` (it waits for a token to expire) and
/// `sandbox_controls` for a request to the sandbox controls (`/sandbox/v1`, contract §7).
fn needs_of_steps(s: &Scenario, out: &mut BTreeSet<String>) {
    fn walk(step: &Step, out: &mut BTreeSet<String>) {
        if let Some(r) = &step.request {
            if r.value.path.value.starts_with(SANDBOX_CONTROLS_PREFIX) {
                out.insert("sandbox_controls".to_string());
            }
            if let Some(a) = &r.value.auth {
                if let Ok(sel) = a.value.parse::<crate::auth::AuthSelector>() {
                    match sel {
                        crate::auth::AuthSelector::Named(n) if n != "default" => {
                            out.insert(format!("client:{n}"));
                        }
                        crate::auth::AuthSelector::Expired => {
                            out.insert("short_lived_tokens".to_string());
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some(a) = step
            .subscribe_webhooks
            .as_ref()
            .and_then(|s| s.value.auth.as_ref())
        {
            if let Ok(crate::auth::AuthSelector::Named(n)) = a.value.parse() {
                if n != "default" {
                    out.insert(format!("client:{n}"));
                }
            }
        }
        for member in step.group.iter().flatten() {
            walk(&member.value, out);
        }
    }
    for step in s.setup.iter().chain(&s.steps).chain(&s.teardown) {
        walk(&step.value, out);
    }
}

/// Why `need` is not met on `target`, or `None` when it is.
fn unmet_need(need: &str, target: &TargetTraits) -> Option<String> {
    let value = |name: &str, what: &str| {
        if target.vars.contains(name) {
            None
        } else if let Some(why) = target.unavailable.get(name) {
            Some(format!("{what} `{name}` ({why})"))
        } else {
            Some(format!("{what} `{name}`"))
        }
    };
    if let Some(client) = need.strip_prefix("client:") {
        return (!target.clients.contains(client)).then(|| format!("OAuth client `{client}`"));
    }
    if let Some(name) = need.strip_prefix("data:") {
        return value(name, "test data");
    }
    if let Some(name) = need.strip_prefix("var:") {
        return value(name, "variable");
    }
    if let Some(why) = target.unmet.get(need) {
        return Some(format!("{need} ({why})"));
    }
    (!target.capabilities.contains(need)).then(|| need.to_string())
}

/// Flattens loaded files into planned scenarios, applies the selection and decides skips.
pub fn plan(files: Vec<PlanFile>, sel: &Selection, target: &TargetTraits) -> Vec<PlannedScenario> {
    let mut out = Vec::new();
    for (path, doc, needs) in files {
        let suite = doc.suite.clone().unwrap_or_else(|| {
            std::path::Path::new(&path)
                .file_stem()
                .map_or_else(|| path.clone(), |s| s.to_string_lossy().into_owned())
        });
        // Shared by the file's scenarios, not copied into each.
        let file_vars: Arc<Vec<(String, Spanned<Value>)>> = Arc::new(
            doc.vars
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        for (index, sc) in doc.scenarios.into_iter().enumerate() {
            let (line, column) = (sc.referenced.line(), sc.referenced.column());
            let s = sc.value;
            let id = format!("{path}::{}", s.name.value);
            let mut tags: Vec<String> = doc.tags.iter().chain(&s.tags).cloned().collect();
            tags.dedup();
            let mut declared: BTreeSet<String> = doc
                .requires
                .iter()
                .chain(&s.requires)
                .map(|r| r.value.clone())
                .collect();
            needs_of_steps(&s, &mut declared);
            for name in needs.get(index).into_iter().flatten() {
                let kind = if target.test_data.contains(name) {
                    "data"
                } else {
                    "var"
                };
                declared.insert(format!("{kind}:{name}"));
            }
            let requires: Vec<String> = declared.into_iter().collect();
            if !sel.tags.is_empty() && !tags.iter().any(|t| sel.tags.contains(t)) {
                continue;
            }
            if tags.iter().any(|t| sel.exclude_tags.contains(t)) {
                continue;
            }
            if let Some(f) = &sel.filter {
                if !id.to_lowercase().contains(&f.to_lowercase()) {
                    continue;
                }
            }
            if !sel.covers.is_empty()
                && !s
                    .covers
                    .iter()
                    .any(|c| sel.covers.iter().any(|r| r.eq_ignore_ascii_case(c)))
            {
                continue;
            }
            if let Some((k, n)) = sel.shard {
                if shard_of(&id, n) != k {
                    continue;
                }
            }
            let missing: Vec<String> = requires
                .iter()
                .filter_map(|r| unmet_need(r, target))
                .collect();
            let skip = if !missing.is_empty() {
                Some(format!(
                    "environment `{}` lacks {}",
                    target.name,
                    missing.join(", ")
                ))
            } else if target.production && !sel.allow_destructive {
                production_refusal(&s, &tags, &requires, &path, &target.name)
            } else {
                None
            };
            out.push(PlannedScenario {
                id,
                file: path.clone(),
                suite: suite.clone(),
                scenario: Arc::new(s),
                file_vars: file_vars.clone(),
                tags,
                requires,
                location: SourceLocation {
                    file: path.clone(),
                    line,
                    column,
                },
                skip,
                source: doc.source.clone(),
            });
        }
    }
    out
}

/// Why a scenario may not run on a production environment, or `None` when it is read-only:
/// tagged destructive (however spelled), needing the sandbox controls, or sending anything
/// but GET/HEAD/OPTIONS (or touching the sandbox controls) in any phase.
fn production_refusal(
    s: &Scenario,
    tags: &[String],
    requires: &[String],
    file: &str,
    env: &str,
) -> Option<String> {
    let mut why: Vec<String> = Vec::new();
    if tags
        .iter()
        .any(|t| normalize_tag(t) == safety::DESTRUCTIVE_TAG)
    {
        why.push("it is tagged destructive".into());
    }
    if requires.iter().any(|r| r == "sandbox_controls") {
        why.push("it requires sandbox_controls".into());
    }
    let actions = safety::unsafe_actions(s);
    if let Some(first) = actions.first() {
        let more = match actions.len() - 1 {
            0 => String::new(),
            n => format!(" and {n} more unsafe request(s)"),
        };
        why.push(format!(
            "it sends {} ({file}:{}:{}){more}",
            first.what, first.line, first.column
        ));
    }
    (!why.is_empty()).then(|| {
        format!(
            "refused on production environment `{env}`: {}; pass --allow-destructive to run it",
            why.join(", ")
        )
    })
}

/// Stable shard (1..=n) of a scenario id: FNV-1a of the id, so adding files moves nothing else.
pub fn shard_of(id: &str, n: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % u64::from(n.max(1))) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(y: &str) -> ScenarioFileDoc {
        serde_saphyr::from_str(y).expect("yaml")
    }

    #[test]
    fn selection_and_skips() {
        let d = doc("tags: [orders]\nscenarios:\n  - name: a\n    tags: [smoke]\n  - name: b\n    requires: [sandbox_controls]\n  - name: c\n    tags: [destructive]\n");
        let files = vec![("s/o.yaml".to_string(), d, Vec::new())];
        let t = TargetTraits {
            name: "prod".into(),
            production: true,
            ..TargetTraits::default()
        };
        let p = plan(files.clone(), &Selection::default(), &t);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].skip, None);
        assert_eq!(
            p[1].skip.as_deref(),
            Some("environment `prod` lacks sandbox_controls")
        );
        assert!(p[2]
            .skip
            .as_deref()
            .unwrap_or_default()
            .starts_with("refused on production"));
        // The guard reads what a scenario does, not only its tags.
        let d = doc("scenarios:\n  - name: post\n    steps:\n      - request: {method: post, path: /api/v1/orders}\n  - name: untagged delete\n    teardown:\n      - request: {method: DELETE, path: /api/v1/orders/1}\n  - name: spaced tag\n    tags: ['Destructive ']\n    steps:\n      - request: {method: GET, path: /api/v1/orders}\n  - name: read\n    steps:\n      - request: {method: GET, path: /api/v1/orders}\n");
        let p = plan(
            vec![("s/w.yaml".to_string(), d, Vec::new())],
            &Selection::default(),
            &t,
        );
        let skips: Vec<Option<&str>> = p.iter().map(|p| p.skip.as_deref()).collect();
        assert_eq!(
            skips,
            [
                Some("refused on production environment `prod`: it sends POST /api/v1/orders (s/w.yaml:4:18); pass --allow-destructive to run it"),
                Some("refused on production environment `prod`: it sends DELETE /api/v1/orders/1 (s/w.yaml:7:18); pass --allow-destructive to run it"),
                Some("refused on production environment `prod`: it is tagged destructive; pass --allow-destructive to run it"),
                None
            ]
        );
        let only_smoke = plan(
            files.clone(),
            &Selection {
                tags: vec!["smoke".into()],
                ..Selection::default()
            },
            &t,
        );
        assert_eq!(only_smoke.len(), 1);
        let filtered = plan(
            files.clone(),
            &Selection {
                filter: Some("O.YAML::B".into()),
                ..Selection::default()
            },
            &t,
        );
        assert_eq!(filtered.len(), 1);
        assert_eq!(filtered[0].id, "s/o.yaml::b");
    }

    #[test]
    fn covers_keeps_the_scenarios_that_cover_a_rule() {
        let d = doc("scenarios:\n  - name: a\n    covers: [ORD-CREATE, IDEM-REPLAY]\n  - name: b\n    covers: [RL-429]\n  - name: c\n");
        let files = vec![("s/c.yaml".to_string(), d, Vec::new())];
        let t = TargetTraits::default();
        let ids = |covers: &[&str]| -> Vec<String> {
            let sel = Selection {
                covers: covers.iter().map(|c| c.to_string()).collect(),
                ..Selection::default()
            };
            plan(files.clone(), &sel, &t)
                .into_iter()
                .map(|p| p.id)
                .collect()
        };
        assert_eq!(ids(&[]).len(), 3);
        assert_eq!(ids(&["idem-replay"]), ["s/c.yaml::a"]);
        assert_eq!(
            ids(&["RL-429", "ORD-CREATE"]),
            ["s/c.yaml::a", "s/c.yaml::b"]
        );
        assert!(ids(&["NO-SUCH-RULE"]).is_empty());
    }

    #[test]
    fn needs_declared_and_used_skip_with_reasons() {
        let d = doc("scenarios:\n  - name: ro\n    steps:\n      - request: {method: GET, path: /x, auth: readonly}\n  - name: expired\n    steps:\n      - request: {method: GET, path: /x, auth: expired}\n  - name: data\n    steps: []\n  - name: hooks\n    requires: [webhooks]\n  - name: plain\n    steps:\n      - request: {method: GET, path: /x, auth: default}\n  - name: controls\n    steps:\n      - request: {method: GET, path: /sandbox/v1/products/SKU-1}\n");
        let needs = vec![
            BTreeSet::from(["ro_id".to_string()]),
            BTreeSet::new(),
            BTreeSet::from(["declining_customer".to_string()]),
        ];
        let files = vec![("a.yaml".to_string(), d, needs)];
        let staging = TargetTraits {
            name: "staging".into(),
            capabilities: BTreeSet::from(["webhooks".to_string()]),
            unmet: BTreeMap::from([(
                "webhooks".to_string(),
                "no public URL for a remote target".to_string(),
            )]),
            clients: BTreeSet::from(["default".to_string()]),
            unavailable: BTreeMap::from([(
                "ro_id".to_string(),
                "environment variable RO is not set".to_string(),
            )]),
            test_data: BTreeSet::from(["declining_customer".to_string()]),
            ..TargetTraits::default()
        };
        let p = plan(files.clone(), &Selection::default(), &staging);
        let skips: Vec<Option<&str>> = p.iter().map(|s| s.skip.as_deref()).collect();
        assert_eq!(
            skips,
            [
                Some("environment `staging` lacks OAuth client `readonly`, variable `ro_id` (environment variable RO is not set)"),
                Some("environment `staging` lacks short_lived_tokens"),
                Some("environment `staging` lacks test data `declining_customer`"),
                Some("environment `staging` lacks webhooks (no public URL for a remote target)"),
                None,
                Some("environment `staging` lacks sandbox_controls"),
            ]
        );
        assert_eq!(p[0].requires, ["client:readonly", "var:ro_id"]);
        assert_eq!(p[2].requires, ["data:declining_customer"]);
        let local = TargetTraits {
            name: "local".into(),
            capabilities: BTreeSet::from([
                "webhooks".to_string(),
                "short_lived_tokens".to_string(),
            ]),
            clients: BTreeSet::from(["default".to_string(), "readonly".to_string()]),
            vars: BTreeSet::from(["ro_id".to_string(), "declining_customer".to_string()]),
            test_data: BTreeSet::from(["declining_customer".to_string()]),
            ..TargetTraits::default()
        };
        let p = plan(files, &Selection::default(), &local);
        assert!(p[..5].iter().all(|s| s.skip.is_none()), "{p:?}");
    }

    #[test]
    fn a_subscription_of_another_client_needs_that_client() {
        let d = doc("scenarios:\n  - name: theirs\n    steps:\n      - subscribe_webhooks: {events: [order.created], auth: other}\n  - name: mine\n    steps:\n      - subscribe_webhooks: {events: [order.created], auth: default}\n");
        let files = vec![(
            "w.yaml".to_string(),
            d,
            vec![BTreeSet::new(), BTreeSet::new()],
        )];
        let target = TargetTraits {
            name: "staging".into(),
            clients: BTreeSet::from(["default".to_string()]),
            ..TargetTraits::default()
        };
        let p = plan(files, &Selection::default(), &target);
        assert_eq!(p[0].requires, ["client:other"]);
        assert_eq!(
            p[0].skip.as_deref(),
            Some("environment `staging` lacks OAuth client `other`")
        );
        assert!(p[1].requires.is_empty() && p[1].skip.is_none(), "{p:?}");
    }

    #[test]
    fn shards_partition() {
        let ids: Vec<String> = (0..200).map(|i| format!("f{i}.yaml::s")).collect();
        let mut counts = [0; 4];
        for id in &ids {
            let s = shard_of(id, 4);
            assert!((1..=4).contains(&s));
            counts[(s - 1) as usize] += 1;
        }
        assert!(counts.iter().all(|c| *c > 20), "{counts:?}");
    }
}
