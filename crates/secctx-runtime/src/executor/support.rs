//! What the embedded executor refuses, with the reason: nothing is silently dropped.

use oci_spec::runtime::{Process, Spec};

use super::ExecError;

/// Checks the config for fields this executor cannot honour on this host, and everything
/// else that can be checked before a process exists (capabilities). Returns the warnings to
/// report for fields accepted but not applied (SELinux labels on a kernel without SELinux).
pub fn check(spec: &Spec, apparmor: bool, selinux: bool) -> Result<Vec<String>, ExecError> {
    let mut warnings = Vec::new();
    let refuse = |what: String| Err(ExecError::Unsupported(what));
    if spec.root().is_none() {
        return refuse("config.json has no root".into());
    }
    let Some(process) = spec.process() else {
        return refuse("config.json has no process".into());
    };
    warnings.extend(check_process(process, apparmor, selinux)?);
    if let Some(h) = spec.hooks() {
        let any = [
            h.prestart(),
            h.create_runtime(),
            h.create_container(),
            h.start_container(),
            h.poststart(),
            h.poststop(),
        ]
        .iter()
        .any(|v| v.as_ref().is_some_and(|v| !v.is_empty()));
        if any {
            super::hooks::check(h)?;
        }
    }
    if let Some(linux) = spec.linux() {
        if let Some(l) = linux.mount_label().as_deref().filter(|l| !l.is_empty())
            && !selinux
        {
            warnings.push(format!(
                "linux.mountLabel {l:?} not applied: SELinux is not enabled in this kernel"
            ));
        }
        if linux.intel_rdt().is_some()
            || linux.personality().is_some()
            || linux.memory_policy().is_some()
            || linux.net_devices().as_ref().is_some_and(|d| !d.is_empty())
            || linux.time_offsets().as_ref().is_some_and(|d| !d.is_empty())
        {
            return refuse(
                "linux.intelRdt / personality / memoryPolicy / netDevices / timeOffsets".into(),
            );
        }
        if let Some(p) = linux
            .rootfs_propagation()
            .as_deref()
            .filter(|p| !p.is_empty())
        {
            super::rootfs::propagation_flags(p).map_err(ExecError::Unsupported)?;
        }
        if let Some(s) = linux.seccomp()
            && s.listener_path().is_some()
        {
            return refuse("seccomp listenerPath".into());
        }
    } else {
        return refuse("config.json has no linux section".into());
    }
    Ok(warnings)
}

/// The checks of [`check`] that concern the process alone, for `exec`'s process too (a
/// `runc exec --process` file asking for an AppArmor profile must not run unconfined):
/// refusals as errors, fields accepted but not applied as warnings.
pub fn check_process(
    process: &Process,
    apparmor: bool,
    selinux: bool,
) -> Result<Vec<String>, ExecError> {
    let mut warnings = Vec::new();
    let refuse = |what: String| Err(ExecError::Unsupported(what));
    if process.terminal() == Some(true) {
        return refuse("process.terminal (no console support)".into());
    }
    if let Some(p) = process
        .apparmor_profile()
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        return refuse(if apparmor {
            format!("apparmorProfile {p:?}: applying AppArmor profiles is not implemented")
        } else {
            format!("apparmorProfile {p:?}: AppArmor is not enabled in this kernel")
        });
    }
    if let Some(l) = process.selinux_label().as_deref().filter(|p| !p.is_empty())
        && !selinux
    {
        // As crun and runc do on such a host: accepted, and said so (never silently).
        warnings.push(format!(
            "process.selinuxLabel {l:?} not applied: SELinux is not enabled in this kernel"
        ));
    }
    super::caps::check_names(process)?;
    super::caps::check_bounding(process)?;
    if process.scheduler().is_some()
        || process.io_priority().is_some()
        || process.exec_cpu_affinity().is_some()
    {
        return refuse("process.scheduler / ioPriority / execCPUAffinity".into());
    }
    Ok(warnings)
}
