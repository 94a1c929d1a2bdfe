//! From manifest text to typed objects: every workload kind reduced to the pod template PSA
//! would judge, plus the Namespaces, ConfigMaps and Secrets other commands need; every object
//! keeps where it came from so findings can name `file:line:column`.
//!
//! Errors are per document (or per `List` item): one bad document never hides the others.
//!
//! Fields are validated strictly by default, as kubectl asks the API server to
//! ([`strict`]: unknown and duplicate fields are errors). Objects of kinds secctx does not
//! judge are counted by `apiVersion/kind` and not decoded further; ConfigMaps and Secrets are
//! decoded only when [`LoadOptions::volume_sources`] asks (`run` mounts them).

mod error;
mod kinds;
mod limit;
mod stream;
pub mod strict;

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, Pod, PodSpec, PodTemplate, ReplicationController, Secret,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

pub use error::LoadError;
pub use kinds::WorkloadKind;
pub use limit::{
    BoundedText, MAX_OBJECT_BYTES, ReadError, TOO_LARGE_MESSAGE, json_too_large, read_bounded,
};
pub use stream::{DocumentStream, Piece, load_piece};
pub use strict::{FieldValidation, InvalidFieldValidation};

use crate::path::FieldPath;
use crate::yaml::{self, Node, Pos};
use strict::FieldCheck;

/// Where an object came from: its file, its document tree and its path inside that document
/// (`items[3]` for an object inside a `List`).
#[derive(Clone, Debug)]
pub struct Origin {
    /// The file name as given (`-` for standard input).
    pub file: Arc<str>,
    /// 0-based index of the document in the file.
    pub doc_index: usize,
    /// The document tree.
    pub doc: Arc<Node>,
    /// The object's path inside the document (empty unless inside a `List`).
    pub prefix: FieldPath,
}

impl Origin {
    /// The position of the object itself.
    pub fn pos(&self) -> Pos {
        self.doc.locate(&self.prefix).0
    }

    /// Where the field at `path` (relative to the object) is written; for a missing field, the
    /// position of its deepest existing ancestor and `false`.
    pub fn locate(&self, path: &FieldPath) -> (Pos, bool) {
        let (pos, found) = self.doc.locate(&self.prefix.join(path));
        if pos.line == 0 {
            (self.pos(), found)
        } else {
            (pos, found)
        }
    }
}

/// An object that carries a pod template.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The kind.
    pub kind: WorkloadKind,
    /// The object's metadata.
    pub meta: ObjectMeta,
    /// The pod template's metadata (for a Pod, a copy of [`Workload::meta`]).
    pub pod_meta: ObjectMeta,
    /// The pod spec.
    pub spec: PodSpec,
    /// Where it came from.
    pub origin: Origin,
}

impl Workload {
    /// The object's name (`generateName` when it has no name, empty if neither).
    pub fn name(&self) -> &str {
        self.meta
            .name
            .as_deref()
            .or(self.meta.generate_name.as_deref())
            .unwrap_or("")
    }

    /// The object's namespace, if it says.
    pub fn namespace(&self) -> Option<&str> {
        self.meta.namespace.as_deref()
    }

    /// The path of the pod template inside the object (empty for a Pod).
    pub fn template_path(&self) -> FieldPath {
        self.kind.template_path()
    }

    /// Where a field of the pod template is written; `path` is relative to the template, as
    /// PSA and validation report it (`spec.containers[0]...`, `metadata.annotations[...]`).
    pub fn locate(&self, path: &FieldPath) -> (Pos, bool) {
        self.origin.locate(&self.template_path().join(path))
    }
}

/// Any object secctx loaded.
#[derive(Clone, Debug)]
pub enum Object {
    /// A kind with a pod template.
    Workload(Box<Workload>),
    /// A Namespace (its `pod-security.kubernetes.io/*` labels set policy).
    Namespace(Box<Namespace>, Origin),
    /// A ConfigMap (volume source for `run`).
    ConfigMap(Box<ConfigMap>, Origin),
    /// A Secret (volume source for `run`).
    Secret(Box<Secret>, Origin),
}

/// How objects are loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// What unknown and duplicate fields are (default: errors, as kubectl's default).
    pub field_validation: FieldValidation,
    /// Decode ConfigMaps and Secrets (volume sources for `run`); otherwise they are counted as
    /// skipped kinds and their data is never read.
    pub volume_sources: bool,
}

