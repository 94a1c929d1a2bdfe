//! A runc-compatible command line for the embedded executor, so that containerd's runc shim
//! (`io.containerd.runc.v2` with `BinaryName`) and other runc callers (the OCI conformance
//! suite) can drive secctx. Invoked as `secctx-runc ...` (argv[0]) or `secctx runc ...`.
//! docs/executor.md lists what each command does and the containerd setup.

mod features;
mod log;
mod signal;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secctx_runtime::executor::{Embedded, ExecError, Executor, State, Status, Stdio};

pub use log::Log;

/// runc's command line, served by secctx's embedded executor.
#[derive(Debug, Parser)]
#[command(name = "secctx-runc", version = concat!(env!("CARGO_PKG_VERSION"), "\nspec: 1.2.1\nruntime: secctx embedded executor"), about)]
pub struct RuncCli {
    /// Root directory for container state (containerd passes /run/containerd/runc/<namespace>).
    #[arg(long, global = true, default_value = "/run/secctx/runc")]
    pub root: PathBuf,
    /// Log file for errors and warnings (default: stderr).
    #[arg(long, global = true)]
    pub log: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, global = true, default_value = "text")]
    pub log_format: String,
    /// Debug logging (accepted; secctx logs errors and warnings).
    #[arg(long, global = true)]
    pub debug: bool,
    /// Use systemd to manage cgroups: refused (secctx writes cgroupfs directly).
    #[arg(long, global = true)]
    pub systemd_cgroup: bool,
    /// Rootless mode (only `false` and `auto` as root are accepted).
    #[arg(long, global = true)]
    pub rootless: Option<String>,
    /// Path to criu (accepted and unused: no checkpoint support).
    #[arg(long, global = true)]
    pub criu: Option<PathBuf>,
    /// The operation.
    #[command(subcommand)]
    pub command: RuncCommand,
}

/// runc's subcommands.
#[derive(Debug, Subcommand)]
pub enum RuncCommand {
    /// Create a container from a bundle; its process waits for `start`.
    Create {
        /// Container id.
        id: String,
        /// The bundle directory (default: the current directory).
        #[arg(long, short, default_value = ".")]
        bundle: PathBuf,
        /// Write the container's init pid here.
        #[arg(long)]
        pid_file: Option<PathBuf>,
        /// Unix socket for the terminal's master (process.terminal is not supported).
        #[arg(long)]
        console_socket: Option<PathBuf>,
        /// Refused: secctx always pivots into the root.
        #[arg(long)]
        no_pivot: bool,
        /// Accepted: secctx does not create a session keyring.
        #[arg(long)]
        no_new_keyring: bool,
        /// Extra descriptors to pass (only 0 is supported).
        #[arg(long, default_value_t = 0)]
        preserve_fds: u32,
    },
    /// Create, start and wait for a container; its exit code, then it is deleted.
    Run {
        /// Container id.
        id: String,
        /// The bundle directory.
        #[arg(long, short, default_value = ".")]
        bundle: PathBuf,
        /// Write the container's init pid here.
        #[arg(long)]
        pid_file: Option<PathBuf>,
    },
    /// Start a created container.
    Start {
        /// Container id.
        id: String,
    },
    /// Print the state of a container as JSON.
    State {
        /// Container id.
        id: String,
    },
    /// Send a signal (name or number, default SIGTERM) to a container's init.
    Kill {
        /// Container id.
        id: String,
        /// SIGKILL, KILL or 9.
        #[arg(default_value = "SIGTERM")]
        signal: String,
        /// Signal every process of the container.
        #[arg(long, short)]
        all: bool,
    },
    /// Delete a stopped container; --force kills a live one first. An unknown id with
    /// --force succeeds.
    Delete {
        /// Container id.
        id: String,
        /// Kill a live container first.
        #[arg(long, short)]
        force: bool,
    },
    /// Run a process in a running container: from a process.json (--process) or the
    /// arguments after the id.
    Exec {
        /// Container id.
        id: String,
        /// The process as runtime-spec JSON.
        #[arg(long, short)]
        process: Option<PathBuf>,
        /// Do not wait for the process.
        #[arg(long, short)]
        detach: bool,
        /// Write the process's pid here.
        #[arg(long)]
        pid_file: Option<PathBuf>,
        /// Unix socket for the terminal's master (terminal is not supported).
        #[arg(long)]
        console_socket: Option<PathBuf>,
        /// Allocate a terminal: refused.
        #[arg(long, short)]
        tty: bool,
        /// Working directory (with a command instead of --process).
        #[arg(long)]
        cwd: Option<String>,
        /// Environment (with a command instead of --process).
        #[arg(long, short)]
        env: Vec<String>,
        /// Extra descriptors to pass (only 0 is supported).
        #[arg(long, default_value_t = 0)]
        preserve_fds: u32,
        /// The command, when no --process is given.
        #[arg(trailing_var_arg = true)]
        command: Vec<String>,
    },
    /// List the processes of a container.
    Ps {
        /// Container id.
        id: String,
        /// table or json (a list of pids).
        #[arg(long, short, default_value = "table")]
        format: String,
    },
    /// List containers.
    List {
        /// table or json.
        #[arg(long, short, default_value = "table")]
        format: String,
        /// Only ids.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Print the runtime-spec features document.
    Features,
    /// Not supported: pause, resume, update, events, checkpoint, restore.
    #[command(external_subcommand)]
    Other(Vec<String>),
}

/// The log of this invocation (set once, in `main`), for the executor's warnings.
static LOG: std::sync::OnceLock<Log> = std::sync::OnceLock::new();

fn warn(message: &str) {
    if let Some(log) = LOG.get() {
        log.write("warning", message);
    }
}

/// Runs the runc command line with `args` (without the program name).
pub fn main(args: Vec<String>) -> ExitCode {
    let cli = match RuncCli::try_parse_from(std::iter::once("secctx-runc".to_string()).chain(args))
    {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let log = LOG.get_or_init(|| Log {
        file: cli.log.clone(),
        json: cli.log_format == "json",
    });
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            log.write("error", &format!("{err:#}"));
            ExitCode::from(1)
        }
    }
}

