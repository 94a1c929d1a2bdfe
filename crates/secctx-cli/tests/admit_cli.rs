//! `secctx admit` over the three seed use cases of examples/admission (issue 12): the SCC
//! chosen, the values admission sets from the namespace range, exit codes, `-o json`
//! AdmissionReview responses and `-o yaml` manifests that `secctx check` reads back.

mod common;

use common::secctx;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn admit(args: &[&str]) -> (i32, String, String) {
    let out = secctx()
        .current_dir(root())
        .arg("admit")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The command of an example's README line.
fn readme_args(dir: &str) -> Vec<String> {
    let text = std::fs::read_to_string(
        root()
            .join("examples/admission")
            .join(dir)
            .join("README.md"),
    )
    .unwrap();
    let cmd = text.split('`').nth(1).expect("a command in backquotes");
    let mut words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
    assert_eq!(words.remove(0), "secctx");
    assert_eq!(words.remove(0), "admit");
    words
}

fn run_example(dir: &str, extra: &[&str]) -> (i32, String, String) {
    let args = readme_args(dir);
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend_from_slice(extra);
    admit(&all)
}

#[test]
fn use_case_1_one_app() {
    let (code, out, err) = run_example("1-one-app", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "Pod shop/shop-web: admitted by SCC shop-app (usable by the pod's service account)"
        ),
        "{out}"
    );
    assert!(out.contains("set spec.containers[0].securityContext.runAsUser: unset -> 5000 <- from SCC shop-app runAsUser.uid"), "{out}");
    assert!(
        out.contains("set spec.securityContext.seLinuxOptions: unset -> {level: \"s0:c12,c3\"}"),
        "{out}"
    );
    assert!(
        out.contains("capabilities.drop: unset -> [\"CHOWN\", \"MKNOD\"]"),
        "{out}"
    );
    // Enforce is baseline; warn stays at the default restricted, which wants drop ALL.
    assert!(out.contains("Pod Security after admission: would violate PodSecurity \"restricted:latest\": unrestricted capabilities"), "{out}");
}

#[test]
fn use_case_2_many_apps_pass_restricted() {
    let (code, out, err) = run_example("2-many-apps", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Pod team-a/api: admitted by SCC restricted-v2"),
        "{out}"
    );
    assert!(out.contains("runAsUser: unset -> 1000000000 <- from namespace annotation openshift.io/sa.scc.uid-range"), "{out}");
    assert!(
        out.contains("Deployment team-b/worker: admitted by SCC restricted-v2"),
        "{out}"
    );
    assert!(out.contains("runAsUser: unset -> 1000010000 <- from namespace annotation openshift.io/sa.scc.uid-range"), "{out}");
    assert!(out.contains("seLinuxOptions: unset -> {level: \"s0:c3,c2\"} <- from namespace annotation openshift.io/sa.scc.mcs"), "{out}");
    // The admitted manifests pass `secctx check --level restricted` (bar 3, last sentence).
    let (code, yaml, err) = run_example("2-many-apps", &["-o", "yaml"]);
    assert_eq!(code, 0, "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("admitted.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let out = secctx()
        .args(["check", "--level", "restricted"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{yaml}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn use_case_3_paas() {
    let (code, out, err) = run_example("3-paas", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "Pod tenant-68/app: admitted by SCC tenant-userns (usable by the pod's service account)"
        ),
        "{out}"
    );
    // Inside a user namespace only 65536 ids map: the SCC's 1000-65534, the MCS level from
    // the namespace.
    for line in [
        "set spec.securityContext.supplementalGroups: unset -> [1000] <- from SCC tenant-userns supplementalGroups.ranges[0].min",
        "set spec.securityContext.fsGroup: unset -> 1000 <- from SCC tenant-userns fsGroup.ranges[0].min",
        "set spec.containers[0].securityContext.runAsUser: unset -> 1000 <- from SCC tenant-userns runAsUser.uidRangeMin",
        "set spec.securityContext.seLinuxOptions: unset -> {level: \"s0:c26,c15\"} <- from namespace annotation openshift.io/sa.scc.mcs",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    assert!(out.contains("Pod tenant-68/fix-ownership: admitted by SCC tenant-storage-admin (usable by the pod's service account)"), "{out}");
    // Without hostUsers: false, the tenant SCCs refuse the pod.
    let dir = tempfile::tempdir().unwrap();
    let pods = std::fs::read_to_string(root().join("examples/admission/3-paas/pods.yaml")).unwrap();
    let file = dir.path().join("pods.yaml");
    std::fs::write(&file, pods.replacen("  hostUsers: false\n", "", 1)).unwrap();
    let (code, out, _) = admit(&[
        file.to_str().unwrap(),
        "--namespace-file",
        "examples/admission/3-paas/namespace.yaml",
        "--scc",
        "examples/admission/3-paas/sccs.yaml",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("provider tenant-userns: .spec.hostUsers: Invalid value: null: Host Users must be set to false"), "{out}");
}

#[test]
fn json_is_an_admission_review_with_a_base64_patch() {
    let (code, out, err) = run_example("2-many-apps", &["-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &v[0]["review"];
    assert_eq!(r["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(r["kind"], "AdmissionReview");
    assert_eq!(r["response"]["allowed"], true);
    assert_eq!(r["response"]["patchType"], "JSONPatch");
    let patch = r["response"]["patch"].as_str().unwrap();
    assert!(
        patch
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
    );
}

#[test]
fn denial_exits_1_with_a_forbidden_status() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: adm-cli-root, namespace: adm-cli}\nspec:\n  containers:\n  - name: c\n    image: i\n    securityContext: {privileged: true}\n",
    )
    .unwrap();
    let (code, out, _) = admit(&[file.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let resp = &v[0]["review"]["response"];
    assert_eq!(resp["allowed"], false);
    assert_eq!(resp["status"]["code"], 403);
    assert_eq!(resp["status"]["reason"], "Forbidden");
    let msg = resp["status"]["message"].as_str().unwrap();
    assert!(msg.starts_with("pods \"adm-cli-root\" is forbidden: unable to validate against any security context constraint: [provider \"anyuid\": Forbidden: not usable by user or serviceaccount, provider restricted-v2: .containers[0].privileged: Invalid value: true: Privileged containers are not allowed"), "{msg}");
}

/// Use case 3's storage-admin service account is granted its SCC by a RoleBinding of
/// tenant-68 (RBAC verb `use`): the same binding in another namespace grants nothing there.
#[test]
fn rbac_role_binding_grants_only_in_its_namespace() {
    let (code, out, err) = run_example("3-paas", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Pod tenant-68/fix-ownership: admitted by SCC tenant-storage-admin (usable by the pod's service account)"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let sccs = std::fs::read_to_string(root().join("examples/admission/3-paas/sccs.yaml")).unwrap();
    let moved = sccs.replace(
        "name: storage-admin-uses-tenant-storage-admin\n  namespace: tenant-68",
        "name: storage-admin-uses-tenant-storage-admin\n  namespace: elsewhere",
    );
    assert_ne!(moved, sccs, "the example's RoleBinding is in tenant-68");
    let file = dir.path().join("sccs.yaml");
    std::fs::write(&file, moved).unwrap();
    let (code, out, _) = admit(&[
        "examples/admission/3-paas/pods.yaml",
        "--namespace-file",
        "examples/admission/3-paas/namespace.yaml",
        "--scc",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("passed over tenant-storage-admin:\n    provider \"tenant-storage-admin\": Forbidden: not usable by user or serviceaccount"), "{out}");
    assert!(
        !out.contains("fix-ownership: admitted by SCC tenant-storage-admin"),
        "{out}"
    );
}
