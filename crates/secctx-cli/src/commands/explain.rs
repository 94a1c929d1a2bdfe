//! `secctx explain`: per pod and container, the identity and confinement a real node gives it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use secctx_core::resolve::resolve_pod;

use crate::images::{ImageArgs, Images};
use crate::input::{FieldArgs, print_warnings, read_inputs};
use crate::node::NodeArgs;
use crate::output::{Format, diag, emit, explain_json, explain_text};

/// Arguments of `secctx explain`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
For every pod (and the pod template of every Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
CronJob, ReplicationController and PodTemplate) secctx prints, per init, regular and ephemeral
container, what a node running the kubelet, containerd and runc gives the process:

  id          the line `id` prints inside the container
  Cap*        the five capability sets as /proc/<pid>/status shows them
  NoNewPrivs  and Seccomp as /proc/<pid>/status shows them
  AppArmor, SELinux, masked /proc paths, read-only rootfs, the runAsNonRoot check,
  status user.linux, volume ownership, namespaces and sysctls,

each with where it came from: a container field, a pod field, the image, a runtime default or a
node option. Values that depend on an image secctx was not given are shown as unknown.

Examples:
  secctx explain pod.yaml --image busybox:1.28=./busybox-oci
  secctx explain manifests/ -o json
  kubectl get pod web -o yaml | secctx explain -

Exit codes: 0 explained, 2 an input could not be read (the other inputs are still explained).")]
pub struct ExplainArgs {
    /// Manifest files or directories (`*.yaml`, `*.yml`, `*.json`, recursively); `-` reads
    /// standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The images' data.
    #[command(flatten)]
    pub images: ImageArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The node to predict for.
    #[command(flatten)]
    pub node: NodeArgs,
    /// Unknown and duplicate fields.
    #[command(flatten)]
    pub fields: FieldArgs,
}

/// Runs `secctx explain`.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let images = Images::load(&args.images)?;
    let node = args.node.config();
    let inputs = read_inputs(&args.files, &args.fields.options());
    let loaded = &inputs.loaded;
    print_warnings(loaded);
    let lookup = |name: &str| images.get(name);
    let pods: Vec<_> = loaded
        .workloads()
        .map(|w| (w, resolve_pod(&w.pod_meta, &w.spec, &lookup, &node)))
        .collect();
    match args.format {
        Format::Json => emit(&explain_json::render(
            &pods,
            &loaded.errors,
            &loaded.skipped,
        ))?,
        Format::Text => {
            let mut text = String::new();
            for (i, (w, r)) in pods.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                text.push_str(&explain_text::render_pod(w, r));
            }
            emit(&text)?;
            for e in &loaded.errors {
                diag(&format!("error: {e}"));
            }
            for (kind, n) in &loaded.skipped {
                diag(&format!("skipped: {n} × {kind} (no pod template)"));
            }
            if pods.is_empty() && loaded.errors.is_empty() {
                diag("no pods or workloads found in the input");
            } else {
                let objects = match pods.len() {
                    1 => "1 pod or workload".to_string(),
                    n => format!("{n} pods and workloads"),
                };
                diag(&format!(
                    "explained {objects} from {} ({} bytes)",
                    crate::output::check_text::counted(inputs.files, "file"),
                    inputs.bytes
                ));
            }
        }
    }
    Ok(if loaded.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
