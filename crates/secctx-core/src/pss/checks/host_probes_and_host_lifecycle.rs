//! `hostProbesAndHostLifecycle` (baseline): the `host` field is restricted in probes and
//! lifecycle handlers.
//!
//! **Restricted Fields** (for `containers`, `initContainers` and `ephemeralContainers`):
//! - `spec.containers[*].livenessProbe.httpGet.host`
//! - `spec.containers[*].readinessProbe.httpGet.host`
//! - `spec.containers[*].startupProbe.httpGet.host`
//! - `spec.containers[*].livenessProbe.tcpSocket.host`
//! - `spec.containers[*].readinessProbe.tcpSocket.host`
//! - `spec.containers[*].startupProbe.tcpSocket.host`
//! - `spec.containers[*].lifecycle.postStart.httpGet.host`
//! - `spec.containers[*].lifecycle.preStop.httpGet.host`
//! - `spec.containers[*].lifecycle.postStart.tcpSocket.host` (deprecated handler, still checked)
//! - `spec.containers[*].lifecycle.preStop.tcpSocket.host` (deprecated handler, still checked)
//!
//! **Allowed Values:** `""`, undefined/null
//!
//! Versions: 1.34. Unlike most checks, containers and hosts are reported as **sets** (sorted,
//! de-duplicated), not in visit order.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{HTTPGetAction, PodSpec, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck};
use crate::pss::level::Level;
use crate::pss::result::{CheckResult, join_quote, pluralize};
use crate::pss::version::Version;
use crate::pss::visit::{ContainerRef, containers};

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        min_version: Version::v1(34),
        check: host_probes_and_host_lifecycle_1_34,
        overrides: &[],
    }],
};

fn host_of<'a>(
    http: Option<&'a HTTPGetAction>,
    tcp: Option<&'a TCPSocketAction>,
) -> [Option<&'a str>; 2] {
    fn set(h: Option<&String>) -> Option<&str> {
        h.map(String::as_str).filter(|h| !h.is_empty())
    }
    [
        set(http.and_then(|a| a.host.as_ref())),
        set(tcp.and_then(|a| a.host.as_ref())),
    ]
}

/// `<probe>.<action>.host` for liveness, readiness, startup × httpGet, tcpSocket.
const PROBE_HOSTS: [[&str; 2]; 3] = [
    ["livenessProbe.httpGet.host", "livenessProbe.tcpSocket.host"],
    [
        "readinessProbe.httpGet.host",
        "readinessProbe.tcpSocket.host",
    ],
    ["startupProbe.httpGet.host", "startupProbe.tcpSocket.host"],
];

/// `lifecycle.<handler>.<action>.host` for postStart, preStop × httpGet, tcpSocket.
const LIFECYCLE_HOSTS: [[&str; 2]; 2] = [
    [
        "lifecycle.postStart.httpGet.host",
        "lifecycle.postStart.tcpSocket.host",
    ],
    [
        "lifecycle.preStop.httpGet.host",
        "lifecycle.preStop.tcpSocket.host",
    ],
];

/// Calls `f(path of the host field below the container, host)` for every non-empty host of a
/// probe or a lifecycle handler of `c`.
fn visit_hosts<'a>(c: &ContainerRef<'a>, mut f: impl FnMut(&'static str, &'a str)) {
    for ((_, probe), paths) in c.probes().into_iter().zip(PROBE_HOSTS) {
        let Some(p) = probe else { continue };
        let hosts = host_of(p.http_get.as_ref(), p.tcp_socket.as_ref());
        for (path, host) in paths.into_iter().zip(hosts) {
            if let Some(h) = host {
                f(path, h);
            }
        }
    }
    let Some(l) = c.lifecycle() else { return };
    for (handler, paths) in [&l.post_start, &l.pre_stop]
        .into_iter()
        .zip(LIFECYCLE_HOSTS)
    {
        let Some(h) = handler else { continue };
        let hosts = host_of(h.http_get.as_ref(), h.tcp_socket.as_ref());
        for (path, host) in paths.into_iter().zip(hosts) {
            if let Some(host) = host {
                f(path, host);
            }
        }
    }
}

/// Probes and lifecycle handlers must not set `host`.
pub fn host_probes_and_host_lifecycle_1_34(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let any = containers(spec).any(|c| {
        let mut bad = false;
        visit_hosts(&c, |_, _| bad = true);
        bad
    });
    if !any {
        return CheckResult::Allowed;
    }
    let mut found = Findings::default();
    let mut names = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    for c in containers(spec) {
        visit_hosts(&c, |path, host| {
            names.insert(c.name);
            hosts.insert(host);
            found.container(c.id());
            found.field(c.sub(path));
        });
    }
    let names: Vec<&str> = names.into_iter().collect();
    let hosts: Vec<&str> = hosts.into_iter().collect();
    found.forbid(
        "probe or lifecycle host",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const REASON: &str = "probe or lifecycle host";

    #[test]
    fn messages() {
        run_cases(
            host_probes_and_host_lifecycle_1_34,
            &[
                case(
                    "liveness httpGet",
                    json!({"spec": {"containers": [{"name": "a",
                        "livenessProbe": {"httpGet": {"host": "bad.host", "port": 80}}}]}}),
                    Some((
                        REASON,
                        r#"container "a" uses probe or lifecycle host "bad.host""#,
                    )),
                ),
                case(
                    "sorted sets, not visit order",
                    json!({"spec": {
                        "initContainers": [{"name": "z", "readinessProbe": {"tcpSocket": {"host": "8.8.8.8", "port": 1}}}],
                        "containers": [
                            {"name": "b", "lifecycle": {
                                "postStart": {"httpGet": {"host": "::1", "port": 1}},
                                "preStop": {"tcpSocket": {"host": "8.8.8.8", "port": 1}}}},
                            {"name": "a", "startupProbe": {"httpGet": {"host": "127.0.0.1", "port": 1}, "tcpSocket": {"host": "", "port": 1}}},
                            {"name": "ok", "livenessProbe": {"httpGet": {"host": "", "port": 1}}}],
                    }}),
                    Some((
                        REASON,
                        r#"containers "a", "b", "z" use probe or lifecycle hosts "127.0.0.1", "8.8.8.8", "::1""#,
                    )),
                ),
                case(
                    "empty host",
                    json!({"spec": {"containers": [{"name": "a",
                        "livenessProbe": {"httpGet": {"host": "", "port": 80}},
                        "lifecycle": {"preStop": {"sleep": {"seconds": 1}}}}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            host_probes_and_host_lifecycle_1_34,
            &json!({"spec": {"containers": [
                {"name": "a", "readinessProbe": {"tcpSocket": {"host": "h", "port": 1}}},
                {"name": "b", "lifecycle": {"postStart": {"httpGet": {"host": "h", "port": 1}}}}]}}),
            &[
                "spec.containers[0].readinessProbe.tcpSocket.host",
                "spec.containers[1].lifecycle.postStart.httpGet.host",
            ],
            &["a", "b"],
        );
    }
}
