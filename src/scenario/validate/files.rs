//! Finding, reading and parsing scenario files (in parallel), then validating each.
use super::{validate_doc_with_needs, ValidationContext};
use crate::scenario::load::{discover, display_path, parse_file, LoadedFile};
use crate::source::{Diagnostic, SourceLocation};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Finds, reads, parses and validates scenario files. Returns the files that parsed (also
/// when validation found problems in them) and every problem of every file.
pub fn load_and_validate(
    paths: &[PathBuf],
    ctx: &ValidationContext,
) -> (Vec<LoadedFile>, Vec<Diagnostic>) {
    // Discovery in order; then every file is read, parsed and validated on its own, on as many
    // threads as there are cores (files do not depend on each other), and the results are put
    // back in discovery order, so the output is the same as one file after the other.
    enum Item {
        Missing(Diagnostic),
        File(PathBuf),
    }
    let mut items = Vec::new();
    for given in paths {
        match discover(std::slice::from_ref(given)) {
            Ok(found) => items.extend(found.into_iter().map(Item::File)),
            Err(e) => items.push(Item::Missing(Diagnostic::error(
                whole_file(&display_path(given)),
                e.to_string(),
            ))),
        }
    }
    let files_only: Vec<&PathBuf> = items
        .iter()
        .filter_map(|i| match i {
            Item::File(p) => Some(p),
            Item::Missing(_) => None,
        })
        .collect();
    let mut done = parallel_map(&files_only, |path| load_one(path, ctx)).into_iter();
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for item in items {
        match item {
            Item::Missing(d) => diags.push(d),
            Item::File(_) => {
                if let Some((file, mut file_diags)) = done.next() {
                    diags.append(&mut file_diags);
                    files.extend(file);
                }
            }
        }
    }
    (files, diags)
}

/// Reads, parses and validates one scenario file.
fn load_one(path: &Path, ctx: &ValidationContext) -> (Option<LoadedFile>, Vec<Diagnostic>) {
    let file = display_path(path);
    // Regular files only (a FIFO would block, a link to /dev/zero never end), and the cap is
    // enforced while reading: the size in the metadata is not trusted.
    let source: Arc<str> =
        match crate::source::input::read_text(path, crate::source::yaml::MAX_FILE_BYTES) {
            Ok(s) => Arc::from(s),
            Err(crate::source::input::InputError::TooLarge { max, .. }) => {
                let why = format!("scenario files over {max} bytes are refused");
                return (None, vec![Diagnostic::error(whole_file(&file), why)]);
            }
            Err(e) => {
                let at = match e.position() {
                    Some((line, column)) => SourceLocation {
                        file: file.clone(),
                        line,
                        column,
                    },
                    None => whole_file(&file),
                };
                return (None, vec![Diagnostic::error(at, e.cause())]);
            }
        };
    let (doc, mut diags) = parse_file(&file, &source);
    let Some(mut doc) = doc else {
        return (None, diags);
    };
    doc.source = Some(Arc::clone(&source));
    let (more, needs) = validate_doc_with_needs(&file, &source, &doc, ctx);
    diags.extend(more);
    let loaded = LoadedFile {
        path: path.to_path_buf(),
        source,
        doc,
        needs,
    };
    (Some(loaded), diags)
}

/// `f` over `items` on up to one thread per core, results in the order of `items`.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            out.push((i, f(item)));
        }
        out
    };
    // The calling thread is one of the workers.
    let mut parts: Vec<(usize, R)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut parts = work();
        for h in helpers {
            // A panic in a helper is a bug: it goes on unwinding here, as it would have
            // without threads.
            parts.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        parts
    });
    parts.sort_by_key(|(i, _)| *i);
    parts.into_iter().map(|(_, r)| r).collect()
}

fn whole_file(file: &str) -> SourceLocation {
    SourceLocation {
        file: file.to_string(),
        line: 0,
        column: 0,
    }
}
