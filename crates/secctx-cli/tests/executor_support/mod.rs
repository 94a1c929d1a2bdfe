//! Shared by the executor tests: a busybox rootfs, a containerd-like config.json, and running
//! a bundle with `secctx bundle run` and with `crun run`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::{Value, json};

/// The secctx binary under test.
pub fn secctx_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_secctx"))
}

/// Fails (never skips) when something the tests need is missing.
pub fn require(path: &str, why: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing ({why}); install it (scripts/lib/packages.sh)"
    );
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata("/proc/self").unwrap().uid(),
        0,
        "the executor tests must run as root (CI is root)"
    );
}

/// A busybox-static rootfs with one symlink per applet, `/etc/passwd`, `/etc/group`, and a
/// setuid-root copy of busybox at `/bin/suid-busybox`. Built once per test binary.
pub fn rootfs() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        require("/bin/busybox", "Debian busybox-static");
        let dir = std::env::temp_dir().join(format!("secctx-exec-rootfs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for d in [
            "bin",
            "proc",
            "sys",
            "dev",
            "etc",
            "tmp",
            "root",
            "home/user",
        ] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        std::fs::copy("/bin/busybox", dir.join("bin/busybox")).unwrap();
        let list = Command::new("/bin/busybox").arg("--list").output().unwrap();
        for applet in String::from_utf8_lossy(&list.stdout).lines() {
            if applet != "busybox" {
                let _ = std::os::unix::fs::symlink("busybox", dir.join("bin").join(applet));
            }
        }
        std::fs::copy("/bin/busybox", dir.join("bin/suid-busybox")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("bin/suid-busybox"),
            std::fs::Permissions::from_mode(0o4755),
        )
        .unwrap();
        std::fs::set_permissions(dir.join("tmp"), std::fs::Permissions::from_mode(0o1777)).unwrap();
        std::fs::write(
            dir.join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("etc/group"),
            "root:x:0:\nuser:x:1000:\nextra:x:4000:\n",
        )
        .unwrap();
        dir
    })
}

/// containerd's default capabilities.
pub fn default_caps() -> Vec<&'static str> {
    secctx_core::caps::CONTAINERD_DEFAULT_CAPS.to_vec()
}

/// containerd's RuntimeDefault profile for a bounding set, as config.json JSON.
pub fn runtime_default(bounding: &[&str]) -> Value {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let kernel = secctx_core::seccomp::KernelVersion::parse_release(release.trim()).ok();
    let profile = secctx_core::seccomp::runtime_default(
        bounding,
        secctx_core::seccomp::GoArch::Amd64,
        kernel,
    );
    serde_json::to_value(profile).unwrap()
}

/// A config.json as containerd's CRI plugin writes it for a default container.
pub fn base_config(args: &[&str]) -> Value {
    let caps = default_caps();
    json!({
        "ociVersion": "1.0.2",
        "process": {
            "user": {"uid": 0, "gid": 0, "additionalGids": [0]},
            "args": args,
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
            "cwd": "/",
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
            "noNewPrivileges": false,
            "oomScoreAdj": 1000
        },
        "root": {"path": "rootfs"},
        "hostname": "pod",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}
        ],
        "linux": {
            "resources": {"devices": [{"allow": false, "access": "rwm"}]},
            "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}],
            "maskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        }
    })
}

/// Writes a bundle (config + a bind of the shared rootfs) into a fresh directory.
pub fn bundle(name: &str, config: &Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("secctx-exec-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(rootfs(), dir.join("rootfs")).unwrap();
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_vec_pretty(config).unwrap(),
    )
    .unwrap();
    dir
}

/// `secctx bundle run` with a private state root, in the same environment as [`run_crun`].
pub fn run_secctx(bundle: &Path, id: &str) -> Output {
    without_cgroup2_mount(&format!(
        "exec {} bundle run --root {} --id {id} {}",
        secctx_bin().display(),
        state_root("secctx").display(),
        bundle.display()
    ))
}

/// `crun run`, in the environment of [`without_cgroup2_mount`].
pub fn run_crun(bundle: &Path, id: &str) -> Output {
    require("/usr/bin/crun", "Debian crun");
    without_cgroup2_mount(&format!(
        "exec crun --root {} run --bundle {} {id}",
        state_root("crun").display(),
        bundle.display()
    ))
}

/// `sh -c SCRIPT` as [`crate::common::without_cgroup2_mount`] runs it.
fn without_cgroup2_mount(script: &str) -> Output {
    crate::common::without_cgroup2_mount(script)
        // Not /dev/null: crun fchowns its stdio to the container user, which would chown the
        // host's /dev/null.
        .stdin(std::process::Stdio::piped())
        .output()
        .unwrap()
}

/// A state root per runtime and test process.
pub fn state_root(which: &str) -> PathBuf {
    std::env::temp_dir().join(format!("secctx-exec-state-{which}-{}", std::process::id()))
}

/// stdout as text, with the exit status and stderr on failure.
pub fn text(o: &Output) -> String {
    format!(
        "exit={:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
