//! [`Contract`]: the loaded OpenAPI document, its operations and their documented responses.
use super::error::ContractError;
use super::operation::{best_path, OperationRef, PathTemplate};
use super::pointer::{deref, join};
use super::schema::SchemaCache;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// An OpenAPI 3.x document, ready to check exchanges against. `Send + Sync`; validators are
/// compiled on first use and cached.
#[derive(Debug)]
pub struct Contract {
    pub(crate) path: PathBuf,
    title: String,
    version: String,
    sha256: String,
    pub(crate) doc: Arc<Value>,
    pub(crate) paths: Vec<PathTemplate>,
    pub(crate) operations: Vec<Operation>,
    pub(crate) webhooks: BTreeMap<String, WebhookSpec>,
    /// `x-global-responses.unknownPath` (404 for a path the document does not have).
    pub(crate) unknown_path: Option<ResponseSpec>,
    /// `x-global-responses.methodNotAllowed` (405 for a known path with another method).
    pub(crate) method_not_allowed: Option<ResponseSpec>,
    /// The `enum` of the error code's schema (by default the `Error` schema's `error_code`).
    pub(crate) error_codes: Vec<String>,
    /// JSON pointer to the error code in an error body (default `/error_code`).
    pub(crate) error_code_field: String,
    pub(crate) schemas: SchemaCache,
}

