//! Cgroups (v1 hierarchies, as on this host): one directory per controller, the devices
//! allow-list and every `linux.resources` field the host's controllers support, with runc's
//! file names and order ([`v1`]); the cgroup v2 files are rendered by [`v2`] (pure: this host
//! cannot run v2 controllers). What the host cannot apply is refused by field before any
//! directory is created.
//!
//! A container always joins `devices`, `pids`, `memory`, `cpu`, `cpuacct` and `freezer`; it
//! joins `cpuset`, `blkio`, `hugetlb`, `net_cls`, `net_prio` or `rdma` when its resources set
//! something there. New `cpuset` directories get their parent's cpus and mems (the kernel
//! leaves them empty, and an empty cpuset cannot be joined); a realtime runtime is granted to
//! the ancestors first (a child's `cpu.rt_runtime_us` cannot exceed its parent's). Kernel
//! memory limits are read back: kernels since 6.x accept and ignore them, and that is refused.
//! The cgroup v2 mount of the hybrid layout (`/sys/fs/cgroup/unified`) is not used.

pub mod v1;
pub mod v2;

use std::path::{Path, PathBuf};

use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType, LinuxResources};

use super::ExecError;

const BASE: &str = "/sys/fs/cgroup";
/// The controllers every container is placed in (each mounted as its own hierarchy, or
/// co-mounted with a symlink per name).
const ALWAYS: [&str; 6] = ["devices", "pids", "memory", "cpu", "cpuacct", "freezer"];
/// The controllers a container joins only when its resources use them.
const ON_DEMAND: [&str; 6] = ["cpuset", "blkio", "hugetlb", "net_cls", "net_prio", "rdma"];

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

/// The host's v1 hierarchies under `/sys/fs/cgroup`.
struct ThisHost;

impl v1::Host for ThisHost {
    fn has(&self, controller: &str, file: &str) -> bool {
        let h = Path::new(BASE).join(controller);
        h.join("cgroup.procs").exists() && (file.is_empty() || h.join(file).exists())
    }
}

/// The v1 writes for `r` on this host, or the refusal naming the field.
pub fn plan(r: &LinuxResources) -> Result<Vec<v1::Write>, ExecError> {
    v1::writes(r, &ThisHost)
}

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

/// The container's cgroup, relative to each hierarchy: `cgroupsPath` (plain components
/// only), or `secctx/<tag>_<id>`.
pub fn relative(cgroups_path: Option<&Path>, tag: &str, id: &str) -> Result<PathBuf, ExecError> {
    Ok(match cgroups_path {
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
    })
}

/// The directories (one per mounted controller the container joins) the container's cgroup
/// will have: planned before any is created, so they can be recorded first and removed after
/// a crash. `resources` decides the on-demand controllers.
pub fn paths(
    cgroups_path: Option<&Path>,
    tag: &str,
    id: &str,
    resources: Option<&LinuxResources>,
) -> Result<Vec<PathBuf>, ExecError> {
    let rel = relative(cgroups_path, tag, id)?;
    let wanted: Vec<&str> = match resources {
        Some(r) => plan(r)?.iter().map(|w| w.controller).collect(),
        None => Vec::new(),
    };
    Ok(ALWAYS
        .iter()
        .chain(ON_DEMAND.iter().filter(|c| wanted.contains(c)))
        .map(|c| Path::new(BASE).join(c))
        .filter(|h| h.join("cgroup.procs").exists())
        .map(|h| h.join(&rel))
        .collect())
}

/// The directories of a cgroup `rel` in every mounted hierarchy a container may join (for a
/// parent cgroup, such as a pod's, that containers nest under).
pub fn all_paths(rel: &Path) -> Vec<PathBuf> {
    ALWAYS
        .iter()
        .chain(ON_DEMAND.iter())
        .map(|c| Path::new(BASE).join(c))
        .filter(|h| h.join("cgroup.procs").exists())
        .map(|h| h.join(rel))
        .collect()
}

