//! `secctx volume ...`: fsGroup ownership of a volume directory, as the kubelet does it.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use secctx_runtime::volume::{
    ChangePolicy, OwnershipReport, OwnershipRequest, Progress, messages,
    set_ownership_with_progress,
};

use crate::output::{Format, diag, emit};

/// Volume subcommands.
#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Give every entry of DIR the group GID and add the group bits, exactly as the kubelet does
    /// for a pod's fsGroup: lchown (uid untouched, symlinks not followed), mode |= 0660 (0440
    /// with --read-only), directories also 0110 and setgid; bits are never removed; DIR last.
    /// Exit 1 when some lchown/chmod calls failed (they are listed), 2 when the walk stopped.
    Chown(ChownArgs),
}

/// `fsGroupChangePolicy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    /// Walk the whole volume.
    #[value(name = "Always")]
    Always,
    /// Skip when DIR already has the group, the bits and setgid.
    #[value(name = "OnRootMismatch")]
    OnRootMismatch,
}

/// Arguments of `volume chown`.
#[derive(Debug, Args)]
pub struct ChownArgs {
    /// The volume directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The pod's fsGroup.
    #[arg(long, value_name = "GID")]
    pub fs_group: u32,
    /// The pod's fsGroupChangePolicy.
    #[arg(long, value_enum, default_value_t = PolicyArg::Always)]
    pub policy: PolicyArg,
    /// The volume is mounted read-only: add 0440 instead of 0660.
    #[arg(long)]
    pub read_only: bool,
    /// Output format of the final report.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

/// Runs a volume subcommand.
pub fn run(cmd: VolumeCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        VolumeCommand::Chown(a) => chown(a),
    }
}

fn chown(a: ChownArgs) -> anyhow::Result<ExitCode> {
    let req = OwnershipRequest {
        fs_group: a.fs_group,
        policy: match a.policy {
            PolicyArg::Always => ChangePolicy::Always,
            PolicyArg::OnRootMismatch => ChangePolicy::OnRootMismatch,
        },
        read_only: a.read_only,
    };
    let progress = Progress::new();
    let bar = std::io::stderr().is_terminal();
    let dir_text = a.dir.display().to_string();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let report = std::thread::scope(|s| {
        let (p, d) = (&progress, &dir_text);
        s.spawn(move || monitor(p, d, bar, &done_rx));
        let r = set_ownership_with_progress(&a.dir, &req, &progress);
        let _ = done_tx.send(());
        r
    })
    .with_context(|| format!("setting fsGroup ownership of {dir_text}"))?;
    match a.output {
        Format::Json => emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?,
        Format::Text => emit(&summary(&dir_text, a.fs_group, &report))?,
    }
    Ok(if report.failures > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Draws the bar (terminal only) and prints the kubelet's 30 s / 60 s warnings until `done`.
fn monitor(progress: &Progress, dir: &str, bar: bool, done: &mpsc::Receiver<()>) {
    let start = Instant::now();
    let mut next_message = messages::FIRST_REPORT_AFTER;
    let mut warned = false;
    let tick = if bar {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(1)
    };
    const SPIN: [char; 4] = ['|', '/', '-', '\\'];
    let mut frame = 0;
    while let Err(mpsc::RecvTimeoutError::Timeout) = done.recv_timeout(tick) {
        let elapsed = start.elapsed();
        let n = progress.visited();
        if elapsed >= next_message {
            if bar {
                eprint_clear();
            }
            if warned {
                diag(&format!("warning: {}", messages::progress(dir, n)));
            } else {
                diag(&format!("warning: {}", messages::slow_warning(dir)));
                warned = true;
            }
            next_message += messages::PROGRESS_EVERY;
        }
        if bar {
            let rate = n as f64 / elapsed.as_secs_f64().max(0.001);
            eprint_line(&format!(
                "{} {n} entries  {rate:.0}/s  {:.1}s",
                SPIN[frame % 4],
                elapsed.as_secs_f64()
            ));
            frame += 1;
        }
    }
    if bar {
        eprint_clear();
    }
}

fn eprint_line(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{text}");
    let _ = err.flush();
}

fn eprint_clear() {
    eprint_line("");
}

fn summary(dir: &str, gid: u32, r: &OwnershipReport) -> String {
    let secs = r.elapsed.as_secs_f64();
    if r.skipped {
        return format!(
            "{dir}: skipped, the root already has group {gid}, the bits and setgid (OnRootMismatch) [{secs:.3}s]\n"
        );
    }
    let mut out = format!(
        "{dir}: group {gid}: {} entries, {} changed ({} lchown, {} chmod), {} failed [{secs:.3}s]\n",
        r.visited, r.changed, r.chowned, r.chmodded, r.failures
    );
    for f in &r.first_failures {
        let op = match f.op {
            secctx_runtime::volume::FailedOp::Lchown => "lchown",
            secctx_runtime::volume::FailedOp::Chmod => "chmod",
            _ => "open",
        };
        out.push_str(&format!("  {op} {}: {}\n", f.path.display(), f.error));
    }
    if r.failures > r.first_failures.len() as u64 {
        out.push_str(&format!(
            "  ... and {} more\n",
            r.failures - r.first_failures.len() as u64
        ));
    }
    out
}
