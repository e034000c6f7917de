//! The comparison rules: the built-in ones (which headers are compared, how) and the expected
//! differences declared in `conform.yaml` under `parity:`, compiled once.
use crate::config::ParityDoc;
use std::collections::BTreeSet;

/// Headers the contract documents on `/api/v1` responses: their presence is compared.
pub const DOCUMENTED_HEADERS: [&str; 9] = [
    "x-api-version",
    "x-request-id",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "retry-after",
    "location",
    "allow",
    "content-type",
];

/// Headers whose values must match too (`content-type` by media type, without parameters).
pub const VALUE_HEADERS: [&str; 3] = ["x-api-version", "content-type", "allow"];

/// The rate-limit header compared as a ratio.
pub const RATE_LIMIT_HEADER: &str = "x-ratelimit-limit";

/// Defaults of the `parity:` section.
pub const DEFAULT_ERROR_CODE_POINTER: &str = "/error_code";
pub const DEFAULT_RATE_LIMIT_TOLERANCE: f64 = 0.1;
pub const DEFAULT_LATENCY_MAX_RATIO: f64 = 3.0;
pub const DEFAULT_LATENCY_MIN_DIFFERENCE_MS: f64 = 250.0;

/// A JSON pointer pattern: `/data/*/created_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointerPattern {
    tokens: Vec<String>,
}

impl PointerPattern {
    pub fn parse(text: &str) -> Result<PointerPattern, String> {
        if text.is_empty() {
            return Ok(PointerPattern { tokens: Vec::new() });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!(
                "`{text}` is not a JSON pointer (it must start with `/`)"
            ));
        };
        Ok(PointerPattern {
            tokens: rest
                .split('/')
                .map(|t| t.replace("~1", "/").replace("~0", "~"))
                .collect(),
        })
    }

    /// True when `pointer` is this pattern or below it.
    pub fn covers(&self, pointer: &[String]) -> bool {
        self.tokens.len() <= pointer.len()
            && self
                .tokens
                .iter()
                .zip(pointer)
                .all(|(p, t)| p == "*" || p == t)
    }
}

/// Everything the comparison needs to know besides the two runs.
#[derive(Debug, Clone)]
pub struct ParityRules {
    /// Lower-case header names never compared.
    pub ignore_headers: BTreeSet<String>,
    pub ignore_pointers: Vec<PointerPattern>,
    pub ignore_scenarios: Vec<String>,
    /// Expected `X-RateLimit-Limit` of the left side divided by the right side's.
    pub rate_limit_ratio: f64,
    pub rate_limit_tolerance: f64,
    pub error_code_pointer: String,
    /// The same pointer, compiled: the error code is compared as such, not again as a value
    /// of the body's shape.
    pub error_code_at: PointerPattern,
    pub latency_max_ratio: f64,
    pub latency_min_difference_ms: f64,
}

impl Default for ParityRules {
    fn default() -> Self {
        ParityRules {
            ignore_headers: BTreeSet::new(),
            ignore_pointers: Vec::new(),
            ignore_scenarios: Vec::new(),
            rate_limit_ratio: 1.0,
            rate_limit_tolerance: DEFAULT_RATE_LIMIT_TOLERANCE,
            error_code_pointer: DEFAULT_ERROR_CODE_POINTER.to_string(),
            error_code_at: PointerPattern {
                tokens: vec!["error_code".to_string()],
            },
            latency_max_ratio: DEFAULT_LATENCY_MAX_RATIO,
            latency_min_difference_ms: DEFAULT_LATENCY_MIN_DIFFERENCE_MS,
        }
    }
}

impl ParityRules {
    /// The rules for comparing environment `left` with `right`; an error names the key at fault.
    pub fn from_doc(doc: &ParityDoc, left: &str, right: &str) -> Result<ParityRules, String> {
        let mut rules = ParityRules {
            ignore_headers: doc
                .ignore_headers
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            ignore_scenarios: doc.ignore_scenarios.clone(),
            ..ParityRules::default()
        };
        for p in &doc.ignore_pointers {
            rules
                .ignore_pointers
                .push(PointerPattern::parse(p).map_err(|e| format!("ignore_pointers: {e}"))?);
        }
        for (env, scale) in &doc.rate_limit_scale {
            if !(scale.is_finite() && *scale > 0.0) {
                return Err(format!(
                    "rate_limit_scale.{env}: {scale} is not a positive number"
                ));
            }
        }
        let scale = |e: &str| doc.rate_limit_scale.get(e).copied().unwrap_or(1.0);
        rules.rate_limit_ratio = scale(left) / scale(right);
        if let Some(t) = doc.rate_limit_tolerance {
            if !(t.is_finite() && t >= 0.0) {
                return Err(format!("rate_limit_tolerance: {t} is not a number ≥ 0"));
            }
            rules.rate_limit_tolerance = t;
        }
        if let Some(p) = &doc.error_code_pointer {
            rules.error_code_at =
                PointerPattern::parse(p).map_err(|e| format!("error_code_pointer: {e}"))?;
            rules.error_code_pointer = p.clone();
        }
        if let Some(l) = &doc.latency {
            if let Some(r) = l.max_ratio {
                if !(r.is_finite() && r >= 1.0) {
                    return Err(format!("latency.max_ratio: {r} is not a number ≥ 1"));
                }
                rules.latency_max_ratio = r;
            }
            if let Some(d) = l.min_difference {
                rules.latency_min_difference_ms = d.0.as_secs_f64() * 1000.0;
            }
        }
        Ok(rules)
    }

    pub fn ignores_header(&self, lower_name: &str) -> bool {
        self.ignore_headers.contains(lower_name)
    }

    pub fn ignores_pointer(&self, pointer: &[String]) -> bool {
        self.error_code_at.tokens == pointer
            || self.ignore_pointers.iter().any(|p| p.covers(pointer))
    }

    pub fn ignores_scenario(&self, id: &str) -> bool {
        self.ignore_scenarios
            .iter()
            .any(|s| id.contains(s.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ptr(s: &str) -> Vec<String> {
        s.split('/').skip(1).map(str::to_string).collect()
    }

    #[test]
    fn pointer_patterns_cover_their_subtree_and_wildcards() {
        let p = PointerPattern::parse("/data/*/created_at").expect("pattern");
        assert!(p.covers(&ptr("/data/0/created_at")));
        assert!(p.covers(&ptr("/data/3/created_at/x")));
        assert!(!p.covers(&ptr("/data/0/updated_at")));
        assert!(!p.covers(&ptr("/data")));
        assert!(PointerPattern::parse("data").is_err());
        let esc = PointerPattern::parse("/a~1b").expect("pattern");
        assert!(esc.covers(&["a/b".to_string()]));
    }

    #[test]
    fn rate_limit_ratio_comes_from_both_scales() {
        let doc = ParityDoc {
            rate_limit_scale: [("sandbox".to_string(), 10.0)].into_iter().collect(),
            ..ParityDoc::default()
        };
        let r = ParityRules::from_doc(&doc, "sandbox", "staging").expect("rules");
        assert!((r.rate_limit_ratio - 10.0).abs() < 1e-9);
        let r = ParityRules::from_doc(&doc, "staging", "sandbox").expect("rules");
        assert!((r.rate_limit_ratio - 0.1).abs() < 1e-9);
        let bad = ParityDoc {
            rate_limit_scale: [("x".to_string(), 0.0)].into_iter().collect(),
            ..ParityDoc::default()
        };
        let e = ParityRules::from_doc(&bad, "x", "y").expect_err("zero scale");
        assert!(e.contains("rate_limit_scale.x"), "{e}");
    }
}
