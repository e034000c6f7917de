//! `conform init`: a first suite for any API from its OpenAPI document — a `conform.yaml` with
//! one environment, and a scenario file per tag with a smoke scenario per operation (built
//! from the document's examples, else from its schemas) that expects the documented status.
mod example;

use crate::contract::{Contract, ContractError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What `conform init` was asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The OpenAPI document.
    pub contract: PathBuf,
    /// The environment's base URL; without it, `CONFORM_BASE_URL` is read at run time.
    pub base_url: Option<String>,
    /// Folder that receives `conform.yaml` and `scenarios/`.
    pub dir: PathBuf,
}

/// What `conform init` wrote.
#[derive(Debug, Clone)]
pub struct InitOutput {
    pub files: Vec<PathBuf>,
    pub operations: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error("refusing to overwrite {}: conform init only writes new files", .0.display())]
    Exists(PathBuf),
    #[error("{}: the contract documents no operations under `paths`", .0.display())]
    NoOperations(PathBuf),
    #[error("failed to write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One generated smoke scenario.
#[derive(Debug)]
struct Smoke {
    name: String,
    covers: String,
    method: String,
    path: String,
    query: Vec<(String, Value)>,
    headers: Vec<(String, String)>,
    json: Option<Value>,
    status: Option<String>,
}

/// Writes the files, or none of them when one already exists.
pub fn init(opts: &InitOptions) -> Result<InitOutput, InitError> {
    let contract = Contract::load(&opts.contract)?;
    let doc = contract.doc.as_ref();
    let mut by_tag: BTreeMap<String, Vec<Smoke>> = BTreeMap::new();
    let mut operations = 0;
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (template, item) in paths {
            let Some(item) = example::resolve(doc, item) else {
                continue;
            };
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let tag = op
                    .get("tags")
                    .and_then(Value::as_array)
                    .and_then(|t| t.first())
                    .and_then(Value::as_str)
                    .unwrap_or("default");
                by_tag
                    .entry(file_stem(tag))
                    .or_default()
                    .push(smoke(doc, template, method, item, op));
                operations += 1;
            }
        }
    }
    if operations == 0 {
        return Err(InitError::NoOperations(opts.contract.clone()));
    }
    let mut planned: Vec<(PathBuf, String)> = vec![(
        opts.dir.join("conform.yaml"),
        config_text(opts, contract.title()),
    )];
    for (stem, smokes) in &by_tag {
        planned.push((
            opts.dir.join("scenarios").join(format!("{stem}.yaml")),
            scenario_text(stem, smokes, &opts.contract),
        ));
    }
    if let Some((p, _)) = planned.iter().find(|(p, _)| p.exists()) {
        return Err(InitError::Exists(p.clone()));
    }
    let mut files = Vec::new();
    for (path, text) in planned {
        write_new(&path, &text)?;
        files.push(path);
    }
    Ok(InitOutput { files, operations })
}

/// Creates `path` (and its folder); an existing file is never replaced, even one that
/// appeared since the check.
fn write_new(path: &Path, text: &str) -> Result<(), InitError> {
    use std::io::Write;
    let err = |source| InitError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                InitError::Exists(path.to_path_buf())
            } else {
                err(e)
            }
        })?;
    f.write_all(text.as_bytes()).map_err(err)
}

fn file_stem(tag: &str) -> String {
    let s: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "default".into()
    } else {
        s
    }
}

fn smoke(doc: &Value, template: &str, method: &str, item: &Value, op: &Value) -> Smoke {
    let mut params: Vec<&Value> = Vec::new();
    for list in [item.get("parameters"), op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            if let Some(p) = example::resolve(doc, p) {
                // An operation's parameter replaces the path item's of the same name and place.
                params.retain(|q| q.get("name") != p.get("name") || q.get("in") != p.get("in"));
                params.push(p);
            }
        }
    }
    let mut path = template.to_string();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for p in params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let place = p.get("in").and_then(Value::as_str).unwrap_or_default();
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let value = example::of_holder(doc, p).unwrap_or(Value::String("example".into()));
        match place {
            "path" => {
                path = path.replace(&format!("{{{name}}}"), &encode_segment(&plain(&value)));
            }
            "query" if required => query.push((name.to_string(), value)),
            "header" if required => headers.push((name.to_string(), plain(&value))),
            _ => {}
        }
    }
    let json = op
        .get("requestBody")
        .and_then(|b| example::resolve(doc, b))
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .and_then(|c| {
            c.iter()
                .find(|(k, _)| is_json(k))
                .and_then(|(_, media)| example::of_holder(doc, media))
        });
    let op_id = op.get("operationId").and_then(Value::as_str);
    let status = expected_status(op);
    let label = op_id.map_or_else(
        || format!("{} {template}", method.to_uppercase()),
        str::to_string,
    );
    let name = match &status {
        Some(s) => format!("{label} answers {s}"),
        None => format!("{label} answers as documented"),
    };
    let covers = format!(
        "{}-{}",
        op_id.map_or_else(
            || format!("{}-{}", method.to_uppercase(), template.trim_matches('/')),
            str::to_string
        ),
        status.as_deref().unwrap_or("documented")
    );
    Smoke {
        name,
        covers,
        method: method.to_uppercase(),
        path,
        query,
        headers,
        json,
        status,
    }
}

