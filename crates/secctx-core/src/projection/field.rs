//! Downward API `fieldRef` values.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::error::ProjectionError;
use crate::validate::go_quote;

/// What the downward API can expose about a pod besides its manifest (values the node knows).
#[derive(Clone, Debug, Default)]
pub struct PodFacts {
    /// `spec.nodeName` (the host name).
    pub node_name: String,
    /// `status.podIP` (empty: loopback-only pods have none).
    pub pod_ip: String,
    /// `status.hostIP`.
    pub host_ip: String,
}

/// `fieldpath.FormatMap`: sorted `key="value"` lines (Go `%q`), no trailing newline.
fn format_map(m: Option<&std::collections::BTreeMap<String, String>>) -> String {
    m.into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn subscript<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)?
        .strip_prefix("['")?
        .strip_suffix("']")
}

/// The value of a `fieldRef.fieldPath` (`metadata.name`, `metadata.labels['app']`, ...).
pub fn field_value(
    path: &str,
    meta: &ObjectMeta,
    spec: &PodSpec,
    facts: &PodFacts,
) -> Result<String, ProjectionError> {
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    if let Some(k) = subscript(path, "metadata.labels") {
        return Ok(meta
            .labels
            .as_ref()
            .and_then(|l| l.get(k))
            .cloned()
            .unwrap_or_default());
    }
    if let Some(k) = subscript(path, "metadata.annotations") {
        return Ok(meta
            .annotations
            .as_ref()
            .and_then(|l| l.get(k))
            .cloned()
            .unwrap_or_default());
    }
    Ok(match path {
        "metadata.name" => s(&meta.name),
        "metadata.namespace" => meta.namespace.clone().unwrap_or_else(|| "default".into()),
        "metadata.uid" => s(&meta.uid),
        "metadata.labels" => format_map(meta.labels.as_ref()),
        "metadata.annotations" => format_map(meta.annotations.as_ref()),
        "spec.nodeName" => facts.node_name.clone(),
        "spec.serviceAccountName" => spec
            .service_account_name
            .clone()
            .unwrap_or_else(|| "default".into()),
        "status.podIP" | "status.podIPs" => facts.pod_ip.clone(),
        "status.hostIP" | "status.hostIPs" => facts.host_ip.clone(),
        other => return Err(ProjectionError::UnsupportedField(other.to_string())),
    })
}
