//! `secctx image ...`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use secctx_runtime::image::RunConfig;
use secctx_runtime::image::build::ImageBuilder;

/// Image subcommands.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build a one-layer image from a rootfs directory (modes and owners kept), as an OCI
    /// layout directory or a docker-archive tar.
    Build(BuildArgs),
}

/// Output formats of `image build`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BuildFormat {
    /// An OCI image layout directory.
    Oci,
    /// A `docker save`-style tar.
    DockerArchive,
}

/// Arguments of `image build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The rootfs directory.
    #[arg(long, value_name = "DIR")]
    pub rootfs: PathBuf,
    /// The image reference to record (`busybox:1.28`).
    #[arg(long, value_name = "REF")]
    pub tag: String,
    /// Config `User`.
    #[arg(long, default_value = "")]
    pub user: String,
    /// Config `Cmd` (repeat for each argument).
    #[arg(long = "cmd", value_name = "ARG")]
    pub cmd: Vec<String>,
    /// Config `Env` (`K=V`, repeatable).
    #[arg(long = "env", value_name = "K=V")]
    pub env: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BuildFormat::Oci)]
    pub format: BuildFormat,
    /// Where to write the layout directory or the tar.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
}

/// Runs an image subcommand.
pub fn run(cmd: ImageCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ImageCommand::Build(a) => {
            let env = if a.env.is_empty() {
                vec![
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
                ]
            } else {
                a.env
            };
            let builder = ImageBuilder::new()
                .config(RunConfig {
                    user: Some(a.user),
                    env: Some(env),
                    cmd: (!a.cmd.is_empty()).then_some(a.cmd),
                    ..RunConfig::default()
                })
                .layer_dir(&a.rootfs)
                .with_context(|| format!("reading {}", a.rootfs.display()))?;
            match a.format {
                BuildFormat::Oci => builder.write_oci_layout(&a.output, &a.tag)?,
                BuildFormat::DockerArchive => builder.write_docker_archive(&a.output, &a.tag)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
