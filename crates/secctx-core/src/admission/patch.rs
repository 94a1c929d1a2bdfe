//! The RFC 6902 JSON Patch that turns the submitted pod into the admitted one. Admission only
//! adds and replaces, so the patch is a structural diff: a missing member is added whole (its
//! parent always exists, spec §1.7), a changed scalar or a changed array is replaced.

use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value as Json, json};

/// The pod as JSON, as k8s-openapi serializes a `Pod` (`apiVersion`, `kind`, `metadata`,
/// `spec`): the form a JSONPatch applies to. Serialized from the borrowed parts, so the pod
/// is not copied into a `Pod` first.
pub fn pod_json(meta: &ObjectMeta, spec: &PodSpec) -> Json {
    json!({
        "apiVersion": Pod::API_VERSION,
        "kind": Pod::KIND,
        "metadata": meta,
        "spec": spec,
    })
}

/// Escapes one JSON Pointer token (`~` then `/`).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The operations that turn `before` into `after`, in document order.
pub fn diff(before: &Json, after: &Json) -> Vec<Json> {
    let mut ops = Vec::new();
    walk(before, after, String::new(), &mut ops);
    ops
}

fn walk(before: &Json, after: &Json, path: String, ops: &mut Vec<Json>) {
    match (before, after) {
        (Json::Object(b), Json::Object(a)) => {
            for (k, bv) in b {
                let p = format!("{path}/{}", escape(k));
                match a.get(k) {
                    Some(av) => walk(bv, av, p, ops),
                    None => ops.push(json!({"op": "remove", "path": p})),
                }
            }
            for (k, av) in a {
                if !b.contains_key(k) {
                    let p = format!("{path}/{}", escape(k));
                    ops.push(json!({"op": "add", "path": p, "value": av}));
                }
            }
        }
        // Same-length arrays of objects (containers) are diffed item by item, so a patch
        // names the field it sets rather than replacing whole containers.
        (Json::Array(b), Json::Array(a)) if b.len() == a.len() && b.iter().all(Json::is_object) => {
            for (i, (bv, av)) in b.iter().zip(a).enumerate() {
                walk(bv, av, format!("{path}/{i}"), ops);
            }
        }
        (b, a) if b == a => {}
        (_, a) => ops.push(json!({"op": "replace", "path": path, "value": a})),
    }
}
