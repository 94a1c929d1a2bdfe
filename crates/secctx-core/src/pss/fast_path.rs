//! A single pass over a pod that proves, check by check, which checks of [`ALL_CHECKS`] it
//! passes at **every** level and version, so that the common case — a compliant pod — costs one
//! walk over the containers instead of one walk per check, and a failing pod is evaluated only
//! by the checks it may fail.
//!
//! [`suspects`] returns a bit set over [`ALL_CHECKS`] (bit `i` = `ALL_CHECKS[i]`): a clear bit
//! is a *sufficient* condition for that check to pass, deliberately stricter than any single
//! policy: it relies on none of the version-dependent allowances (Windows exemptions,
//! `hostUsers: false` relaxations, sysctls and SELinux types added after 1.0), so a check whose
//! bit is clear passes at all versions. A set bit means "evaluate this check", never "fails".
//! The registry uses it only for [`ALL_CHECKS`]. Tests check "bit clear ⇒ that check reports
//! nothing at any level and version" on the 4537 upstream fixtures and on generated pods.
//!
//! [`ALL_CHECKS`]: super::checks::ALL_CHECKS

use k8s_openapi::api::core::v1::{
    AppArmorProfile, HTTPGetAction, Lifecycle, LifecycleHandler, PodSpec, Probe, SELinuxOptions,
    SeccompProfile, SecurityContext, TCPSocketAction, Volume, WindowsSecurityContextOptions,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::checks::{
    app_armor_profile, restricted_volumes, se_linux_options, seccomp_profile_baseline, sysctls,
};
use super::visit::{ContainerRef, containers};

/// Bits of [`suspects`]: the index of each check in [`ALL_CHECKS`](super::checks::ALL_CHECKS).
pub mod bit {
    /// `appArmorProfile`.
    pub const APP_ARMOR_PROFILE: u32 = 1 << 0;
    /// `capabilities_baseline`.
    pub const CAPABILITIES_BASELINE: u32 = 1 << 1;
    /// `hostNamespaces`.
    pub const HOST_NAMESPACES: u32 = 1 << 2;
    /// `hostPathVolumes`.
    pub const HOST_PATH_VOLUMES: u32 = 1 << 3;
    /// `hostPorts`.
    pub const HOST_PORTS: u32 = 1 << 4;
    /// `hostProbesAndHostLifecycle`.
    pub const HOST_PROBES_AND_HOST_LIFECYCLE: u32 = 1 << 5;
    /// `privileged`.
    pub const PRIVILEGED: u32 = 1 << 6;
    /// `procMount`.
    pub const PROC_MOUNT: u32 = 1 << 7;
    /// `seLinuxOptions`.
    pub const SE_LINUX_OPTIONS: u32 = 1 << 8;
    /// `seccompProfile_baseline`.
    pub const SECCOMP_PROFILE_BASELINE: u32 = 1 << 9;
    /// `sysctls`.
    pub const SYSCTLS: u32 = 1 << 10;
    /// `windowsHostProcess`.
    pub const WINDOWS_HOST_PROCESS: u32 = 1 << 11;
    /// `allowPrivilegeEscalation`.
    pub const ALLOW_PRIVILEGE_ESCALATION: u32 = 1 << 12;
    /// `capabilities_restricted`.
    pub const CAPABILITIES_RESTRICTED: u32 = 1 << 13;
    /// `procMount_restricted`.
    pub const PROC_MOUNT_RESTRICTED: u32 = 1 << 14;
    /// `restrictedVolumes`.
    pub const RESTRICTED_VOLUMES: u32 = 1 << 15;
    /// `runAsNonRoot`.
    pub const RUN_AS_NON_ROOT: u32 = 1 << 16;
    /// `runAsUser`.
    pub const RUN_AS_USER: u32 = 1 << 17;
    /// `seccompProfile_restricted`.
    pub const SECCOMP_PROFILE_RESTRICTED: u32 = 1 << 18;
}

use bit::*;

/// `bits` if `bad`, else nothing (branch-free, so every part is evaluated).
fn unless(ok: bool, bits: u32) -> u32 {
    if ok { 0 } else { bits }
}

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

/// The checks a container's `securityContext` may fail, version-independently.
fn security_context_suspects(
    sc: Option<&SecurityContext>,
    pod_run_as_non_root: bool,
    pod_seccomp: bool,
) -> u32 {
    let Some(sc) = sc else {
        return ALLOW_PRIVILEGE_ESCALATION
            | CAPABILITIES_RESTRICTED
            | unless(pod_run_as_non_root, RUN_AS_NON_ROOT)
            | unless(pod_seccomp, SECCOMP_PROFILE_RESTRICTED);
    };
    let run_as_non_root = match sc.run_as_non_root {
        Some(v) => v,
        None => pod_run_as_non_root,
    };
    let seccomp = match &sc.seccomp_profile {
        Some(p) => valid_type(&p.type_),
        None => pod_seccomp,
    };
    let caps = sc.capabilities.as_ref();
    let drops_all = caps
        .and_then(|c| c.drop.as_deref())
        .is_some_and(|d| d.iter().any(|c| c == "ALL"));
    let adds_ok = caps
        .and_then(|c| c.add.as_deref())
        .is_none_or(|a| a.iter().all(|c| c == "NET_BIND_SERVICE"));
    unless(
        sc.allow_privilege_escalation == Some(false),
        ALLOW_PRIVILEGE_ESCALATION,
    ) | unless(sc.privileged != Some(true), PRIVILEGED)
        | unless(
            sc.proc_mount.as_deref().is_none_or(|p| p == "Default"),
            PROC_MOUNT | PROC_MOUNT_RESTRICTED,
        )
        | unless(run_as_non_root, RUN_AS_NON_ROOT)
        | unless(sc.run_as_user != Some(0), RUN_AS_USER)
        | unless(
            seccomp_ok(sc.seccomp_profile.as_ref()),
            SECCOMP_PROFILE_BASELINE,
        )
        | unless(seccomp, SECCOMP_PROFILE_RESTRICTED)
        | unless(se_linux_ok(sc.se_linux_options.as_ref()), SE_LINUX_OPTIONS)
        | unless(
            host_process_ok(sc.windows_options.as_ref()),
            WINDOWS_HOST_PROCESS,
        )
        | unless(
            app_armor_ok(sc.app_armor_profile.as_ref()),
            APP_ARMOR_PROFILE,
        )
        | unless(drops_all, CAPABILITIES_RESTRICTED)
        | unless(adds_ok, CAPABILITIES_BASELINE | CAPABILITIES_RESTRICTED)
}

fn container_suspects(c: &ContainerRef<'_>, pod_run_as_non_root: bool, pod_seccomp: bool) -> u32 {
    security_context_suspects(c.security_context, pod_run_as_non_root, pod_seccomp)
        | unless(
            c.ports().iter().all(|p| p.host_port.unwrap_or(0) == 0),
            HOST_PORTS,
        )
        | unless(
            c.probes().into_iter().all(|(_, p)| probe_ok(p)) & lifecycle_ok(c.lifecycle()),
            HOST_PROBES_AND_HOST_LIFECYCLE,
        )
}

fn volume_suspects(v: &Volume) -> u32 {
    let allowed_source = restricted_volumes::allowed(v);
    unless(
        v.host_path.is_none(),
        HOST_PATH_VOLUMES | RESTRICTED_VOLUMES,
    ) | unless(allowed_source, RESTRICTED_VOLUMES)
}

fn annotation_suspects(meta: &ObjectMeta) -> u32 {
    meta.annotations.iter().flatten().fold(0, |bits, (k, v)| {
        bits | if k.starts_with(app_armor_profile::ANNOTATION_PREFIX) {
            unless(
                v.is_empty() || v == "runtime/default" || v.starts_with("localhost/"),
                APP_ARMOR_PROFILE,
            )
        } else if k == seccomp_profile_baseline::POD_ANNOTATION
            || k.starts_with(seccomp_profile_baseline::CONTAINER_ANNOTATION_PREFIX)
        {
            unless(
                v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/"),
                SECCOMP_PROFILE_BASELINE | SECCOMP_PROFILE_RESTRICTED,
            )
        } else {
            0
        }
    })
}

/// Starts the loads at the ends of the containers' pointer chains (`capabilities.drop` strings,
/// ports) for every container at once, in a loop short enough that the CPU keeps them in flight
/// together: evaluated one container after another, each chain's cache misses would be paid in
/// turn. Returns a value that depends on every load, so that they are not elided.
fn start_loads(spec: &PodSpec) -> u8 {
    containers(spec).fold(0, |acc, c| {
        let drop = c
            .security_context
            .and_then(|sc| sc.capabilities.as_ref())
            .and_then(|caps| caps.drop.as_deref())
            .and_then(<[String]>::first)
            .and_then(|d| d.as_bytes().first().copied())
            .unwrap_or(0);
        let port = c.ports().first().map_or(0, |p| p.container_port as u8);
        acc ^ drop ^ port
    })
}

/// The checks of [`ALL_CHECKS`](super::checks::ALL_CHECKS) the pod may fail at some level and
/// version: bit `i` set (see [`bit`]) means "evaluate `ALL_CHECKS[i]`"; a clear bit means that
/// check certainly passes at every level and version.
pub fn suspects(meta: &ObjectMeta, spec: &PodSpec) -> u32 {
    // Every part is evaluated (no early exit): one tight walk over everything the checks read
    // brings it into cache with overlapping misses, so the checks a failing pod is then
    // evaluated with run from cache.
    std::hint::black_box(start_loads(spec));
    let psc = spec.security_context.as_ref();
    let pod_run_as_non_root = psc.and_then(|sc| sc.run_as_non_root);
    let pod_seccomp = psc.and_then(|sc| sc.seccomp_profile.as_ref());
    let pod = match psc {
        // Without a pod security context, containers must set everything themselves (the
        // container part below); the pod-level checks are evaluated to be safe.
        None => RUN_AS_NON_ROOT | SECCOMP_PROFILE_RESTRICTED,
        Some(psc) => {
            unless(psc.run_as_user != Some(0), RUN_AS_USER)
                | unless(se_linux_ok(psc.se_linux_options.as_ref()), SE_LINUX_OPTIONS)
                | unless(
                    host_process_ok(psc.windows_options.as_ref()),
                    WINDOWS_HOST_PROCESS,
                )
                | unless(
                    app_armor_ok(psc.app_armor_profile.as_ref()),
                    APP_ARMOR_PROFILE,
                )
                | unless(
                    seccomp_ok(psc.seccomp_profile.as_ref()),
                    SECCOMP_PROFILE_BASELINE | SECCOMP_PROFILE_RESTRICTED,
                )
                | unless(
                    psc.sysctls.iter().flatten().all(|s| {
                        sysctls::ALLOWED
                            .iter()
                            .any(|&(n, since)| since == 0 && n == s.name)
                    }),
                    SYSCTLS,
                )
        }
    } | unless(pod_run_as_non_root != Some(false), RUN_AS_NON_ROOT)
        | unless(
            (spec.host_network != Some(true))
                & (spec.host_pid != Some(true))
                & (spec.host_ipc != Some(true)),
            HOST_NAMESPACES,
        );
    // Volumes first: their loads do not depend on each other, so they are in flight while the
    // containers' longer pointer chains are followed.
    let volumes = spec
        .volumes
        .iter()
        .flatten()
        .fold(0, |bits, v| bits | volume_suspects(v));
    let containers = containers(spec).fold(0, |bits, c| {
        bits | container_suspects(&c, pod_run_as_non_root == Some(true), pod_seccomp.is_some())
    });
    pod | containers | volumes | annotation_suspects(meta)
}

/// Whether the pod certainly passes every check at every level and version (no
/// [`suspects`]). `false` means "evaluate the checks", not "fails".
pub fn certainly_passes(meta: &ObjectMeta, spec: &PodSpec) -> bool {
    suspects(meta, spec) == 0
}

#[cfg(test)]
#[path = "fast_path_tests.rs"]
mod tests;
