//! `secctx oci` over every example pod: a snapshot of each container's config.json, and the
//! agreement bar: process.user and the capability lists are what `secctx explain -o json`
//! says (uid, gid, groups; bounding/effective/permitted and the CapBnd/CapPrm/CapEff sets).

mod common;

use common::{image_args, secctx, shared};
use secctx_core::caps::CapSet;
use serde_json::{Value, json};

/// The example pods, sorted.
fn examples() -> Vec<String> {
    let mut pods: Vec<String> = std::fs::read_dir(shared().join("examples/pods"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pods.sort();
    pods
}

/// Node options per example: the AppArmor/SELinux example is rendered for a node that has
/// both (on the default node the kubelet rejects it), with a seccomp root holding its
/// Localhost profile.
fn node_args(manifest: &str, seccomp_root: &std::path::Path) -> Vec<String> {
    if manifest.contains("apparmor") {
        vec![
            "--apparmor".into(),
            "--selinux".into(),
            "--seccomp-root".into(),
            seccomp_root.display().to_string(),
        ]
    } else {
        Vec::new()
    }
}

fn explain(path: &str, node: &[String]) -> Value {
    let out = secctx()
        .args(["explain", "-o", "json", path])
        .args(image_args())
        .args(node)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn set_hex(names: &[String]) -> String {
    CapSet::from_names(names.iter().map(String::as_str)).to_string()
}

#[test]
fn oci_snapshots_and_agreement_with_explain() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("my-profiles")).unwrap();
    std::fs::write(
        root.path().join("my-profiles/profile-allow.json"),
        r#"{"defaultAction": "SCMP_ACT_LOG"}"#,
    )
    .unwrap();
    let mut rendered = 0;
    for manifest in examples() {
        let path = format!("../shared/examples/pods/{manifest}");
        let node = node_args(&manifest, root.path());
        let ex = explain(&path, &node);
        for c in ex["pods"][0]["containers"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap();
            let out = secctx()
                .args(["oci", &path, "--container", name])
                .args(image_args())
                .args(&node)
                .output()
                .unwrap();
            let stdout = String::from_utf8(out.stdout).unwrap();
            let stderr = String::from_utf8(out.stderr).unwrap();
            let snap = format!("{}__{name}", manifest.trim_end_matches(".yaml"));
            if !out.status.success() {
                assert_eq!(out.status.code(), Some(2), "{snap}: {stderr}");
                insta::assert_snapshot!(snap.clone(), stderr);
                continue;
            }
            insta::assert_snapshot!(snap.clone(), stdout);
            let v: Value = serde_json::from_str(&stdout).unwrap();

            // process.user == identity (status user: uid, gid, sorted groups with the primary).
            let id = &c["identity"];
            let mut user = json!({"uid": id["uid"]["value"], "gid": id["gid"]["value"]});
            if !id["groups"]["gids"].as_array().unwrap().is_empty() {
                user["additionalGids"] = id["groups"]["gids"].clone();
            }
            assert_eq!(v["process"]["user"], user, "{snap}");
            if !c["statusUser"].is_null() {
                assert_eq!(
                    v["process"]["user"]["additionalGids"], c["statusUser"]["supplementalGroups"],
                    "{snap}"
                );
            }

            // Capability lists and the /proc sets explain derives from them.
            let caps = &v["process"]["capabilities"];
            for k in [
                "bounding",
                "effective",
                "permitted",
                "inheritable",
                "ambient",
            ] {
                assert_eq!(list(&caps[k]), list(&c["ociCaps"][k]), "{snap} {k}");
            }
            let proc = &c["caps"]["value"];
            assert_eq!(
                set_hex(&list(&caps["bounding"])),
                proc["bnd"],
                "{snap} CapBnd"
            );
            if v["process"]["user"]["uid"] == 0 {
                assert_eq!(
                    set_hex(&list(&caps["permitted"])),
                    proc["prm"],
                    "{snap} CapPrm"
                );
                assert_eq!(
                    set_hex(&list(&caps["effective"])),
                    proc["eff"],
                    "{snap} CapEff"
                );
            }
            // noNewPrivileges and seccomp presence agree too.
            assert_eq!(
                v["process"]["noNewPrivileges"].as_bool().unwrap_or(false),
                c["noNewPrivs"]["value"].as_bool().unwrap(),
                "{snap} NoNewPrivs"
            );
            assert_eq!(
                v["linux"].get("seccomp").is_some(),
                c["seccomp"]["procMode"] == 2,
                "{snap} Seccomp"
            );
            rendered += 1;
        }
    }
    assert!(rendered >= 10, "rendered {rendered} containers");
}

#[test]
fn errors_exit_2_with_the_position() {
    let out = secctx()
        .args(["oci", "examples/pods/security-context-3.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "error: examples/pods/security-context-3.yaml:7:5: cannot render process.user: uid:"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("--image gcr.io/google-samples/hello-app:2.0=PATH"),
        "{stderr}"
    );

    let out = secctx()
        .args([
            "oci",
            "examples/pods/security-context.yaml",
            "--container",
            "nope",
        ])
        .args(image_args())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no container \"nope\""), "{stderr}");
}

#[test]
fn localhost_profile_missing_is_containerds_error() {
    let out = secctx()
        .args([
            "oci",
            "examples/pods/seccomp-apparmor-selinux.yaml",
            "--container",
            "container-2",
            "--apparmor",
            "--seccomp-root",
            "/nonexistent/seccomp",
        ])
        .args(image_args())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "seccomp-apparmor-selinux.yaml:22:7: failed to generate seccomp spec opts: cannot load seccomp profile \"/nonexistent/seccomp/my-profiles/profile-allow.json\""
        ),
        "{stderr}"
    );
}

#[test]
fn help_teaches() {
    let out = secctx().args(["oci", "--help"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("config.json"), "{text}");
    assert!(text.contains("Examples:"), "{text}");
    assert!(text.contains("--container"), "{text}");
}

#[test]
fn sub_path_mounts_render_the_kubelets_bind_point() {
    // subPath and subPathExpr mounts were refused here while `run` dropped them; both now
    // render the kubelet's per-container bind point as the source.
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("subpath.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 1, runAsGroup: 1, supplementalGroupsPolicy: Strict}\n  volumes: [{name: v, emptyDir: {}}]\n  containers:\n  - name: c\n    image: i\n    command: [x]\n    volumeMounts:\n    - {name: v, mountPath: /v, subPath: s}\n    - {name: v, mountPath: /w, subPathExpr: $(POD_NAME)}\n",
    )
    .unwrap();
    let out = secctx().arg("oci").arg(&f).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let spec: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let source = |dest: &str| {
        spec["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["destination"] == dest)
            .map(|m| m["source"].as_str().unwrap().to_string())
    };
    assert_eq!(
        source("/v").as_deref(),
        Some("/var/lib/kubelet/pods/<pod-uid>/volume-subpaths/v/c/0")
    );
    assert_eq!(
        source("/w").as_deref(),
        Some("/var/lib/kubelet/pods/<pod-uid>/volume-subpaths/v/c/1")
    );
}
