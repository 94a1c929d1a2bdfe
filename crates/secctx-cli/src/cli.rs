//! The command line: one clap definition; doc comments are the help text.

use clap::{Parser, Subcommand};

/// Kubernetes security contexts, end to end: check, explain, render and run pods exactly as the
/// API server, Pod Security Admission, the kubelet + containerd and runc would.
#[derive(Debug, Parser)]
#[command(name = "secctx", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// OCI bundles: run, create, start, state, wait, kill, delete, exec, list, spec.
    #[command(subcommand)]
    Bundle(crate::commands::bundle::BundleCommand),
    /// Show, per container, the uid/gids, capabilities, no_new_privs, seccomp, AppArmor,
    /// SELinux, masked paths and volume ownership a real node gives it, and why.
    Explain(crate::commands::explain::ExplainArgs),
    /// Images: the store (import, pull, ls, rm, unpack) and building test images.
    #[command(subcommand)]
    Image(crate::commands::image::ImageCommand),
    /// Print the OCI runtime config.json containerd would give one container.
    Oci(crate::commands::oci::OciArgs),
    /// Volume operations (fsGroup ownership).
    #[command(subcommand)]
    Volume(crate::commands::volume::VolumeCommand),
}
