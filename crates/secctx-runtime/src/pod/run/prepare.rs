//! From a loaded manifest to a pod ready to run: API validation, images from the store,
//! resolution for this machine. Every failure here is an input error (exit 2) and nothing has
//! been started.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::image::ImageInfo;
use secctx_core::load::Loaded;
use secctx_core::projection::Objects;
use secctx_core::resolve::{NodeConfig, ResolvedPod, all_containers, resolve_pod};
use secctx_core::validate::{ValidationOptions, validate_pod};

use super::RunError;
use crate::pod::PodDir;
use crate::pod::idrange::{self, Pool};
use crate::store::Store;

fn bail<T>(message: String) -> Result<T, RunError> {
    Err(RunError::Input(message))
}

/// A pod ready to run.
pub struct Prepared {
    /// The manifest file.
    pub manifest: PathBuf,
    /// Pod metadata (name and uid set).
    pub meta: ObjectMeta,
    /// The pod spec (with the command override applied).
    pub spec: PodSpec,
    /// The resolution for this node.
    pub resolved: ResolvedPod,
    /// Image data by the reference the pod uses.
    pub images: BTreeMap<String, ImageInfo>,
    /// ConfigMaps and Secrets of the input.
    pub objects: Objects,
    /// The node.
    pub node: NodeConfig,
    /// The image store.
    pub store: Store,
}

/// A fresh pod uid (the API server's job), from the kernel's random UUID.
pub fn new_uid() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| format!("secctx-{}", std::process::id()))
}

/// Resolves the pod `loaded` from `manifest` (loaded with its volume sources, ConfigMaps
/// and Secrets). `command` replaces every regular container's command with
/// `sh -c COMMAND` (a probe).
pub fn prepare(
    manifest: &Path,
    loaded: &Loaded,
    uid: &str,
    command: Option<&str>,
    store: Store,
    node: NodeConfig,
) -> Result<Prepared, RunError> {
    if !loaded.errors.is_empty() {
        let msgs: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
        return bail(msgs.join("\n"));
    }
    let mut workloads = loaded.workloads();
    let Some(w) = workloads.next() else {
        return bail(format!(
            "{}: no pod or workload with a pod template",
            manifest.display()
        ));
    };
    if workloads.next().is_some() {
        return bail(format!(
            "{}: more than one pod; secctx run takes one",
            manifest.display()
        ));
    }
    let mut meta = w.pod_meta.clone();
    if meta.name.as_deref().unwrap_or("").is_empty() {
        meta.name = Some(w.name().trim_end_matches('-').to_string());
    }
    if meta.name.as_deref().unwrap_or("").is_empty() {
        return bail(format!("{}: the pod has no name", manifest.display()));
    }
    if meta.namespace.is_none() {
        meta.namespace = w.meta.namespace.clone();
    }
    meta.uid = Some(meta.uid.clone().unwrap_or_else(|| uid.to_string()));
    let mut spec = w.spec.clone();
    if let Some(cmd) = command {
        for c in &mut spec.containers {
            c.command = Some(vec!["sh".into(), "-c".into(), cmd.into()]);
            c.args = None;
        }
    }
    let errors = validate_pod(&meta, &spec, &ValidationOptions::default());
    if !errors.is_empty() {
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        return bail(format!(
            "Pod {:?} is invalid: {}",
            meta.name.as_deref().unwrap_or(""),
            msgs.join(", ")
        ));
    }
    let mut images = BTreeMap::new();
    for c in all_containers(&spec) {
        if images.contains_key(c.image) {
            continue;
        }
        let info = store
            .inspect(c.image)
            .map_err(|source| RunError::ImageMissing {
                image: c.image.to_string(),
                container: c.name.to_string(),
                store: store.root().display().to_string(),
                source: Box::new(source),
            })?;
        images.insert(c.image.to_string(), info);
    }
    let lookup = |name: &str| images.get(name);
    let resolved = resolve_pod(&meta, &spec, &lookup, &node);
    Ok(Prepared {
        manifest: manifest.to_path_buf(),
        meta,
        spec,
        resolved,
        images,
        objects: Objects::from_loaded(loaded),
        node,
        store,
    })
}

/// `hostUsers: false`: gives the new pod its host id range (see
/// `secctx_runtime::pod::idrange`). A pool with no free range removes the pod directory
/// again and fails (exit 2, nothing started).
pub fn allocate_userns(p: &Prepared, pod: &PodDir, state_root: &Path) -> Result<(), RunError> {
    if p.resolved.namespaces.user != "pod" {
        return Ok(());
    }
    let r = Pool::from_host().and_then(|pool| idrange::allocate(state_root, &pod.dir, &pool));
    if let Err(e) = r {
        let _ = std::fs::remove_dir_all(&pod.dir);
        return bail(format!("pod {}: {e}", pod.name));
    }
    Ok(())
}

impl Prepared {
    /// The pod name.
    pub fn name(&self) -> &str {
        self.meta.name.as_deref().unwrap_or("")
    }

    /// What this node does not enforce, said up front (nothing is dropped silently).
    pub fn not_enforced(&self) -> Vec<String> {
        let mut out = Vec::new();
        let sc = self.spec.security_context.as_ref();
        let selinux_asked = sc.and_then(|s| s.se_linux_options.as_ref()).is_some()
            || all_containers(&self.spec).any(|c| {
                c.security_context
                    .and_then(|s| s.se_linux_options.as_ref())
                    .is_some()
            });
        if !self.node.selinux {
            out.push(if selinux_asked {
                "SELinux: not enabled in this kernel; seLinuxOptions are not applied (a node without SELinux does the same)".to_string()
            } else {
                "SELinux: not enabled in this kernel; no labels applied".to_string()
            });
        }
        if !self.node.apparmor {
            out.push(
                "AppArmor: not enabled in this kernel; no profile applied (a pod that asks for one is rejected, as the kubelet does)"
                    .to_string(),
            );
        }
        if self.resolved.namespaces.user == "pod" {
            let host: Vec<&str> = self
                .spec
                .volumes
                .iter()
                .flatten()
                .filter(|v| v.host_path.is_some())
                .map(|v| v.name.as_str())
                .collect();
            if !host.is_empty() {
                out.push(format!(
                    "hostUsers: false: hostPath volumes ({}) are plain binds, not id-mapped (the kubelet would map them): host owners outside the pod's range show as nobody, and pods do not share an identity there",
                    host.join(", ")
                ));
            }
        }
        out
    }
}
