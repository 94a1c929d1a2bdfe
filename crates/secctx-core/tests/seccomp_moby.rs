//! The Docker/moby profile format: strict decoding and `includes`/`excludes` lowering
//! (spec §6.1), on the real moby default profile v0.2.3 and on small profiles.

use std::collections::{BTreeMap, BTreeSet};

use secctx_core::caps::{CONTAINERD_DEFAULT_CAPS, CapSet, LAST_CAP};
use secctx_core::seccomp::moby::{
    MobyError, MobyProfile, SkipReason, moby_native_arch, parse_moby,
};
use secctx_core::seccomp::{Action, GoArch, KernelVersion, LinuxSeccomp, ScmpArch, SyscallSummary};

const K61: Option<KernelVersion> = Some(KernelVersion::new(6, 1));

/// The profile moby vendors (moby/profiles `seccomp/v0.2.3`), copied into the crate.
fn moby_default() -> MobyProfile {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/seccomp/moby-default-v0.2.3.json"
    );
    let json = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{path}: {e} (a copy of moby/profiles seccomp/v0.2.3 default.json, see testdata/seccomp/README.md)")
    });
    parse_moby(&json).expect("moby's default profile decodes strictly")
}

fn lower(caps: &[&str], arch: GoArch, kernel: Option<KernelVersion>) -> LinuxSeccomp {
    moby_default()
        .lower(caps, arch, kernel)
        .unwrap()
        .profile
        .unwrap()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn default_profile_has_33_rule_groups() {
    let p = moby_default();
    assert_eq!(p.syscalls.len(), 33);
    assert_eq!(p.syscalls[0].names.len(), 361);
    assert_eq!(p.default_action, Some(Action::ScmpActErrno));
    assert_eq!(p.default_errno_ret, Some(1));
    assert_eq!(p.arch_map.len(), 9);
}

#[test]
fn default_caps_amd64_allow_367_names() {
    let p = lower(&CONTAINERD_DEFAULT_CAPS, GoArch::Amd64, K61);
    let s = SyscallSummary::of(&p);
    assert_eq!(s.allowed.len(), 367);
    assert_eq!(s.arg_filtered, set(&["clone", "personality", "socket"]));
    assert_eq!(s.errno, BTreeMap::from([("clone3".to_string(), 38)]));
    for name in [
        "ptrace",
        "arch_prctl",
        "modify_ldt",
        "chroot",
        "riscv_hwprobe",
    ] {
        assert!(s.allowed.contains(name), "{name}");
    }
    for name in ["lsm_get_self_attr", "mount", "open_by_handle_at"] {
        assert!(!s.allowed.contains(name), "{name}");
    }
    assert_eq!(p.default_errno_ret, Some(1));
    assert_eq!(
        p.architectures,
        [
            ScmpArch::ScmpArchX86_64,
            ScmpArch::ScmpArchX86,
            ScmpArch::ScmpArchX32
        ]
    );
}

#[test]
fn sys_admin_allows_393_and_all_caps_413() {
    let mut admin = CONTAINERD_DEFAULT_CAPS.to_vec();
    admin.push("CAP_SYS_ADMIN");
    let s = SyscallSummary::of(&lower(&admin, GoArch::Amd64, K61));
    assert_eq!(s.allowed.len(), 393);
    assert_eq!(s.arg_filtered, set(&["personality", "socket"]));
    assert!(s.errno.is_empty());

    let all = CapSet::all(LAST_CAP).names();
    let s = SyscallSummary::of(&lower(&all, GoArch::Amd64, K61));
    assert_eq!(s.allowed.len(), 413);
    assert_eq!(s.arg_filtered, set(&["personality", "socket"]));
    assert!(s.errno.is_empty());
}

#[test]
fn conditions_are_evaluated_not_dropped() {
    let lowered = moby_default()
        .lower(&CONTAINERD_DEFAULT_CAPS, GoArch::Amd64, K61)
        .unwrap();
    let skipped: BTreeMap<usize, SkipReason> = lowered.skipped.into_iter().collect();
    use SkipReason::*;
    assert_eq!(skipped[&10], ArchNotIncluded); // ppc64le
    assert_eq!(skipped[&16], MissingCap("CAP_DAC_READ_SEARCH".into()));
    assert_eq!(skipped[&17], MissingCap("CAP_SYS_ADMIN".into()));
    assert_eq!(skipped[&19], ArchNotIncluded); // s390 clone
    assert!(!skipped.contains_key(&1)); // ptrace, minKernel 4.8
    assert!(!skipped.contains_key(&18)); // masked clone
    assert!(!skipped.contains_key(&22)); // chroot
    // Kept: main, ptrace, socket ×3, personality ×5, arch_prctl, modify_ldt, clone, clone3, chroot.
    assert_eq!(skipped.len(), 33 - 15);
    // The lowered rules carry no conditions: the OCI model has no place for them.
    let json = serde_json::to_string(&lowered.profile.unwrap()).unwrap();
    for field in ["includes", "excludes", "comment", "archMap", "minKernel"] {
        assert!(!json.contains(field), "{field}");
    }
}

#[test]
fn kernel_and_arch_conditions() {
    use SkipReason::*;
    let old = moby_default()
        .lower(
            &CONTAINERD_DEFAULT_CAPS,
            GoArch::Amd64,
            Some(KernelVersion::new(4, 7)),
        )
        .unwrap();
    assert!(
        old.skipped
            .contains(&(1, KernelTooOld(KernelVersion::new(4, 8))))
    );
    assert_eq!(
        SyscallSummary::of(old.profile.as_ref().unwrap())
            .allowed
            .len(),
        364
    );
    // A minKernel rule with an unknown kernel is an error, as in moby.
    assert_eq!(
        moby_default().lower(&CONTAINERD_DEFAULT_CAPS, GoArch::Amd64, None),
        Err(MobyError::KernelUnknown { rule: 1 })
    );

    let s390 = moby_default()
        .lower(&CONTAINERD_DEFAULT_CAPS, GoArch::S390x, K61)
        .unwrap();
    assert!(s390.skipped.contains(&(18, ExcludedArch("s390x".into()))));
    let p = s390.profile.unwrap();
    let clone: Vec<_> = p.syscalls.iter().filter(|r| r.names == ["clone"]).collect();
    assert_eq!(clone.len(), 1);
    assert_eq!(clone[0].args[0].index, 1);
    assert_eq!(
        p.architectures,
        [ScmpArch::ScmpArchS390x, ScmpArch::ScmpArchS390]
    );

    let mut admin = CONTAINERD_DEFAULT_CAPS.to_vec();
    admin.push("CAP_SYS_ADMIN");
    let with_admin = moby_default().lower(&admin, GoArch::Amd64, K61).unwrap();
    assert!(
        with_admin
            .skipped
            .contains(&(18, ExcludedCap("CAP_SYS_ADMIN".into())))
    );
    assert!(
        with_admin
            .skipped
            .contains(&(20, ExcludedCap("CAP_SYS_ADMIN".into())))
    );
}

#[test]
fn architectures_from_arch_map_per_goarch() {
    use ScmpArch::*;
    let cases: [(GoArch, &str, &[ScmpArch]); 13] = [
        (
            GoArch::Amd64,
            "amd64",
            &[ScmpArchX86_64, ScmpArchX86, ScmpArchX32],
        ),
        (GoArch::Arm64, "arm64", &[ScmpArchAarch64, ScmpArchArm]),
        (
            GoArch::Mips64,
            "mips64",
            &[ScmpArchMips64, ScmpArchMips, ScmpArchMips64n32],
        ),
        (
            GoArch::Mips64le,
            "mipsel64",
            &[ScmpArchMipsel64, ScmpArchMipsel, ScmpArchMipsel64n32],
        ),
        (GoArch::S390x, "s390x", &[ScmpArchS390x, ScmpArchS390]),
        (GoArch::Riscv64, "riscv64", &[ScmpArchRiscv64]),
        // archMap has an entry, but moby looks it up under "loong64" while its native name
        // is "loongarch64": no architectures.
        (GoArch::Loong64, "loongarch64", &[]),
        (GoArch::I386, "x86", &[]),
        (GoArch::Arm, "arm", &[]),
        (GoArch::Mips, "", &[]),
        (GoArch::Mipsle, "mipsel", &[]),
        (GoArch::Ppc64, "ppc64", &[]),
        (GoArch::Ppc64le, "ppc64le", &[]),
    ];
    for (arch, native, want) in cases {
        assert_eq!(moby_native_arch(arch), native, "{arch}");
        assert_eq!(
            lower(&CONTAINERD_DEFAULT_CAPS, arch, K61).architectures,
            want,
            "{arch}"
        );
    }
}

fn lower_json(json: &str, caps: &[&str]) -> Result<Option<LinuxSeccomp>, MobyError> {
    Ok(parse_moby(json)?.lower(caps, GoArch::Amd64, K61)?.profile)
}

#[test]
fn includes_need_all_caps_and_excludes_any() {
    let json = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["a"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_X", "CAP_Y"]}},
        {"names": ["b"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_X", "CAP_Z"]}},
        {"names": ["c"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["x86", "amd64"]}, "excludes": {"minKernel": "9.0"}},
        {"names": ["d"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "6.1"}},
        {"name": "e", "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "includes": {}, "comment": "legacy name"}
    ]}"#;
    let names = |p: Option<LinuxSeccomp>| -> Vec<String> {
        p.unwrap()
            .syscalls
            .into_iter()
            .flat_map(|r| r.names)
            .collect()
    };
    assert_eq!(names(lower_json(json, &["CAP_X"]).unwrap()), ["c", "e"]);
    assert_eq!(
        names(lower_json(json, &["CAP_X", "CAP_Y"]).unwrap()),
        ["a", "c", "e"]
    );
    assert_eq!(names(lower_json(json, &[]).unwrap()), ["b", "c", "e"]);
    let p = lower_json(json, &[]).unwrap().unwrap();
    assert_eq!(p.syscalls[2].errno_ret, Some(5));
    assert_eq!(p.default_errno_ret, None);
    assert!(p.architectures.is_empty());
}

#[test]
fn empty_profile_disables_seccomp() {
    assert_eq!(lower_json("{}", &[]), Ok(None));
    assert_eq!(lower_json(r#"{"defaultAction": ""}"#, &[]), Ok(None));
    assert_eq!(
        lower_json(
            r#"{"syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW"}]}"#,
            &[]
        ),
        Err(MobyError::MissingDefaultAction)
    );
}

#[test]
fn mobys_own_errors() {
    let both = r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"],
        "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": null}]}"#;
    let e = lower_json(both, &[]).unwrap_err();
    assert_eq!(e, MobyError::ArchitecturesAndArchMap);
    assert_eq!(
        e.to_string(),
        "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'"
    );
    let name_names = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["a"], "action": "SCMP_ACT_ALLOW"},
        {"name": "b", "names": ["c"], "action": "SCMP_ACT_ALLOW"}]}"#;
    assert_eq!(
        lower_json(name_names, &[]),
        Err(MobyError::NameAndNames { rule: 1 })
    );
    // Explicit architectures without archMap are kept as given.
    let explicit = r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"]}"#;
    assert_eq!(
        lower_json(explicit, &[]).unwrap().unwrap().architectures,
        [ScmpArch::ScmpArchX86]
    );
}

