//! The Pod Security Standards checks: one file per check, named after the check ID in
//! snake_case, each declaring its versioned implementations, plus the one explicit ordered
//! list [`ALL_CHECKS`] (PSA registers through `init()`; we list instead).
//!
//! A check implementation is a pure function of (pod metadata, pod spec) returning a
//! [`CheckResult`]. The passing path allocates nothing: implementations collect offenders into
//! empty `Vec`s (which do not allocate) and build strings and paths only once a pod fails.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::level::Level;
use super::result::{CheckResult, push_containers_phrase};
use super::version::Version;
use super::visit::{ContainerId, ContainerRef, containers};
use crate::pss::location::Location;

pub mod allow_privilege_escalation;
pub mod app_armor_profile;
pub mod capabilities_baseline;
pub mod capabilities_restricted;
pub mod host_namespaces;
pub mod host_path_volumes;
pub mod host_ports;
pub mod host_probes_and_host_lifecycle;
pub mod privileged;
pub mod proc_mount;
pub mod proc_mount_restricted;
pub mod restricted_volumes;
pub mod run_as_non_root;
pub mod run_as_user;
pub mod se_linux_options;
pub mod seccomp_profile_baseline;
pub mod seccomp_profile_restricted;
pub mod sysctls;
pub mod windows_host_process;

/// A check implementation: pure function of the pod's metadata and spec.
pub type CheckFn = fn(&ObjectMeta, &PodSpec) -> CheckResult;

/// One revision of a check, valid from `min_version` until the next revision's minimum.
#[derive(Clone, Copy, Debug)]
pub struct VersionedCheck {
    /// First policy version this revision applies to (never `latest`).
    pub min_version: Version,
    /// The implementation.
    pub check: CheckFn,
    /// Baseline check IDs this (restricted) revision replaces at the restricted level.
    pub overrides: &'static [&'static str],
}

/// A check: a unique ID, the level it belongs to, and its revisions by strictly increasing
/// minimum version.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// The check ID as PSA spells it (`runAsNonRoot`, `capabilities_restricted`).
    pub id: &'static str,
    /// `Baseline` or `Restricted` (a `Privileged` check is rejected by the registry).
    pub level: Level,
    /// Revisions, oldest first.
    pub versions: &'static [VersionedCheck],
}

/// Every check of the Pod Security Standards at PSA `8f84a87c`: baseline IDs sorted, then
/// restricted IDs sorted (the order PSA reports violations in).
pub static ALL_CHECKS: &[Check] = &[
    app_armor_profile::CHECK,
    capabilities_baseline::CHECK,
    host_namespaces::CHECK,
    host_path_volumes::CHECK,
    host_ports::CHECK,
    host_probes_and_host_lifecycle::CHECK,
    privileged::CHECK,
    proc_mount::CHECK,
    se_linux_options::CHECK,
    seccomp_profile_baseline::CHECK,
    sysctls::CHECK,
    windows_host_process::CHECK,
    allow_privilege_escalation::CHECK,
    capabilities_restricted::CHECK,
    proc_mount_restricted::CHECK,
    restricted_volumes::CHECK,
    run_as_non_root::CHECK,
    run_as_user::CHECK,
    seccomp_profile_restricted::CHECK,
];

/// `spec.os.name == "windows"`: the 1.25+ exemption of some restricted checks.
pub(crate) fn is_windows_pod(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

/// PSA `relaxPolicyForUserNamespacePod`: `hostUsers` explicitly `false`.
pub(crate) fn relax_for_user_namespace(spec: &PodSpec) -> bool {
    spec.host_users == Some(false)
}

/// Sorted, de-duplicated (Go `sets.List`: byte-wise order).
pub(crate) fn sorted_unique<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = items.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A detail string with room for a typical message.
pub(crate) fn detail_buffer() -> String {
    String::with_capacity(128)
}

/// Appends `pod`, `container(s) "…"` joined `" and "` (PSA's badSetters idiom).
pub(crate) fn push_setters<'a, I>(out: &mut String, pod: bool, containers: I)
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: Clone,
{
    let containers = containers.into_iter();
    let any = containers.clone().next().is_some();
    if pod {
        out.push_str("pod");
        if any {
            out.push_str(" and ");
        }
    }
    if any {
        push_containers_phrase(out, containers);
    }
}

/// `container(s) "…"<suffix>` for the bad containers.
pub(crate) fn containers_detail<'a>(
    bad: impl Iterator<Item = ContainerRef<'a>> + Clone,
    suffix: &str,
) -> String {
    let mut d = detail_buffer();
    push_containers_phrase(&mut d, bad.map(|c| c.name));
    d.push_str(suffix);
    d
}

