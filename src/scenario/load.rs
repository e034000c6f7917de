//! Finding scenario files and parsing them into [`ScenarioFileDoc`]s, with YAML errors turned
//! into [`Diagnostic`]s (several per file where the damage is local to a scenario or a step).

use super::model::ScenarioFileDoc;
use crate::source::yaml::{from_yaml, yaml_message};
use crate::source::Diagnostic;
use crate::source::SourceLocation;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A parsed scenario file.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// The path as given (relative paths stay relative), used in diagnostics and ids.
    pub path: PathBuf,
    pub source: Arc<str>,
    pub doc: ScenarioFileDoc,
    /// Per scenario (in file order): the variables it uses that only some environments of
    /// the configuration define (`ValidationContext::optional_vars`).
    pub needs: Vec<std::collections::BTreeSet<String>>,
}

impl LoadedFile {
    /// The path as diagnostics print it.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// `<path>::<name>`, the id `--filter` and reports use.
    pub fn scenario_id(&self, name: &str) -> String {
        scenario_id(&self.path, name)
    }
}

/// `<path>::<name>`.
pub fn scenario_id(path: &Path, name: &str) -> String {
    format!("{}::{}", display_path(path), name)
}

pub(crate) fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("failed to find scenarios: `{}` does not exist", .0.display())]
    NotFound(PathBuf),
    #[error("failed to read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Files are taken as given; directories are searched recursively for `*.yaml` and `*.yml`
/// (sorted by path, so the order is stable across machines).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound(p.clone()),
            _ => LoadError::Io {
                path: p.clone(),
                source: e,
            },
        })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if entry.file_type().map_err(io)?.is_dir() {
            walk(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_budget_error(e: &serde_saphyr::Error) -> bool {
    let t = e.to_string();
    t.contains("budget breached") || t.contains("alias replay") || t.contains("recursion limit")
}

/// Parses one file. On failure, every scenario and step is parsed on its own as well, so one
/// file reports all its broken scenarios and steps, not only the first.
pub fn parse_file(file: &str, source: &str) -> (Option<ScenarioFileDoc>, Vec<Diagnostic>) {
    let err = match from_yaml::<ScenarioFileDoc>(source) {
        Ok(mut doc) => {
            doc.compact();
            return (Some(doc), Vec::new());
        }
        Err(e) => e,
    };
    let mut diags = vec![yaml_diagnostic(file, source, &err)];
    if is_budget_error(&err) {
        return (None, diags);
    }
    if let Ok(loose) = from_yaml::<LooseFile>(source) {
        for item in &loose.scenarios {
            recover_scenario(file, source, item.referenced, &mut diags);
        }
    }
    diags.sort_by(|a, b| {
        (a.location.line, a.location.column).cmp(&(b.location.line, b.location.column))
    });
    diags.dedup();
    (None, diags)
}

#[derive(Deserialize)]
struct LooseFile {
    #[serde(default)]
    scenarios: Vec<Spanned<IgnoredAny>>,
}

/// A scenario with its step lists left unparsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "fields are parsed for their errors only")]
struct LooseScenario {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    requires: Vec<Spanned<String>>,
    #[serde(default)]
    covers: Vec<String>,
    #[serde(default)]
    vars: indexmap::IndexMap<String, Spanned<serde_json::Value>>,
    #[serde(default)]
    setup: Vec<Spanned<IgnoredAny>>,
    #[serde(default)]
    steps: Vec<Spanned<IgnoredAny>>,
    #[serde(default)]
    teardown: Vec<Spanned<IgnoredAny>>,
    #[serde(default)]
    timeout: Option<Spanned<super::model::DurationValue>>,
}

fn recover_scenario(file: &str, source: &str, at: Location, diags: &mut Vec<Diagnostic>) {
    let Some(text) = isolate_item(source, at) else {
        return;
    };
    if from_yaml::<super::model::Scenario>(&text).is_ok() {
        return;
    }
    match from_yaml::<LooseScenario>(&text) {
        Ok(loose) => {
            for step in loose
                .setup
                .iter()
                .chain(&loose.steps)
                .chain(&loose.teardown)
            {
                let Some(step_text) = isolate_item(&text, step.referenced) else {
                    continue;
                };
                recover_step(file, source, step_text, diags);
            }
        }
        Err(e) => push_recovered(file, source, &e, diags),
    }
}

/// Every problem of one step: after each error, the entry it is in (`key: …` with its
/// more-indented lines) is blanked and the step parsed again, so an unknown key does not hide
/// a wrong type two lines below. A `missing field` that only the blanking caused is not
/// reported.
fn recover_step(file: &str, source: &str, mut text: String, diags: &mut Vec<Diagnostic>) {
    const MAX_ROUNDS: usize = 16;
    for round in 0..MAX_ROUNDS {
        let Err(e) = from_yaml::<super::model::Step>(&text) else {
            return;
        };
        if round == 0 || !yaml_message(&e).starts_with("missing field") {
            push_recovered(file, source, &e, diags);
        }
        let Some(line) = e.location().map(|l| l.line()) else {
            return;
        };
        match blank_entry(&text, line) {
            Some(next) => text = next,
            None => return,
        }
    }
}

/// `text` with the block-mapping entry on 1-based `line` blanked out (its line and the lines
/// indented deeper below it), keeping every other line, column and byte offset; `None` when
/// that line does not start an entry of its own (a list item, a continuation).
fn blank_entry(text: &str, line: u64) -> Option<String> {
    let index = usize::try_from(line).ok()?.checked_sub(1)?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let first = lines.get(index)?;
    let content = first.trim_start_matches(' ');
    let indent = first.len() - content.len();
    let is_key = content
        .split_once(':')
        .is_some_and(|(k, _)| !k.is_empty() && !k.starts_with(['-', '#', '{', '[']));
    if !is_key {
        return None;
    }
    let mut end = index + 1;
    while let Some(l) = lines.get(end) {
        let c = l.trim_start_matches(' ');
        if !c.trim().is_empty() && l.len() - c.len() <= indent {
            break;
        }
        end += 1;
    }
    let blank = |l: &str| -> String {
        l.chars()
            .map(|c| if c == '\n' || c == '\r' { c } else { ' ' })
            .collect()
    };
    Some(
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if (index..end).contains(&i) {
                    blank(l)
                } else {
                    (*l).to_string()
                }
            })
            .collect(),
    )
}