#[test]
fn decoding_is_strict_and_names_the_field() {
    let err = |json: &str| match parse_moby(json) {
        Err(MobyError::Decode(e)) => e,
        other => panic!("expected a decode error, got {other:?}"),
    };
    let e = err(r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["a"], "action": "SCMP_ACT_ALLOW", "includes": {"capz": ["CAP_X"]}}]}"#);
    assert_eq!(e.path, "syscalls[0].includes.capz");
    assert!(
        e.message
            .starts_with("unknown field `capz`, expected one of `caps`, `arches`, `minKernel`"),
        "{e}"
    );
    assert_eq!((e.line, e.column), (2, 72)); // the closing quote of "capz"
    assert!(
        e.to_string()
            .starts_with("syscalls[0].includes.capz: unknown field `capz`"),
        "{e}"
    );

    let e = err(r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRett": 1}"#);
    assert!(
        e.message.contains("unknown field `defaultErrnoRett`"),
        "{e}"
    );
    assert_eq!(e.path, "defaultErrnoRett");

    let e = err(r#"{"defaultAction": "SCMP_ACT_NOPE"}"#);
    assert!(e.message.contains("SCMP_ACT_NOPE"), "{e}");

    let e = err(
        r#"{"syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8.1"}}]}"#,
    );
    assert_eq!(e.path, "syscalls[0].includes.minKernel");
    assert!(e.message.contains("invalid kernel version"), "{e}");

    let e = err(r#"{"syscalls": [{"names": ["a"]}]}"#);
    assert!(e.message.contains("missing field `action`"), "{e}");
}
