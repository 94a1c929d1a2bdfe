//! Cgroups (v1 hierarchies, as on this host): one directory per controller, the devices
//! allow-list and the limits we apply; everything else in `linux.resources` is refused.
//!
//! Applied: `devices` (allow/deny list), `pids.limit`, `memory.limit`, `cpu.shares`,
//! `cpu.quota`/`cpu.period`. Not applied (refused when set): memory reservation/swap/kernel
//! limits, swappiness, cpusets, realtime cpu, blockIO, hugepages, network, rdma, unified.
//! The cgroup v2 mount of the hybrid layout (`/sys/fs/cgroup/unified`) has no controllers and
//! the container is not placed in it.

use std::path::{Path, PathBuf};

use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType, LinuxResources};

use super::ExecError;

const BASE: &str = "/sys/fs/cgroup";
/// The controllers a container is placed in (each must be mounted as its own hierarchy).
const CONTROLLERS: [&str; 5] = ["devices", "pids", "memory", "cpu", "freezer"];

/// Device rules added after `linux.resources.devices`.
const DEFAULT_ALLOW: [&str; 12] = [
    "c *:* m",
    "b *:* m",
    "c 1:3 rwm",
    "c 1:8 rwm",
    "c 1:7 rwm",
    "c 5:0 rwm",
    "c 1:5 rwm",
    "c 1:9 rwm",
    "c 5:1 rwm",
    "c 136:* rwm",
    "c 5:2 rwm",
    "c 10:200 rwm",
];

/// A short tag of an executor state root (the first 12 hex digits of the sha256 of its
/// canonical path): the default cgroup of a container is `secctx/<tag>_<id>`, so two state
/// roots running the same container id (the same pod name) never share a cgroup, and one's
/// `delete` cannot kill the other's processes.
pub fn root_tag(root: &Path) -> String {
    use sha2::Digest;
    let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let digest = sha2::Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    hex::encode(&digest[..6])
}

/// The directories (one per mounted controller) the container's cgroup will have: planned
/// before any is created, so they can be recorded first and removed after a crash.
pub fn paths(cgroups_path: Option<&Path>, tag: &str, id: &str) -> Result<Vec<PathBuf>, ExecError> {
    let rel = match cgroups_path {
        Some(p) if !p.as_os_str().is_empty() => {
            let s = p.to_string_lossy();
            if s.contains(':') {
                return Err(ExecError::Unsupported(format!(
                    "systemd cgroupsPath {s:?} (no systemd on this host: use a path)"
                )));
            }
            let rel = PathBuf::from(s.trim_start_matches('/'));
            // Only plain components: `..` would leave the hierarchy (and make `delete`
            // remove a directory outside it).
            if !rel
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
            {
                return Err(ExecError::Unsupported(format!(
                    "cgroupsPath {s:?}: only plain path components"
                )));
            }
            rel
        }
        _ => PathBuf::from("secctx").join(format!("{tag}_{id}")),
    };
    Ok(CONTROLLERS
        .iter()
        .map(|c| Path::new(BASE).join(c))
        .filter(|h| h.join("cgroup.procs").exists())
        .map(|h| h.join(&rel))
        .collect())
}