/// What loading a set of texts produced.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The objects, in input order.
    pub objects: Vec<Object>,
    /// One entry per document or List item that could not be loaded (one per field for
    /// strict field validation).
    pub errors: Vec<LoadError>,
    /// Problems that did not stop an object from loading: unknown and duplicate fields under
    /// [`FieldValidation::Warn`].
    pub warnings: Vec<LoadError>,
    /// Objects of kinds secctx does not handle, counted by `apiVersion/kind`.
    pub skipped: BTreeMap<String, usize>,
    /// Documents read.
    pub documents: usize,
}

impl Loaded {
    /// The workloads, in input order.
    pub fn workloads(&self) -> impl Iterator<Item = &Workload> {
        self.objects.iter().filter_map(|o| match o {
            Object::Workload(w) => Some(&**w),
            _ => None,
        })
    }

    /// Adds everything `other` holds.
    pub fn extend(&mut self, other: Loaded) {
        self.objects.extend(other.objects);
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
        for (k, n) in other.skipped {
            *self.skipped.entry(k).or_default() += n;
        }
        self.documents += other.documents;
    }
}

/// Loads every document of one file's text with the default [`LoadOptions`].
pub fn load_text(file: &str, text: &str) -> Loaded {
    load_text_with(file, text, &LoadOptions::default())
}

/// Loads every document of one file's text.
pub fn load_text_with(file: &str, text: &str, opts: &LoadOptions) -> Loaded {
    load_with_limits(file, text, &std::collections::BTreeSet::new(), opts)
}

/// Loads what [`read_bounded`] kept with the default [`LoadOptions`].
pub fn load_bounded(file: &str, bounded: &BoundedText) -> Loaded {
    load_bounded_with(file, bounded, &LoadOptions::default())
}

/// Loads what [`read_bounded`] kept: every dropped document is one error with the API
/// server's size message at its first line.
pub fn load_bounded_with(file: &str, bounded: &BoundedText, opts: &LoadOptions) -> Loaded {
    load_with_limits(file, &bounded.text, &bounded.too_large, opts)
}

fn load_with_limits(
    file: &str,
    text: &str,
    too_large: &std::collections::BTreeSet<u32>,
    opts: &LoadOptions,
) -> Loaded {
    let file: Arc<str> = Arc::from(file);
    let mut loaded = Loaded::default();
    for doc in yaml::parse_stream(text) {
        load_document(
            &file,
            doc,
            |line| too_large.contains(&line),
            opts,
            &mut loaded,
        );
    }
    loaded
}

/// Loads one parsed document (or its error) of `file` into `loaded`. `too_large` says whether
/// a line holds the placeholder [`read_bounded`] left for a document over the limit.
pub fn load_document(
    file: &Arc<str>,
    doc: Result<yaml::Document, yaml::YamlError>,
    too_large: impl Fn(u32) -> bool,
    opts: &LoadOptions,
    loaded: &mut Loaded,
) {
    loaded.documents += 1;
    // The placeholder `read_bounded` left for a document over the limit.
    if let Ok(d) = &doc
        && too_large(d.root.pos.line)
        && matches!(&d.root.value, yaml::Value::Map(m) if m.is_empty())
    {
        loaded.errors.push(LoadError {
            file: file.clone(),
            pos: d.root.pos,
            field: None,
            message: TOO_LARGE_MESSAGE.into(),
        });
        return;
    }
    match doc {
        Err(e) => loaded.errors.push(LoadError {
            file: file.clone(),
            pos: e.pos,
            field: None,
            message: e.message,
        }),
        Ok(doc) => {
            let origin = Origin {
                file: file.clone(),
                doc_index: doc.index,
                doc: Arc::new(doc.root),
                prefix: FieldPath::root(),
            };
            load_object(origin, loaded, opts);
        }
    }
}

