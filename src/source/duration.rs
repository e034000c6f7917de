//! Durations as people write them in YAML.
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// A duration written as `250ms`, `5s`, `1m 30s` (humantime), or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationValue(pub Duration);

/// Reads a duration from YAML: a number of seconds or a humantime text.
struct DurationVisitor;

impl<'de> Visitor<'de> for DurationVisitor {
    type Value = DurationValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a duration such as `500ms`, `5s` or `2m`, or a number of seconds")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(DurationValue(Duration::from_secs(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u64::try_from(v)
            .map(|s| DurationValue(Duration::from_secs(s)))
            .map_err(|_| E::custom("a duration cannot be negative"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Duration::try_from_secs_f64(v)
            .map(DurationValue)
            .map_err(|_| E::custom("a duration must be a finite, non-negative number of seconds"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        humantime::parse_duration(v.trim())
            .map(DurationValue)
            .map_err(|e| E::custom(format!("invalid duration `{v}`: {e}")))
    }
}

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurationVisitor)
    }
}

/// A duration as text: humantime (`1m 30s`; several parts add up, so `2s 500ms` is 2.5 s) or
/// a number of seconds (`2`, `2.5`, which is what a template computing seconds renders).
pub fn parse_duration_text(v: &str) -> Result<Duration, String> {
    let t = v.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|_| {
            format!("invalid duration `{v}`: a number of seconds must be finite and non-negative")
        });
    }
    humantime::parse_duration(t).map_err(|e| format!("invalid duration `{v}`: {e}"))
}

/// A duration that may come from the environment: a [`DurationValue`], or a template
/// (`"{{ webhook_delivery_timeout }} 1s"`) rendered when the step runs and then read as one
/// ([`parse_duration_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationTemplate {
    Fixed(Duration),
    Template(String),
}

impl<'de> Deserialize<'de> for DurationTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DurationTemplate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration such as `500ms` or `5s`, a number of seconds, or a template such as `\"{{ webhook_delivery_timeout }} 1s\"`",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                DurationVisitor
                    .visit_u64(v)
                    .map(|d| DurationTemplate::Fixed(d.0))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                DurationVisitor
                    .visit_i64(v)
                    .map(|d| DurationTemplate::Fixed(d.0))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                DurationVisitor
                    .visit_f64(v)
                    .map(|d| DurationTemplate::Fixed(d.0))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.contains("{{") || v.contains("{%") {
                    return Ok(DurationTemplate::Template(v.to_string()));
                }
                DurationVisitor
                    .visit_str(v)
                    .map(|d| DurationTemplate::Fixed(d.0))
            }
        }
        d.deserialize_any(V)
    }
}

impl schemars::JsonSchema for DurationTemplate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DurationOrTemplate".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: `250ms`, `5s`, `1m 30s`, a number of seconds, or a template rendered when the step runs (`\"{{ webhook_delivery_timeout }} 1s\"`).",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "number", "minimum": 0}
            ]
        })
    }
}

impl schemars::JsonSchema for DurationValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: `250ms`, `5s`, `1m 30s`, or a number of seconds.",
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
    fn texts_add_up_and_numbers_are_seconds() {
        assert_eq!(parse_duration_text("2s 1s"), Ok(Duration::from_secs(3)));
        assert_eq!(
            parse_duration_text(" 2.5 "),
            Ok(Duration::from_millis(2500))
        );
        assert_eq!(
            parse_duration_text("30s 500ms"),
            Ok(Duration::from_millis(30_500))
        );
        let e = parse_duration_text("soon").err().unwrap_or_default();
        assert!(e.starts_with("invalid duration `soon`"), "{e}");
        assert!(parse_duration_text("-1").is_err());
    }

    #[test]
    fn a_template_is_kept_for_later_a_literal_is_read_now() {
        let t: DurationTemplate = serde_json::from_value(serde_json::json!("{{ timeout }} 1s"))
            .unwrap_or(DurationTemplate::Fixed(Duration::ZERO));
        assert_eq!(t, DurationTemplate::Template("{{ timeout }} 1s".into()));
        let f: DurationTemplate = serde_json::from_value(serde_json::json!("3s"))
            .unwrap_or(DurationTemplate::Fixed(Duration::ZERO));
        assert_eq!(f, DurationTemplate::Fixed(Duration::from_secs(3)));
        let n: DurationTemplate = serde_json::from_value(serde_json::json!(2))
            .unwrap_or(DurationTemplate::Fixed(Duration::ZERO));
        assert_eq!(n, DurationTemplate::Fixed(Duration::from_secs(2)));
        assert!(serde_json::from_value::<DurationTemplate>(serde_json::json!("soon")).is_err());
    }
}
