//! `secctx oci`: the OCI runtime `config.json` containerd would give one container.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use secctx_core::load::Workload;
use secctx_core::oci::{
    ImageConfig, RenderError, RenderOptions, check_volume_mounts, kubelet_volume_mounts, render,
};
use secctx_core::path::FieldPath;
use secctx_core::resolve::{
    ContainerKind, ContainerRef, SeccompChoice, all_containers, resolve_pod,
};
use secctx_core::seccomp::GoArch;

use crate::images::{ImageArgs, Images};
use crate::input::{FieldArgs, print_warnings, read_inputs};
use crate::node::NodeArgs;
use crate::output::{diag, emit};

/// Arguments of `secctx oci`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Prints the config.json (OCI runtime spec) that the kubelet + containerd 2.x (CRI plugin) hand
to runc for one container of a pod: process.user (uid, gid, sorted additionalGids with the
primary gid), process.capabilities, noNewPrivileges, apparmorProfile and selinuxLabel (only
on nodes that have them), root.readonly, linux.seccomp (RuntimeDefault is containerd's profile
built from the bounding set; Localhost is read from the node's seccomp root), masked and
read-only paths, namespaces (host ones left out; a user namespace with a 65536-id mapping for
hostUsers: false), the device rule, containerd's default mounts and the kubelet's mounts with
the sources a node uses (/var/lib/kubelet/pods/<uid>/...).

Everything comes from the same resolution as `secctx explain`: the user and capabilities of
the config are what explain prints. Notes on values a node would take from elsewhere go to
standard error. docs/oci.md lists what differs from a real node.

Examples:
  secctx oci pod.yaml --image busybox:1.28=./busybox-oci
  secctx oci pod.yaml --container sidecar --seccomp-default > config.json
  secctx oci manifests/ --pod web --image nginx=./nginx.tar | jq .process.user

Exit codes: 0 printed, 2 the pod, the container or the spec could not be rendered
(with file:line:column of the field at fault when known).")]
pub struct OciArgs {
    /// Manifest file or directory (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The pod (or workload) to render; needed when the input holds several.
    #[arg(long, value_name = "NAME")]
    pub pod: Option<String>,
    /// The container (init, regular or ephemeral); default: the first regular container.
    #[arg(long, short = 'c', value_name = "NAME")]
    pub container: Option<String>,
    /// The images' data.
    #[command(flatten)]
    pub images: ImageArgs,
    /// `root.path` (containerd writes `rootfs`, relative to the bundle).
    #[arg(long, value_name = "PATH", default_value = "rootfs")]
    pub rootfs: String,
    /// The GOARCH of containerd (the RuntimeDefault seccomp profile depends on it).
    #[arg(long, value_name = "GOARCH", default_value = "amd64")]
    pub arch: GoArch,
    /// The node to predict for.
    #[command(flatten)]
    pub node: NodeArgs,
    /// Unknown and duplicate fields.
    #[command(flatten)]
    pub fields: FieldArgs,
}

/// An error with the place it points at.
struct Located {
    at: String,
    message: String,
}

fn at(w: &Workload, path: &FieldPath) -> String {
    let (pos, _) = w.origin.locate(&w.template_path().join(path));
    format!("{}:{}", w.origin.file, pos)
}

fn pick<'a>(ws: &[&'a Workload], name: Option<&str>) -> Result<&'a Workload, String> {
    match name {
        Some(n) => ws.iter().copied().find(|w| w.name() == n).ok_or_else(|| {
            let names: Vec<&str> = ws.iter().map(|w| w.name()).collect();
            format!(
                "no pod named {n:?} in the input (found: {})",
                names.join(", ")
            )
        }),
        None => match ws {
            [w] => Ok(w),
            [] => Err("no pods or workloads found in the input".into()),
            _ => {
                let names: Vec<&str> = ws.iter().map(|w| w.name()).collect();
                Err(format!(
                    "the input holds {} pods and workloads; choose one with --pod NAME ({})",
                    ws.len(),
                    names.join(", ")
                ))
            }
        },
    }
}