fn push_recovered(file: &str, source: &str, e: &serde_saphyr::Error, diags: &mut Vec<Diagnostic>) {
    let d = yaml_diagnostic(file, source, e);
    // An alias whose anchor was blanked out is an artefact of isolating the item.
    if d.message.contains("anchor") || d.message.contains("alias") || diags.contains(&d) {
        return;
    }
    diags.push(d);
}

/// The source with everything outside one block-sequence item replaced by spaces, so the
/// item parses as a document of its own while keeping its lines, columns and byte offsets.
fn isolate_item(source: &str, at: Location) -> Option<String> {
    let start = usize::try_from(at.span().byte_offset()?).ok()?;
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &source[line_start..start];
    if !prefix.chars().all(|c| c == ' ' || c == '-') || !prefix.contains('-') {
        return None;
    }
    let dash_indent = prefix.len() - prefix.trim_start_matches(' ').len();
    let mut end = source.len();
    let mut pos = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i + 1);
    while pos < source.len() {
        let line_end = source[pos..]
            .find('\n')
            .map_or(source.len(), |i| pos + i + 1);
        let line = &source[pos..line_end];
        let content = line.trim_start_matches(' ');
        let content_trimmed = content.trim();
        if !content_trimmed.is_empty()
            && !content_trimmed.starts_with('#')
            && line.len() - content.len() <= dash_indent
        {
            end = pos;
            break;
        }
        pos = line_end;
    }
    let blank = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c == '\n' || c == '\r' {
                    c.to_string()
                } else {
                    " ".repeat(c.len_utf8())
                }
            })
            .collect()
    };
    Some(format!(
        "{}{}{}",
        blank(&source[..start]),
        &source[start..end],
        blank(&source[end..])
    ))
}

/// Turns a YAML/deserialization error into a diagnostic: the bare message (lowercase, without
/// saphyr's "at line L, column C" suffix), a did-you-mean for unknown fields, and the key path.
pub(crate) fn yaml_diagnostic(file: &str, source: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let mut message = yaml_message(e);
    if let Some(hint) = template_hint(source, line) {
        message.push_str(hint);
    }
    if source.trim().is_empty() {
        message = "the file is empty: expected a mapping with `scenarios`".to_string();
    } else if let Some(path) = key_path(source, line, column).filter(|p| !p.is_empty()) {
        // A very deep path is cut in the middle: its ends say where.
        let path = if path.chars().count() > 80 {
            let head: String = path.chars().take(30).collect();
            let tail: String = path
                .chars()
                .rev()
                .take(30)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{head}…{tail}")
        } else {
            path
        };
        message = format!("{message} (at `{path}`)");
    }
    Diagnostic::error(
        SourceLocation {
            file: file.to_string(),
            line,
            column,
        },
        message,
    )
}

/// A YAML error on a line with an unquoted `{{ … }}`: in a flow mapping or list, YAML reads
/// the braces as nested mappings, and the message says nothing of templates.
fn template_hint(source: &str, line: u64) -> Option<&'static str> {
    let index = usize::try_from(line).ok()?.checked_sub(1)?;
    let text = source.lines().nth(index)?;
    let at = text.find("{{")?;
    let before = &text[..at];
    let quoted = before.matches('"').count() % 2 == 1 || before.matches('\'').count() % 2 == 1;
    (!quoted).then_some(
        " (a `{{ … }}` template must be quoted where YAML reads braces, e.g. `path: \"/books/{{ id }}\"`)",
    )
}

