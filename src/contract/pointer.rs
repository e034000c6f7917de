//! JSON pointers into the contract document and local `$ref` resolution.
use serde_json::Value;

/// Appends `/token` to the pointer `buf`, with `token` escaped (RFC 6901: `~` → `~0`, `/` →
/// `~1`); a token with neither is copied as it is.
pub(crate) fn push_token(buf: &mut String, token: &str) {
    buf.push('/');
    if token.contains(['~', '/']) {
        buf.push_str(&token.replace('~', "~0").replace('/', "~1"));
    } else {
        buf.push_str(token);
    }
}

/// `base` + `/token`, with `token` escaped.
pub(crate) fn join(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    push_token(&mut out, token);
    out
}

/// A pointer as a percent-encoded URI fragment (`{`, `}` and the like are not allowed raw).
pub(crate) fn fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for b in pointer.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Follows local `$ref`s (`#/...`) starting at the node at `pointer`, returning the pointer and
/// the node finally reached. Only references within the document are supported.
pub(crate) fn deref<'a>(doc: &'a Value, pointer: &str) -> Result<(String, &'a Value), String> {
    let mut pointer = pointer.to_string();
    for _ in 0..32 {
        let node = doc
            .pointer(&pointer)
            .ok_or_else(|| format!("nothing at #{pointer}"))?;
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            return Ok((pointer, node));
        };
        let Some(target) = reference.strip_prefix('#') else {
            return Err(format!(
                "$ref '{reference}' at #{pointer} points outside the document (not supported)"
            ));
        };
        if doc.pointer(target).is_none() {
            return Err(format!(
                "$ref '{reference}' at #{pointer} resolves to nothing"
            ));
        }
        pointer = target.to_string();
    }
    Err(format!("$ref cycle through #{pointer}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_and_encodes() {
        assert_eq!(
            join("/paths", "/api/v1/orders/{order_id}"),
            "/paths/~1api~1v1~1orders~1{order_id}"
        );
        assert_eq!(fragment("/paths/~1a~1{id}/get"), "/paths/~1a~1%7Bid%7D/get");
    }

    #[test]
    fn follows_refs_and_reports_dangling_ones() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/c"}, "c": {"x": 1}, "d": {"$ref": "#/nope"}, "e": {"$ref": "#/e"}});
        let (p, v) = deref(&doc, "/a").unwrap();
        assert_eq!(p, "/c");
        assert_eq!(v, &json!({"x": 1}));
        assert!(deref(&doc, "/d")
            .unwrap_err()
            .contains("resolves to nothing"));
        assert!(deref(&doc, "/e").unwrap_err().contains("cycle"));
    }
}
