//! `secctx volume ...`: placeholder until the fsGroup work lands.

use std::process::ExitCode;

use clap::Subcommand;

/// Volume subcommands.
#[derive(Debug, Subcommand)]
pub enum VolumeCommand {}

/// Runs a volume subcommand.
pub fn run(cmd: VolumeCommand) -> anyhow::Result<ExitCode> {
    match cmd {}
}
