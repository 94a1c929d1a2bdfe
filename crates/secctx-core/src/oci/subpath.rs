//! `subPath` and `subPathExpr` as the kubelet renders them (`makeMounts`,
//! `pkg/volume/util/subpath/subpath_linux.go`): the sub-path is opened safely inside the volume
//! and bind-mounted on a per-container bind point,
//! `/var/lib/kubelet/pods/<uid>/volume-subpaths/<volume>/<container>/<index>`, which is what
//! the runtime mounts into the container. The rendered spec names that bind point; preparing
//! it is the runtime's job (`secctx_runtime::pod::subpath`).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::PodSpec;

use super::kubelet::{KUBELET_ROOT, volume_source};
use crate::resolve::ContainerRef;

/// One `volumeMount` with a sub-path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubPathMount {
    /// Index in the container's `volumeMounts` (part of the bind point's path).
    pub index: usize,
    /// The volume's name.
    pub volume: String,
    /// Where the volume is on a node (its plugin directory, or a hostPath's path).
    pub volume_source: String,
    /// `subPath` as written, or `None` when the mount uses `subPathExpr`.
    pub sub_path: Option<String>,
    /// `subPathExpr` as written.
    pub sub_path_expr: Option<String>,
    /// The bind point on a node.
    pub bind_point: String,
}

impl SubPathMount {
    /// The sub-path for a container environment: `subPath`, or `subPathExpr` expanded with
    /// [`expand_sub_path_expr`].
    pub fn resolve(&self, env: &[(String, String)]) -> Result<String, String> {
        match (&self.sub_path, &self.sub_path_expr) {
            (Some(p), _) => Ok(p.clone()),
            (None, Some(e)) => expand_sub_path_expr(e, env),
            (None, None) => Ok(String::new()),
        }
    }
}

/// The kubelet's bind point for mount `index` of `container` on `volume`.
pub fn bind_point(pod_uid: &str, volume: &str, container: &str, index: usize) -> String {
    format!("{KUBELET_ROOT}/pods/{pod_uid}/volume-subpaths/{volume}/{container}/{index}")
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().filter(|s| !s.is_empty()).map(str::to_string)
}

/// The mounts of `container` that use `subPath` or `subPathExpr`, with their bind points.
/// Mounts of volumes the pod does not have are left out (validation reports them).
pub fn sub_path_mounts(
    spec: &PodSpec,
    container: &ContainerRef<'_>,
    pod_uid: &str,
) -> Vec<SubPathMount> {
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    for (index, m) in container.volume_mounts.into_iter().flatten().enumerate() {
        let sub_path = non_empty(&m.sub_path);
        let sub_path_expr = non_empty(&m.sub_path_expr);
        if sub_path.is_none() && sub_path_expr.is_none() {
            continue;
        }
        let Some(v) = volumes.iter().find(|v| v.name == m.name) else {
            continue;
        };
        out.push(SubPathMount {
            index,
            volume: v.name.clone(),
            volume_source: volume_source(v, pod_uid),
            sub_path,
            sub_path_expr,
            bind_point: bind_point(pod_uid, &v.name, container.name, index),
        });
    }
    out
}

/// `ExpandContainerVolumeMounts`: `$(VAR)` from the container's environment (later entries
/// win, as in the kubelet's map), `$$` is `$`, any other `$` stays. A reference to a variable
/// that is unset or empty is an error listing every such name, sorted:
/// `missing value for A, B`.
pub fn expand_sub_path_expr(expr: &str, env: &[(String, String)]) -> Result<String, String> {
    let map: BTreeMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut missing: BTreeSet<&str> = BTreeSet::new();
    let mut out = String::new();
    let mut rest = expr;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if after.is_empty() {
            // A `$` at the very end is copied as is.
            out.push('$');
            rest = after;
            break;
        }
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('(') {
            match body.find(')') {
                Some(end) => {
                    let name = &body[..end];
                    match map.get(name).filter(|v| !v.is_empty()) {
                        Some(v) => out.push_str(v),
                        None => {
                            missing.insert(name);
                        }
                    }
                    rest = &body[end + 1..];
                }
                None => {
                    // An unclosed `$(` is literal; scanning goes on after the `$`.
                    out.push('$');
                    rest = after;
                }
            }
        } else {
            // `$x`: the `$` and the next character are literal.
            let ch = after.chars().next().unwrap_or_default();
            out.push('$');
            out.push(ch);
            rest = &after[ch.len_utf8()..];
        }
    }
    out.push_str(rest);
    if missing.is_empty() {
        Ok(out)
    } else {
        let names: Vec<&str> = missing.into_iter().collect();
        Err(format!("missing value for {}", names.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn expansion_follows_the_kubelet() {
        let e = env(&[
            ("POD_NAME", "web-0"),
            ("NS", "default"),
            ("POD_NAME", "web-1"),
        ]);
        assert_eq!(
            expand_sub_path_expr("$(NS)/$(POD_NAME)", &e).unwrap(),
            "default/web-1"
        );
        assert_eq!(expand_sub_path_expr("a$$b", &e).unwrap(), "a$b");
        assert_eq!(expand_sub_path_expr("a$b", &e).unwrap(), "a$b");
        assert_eq!(expand_sub_path_expr("a$(NS", &e).unwrap(), "a$(NS");
        assert_eq!(expand_sub_path_expr("x$", &e).unwrap(), "x$");
        assert_eq!(
            expand_sub_path_expr("$(B)/$(A)/$(B)", &env(&[("A", "")])).unwrap_err(),
            "missing value for A, B"
        );
    }
}
