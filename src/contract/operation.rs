//! Operations of the contract and how a request path finds its path template.
use regex::Regex;
use serde::{Deserialize, Serialize};

/// The contract operation an exchange was matched to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OperationRef {
    /// `operationId`, or `"METHOD template"` when the document gives none.
    pub id: String,
    /// Upper case: `GET`, `POST`, ...
    pub method: String,
    /// The path template, e.g. `/api/v1/orders/{order_id}`.
    pub template: String,
}

impl std::fmt::Display for OperationRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plain = format!("{} {}", self.method, self.template);
        if self.id == plain {
            f.write_str(&plain)
        } else {
            write!(f, "{} ({plain})", self.id)
        }
    }
}

/// One segment of a path template.
#[derive(Debug)]
enum Segment {
    Literal(String),
    /// `{name}`: any non-empty segment.
    Param,
    /// A segment mixing text and parameters, e.g. `{name}.json`.
    Pattern(Regex),
}

impl Segment {
    fn parse(text: &str) -> Segment {
        if !text.contains('{') {
            return Segment::Literal(text.to_string());
        }
        if text.starts_with('{') && text.ends_with('}') && text.matches('{').count() == 1 {
            return Segment::Param;
        }
        let mut re = String::from("^");
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            re.push_str(&regex::escape(&rest[..start]));
            match rest[start..].find('}') {
                Some(end) => {
                    re.push_str("[^/]+");
                    rest = &rest[start + end + 1..];
                }
                None => {
                    re.push_str(&regex::escape(&rest[start..]));
                    rest = "";
                }
            }
        }
        re.push_str(&regex::escape(rest));
        re.push('$');
        match Regex::new(&re) {
            Ok(re) => Segment::Pattern(re),
            Err(_) => Segment::Literal(text.to_string()),
        }
    }

    /// Specificity rank when it matches: a literal beats a pattern beats a bare parameter.
    fn rank(&self, actual: &str) -> Option<u8> {
        match self {
            Segment::Literal(l) => (l == actual).then_some(2),
            Segment::Pattern(re) => re.is_match(actual).then_some(1),
            Segment::Param => (!actual.is_empty()).then_some(0),
        }
    }
}

/// A path of the document with the operations (indices) defined on it.
#[derive(Debug)]
pub(crate) struct PathTemplate {
    pub template: String,
    segments: Vec<Segment>,
    /// (upper-case method, index into `Contract::operations`)
    pub methods: Vec<(String, usize)>,
}

impl PathTemplate {
    pub fn new(template: &str) -> PathTemplate {
        PathTemplate {
            template: template.to_string(),
            segments: split(template).map(Segment::parse).collect(),
            methods: Vec::new(),
        }
    }

    /// Per-segment ranks when `path` matches, for choosing the most specific template.
    fn ranks(&self, segments: &[&str]) -> Option<Vec<u8>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        self.segments
            .iter()
            .zip(segments)
            .map(|(t, s)| t.rank(s))
            .collect()
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

/// The path part of what the engine passes: a path (query and fragment ignored) or, to be
/// forgiving, a whole URL.
pub(crate) fn path_only(path: &str) -> String {
    let path = if path.starts_with("http://") || path.starts_with("https://") {
        match url::Url::parse(path) {
            Ok(u) => u.path().to_string(),
            Err(_) => path.to_string(),
        }
    } else {
        path.to_string()
    };
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let path = &path[..end];
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// The most specific template matching `path` (literal segments win over templates, compared
/// from the left), regardless of method.
pub(crate) fn best_path<'a>(paths: &'a [PathTemplate], path: &str) -> Option<&'a PathTemplate> {
    let path = path_only(path);
    let segments: Vec<&str> = split(&path).collect();
    paths
        .iter()
        .filter_map(|p| p.ranks(&segments).map(|r| (r, p)))
        .max_by(|(a, _), (b, _)| a.cmp(b))
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> Vec<PathTemplate> {
        list.iter().map(|p| PathTemplate::new(p)).collect()
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let p = paths(&[
            "/o/{id}",
            "/o/stats",
            "/o/{id}/x",
            "/f/{name}.json",
            "/f/{name}",
        ]);
        assert_eq!(best_path(&p, "/o/stats").unwrap().template, "/o/stats");
        assert_eq!(best_path(&p, "/o/ORD-1").unwrap().template, "/o/{id}");
        assert_eq!(
            best_path(&p, "/o/ORD-1/x?y=1").unwrap().template,
            "/o/{id}/x"
        );
        assert_eq!(
            best_path(&p, "/f/a.json").unwrap().template,
            "/f/{name}.json"
        );
        assert_eq!(best_path(&p, "/f/a.txt").unwrap().template, "/f/{name}");
        assert!(best_path(&p, "/o/").is_none());
        assert!(best_path(&p, "/o").is_none());
        assert!(best_path(&p, "/o/a/b/c").is_none());
    }

    #[test]
    fn path_only_strips_query_fragment_and_origin() {
        assert_eq!(path_only("/a/b?x=1#f"), "/a/b");
        assert_eq!(path_only("https://h:1/a/b?x"), "/a/b");
        assert_eq!(path_only("a/b"), "/a/b");
    }
}
