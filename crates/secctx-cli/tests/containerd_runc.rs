//! Issue 18, bar 2: Debian's containerd drives secctx through its runc shim
//! (`io.containerd.runc.v2` with `BinaryName` = a `secctx-runc` link). A containerd with a
//! temporary root, state and socket imports a busybox image; `ctr run` runs containers
//! (default, `--cap-add`, `--privileged`, `--read-only`, and `--user 1000:1000` through
//! `ctr task exec`: ctr 1.6 has no `run --user`), each `/proc/self/status` is compared with
//! `secctx explain`'s prediction for the equivalent pod, then everything is killed and deleted
//! and no mount, process, cgroup or state directory may be left.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

/// A containerd of our own, stopped (and its directories removed) on drop.
struct Containerd {
    dir: tempfile::TempDir,
    child: Child,
}

impl Containerd {
    fn start() -> Containerd {
        for bin in ["containerd", "ctr", "containerd-shim-runc-v2"] {
            assert!(
                which(bin).is_some(),
                "{bin} is missing: install Debian's containerd (scripts/lib/packages.sh)"
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("secctx-ctd")
            .tempdir_in("/tmp")
            .unwrap();
        let d = dir.path();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_secctx"), d.join("secctx-runc")).unwrap();
        std::fs::write(
            d.join("config.toml"),
            format!(
                "version = 2\nroot = \"{0}/root\"\nstate = \"{0}/state\"\n\
                 disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
                 [grpc]\n  address = \"{0}/containerd.sock\"\n\
                 [ttrpc]\n  address = \"{0}/containerd.sock.ttrpc\"\n\
                 [debug]\n  address = \"{0}/debug.sock\"\n",
                d.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(d.join("containerd.log")).unwrap();
        let child = Command::new("containerd")
            .arg("--config")
            .arg(d.join("config.toml"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let c = Containerd { dir, child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !c.ctr(&["version"]).status.success() {
            assert!(
                Instant::now() < deadline,
                "containerd did not answer in 30 s: {}",
                c.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        c
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path().join("containerd.log")).unwrap_or_default()
    }

    fn ctr(&self, args: &[&str]) -> Output {
        Command::new("ctr")
            .arg("-a")
            .arg(self.path().join("containerd.sock"))
            .args(args)
            .output()
            .unwrap()
    }

    /// The runc shim's options as ctr sets them for `io.containerd.runc.v2` (`BinaryName`,
    /// `Root`; ctr 1.6 ignores --runtime-config-path for this runtime; under CRI the same
    /// keys go in plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options).
    fn runtime_flags(&self) -> Vec<String> {
        vec![
            "--runtime".into(),
            "io.containerd.runc.v2".into(),
            "--runc-binary".into(),
            self.path().join("secctx-runc").display().to_string(),
            "--runc-root".into(),
            self.path().join("runc").display().to_string(),
        ]
    }

    /// `ctr run --rm` with secctx as the runc binary; stdout on success.
    fn run(&self, flags: &[&str], id: &str, script: &str) -> String {
        let runtime = self.runtime_flags();
        let mut args = vec!["run", "--rm"];
        args.extend(runtime.iter().map(String::as_str));
        args.extend_from_slice(flags);
        args.extend_from_slice(&[IMAGE, id, "sh", "-c", script]);
        let out = self.ctr(&args);
        assert!(
            out.status.success(),
            "ctr run {flags:?} failed: {}{}\ncontainerd log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // containerd's snapshot mounts, if a failed test left any.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "grep -o ' {0}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l",
                self.path().display()
            ))
            .status();
    }
}

const IMAGE: &str = "docker.io/library/busybox:secctx-test";

fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .chain(["/usr/sbin", "/sbin"])
        .map(|d| Path::new(d).join(bin))
        .find(|p| p.is_file())
}

/// A busybox rootfs (static busybox, root in /etc/passwd) and its docker-archive tar.
fn image(dir: &Path) -> (PathBuf, PathBuf) {
    let busybox = which("busybox").expect("busybox is missing: install busybox-static");
    let rootfs = dir.join("rootfs");
    std::fs::create_dir_all(rootfs.join("bin")).unwrap();
    std::fs::create_dir_all(rootfs.join("etc")).unwrap();
    std::fs::copy(&busybox, rootfs.join("bin/busybox")).unwrap();
    for applet in ["sh", "cat", "grep", "id", "sleep", "touch", "true"] {
        std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
    }
    std::fs::write(rootfs.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(rootfs.join("etc/group"), "root:x:0:\n").unwrap();
    let tar = dir.join("busybox.tar");
    let out = common::secctx()
        .args(["image", "build", "--rootfs"])
        .arg(&rootfs)
        .args([
            "--tag",
            IMAGE,
            "--cmd",
            "sh",
            "--format",
            "docker-archive",
            "--output",
        ])
        .arg(&tar)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (rootfs, tar)
}

const PROBE: &str = "grep -E '^(Uid|Gid|Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/self/status";

/// The fields `PROBE` prints: name → value (Uid/Gid: the real id).
fn status_fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.to_string(), v.split_whitespace().next()?.to_string()))
        })
        .collect()
}

/// `secctx explain`'s prediction for a one-container pod with `security_context`: the same
/// fields as `status_fields`.
fn predicted(dir: &Path, rootfs: &Path, security_context: &str) -> Vec<(String, String)> {
    let pod = dir.join("pod.yaml");
    std::fs::write(
        &pod,
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    securityContext: {security_context}\n"
        ),
    )
    .unwrap();
    // privileged and ALL give exactly the runtime's own capabilities (containerd runs as
    // root in our own namespace: our CapEff).
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    let cap_eff = own
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .unwrap()
        .trim()
        .to_string();
    let out = common::secctx()
        .arg("explain")
        .arg(&pod)
        .arg("--image")
        .arg(format!("busybox={}", rootfs.display()))
        .args(["--node-caps", &cap_eff])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "explain: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut fields = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(k), Some(v)) = (words.next(), words.next()) else {
            continue;
        };
        match k {
            "id" => {
                // `id  uid=1000 gid=1000 groups=...` (a name in parentheses when known).
                let number = |s: &str| s.chars().take_while(char::is_ascii_digit).collect();
                for part in line.split_whitespace() {
                    if let Some(u) = part.strip_prefix("uid=") {
                        fields.push(("Uid".into(), number(u)));
                    } else if let Some(g) = part.strip_prefix("gid=") {
                        fields.push(("Gid".into(), number(g)));
                    }
                }
            }
            "CapInh" | "CapPrm" | "CapEff" | "CapBnd" | "CapAmb" | "NoNewPrivs" | "Seccomp" => {
                fields.push((k.into(), v.into()));
            }
            _ => {}
        }
    }
    assert_eq!(fields.len(), 9, "explain printed:\n{text}");
    fields
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