fn controller_of(dir: &Path) -> String {
    dir.strip_prefix(BASE)
        .ok()
        .and_then(|p| p.components().next())
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Creates `dir` and its missing parents; in `cpuset`, each new directory gets its parent's
/// `cpuset.cpus` and `cpuset.mems`.
fn create_dir(dir: &Path) -> Result<(), ExecError> {
    std::fs::create_dir_all(dir).map_err(|e| ExecError::io(dir.display().to_string(), e))?;
    if controller_of(dir) != "cpuset" {
        return Ok(());
    }
    let root = Path::new(BASE).join("cpuset");
    let Ok(rel) = dir.strip_prefix(&root) else {
        return Ok(());
    };
    let mut parent = root.clone();
    for c in rel.components() {
        let d = parent.join(c);
        for f in ["cpuset.cpus", "cpuset.mems"] {
            let mine = std::fs::read_to_string(d.join(f)).unwrap_or_default();
            if mine.trim().is_empty() {
                let theirs = std::fs::read_to_string(parent.join(f))
                    .map_err(|e| ExecError::io(parent.join(f).display().to_string(), e))?;
                write(&d, f, theirs.trim())?;
            }
        }
        parent = d;
    }
    Ok(())
}

/// Writes the planned `writes` into `dirs` (each write goes to the directory of its
/// controller).
fn apply(dirs: &[PathBuf], writes: &[v1::Write]) -> Result<(), ExecError> {
    for w in writes {
        for dir in dirs.iter().filter(|d| controller_of(d) == w.controller) {
            if w.file == "cpu.rt_runtime_us" {
                grant_realtime(dir, &w.value)?;
            }
            write(dir, &w.file, &w.value)?;
            if w.file.starts_with("memory.kmem.") {
                let back = std::fs::read_to_string(dir.join(&w.file)).unwrap_or_default();
                if back.trim() != w.value && !(w.value == "-1" && back.trim().len() > 15) {
                    let field = if w.file.contains("tcp") {
                        "kernelTCP"
                    } else {
                        "kernel"
                    };
                    return Err(ExecError::Unsupported(format!(
                        "linux.resources.memory.{field}: this kernel accepts {} but does not apply it (read back {})",
                        w.file,
                        back.trim()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// A child's realtime bandwidth (runtime / period) cannot exceed its parent's: raise each
/// ancestor below the hierarchy root to at least the child's share of its own period, top
/// down. `dir`'s period is already written.
fn grant_realtime(dir: &Path, value: &str) -> Result<(), ExecError> {
    let num = |d: &Path, f: &str| -> i64 {
        std::fs::read_to_string(d.join(f))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    };
    let want: i64 = value.parse().unwrap_or(0);
    let period = num(dir, "cpu.rt_period_us").max(1);
    let root = Path::new(BASE).join("cpu");
    let mut chain: Vec<&Path> = dir.ancestors().skip(1).take_while(|a| *a != root).collect();
    chain.reverse();
    for a in chain {
        let theirs = num(a, "cpu.rt_period_us");
        let need =
            (i128::from(want) * i128::from(theirs) + i128::from(period) - 1) / i128::from(period);
        let need = i64::try_from(need).unwrap_or(i64::MAX);
        if num(a, "cpu.rt_runtime_us") < need {
            write(a, "cpu.rt_runtime_us", &need.to_string())?;
        }
    }
    Ok(())
}

/// Creates (or updates) a parent cgroup `rel`, such as a pod's, in every mounted hierarchy a
/// container may join, and writes `resources` (no device rules: the container's own are the
/// ones that count). Returns the directories.
pub fn create_parent(rel: &Path, resources: &LinuxResources) -> Result<Vec<PathBuf>, ExecError> {
    // Only plain components: `..` would create (and write limits into) a cgroup outside the
    // hierarchy, as for a container's cgroupsPath in [`paths`].
    if !rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        return Err(ExecError::Unsupported(format!(
            "cgroup {}: only plain path components",
            rel.display()
        )));
    }
    let writes = plan(resources)?;
    let dirs = all_paths(rel);
    for d in &dirs {
        create_dir(d)?;
    }
    apply(&dirs, &writes)?;
    Ok(dirs)
}

/// Refuses a cgroup `rel` that already exists in some hierarchy: a pod's own cgroup is named
/// by `metadata.uid`, which a manifest may set to another running pod's uid, and that pod's
/// limits (and containers) live there.
pub fn refuse_taken(rel: &Path) -> Result<(), ExecError> {
    if let Some(d) = all_paths(rel).into_iter().find(|d| d.exists()) {
        return Err(taken(&d));
    }
    Ok(())
}

fn taken(dir: &Path) -> ExecError {
    ExecError::io(
        dir.display().to_string(),
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "already exists: another pod with the same metadata.uid owns it (a pod's cgroup is its own)",
        ),
    )
}

/// [`create_parent`] for a cgroup that must be new (a pod's own): its last component is
/// made with an exclusive `mkdir` in every hierarchy, so two pods claiming one uid at the
/// same moment cannot both write their limits there.
pub fn create_own(rel: &Path, resources: &LinuxResources) -> Result<Vec<PathBuf>, ExecError> {
    if !rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        return Err(ExecError::Unsupported(format!(
            "cgroup {}: only plain path components",
            rel.display()
        )));
    }
    let writes = plan(resources)?;
    let dirs = all_paths(rel);
    for d in &dirs {
        if let Some(parent) = d.parent() {
            create_dir(parent)?;
        }
        std::fs::create_dir(d).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                taken(d)
            } else {
                ExecError::io(d.display().to_string(), e)
            }
        })?;
        // cpuset: the new directory gets its parent's cpus and mems.
        create_dir(d)?;
    }
    apply(&dirs, &writes)?;
    Ok(dirs)
}

/// Removes `dir` and then each parent that is left empty, up to (not including) `stop`;
/// a parent still holding children or processes stays.
pub fn remove_up(dir: &Path, stop: &Path) -> Result<(), ExecError> {
    match std::fs::remove_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ExecError::io(dir.display().to_string(), e)),
    }
    for a in dir.ancestors().skip(1) {
        if a == stop || !a.starts_with(stop) {
            break;
        }
        if std::fs::remove_dir(a).is_err() {
            break;
        }
    }
    Ok(())
}

/// How many processes the kernel's OOM killer killed in the cgroup (`oom_kill` of v1
/// `memory.oom_control`, or of v2 `memory.events`); `None` without a memory directory.
pub fn oom_kills(dirs: &[PathBuf]) -> Option<u64> {
    let dir = dirs.iter().find(|d| controller_of(d) == "memory")?;
    let text = std::fs::read_to_string(dir.join("memory.oom_control"))
        .or_else(|_| std::fs::read_to_string(dir.join("memory.events")))
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("oom_kill "))
        .and_then(|v| v.trim().parse().ok())
}

/// Creates the container's cgroup directories `dirs` (from [`paths`]) and writes its limits;
/// what the host cannot apply is refused before anything is created.
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
    let writes = match resources {
        Some(r) => plan(r)?,
        None => Vec::new(),
    };
    for dir in dirs {
        create_dir(dir)?;
    }
    if let Some(dir) = dirs.iter().find(|d| controller_of(d) == "devices") {
        if let Some(rules) = resources.and_then(|r| r.devices().as_ref()) {
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
    apply(dirs, &writes)
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
