//! Unit tests of the pure parts: option parsing, path joining, device rules, seccomp cache.

use std::path::Path;

use super::{caps, cgroup, rootfs, seccomp, state};

#[test]
fn mount_options_split_into_flags_propagation_and_data() {
    let o = rootfs::parse_options(
        &["nosuid", "ro", "rbind", "rslave", "mode=755", "size=65536k"].map(String::from),
    )
    .unwrap();
    assert_eq!(
        o.flags,
        libc::MS_NOSUID | libc::MS_RDONLY | libc::MS_BIND | libc::MS_REC
    );
    assert_eq!(o.propagation, vec![libc::MS_SLAVE | libc::MS_REC]);
    assert_eq!(o.data, "mode=755,size=65536k");
    assert!(o.bind);
    assert!(rootfs::parse_options(&["tmpcopyup".to_string()]).is_err());
}

#[test]
fn secure_join_keeps_symlinks_inside_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("real")).unwrap();
    std::os::unix::fs::symlink("/", root.join("up")).unwrap();
    std::os::unix::fs::symlink("../../real", root.join("rel")).unwrap();
    assert_eq!(
        rootfs::secure_join(root, Path::new("/up/etc")),
        root.join("etc")
    );
    assert_eq!(
        rootfs::secure_join(root, Path::new("/rel/x")),
        root.join("real/x")
    );
    assert_eq!(
        rootfs::secure_join(root, Path::new("/../../etc")),
        root.join("etc")
    );
}

#[test]
fn capability_bits() {
    assert_eq!(caps::bit("CAP_CHOWN"), Some(0));
    assert_eq!(caps::bit("SYS_ADMIN"), Some(21));
    assert_eq!(caps::bit("CAP_CHECKPOINT_RESTORE"), Some(40));
    assert_eq!(caps::bit("CAP_NOPE"), None);
}

#[test]
fn device_rules_as_v1_reads_them() {
    let rule: oci_spec::runtime::LinuxDeviceCgroup =
        serde_json::from_str(r#"{"allow": false, "access": "rwm"}"#).unwrap();
    assert_eq!(cgroup::device_rule(&rule), "a *:* rwm");
    let rule: oci_spec::runtime::LinuxDeviceCgroup = serde_json::from_str(
        r#"{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}"#,
    )
    .unwrap();
    assert_eq!(cgroup::device_rule(&rule), "c 1:3 rw");
}

#[test]
fn ids_must_be_plain_names() {
    for bad in ["", "../x", "a/b", ".hidden", "a b"] {
        assert!(
            state::StateDir::new(Path::new("/run/x"), bad).is_err(),
            "{bad:?}"
        );
    }
    assert!(state::StateDir::new(Path::new("/run/x"), "pod-1_c.2").is_ok());
}

#[test]
fn seccomp_program_is_compiled_once_and_cached() {
    let profile: oci_spec::runtime::LinuxSeccomp = serde_json::from_str(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
                         {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
                         {"names": ["no_such_syscall"], "action": "SCMP_ACT_ALLOW"}]}"#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let first = seccomp::program(&profile, dir.path()).unwrap();
    assert!(!first.bpf.is_empty() && first.bpf.len().is_multiple_of(8));
    assert_eq!(first.flags, 1 << 2, "absent flags mean SPEC_ALLOW");
    let cached: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(cached.len(), 1);
    let second = seccomp::program(&profile, dir.path()).unwrap();
    assert_eq!(first.bpf, second.bpf);
}
