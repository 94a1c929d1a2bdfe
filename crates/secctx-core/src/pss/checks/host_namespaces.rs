//! `hostNamespaces` (baseline): sharing the host network, PID, and IPC namespaces must be
//! disallowed.
//!
//! **Restricted Fields:**
//! - `spec.hostNetwork`
//! - `spec.hostPID`
//! - `spec.hostIPC`
//!
//! **Allowed Values:** undefined, `false`
//!
//! Versions: 1.0.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::result::CheckResult;
use crate::pss::version::Version;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "hostNamespaces",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        min_version: Version::v1(0),
        check: host_namespaces_1_0,
        overrides: &[],
    }],
};

/// `hostNetwork`, `hostPID` and `hostIPC` must not be `true`.
pub fn host_namespaces_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let set = [
        ("hostNetwork=true", "hostNetwork", spec.host_network),
        ("hostPID=true", "hostPID", spec.host_pid),
        ("hostIPC=true", "hostIPC", spec.host_ipc),
    ];
    if !set.iter().any(|(_, _, v)| *v == Some(true)) {
        return CheckResult::Allowed;
    }
    let mut found = Findings::for_fields(3);
    let mut detail = String::new();
    for (text, field, value) in set {
        if value == Some(true) {
            if !detail.is_empty() {
                detail.push_str(", ");
            }
            detail.push_str(text);
            found.field(Location::spec(field));
        }
    }
    found.forbid("host namespaces", detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    #[test]
    fn messages() {
        run_cases(
            host_namespaces_1_0,
            &[
                case(
                    "all three, fixed order",
                    json!({"spec": {"hostIPC": true, "hostPID": true, "hostNetwork": true, "containers": []}}),
                    Some((
                        "host namespaces",
                        "hostNetwork=true, hostPID=true, hostIPC=true",
                    )),
                ),
                case(
                    "ipc only",
                    json!({"spec": {"hostIPC": true, "hostNetwork": false, "containers": []}}),
                    Some(("host namespaces", "hostIPC=true")),
                ),
                case(
                    "false",
                    json!({"spec": {"hostIPC": false, "containers": []}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            host_namespaces_1_0,
            &json!({"spec": {"hostPID": true, "containers": []}}),
            &["spec.hostPID"],
            &[],
        );
    }
}
