//! Bar 1 (executor part): the same bundle run by `secctx bundle run` and by `crun run` gives
//! the same `id`, `/proc/self/status` security lines, mountinfo and file modes.

mod common;
mod executor_support;

use executor_support::*;
use serde_json::{Value, json};

const PROBE: &str = "id; cat /proc/self/status; echo ---; cat /proc/self/mountinfo; echo ---; \
    stat -c '%n %a %u %g' / /tmp /dev /dev/null /dev/zero /dev/shm /dev/pts /proc/kcore; \
    hostname; ulimit -n; umask; echo $HOME";

/// The status lines that describe security state (the rest is memory and scheduling).
const STATUS_KEYS: [&str; 18] = [
    "Name",
    "Umask",
    "Uid",
    "Gid",
    "Groups",
    "NStgid",
    "NSpid",
    "NSpgid",
    "NSsid",
    "SigBlk",
    "SigIgn",
    "CapInh",
    "CapPrm",
    "CapEff",
    "CapBnd",
    "CapAmb",
    "NoNewPrivs",
    "Seccomp",
];

fn normalise(out: &str, host_pid: bool) -> String {
    let mut lines = Vec::new();
    let mut section = 0;
    for line in out.lines() {
        if line == "---" {
            section += 1;
            lines.push(line.to_string());
            continue;
        }
        match section {
            0 => {
                let key = line.split(':').next().unwrap_or_default();
                if line.starts_with("uid=") || line.starts_with("exit=") {
                    lines.push(line.to_string());
                } else if STATUS_KEYS.contains(&key) || key == "Seccomp_filters" {
                    if host_pid && key.starts_with("NS") {
                        continue;
                    }
                    lines.push(line.split_whitespace().collect::<Vec<_>>().join(" "));
                }
            }
            1 => {
                // id parent maj:min root mountpoint options [optional...] - type source super
                let f: Vec<&str> = line.split_whitespace().collect();
                let Some(dash) = f.iter().position(|x| *x == "-") else {
                    continue;
                };
                let optional: Vec<String> = f[6..dash]
                    .iter()
                    .map(|o| o.split(':').next().unwrap_or_default().to_string())
                    .collect();
                lines.push(format!(
                    "{} {} {} [{}] {}",
                    f[3],
                    f[4],
                    f[5],
                    optional.join(","),
                    f[dash + 1..].join(" ")
                ));
            }
            _ => lines.push(line.to_string()),
        }
    }
    lines.join("\n")
}

fn with(mut base: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut base);
    base
}

