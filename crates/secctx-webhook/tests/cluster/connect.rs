//! The client is made from a kubeconfig file without contacting the cluster, and a bad file
//! is reported with its path.

use secctx_webhook::cluster::connect::connect;

#[tokio::test]
async fn kubeconfig_file_gives_a_client_with_its_namespace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kubeconfig");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\ncontexts:\n- name: test\n  context:\n    cluster: c\n    user: u\n    namespace: secctx-system\nusers:\n- name: u\n  user:\n    token: abc\n",
    )
    .expect("write");
    let client = connect(Some(&path)).await.expect("client");
    assert_eq!(client.default_namespace(), "secctx-system");
}

#[tokio::test]
async fn unreadable_kubeconfig_names_the_file() {
    let Err(err) = connect(Some(std::path::Path::new("/nonexistent/kubeconfig"))).await else {
        panic!("a client from a file that does not exist");
    };
    assert!(
        err.to_string().starts_with("/nonexistent/kubeconfig: "),
        "{err}"
    );
}