fn load_object(origin: Origin, loaded: &mut Loaded, opts: &LoadOptions) {
    let node = match node_at(&origin) {
        Some(n) => n,
        None => return,
    };
    let err = |pos: Pos, field: Option<String>, message: String| LoadError {
        file: origin.file.clone(),
        pos,
        field,
        message,
    };
    if !matches!(node.value, yaml::Value::Map(_)) {
        loaded.errors.push(err(
            node.pos,
            None,
            "expected a Kubernetes object (a mapping with apiVersion and kind)".into(),
        ));
        return;
    }
    let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or("");
    if api_version.is_empty() || kind.is_empty() {
        let missing: Vec<&str> = [("apiVersion", api_version), ("kind", kind)]
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(k, _)| *k)
            .collect();
        loaded.errors.push(err(
            node.pos,
            None,
            format!("{} not set", missing.join(" and ")),
        ));
        return;
    }
    if kind == "List" || (kind.ends_with("List") && node.get("items").is_some()) {
        load_list(&origin, node, loaded, opts);
        return;
    }
    // What is decoded: workloads, Namespaces (their labels set policy) and, when asked,
    // ConfigMaps and Secrets. Anything else is counted and never looked into.
    let workload_kind = WorkloadKind::from_type(api_version, kind);
    let decoded = workload_kind.is_some()
        || matches!(
            (api_version, kind, opts.volume_sources),
            ("v1", "Namespace", _) | ("v1", "ConfigMap" | "Secret", true)
        );
    if !decoded {
        *loaded
            .skipped
            .entry(format!("{api_version}/{kind}"))
            .or_default() += 1;
        return;
    }
    let json = match node.to_json() {
        Ok(j) => j,
        Err(e) => {
            loaded.errors.push(err(e.pos, None, e.message));
            return;
        }
    };
    // The body kubectl would send for this object (each List item is sent on its own).
    if json_too_large(&json, MAX_OBJECT_BYTES) {
        loaded
            .errors
            .push(err(node.pos, None, TOO_LARGE_MESSAGE.into()));
        return;
    }
    let mut fields = FieldCheck {
        origin: &origin,
        node,
        validation: opts.field_validation,
        warnings: Vec::new(),
    };
    let result = match (workload_kind, kind) {
        (Some(wk), _) => workload(wk, json, &mut fields),
        (None, "Namespace") => typed::<Namespace>(json, "v1", &mut fields)
            .map(|n| Some(Object::Namespace(Box::new(n), origin.clone()))),
        (None, "ConfigMap") => typed::<ConfigMap>(json, "v1", &mut fields)
            .map(|c| Some(Object::ConfigMap(Box::new(c), origin.clone()))),
        // A Secret: the only other kind `decoded` lets through.
        (None, _) => typed::<Secret>(json, "v1", &mut fields)
            .map(|s| Some(Object::Secret(Box::new(s), origin.clone()))),
    };
    loaded.warnings.append(&mut fields.warnings);
    match result {
        Ok(Some(obj)) => loaded.objects.push(obj),
        Ok(None) => {
            // PSA skips a controller without a pod template; so do we, visibly.
            *loaded
                .skipped
                .entry(format!("{api_version}/{kind} without a pod template"))
                .or_default() += 1;
        }
        Err(e) => loaded.errors.extend(e),
    }
}

fn node_at(origin: &Origin) -> Option<&Node> {
    let mut node: &Node = &origin.doc;
    for seg in origin.prefix.segments() {
        node = match (seg, &node.value) {
            (crate::path::Segment::Index(i), yaml::Value::Seq(items)) => items.get(*i)?,
            (crate::path::Segment::Field(f), _) => node.get(f)?,
            _ => return None,
        };
    }
    Some(node)
}

fn load_list(origin: &Origin, node: &Node, loaded: &mut Loaded, opts: &LoadOptions) {
    let Some(items) = node.get("items") else {
        return;
    };
    match &items.value {
        yaml::Value::Seq(list) => {
            for i in 0..list.len() {
                let item = Origin {
                    prefix: origin.prefix.child("items").index(i),
                    ..origin.clone()
                };
                load_object(item, loaded, opts);
            }
        }
        yaml::Value::Null => {}
        _ => loaded.errors.push(LoadError {
            file: origin.file.clone(),
            pos: items.pos,
            field: Some(origin.prefix.child("items").to_string()),
            message: "expected a list of objects".into(),
        }),
    }
}