fn configs() -> Vec<(&'static str, Value, bool)> {
    let probe = ["sh", "-c", PROBE];
    let base = || base_config(&probe);
    let caps = default_caps();
    // Every capability this host lets a root process have (CapBnd of the test process).
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let bnd = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .map(|v| u64::from_str_radix(v.trim(), 16).unwrap())
        .unwrap();
    let all: Vec<String> = secctx_core::caps::CAPABILITY_NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| bnd & (1 << i) != 0)
        .map(|(_, c)| c.to_string())
        .collect();
    vec![
        ("default", base(), false),
        (
            "runtime-default",
            with(base(), |c| c["linux"]["seccomp"] = runtime_default(&caps)),
            false,
        ),
        (
            "drop-all",
            with(base(), |c| {
                c["process"]["capabilities"] =
                    json!({"bounding": [], "effective": [], "permitted": []});
                c["linux"]["seccomp"] = runtime_default(&[]);
            }),
            false,
        ),
        (
            "add-caps",
            with(base(), |c| {
                let mut set = caps.clone();
                set.extend(["CAP_NET_ADMIN", "CAP_SYS_TIME"]);
                c["process"]["capabilities"] =
                    json!({"bounding": set, "effective": set, "permitted": set});
            }),
            false,
        ),
        (
            "non-root-groups",
            with(base(), |c| {
                c["process"]["user"] =
                    json!({"uid": 1000, "gid": 3000, "additionalGids": [3000, 4000, 5000]});
            }),
            false,
        ),
        (
            "nnp-non-root",
            with(base(), |c| {
                c["process"]["user"] = json!({"uid": 1000, "gid": 1000, "additionalGids": [1000]});
                c["process"]["noNewPrivileges"] = json!(true);
                c["linux"]["seccomp"] = runtime_default(&caps);
            }),
            false,
        ),
        (
            "nnp-root-runtime-default",
            with(base(), |c| {
                c["process"]["noNewPrivileges"] = json!(true);
                c["linux"]["seccomp"] = runtime_default(&caps);
            }),
            false,
        ),
        (
            "unconfined-non-root",
            with(base(), |c| {
                c["process"]["user"] = json!({"uid": 1000, "gid": 1000});
            }),
            false,
        ),
        (
            "read-only-root",
            with(base(), |c| c["root"]["readonly"] = json!(true)),
            false,
        ),
        (
            "proc-unmasked",
            with(base(), |c| {
                c["linux"]["maskedPaths"] = json!([]);
                c["linux"]["readonlyPaths"] = json!([]);
            }),
            false,
        ),
        (
            "userns",
            with(base(), |c| {
                c["linux"]["namespaces"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"type": "user"}));
                c["linux"]["uidMappings"] =
                    json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
                c["linux"]["gidMappings"] =
                    json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
                c["linux"]["seccomp"] = runtime_default(&caps);
            }),
            false,
        ),
        (
            "host-pid",
            with(base(), |c| {
                c["linux"]["namespaces"] = json!([{"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}]);
            }),
            true,
        ),
        (
            "sysctls",
            with(base(), |c| {
                c["linux"]["sysctl"] = json!({"net.ipv4.ip_unprivileged_port_start": "0", "kernel.shm_rmid_forced": "1"});
                c["process"]["args"] = json!([
                    "sh",
                    "-c",
                    format!(
                        "{PROBE}; cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shm_rmid_forced"
                    )
                ]);
            }),
            false,
        ),
        (
            "privileged",
            with(base(), |c| {
                c["process"]["capabilities"] =
                    json!({"bounding": all, "effective": all, "permitted": all});
                c["linux"]["maskedPaths"] = json!([]);
                c["linux"]["readonlyPaths"] = json!([]);
                c["mounts"][4]["options"] = json!(["nosuid", "noexec", "nodev", "rw"]);
            }),
            false,
        ),
        (
            "rlimits-umask",
            with(base(), |c| {
                c["process"]["rlimits"] =
                    json!([{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 512}]);
                c["process"]["user"]["umask"] = json!(0o077);
            }),
            false,
        ),
        (
            "ambient",
            with(base(), |c| {
                let set = ["CAP_NET_BIND_SERVICE"];
                c["process"]["user"] = json!({"uid": 1000, "gid": 1000});
                c["process"]["capabilities"] = json!({"bounding": set, "effective": set, "permitted": set, "inheritable": set, "ambient": set});
            }),
            false,
        ),
        (
            "host-network",
            with(base(), |c| {
                c["linux"]["namespaces"] =
                    json!([{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]);
                c["mounts"][4] = json!({"destination": "/sys", "type": "bind", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]});
            }),
            false,
        ),
    ]
}

#[test]
fn embedded_matches_crun() {
    let mut failures = Vec::new();
    let cases = configs();
    assert!(cases.len() >= 14);
    for (name, config, host_pid) in &cases {
        let b = bundle(name, config);
        let ours = text(&run_secctx(&b, &format!("d-{name}")));
        let theirs = text(&run_crun(&b, &format!("d-{name}")));
        let (o, t) = (normalise(&ours, *host_pid), normalise(&theirs, *host_pid));
        if o != t || !o.starts_with("exit=Some(0)") {
            let diff: Vec<String> = o
                .lines()
                .zip(t.lines())
                .filter(|(a, b)| a != b)
                .map(|(a, b)| format!("  secctx: {a}\n  crun:   {b}"))
                .take(8)
                .collect();
            failures.push(format!(
                "{name}: outputs differ ({} vs {} lines)\n{}\n--- secctx raw:\n{}",
                o.lines().count(),
                t.lines().count(),
                diff.join("\n"),
                ours.lines().take(3).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    println!(
        "differential: {} configs, {} differ",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
