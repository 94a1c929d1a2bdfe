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

use super::{Check, Findings, VersionedCheck, bad_containers, detail_buffer};
use crate::pss::level::Level;
use crate::pss::result::{CheckResult, pluralize, push_containers_phrase};
use crate::pss::version::Version;

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

/// An `i32` rendered in decimal on the stack (for string-order sorting without allocating).
struct Decimal {
    buf: [u8; 11],
    start: usize,
}

impl Decimal {
    fn new(n: i32) -> Decimal {
        let mut buf = [0u8; 11];
        let mut start = buf.len();
        let mut v = n.unsigned_abs();
        loop {
            start -= 1;
            buf[start] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if n < 0 {
            start -= 1;
            buf[start] = b'-';
        }
        Decimal { buf, start }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// No container port may set a non-zero `hostPort`.
pub fn host_ports_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let Some(bad) = bad_containers(spec, |c| c.ports().iter().any(|p| host_port(p) != 0)) else {
        return CheckResult::Allowed;
    };
    let mut found = Findings::with_capacity(bad.clone().count());
    let mut ports = Vec::new();
    for c in bad.clone() {
        found.container(c.id());
        for (j, p) in c.ports().iter().enumerate() {
            if host_port(p) != 0 {
                ports.push(host_port(p));
                found.field(c.sub("ports").item(j, "hostPort"));
            }
        }
    }
    // Go sorts the decimal strings: "10000" < "8080".
    ports.sort_unstable_by(|a, b| Decimal::new(*a).as_bytes().cmp(Decimal::new(*b).as_bytes()));
    ports.dedup();
    let mut detail = detail_buffer();
    push_containers_phrase(&mut detail, bad.clone().map(|c| c.name));
    detail.push(' ');
    detail.push_str(pluralize("uses", "use", bad.count()));
    detail.push(' ');
    detail.push_str(pluralize("hostPort", "hostPorts", ports.len()));
    for (i, p) in ports.iter().enumerate() {
        detail.push_str(if i == 0 { " " } else { ", " });
        detail.push_str(std::str::from_utf8(Decimal::new(*p).as_bytes()).unwrap_or_default());
    }
    found.forbid("hostPort", detail)
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
    fn decimal_rendering() {
        for n in [0, 1, 9, 10, 8080, 65535, -1, -80, i32::MAX, i32::MIN] {
            assert_eq!(Decimal::new(n).as_bytes(), n.to_string().as_bytes());
        }
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