fn container<'a>(w: &'a Workload, name: Option<&str>) -> Result<ContainerRef<'a>, Located> {
    let all: Vec<ContainerRef<'a>> = all_containers(&w.spec).collect();
    let found = match name {
        Some(n) => all.iter().find(|c| c.name == n),
        None => all.iter().find(|c| c.kind == ContainerKind::Regular),
    };
    found.copied().ok_or_else(|| Located {
        at: at(w, &FieldPath::new("spec")),
        message: format!(
            "no container {:?} in pod {:?} (containers: {})",
            name.unwrap_or(""),
            w.name(),
            all.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
        ),
    })
}

fn check_mounts(w: &Workload, c: &ContainerRef<'_>) -> Result<(), Located> {
    check_volume_mounts(&w.spec, c).map_err(|e| {
        let path = match &e {
            RenderError::UnknownVolume { index, .. } => {
                c.path().child("volumeMounts").index(*index)
            }
            _ => c.path(),
        };
        Located {
            at: at(w, &path),
            message: e.to_string(),
        }
    })
}

/// Runs `secctx oci`.
pub fn run(args: OciArgs) -> anyhow::Result<ExitCode> {
    let images = Images::load(&args.images)?;
    let node = args.node.config();
    let inputs = read_inputs(&args.files, &args.fields.options());
    let loaded = &inputs.loaded;
    print_warnings(loaded);
    for e in &loaded.errors {
        diag(&format!("error: {e}"));
    }
    if !loaded.errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    let workloads: Vec<&Workload> = loaded.workloads().collect();
    let w = match pick(&workloads, args.pod.as_deref()) {
        Ok(w) => w,
        Err(m) => {
            diag(&format!("error: {m}"));
            return Ok(ExitCode::from(2));
        }
    };
    match render_one(w, &args, &images, &node) {
        Ok((json, notes)) => {
            emit(&json)?;
            for n in notes {
                diag(&format!("note: {n}"));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            diag(&format!("error: {}: {}", e.at, e.message));
            Ok(ExitCode::from(2))
        }
    }
}

fn render_one(
    w: &Workload,
    args: &OciArgs,
    images: &Images,
    node: &secctx_core::resolve::NodeConfig,
) -> Result<(String, Vec<String>), Located> {
    let c = container(w, args.container.as_deref())?;
    check_mounts(w, &c)?;
    let lookup = |name: &str| images.get(name);
    let pod = resolve_pod(&w.pod_meta, &w.spec, &lookup, node);
    let rc = pod
        .containers
        .iter()
        .find(|r| r.kind == c.kind && r.name == c.name)
        .expect("resolve_pod resolves every container");
    let mut opts = RenderOptions::for_pod(&w.pod_meta, &w.spec);
    opts.rootfs = args.rootfs.clone();
    opts.arch = args.arch;
    opts.image = images.get(c.image).map(ImageConfig::from);
    let uid = w.pod_meta.uid.clone().unwrap_or_else(|| "<pod-uid>".into());
    opts.mounts = kubelet_volume_mounts(&w.spec, &c, &uid);
    opts.pod_uid = uid;
    opts.sandbox_id = "<sandbox-id>".into();
    opts.sandbox_shm =
        Some("/run/containerd/io.containerd.grpc.v1.cri/sandboxes/<sandbox-id>/shm".into());
    if let SeccompChoice::Localhost { path } = &rc.seccomp.applied {
        match std::fs::read_to_string(path) {
            Ok(text) => opts.localhost_profile = Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Located {
                    at: at(w, &c.path()),
                    message: format!("cannot load seccomp profile {path:?}: {e}"),
                });
            }
        }
    }
    let rendered = render(&w.spec, &pod, rc, &opts).map_err(|e| Located {
        at: at(w, &error_path(&c, &e)),
        message: e.to_string(),
    })?;
    Ok((rendered.config_json(), rendered.notes))
}

/// The field an error is about, as near as secctx can tell.
fn error_path(c: &ContainerRef<'_>, e: &RenderError) -> FieldPath {
    let sc = c.path().child("securityContext");
    match e {
        RenderError::LocalhostMissing { .. } | RenderError::LocalhostInvalid { .. } => {
            if c.security_context
                .and_then(|s| s.seccomp_profile.as_ref())
                .is_some()
            {
                sc.child("seccompProfile")
            } else {
                FieldPath::new("spec")
                    .child("securityContext")
                    .child("seccompProfile")
            }
        }
        RenderError::ImageUnknown(_) | RenderError::NoCommand => c.path().child("image"),
        _ => c.path(),
    }
}
