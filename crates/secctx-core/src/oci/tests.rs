//! Unit tests of the OCI rendering: namespaces, privileged, procMount Unmasked, hostUsers
//! false, Localhost seccomp, readOnlyRootFilesystem, and the errors.

use oci_spec::runtime::LinuxNamespaceType as Ns;
use serde_json::Value;

use super::*;
use crate::load::load_text;
use crate::resolve::{NodeConfig, resolve_pod};

/// A pod whose identity needs no image: runAsUser/runAsGroup set, Strict groups policy.
fn pod(extra_spec: &str, sc: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: demo
  namespace: ns1
  uid: u-1234
spec:
{extra_spec}  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    supplementalGroups: [4000]
    supplementalGroupsPolicy: Strict
  containers:
  - name: app
    image: busybox:1.28
    command: [sh, -c, sleep 1h]
    securityContext: {{{sc}}}
"
    )
}

fn render_with(
    text: &str,
    node: &NodeConfig,
    f: impl FnOnce(&mut RenderOptions),
) -> Result<Rendered, RenderError> {
    let loaded = load_text("pod.yaml", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let w = loaded.workloads().next().unwrap();
    let none = |_: &str| None;
    let resolved = resolve_pod(&w.pod_meta, &w.spec, &none, node);
    let mut opts = RenderOptions::for_pod(&w.pod_meta, &w.spec);
    f(&mut opts);
    render(&w.spec, &resolved, &resolved.containers[0], &opts)
}

fn json(text: &str) -> Value {
    let r = render_with(text, &NodeConfig::default(), |_| {}).unwrap();
    serde_json::from_str(&r.config_json()).unwrap()
}

fn ns_types(r: &Rendered) -> Vec<Ns> {
    r.spec
        .linux()
        .as_ref()
        .unwrap()
        .namespaces()
        .as_ref()
        .unwrap()
        .iter()
        .map(|n| n.typ())
        .collect()
}

#[test]
fn default_container() {
    let v = json(&pod("", ""));
    assert_eq!(v["ociVersion"], "1.2.1");
    assert_eq!(
        v["process"]["user"],
        serde_json::json!({"uid": 1000, "gid": 3000, "additionalGids": [3000, 4000]})
    );
    assert_eq!(
        v["process"]["args"],
        serde_json::json!(["sh", "-c", "sleep 1h"])
    );
    assert_eq!(
        v["process"]["capabilities"]["bounding"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
    assert!(v["process"]["capabilities"].get("inheritable").is_none());
    assert!(v["process"].get("noNewPrivileges").is_none());
    assert!(v["process"].get("rlimits").is_none());
    assert!(v["process"].get("apparmorProfile").is_none());
    assert_eq!(v["root"], serde_json::json!({"path": "rootfs"}));
    assert_eq!(v["hostname"], "demo");
    assert_eq!(v["linux"]["maskedPaths"].as_array().unwrap().len(), 11);
    assert_eq!(v["linux"]["readonlyPaths"].as_array().unwrap().len(), 5);
    assert!(v["linux"].get("seccomp").is_none());
    assert_eq!(
        v["linux"]["resources"]["devices"],
        serde_json::json!([{"allow": false, "access": "rwm"}])
    );
    let sys = v["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["destination"] == "/sys")
        .unwrap();
    assert_eq!(sys["options"][3], "ro");
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys[..3], ["ociVersion", "process", "root"]);
}

#[test]
fn namespaces_new_and_joined() {
    let r = render_with(&pod("", ""), &NodeConfig::default(), |_| {}).unwrap();
    assert_eq!(
        ns_types(&r),
        [
            Ns::Pid,
            Ns::Ipc,
            Ns::Uts,
            Ns::Mount,
            Ns::Network,
            Ns::Cgroup
        ]
    );
    let r = render_with(&pod("", ""), &NodeConfig::default(), |o| {
        o.sandbox_pid = Some(42)
    })
    .unwrap();
    let v: Value = serde_json::from_str(&r.config_json()).unwrap();
    let nss = v["linux"]["namespaces"].as_array().unwrap();
    assert_eq!(
        nss[0],
        serde_json::json!({"type": "pid"}),
        "pid is the container's own"
    );
    assert_eq!(nss[1]["path"], "/proc/42/ns/ipc");
    assert_eq!(nss[2]["path"], "/proc/42/ns/uts");
    assert_eq!(nss[4]["path"], "/proc/42/ns/net");
    assert!(
        v.get("hostname").is_none(),
        "the sandbox's UTS namespace has it"
    );
    assert!(v["linux"].get("sysctl").is_none(), "the sandbox sets them");

    let r = render_with(
        &pod("  shareProcessNamespace: true\n", ""),
        &NodeConfig::default(),
        |o| o.sandbox_pid = Some(42),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&r.config_json()).unwrap();
    assert_eq!(v["linux"]["namespaces"][0]["path"], "/proc/42/ns/pid");
}

#[test]
fn host_namespaces_are_left_out() {
    let r = render_with(
        &pod(
            "  hostNetwork: true\n  hostPID: true\n  hostIPC: true\n",
            "",
        ),
        &NodeConfig::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(ns_types(&r), [Ns::Mount, Ns::Cgroup]);
    assert!(r.spec.hostname().is_none());
    let v: Value = serde_json::from_str(&r.config_json()).unwrap();
    assert!(
        v["linux"].get("sysctl").is_none(),
        "no unprivileged-port default with hostNetwork"
    );
    let shm = v["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["destination"] == "/dev/shm")
        .unwrap();
    assert_eq!(
        shm["source"], "/dev/shm",
        "hostIPC binds the host's /dev/shm"
    );
    assert_eq!(shm["type"], "bind");
}

#[test]
fn privileged() {
    let v = json(&pod("", "privileged: true"));
    let caps = &v["process"]["capabilities"];
    assert_eq!(
        caps["bounding"].as_array().unwrap().len(),
        usize::from(crate::caps::LAST_CAP) + 1
    );
    assert!(v["linux"].get("maskedPaths").is_none());
    assert!(v["linux"].get("readonlyPaths").is_none());
    assert_eq!(
        v["linux"]["resources"]["devices"],
        serde_json::json!([{"allow": true, "access": "rwm"}])
    );
    for m in v["mounts"].as_array().unwrap() {
        if m["type"] == "sysfs" || m["type"] == "cgroup" {
            assert!(m["options"].as_array().unwrap().contains(&"rw".into()));
        }
    }
    let types: Vec<&str> = v["linux"]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert!(
        !types.contains(&"cgroup"),
        "no cgroup namespace when privileged"
    );
}

#[test]
fn privileged_ignores_seccomp() {
    let v = json(&pod(
        "",
        "privileged: true, seccompProfile: {type: RuntimeDefault}",
    ));
    assert!(v["linux"].get("seccomp").is_none());
}

#[test]
fn proc_mount_unmasked() {
    let v = json(&pod("  hostUsers: false\n", "procMount: Unmasked"));
    assert!(v["linux"].get("maskedPaths").is_none());
    assert!(v["linux"].get("readonlyPaths").is_none());
}

#[test]
fn host_users_false() {
    let r = render_with(
        &pod("  hostUsers: false\n", ""),
        &NodeConfig::default(),
        |o| {
            o.userns_host_id = 131072;
            o.mounts = vec![VolumeMount {
                destination: "/data".into(),
                source: "/src".into(),
                ..VolumeMount::default()
            }];
        },
    )
    .unwrap();
    assert_eq!(ns_types(&r).last(), Some(&Ns::User));
    let v: Value = serde_json::from_str(&r.config_json()).unwrap();
    let map = serde_json::json!([{"containerID": 0, "hostID": 131072, "size": 65536}]);
    assert_eq!(v["linux"]["uidMappings"], map);
    assert_eq!(v["linux"]["gidMappings"], map);
    let data = v["mounts"].as_array().unwrap().last().unwrap();
    assert_eq!(data["uidMappings"], map, "idmapped CRI mounts");
    assert_eq!(data["gidMappings"], map);
    assert!(
        v["linux"]["sysctl"]
            .get("net.ipv4.ping_group_range")
            .is_none(),
        "containerd sets no ping_group_range in a user namespace"
    );
}

#[test]
fn read_only_root_filesystem() {
    let v = json(&pod("", "readOnlyRootFilesystem: true"));
    assert_eq!(
        v["root"],
        serde_json::json!({"path": "rootfs", "readonly": true})
    );
}

#[test]
fn runtime_default_seccomp_follows_the_bounding_set() {
    let v = json(&pod(
        "",
        "seccompProfile: {type: RuntimeDefault}, capabilities: {drop: [ALL], add: [SYS_ADMIN]}",
    ));
    let s = &v["linux"]["seccomp"];
    assert_eq!(s["defaultAction"], "SCMP_ACT_ERRNO");
    let names: Vec<&str> = s["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["names"].as_array().unwrap())
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(names.contains(&"mount"), "CAP_SYS_ADMIN allows mount");
    assert!(
        s["syscalls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("errnoRet").is_none()),
        "no clone3 ENOSYS rule with CAP_SYS_ADMIN"
    );
    assert_eq!(
        v["process"]["capabilities"],
        serde_json::json!({"bounding": ["CAP_SYS_ADMIN"], "effective": ["CAP_SYS_ADMIN"], "permitted": ["CAP_SYS_ADMIN"]})
    );
}

const LOCALHOST: &str = "seccompProfile: {type: Localhost, localhostProfile: profiles/audit.json}";

#[test]
fn localhost_profile() {
    let text = r#"{"defaultAction": "SCMP_ACT_LOG", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": []}]}"#;
    let r = render_with(&pod("", LOCALHOST), &NodeConfig::default(), |o| {
        o.localhost_profile = Some(text.into())
    })
    .unwrap();
    let v: Value = serde_json::from_str(&r.config_json()).unwrap();
    assert_eq!(
        v["linux"]["seccomp"],
        serde_json::json!({"defaultAction": "SCMP_ACT_LOG", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]})
    );
}

#[test]
fn localhost_profile_missing_or_invalid() {
    let e = render_with(&pod("", LOCALHOST), &NodeConfig::default(), |_| {}).unwrap_err();
    assert_eq!(
        e.to_string(),
        "failed to generate seccomp spec opts: cannot load seccomp profile \
         \"/var/lib/kubelet/seccomp/profiles/audit.json\": open \
         /var/lib/kubelet/seccomp/profiles/audit.json: no such file or directory"
    );
    let e = render_with(&pod("", LOCALHOST), &NodeConfig::default(), |o| {
        o.localhost_profile = Some("{".into())
    })
    .unwrap_err();
    assert!(matches!(e, RenderError::LocalhostInvalid { .. }), "{e}");
    assert!(e.to_string().starts_with(
        "failed to generate seccomp spec opts: decoding seccomp profile failed \
         \"/var/lib/kubelet/seccomp/profiles/audit.json\": "
    ));
}

#[test]
fn identity_unknown_without_image() {
    let text = pod("", "").replace("    runAsUser: 1000\n", "");
    let e = render_with(&text, &NodeConfig::default(), |_| {}).unwrap_err();
    assert!(matches!(e, RenderError::IdentityUnknown(_)), "{e}");
}

#[test]
fn image_args_and_env() {
    let text = pod("", "").replace("    command: [sh, -c, sleep 1h]\n", "    args: [-x]\n    env: [{name: A, value: b}, {name: HOME, value: /h}]\n    workingDir: /w\n");
    let e = render_with(&text, &NodeConfig::default(), |_| {}).unwrap_err();
    assert!(matches!(e, RenderError::ImageUnknown(_)), "{e}");
    let r = render_with(&text, &NodeConfig::default(), |o| {
        o.image = Some(ImageConfig {
            env: vec!["HOME=/root".into(), "PATH=/bin".into()],
            working_dir: "/srv".into(),
            entrypoint: vec!["/entry".into()],
            cmd: vec!["serve".into()],
        })
    })
    .unwrap();
    let p = r.spec.process().as_ref().unwrap();
    assert_eq!(p.args().as_deref().unwrap(), ["/entry", "-x"]);
    assert_eq!(
        p.env().as_deref().unwrap(),
        ["PATH=/bin", "HOSTNAME=demo", "HOME=/h", "A=b"]
    );
    assert_eq!(p.cwd().to_str(), Some("/w"));
}

#[test]
fn apparmor_and_selinux_on_nodes_that_have_them() {
    let node = NodeConfig {
        apparmor: true,
        selinux: true,
        ..NodeConfig::default()
    };
    let text = pod("", "seLinuxOptions: {level: \"s0:c1,c2\"}");
    let r = render_with(&text, &node, |_| {}).unwrap();
    let v: Value = serde_json::from_str(&r.config_json()).unwrap();
    assert_eq!(v["process"]["apparmorProfile"], "cri-containerd.apparmor.d");
    assert_eq!(
        v["process"]["selinuxLabel"],
        "system_u:system_r:container_t:s0:c1,c2"
    );
    assert_eq!(
        v["linux"]["mountLabel"],
        "system_u:object_r:container_file_t:s0:c1,c2"
    );
}

#[test]
fn mounts_order_and_options() {
    let r = render_with(&pod("", ""), &NodeConfig::default(), |o| {
        o.mounts = vec![
            VolumeMount {
                destination: "/data/deep".into(),
                source: "/src/deep".into(),
                read_only: true,
                propagation: Some("HostToContainer".into()),
                ..VolumeMount::default()
            },
            VolumeMount {
                destination: "/etc/hostname".into(),
                source: "/src/hostname".into(),
                ..VolumeMount::default()
            },
            VolumeMount {
                destination: "/data".into(),
                source: "/src/data".into(),
                ..VolumeMount::default()
            },
        ];
        o.sandbox_shm = Some("/src/shm".into());
    })
    .unwrap();
    let v: Value = serde_json::from_str(&r.config_json()).unwrap();
    let dests: Vec<&str> = v["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["destination"].as_str().unwrap())
        .collect();
    assert_eq!(
        dests,
        [
            "/proc",
            "/dev",
            "/dev/pts",
            "/dev/mqueue",
            "/sys",
            "/sys/fs/cgroup",
            "/data",
            "/etc/hostname",
            "/dev/shm",
            "/data/deep"
        ]
    );
    assert_eq!(
        v["mounts"][9]["options"],
        serde_json::json!(["rbind", "rslave", "ro"])
    );
    assert_eq!(
        v["mounts"][6]["options"],
        serde_json::json!(["rbind", "rprivate", "rw"])
    );
    assert_eq!(v["linux"]["rootfsPropagation"], "rslave");
}

#[test]
fn rejected_pod() {
    let text = pod("", "appArmorProfile: {type: RuntimeDefault}");
    let e = render_with(&text, &NodeConfig::default(), |_| {}).unwrap_err();
    assert!(matches!(e, RenderError::Rejected { .. }), "{e}");
}
