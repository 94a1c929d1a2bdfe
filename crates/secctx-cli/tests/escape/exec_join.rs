//! Issue 17, defect 1 (CVE-2019-5736 / CVE-2016-9962 / CVE-2024-21626): a process in a running
//! container races `secctx exec`. It scans `/proc` for every process that is not the
//! container's own, opens its `/proc/<pid>/exe`, chmods it 04755 and writes to it through
//! `/proc/self/fd/N` (again and again, until after the exec'ing binary has exited), and creates
//! a file in every directory reachable as `/proc/<pid>/fd/N` (`racer.c`).
//!
//! `secctx exec` runs meanwhile, from a copy of the binary under test that nothing else runs
//! (so once it exits, its file is writable again) and from the binary under test itself, each
//! time holding fd 7 open on a host directory (a shell's `exec 7<dir`). Compared before and
//! after: the content and mode of both binaries, and the host directory's entries. Twice: with
//! the default capabilities, and with CAP_SYS_PTRACE added (which opens non-dumpable processes'
//! `/proc` entries, so only a sealed binary and closed descriptors stop it).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Outcome;
use crate::pods_support::{Env, text};

/// Exec runs per race: from the copy, then from the binary under test.
const EXECS_FROM_COPY: usize = 30;
const EXECS_FROM_BINARY: usize = 10;

pub fn attempts() -> Vec<Outcome> {
    let work = tempfile::Builder::new()
        .prefix("secctx-exec-join-")
        .tempdir()
        .unwrap();
    let tools = work.path().join("tools");
    std::fs::create_dir(&tools).unwrap();
    build_racer(&tools);
    let copy = work.path().join("secctx-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_secctx"), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = Env::new();
    let mut out = Vec::new();
    for (pod, ptrace) in [
        ("secctx-exec-join-race", false),
        ("secctx-exec-join-ptrace", true),
    ] {
        out.extend(race(&env, work.path(), &tools, &copy, pod, ptrace));
    }
    out
}

/// Compiles racer.c statically into `dir` (the container mounts it read-only).
fn build_racer(dir: &Path) {
    assert!(
        Path::new("/usr/bin/gcc").exists(),
        "/usr/bin/gcc is missing: the exec race needs gcc and libc6-dev (scripts/lib/packages.sh)"
    );
    let src = dir.join("racer.c");
    std::fs::write(&src, include_str!("racer.c")).unwrap();
    let o = Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(dir.join("racer"))
        .arg(&src)
        .output()
        .unwrap();
    assert!(o.status.success(), "gcc racer.c: {}", text(&o));
}

/// Content and mode of a file.
fn snapshot(p: &Path) -> (Vec<u8>, u32) {
    let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    (std::fs::read(p).unwrap(), mode)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `BIN exec POD -- true` with fd 7 open (not close-on-exec) on `hostdir`.
fn exec_holding_fd(env: &Env, bin: &Path, pod: &str, hostdir: &Path) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(r#"exec 7<"$1" || exit 99; shift; exec "$@""#)
        .arg("sh")
        .arg(hostdir)
        .arg(bin)
        .args(["exec", pod, "--", "true"])
        .env("SECCTX_ROOT", env.store())
        .env("SECCTX_STATE_DIR", env.state())
        .output()
        .unwrap()
}

fn race(
    env: &Env,
    work: &Path,
    tools: &Path,
    copy: &Path,
    pod: &str,
    ptrace: bool,
) -> Vec<Outcome> {
    let label = if ptrace {
        "with CAP_SYS_PTRACE"
    } else {
        "default capabilities"
    };
    let hostdir = work.join(format!("{pod}-hostdir"));
    std::fs::create_dir(&hostdir).unwrap();
    let _ = std::fs::remove_file(tools.join("stop"));
    let caps = if ptrace {
        "\n    securityContext: {capabilities: {add: [SYS_PTRACE]}}"
    } else {
        ""
    };
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {pod}}}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.28\n    command: [sleep, '1000']{caps}\n    volumeMounts: [{{name: tools, mountPath: /tools, readOnly: true}}]\n  volumes: [{{name: tools, hostPath: {{path: {}, type: Directory}}}}]\n",
        tools.display()
    );
    let file = env.write(&format!("{pod}.yaml"), &yaml);
    let o = env.run(&file, &["-d"]);
    if o.status.code() != Some(0) {
        let d = format!("pod did not start: {}", text(&o));
        return vec![
            Outcome::new(format!("exe of a racing exec ({label})"), false, d.clone()),
            Outcome::new(format!("caller's host dir fd ({label})"), false, d),
        ];
    }
    let real = PathBuf::from(env!("CARGO_BIN_EXE_secctx"));
    let before = (snapshot(copy), snapshot(&real));

    // The racer runs in the container through an exec of its own, until /tools/stop exists.
    let mut racer = env
        .cmd()
        .args(["exec", pod, "--", "/tools/racer", "300"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(racer.stdout.take().unwrap()).lines();
    let ready = lines.next().and_then(Result::ok);
    let mut failures = Vec::new();
    if ready.as_deref() == Some("ready") {
        for i in 0..EXECS_FROM_COPY + EXECS_FROM_BINARY {
            let bin = if i < EXECS_FROM_COPY { copy } else { &real };
            let o = exec_holding_fd(env, bin, pod, &hostdir);
            if o.status.code() != Some(0) {
                failures.push(text(&o));
            }
        }
    } else {
        failures.push(format!("racer did not start: {ready:?}"));
    }
    // Past the exit of the last exec from the copy: its file is no longer busy, so a held
    // descriptor could now open it for writing. Give the racer a few rounds of that.
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::fs::write(tools.join("stop"), b"").unwrap();
    let counts = lines.find_map(|l| l.ok().filter(|l| l.starts_with("seen=")));
    let _ = racer.kill();
    let _ = racer.wait();
    env.rm(pod);

    let after = (snapshot(copy), snapshot(&real));
    let counts = counts.unwrap_or_else(|| "racer printed no counts".into());
    let num = |k: &str| -> Option<u64> {
        counts
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
    };
    let seen = num("seen").unwrap_or(0);
    let execs_ok = failures.is_empty();
    let raced = seen > 0;
    let binaries_same = before.0 == after.0 && before.1 == after.1;
    let changed = |(b, m): &(Vec<u8>, u32), (b2, m2): &(Vec<u8>, u32)| {
        format!(
            "content {}, mode {:o} -> {:o}",
            if b == b2 { "same" } else { "CHANGED" },
            m,
            m2
        )
    };
    let exe_detail = format!(
        "{counts}; copy: {}; binary under test: {}{}{}",
        changed(&before.0, &after.0),
        changed(&before.1, &after.1),
        if raced {
            ""
        } else {
            "; the racer never saw an exec'ing process (no race took place)"
        },
        if execs_ok {
            String::new()
        } else {
            format!("; exec failed: {}", failures.join(" | "))
        },
    );
    let left = entries(&hostdir);
    let fd_detail = format!(
        "{counts}; host dir entries after: {left:?}{}",
        if raced {
            ""
        } else {
            "; the racer never saw an exec'ing process (no race took place)"
        }
    );
    vec![
        Outcome::new(
            format!("chmod/rewrite /proc/<pid>/exe of a racing exec ({label})"),
            binaries_same
                && num("chmod_ok") == Some(0)
                && num("write_ok") == Some(0)
                && raced
                && execs_ok,
            exe_detail,
        ),
        Outcome::new(
            format!("create through the exec caller's host dir fd ({label})"),
            left.is_empty() && num("created") == Some(0) && raced && execs_ok,
            fd_detail,
        ),
    ]
}
