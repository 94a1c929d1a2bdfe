//! Helpers shared by the PSS message golden tests (`pss_messages*.rs`).

#![allow(dead_code)] // each test crate uses a subset

use k8s_openapi::api::core::v1::Pod;
use secctx_core::pss::{self, LevelVersion};
use serde_json::{Value, json};

/// `pods "<name>" is forbidden: violates PodSecurity "<lv>": <detail>`, or `None` if allowed.
pub fn enforce(lv: &str, pod: Value) -> Option<String> {
    let pod: Pod = serde_json::from_value(pod).expect("pod");
    let lv: LevelVersion = lv.parse().expect("level:version");
    let spec = pod.spec.unwrap_or_default();
    let eval = pss::evaluate(lv, &pod.metadata, &spec);
    let name = pod.metadata.name.unwrap_or_default();
    eval.enforce_message()
        .map(|m| pss::forbidden_message(&name, &m))
}

pub fn forbidden(lv: &str, detail: &str) -> Option<String> {
    Some(format!(
        r#"pods "x" is forbidden: violates PodSecurity "{lv}": {detail}"#
    ))
}

/// A container that passes restricted:latest.
pub fn ok(name: &str) -> Value {
    json!({"name": name, "image": "i", "securityContext": {
        "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}})
}

/// A restricted:latest pod named `x` with `containers`, `extra` merged into the spec.
pub fn restricted_pod(containers: Vec<Value>, extra: Value) -> Value {
    let mut spec = json!({
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": containers,
    });
    merge(&mut spec, extra);
    json!({"metadata": {"name": "x"}, "spec": spec})
}

/// A pod named `x` with the given spec (baseline checks need nothing else).
pub fn pod(spec: Value) -> Value {
    json!({"metadata": {"name": "x"}, "spec": spec})
}

pub fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

pub fn c(name: &str, sc: Value) -> Value {
    json!({"name": name, "image": "i", "securityContext": sc})
}
