//! `hostPorts` (baseline): HostPort ports must be forbidden.
//!
//! **Restricted Fields:**
//! - `spec.containers[*].ports[*].hostPort`
//! - `spec.initContainers[*].ports[*].hostPort`
//! - `spec.ephemeralContainers[*].ports[*].hostPort`
//!
//! **Allowed Values:** undefined/0
//!
//! Versions: 1.0. Ports are listed sorted **as strings** (`10000` before `8080`), de-duplicated.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck};
use crate::pss::level::Level;
use crate::pss::result::{CheckResult, containers_phrase, pluralize};
use crate::pss::version::Version;
use crate::pss::visit::{ContainerRef, containers};

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "hostPorts",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        min_version: Version::v1(0),
        check: host_ports_1_0,
        overrides: &[],
    }],
};

fn host_port(p: &k8s_openapi::api::core::v1::ContainerPort) -> i32 {
    p.host_port.unwrap_or(0)
}

/// No container port may set a non-zero `hostPort`.
pub fn host_ports_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let bad: Vec<ContainerRef<'_>> = containers(spec)
        .filter(|c| c.ports().iter().any(|p| host_port(p) != 0))
        .collect();
    if bad.is_empty() {
        return CheckResult::Allowed;
    }
    let mut found = Findings::default();
    let mut names = Vec::with_capacity(bad.len());
    let mut ports = std::collections::BTreeSet::new();
    for c in &bad {
        names.push(c.name);
        found.container(c.name);
        for (j, p) in c.ports().iter().enumerate() {
            if host_port(p) != 0 {
                ports.insert(host_port(p).to_string());
                found.field(c.path().child("ports").index(j).child("hostPort"));
            }
        }
    }
    let ports: Vec<String> = ports.into_iter().collect();
    found.forbid(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
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
            host_ports_1_0,
            &[
                case(
                    "one container, one port",
                    json!({"spec": {"containers": [{"name": "a", "ports": [
                        {"containerPort": 80}, {"containerPort": 80, "hostPort": 8080}]}]}}),
                    Some(("hostPort", r#"container "a" uses hostPort 8080"#)),
                ),
                case(
                    "ports sorted as strings, de-duplicated",
                    json!({"spec": {
                        "initContainers": [{"name": "i", "ports": [{"containerPort": 1, "hostPort": 8080}]}],
                        "containers": [{"name": "a", "ports": [
                            {"containerPort": 1, "hostPort": 10000},
                            {"containerPort": 2, "hostPort": 8080},
                            {"containerPort": 3, "hostPort": 9}]}],
                        "ephemeralContainers": [{"name": "e", "ports": [{"containerPort": 1, "hostPort": 12345}]}]}}),
                    Some((
                        "hostPort",
                        r#"containers "i", "a", "e" use hostPorts 10000, 12345, 8080, 9"#,
                    )),
                ),
                case(
                    "two containers one port",
                    json!({"spec": {"containers": [
                        {"name": "a", "ports": [{"containerPort": 1, "hostPort": 1}]},
                        {"name": "b", "ports": [{"containerPort": 1, "hostPort": 1}]}]}}),
                    Some(("hostPort", r#"containers "a", "b" use hostPort 1"#)),
                ),
                case(
                    "zero host port",
                    json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 0}]}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            host_ports_1_0,
            &json!({"spec": {"containers": [{"name": "a", "ports": [
                {"containerPort": 80}, {"containerPort": 80, "hostPort": 8080}]}]}}),
            &["spec.containers[0].ports[1].hostPort"],
            &["a"],
        );
    }
}
