//! The JSON Schema of `conform.yaml`, generated from the serde types of [`super::model`]
//! (`conform schema config`, shipped as `schemas/conform.schema.json`).
use super::model::{ConfigDoc, ValueSource};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

/// Where the shipped schema is published in the repository, relative to its root.
pub const CONFIG_SCHEMA_FILE: &str = "schemas/conform.schema.json";

/// The JSON Schema (draft 2020-12) of `conform.yaml`.
pub fn config_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(ConfigDoc);
    schema.insert(
        "$id".into(),
        "https://conform.invalid/schemas/conform.schema.json".into(),
    );
    schema.insert(
        "title".into(),
        "conform configuration (conform.yaml)".into(),
    );
    schema.to_value()
}

/// YAML reads `name: 201` or `value: true` as a number or a boolean, and conform takes any
/// such scalar where it expects a string: the schema says so too, or an editor would flag
/// files that conform accepts.
pub(crate) fn scalars_as_strings(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let plain = !map.contains_key("format") && !map.contains_key("pattern");
            if plain {
                let widened = match map.get("type") {
                    Some(Value::String(t)) if t == "string" => {
                        Some(serde_json::json!(["string", "number", "boolean"]))
                    }
                    Some(Value::Array(ts)) if ts.iter().any(|t| t == "string") => {
                        let mut ts = ts.clone();
                        for extra in ["number", "boolean"] {
                            if !ts.iter().any(|t| t == extra) {
                                ts.push(Value::String(extra.into()));
                            }
                        }
                        Some(Value::Array(ts))
                    }
                    _ => None,
                };
                if let Some(t) = widened {
                    map.insert("type".into(), t);
                }
            }
            for child in map.values_mut() {
                scalars_as_strings(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scalars_as_strings),
        _ => {}
    }
}

impl JsonSchema for ValueSource {
    fn schema_name() -> Cow<'static, str> {
        "ValueSource".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A literal (only for values that are not secret), `{env: NAME}` (with an optional `default`) or `{file: PATH}` (relative to the config's folder).",
            "anyOf": [
                {"type": ["string", "integer", "boolean"]},
                {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "env": {"type": "string", "minLength": 1},
                        "default": {"type": "string"}
                    },
                    "required": ["env"]
                },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {"file": {"type": "string", "minLength": 1}},
                    "required": ["file"]
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_are_required_and_secrets_described() {
        let s = config_schema();
        assert_eq!(s["required"], serde_json::json!(["environments"]));
        assert!(s["$defs"]["ValueSource"]["anyOf"].is_array(), "{s:#}");
        assert_eq!(s["$defs"]["EnvironmentDoc"]["additionalProperties"], false);
    }
}
