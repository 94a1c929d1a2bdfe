//! `hostPathVolumes` (baseline): HostPath volumes must be forbidden.
//!
//! **Restricted Fields:**
//! - `spec.volumes[*].hostPath`
//!
//! **Allowed Values:** undefined/null
//!
//! Versions: 1.0. Overridden at the restricted level by `restrictedVolumes`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::result::{CheckResult, join_quote, pluralize};
use crate::pss::version::Version;

/// The check ID (overridden by `restrictedVolumes`).
pub const ID: &str = "hostPathVolumes";

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        min_version: Version::v1(0),
        check: host_path_volumes_1_0,
        overrides: &[],
    }],
};

/// No volume may be a `hostPath` volume.
pub fn host_path_volumes_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let volumes = spec.volumes.as_deref().unwrap_or(&[]);
    if !volumes.iter().any(|v| v.host_path.is_some()) {
        return CheckResult::Allowed;
    }
    let mut found = Findings::default();
    let mut names = Vec::new();
    for (i, v) in volumes.iter().enumerate() {
        if v.host_path.is_some() {
            names.push(v.name.as_str());
            found.field(Location::spec("volumes").item(i, "hostPath"));
        }
    }
    found.forbid(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    #[test]
    fn messages() {
        run_cases(
            host_path_volumes_1_0,
            &[
                case(
                    "one",
                    json!({"spec": {"containers": [], "volumes": [
                        {"name": "a", "emptyDir": {}}, {"name": "b", "hostPath": {"path": "/"}}]}}),
                    Some(("hostPath volumes", r#"volume "b""#)),
                ),
                case(
                    "two, spec order",
                    json!({"spec": {"containers": [], "volumes": [
                        {"name": "z", "hostPath": {"path": "/a"}}, {"name": "b", "hostPath": {"path": "/b"}}]}}),
                    Some(("hostPath volumes", r#"volumes "z", "b""#)),
                ),
                case(
                    "none",
                    json!({"spec": {"containers": [], "volumes": [{"name": "a", "emptyDir": {}}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            host_path_volumes_1_0,
            &json!({"spec": {"containers": [], "volumes": [
                {"name": "a", "emptyDir": {}}, {"name": "b", "hostPath": {"path": "/"}}]}}),
            &["spec.volumes[1].hostPath"],
            &[],
        );
    }
}
