#![forbid(unsafe_code)]
//! The `conform` binary: parse the command line, call the library, exit with its code.

fn main() {
    std::process::exit(conform::cli::main_exit());
}
