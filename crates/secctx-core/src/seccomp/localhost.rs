//! Kubernetes `seccompProfile: {type: Localhost}` profiles: an OCI `LinuxSeccomp` JSON file
//! under the kubelet's seccomp root, which containerd decodes and puts into `linux.seccomp`
//! as it is (`contrib/seccomp/seccomp.go: WithProfile`).
//!
//! containerd decodes with Go's `encoding/json`, which ignores unknown fields. A Docker/moby
//! profile (with `archMap`, `includes`/`excludes`) therefore "loads" there, and every
//! conditional rule applies unconditionally. This loader rejects unknown fields instead and
//! says when the file is in the moby format (use [`super::moby`] to lower it).

use serde_json::Value;

use super::decode::{DecodeError, decode};
use super::model::LinuxSeccomp;

/// Why a Localhost profile could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LocalhostError {
    /// The file is not a valid OCI seccomp profile.
    #[error("decoding seccomp profile failed: {0}")]
    Decode(#[from] DecodeError),
    /// The file is a Docker/moby-format profile.
    #[error(
        "decoding seccomp profile failed: `{field}` is a Docker/moby profile field, not OCI; \
         containerd would ignore it{consequence} ({source})"
    )]
    MobyFormat {
        /// Path of the first moby-only field, e.g. `archMap` or `syscalls[16].includes`.
        field: String,
        /// What containerd would make of it.
        consequence: &'static str,
        /// The decode error itself.
        source: DecodeError,
    },
}

/// Decodes a Localhost profile (OCI `LinuxSeccomp` JSON) strictly.
pub fn parse_localhost(json: &str) -> Result<LinuxSeccomp, LocalhostError> {
    decode(json).map_err(|source| match moby_field(json) {
        Some((field, consequence)) => LocalhostError::MobyFormat {
            field,
            consequence,
            source,
        },
        None => LocalhostError::Decode(source),
    })
}

/// The first field only the moby format has, with what containerd would do about it.
fn moby_field(json: &str) -> Option<(String, &'static str)> {
    let Ok(Value::Object(top)) = serde_json::from_str::<Value>(json) else {
        return None;
    };
    if top.contains_key("archMap") {
        return Some(("archMap".into(), " and set no extra architectures"));
    }
    let rules = top.get("syscalls")?.as_array()?;
    rules.iter().enumerate().find_map(|(i, rule)| {
        let rule = rule.as_object()?;
        [
            ("includes", ", applying the rule unconditionally"),
            ("excludes", ", applying the rule unconditionally"),
            ("name", ", leaving the rule without names"),
            ("comment", ""),
        ]
        .into_iter()
        .find(|(k, _)| rule.contains_key(*k))
        .map(|(k, why)| (format!("syscalls[{i}].{k}"), why))
    })
}
