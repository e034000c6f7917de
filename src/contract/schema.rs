//! Compiled JSON Schema validators for schemas inside the contract document, and violations
//! rendered as `pointer: value rule`.
use super::pointer;
use jsonschema::{Draft, Registry, ValidationError, Validator};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Base URI the whole document is registered under; schemas are compiled as
/// `{"$ref": "<base>#<pointer>"}`, so `#/components/...` references inside them resolve against
/// the document itself.
const BASE: &str = "urn:conform:contract";

/// At most this many violations are listed per body.
pub(crate) const MAX_VIOLATIONS: usize = 20;

pub(crate) struct SchemaCache {
    registry: Registry<'static>,
    /// Keyed by the pointer of the schema in the document: responses that share a schema share
    /// its validator.
    cache: RwLock<HashMap<String, Arc<Validator>>>,
}

impl std::fmt::Debug for SchemaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.cache.read().map(|c| c.len()).unwrap_or(0);
        write!(f, "SchemaCache {{ {n} validators }}")
    }
}

impl SchemaCache {
    pub fn new(doc: Arc<Value>) -> Result<SchemaCache, String> {
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(BASE, doc)
            .and_then(|b| b.prepare())
            .map_err(|e| format!("cannot register the document for $ref resolution: {e}"))?;
        Ok(SchemaCache {
            registry,
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// The validator of the schema at `pointer`, compiled on first use.
    pub fn validator(&self, pointer: &str) -> Result<Arc<Validator>, String> {
        if let Some(v) = self.cache.read().ok().and_then(|c| c.get(pointer).cloned()) {
            return Ok(v);
        }
        let schema =
            serde_json::json!({ "$ref": format!("{BASE}#{}", pointer::fragment(pointer)) });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| format!("cannot compile the schema at #{pointer}: {e}"))?;
        let validator = Arc::new(validator);
        if let Ok(mut c) = self.cache.write() {
            c.insert(pointer.to_string(), validator.clone());
        }
        Ok(validator)
    }

    /// Violations of `instance` against the schema at `pointer`, each rendered as one line.
    pub fn violations(&self, pointer: &str, instance: &Value) -> Result<Vec<String>, String> {
        let v = self.validator(pointer)?;
        // The fast yes/no first: valid bodies (nearly all of them) never build error values.
        if v.is_valid(instance) {
            return Ok(Vec::new());
        }
        Ok(v.iter_errors(instance).map(|e| render(&e)).collect())
    }
}

/// `pointer: value rule`, e.g. `/order_id: "ORD-123" does not match "^ORD-[0-9]{8}$"`.
pub(crate) fn render(e: &ValidationError<'_>) -> String {
    let at = e.instance_path().to_string();
    let at = if at.is_empty() {
        "(root)".to_string()
    } else {
        at
    };
    format!("{at}: {}", rule(e))
}

fn rule(e: &ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    let v = short(e.instance());
    match e.kind() {
        K::Pattern { pattern } => format!("{v} does not match \"{pattern}\""),
        K::Format { format } => format!("{v} is not a valid \"{format}\""),
        K::Required { property } => format!("required property {property} is missing"),
        K::Type { kind } => format!("{v} is not of type {}", type_name(kind)),
        K::Constant { expected_value } => format!("{v} is not {expected_value} (const)"),
        K::Enum { options } => format!("{v} is not one of {} (enum)", short(options)),
        K::UnevaluatedProperties { unexpected } | K::AdditionalProperties { unexpected } => {
            format!(
                "unexpected properties {} ({} is false)",
                unexpected
                    .iter()
                    .map(|p| format!("\"{p}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.kind().keyword()
            )
        }
        K::OneOfNotValid { context } | K::AnyOf { context } => {
            let branches: Vec<String> = context
                .iter()
                .enumerate()
                .map(|(i, errs)| {
                    let first: Vec<String> = errs.iter().take(3).map(render).collect();
                    format!("#{}: {}", i + 1, first.join("; "))
                })
                .collect();
            format!(
                "{v} matches none of the {} alternatives [{}]",
                e.kind().keyword(),
                branches.join(" | ")
            )
        }
        K::OneOfMultipleValid { .. } => format!("{v} matches more than one oneOf alternative"),
        _ => {
            // The crate's own wording, which names the value and the limit for the rest
            // (minimum, maxLength, multipleOf, ...), shortened when the value is large.
            let text = e.to_string();
            let full = e.instance().to_string();
            if full.len() > 80 {
                text.replacen(&full, &v, 1)
            } else {
                text
            }
        }
    }
}

fn type_name(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => format!("\"{t}\""),
        jsonschema::error::TypeKind::Multiple(ts) => {
            let names: Vec<String> = ts.iter().map(|t| format!("\"{t}\"")).collect();
            names.join(" or ")
        }
    }
}

/// A JSON value for a message: compact, cut to 80 characters.
pub(crate) fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 80 {
        s
    } else {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    }
}
