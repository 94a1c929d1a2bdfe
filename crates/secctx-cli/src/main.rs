//! The `secctx` command: what a Kubernetes container really runs as, whether it is allowed, and
//! running it with every security-context field enforced.
//!
//! Exit codes: 0 = ok, 1 = violations found, 2 = error.

mod cli;
mod commands;
mod images;
mod input;
mod node;
mod output;
mod pods;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: `check` and `explain` hold every pod of their
/// input as k8s-openapi structs (kilobytes each, hundreds of small heap strings) and build
/// many short-lived results; with glibc malloc, PSA evaluation over 100,000 pods spent about a
/// tenth of its time in TLB misses and a fifth of a failing pod's time in malloc/free
/// (docs/check.md). The benches of secctx-core use the same allocator (benches/support).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            // Reported once, here; commands return errors instead of printing them.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(2)
        }
    }
}
