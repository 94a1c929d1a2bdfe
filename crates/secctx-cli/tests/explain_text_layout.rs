//! `explain` text details a new user trips over: a long volume name keeps a space before its
//! type, the summary counts in the singular for one, and a file-level error names the file
//! without a made-up `:0:0:` position.

mod common;

use common::{secctx, with_stdin};

#[test]
fn long_volume_name_keeps_its_column_apart() {
    let pod = "apiVersion: v1
kind: Pod
metadata: {name: v}
spec:
  containers: [{name: c, image: busybox:1.28}]
  volumes: [{name: cni-plugin-dir, hostPath: {path: /opt/cni/bin}}]
";
    let o = with_stdin(secctx().args(["explain", "-"]), pod);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("  volume cni-plugin-dir hostPath "),
        "volume line:\n{out}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("explained 1 pod or workload from 1 file ("),
        "summary: {err}"
    );
}

#[test]
fn missing_file_is_named_without_a_position() {
    let o = secctx()
        .args(["explain", "/nonexistent/secctx-test.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error: /nonexistent/secctx-test.yaml: No such file or directory"),
        "{err}"
    );
    assert!(!err.contains(":0:0"), "{err}");
}
