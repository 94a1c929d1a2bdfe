//! `secctx logs POD [-c C]`: a container's output, as `kubectl logs` prints it.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use secctx_runtime::pod::logs::render;

use crate::pods::{StateArgs, pick_container};

/// Arguments of `secctx logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The pod name.
    #[arg(value_name = "POD")]
    pub pod: String,
    /// The container (needed when the pod has more than one).
    #[arg(short = 'c', long, value_name = "NAME")]
    pub container: Option<String>,
    /// Print the raw CRI records (`<time> <stream> <F|P> <text>`).
    #[arg(long)]
    pub raw: bool,
    /// Pod state.
    #[command(flatten)]
    pub state: StateArgs,
}

/// Runs `secctx logs`.
pub fn run(args: LogsArgs) -> anyhow::Result<ExitCode> {
    let pod = args.state.existing(&args.pod)?;
    let record = pod.record()?;
    let c = pick_container(&record, args.container.as_deref())?;
    let text = std::fs::read(pod.log_path(&c.name)).unwrap_or_default();
    let out = if args.raw { text } else { render(&text) };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&out).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r?,
    }
    Ok(ExitCode::SUCCESS)
}