#[derive(Debug)]
pub(crate) struct Operation {
    pub op: OperationRef,
    /// `x-sandbox-only: true`: left out of coverage.
    pub sandbox_only: bool,
    /// In document order.
    pub responses: Vec<ResponseSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct ResponseSpec {
    /// `200`, `4XX`, `default`, ...
    pub key: String,
    pub headers: Vec<HeaderSpec>,
    pub content: Vec<MediaSpec>,
}

#[derive(Debug, Clone)]
pub(crate) struct HeaderSpec {
    pub name: String,
    pub required: bool,
    /// Pointer to the (dereferenced) schema.
    pub schema: Option<String>,
    /// The value is parsed as a JSON number / boolean before validation.
    pub coerce: Coerce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coerce {
    String,
    Number,
    Boolean,
}

#[derive(Debug, Clone)]
pub(crate) struct MediaSpec {
    /// Lower case, without parameters: `application/json`, `text/*`, ...
    pub media_type: String,
    /// Pointer to the schema node.
    pub schema: Option<String>,
    /// What reports call the schema: its `$ref` when it is one, else its place.
    pub label: String,
}

#[derive(Debug, Clone)]
pub(crate) struct WebhookSpec {
    pub id: String,
    pub schema: Option<String>,
    pub label: String,
}

/// Where the Orders API keeps its error code: the `Error` schema's `error_code` property.
pub const DEFAULT_ERROR_CODE: &str = "#/components/schemas/Error/properties/error_code";

/// The string `enum` of the schema at `pointer` (`#/...`), following `$ref`s.
fn enum_at(doc: &Value, pointer: &str) -> Vec<String> {
    deref(doc, pointer.trim_start_matches('#'))
        .ok()
        .and_then(|(_, s)| s.get("enum").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The place in a body that a property schema describes: `#/components/schemas/Problem/
/// properties/type` → `/type` (each `properties/NAME` is one step into the body).
fn body_pointer(schema_pointer: &str) -> String {
    let tokens: Vec<&str> = schema_pointer
        .trim_start_matches('#')
        .split('/')
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = String::new();
    for pair in tokens.windows(2) {
        if pair[0] == "properties" {
            out.push('/');
            out.push_str(pair[1]);
        }
    }
    out
}

impl Contract {
    /// Says where this API keeps its error code: a JSON pointer into the document to the
    /// property schema whose `enum` lists the codes (`#/components/schemas/Problem/properties/
    /// type` for RFC 7807 problem bodies). Coverage then counts that member of error bodies.
    pub fn with_error_code(mut self, schema_pointer: &str) -> Result<Contract, ContractError> {
        let target = schema_pointer.trim_start_matches('#');
        if !target.starts_with('/') || self.doc.pointer(target).is_none() {
            return Err(ContractError::invalid(
                &self.path,
                format!("contract_options.error_code `{schema_pointer}` points to nothing in the document"),
            ));
        }
        let field = body_pointer(schema_pointer);
        if field.is_empty() {
            return Err(ContractError::invalid(
                &self.path,
                format!("contract_options.error_code `{schema_pointer}` is not a property of a schema (expected …/properties/NAME)"),
            ));
        }
        self.error_codes = enum_at(&self.doc, schema_pointer);
        self.error_code_field = field;
        Ok(self)
    }

    /// The documented error codes (empty when the contract lists none).
    pub fn error_codes(&self) -> &[String] {
        &self.error_codes
    }

    /// Loads an OpenAPI 3.x document (YAML, or JSON when the file ends in `.json` or starts
    /// with `{`). Every `$ref` the checks follow must resolve inside the document.
    pub fn load(path: &Path) -> Result<Contract, ContractError> {
        let text = crate::source::input::read_text(path, crate::source::input::MAX_CONTRACT_FILE)
            .map_err(|e| match e.position() {
            Some((line, column)) => ContractError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: e.cause(),
            },
            None => match e {
                crate::source::input::InputError::Io { path, source } => {
                    ContractError::Read { path, source }
                }
                other => ContractError::Input(other),
            },
        })?;
        let bytes = text.as_bytes();
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            || text.trim_start().starts_with('{');
        let doc: Value = if is_json {
            serde_json::from_str(&text).map_err(|e| ContractError::Syntax {
                path: path.to_path_buf(),
                line: e.line() as u64,
                column: e.column() as u64,
                message: e.to_string(),
            })?
        } else {
            serde_saphyr::from_str(&text).map_err(|e| {
                let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                ContractError::Syntax {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: crate::source::yaml::yaml_message(&e),
                }
            })?
        };
        let sha256 = hex::encode(Sha256::digest(bytes));
        Contract::from_value(path, doc, sha256)
    }

    fn from_value(path: &Path, doc: Value, sha256: String) -> Result<Contract, ContractError> {
        let invalid = |m: String| ContractError::invalid(path, m);
        let openapi = doc
            .get("openapi")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !openapi.starts_with("3.") {
            return Err(invalid(format!(
                "not an OpenAPI 3.x document (`openapi` is {})",
                doc.get("openapi")
                    .map_or("missing".into(), |v| v.to_string())
            )));
        }
        let info_str = |k: &str| {
            doc.pointer(&format!("/info/{k}"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| invalid(format!("`info.{k}` is missing")))
        };
        if let Some(cycle) = super::cycles::find_ref_cycle(&doc) {
            let path: Vec<String> = cycle.iter().map(|p| format!("#{p}")).collect();
            return Err(invalid(format!(
                "$ref cycle {}: a schema that comes back to itself on the same value checks nothing",
                path.join(" -> ")
            )));
        }
        let title = info_str("title")?;
        let version = info_str("version")?;

        let mut paths = Vec::new();
        let mut operations = Vec::new();
        if let Some(map) = doc.get("paths").and_then(Value::as_object) {
            for template in map.keys() {
                let (item_ptr, item) = deref(&doc, &join("/paths", template)).map_err(invalid)?;
                let mut pt = PathTemplate::new(template);
                for method in METHODS {
                    let Some(op) = item.get(method) else { continue };
                    let op_ptr = join(&item_ptr, method);
                    let upper = method.to_ascii_uppercase();
                    let id = op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("{upper} {template}"), str::to_string);
                    let responses = responses(&doc, &op_ptr).map_err(invalid)?;
                    pt.methods.push((upper.clone(), operations.len()));
                    operations.push(Operation {
                        op: OperationRef {
                            id,
                            method: upper,
                            template: template.clone(),
                        },
                        sandbox_only: op.get("x-sandbox-only").and_then(Value::as_bool)
                            == Some(true),
                        responses,
                    });
                }
                paths.push(pt);
            }
        }

        let mut webhooks = BTreeMap::new();
        if let Some(map) = doc.get("webhooks").and_then(Value::as_object) {
            for event in map.keys() {
                let (item_ptr, item) = deref(&doc, &join("/webhooks", event)).map_err(invalid)?;
                let Some(method) = METHODS.iter().find(|m| item.get(**m).is_some()) else {
                    continue;
                };
                let op_ptr = join(&item_ptr, method);
                let id = item[*method]
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or(event)
                    .to_string();
                let (schema, label) = match doc.pointer(&format!("{op_ptr}/requestBody")) {
                    Some(_) => {
                        let (body_ptr, body) =
                            deref(&doc, &format!("{op_ptr}/requestBody")).map_err(invalid)?;
                        let json = body
                            .get("content")
                            .and_then(Value::as_object)
                            .and_then(|c| c.keys().find(|k| is_json(k)).cloned());
                        match json {
                            Some(mt) => {
                                let ptr = join(&join(&join(&body_ptr, "content"), &mt), "schema");
                                match doc.pointer(&ptr) {
                                    Some(s) => (Some(ptr.clone()), label(s, &ptr)),
                                    None => (None, String::new()),
                                }
                            }
                            None => (None, String::new()),
                        }
                    }
                    None => (None, String::new()),
                };
                webhooks.insert(event.clone(), WebhookSpec { id, schema, label });
            }
        }

        let global = |name: &str, status: &str| -> Result<Option<ResponseSpec>, ContractError> {
            let ptr = format!("/x-global-responses/{name}");
            if doc.pointer(&ptr).is_none() {
                return Ok(None);
            }
            response(&doc, status, &ptr).map(Some).map_err(invalid)
        };
        let unknown_path = global("unknownPath", "404")?;
        let method_not_allowed = global("methodNotAllowed", "405")?;

        let error_codes = enum_at(&doc, DEFAULT_ERROR_CODE);

        let doc = Arc::new(doc);
        let schemas = SchemaCache::new(doc.clone()).map_err(invalid)?;
        let contract = Contract {
            path: path.to_path_buf(),
            title,
            version,
            sha256,
            doc,
            paths,
            operations,
            webhooks,
            unknown_path,
            method_not_allowed,
            error_codes,
            error_code_field: "/error_code".into(),
            schemas,
        };
        contract.compile_all().map_err(invalid)?;
        Ok(contract)
    }

    /// Compiles every schema the checks use, so a broken schema fails `load`, not a run.
    fn compile_all(&self) -> Result<(), String> {
        let responses = self
            .operations
            .iter()
            .flat_map(|o| o.responses.iter())
            .chain(self.unknown_path.iter())
            .chain(self.method_not_allowed.iter());
        for r in responses {
            for m in &r.content {
                if let (Some(s), true) = (&m.schema, is_json(&m.media_type)) {
                    self.schemas.validator(s)?;
                }
            }
            for h in &r.headers {
                if let Some(s) = &h.schema {
                    self.schemas.validator(s)?;
                }
            }
        }
        for w in self.webhooks.values() {
            if let Some(s) = &w.schema {
                self.schemas.validator(s)?;
            }
        }
        Ok(())
    }

    /// `info.title`.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// `info.version`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Hex SHA-256 of the file as read.
    pub fn sha256(&self) -> String {
        self.sha256.clone()
    }

    /// The parsed document (JSON data model), e.g. to look up `x-rules`.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The file the contract was loaded from.
    /// Violations of `instance` against the schema at a JSON pointer into the document
    /// (`/components/schemas/Order`), each as `pointer: value rule`.
    pub fn schema_violations(
        &self,
        pointer: &str,
        instance: &Value,
    ) -> Result<Vec<String>, String> {
        self.schemas.violations(pointer, instance)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every operation of the document, in document order.
    pub fn operations(&self) -> impl Iterator<Item = &OperationRef> {
        self.operations.iter().map(|o| &o.op)
    }

    /// Matches method + URL path (query ignored; the path after the environment's base URL) to
    /// an operation by path template, literal segments winning over templates. `None` for an
    /// unknown path, or a known path without this method.
    pub fn operation(&self, method: &str, path: &str) -> Option<OperationRef> {
        self.find(method, path).map(|o| o.op.clone())
    }

    pub(crate) fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let p = best_path(&self.paths, path)?;
        p.methods
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, i)| &self.operations[*i])
    }

