//! `conform init`: the library's scaffold, with what it wrote and what to do next.
use super::args::InitArgs;
use super::exit;
use crate::init::{InitError, InitOptions};

pub fn init(a: &InitArgs) -> i32 {
    let opts = InitOptions {
        contract: a.contract.clone(),
        base_url: a.base_url.clone(),
        dir: a.dir.clone(),
    };
    match crate::init::init(&opts) {
        Ok(out) => {
            for f in &out.files {
                say!("wrote {}", f.display());
            }
            let config = a.dir.join("conform.yaml");
            say!(
                "{} smoke scenario(s), one per operation. Next:\n  conform validate --config {c}\n  conform run --config {c}",
                out.operations,
                c = config.display()
            );
            exit::SUCCESS
        }
        Err(e @ InitError::Write { .. }) => {
            eprintln!("error: {}", super::error_chain(&e));
            exit::FAILURES
        }
        Err(e) => {
            eprintln!("error: {}", super::error_chain(&e));
            exit::USAGE
        }
    }
}