/// Deserializes into a k8s-openapi type; `api_version` replaces the object's own so older
/// group versions (`extensions/v1beta1`, `batch/v1beta1`) load into the current types.
/// Unknown and duplicate fields are reported by `fields` (strict field validation).
fn typed<T: DeserializeOwned>(
    mut json: Json,
    api_version: &str,
    fields: &mut FieldCheck<'_>,
) -> Result<T, Vec<LoadError>> {
    if let Json::Object(map) = &mut json {
        map.insert("apiVersion".into(), Json::String(api_version.into()));
    }
    let origin = fields.origin;
    match strict::deserialize_collecting_unknown::<T>(json) {
        Ok((v, unknown)) => {
            fields.report(unknown)?;
            Ok(v)
        }
        Err(e) => {
            // A misspelled required field (`containers`, `name`, `seccompProfile.type`) is
            // missing for the Rust type, but for the API server it is an unknown field first.
            if e.is_missing_field() && !e.unknown.is_empty() {
                fields.report(e.unknown)?;
            }
            let e = e.error;
            let mut path = FieldPath::root();
            for seg in e.path().iter() {
                path = match seg {
                    serde_path_to_error::Segment::Seq { index } => path.index(*index),
                    serde_path_to_error::Segment::Map { key } => path.child(key),
                    serde_path_to_error::Segment::Enum { .. }
                    | serde_path_to_error::Segment::Unknown => path,
                };
            }
            let (pos, _) = origin.locate(&path);
            Err(vec![LoadError {
                file: origin.file.clone(),
                pos,
                field: (!path.is_root()).then(|| path.to_string()),
                message: e.into_inner().to_string(),
            }])
        }
    }
}

fn workload(
    kind: WorkloadKind,
    json: Json,
    fields: &mut FieldCheck<'_>,
) -> Result<Option<Object>, Vec<LoadError>> {
    let (meta, pod_meta, spec) = match kind {
        WorkloadKind::Pod => {
            let p = typed::<Pod>(json, "v1", fields)?;
            (p.metadata.clone(), p.metadata, p.spec.unwrap_or_default())
        }
        WorkloadKind::PodTemplate => {
            let t = typed::<PodTemplate>(json, "v1", fields)?;
            let Some(tpl) = t.template else {
                return Ok(None);
            };
            (
                t.metadata,
                tpl.metadata.unwrap_or_default(),
                tpl.spec.unwrap_or_default(),
            )
        }
        WorkloadKind::ReplicationController => {
            let r = typed::<ReplicationController>(json, "v1", fields)?;
            let Some(tpl) = r.spec.and_then(|s| s.template) else {
                return Ok(None);
            };
            (
                r.metadata,
                tpl.metadata.unwrap_or_default(),
                tpl.spec.unwrap_or_default(),
            )
        }
        WorkloadKind::ReplicaSet => {
            let r = typed::<ReplicaSet>(json, "apps/v1", fields)?;
            let Some(tpl) = r.spec.template else {
                return Ok(None);
            };
            (
                r.metadata,
                tpl.metadata.unwrap_or_default(),
                tpl.spec.unwrap_or_default(),
            )
        }
        WorkloadKind::Deployment => {
            let d = typed::<Deployment>(json, "apps/v1", fields)?;
            let tpl = d.spec.template;
            (
                d.metadata,
                tpl.metadata.unwrap_or_default(),
                tpl.spec.unwrap_or_default(),
            )
        }
        WorkloadKind::StatefulSet => {
            let s = typed::<StatefulSet>(json, "apps/v1", fields)?;
            let tpl = s.spec.template;
            (
                s.metadata,
                tpl.metadata.unwrap_or_default(),
                tpl.spec.unwrap_or_default(),
            )
        }
        WorkloadKind::DaemonSet => {
            let d = typed::<DaemonSet>(json, "apps/v1", fields)?;
            let tpl = d.spec.template;
            (
                d.metadata,
                tpl.metadata.unwrap_or_default(),
                tpl.spec.unwrap_or_default(),
            )
        }
        WorkloadKind::Job => {
            let j = typed::<Job>(json, "batch/v1", fields)?;
            let tpl = j.spec.map(|s| s.template).unwrap_or_default();
            (
                j.metadata,
                tpl.metadata.unwrap_or_default(),
                tpl.spec.unwrap_or_default(),
            )
        }
        WorkloadKind::CronJob => {
            let c = typed::<CronJob>(json, "batch/v1", fields)?;
            let tpl = c
                .spec
                .job_template
                .spec
                .map(|s| s.template)
                .unwrap_or_default();
            (
                c.metadata,
                tpl.metadata.unwrap_or_default(),
                tpl.spec.unwrap_or_default(),
            )
        }
    };
    Ok(Some(Object::Workload(Box::new(Workload {
        kind,
        meta,
        pod_meta,
        spec,
        origin: fields.origin.clone(),
    }))))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod field_tests;

#[cfg(test)]
mod stream_tests;