    /// The methods documented on the path template `path` matches (empty for an unknown path).
    pub(crate) fn methods_of(&self, path: &str) -> Option<(&str, Vec<&str>)> {
        best_path(&self.paths, path).map(|p| {
            (
                p.template.as_str(),
                p.methods.iter().map(|(m, _)| m.as_str()).collect(),
            )
        })
    }

    pub(crate) fn by_id(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.op.id == id)
    }
}

/// The documented response a status falls under: exact, then its range (`4XX`), then
/// `default`.
pub(crate) fn match_status(responses: &[ResponseSpec], status: u16) -> Option<&ResponseSpec> {
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    responses
        .iter()
        .find(|r| r.key == exact)
        .or_else(|| {
            responses
                .iter()
                .find(|r| r.key.eq_ignore_ascii_case(&range))
        })
        .or_else(|| responses.iter().find(|r| r.key == "default"))
}

/// `application/json`, `application/problem+json`, ...
pub(crate) fn is_json(media_type: &str) -> bool {
    let mt = media_type.to_ascii_lowercase();
    let essence = mt.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

fn label(schema: &Value, ptr: &str) -> String {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r.to_string(),
        None => format!("#{ptr}"),
    }
}

fn responses(doc: &Value, op_ptr: &str) -> Result<Vec<ResponseSpec>, String> {
    let ptr = format!("{op_ptr}/responses");
    let Some(map) = doc.pointer(&ptr).and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    map.keys()
        .map(|key| response(doc, key, &join(&ptr, key)))
        .collect()
}

