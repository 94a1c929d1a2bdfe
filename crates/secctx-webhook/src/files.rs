//! The file-backed state source (`--namespaces FILE`, `--scc FILE|DIR`), for tests and
//! air-gapped use: read once at start, published as a synced [`Snapshot`].
//!
//! * The namespaces file holds Namespace objects (labels: PSA levels; annotations: SCC
//!   ranges). A namespace without `openshift.io/sa.scc.uid-range` gets the next free block, as
//!   the allocation controller would and as `secctx admit` does. Pod objects in the file are
//!   the namespaces' existing pods (the warnings of a tightened enforce level, spec §2.4).
//!   Roles, ClusterRoles and their bindings in it grant SCC `use`.
//! * `--scc` files or directories (`*.yaml`, `*.yml`, `*.json`, sorted) hold the
//!   SecurityContextConstraints and may hold RBAC objects; without `--scc`, OpenShift's standard
//!   set and its default grants are in force.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use secctx_core::admission::allocation::{AllocatorConfig, Decision, NamespaceState, allocate};
use secctx_core::admission::rbac::{self, RbacObject, parse_rbac};
use secctx_core::admission::scc::{Scc, parse_sccs};
use secctx_core::admission::standard::{standard_grants, standard_sccs};
use secctx_core::load::{MAX_OBJECT_BYTES, Object, WorkloadKind, load_text, read_bounded};

use crate::state::{Snapshot, StaticPods};

/// A problem with a state file; the server does not start with it.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file or directory could not be read.
    #[error("{path}: {reason}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An object in it is invalid (`file:line:column: ...`).
    #[error("{0}")]
    Invalid(String),
}

/// What the files give: the snapshot, the existing pods, and notes (allocations made).
#[derive(Debug)]
pub struct FileState {
    /// Namespaces, SCCs and grants, `synced: true`.
    pub snapshot: Snapshot,
    /// Pods of the namespaces file, by namespace.
    pub pods: StaticPods,
    /// One line per namespace allocated on load.
    pub notes: Vec<String>,
}

fn read(path: &Path) -> Result<String, FileError> {
    let err = |e: &dyn std::fmt::Display| FileError::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(|e| err(&e))?;
    let bounded = read_bounded(file, MAX_OBJECT_BYTES).map_err(|e| err(&e))?;
    Ok(bounded.text)
}

/// The files of `--scc` arguments: files as given, directories' YAML/JSON files sorted.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FileError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| FileError::Read {
                    path: p.clone(),
                    reason: e.to_string(),
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    matches!(
                        f.extension().and_then(|e| e.to_str()),
                        Some("yaml" | "yml" | "json")
                    )
                })
                .collect();
            entries.sort();
            out.extend(entries);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn rbac_of(path: &Path, text: &str) -> Result<Vec<RbacObject>, FileError> {
    parse_rbac(text)
        .into_iter()
        .map(|r| r.map_err(|e| FileError::Invalid(format!("{}:{e}", path.display()))))
        .collect()
}

/// Reads the state files.
pub fn load(namespaces: Option<&Path>, scc: &[PathBuf]) -> Result<FileState, FileError> {
    let mut sccs: Vec<Scc> = Vec::new();
    let mut rbac: Vec<RbacObject> = Vec::new();
    for f in expand(scc)? {
        let text = read(&f)?;
        for r in parse_sccs(&text) {
            sccs.push(r.map_err(|e| FileError::Invalid(format!("{}:{e}", f.display())))?);
        }
        rbac.extend(rbac_of(&f, &text)?);
    }
    if scc.is_empty() {
        sccs = standard_sccs().to_vec();
    }
    let mut states: Vec<NamespaceState> = Vec::new();
    let mut by_name: HashMap<String, Namespace> = HashMap::new();
    let mut pods = StaticPods::default();
    if let Some(path) = namespaces {
        let text = read(path)?;
        let loaded = load_text(&path.display().to_string(), &text);
        if let Some(e) = loaded.errors.first() {
            return Err(FileError::Invalid(e.to_string()));
        }
        for o in &loaded.objects {
            if let Object::Namespace(ns, _) = o {
                let name = ns.metadata.name.clone().unwrap_or_default();
                if !by_name.contains_key(&name) {
                    states.push(NamespaceState {
                        name: name.clone(),
                        annotations: ns.metadata.annotations.clone().unwrap_or_default(),
                    });
                }
                by_name.insert(name, ns.as_ref().clone());
            }
        }
        for w in loaded.workloads().filter(|w| w.kind == WorkloadKind::Pod) {
            let ns = w.namespace().unwrap_or("default").to_owned();
            pods.by_namespace.entry(ns).or_default().push(Arc::new(Pod {
                metadata: w.pod_meta.clone(),
                spec: Some(w.spec.clone()),
                status: None,
            }));
        }
        rbac.extend(rbac_of(path, &text)?);
    }
    let mut notes = Vec::new();
    for outcome in allocate(&AllocatorConfig::default(), &states) {
        if let Decision::Allocated {
            index, annotations, ..
        } = outcome.decision
            && let Some(ns) = by_name.get_mut(&outcome.name)
        {
            notes.push(format!(
                "namespace {} has no openshift.io/sa.scc.uid-range: allocated block {index} as the namespace controller would",
                outcome.name
            ));
            ns.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .extend(annotations);
        }
    }
    let mut grants = standard_grants();
    grants.extend(rbac::grants(&rbac, "default"));
    Ok(FileState {
        snapshot: Snapshot {
            namespaces: by_name.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
            sccs: Arc::new(sccs),
            grants: Arc::new(grants),
            synced: true,
        },
        pods,
        notes,
    })
}
