//! A privileged container on a host whose root lacks some capability (this machine's root has
//! no CAP_SYS_RESOURCE): containerd gives it every capability *of its own process*
//! (`WithAllCurrentCapabilities`), and so does `secctx run`; `explain` predicts it from the
//! node's runtime capability set (`--node-caps`, or `--node-from-host`).

mod common;
mod pods_support;

use pods_support::{Env, by_container, text};

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: run-privileged-host-caps
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    securityContext:
      privileged: true
";

/// This process's `CapEff` (the tests run as root, like the runtime would).
fn host_cap_eff() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn privileged_gets_the_hosts_own_capabilities_and_explain_predicts_them() {
    let env = Env::new();
    let pod = env.write("privileged.yaml", POD);
    let host = host_cap_eff();

    let o = env.run(
        &pod,
        &[
            "--rm",
            "--command",
            "grep -E '^Cap(Eff|Bnd):' /proc/self/status",
        ],
    );
    assert!(o.status.success(), "run: {}", text(&o));
    let seen = by_container(&o);
    let lines = seen
        .get("c")
        .unwrap_or_else(|| panic!("no output: {}", text(&o)));
    for l in lines {
        let value = l.split_whitespace().nth(1).unwrap();
        assert_eq!(value, host, "{l} (host CapEff {host})");
    }

    // --node-from-host takes the runtime set from this process.
    let explained = env.explain(&pod);
    let caps = &explained["pods"][0]["containers"][0]["caps"]["value"];
    assert_eq!(caps["eff"], host.as_str(), "{caps}");
    assert_eq!(caps["bnd"], host.as_str(), "{caps}");

    // The same node given by hand, in text: the set and where it came from.
    let o = env
        .cmd()
        .args(["explain"])
        .arg(&pod)
        .args(["--image", "busybox:1.28", "--node-caps", &host])
        .output()
        .unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains(&format!("CapEff       {host}")),
        "CapEff not predicted as {host}:\n{t}"
    );
    assert!(
        t.contains(&format!(
            "<- node: privileged and ALL give the runtime's own capabilities {host}"
        )),
        "{t}"
    );
}

#[test]
fn bad_node_caps_is_a_usage_error() {
    let o = common::secctx()
        .args(["explain", "-", "--node-caps", "xyz"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let t = String::from_utf8_lossy(&o.stderr);
    assert!(t.contains("is not a capability set in hex"), "{t}");
}