fn response(doc: &Value, key: &str, ptr: &str) -> Result<ResponseSpec, String> {
    let (rptr, r) = deref(doc, ptr)?;
    let mut headers = Vec::new();
    if let Some(map) = r.get("headers").and_then(Value::as_object) {
        for name in map.keys() {
            // OpenAPI: a `Content-Type` header definition is ignored.
            if name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let (hptr, h) = deref(doc, &join(&join(&rptr, "headers"), name))?;
            let (schema, coerce) = match h.get("schema") {
                Some(_) => {
                    let (sptr, s) = deref(doc, &format!("{hptr}/schema"))?;
                    (Some(sptr), coerce_for(s))
                }
                None => (None, Coerce::String),
            };
            headers.push(HeaderSpec {
                name: name.clone(),
                required: h.get("required").and_then(Value::as_bool) == Some(true),
                schema,
                coerce,
            });
        }
    }
    let mut content = Vec::new();
    if let Some(map) = r.get("content").and_then(Value::as_object) {
        for mt in map.keys() {
            let sptr = join(&join(&join(&rptr, "content"), mt), "schema");
            let (schema, label) = match doc.pointer(&sptr) {
                Some(s) => (Some(sptr.clone()), label(s, &sptr)),
                None => (None, String::new()),
            };
            content.push(MediaSpec {
                media_type: mt.to_ascii_lowercase(),
                schema,
                label,
            });
        }
    }
    Ok(ResponseSpec {
        key: key.to_string(),
        headers,
        content,
    })
}

fn coerce_for(schema: &Value) -> Coerce {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"string") || types.is_empty() {
        Coerce::String
    } else if types.contains(&"integer") || types.contains(&"number") {
        Coerce::Number
    } else if types.contains(&"boolean") {
        Coerce::Boolean
    } else {
        Coerce::String
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_place_of_an_error_code_schema() {
        assert_eq!(
            body_pointer("#/components/schemas/Problem/properties/type"),
            "/type"
        );
        assert_eq!(
            body_pointer("#/components/schemas/E/properties/error/properties/code"),
            "/error/code"
        );
        assert_eq!(body_pointer("#/components/schemas/Problem"), "");
    }
}
