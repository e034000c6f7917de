//! Reading YAML the same way everywhere (scenarios, config, contract): one budget against
//! hostile documents, one wording of errors, one did-you-mean.

/// Scenario and config files larger than this are refused unread.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Budgets for every YAML document conform reads: a scenario file is small and shallow, so an
/// alias bomb or a pathologically deep document is refused early and cheaply.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: 4_000_000,
            max_depth: 64,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 20_000,
        },
    }
}

/// Parses `source` as `T` with [`yaml_options`].
pub fn from_yaml<T: serde::de::DeserializeOwned>(source: &str) -> Result<T, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(source, yaml_options())
}

/// One line for any YAML or deserialization error of a file conform reads (scenarios, config,
/// contract): the bare message without saphyr's position and snippet (the caller shows the
/// place), refused documents in plain words, a did-you-mean for an unknown field.
pub fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.without_snippet().to_string();
    let mut raw = text.trim();
    raw = raw.strip_prefix("error: ").unwrap_or(raw);
    // `line 3 column 5: …` in front, ` at line 3, column 5` behind.
    if let Some((head, rest)) = raw.split_once(": ") {
        let words: Vec<&str> = head.split(' ').collect();
        if let ["line", l, "column", c] = words[..] {
            if l.parse::<u64>().is_ok() && c.parse::<u64>().is_ok() {
                raw = rest;
            }
        }
    }
    if let Some(at) = raw.rfind(" at line ") {
        let tail = &raw[at + " at line ".len()..];
        if let Some((l, c)) = tail.split_once(", column ") {
            if l.parse::<u64>().is_ok() && c.parse::<u64>().is_ok() {
                raw = &raw[..at];
            }
        }
    }
    friendly_message(raw.lines().next().unwrap_or_default().trim())
}

fn friendly_message(raw: &str) -> String {
    if raw.starts_with("alias replay limit exceeded") {
        return "refused: aliases expand too far (more than 20000 replayed events: an alias bomb?)"
            .into();
    }
    if raw.starts_with("budget breached: Depth") || raw.starts_with("recursion limit exceeded") {
        return "refused: the document nests deeper than 64 levels".into();
    }
    if raw.starts_with("budget breached: Nodes") {
        return "refused: the document has more than 4000000 nodes".into();
    }
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        if let Some((field, expected)) = rest.split_once('`') {
            let expected = parse_expected(expected);
            return match did_you_mean(field, &expected) {
                Some(s) => format!("unknown field `{field}`, did you mean `{s}`?"),
                None if expected.is_empty() => format!("unknown field `{field}`"),
                None => format!(
                    "unknown field `{field}`, expected one of {}",
                    expected
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
        }
    }
    if let Some(rest) = raw.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return format!("duplicate key `{key}`");
    }
    let mapped = match raw {
        "invalid u8" | "invalid u16" | "invalid u32" | "invalid u64" => {
            "invalid value: expected a non-negative integer"
        }
        "invalid i32" | "invalid i64" => "invalid value: expected an integer",
        "invalid f64" | "invalid f32" => "invalid value: expected a number",
        "invalid bool" | "invalid boolean" => "invalid value: expected `true` or `false`",
        "expected string scalar" => "invalid type: expected a string",
        "expected sequence start" => "invalid type: expected a list",
        "expected mapping start" => "invalid type: expected a mapping",
        _ => raw,
    };
    lowercase_first(mapped)
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if f.is_uppercase() && c.clone().next().is_some_and(|n| n.is_lowercase()) => {
            f.to_lowercase().chain(c).collect()
        }
        _ => s.to_string(),
    }
}

/// `, expected one of a, b` / ``, expected `a` or `b` `` / `, there are no fields` → names.
fn parse_expected(rest: &str) -> Vec<String> {
    let rest = rest.trim_start_matches(',').trim();
    let list = rest
        .strip_prefix("expected one of ")
        .or_else(|| rest.strip_prefix("expected "));
    let Some(list) = list else { return Vec::new() };
    list.split(", ")
        .flat_map(|p| p.split(" or "))
        .map(|s| s.trim().trim_matches('`').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The closest known name, if it is close enough to be what the user meant.
pub fn did_you_mean<S: AsRef<str>>(given: &str, candidates: &[S]) -> Option<String> {
    if given.len() >= 3 {
        if let Some(c) = candidates.iter().find(|c| c.as_ref().starts_with(given)) {
            return Some(c.as_ref().to_string());
        }
    }
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(given, c.as_ref()), c.as_ref()))
        .filter(|(d, c)| *d <= (c.len().max(given.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}
