//! The `mpbake` binary: parse argv, run, exit with 0 (ok), 1 (input errors) or 2 (tool failure).

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the front end and planner allocate many small strings; glibc's malloc spent ~40% of
/// planning time in malloc/free (benches/frontend.rs, docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The stack mpbake runs on: planning follows stage dependencies and parsers descend into
/// nesting recursively, so a Dockerfile of thousands of chained stages needs more than the main
/// thread's 8 MiB (memory is only used as deep as a run goes).
const STACK: usize = 256 << 20;

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let run = std::thread::Builder::new().name("mpbake".into()).stack_size(STACK).spawn(run);
    match run.map(|thread| thread.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => {
            eprintln!("mpbake: error: cannot start: {e}");
            ExitCode::from(2)
        }
    }
}

/// Output (or messages) to a pipe the reader closed (`mpbake print | head -1`) ends mpbake quietly, with the
/// status a process stopped by SIGPIPE has (128 + 13), as Unix tools end; Rust's print macros
/// would panic there instead.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message =
            info.payload().downcast_ref::<String>().map(String::as_str).or_else(|| info.payload().downcast_ref::<&str>().copied());
        if message.is_some_and(|m| m.starts_with("failed printing to std") && m.contains("Broken pipe")) {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn run() -> ExitCode {
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
