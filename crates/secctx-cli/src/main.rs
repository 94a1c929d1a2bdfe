//! The `secctx` command: what a Kubernetes container really runs as, whether it is allowed, and
//! running it with every security-context field enforced.
//!
//! Exit codes: 0 = ok, 1 = violations found, 2 = error.

mod cli;
mod commands;
mod images;
mod input;
mod node;
mod output;
mod pods;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: `check` and `explain` hold every pod of their
/// input as k8s-openapi structs (kilobytes each, hundreds of small heap strings) and build
/// many short-lived results; with glibc malloc, PSA evaluation over 100,000 pods spent about a
/// tenth of its time in TLB misses and a fifth of a failing pod's time in malloc/free
/// (docs/check.md). The benches of secctx-core use the same allocator (benches/support).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Whether `command` forks processes that existing container processes can see before their
/// `execve` (exec, pods, bundles whose init does not get a new pid namespace): those must
/// not expose the host's secctx binary (CVE-2019-5736; see
/// secctx_runtime::executor::sealed_exe and docs/executor.md).
fn joins_containers(command: &cli::Command) -> bool {
    use commands::bundle::BundleCommand as B;
    use secctx_runtime::executor::sealed_exe::bundle_needs_sealing;
    match command {
        cli::Command::Run(_) | cli::Command::Exec(_) | cli::Command::Record(_) => true,
        cli::Command::Bundle(B::Exec { .. }) => true,
        cli::Command::Bundle(B::Run { bundle, .. } | B::Create { bundle, .. }) => {
            bundle_needs_sealing(bundle)
        }
        _ => false,
    }
}

fn main() -> ExitCode {
    // Invoked as `secctx-runc` (a link, containerd's BinaryName): runc's command line.
    let mut args = std::env::args();
    if args
        .next()
        .as_deref()
        .map(std::path::Path::new)
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "secctx-runc")
    {
        return commands::runc::main(args.collect());
    }
    let cli = cli::Cli::parse();
    // First, while single-threaded: non-dumpable, and re-executed from a sealed copy of the
    // binary unless already running from one (then this returns at once).
    if joins_containers(&cli.command)
        && let Err(err) = secctx_runtime::executor::sealed_exe::ensure()
    {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("error: {err:#}");
        }
        return ExitCode::from(2);
    }
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            // Reported once, here; commands return errors instead of printing them.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(2)
        }
    }
}
