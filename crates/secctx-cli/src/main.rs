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
