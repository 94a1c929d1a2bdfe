//! Bar 2: escape attempts from a default-confined container (containerd's default
//! capabilities, RuntimeDefault seccomp, masked and read-only /proc paths, own pid namespace),
//! each of which must be blocked, then every host-escape class of `escape/` (images, pod specs,
//! container processes racing host-side work). Prints "escape attempts: N tried, N blocked".
//! `SECCTX_ESCAPE_ONLY=NAME` runs only the `escape/` classes whose name contains NAME.

mod common;
mod escape;
mod executor_support;
mod pods_support;

use std::process::Command;

use executor_support::*;
use serde_json::{Value, json};

const HELPER: &str = r#"
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long r = -1;
    if (argc < 2) return 2;
    if (!strcmp(argv[1], "unshare")) r = unshare(CLONE_NEWUSER | CLONE_NEWNS);
    else if (!strcmp(argv[1], "mount")) r = mount("none", "/tmp", "tmpfs", 0, NULL);
    else if (!strcmp(argv[1], "keyctl")) r = syscall(SYS_keyctl, 0, -3, 1);
    if (r < 0) { printf("BLOCKED %s: %s\n", argv[1], strerror(errno)); return 0; }
    printf("ESCAPED %s\n", argv[1]);
    return 1;
}
"#;

/// Builds the syscall helper (static, so it runs in the busybox rootfs) into the rootfs.
fn helper() {
    require("/usr/bin/gcc", "gcc and libc6-dev build the escape helper");
    let dest = rootfs().join("bin/escape");
    if dest.exists() {
        return;
    }
    let src = std::env::temp_dir().join(format!("secctx-escape-{}.c", std::process::id()));
    std::fs::write(&src, HELPER).unwrap();
    let out = Command::new("gcc")
        .args(["-static", "-O1", "-o"])
        .arg(&dest)
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn confined(script: &str) -> Value {
    let mut c = base_config(&["sh", "-c", script]);
    c["linux"]["seccomp"] = runtime_default(&default_caps());
    c
}

#[test]
fn escapes_are_blocked() {
    helper();
    // Outlives every attempt (the escape/ classes take over a minute on a busy machine); it is
    // killed at the end, after the check that it is still alive.
    let host_sleep = Command::new("sleep").arg("3600").spawn().unwrap();
    let host_pid = host_sleep.id();
    let mut attempts: Vec<(&str, Value)> = vec![
        ("write to a read-only root", {
            let mut c = confined("touch /escape 2>/dev/null && echo ESCAPED || echo BLOCKED");
            c["root"]["readonly"] = json!(true);
            c
        }),
        ("setuid-root binary under no_new_privs", {
            let mut c =
                confined("[ \"$(/bin/suid-busybox id -u)\" = 0 ] && echo ESCAPED || echo BLOCKED");
            c["process"]["user"] = json!({"uid": 1000, "gid": 1000});
            c["process"]["noNewPrivileges"] = json!(true);
            c
        }),
        ("chown after drop ALL", {
            let mut c = confined(
                "touch /tmp/f; chown 1000 /tmp/f 2>/dev/null && echo ESCAPED || echo BLOCKED",
            );
            c["process"]["capabilities"] =
                json!({"bounding": [], "effective": [], "permitted": []});
            c["linux"]["seccomp"] = runtime_default(&[]);
            c
        }),
        (
            "unshare under RuntimeDefault",
            confined("/bin/escape unshare"),
        ),
        ("mount under RuntimeDefault", confined("/bin/escape mount")),
        (
            "keyctl under RuntimeDefault",
            confined("/bin/escape keyctl"),
        ),
        (
            "read /proc/kcore",
            confined(
                "[ -s /proc/kcore ] || [ -n \"$(head -c 16 /proc/kcore 2>/dev/null)\" ] && echo ESCAPED || echo BLOCKED",
            ),
        ),
        (
            "write /proc/sys",
            confined("echo 1 2>/dev/null > /proc/sys/kernel/sysrq && echo ESCAPED || echo BLOCKED"),
        ),
        (
            "see host processes",
            // The host runs `sleep 60` (spawned above); a container that sees it sees the host.
            confined(
                "grep -qx sleep /proc/[0-9]*/comm 2>/dev/null && echo ESCAPED || echo BLOCKED",
            ),
        ),
    ];
    let signal = format!("kill -9 {host_pid} 2>/dev/null && echo ESCAPED || echo BLOCKED");
    attempts.push(("signal a host process", confined(&signal)));

    if std::env::var_os("SECCTX_ESCAPE_ONLY").is_some() {
        attempts.clear();
    }
    let mut blocked = 0;
    let mut tried = attempts.len();
    let mut report = Vec::new();
    for (i, (name, config)) in attempts.iter().enumerate() {
        let b = bundle(&format!("escape-{i}"), config);
        let out = run_secctx(&b, &format!("escape-{i}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let ok = stdout.contains("BLOCKED") && !stdout.contains("ESCAPED");
        if ok {
            blocked += 1;
        }
        report.push(format!(
            "{} {name}: {}",
            if ok { "blocked" } else { "NOT BLOCKED" },
            text(&out).trim()
        ));
    }
    for class in escape::selected() {
        for o in (class.attempts)() {
            tried += 1;
            if o.blocked {
                blocked += 1;
            }
            report.push(format!(
                "{} {}: {}: {}",
                if o.blocked { "blocked" } else { "NOT BLOCKED" },
                class.name,
                o.name,
                o.detail.trim()
            ));
        }
    }
    let mut host_sleep = host_sleep;
    let alive = host_sleep.try_wait().unwrap().is_none();
    let _ = host_sleep.kill();
    let _ = host_sleep.wait();
    println!("{}", report.join("\n"));
    println!("escape attempts: {tried} tried, {blocked} blocked");
    assert!(alive, "the host process was killed from inside a container");
    assert_eq!(blocked, tried, "{}", report.join("\n"));
}
