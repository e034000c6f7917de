//! The crate's stages import one way only. Each top-level module of `src/` has a layer; a
//! module may import (`crate::<module>`) only modules of a lower layer, so no stage imports a
//! later one and the graph has no cycle. Test code (from a file's first `#[cfg(test)]` on, and
//! `tests.rs`/`testdata.rs` files) is left out: tests may reach anywhere.
//!
//! `cargo test --test it module_graph -- --nocapture` prints the graph. A new top-level module
//! needs a row in [`LAYERS`]: that is where its place in the pipeline is decided.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom first. Modules on one layer do not import each other.
const LAYERS: &[(&str, u8, &str)] = &[
    (
        "source",
        0,
        "source locations, spans, YAML reading, diagnostics",
    ),
    ("results", 1, "results, outcomes and verdicts as plain data"),
    ("template", 1, "the template engine"),
    ("config", 2, "conform.yaml → environments"),
    ("scenario", 3, "YAML scenarios → validated model"),
    ("contract", 3, "the OpenAPI document, coverage, latency"),
    ("auth", 3, "token sources"),
    ("webhook", 3, "receiver, signatures, inbox"),
    ("check", 4, "expectations → check outcomes"),
    (
        "init",
        4,
        "conform init: a first suite from an OpenAPI document",
    ),
    ("run", 5, "plan → execute → events and results"),
    ("report", 6, "consumers of events and results"),
    (
        "parity",
        7,
        "two runs' results compared (environment parity), written with the report stage's JUnit writer",
    ),
    (
        "session",
        7,
        "the library's entry point: options → prepared run → events and reports",
    ),
    ("cli", 8, "clap types, the command line"),
];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Names `crate::<name>` refers to in `text`.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::`, `my_crate::`
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            refs.insert(name);
        }
    }
    refs
}

/// Top-level module → the top-level modules its non-test code imports.
fn module_graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(src)
        .expect("read src/")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for p in entries {
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if p.is_dir() {
            let mut files = Vec::new();
            rust_files(&p, &mut files);
            modules.insert(stem.to_string(), files);
        } else if p.extension().is_some_and(|x| x == "rs") && stem != "main" && stem != "lib" {
            modules.insert(stem.to_string(), vec![p]);
        }
    }
    for (name, files) in &modules {
        let mut deps = BTreeSet::new();
        for f in files {
            let base = f.file_name().and_then(|s| s.to_str()).unwrap_or_default();
            if base == "tests.rs" || base == "testdata.rs" {
                continue;
            }
            let text = std::fs::read_to_string(f).expect("read source file");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            deps.extend(
                crate_refs(code)
                    .into_iter()
                    .filter(|d| d != name && modules.contains_key(d)),
            );
        }
        graph.insert(name.clone(), deps);
    }
    graph
}

/// Every strongly connected group of more than one module (each one is a cycle).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    // A module is in a cycle with `m` when each reaches the other.
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for d in graph.get(&m).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
    for (m, r) in &reaches {
        let mut group: Vec<String> = r
            .iter()
            .filter(|o| reaches.get(o).is_some_and(|back| back.contains(*m)))
            .cloned()
            .collect();
        if group.len() > 1 {
            group.sort();
            groups.insert(group);
        }
    }
    groups.into_iter().collect()
}

fn layer_violations(graph: &Graph) -> Vec<String> {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().map(|(m, l, _)| (*m, *l)).collect();
    let mut problems = Vec::new();
    for (m, deps) in graph {
        let Some(&lm) = layer.get(m.as_str()) else {
            problems.push(format!(
                "module `{m}` has no layer: add it to LAYERS in tests/it/module_graph.rs"
            ));
            continue;
        };
        for d in deps {
            if let Some(&ld) = layer.get(d.as_str()) {
                if ld >= lm {
                    problems.push(format!(
                        "`{m}` (layer {lm}) imports `{d}` (layer {ld}): a stage may import only earlier ones"
                    ));
                }
            }
        }
    }
    problems
}

fn print(graph: &Graph) {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().map(|(m, l, _)| (*m, *l)).collect();
    let mut rows: Vec<(&String, &BTreeSet<String>)> = graph.iter().collect();
    rows.sort_by_key(|(m, _)| (layer.get(m.as_str()).copied().unwrap_or(u8::MAX), *m));
    for (m, deps) in rows {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        let deps = if deps.is_empty() {
            "-".to_string()
        } else {
            deps.join(", ")
        };
        match layer.get(m.as_str()) {
            Some(l) => println!("{l} {m} -> {deps}"),
            None => println!("? {m} -> {deps}"),
        }
    }
}

#[test]
fn stages_import_only_earlier_stages() {
    let graph = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    print(&graph);
    let cycles = cycles(&graph);
    let mut problems: Vec<String> = cycles
        .iter()
        .map(|c| format!("import cycle: {}", c.join(" <-> ")))
        .collect();
    problems.extend(layer_violations(&graph));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_catches_a_cycle_and_a_backward_import() {
    let graph: Graph = [
        ("source", vec![]),
        ("config", vec!["source", "run"]),
        ("run", vec!["config", "source"]),
        ("report", vec!["run"]),
    ]
    .into_iter()
    .map(|(m, d)| (m.to_string(), d.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(
        cycles(&graph),
        vec![vec!["config".to_string(), "run".to_string()]]
    );
    let v = layer_violations(&graph);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].contains("`config` (layer 2) imports `run` (layer 5)"),
        "{v:?}"
    );
    let unknown: Graph = [("someday".to_string(), BTreeSet::new())]
        .into_iter()
        .collect();
    assert!(layer_violations(&unknown)[0].contains("module `someday` has no layer"));
}

#[test]
fn references_are_read_from_paths_not_words() {
    let refs = crate_refs("use crate::run::x; $crate::config::y; my_crate::auth; crate::source");
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    assert_eq!(refs, ["run", "source"]);
}