/// Everything a container `id` could have left on the host: mounts under containerd's
/// directories, processes in its cgroups, its cgroup directories, its secctx state.
fn leftovers(ctd: &Containerd, id: &str) -> Vec<String> {
    let mut found = Vec::new();
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    for l in info.lines().filter(|l| l.contains(id)) {
        found.push(format!("mount: {l}"));
    }
    for entry in std::fs::read_dir("/sys/fs/cgroup").unwrap().flatten() {
        let dir = entry.path().join("default").join(id);
        if dir.exists() {
            found.push(format!("cgroup: {}", dir.display()));
        }
    }
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cg = entry.path().join("cgroup");
        if let Ok(text) = std::fs::read_to_string(&cg)
            && text.lines().any(|l| l.ends_with(&format!("/default/{id}")))
        {
            found.push(format!("process: {}", entry.path().display()));
        }
    }
    if ctd.path().join("runc/default").join(id).exists() {
        found.push(format!("state: runc/default/{id}"));
    }
    found
}

#[test]
fn containerd_runs_secctx_as_its_runc() {
    let ctd = Containerd::start();
    let work = ctd.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let (rootfs, tar) = image(&work);
    let out = ctd.ctr(&["images", "import", tar.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "ctr images import: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // (ctr flags, id, the equivalent pod's securityContext). ctr sets noNewPrivileges unless
    // --allow-new-privs, and no seccomp profile: allowPrivilegeEscalation false, Unconfined.
    let unconfined = "seccompProfile: {type: Unconfined}";
    let cases: [(&[&str], &str, String); 4] = [
        (
            &[],
            "sx-default",
            format!("{{allowPrivilegeEscalation: false, {unconfined}}}"),
        ),
        (
            &["--cap-add", "CAP_SYS_ADMIN"],
            "sx-capadd",
            format!(
                "{{allowPrivilegeEscalation: false, capabilities: {{add: [SYS_ADMIN]}}, {unconfined}}}"
            ),
        ),
        (
            &["--privileged", "--allow-new-privs"],
            "sx-privileged",
            format!("{{privileged: true, {unconfined}}}"),
        ),
        (
            &["--read-only"],
            "sx-readonly",
            format!(
                "{{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, {unconfined}}}"
            ),
        ),
    ];
    for (flags, id, sc) in &cases {
        let script = if *id == "sx-readonly" {
            format!("{PROBE}; touch /x 2>&1 || true")
        } else {
            PROBE.to_string()
        };
        let out = ctd.run(flags, id, &script);
        let seen: Vec<_> = status_fields(&out)
            .into_iter()
            .filter(|(k, _)| k != "touch")
            .collect();
        assert_eq!(
            sorted(seen),
            sorted(predicted(&work, &rootfs, sc)),
            "ctr run {flags:?}: /proc/self/status inside against explain for {sc}:\n{out}"
        );
        if *id == "sx-readonly" {
            assert!(
                out.contains("Read-only file system"),
                "ctr run --read-only: the root was writable:\n{out}"
            );
        }
        assert_eq!(
            leftovers(&ctd, id),
            Vec::<String>::new(),
            "after ctr run --rm {id}"
        );
    }

    // --user 1000:1000: a detached container, a process exec'd into it as that user (the
    // shim's `runc exec --process --detach --pid-file`), then kill and delete.
    let runtime = ctd.runtime_flags();
    let mut args = vec!["run", "-d"];
    args.extend(runtime.iter().map(String::as_str));
    args.extend([IMAGE, "user", "sleep", "300"]);
    let out = ctd.ctr(&args);
    assert!(
        out.status.success(),
        "ctr run -d: {}{}",
        String::from_utf8_lossy(&out.stderr),
        ctd.log()
    );
    // It is secctx that runs it: secctx's state (with its monitor fields), not runc's.
    let state = std::fs::read_to_string(ctd.path().join("runc/default/user/state.json"))
        .expect("secctx's state for the container under the runc root");
    assert!(
        state.contains("\"monitorPid\""),
        "not secctx's state.json: {state}"
    );
    let out = ctd.ctr(&[
        "task",
        "exec",
        "--exec-id",
        "probe",
        "--user",
        "1000:1000",
        "user",
        "sh",
        "-c",
        PROBE,
    ]);
    assert!(
        out.status.success(),
        "ctr task exec --user 1000:1000: {}{}",
        String::from_utf8_lossy(&out.stderr),
        ctd.log()
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        sorted(status_fields(&text)),
        sorted(predicted(
            &work,
            &rootfs,
            &format!(
                "{{runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, {unconfined}}}"
            )
        )),
        "ctr task exec --user 1000:1000:\n{text}"
    );
    let ps = ctd.ctr(&["task", "ps", "user"]);
    assert!(
        ps.status.success(),
        "ctr task ps: {}",
        String::from_utf8_lossy(&ps.stderr)
    );
    let kill = ctd.ctr(&["task", "kill", "-s", "SIGKILL", "user"]);
    assert!(
        kill.status.success(),
        "{}",
        String::from_utf8_lossy(&kill.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let del = ctd.ctr(&["task", "delete", "user"]);
        if del.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "ctr task delete: {}",
            String::from_utf8_lossy(&del.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let del = ctd.ctr(&["container", "delete", "user"]);
    assert!(
        del.status.success(),
        "{}",
        String::from_utf8_lossy(&del.stderr)
    );
    assert_eq!(
        leftovers(&ctd, "user"),
        Vec::<String>::new(),
        "after kill + delete"
    );
    // And no secctx process (a monitor) is left behind.
    let me = std::process::id().to_string();
    let stray: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_str() != Some(&me))
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&ctd.path().display().to_string()) && c.contains("secctx-runc"))
        .collect();
    assert_eq!(stray, Vec::<String>::new(), "secctx processes left");
}