/// `pod and container(s) "…"<suffix>` (either part optional).
pub(crate) fn setters_detail<'a>(
    pod: bool,
    bad: impl Iterator<Item = ContainerRef<'a>> + Clone,
    suffix: &str,
) -> String {
    let mut d = detail_buffer();
    push_setters(&mut d, pod, bad.map(|c| c.name));
    d.push_str(suffix);
    d
}

/// The containers `is_bad` selects, re-iterable without allocating; `None` if there are none.
pub(crate) fn bad_containers<'a, F>(
    spec: &'a PodSpec,
    is_bad: F,
) -> Option<impl Iterator<Item = ContainerRef<'a>> + Clone>
where
    F: Fn(&ContainerRef<'a>) -> bool + Clone,
{
    let bad = containers(spec).filter(is_bad);
    bad.clone().next().is_some().then_some(bad)
}

/// Locations collected while building a forbidden result.
#[derive(Default)]
pub(crate) struct Findings {
    fields: Vec<Location>,
    containers: Vec<ContainerId>,
}

impl Findings {
    /// Findings with room for `n` fields and containers.
    pub(crate) fn with_capacity(n: usize) -> Findings {
        Findings {
            fields: Vec::with_capacity(n),
            containers: Vec::with_capacity(n),
        }
    }

    /// Findings with room for `n` fields, for checks that record no container (no allocation
    /// for the container list).
    pub(crate) fn for_fields(n: usize) -> Findings {
        Findings {
            fields: Vec::with_capacity(n),
            containers: Vec::new(),
        }
    }

    /// Records an offending field path.
    pub(crate) fn field(&mut self, path: Location) {
        self.fields.push(path);
    }

    /// Records a container involved (once).
    pub(crate) fn container(&mut self, id: ContainerId) {
        if !self.containers.contains(&id) {
            self.containers.push(id);
        }
    }

    /// The forbidden result carrying these locations.
    pub(crate) fn forbid(self, reason: &'static str, detail: String) -> CheckResult {
        CheckResult::Forbidden {
            reason: reason.into(),
            detail,
            fields: self.fields,
            containers: self.containers,
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    /// snake_case of a check ID: `seLinuxOptions` → `se_linux_options`.
    fn snake(id: &str) -> String {
        let mut out = String::new();
        for c in id.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn every_check_file_is_listed_once() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/pss/checks");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter_map(|f| f.strip_suffix(".rs").map(str::to_owned))
            .filter(|f| f != "mod" && f != "testing")
            .collect();
        files.sort();
        let mut listed: Vec<String> = ALL_CHECKS.iter().map(|c| snake(c.id)).collect();
        listed.sort();
        assert_eq!(files, listed);
        assert_eq!(ALL_CHECKS.len(), 19);
    }

    #[test]
    fn all_checks_in_report_order() {
        let ids: Vec<&str> = ALL_CHECKS.iter().map(|c| c.id).collect();
        let (b, r): (Vec<&Check>, Vec<&Check>) =
            ALL_CHECKS.iter().partition(|c| c.level == Level::Baseline);
        let mut want: Vec<&str> = b.iter().map(|c| c.id).collect();
        want.sort();
        let mut rs: Vec<&str> = r.iter().map(|c| c.id).collect();
        rs.sort();
        want.extend(rs);
        assert_eq!(ids, want);
    }
}
