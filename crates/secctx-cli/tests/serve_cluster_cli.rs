//! `secctx serve` in cluster mode, as far as it can be run without a cluster: the flags that
//! select it, and its errors (exit 2, the file named).

mod common;

#[test]
fn cluster_mode_reports_an_unusable_kubeconfig() {
    let out = common::secctx()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert-file",
            "unused.crt",
            "--tls-private-key-file",
            "unused.key",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
        ])
        .output()
        .expect("secctx runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent/kubeconfig: "), "{stderr}");
}

#[test]
fn allocate_needs_a_cluster_not_files() {
    let out = common::secctx()
        .args([
            "serve",
            "--tls-cert-file",
            "a.crt",
            "--tls-private-key-file",
            "a.key",
            "--namespaces",
            "ns.yaml",
            "--allocate",
        ])
        .output()
        .expect("secctx runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the argument '--namespaces <FILE>' cannot be used with '--allocate'"),
        "{stderr}"
    );
}

#[test]
fn help_teaches_the_cluster_flags() {
    let out = common::secctx()
        .args(["serve", "--help"])
        .output()
        .expect("secctx runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--kubeconfig <FILE>",
        "--watch-sccs <WATCH_SCCS>",
        "--allocate",
        "--allocator-namespace <NAMESPACE>",
        "--identity <NAME>",
        "--lookup-timeout <DURATION>",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}
