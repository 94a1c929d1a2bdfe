//! The EXPECTED.md table of `shared/examples`, predicted from the example pods and the
//! stand-in images of `examples/images`.

use super::*;
use crate::image::{FileMeta, ImageFile, ImageInfo, parse_group, parse_passwd};
use crate::load::load_text;

fn image(dir: &str, mode: u32) -> ImageInfo {
    let read = |f: &str| {
        std::fs::read_to_string(format!(
            "{}/../../examples/images/{dir}/etc/{f}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let meta = Some(FileMeta {
        uid: 0,
        gid: 0,
        mode,
    });
    ImageInfo {
        source: format!("examples/images/{dir}"),
        user: String::new(),
        env: vec![],
        entrypoint: vec![],
        cmd: vec![],
        working_dir: String::new(),
        passwd: ImageFile::Present {
            entries: parse_passwd(&read("passwd")),
            meta,
        },
        group: ImageFile::Present {
            entries: parse_group(&read("group")),
            meta,
        },
    }
}

struct Row {
    id: Option<String>,
    prm: String,
    eff: String,
    bnd: String,
    nnp: bool,
    seccomp: u8,
}

fn resolve_example(file: &str) -> ResolvedPod {
    let busybox = image("busybox-1.28", 0o644);
    let agnhost = image("agnhost-2.45", 0o600);
    let hello = image("hello-app-2.0", 0o644);
    let text = std::fs::read_to_string(format!(
        "{}/../../examples/pods/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let loaded = load_text(file, &text);
    assert!(loaded.errors.is_empty());
    let w = loaded.workloads().next().unwrap();
    let images = |name: &str| -> Option<&ImageInfo> {
        match name {
            "busybox:1.28" => Some(&busybox),
            "registry.k8s.io/e2e-test-images/agnhost:2.45" => Some(&agnhost),
            "gcr.io/google-samples/hello-app:2.0" => Some(&hello),
            _ => None,
        }
    };
    resolve_pod(&w.pod_meta, &w.spec, &images, &NodeConfig::default())
}

fn row(c: &ResolvedContainer) -> Row {
    let caps = c.caps.get().unwrap();
    Row {
        id: c.id_line().map(|l| l.to_string()),
        prm: caps.prm.to_string(),
        eff: caps.eff.to_string(),
        bnd: caps.bnd.to_string(),
        nnp: *c.no_new_privs.get().unwrap(),
        seccomp: c.seccomp.proc_mode,
    }
}

fn check(file: &str, id: &str, prm: &str, eff: &str, bnd: &str, nnp: bool, seccomp: u8) {
    let pod = resolve_example(file);
    let r = row(&pod.containers[0]);
    assert_eq!(r.id.as_deref(), Some(id), "{file}");
    assert_eq!(
        (r.prm.as_str(), r.eff.as_str(), r.bnd.as_str()),
        (prm, eff, bnd),
        "{file}"
    );
    assert_eq!((r.nnp, r.seccomp), (nnp, seccomp), "{file}");
}

const Z: &str = "0000000000000000";
const DEF: &str = "00000000a80425fb";

#[test]
fn security_context() {
    check(
        "security-context.yaml",
        "uid=1000 gid=3000 groups=2000,3000,4000",
        Z,
        Z,
        DEF,
        true,
        0,
    );
    let pod = resolve_example("security-context.yaml");
    let v = &pod.volumes[0];
    assert_eq!(v.root.as_deref(), Some("drwxrwsrwx root 2000"));
    let u = pod.containers[0].status_user().unwrap();
    assert_eq!(
        (u.uid, u.gid, u.supplemental_groups.clone()),
        (1000, 3000, vec![2000, 3000, 4000])
    );
}

#[test]
fn security_context_2() {
    check(
        "security-context-2.yaml",
        "uid=2000 gid=0(root) groups=0(root)",
        Z,
        Z,
        DEF,
        true,
        0,
    );
}

#[test]
fn security_context_3() {
    check(
        "security-context-3.yaml",
        "uid=0(root) gid=0(root) groups=0(root)",
        DEF,
        DEF,
        DEF,
        false,
        0,
    );
}

#[test]
fn security_context_4() {
    let caps = "00000000aa0435fb";
    check(
        "security-context-4.yaml",
        "uid=0(root) gid=0(root) groups=0(root)",
        caps,
        caps,
        caps,
        false,
        0,
    );
}

#[test]
fn security_context_5_merge() {
    check(
        "security-context-5.yaml",
        "uid=1000 gid=3000 groups=3000,4000,50000",
        Z,
        Z,
        DEF,
        true,
        0,
    );
}

#[test]
fn security_context_6_strict() {
    check(
        "security-context-6.yaml",
        "uid=1000 gid=3000 groups=3000,4000",
        Z,
        Z,
        DEF,
        true,
        0,
    );
    let pod = resolve_example("security-context-6.yaml");
    let u = pod.containers[0].status_user().unwrap();
    assert_eq!(u.supplemental_groups, vec![3000, 4000]);
}

#[test]
fn fsgroup_change_policy() {
    check(
        "fsgroup-change-policy.yaml",
        "uid=1000 gid=3000 groups=2000,3000",
        Z,
        Z,
        DEF,
        false,
        0,
    );
    let pod = resolve_example("fsgroup-change-policy.yaml");
    assert_eq!(pod.volumes[0].root.as_deref(), Some("drwxrwsrwx root 2000"));
}

#[test]
fn seccomp_apparmor_selinux() {
    let pod = resolve_example("seccomp-apparmor-selinux.yaml");
    for c in &pod.containers {
        let r = row(c);
        assert_eq!((r.prm.as_str(), r.nnp, r.seccomp), (DEF, false, 2));
    }
    match &pod.containers[1].seccomp.applied {
        SeccompChoice::Localhost { path } => {
            assert_eq!(
                path,
                "/var/lib/kubelet/seccomp/my-profiles/profile-allow.json"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(pod.rejections[0].reason, "AppArmor");
    assert_eq!(
        pod.rejections[0].message,
        "Cannot enforce AppArmor: AppArmor is not enabled on the host"
    );
    let se = pod.containers[0]
        .selinux
        .requested
        .get()
        .unwrap()
        .as_ref()
        .unwrap();
    assert_eq!(se.level.as_deref(), Some("s0:c123,c456"));
}

#[test]
fn proc_mount_unmasked() {
    let pod = resolve_example("proc-mount-unmasked.yaml");
    let c = &pod.containers[0];
    assert!(c.masked_paths.is_empty() && c.readonly_paths.is_empty());
    assert_eq!(pod.namespaces.user, "pod");
    assert_eq!(
        c.id_line().map(|l| l.to_string()).as_deref(),
        Some("uid=0(root) gid=0(root) groups=0(root),10(wheel)")
    );
}

#[test]
fn readonly_rootfs_drop_all() {
    check(
        "readonly-rootfs-drop-all.yaml",
        "uid=10001 gid=0(root) groups=0(root)",
        Z,
        Z,
        "0000000000000400",
        true,
        2,
    );
    let pod = resolve_example("readonly-rootfs-drop-all.yaml");
    let c = &pod.containers[0];
    assert_eq!(c.read_only_root_filesystem.get(), Some(&true));
    assert_eq!(c.run_as_non_root, NonRootVerdict::Passes);
    assert!(
        c.notes.iter().any(|n| n.code == "cap-not-effective"),
        "{:?}",
        c.notes
    );
}

#[test]
fn run_as_non_root_with_a_root_image_fails_with_the_kubelet_message() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, uid: 0b5d}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers: [{name: app, image: busybox:1.28}]\n";
    let loaded = load_text("p.yaml", text);
    let w = loaded.workloads().next().unwrap();
    let busybox = image("busybox-1.28", 0o644);
    let images = |_: &str| Some(&busybox);
    let pod = resolve_pod(&w.pod_meta, &w.spec, &images, &NodeConfig::default());
    let e = pod.containers[0].start_error.as_ref().unwrap();
    assert_eq!(e.reason, "CreateContainerConfigError");
    assert_eq!(
        e.message,
        "container has runAsNonRoot and image will run as root (pod: \"web_default(0b5d)\", container: app)"
    );
}

#[test]
fn unknown_image_is_reported_not_guessed() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: nginx}]\n";
    let loaded = load_text("p.yaml", text);
    let w = loaded.workloads().next().unwrap();
    let images = |_: &str| None;
    let pod = resolve_pod(&w.pod_meta, &w.spec, &images, &NodeConfig::default());
    let c = &pod.containers[0];
    assert!(
        matches!(c.identity.uid.value, Known::Unknown(ref r) if r.contains("--image nginx=PATH"))
    );
    assert!(c.id_line().is_none());
    assert!(c.caps.get().is_none());
}
