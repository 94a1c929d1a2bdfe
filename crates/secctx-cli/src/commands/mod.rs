//! One module per subcommand; each returns an exit code or an error, and prints nothing else.

pub mod admit;
pub mod bundle;
pub mod check;
pub mod check_repo;
pub mod exec;
pub mod explain;
pub mod fix;
pub mod image;
pub mod inspect;
pub mod logs;
pub mod namespace;
pub mod oci;
pub mod pause;
pub mod ps;
pub mod record;
pub mod rm;
pub mod run;
pub mod runc;
pub mod serve;
pub mod volume;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Admit(args) => admit::run(args),
        Command::Bundle(cmd) => bundle::run(cmd),
        Command::Check(args) => check::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Fix(args) => fix::run(args),
        Command::Image(cmd) => image::run(cmd),
        Command::Oci(args) => oci::run(args),
        Command::Volume(cmd) => volume::run(cmd),
        Command::Run(args) => run::run(args),
        Command::Record(args) => record::run(args),
        Command::Ps(args) => ps::run(args),
        Command::Exec(args) => exec::run(args),
        Command::Logs(args) => logs::run(args),
        Command::Namespace(cmd) => namespace::run(cmd),
        Command::Serve(args) => serve::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Rm(args) => rm::run(args),
        Command::Runc { args } => Ok(runc::main(args)),
        Command::Pause => pause::run(),
    }
}
