//! A single pass over a pod that proves it passes **every** check of [`ALL_CHECKS`] at **every**
//! level and version, so that the common case — a compliant pod — costs one walk over the
//! containers instead of one walk per check.
//!
//! It is a *sufficient* condition, deliberately stricter than any single policy: it relies on
//! none of the version-dependent allowances (Windows exemptions, `hostUsers: false` relaxations,
//! sysctls and SELinux types added after 1.0), so a pod it accepts passes all versions. A pod it
//! rejects is simply evaluated check by check; it never decides that a pod fails. The
//! registry uses it only for [`ALL_CHECKS`]. Tests check "accepted ⇒ no violation at any
//! level and version" on the 4537 upstream fixtures and on generated pods.
//!
//! [`ALL_CHECKS`]: super::checks::ALL_CHECKS

use k8s_openapi::api::core::v1::{
    AppArmorProfile, HTTPGetAction, Lifecycle, LifecycleHandler, PodSpec, Probe, SELinuxOptions,
    SeccompProfile, SecurityContext, TCPSocketAction, Volume, WindowsSecurityContextOptions,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::checks::{app_armor_profile, se_linux_options, seccomp_profile_baseline, sysctls};
use super::visit::{ContainerRef, containers};

fn valid_type(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

fn seccomp_ok(p: Option<&SeccompProfile>) -> bool {
    p.is_none_or(|p| valid_type(&p.type_))
}

fn app_armor_ok(p: Option<&AppArmorProfile>) -> bool {
    p.is_none_or(|p| valid_type(&p.type_))
}

fn se_linux_ok(o: Option<&SELinuxOptions>) -> bool {
    o.is_none_or(|o| {
        se_linux_options::ALLOWED_TYPES_1_0.contains(&o.type_.as_deref().unwrap_or(""))
            & o.user.as_deref().is_none_or(str::is_empty)
            & o.role.as_deref().is_none_or(str::is_empty)
    })
}

fn host_process_ok(o: Option<&WindowsSecurityContextOptions>) -> bool {
    o.is_none_or(|o| o.host_process != Some(true))
}

fn no_host(http: Option<&HTTPGetAction>, tcp: Option<&TCPSocketAction>) -> bool {
    http.is_none_or(|a| a.host.as_deref().is_none_or(str::is_empty))
        & tcp.is_none_or(|a| a.host.as_deref().is_none_or(str::is_empty))
}

fn probe_ok(p: Option<&Probe>) -> bool {
    p.is_none_or(|p| no_host(p.http_get.as_ref(), p.tcp_socket.as_ref()))
}

fn handler_ok(h: Option<&LifecycleHandler>) -> bool {
    h.is_none_or(|h| no_host(h.http_get.as_ref(), h.tcp_socket.as_ref()))
}

fn lifecycle_ok(l: Option<&Lifecycle>) -> bool {
    l.is_none_or(|l| handler_ok(l.post_start.as_ref()) & handler_ok(l.pre_stop.as_ref()))
}

/// The container-level part of the restricted profile, version-independently.
fn security_context_ok(sc: &SecurityContext, pod_run_as_non_root: bool, pod_seccomp: bool) -> bool {
    let run_as_non_root = match sc.run_as_non_root {
        Some(v) => v,
        None => pod_run_as_non_root,
    };
    let seccomp = match &sc.seccomp_profile {
        Some(p) => valid_type(&p.type_),
        None => pod_seccomp,
    };
    let capabilities = sc.capabilities.as_ref().is_some_and(|caps| {
        caps.drop
            .as_deref()
            .is_some_and(|d| d.iter().any(|c| c == "ALL"))
            & caps
                .add
                .as_deref()
                .is_none_or(|a| a.iter().all(|c| c == "NET_BIND_SERVICE"))
    });
    (sc.allow_privilege_escalation == Some(false))
        & (sc.privileged != Some(true))
        & sc.proc_mount.as_deref().is_none_or(|p| p == "Default")
        & run_as_non_root
        & (sc.run_as_user != Some(0))
        & seccomp
        & se_linux_ok(sc.se_linux_options.as_ref())
        & host_process_ok(sc.windows_options.as_ref())
        & app_armor_ok(sc.app_armor_profile.as_ref())
        & capabilities
}

fn container_ok(c: &ContainerRef<'_>, pod_run_as_non_root: bool, pod_seccomp: bool) -> bool {
    c.security_context
        .is_some_and(|sc| security_context_ok(sc, pod_run_as_non_root, pod_seccomp))
        & c.ports().iter().all(|p| p.host_port.unwrap_or(0) == 0)
        & c.probes().into_iter().all(|(_, p)| probe_ok(p))
        & lifecycle_ok(c.lifecycle())
}

fn volume_ok(v: &Volume) -> bool {
    v.host_path.is_none()
        & (v.config_map.is_some()
            || v.secret.is_some()
            || v.empty_dir.is_some()
            || v.projected.is_some()
            || v.persistent_volume_claim.is_some()
            || v.downward_api.is_some()
            || v.csi.is_some()
            || v.ephemeral.is_some()
            || v.image.is_some())
}

fn annotations_ok(meta: &ObjectMeta) -> bool {
    meta.annotations.iter().flatten().all(|(k, v)| {
        if k.starts_with(app_armor_profile::ANNOTATION_PREFIX) {
            v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")
        } else if k == seccomp_profile_baseline::POD_ANNOTATION
            || k.starts_with(seccomp_profile_baseline::CONTAINER_ANNOTATION_PREFIX)
        {
            v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
        } else {
            true
        }
    })
}

/// Whether the pod certainly passes every check at every level and version. `false` means
/// "evaluate the checks", not "fails".
pub fn certainly_passes(meta: &ObjectMeta, spec: &PodSpec) -> bool {
    // Every part is evaluated (`&`, not `&&`): one tight walk over everything the checks read
    // brings it into cache with overlapping misses, so a pod that fails here is then checked
    // check by check from cache.
    let psc = spec.security_context.as_ref();
    let pod_run_as_non_root = psc.and_then(|sc| sc.run_as_non_root);
    let pod_seccomp = psc.and_then(|sc| sc.seccomp_profile.as_ref());
    let pod_ok = psc.is_some_and(|psc| {
        (psc.run_as_user != Some(0))
            & se_linux_ok(psc.se_linux_options.as_ref())
            & host_process_ok(psc.windows_options.as_ref())
            & app_armor_ok(psc.app_armor_profile.as_ref())
            & seccomp_ok(psc.seccomp_profile.as_ref())
            & psc.sysctls.iter().flatten().all(|s| {
                sysctls::ALLOWED
                    .iter()
                    .any(|&(n, since)| since == 0 && n == s.name)
            })
    }) & (pod_run_as_non_root != Some(false))
        & (spec.host_network != Some(true))
        & (spec.host_pid != Some(true))
        & (spec.host_ipc != Some(true));
    let containers_ok = containers(spec).fold(true, |ok, c| {
        ok & container_ok(&c, pod_run_as_non_root == Some(true), pod_seccomp.is_some())
    });
    let volumes_ok = spec
        .volumes
        .iter()
        .flatten()
        .fold(true, |ok, v| ok & volume_ok(v));
    pod_ok & containers_ok & volumes_ok & annotations_ok(meta)
}

#[cfg(test)]
#[path = "fast_path_tests.rs"]
mod tests;
