//! One module per subcommand; each returns an exit code or an error, and prints nothing else.

pub mod bundle;
pub mod explain;
pub mod image;
pub mod oci;
pub mod volume;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Bundle(cmd) => bundle::run(cmd),
        Command::Explain(args) => explain::run(args),
        Command::Image(cmd) => image::run(cmd),
        Command::Oci(args) => oci::run(args),
        Command::Volume(cmd) => volume::run(cmd),
    }
}
