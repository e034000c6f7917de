//! Plan: which scenarios of the loaded files run, which are skipped and why.
use crate::scenario::model::{Scenario, ScenarioFileDoc, Spanned};
use crate::source::SourceLocation;
use serde_json::Value;
use std::collections::BTreeSet;
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
}

/// Selection from the command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep scenarios having at least one of these tags (all when empty).
    pub tags: Vec<String>,
    pub exclude_tags: Vec<String>,
    /// Case-insensitive substring of the scenario id.
    pub filter: Option<String>,
    /// Deterministic partition `(k, n)`, 1-based.
    pub shard: Option<(u32, u32)>,
    /// Run scenarios refused on production (`destructive`, `sandbox_controls`).
    pub allow_destructive: bool,
}

/// What the environment offers, for `requires` and production safety.
#[derive(Debug, Clone, Default)]
pub struct TargetTraits {
    pub name: String,
    pub capabilities: BTreeSet<String>,
    pub production: bool,
}

/// Flattens loaded files into planned scenarios, applies the selection and decides skips.
pub fn plan(
    files: Vec<(String, ScenarioFileDoc)>,
    sel: &Selection,
    target: &TargetTraits,
) -> Vec<PlannedScenario> {
    let mut out = Vec::new();
    for (path, doc) in files {
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
        for sc in doc.scenarios {
            let (line, column) = (sc.referenced.line(), sc.referenced.column());
            let s = sc.value;
            let id = format!("{path}::{}", s.name.value);
            let mut tags: Vec<String> = doc.tags.iter().chain(&s.tags).cloned().collect();
            tags.dedup();
            let mut requires: Vec<String> = doc
                .requires
                .iter()
                .chain(&s.requires)
                .map(|r| r.value.clone())
                .collect();
            requires.sort();
            requires.dedup();
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
            if let Some((k, n)) = sel.shard {
                if shard_of(&id, n) != k {
                    continue;
                }
            }
            let missing: Vec<&str> = requires
                .iter()
                .filter(|r| !target.capabilities.contains(*r))
                .map(String::as_str)
                .collect();
            let skip = if !missing.is_empty() {
                Some(format!(
                    "environment `{}` lacks {}",
                    target.name,
                    missing.join(", ")
                ))
            } else if target.production && !sel.allow_destructive {
                let refused: Vec<&str> = tags
                    .iter()
                    .map(String::as_str)
                    .filter(|t| *t == "destructive")
                    .chain(
                        requires
                            .iter()
                            .map(String::as_str)
                            .filter(|r| *r == "sandbox_controls"),
                    )
                    .collect();
                (!refused.is_empty()).then(|| {
                    format!(
                        "refused on production environment `{}` ({}); pass --allow-destructive to run it",
                        target.name,
                        refused.join(", ")
                    )
                })
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
            });
        }
    }
    out
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
        let files = vec![("s/o.yaml".to_string(), d)];
        let t = TargetTraits {
            name: "prod".into(),
            capabilities: BTreeSet::new(),
            production: true,
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
