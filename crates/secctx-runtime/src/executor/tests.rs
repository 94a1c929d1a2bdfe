//! Unit tests of the pure parts: option parsing, path joining, device rules, seccomp cache.

use std::path::Path;

use super::{caps, cgroup, in_root, rootfs, seccomp, state};

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
    let o = rootfs::parse_options(&["rbind", "rprivate", "ro", "rro"].map(String::from)).unwrap();
    assert!(o.recursive_readonly && o.flags & libc::MS_RDONLY != 0);
}

#[test]
fn in_root_keeps_symlinks_inside_the_root() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let host = tempfile::tempdir().unwrap();
    let root_path = dir.path().join("root");
    std::fs::create_dir_all(root_path.join("real")).unwrap();
    symlink("/", root_path.join("up")).unwrap();
    symlink("../../real", root_path.join("rel")).unwrap();
    // An absolute link to a host directory that exists: followed inside the root only.
    symlink(host.path(), root_path.join("hostdir")).unwrap();
    // lp -> /lq, lq -> /lp: a loop (the escape tests use the image's tmp -> /q, q -> /tmp;
    // here /tmp must stay free for the host temporary directory's path).
    symlink("/lq", root_path.join("lp")).unwrap();
    symlink("/lp", root_path.join("lq")).unwrap();
    let root = in_root::Root::open(&root_path).unwrap();
    let at = |fd: &std::os::fd::OwnedFd| {
        use std::os::fd::AsFd;
        in_root::where_is(fd.as_fd())
    };
    std::fs::create_dir_all(root_path.join("etc")).unwrap();
    assert_eq!(
        at(&root.resolve(Path::new("/up/etc")).unwrap()),
        root_path.join("etc")
    );
    assert_eq!(
        at(&root.resolve(Path::new("/../../etc")).unwrap()),
        root_path.join("etc")
    );
    let made = root.mkdir_all(Path::new("/rel/x/y"), 0o755).unwrap();
    assert_eq!(at(&made), root_path.join("real/x/y"));
    let made = root.mkdir_all(Path::new("/hostdir/sub"), 0o755).unwrap();
    assert_eq!(
        at(&made),
        root_path
            .join(host.path().strip_prefix("/").unwrap())
            .join("sub")
    );
    assert_eq!(
        std::fs::read_dir(host.path()).unwrap().count(),
        0,
        "host dir untouched"
    );
    let e = root.mkdir_all(Path::new("/lp/x"), 0o755).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ELOOP), "{e}");
    let e = root.create_file(Path::new("/lp/x/f"), 0o644).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ELOOP), "{e}");
    root.create_file(Path::new("/up/real/f"), 0o644).unwrap();
    // Dangling links are created inside the root, never on the host.
    symlink(host.path().join("file"), root_path.join("dangling")).unwrap();
    root.create_file(Path::new("/dangling"), 0o644).unwrap();
    assert!(
        root_path
            .join(host.path().strip_prefix("/").unwrap())
            .join("file")
            .is_file()
    );
    symlink("/nowhere/dir", root_path.join("dangling-dir")).unwrap();
    let made = root
        .mkdir_all(Path::new("/dangling-dir/sub"), 0o755)
        .unwrap();
    assert_eq!(at(&made), root_path.join("nowhere/dir/sub"));
    assert!(root_path.join("real/f").is_file());
    root.symlink(Path::new("/proc/self/fd"), Path::new("/hostdir/fd"))
        .unwrap();
    assert_eq!(
        std::fs::read_dir(host.path()).unwrap().count(),
        0,
        "host dir untouched"
    );
    root.unlink(Path::new("/hostdir/fd")).unwrap();
    root.unlink(Path::new("/up")).unwrap();
    assert!(std::fs::symlink_metadata(root_path.join("up")).is_err());
    // beneath: no symlink at all.
    let e = root
        .beneath(Path::new("rel/x"), rustix::fs::OFlags::PATH)
        .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ELOOP), "{e}");
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
