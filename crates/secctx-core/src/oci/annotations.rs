//! `annotations`: the `io.kubernetes.cri.*` keys containerd's CRI plugin writes for a
//! container, plus any the caller allows through.

use std::collections::HashMap;

use super::options::RenderOptions;
use crate::resolve::ResolvedContainer;

/// The annotations of the container's spec.
pub fn annotations(c: &ResolvedContainer, opts: &RenderOptions) -> HashMap<String, String> {
    let mut a: HashMap<String, String> = opts.annotations.clone().into_iter().collect();
    for (k, v) in [
        ("io.kubernetes.cri.container-type", "container"),
        ("io.kubernetes.cri.container-name", c.name.as_str()),
        ("io.kubernetes.cri.image-name", c.image.as_str()),
        ("io.kubernetes.cri.sandbox-id", opts.sandbox_id.as_str()),
        ("io.kubernetes.cri.sandbox-name", opts.pod_name.as_str()),
        (
            "io.kubernetes.cri.sandbox-namespace",
            opts.pod_namespace.as_str(),
        ),
        ("io.kubernetes.cri.sandbox-uid", opts.pod_uid.as_str()),
    ] {
        a.insert(k.into(), v.into());
    }
    a
}
