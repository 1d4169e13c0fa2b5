//! The `mpbake` binary: parse argv, run, exit with 0 (ok), 1 (input errors) or 2 (tool failure).

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the front end and planner allocate many small strings; glibc's malloc spent ~40% of
/// planning time in malloc/free (benches/frontend.rs, docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match mpbake::cli::Cli::try_parse() {
        Ok(cli) => mpbake::cli::run(cli),
        Err(e) => {
            let usage_error = e.use_stderr();
            let _ = e.print();
            // a wrong command line is bad input (1); --help and --version are not errors
            ExitCode::from(u8::from(usage_error))
        }
    }
}