fn run(cli: RuncCli) -> anyhow::Result<ExitCode> {
    if cli.systemd_cgroup {
        anyhow::bail!(
            "--systemd-cgroup is not supported: secctx manages cgroupfs directly; set SystemdCgroup = false in containerd's runc options"
        );
    }
    if !matches!(cli.log_format.as_str(), "text" | "json") {
        anyhow::bail!("--log-format {:?}: use text or json", cli.log_format);
    }
    if let Some(r) = cli.rootless.as_deref()
        && r == "true"
    {
        anyhow::bail!("--rootless=true is not supported: secctx runs containers as root");
    }
    let ex = Embedded::new(cli.root.clone())
        .handing_off()
        .warning_sink(warn);
    match cli.command {
        RuncCommand::Create {
            id,
            bundle,
            pid_file,
            console_socket: _,
            no_pivot,
            no_new_keyring: _,
            preserve_fds,
        } => {
            if no_pivot {
                anyhow::bail!("--no-pivot is not supported: secctx always uses pivot_root");
            }
            if preserve_fds > 0 {
                anyhow::bail!("--preserve-fds {preserve_fds}: not supported");
            }
            seal_if(secctx_runtime::executor::sealed_exe::bundle_needs_sealing(
                &bundle,
            ))?;
            ex.create(&id, &bundle, Stdio::Inherit)?;
            if let Some(p) = pid_file {
                write_pid_file(&p, ex.state(&id)?.pid)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        RuncCommand::Run {
            id,
            bundle,
            pid_file,
        } => {
            seal_if(secctx_runtime::executor::sealed_exe::bundle_needs_sealing(
                &bundle,
            ))?;
            let ex = Embedded::new(cli.root.clone()).warning_sink(warn);
            ex.create(&id, &bundle, Stdio::Inherit)?;
            if let Some(p) = pid_file {
                write_pid_file(&p, ex.state(&id)?.pid)?;
            }
            let code = ex.start(&id).and_then(|()| ex.wait(&id));
            let deleted = ex.delete(&id, true);
            let code = code?;
            deleted?;
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
        RuncCommand::Start { id } => {
            ex.start(&id)?;
            Ok(ExitCode::SUCCESS)
        }
        RuncCommand::State { id } => {
            let state = ex.state(&id)?;
            print_json(&state_json(&ex, &state))?;
            Ok(ExitCode::SUCCESS)
        }
        RuncCommand::Kill { id, signal, all } => {
            let sig = signal::parse(&signal)?;
            if all {
                ex.kill_all(&id, sig)?;
            } else {
                ex.kill(&id, sig)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        RuncCommand::Delete { id, force } => {
            ex.delete(&id, force)?;
            Ok(ExitCode::SUCCESS)
        }
        RuncCommand::Exec {
            id,
            process,
            detach,
            pid_file,
            console_socket: _,
            tty,
            cwd,
            env,
            preserve_fds,
            command,
        } => {
            if tty {
                anyhow::bail!("exec --tty: terminals are not supported");
            }
            if preserve_fds > 0 {
                anyhow::bail!("--preserve-fds {preserve_fds}: not supported");
            }
            let process = exec_process(&ex, &id, process.as_deref(), cwd, env, command)?;
            if process.terminal() == Some(true) {
                anyhow::bail!("exec: process.terminal is not supported");
            }
            seal_if(true)?;
            if detach {
                let pid = ex.exec_detached(&id, &process, Stdio::Inherit)?;
                if let Some(p) = pid_file {
                    write_pid_file(&p, pid)?;
                }
                Ok(ExitCode::SUCCESS)
            } else {
                if pid_file.is_some() {
                    anyhow::bail!("exec --pid-file needs --detach with secctx");
                }
                let code = ex.exec(&id, &process, Stdio::Inherit)?;
                Ok(ExitCode::from(code.clamp(0, 255) as u8))
            }
        }
        RuncCommand::Ps { id, format } => {
            let state = ex.state(&id)?;
            let mut pids = secctx_runtime::executor::cgroup::procs(&state.cgroups);
            pids.sort_unstable();
            pids.dedup();
            #[allow(clippy::print_stdout)]
            match format.as_str() {
                "json" => println!("{}", serde_json::to_string(&pids)?),
                "table" => {
                    println!("PID");
                    for p in pids {
                        println!("{p}");
                    }
                }
                f => anyhow::bail!("ps --format {f:?}: use table or json"),
            }
            Ok(ExitCode::SUCCESS)
        }
        RuncCommand::List { format, quiet } => {
            let states = ex.list()?;
            #[allow(clippy::print_stdout)]
            if quiet {
                for s in &states {
                    println!("{}", s.id);
                }
            } else if format == "json" {
                let all: Vec<_> = states.iter().map(|s| state_json(&ex, s)).collect();
                println!("{}", serde_json::to_string(&all)?);
            } else {
                println!("ID\tPID\tSTATUS\tBUNDLE");
                for s in &states {
                    println!("{}\t{}\t{}\t{}", s.id, s.pid, s.status, s.bundle.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RuncCommand::Features => {
            print_json(&features::document())?;
            Ok(ExitCode::SUCCESS)
        }
        RuncCommand::Other(args) => {
            anyhow::bail!(
                "{}: not supported by secctx (create, start, state, kill, delete, exec, run, ps, list, features)",
                args.first().map(String::as_str).unwrap_or("?")
            )
        }
    }
}

/// Re-executes from a sealed binary when container processes could see ours (as `main`
/// does for `secctx bundle`; see docs/executor.md).
fn seal_if(needed: bool) -> Result<(), ExecError> {
    if needed {
        secctx_runtime::executor::sealed_exe::ensure()?;
    }
    Ok(())
}

/// The process of `exec`: the JSON file, or the container's own process with `command`.
fn exec_process(
    ex: &Embedded,
    id: &str,
    file: Option<&Path>,
    cwd: Option<String>,
    env: Vec<String>,
    command: Vec<String>,
) -> anyhow::Result<oci_spec::runtime::Process> {
    if let Some(f) = file {
        let text = std::fs::read(f).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        return serde_json::from_slice(&text).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()));
    }
    if command.is_empty() {
        anyhow::bail!("exec: give --process FILE or a command after the id");
    }
    let state = ex.state(id)?;
    let spec = oci_spec::runtime::Spec::load(state.bundle.join("config.json"))?;
    let mut process = spec.process().clone().unwrap_or_default();
    process.set_args(Some(command));
    if let Some(c) = cwd {
        process.set_cwd(c.into());
    }
    if !env.is_empty() {
        let mut all = process.env().clone().unwrap_or_default();
        all.extend(env);
        process.set_env(Some(all));
    }
    Ok(process)
}

/// runc's `state` output: the OCI state plus rootfs, created and annotations.
fn state_json(ex: &Embedded, s: &State) -> serde_json::Value {
    // The state directory's birth time is the creation time.
    let created = std::fs::metadata(ex.root().join(&s.id))
        .and_then(|m| m.created())
        .unwrap_or(std::time::UNIX_EPOCH);
    let config = oci_spec::runtime::Spec::load(s.bundle.join("config.json")).ok();
    let rootfs = config
        .as_ref()
        .and_then(|c| c.root().as_ref().map(|r| s.bundle.join(r.path())))
        .unwrap_or_default();
    let annotations = config
        .as_ref()
        .and_then(|c| c.annotations().clone())
        .unwrap_or_default();
    let pid = if s.status == Status::Stopped {
        0
    } else {
        s.pid
    };
    serde_json::json!({
        "ociVersion": s.oci_version,
        "id": s.id,
        "pid": pid,
        "status": s.status.to_string(),
        "bundle": s.bundle,
        "rootfs": rootfs,
        "created": log::rfc3339(created),
        "owner": "",
        "annotations": annotations,
    })
}

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    #[allow(clippy::print_stdout)]
    {
        println!("{}", serde_json::to_string_pretty(v)?);
    }
    Ok(())
}

/// Writes the pid atomically (a reader never sees a partial file), as runc does: through a
/// new file with a random name in the same directory, created with `O_EXCL` (a name planted
/// there, such as a symlink to a host file, is never opened), then renamed over `path`.
fn write_pid_file(path: &Path, pid: i32) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".secctx-pid-")
        .tempfile_in(dir)
        .map_err(|e| anyhow::anyhow!("pid file {}: {e}", path.display()))?;
    tmp.write_all(pid.to_string().as_bytes())
        .map_err(|e| anyhow::anyhow!("pid file {}: {e}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("pid file {}: {}", path.display(), e.error))?;
    Ok(())
}
