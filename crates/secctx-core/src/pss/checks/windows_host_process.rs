//! `windowsHostProcess` (baseline): pod and containers must not set
//! `securityContext.windowsOptions.hostProcess` to `true`.
//!
//! **Restricted Fields:**
//! - `spec.securityContext.windowsOptions.hostProcess`
//! - `spec.containers[*].securityContext.windowsOptions.hostProcess`
//! - `spec.initContainers[*].securityContext.windowsOptions.hostProcess`
//! - `spec.ephemeralContainers[*].securityContext.windowsOptions.hostProcess`
//!
//! **Allowed Values:** undefined / `false`
//!
//! Versions: 1.0.

use k8s_openapi::api::core::v1::{PodSpec, WindowsSecurityContextOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck, bad_containers, setters_detail};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::result::CheckResult;
use crate::pss::version::Version;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "windowsHostProcess",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        min_version: Version::v1(0),
        check: windows_host_process_1_0,
        overrides: &[],
    }],
};

fn host_process(o: Option<&WindowsSecurityContextOptions>) -> bool {
    o.and_then(|o| o.host_process) == Some(true)
}

/// Nobody may set `windowsOptions.hostProcess: true`.
pub fn windows_host_process_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let bad = bad_containers(spec, |c| {
        host_process(
            c.security_context
                .and_then(|sc| sc.windows_options.as_ref()),
        )
    });
    let pod_bad = host_process(
        spec.security_context
            .as_ref()
            .and_then(|sc| sc.windows_options.as_ref()),
    );
    if !pod_bad && bad.is_none() {
        return CheckResult::Allowed;
    }
    let bad = bad.into_iter().flatten();
    let mut found = Findings::with_capacity(bad.clone().count() + 1);
    if pod_bad {
        found.field(Location::spec("securityContext.windowsOptions.hostProcess"));
    }
    for c in bad.clone() {
        found.container(c.id());
        found.field(c.sub("securityContext.windowsOptions.hostProcess"));
    }
    found.forbid(
        "hostProcess",
        setters_detail(
            pod_bad,
            bad,
            " must not set securityContext.windowsOptions.hostProcess=true",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const HP: &str = "hostProcess";

    #[test]
    fn messages() {
        run_cases(
            windows_host_process_1_0,
            &[
                case(
                    "pod",
                    json!({"spec": {"securityContext": {"windowsOptions": {"hostProcess": true}}, "containers": [{"name": "a"}]}}),
                    Some((
                        HP,
                        "pod must not set securityContext.windowsOptions.hostProcess=true",
                    )),
                ),
                case(
                    "pod and containers",
                    json!({"spec": {"securityContext": {"windowsOptions": {"hostProcess": true}},
                        "initContainers": [{"name": "i", "securityContext": {"windowsOptions": {"hostProcess": true}}}],
                        "containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": true}}},
                                       {"name": "b", "securityContext": {"windowsOptions": {"hostProcess": false}}}]}}),
                    Some((
                        HP,
                        r#"pod and containers "i", "a" must not set securityContext.windowsOptions.hostProcess=true"#,
                    )),
                ),
                case(
                    "container only",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": true}}}]}}),
                    Some((
                        HP,
                        r#"container "a" must not set securityContext.windowsOptions.hostProcess=true"#,
                    )),
                ),
                case(
                    "false",
                    json!({"spec": {"securityContext": {"windowsOptions": {"hostProcess": false}}, "containers": [{"name": "a"}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            windows_host_process_1_0,
            &json!({"spec": {"securityContext": {"windowsOptions": {"hostProcess": true}},
                "containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": true}}}]}}),
            &[
                "spec.securityContext.windowsOptions.hostProcess",
                "spec.containers[0].securityContext.windowsOptions.hostProcess",
            ],
            &["a"],
        );
    }
}