fn is_json(media_type: &str) -> bool {
    let m = media_type.to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json")
}

/// The lowest documented success (`200`, else a class `2xx`), else the lowest documented code.
fn expected_status(op: &Value) -> Option<String> {
    let responses = op.get("responses").and_then(Value::as_object)?;
    let mut codes: Vec<&String> = responses
        .keys()
        .filter(|k| k.len() == 3 && k.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    codes.sort();
    if let Some(c) = codes.iter().find(|c| c.starts_with('2')) {
        return Some((*c).clone());
    }
    if responses.keys().any(|k| k.eq_ignore_ascii_case("2XX")) {
        return Some("2xx".into());
    }
    codes.first().map(|c| (*c).clone())
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A YAML scalar that reads back as exactly this string (JSON string syntax is YAML).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The path of the contract as `conform.yaml` names it: relative to the config's folder
/// when it lies inside it, else absolute.
fn contract_ref(opts: &InitOptions) -> String {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let contract = abs(&opts.contract);
    let dir = abs(&opts.dir);
    let p = contract
        .strip_prefix(&dir)
        .map_or(contract.clone(), Path::to_path_buf);
    p.to_string_lossy().replace('\\', "/")
}

fn config_text(opts: &InitOptions, title: &str) -> String {
    let base = match &opts.base_url {
        Some(u) => quoted(u),
        None => "{env: CONFORM_BASE_URL, default: \"http://localhost:8080\"}".into(),
    };
    [
        format!(
            "# conform configuration for {}, written by `conform init`.",
            title.replace('\n', " ")
        ),
        "# Every key is documented in conform's docs/config.md; `conform schema config` prints"
            .into(),
        "# its JSON Schema. Secrets are never written here: use {env: NAME} or {file: PATH}."
            .into(),
        format!("contract: {}", quoted(&contract_ref(opts))),
        "default_env: dev".into(),
        String::new(),
        "environments:".into(),
        "  dev:".into(),
        format!("    base_url: {base}"),
        "    timeouts: {request: 10s, connect: 2s}".into(),
        "    # headers: {X-Api-Key: {env: MY_API_KEY}}   # added to every request".into(),
        "    # auth: OAuth 2.0 client credentials, API key, bearer or mTLS (docs/auth.md)".into(),
        String::new(),
    ]
    .join("\n")
}

fn scenario_text(stem: &str, smokes: &[Smoke], contract: &Path) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Smoke scenarios written by `conform init` from {}: one per operation, with the\n\
# document's examples (or values made from its schemas) and the documented status.\n\
# Every response is also checked against the contract. Edit freely: docs/scenarios.md.",
        contract.display()
    );
    let _ = writeln!(t, "suite: {}", quoted(stem));
    let _ = writeln!(t, "tags: [{}]", quoted(stem));
    let _ = writeln!(t, "scenarios:");
    let mut seen = std::collections::BTreeSet::new();
    for s in smokes {
        let mut name = s.name.clone();
        let mut n = 2;
        while !seen.insert(name.clone()) {
            name = format!("{} ({n})", s.name);
            n += 1;
        }
        let _ = writeln!(t, "  - name: {}", quoted(&name));
        let _ = writeln!(t, "    covers: [{}]", quoted(&s.covers));
        let _ = writeln!(t, "    steps:");
        let _ = writeln!(t, "      - request:");
        let _ = writeln!(t, "          method: {}", s.method);
        let _ = writeln!(t, "          path: {}", quoted(&s.path));
        if !s.query.is_empty() {
            let _ = writeln!(t, "          query:");
            for (k, v) in &s.query {
                let _ = writeln!(t, "            {}: {}", quoted(k), v);
            }
        }
        if !s.headers.is_empty() {
            let _ = writeln!(t, "          headers:");
            for (k, v) in &s.headers {
                let _ = writeln!(t, "            {}: {}", quoted(k), quoted(v));
            }
        }
        if let Some(j) = &s.json {
            let _ = writeln!(t, "          json: {j}");
        }
        if let Some(status) = &s.status {
            let code = if status.bytes().all(|b| b.is_ascii_digit()) {
                status.clone()
            } else {
                quoted(status)
            };
            let _ = writeln!(t, "        expect:");
            let _ = writeln!(t, "          status: {code}");
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_status_and_names() {
        let op = serde_json::json!({"responses": {"404": {}, "201": {}, "200": {}}});
        assert_eq!(expected_status(&op).as_deref(), Some("200"));
        let op = serde_json::json!({"responses": {"2XX": {}, "default": {}}});
        assert_eq!(expected_status(&op).as_deref(), Some("2xx"));
        assert_eq!(file_stem("Pet Store"), "pet-store");
        assert_eq!(encode_segment("a b/c"), "a%20b%2Fc");
    }
}
