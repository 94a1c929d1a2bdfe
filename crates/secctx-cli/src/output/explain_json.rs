//! `secctx explain -o json`: the schema is documented in `docs/explain-json.md`.

use secctx_core::load::{LoadError, Workload};
use secctx_core::oci::resources::{PodResources, pod_resources};
use secctx_core::resolve::ResolvedPod;
use serde::Serialize;

/// The version of the JSON document.
pub const SCHEMA: &str = "secctx.explain/v1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Doc<'a> {
    schema: &'static str,
    pods: Vec<PodDoc<'a>>,
    errors: Vec<ErrorDoc<'a>>,
    skipped: &'a std::collections::BTreeMap<String, usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodDoc<'a> {
    object: ObjectDoc<'a>,
    #[serde(flatten)]
    resolved: &'a ResolvedPod,
    /// The kubelet's cgroup values (QoS class, pod cgroup, per container), with sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<PodResources>,
    /// Why `resources` could not be computed (a quantity that does not parse).
    #[serde(skip_serializing_if = "Option::is_none")]
    resources_error: Option<String>,
}

/// Identity and location of an object in the input.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDoc<'a> {
    kind: &'static str,
    name: &'a str,
    namespace: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
    template_path: String,
}

impl<'a> ObjectDoc<'a> {
    /// Describes a workload.
    pub fn of(w: &'a Workload) -> ObjectDoc<'a> {
        let pos = w.origin.pos();
        ObjectDoc {
            kind: w.kind.as_str(),
            name: w.name(),
            namespace: w.namespace(),
            file: &w.origin.file,
            line: pos.line,
            column: pos.column,
            template_path: w.template_path().to_string(),
        }
    }
}

/// A load error as JSON.
#[derive(Serialize)]
pub struct ErrorDoc<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    field: Option<&'a str>,
    message: &'a str,
}

impl<'a> ErrorDoc<'a> {
    /// Describes a load error.
    pub fn of(e: &'a LoadError) -> ErrorDoc<'a> {
        ErrorDoc {
            file: &e.file,
            line: e.pos.line,
            column: e.pos.column,
            field: e.field.as_deref(),
            message: &e.message,
        }
    }
}

/// Renders the document.
pub fn render(
    pods: &[(&Workload, ResolvedPod)],
    errors: &[LoadError],
    skipped: &std::collections::BTreeMap<String, usize>,
) -> String {
    let doc = Doc {
        schema: SCHEMA,
        pods: pods
            .iter()
            .map(|(w, r)| {
                let uid = w.pod_meta.uid.clone().unwrap_or_default();
                let res = pod_resources(&w.spec, &uid);
                PodDoc {
                    object: ObjectDoc::of(w),
                    resolved: r,
                    resources_error: res.as_ref().err().map(|e| e.to_string()),
                    resources: res.ok(),
                }
            })
            .collect(),
        errors: errors.iter().map(ErrorDoc::of).collect(),
        skipped,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("explain output serializes");
    s.push('\n');
    s
}