/// Creates the container's cgroup directories `dirs` (from [`paths`]) and writes its limits.
pub fn create(
    dirs: &[PathBuf],
    resources: Option<&LinuxResources>,
    devices: &[oci_spec::runtime::LinuxDevice],
) -> Result<(), ExecError> {
    let extra_devices: Vec<String> = devices
        .iter()
        .map(|d| {
            let t = match d.typ() {
                oci_spec::runtime::LinuxDeviceType::B => "b",
                _ => "c",
            };
            format!("{t} {}:{} rwm", d.major(), d.minor())
        })
        .collect();
    if let Some(r) = resources {
        refuse_unsupported(r)?;
    }
    for dir in dirs {
        std::fs::create_dir_all(dir).map_err(|e| ExecError::io(dir.display().to_string(), e))?;
    }
    let res = resources.cloned().unwrap_or_default();
    for dir in dirs {
        let controller = dir
            .strip_prefix(BASE)
            .ok()
            .and_then(|p| p.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        match controller.as_str() {
            "devices" => {
                if let Some(rules) = res.devices() {
                    for rule in rules {
                        write(dir, device_file(rule), &device_rule(rule))?;
                    }
                }
                // After the spec's rules, the devices every container gets (the nodes the
                // executor creates in /dev, mknod of any node, ptys), as runc and crun add.
                for rule in DEFAULT_ALLOW {
                    write(dir, "devices.allow", rule)?;
                }
                for d in &extra_devices {
                    write(dir, "devices.allow", d)?;
                }
            }
            "pids" => {
                if let Some(p) = res.pids() {
                    let limit = p.limit();
                    let v = if limit > 0 {
                        limit.to_string()
                    } else {
                        "max".into()
                    };
                    write(dir, "pids.max", &v)?;
                }
            }
            "memory" => {
                if let Some(limit) = res.memory().as_ref().and_then(|m| m.limit()) {
                    write(dir, "memory.limit_in_bytes", &limit.to_string())?;
                }
            }
            "cpu" => {
                if let Some(cpu) = res.cpu() {
                    if let Some(s) = cpu.shares() {
                        write(dir, "cpu.shares", &s.to_string())?;
                    }
                    if let Some(p) = cpu.period() {
                        write(dir, "cpu.cfs_period_us", &p.to_string())?;
                    }
                    if let Some(q) = cpu.quota() {
                        write(dir, "cpu.cfs_quota_us", &q.to_string())?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn refuse_unsupported(r: &LinuxResources) -> Result<(), ExecError> {
    let mut unsupported = Vec::new();
    if let Some(m) = r.memory()
        && (m.reservation().is_some() || m.swap().is_some() || m.kernel().is_some())
    {
        unsupported.push("memory reservation/swap/kernel");
    }
    if let Some(c) = r.cpu()
        && (c.cpus().is_some() || c.mems().is_some() || c.realtime_runtime().is_some())
    {
        unsupported.push("cpuset/realtime");
    }
    if r.block_io().is_some() {
        unsupported.push("blockIO");
    }
    if r.hugepage_limits().as_ref().is_some_and(|h| !h.is_empty()) {
        unsupported.push("hugepageLimits");
    }
    if r.network().is_some() {
        unsupported.push("network");
    }
    if r.rdma().as_ref().is_some_and(|h| !h.is_empty()) {
        unsupported.push("rdma");
    }
    if r.unified().as_ref().is_some_and(|h| !h.is_empty()) {
        unsupported.push("unified");
    }
    if unsupported.is_empty() {
        Ok(())
    } else {
        Err(ExecError::Unsupported(format!(
            "linux.resources: {}",
            unsupported.join(", ")
        )))
    }
}

fn device_file(rule: &LinuxDeviceCgroup) -> &'static str {
    if rule.allow() {
        "devices.allow"
    } else {
        "devices.deny"
    }
}

/// `c 1:3 rwm` as the v1 devices controller reads it.
pub fn device_rule(rule: &LinuxDeviceCgroup) -> String {
    let typ = match rule.typ() {
        Some(LinuxDeviceType::C) | Some(LinuxDeviceType::U) => "c",
        Some(LinuxDeviceType::B) => "b",
        _ => "a",
    };
    let num = |n: Option<i64>| {
        n.filter(|n| *n >= 0)
            .map_or("*".to_string(), |n| n.to_string())
    };
    let access = rule.access().clone().unwrap_or_else(|| "rwm".into());
    format!("{typ} {}:{} {access}", num(rule.major()), num(rule.minor()))
}

fn write(dir: &Path, file: &str, value: &str) -> Result<(), ExecError> {
    let path = dir.join(file);
    std::fs::write(&path, value)
        .map_err(|e| ExecError::io(format!("{} <- {value:?}", path.display()), e))
}

/// Moves the calling process into the directories (writes `0` to each `cgroup.procs`).
pub fn join_self(dirs: &[PathBuf]) -> std::io::Result<()> {
    for dir in dirs {
        std::fs::write(dir.join("cgroup.procs"), "0")?;
    }
    Ok(())
}

/// The pids still in the container's cgroups.
pub fn procs(dirs: &[PathBuf]) -> Vec<i32> {
    let mut pids: Vec<i32> = dirs
        .iter()
        .filter_map(|d| std::fs::read_to_string(d.join("cgroup.procs")).ok())
        .flat_map(|s| {
            s.lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect::<Vec<_>>()
        })
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// Removes the directories (they must be empty of processes).
pub fn remove(dirs: &[PathBuf]) -> Result<(), ExecError> {
    for dir in dirs {
        match std::fs::remove_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ExecError::io(dir.display().to_string(), e)),
        }
    }
    Ok(())
}
