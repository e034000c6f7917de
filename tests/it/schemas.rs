//! The JSON Schemas of `conform.yaml` and scenario files: the shipped copies in `schemas/` are
//! what `conform schema` prints, and every shipped file and every YAML example of the docs
//! validates against them (whole files against the root, fragments against the definition
//! of what they show: a list of steps, a step, an `expect`, a request, an environment).
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped(name: &str) -> Value {
    let text = std::fs::read_to_string(repo().join("schemas").join(name)).expect("shipped schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

/// A validator for `definition` of `schema` (`None`: the root).
fn validator(schema: &Value, definition: Option<&str>) -> jsonschema::Validator {
    let target = match definition {
        None => schema.clone(),
        Some(d) => {
            let mut s = json!({"$defs": schema["$defs"].clone()});
            // A fragment shows some keys of its node, not necessarily the required ones.
            if let Some(def) = s["$defs"].get_mut(d).and_then(Value::as_object_mut) {
                def.remove("required");
            }
            s["$ref"] = Value::String(format!("#/$defs/{d}"));
            if d == "Step[]" {
                s["$ref"] = Value::Null;
                s.as_object_mut().map(|o| o.remove("$ref"));
                s["type"] = json!("array");
                s["items"] = json!({"$ref": "#/$defs/Step"});
            }
            s
        }
    };
    jsonschema::validator_for(&target).expect("the schema compiles")
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

#[test]
fn the_shipped_schemas_are_what_conform_schema_prints() {
    for (kind, file) in [
        ("config", "conform.schema.json"),
        ("scenario", "scenario.schema.json"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(["schema", kind])
            .output()
            .expect("conform runs");
        assert!(out.status.success());
        let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(
            printed,
            shipped(file),
            "schemas/{file} is stale: run `conform schema {kind} > schemas/{file}`"
        );
    }
    assert_eq!(
        shipped("conform.schema.json"),
        conform::config::config_schema()
    );
    assert_eq!(
        shipped("scenario.schema.json"),
        conform::scenario::scenario_schema()
    );
}

#[test]
fn every_shipped_file_validates() {
    let config = validator(&shipped("conform.schema.json"), None);
    let scenario = validator(&shipped("scenario.schema.json"), None);
    let mut configs = vec![
        repo().join("conform.yaml"),
        repo().join("tests/anyapi/conform.yaml"),
    ];
    configs.retain(|p| p.exists());
    for p in &configs {
        let e = errors(&config, &yaml(&std::fs::read_to_string(p).expect("read")));
        assert!(e.is_empty(), "{}: {e:#?}", p.display());
    }
    let mut files = Vec::new();
    yaml_files(&repo().join("scenarios"), &mut files);
    yaml_files(&repo().join("tests/anyapi/scenarios"), &mut files);
    assert!(files.len() >= 10, "{files:?}");
    for p in &files {
        let text = std::fs::read_to_string(p).expect("read");
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{}: no schema modeline",
            p.display()
        );
        let e = errors(&scenario, &yaml(&text));
        assert!(e.is_empty(), "{}: {e:#?}", p.display());
    }
}

#[test]
fn the_schemas_refuse_what_conform_refuses() {
    let scenario = validator(&shipped("scenario.schema.json"), None);
    let bad = yaml("scenarios:\n  - name: x\n    steps:\n      - request: {method: GET, path: /}\n        expcet: {status: 200}\n");
    assert!(!errors(&scenario, &bad).is_empty(), "an unknown key passes");
    let bad = yaml("scenarios:\n  - name: x\n    steps:\n      - request: {method: GET, path: /}\n        expect: {status: 999}\n");
    assert!(!errors(&scenario, &bad).is_empty(), "status 999 passes");
    let config = validator(&shipped("conform.schema.json"), None);
    let bad = yaml("environments:\n  dev:\n    base_url: {env: X, file: y}\n");
    assert!(
        !errors(&config, &bad).is_empty(),
        "env and file together pass"
    );
    let good = yaml("environments:\n  dev:\n    base_url: http://x\n    headers: {X-Request-ID: null, Accept: text/csv}\n");
    assert!(errors(&config, &good).is_empty());
}

/// The YAML blocks of a Markdown file, with the line each starts on.
fn yaml_blocks(md: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in md.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```yaml") => {
                current = Some((i + 1, String::new()))
            }
            Some(_) if line.trim_start().starts_with("```") => out.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    out
}

fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_docs_example_validates() {
    let config_schema = shipped("conform.schema.json");
    let scenario_schema = shipped("scenario.schema.json");
    // A fragment of conform.yaml's top level (e.g. only its `parity:` section).
    let mut config_fragment = config_schema.clone();
    if let Some(o) = config_fragment.as_object_mut() {
        o.remove("required");
    }
    let keys_of = |schema: &Value, def: &str| -> Vec<String> {
        schema["$defs"][def]["properties"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut checked = 0;
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.push(repo().join("README.md"));
    for doc in docs {
        let md = std::fs::read_to_string(&doc).expect("read");
        for (line, block) in yaml_blocks(&md) {
            let text = dedent(&block);
            let value = yaml(&text);
            let place = format!("{}:{line}", doc.display());
            let (schema, def): (&Value, Option<&str>) = match &value {
                Value::Array(_) => (&scenario_schema, Some("Step[]")),
                Value::Object(o) if o.contains_key("environments") => (&config_schema, None),
                Value::Object(o) if o.contains_key("scenarios") || o.contains_key("suite") => {
                    (&scenario_schema, None)
                }
                Value::Object(o)
                    if !o.is_empty()
                        && o.keys()
                            .all(|k| config_schema["properties"].get(k).is_some()) =>
                {
                    (&config_fragment, None)
                }
                Value::Object(o) => {
                    // A fragment: the first definition whose keys it uses and that it satisfies.
                    let fitting: Vec<(&Value, &str)> = [
                        (&scenario_schema, "Step"),
                        (&scenario_schema, "Expect"),
                        (&scenario_schema, "Request"),
                        (&config_schema, "EnvironmentDoc"),
                    ]
                    .into_iter()
                    .filter(|(schema, def)| {
                        let keys = keys_of(schema, def);
                        o.keys().all(|k| keys.contains(k))
                    })
                    .collect();
                    assert!(
                        !fitting.is_empty(),
                        "{place}: an example that is none of config, scenario file, steps, step, expect, request or environment:\n{text}"
                    );
                    let (schema, def) = fitting
                        .iter()
                        .copied()
                        .find(|(schema, def)| {
                            errors(&validator(schema, Some(def)), &value).is_empty()
                        })
                        .unwrap_or(fitting[0]);
                    (schema, Some(def))
                }
                // Only a comment (the modeline example).
                Value::Null => continue,
                _ => panic!("{place}: not a mapping or a list:\n{text}"),
            };
            let e = errors(&validator(schema, def), &value);
            assert!(e.is_empty(), "{place} ({def:?}): {e:#?}\n{text}");
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} examples found");
}
