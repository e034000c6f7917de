//! Records the commit conform is built from, for `conform --version`.
//!
//! `CONFORM_BUILD_COMMIT` wins when set (a packager building from a tarball); else `git` is
//! asked, with `-dirty` when tracked sources differ from that commit; else (no git, not a
//! checkout) the commit is `unknown`. The build never fails because of this.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CONFORM_BUILD_COMMIT");
    // The sources that make the binary: the dirty marker is computed again when they change.
    for path in ["build.rs", "Cargo.toml", "Cargo.lock", "src", "sandbox/src"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let commit = match std::env::var("CONFORM_BUILD_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => from_git().unwrap_or_else(|| "unknown".to_string()),
    };
    println!("cargo:rustc-env=CONFORM_BUILD_COMMIT={commit}");
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string())
}

fn from_git() -> Option<String> {
    // Only this crate's own checkout: a conform folder copied inside another repository
    // would otherwise report that repository's commit.
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !same_dir(Path::new(&top), manifest_dir) {
        return None;
    }
    let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
    watch_git_refs();
    let dirty = git(&[
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        "src",
        "sandbox/src",
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
    ])
    .is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{hash}-dirty") } else { hash })
}

/// Reruns the build script when HEAD moves: a commit, a checkout, a rebase.
fn watch_git_refs() {
    let mut paths: Vec<PathBuf> = Vec::new();
    for name in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", name]) {
            paths.push(p.into());
        }
    }
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(&["rev-parse", "--git-path", &head_ref]) {
            paths.push(p.into());
        }
    }
    for p in paths {
        let p = if p.is_absolute() {
            p
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
        };
        // A path that does not exist would make cargo rerun this script on every build.
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
