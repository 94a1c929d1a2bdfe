//! `secctx bundle ...`: run OCI bundles with secctx's own executor (or `--runtime PATH`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use secctx_runtime::executor::{Embedded, Executor, External, Stdio};

/// Options every bundle subcommand takes.
#[derive(Debug, Args)]
pub struct Common {
    /// Hand the bundle to this OCI runtime binary (crun, runc) instead of the embedded executor.
    #[arg(long, global = true)]
    pub runtime: Option<PathBuf>,
    /// State directory (default /run/secctx/containers; with --runtime, the runtime's --root,
    /// default /run/secctx/runtime).
    #[arg(long, global = true)]
    pub root: Option<PathBuf>,
}

/// OCI bundle subcommands.
#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Create, start and wait for a container; exits with its exit code, then deletes it.
    Run {
        /// The bundle directory (config.json and rootfs).
        bundle: PathBuf,
        /// Container id (default: the bundle directory's name).
        #[arg(long)]
        id: Option<String>,
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// Create a container (its process waits for `start`).
    Create {
        /// The bundle directory.
        bundle: PathBuf,
        /// Container id (default: the bundle directory's name).
        #[arg(long)]
        id: Option<String>,
        /// Send the container's stdin/stdout/stderr to /dev/null instead of ours.
        #[arg(long)]
        detach: bool,
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// Start a created container.
    Start {
        /// Container id.
        id: String,
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// Print the OCI state JSON of a container.
    State {
        /// Container id.
        id: String,
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// Wait for a container's process; exits with its exit code.
    Wait {
        /// Container id.
        id: String,
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// Send a signal (number, default 15) to a container's process.
    Kill {
        /// Container id.
        id: String,
        /// Signal number.
        #[arg(default_value_t = 15)]
        signal: i32,
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// Delete a stopped container (--force: kill it first).
    Delete {
        /// Container id.
        id: String,
        /// Kill a live container first.
        #[arg(long, short)]
        force: bool,
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// Run a command in a running container with the container's process settings.
    Exec {
        /// Container id.
        id: String,
        /// The command and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// List the containers of the embedded executor's state directory.
    List {
        /// Shared options.
        #[command(flatten)]
        common: Common,
    },
    /// Write a default config.json into BUNDLE: runtime-spec defaults (namespaces, mounts,
    /// masked and read-only paths, rootfs "rootfs") with containerd's default capabilities.
    Spec {
        /// The bundle directory.
        bundle: PathBuf,
        /// Add containerd's RuntimeDefault seccomp profile (for this kernel, amd64).
        #[arg(long)]
        runtime_default: bool,
        /// The process arguments (default: sh).
        #[arg(last = true)]
        command: Vec<String>,
    },
}

fn executor(common: &Common) -> Box<dyn Executor> {
    match &common.runtime {
        Some(bin) => Box::new(External::new(
            bin.clone(),
            common
                .root
                .clone()
                .unwrap_or_else(|| PathBuf::from("/run/secctx/runtime")),
        )),
        None => Box::new(Embedded::new(
            common
                .root
                .clone()
                .unwrap_or_else(|| PathBuf::from(Embedded::DEFAULT_ROOT)),
        )),
    }
}

fn id_of(bundle: &std::path::Path, id: &Option<String>) -> anyhow::Result<String> {
    match id {
        Some(id) => Ok(id.clone()),
        None => Ok(std::fs::canonicalize(bundle)?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "container".into())),
    }
}

fn code(c: i32) -> ExitCode {
    ExitCode::from(c.clamp(0, 255) as u8)
}

/// Runs a bundle subcommand.
pub fn run(cmd: BundleCommand) -> anyhow::Result<ExitCode> {
    #[allow(clippy::print_stdout)]
    match cmd {
        BundleCommand::Run { bundle, id, common } => {
            let id = id_of(&bundle, &id)?;
            Ok(code(executor(&common).run(&id, &bundle, Stdio::Inherit)?))
        }
        BundleCommand::Create {
            bundle,
            id,
            detach,
            common,
        } => {
            let id = id_of(&bundle, &id)?;
            let stdio = if detach { Stdio::Null } else { Stdio::Inherit };
            executor(&common).create(&id, &bundle, stdio)?;
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Start { id, common } => {
            executor(&common).start(&id)?;
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::State { id, common } => {
            let state = executor(&common).state(&id)?;
            println!("{}", serde_json::to_string_pretty(&state)?);
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Wait { id, common } => Ok(code(executor(&common).wait(&id)?)),
        BundleCommand::Kill { id, signal, common } => {
            executor(&common).kill(&id, signal)?;
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Delete { id, force, common } => {
            executor(&common).delete(&id, force)?;
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Exec {
            id,
            command,
            common,
        } => {
            let ex = executor(&common);
            let state = ex.state(&id)?;
            let spec = oci_spec::runtime::Spec::load(state.bundle.join("config.json"))?;
            let mut process = spec.process().clone().unwrap_or_default();
            process.set_args(Some(command));
            Ok(code(ex.exec(&id, &process, Stdio::Inherit)?))
        }
        BundleCommand::List { common } => {
            if common.runtime.is_some() {
                anyhow::bail!("list: only for the embedded executor (use the runtime's own list)");
            }
            let ex = Embedded::new(
                common
                    .root
                    .unwrap_or_else(|| PathBuf::from(Embedded::DEFAULT_ROOT)),
            );
            for s in ex.list()? {
                println!("{}\t{}\t{}\t{}", s.id, s.pid, s.status, s.bundle.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Spec {
            bundle,
            runtime_default,
            command,
        } => {
            std::fs::create_dir_all(&bundle)?;
            let mut spec = serde_json::to_value(oci_spec::runtime::Spec::default())?;
            let caps = secctx_core::caps::CONTAINERD_DEFAULT_CAPS;
            spec["process"]["capabilities"] = serde_json::json!({
                "bounding": caps, "effective": caps, "permitted": caps
            });
            spec["process"]["terminal"] = serde_json::json!(false);
            if !command.is_empty() {
                spec["process"]["args"] = serde_json::json!(command);
            }
            if runtime_default {
                let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")?;
                let kernel =
                    secctx_core::seccomp::KernelVersion::parse_release(release.trim()).ok();
                let profile = secctx_core::seccomp::runtime_default(
                    &caps,
                    secctx_core::seccomp::GoArch::Amd64,
                    kernel,
                );
                spec["linux"]["seccomp"] = serde_json::to_value(profile)?;
            }
            std::fs::write(
                bundle.join("config.json"),
                serde_json::to_vec_pretty(&spec)?,
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
