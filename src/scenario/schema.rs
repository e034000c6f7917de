//! The JSON Schema of scenario files, generated from the serde types of [`super::model`]
//! (`conform schema scenario`, shipped as `schemas/scenario.schema.json`). The shorthands that
//! have hand-written visitors describe themselves here.
use super::model::{Capture, HeaderExpect, RepeatTimes, ScenarioFileDoc, StatusExpect, Wait};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

/// Where the shipped schemas are published in the repository, relative to its root.
pub const SCENARIO_SCHEMA_FILE: &str = "schemas/scenario.schema.json";

/// The JSON Schema (draft 2020-12) of a scenario file.
pub fn scenario_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(ScenarioFileDoc);
    schema.insert(
        "$id".into(),
        "https://conform.invalid/schemas/scenario.schema.json".into(),
    );
    schema.insert("title".into(), "conform scenario file".into());
    let mut value = schema.to_value();
    crate::config::schema::scalars_as_strings(&mut value);
    value
}

impl JsonSchema for RepeatTimes {
    fn schema_name() -> Cow<'static, str> {
        "RepeatTimes".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "How many times: a whole number, or a template rendered when the step runs (`\"{{ (limit | int) * 2 }}\"`).",
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "minLength": 1}
            ]
        })
    }
}

impl JsonSchema for StatusExpect {
    fn schema_name() -> Cow<'static, str> {
        "StatusExpect".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A status code (`201`), a list of codes (`[200, 201]`) or a class (`4xx`).",
            "anyOf": [
                {"type": "integer", "minimum": 100, "maximum": 599},
                {"type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 599}, "minItems": 1},
                {"type": "string", "pattern": "^\\s*([1-5][xX][xX]|[1-5][0-9][0-9])\\s*$"}
            ]
        })
    }
}

impl JsonSchema for HeaderExpect {
    fn schema_name() -> Cow<'static, str> {
        "HeaderExpect".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The value the header must equal, or `{present|absent|equals|matches}`.",
            "anyOf": [
                {"type": ["string", "integer"]},
                {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "present": {"type": "boolean"},
                        "absent": {"type": "boolean"},
                        "equals": {"type": ["string", "number", "boolean"]},
                        "matches": {"type": "string", "description": "A regular expression."}
                    }
                }
            ]
        })
    }
}

impl JsonSchema for Capture {
    fn schema_name() -> Cow<'static, str> {
        "Capture".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A JSONPath into the body (`$.order_id`), or `{path|header|status, regex?, attempt?}` (`attempt`: `expect_webhook` only).",
            "anyOf": [
                {"type": "string", "pattern": "^\\s*\\$"},
                {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "path": {"type": "string", "pattern": "^\\s*\\$"},
                        "header": {"type": "string"},
                        "status": true,
                        "regex": {"type": "string"},
                        "attempt": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "expect_webhook only: capture from this attempt of the event (1 = the first delivery) instead of the first matching delivery."
                        }
                    },
                    "oneOf": [
                        {"required": ["path"]},
                        {"required": ["header"]},
                        {"required": ["status"]}
                    ]
                }
            ]
        })
    }
}

impl JsonSchema for Wait {
    fn schema_name() -> Cow<'static, str> {
        "Wait".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration (`2s`, or seconds), or `retry_after`: the previous response's Retry-After.",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "number", "minimum": 0}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthands_are_described_and_unknown_keys_refused() {
        let s = scenario_schema();
        assert_eq!(s["title"], "conform scenario file");
        assert_eq!(s["additionalProperties"], false);
        assert!(s["$defs"]["StatusExpect"]["anyOf"].is_array(), "{s:#}");
        assert!(s["$defs"]["Step"]["properties"]["expect_webhook"].is_object());
    }
}