/// The key path (`scenarios[0].steps[1].request`) of the node at `line:column`, read from
/// the block structure (indentation) of the source.
pub(crate) fn key_path(source: &str, line: u64, column: u64) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let line_idx = usize::try_from(line).ok()?.checked_sub(1)?;
    if line_idx >= lines.len() {
        return None;
    }
    let mut indent = usize::try_from(column).ok()?.saturating_sub(1);
    let mut segments: Vec<String> = Vec::new();
    for i in (0..=line_idx).rev() {
        let l = lines[i];
        let ind = l.len() - l.trim_start_matches(' ').len();
        let rest = &l[ind..];
        if rest.trim().is_empty() || rest.starts_with('#') || ind >= indent {
            continue;
        }
        // `- key: value` lines: the inline key first (deeper), then the item itself.
        let mut d = ind;
        let mut item_rest = rest;
        let mut dashes = Vec::new();
        while let Some(after) = item_rest
            .strip_prefix("- ")
            .or_else(|| (item_rest == "-").then_some(""))
        {
            dashes.push(d);
            let skip = after.len() - after.trim_start_matches(' ').len();
            d += 2 + skip;
            item_rest = &after[skip..];
        }
        if d < indent {
            if let Some(key) = mapping_key(item_rest) {
                segments.push(key);
                indent = d;
            }
        }
        for &dash in dashes.iter().rev() {
            if dash < indent {
                segments.push(format!("[{}]", item_index(&lines, i, dash)));
                indent = dash;
            }
        }
        if indent == 0 {
            break;
        }
    }
    segments.reverse();
    // A flow mapping on the error line (`repeat: {times: lots}`): its key before the column.
    if let Some(prefix) = lines[line_idx].get(..usize::try_from(column).ok()?.saturating_sub(1)) {
        if prefix.contains(['{', '[']) {
            let head = prefix.trim_end().strip_suffix(':').unwrap_or("");
            let key: String = head
                .chars()
                .rev()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !key.is_empty() {
                segments.push(key.chars().rev().collect());
            }
        }
    }
    let mut out = String::new();
    for s in segments {
        if !out.is_empty() && !s.starts_with('[') {
            out.push('.');
        }
        out.push_str(&s);
    }
    Some(out)
}

fn mapping_key(rest: &str) -> Option<String> {
    let (key, _) = rest.split_once(':')?;
    let key = key.trim().trim_matches('"').trim_matches('\'');
    (!key.is_empty() && !key.starts_with(['{', '[', '#', '&', '*'])).then(|| key.to_string())
}

/// Index of the sequence item starting on line `i` with its dash at column `dash`.
fn item_index(lines: &[&str], i: usize, dash: usize) -> usize {
    let mut n = 0;
    for l in lines[..i].iter().rev() {
        let ind = l.len() - l.trim_start_matches(' ').len();
        let rest = &l[ind..];
        if rest.trim().is_empty() || rest.starts_with('#') {
            continue;
        }
        if ind < dash {
            break;
        }
        if ind == dash && (rest.starts_with("- ") || rest == "-") {
            n += 1;
        } else if ind == dash {
            break;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_one_step_at_once() {
        let y = "scenarios:\n  - name: x\n    steps:\n      - request: {method: GET, path: /a}\n        expcet: {status: 200}\n        repeat:\n          times: lots\n        timeout: 5 parsecs\n";
        let (_, diags) = parse_file("s.yaml", y);
        let lines: Vec<u64> = diags.iter().map(|d| d.location.line).collect();
        assert_eq!(lines, [5, 7, 8], "{diags:#?}");
        assert!(
            !diags.iter().any(|d| d.message.starts_with("missing field")),
            "{diags:#?}"
        );
    }

    #[test]
    fn an_unquoted_template_in_a_flow_mapping_gets_the_hint() {
        let y = "scenarios:\n  - name: x\n    steps:\n      - request: {method: GET, path: /books/{{ id }}}\n";
        let (doc, diags) = parse_file("s.yaml", y);
        assert!(doc.is_none());
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert!(
            diags[0].message.contains("template must be quoted"),
            "{}",
            diags[0].message
        );
        // Quoted, it parses; a quoted template on a broken line gets no hint.
        let y = "scenarios:\n  - name: x\n    steps:\n      - request: {method: GET, path: \"/books/{{ id }}\"}\n";
        assert!(parse_file("s.yaml", y).1.is_empty());
        assert_eq!(template_hint("a: \"{{ x }}\"", 1), None);
    }
}
