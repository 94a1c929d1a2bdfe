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
    /// What SecurityContextConstraints admission (OpenShift) does to pods: the SCC chosen,
    /// every field set, and the Pod Security verdict after it.
    Admit(crate::commands::admit::AdmitArgs),
    /// OCI bundles: run, create, start, state, wait, kill, delete, exec, list, spec.
    #[command(subcommand)]
    Bundle(crate::commands::bundle::BundleCommand),
    /// Judge manifests as the API server and Pod Security Admission would.
    Check(crate::commands::check::CheckArgs),
    /// Show, per container, the uid/gids, capabilities, no_new_privs, seccomp, AppArmor,
    /// SELinux, masked paths and volume ownership a real node gives it, and why.
    Explain(crate::commands::explain::ExplainArgs),
    /// Make manifests pass a Pod Security level with the smallest edits, comments and layout
    /// kept: safe edits always, identity and behaviour changes with --allow.
    Fix(crate::commands::fix::FixArgs),
    /// Images: the store (import, pull, ls, rm, unpack) and building test images.
    #[command(subcommand)]
    Image(crate::commands::image::ImageCommand),
    /// Print the OCI runtime config.json containerd would give one container.
    Oci(crate::commands::oci::OciArgs),
    /// Volume operations (fsGroup ownership).
    #[command(subcommand)]
    Volume(crate::commands::volume::VolumeCommand),
    /// Namespaces: OpenShift-identical uid/MCS allocation (`allocate`).
    #[command(subcommand)]
    Namespace(crate::commands::namespace::NamespaceCommand),
    /// The admission webhook over HTTPS: Pod Security (`/validate`) and SCC admission
    /// (`/mutate`) as a cluster's API server calls them; `serve cert` makes its certificates.
    Serve(crate::commands::serve::ServeArgs),
    /// Run a pod on this machine with every security-context field enforced.
    Run(crate::commands::run::RunArgs),
    /// Run a pod once under observation and write the tightest securityContext and seccomp
    /// profile it needs, then verify them by running it again with everything enforced.
    Record(crate::commands::record::RecordArgs),
    /// List the pods secctx runs.
    Ps(crate::commands::ps::PsArgs),
    /// Run a command in a pod's container with the container's own identity and confinement.
    Exec(crate::commands::exec::ExecArgs),
    /// Print a container's logs.
    Logs(crate::commands::logs::LogsArgs),
    /// Print a pod's status (phase, container states and reasons, user.linux) as JSON.
    Inspect(crate::commands::inspect::InspectArgs),
    /// Stop pods and remove everything they created.
    Rm(crate::commands::rm::RmArgs),
    /// runc's command line on secctx's executor (also as `secctx-runc`), for containerd's
    /// runc shim: create, start, state, kill, delete, exec, run, ps, list, features.
    #[command(disable_help_flag = true)]
    Runc {
        /// runc's global options, command and arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The pod sandbox's process (internal).
    #[command(name = "__pause", hide = true)]
    Pause,
}
