//! containerd's RuntimeDefault profile (spec §6.2): the bars of the tracker and the details
//! that make the JSON exact.

use std::collections::{BTreeMap, BTreeSet};

use secctx_core::caps::{CAPABILITY_NAMES, CONTAINERD_DEFAULT_CAPS, CapSet, LAST_CAP};
use secctx_core::seccomp::syscall_lists::{CAP_GROUPS, MAIN_ALLOW};
use secctx_core::seccomp::{
    Action, GoArch, KernelVersion, LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, Operator, ScmpArch,
    SyscallSummary, containerd_architectures, moby::parse_moby, runtime_default,
    runtime_default_for_set,
};

const K61: Option<KernelVersion> = Some(KernelVersion::new(6, 1));

fn default_caps() -> CapSet {
    CapSet::from_names(CONTAINERD_DEFAULT_CAPS)
}

fn with(extra: &str) -> Vec<&str> {
    let mut caps = CONTAINERD_DEFAULT_CAPS.to_vec();
    caps.push(extra);
    caps
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn rules_for<'a>(p: &'a LinuxSeccomp, name: &str) -> Vec<&'a LinuxSyscall> {
    p.syscalls
        .iter()
        .filter(|r| r.names.iter().any(|n| n == name))
        .collect()
}

#[test]
fn default_caps_amd64_allow_369_names() {
    assert_eq!(default_caps(), CapSet(0xa804_25fb));
    let p = runtime_default_for_set(default_caps(), GoArch::Amd64, K61);
    let s = SyscallSummary::of(&p);
    assert_eq!(s.allowed.len(), 369);
    assert_eq!(s.arg_filtered, set(&["clone", "personality", "socket"]));
    assert_eq!(s.errno, BTreeMap::from([("clone3".to_string(), 38)]));
    // 363 + ptrace group (3) + arch_prctl/modify_ldt (2) + chroot (CAP_SYS_CHROOT).
    for name in [
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "arch_prctl",
        "modify_ldt",
        "chroot",
        "lsm_get_self_attr",
    ] {
        assert!(s.allowed.contains(name), "{name}");
    }
    for name in [
        "mount",
        "unshare",
        "bpf",
        "open_by_handle_at",
        "riscv_hwprobe",
        "io_uring_setup",
    ] {
        assert!(!s.allowed.contains(name), "{name}");
    }
    assert_eq!(p.default_action, Action::ScmpActErrno);
    assert_eq!(p.default_errno_ret, None);
}

#[test]
fn sys_admin_allows_392_names_and_unfilters_clone() {
    let p = runtime_default(&with("CAP_SYS_ADMIN"), GoArch::Amd64, K61);
    let s = SyscallSummary::of(&p);
    assert_eq!(s.allowed.len(), 392);
    assert_eq!(s.arg_filtered, set(&["personality", "socket"]));
    assert!(s.errno.is_empty());
    assert!(s.allowed.contains("clone") && s.allowed.contains("clone3"));
    // The masked clone rule and clone3 → ENOSYS are gone, not just shadowed.
    assert!(
        p.syscalls
            .iter()
            .all(|r| r.args.is_empty() || r.names != ["clone"])
    );
    assert!(p.syscalls.iter().all(|r| r.action == Action::ScmpActAllow));
}

#[test]
fn all_41_caps_allow_412_names() {
    assert_eq!(CAPABILITY_NAMES.len(), 41);
    let p = runtime_default_for_set(CapSet::all(LAST_CAP), GoArch::Amd64, K61);
    let s = SyscallSummary::of(&p);
    // Moby's 413 minus riscv_hwprobe, which containerd only allows on riscv64.
    assert_eq!(s.allowed.len(), 412);
    assert_eq!(s.arg_filtered, set(&["personality", "socket"]));
    assert!(s.errno.is_empty());
    // 8 base + ptrace + arch + one rule for each of the 14 capabilities that have one.
    assert_eq!(p.syscalls.len(), 1 + 3 + 5 + 1 + 1 + 14);
}

#[test]
fn each_capability_adds_exactly_its_rule() {
    let base = runtime_default(&[] as &[&str], GoArch::Amd64, K61);
    let groups: BTreeMap<&str, &[&str]> = CAP_GROUPS.into_iter().collect();
    for cap in CAPABILITY_NAMES {
        let p = runtime_default(&[cap], GoArch::Amd64, K61);
        match (groups.get(cap), cap) {
            (Some(names), "CAP_SYS_ADMIN") => {
                // Its rule is added and the clone/clone3 rules at the end disappear.
                assert_eq!(p.syscalls.len(), base.syscalls.len() + 1 - 2);
                assert_eq!(p.syscalls[11], LinuxSyscall::allow(names));
            }
            (Some(names), _) => {
                assert_eq!(p.syscalls.len(), base.syscalls.len() + 1, "{cap}");
                // After main, socket ×3, personality ×5, ptrace and the amd64 rule.
                assert_eq!(p.syscalls[11], LinuxSyscall::allow(names), "{cap}");
                assert_eq!(p.syscalls[..11], base.syscalls[..11]);
                assert_eq!(p.syscalls[12..], base.syscalls[11..]);
            }
            (None, _) => assert_eq!(p, base, "{cap} has no rule"),
        }
    }
    assert_eq!(groups.len(), 14);
}

#[test]
fn socket_rules_exclude_af_alg_and_af_vsock() {
    let p = runtime_default_for_set(default_caps(), GoArch::Amd64, K61);
    let socket: Vec<_> = rules_for(&p, "socket");
    let arg = |value, op| LinuxSeccompArg {
        index: 0,
        value,
        value_two: 0,
        op,
    };
    let want = [
        arg(38, Operator::ScmpCmpLt),
        arg(39, Operator::ScmpCmpEq),
        arg(40, Operator::ScmpCmpGt),
    ];
    assert_eq!(socket.len(), 3);
    for (rule, want) in socket.iter().zip(want) {
        assert_eq!(rule.names, ["socket"]);
        assert_eq!(rule.action, Action::ScmpActAllow);
        assert_eq!(rule.args, [want]);
    }
    // Rules 1..=3, right after the main list.
    assert_eq!(p.syscalls[1..4].iter().collect::<Vec<_>>(), socket);
}

#[test]
fn personality_rules_allow_five_personas() {
    let p = runtime_default_for_set(default_caps(), GoArch::Amd64, K61);
    let values: Vec<u64> = rules_for(&p, "personality")
        .iter()
        .map(|r| {
            assert_eq!(r.args.len(), 1);
            let a = r.args[0];
            assert_eq!((a.index, a.value_two, a.op), (0, 0, Operator::ScmpCmpEq));
            a.value
        })
        .collect();
    assert_eq!(values, [0, 8, 131_072, 131_080, 4_294_967_295]);
}

#[test]
fn clone_is_masked_on_arg0_and_clone3_returns_enosys() {
    let p = runtime_default_for_set(default_caps(), GoArch::Amd64, K61);
    let n = p.syscalls.len();
    assert_eq!(
        p.syscalls[n - 2],
        LinuxSyscall {
            names: vec!["clone".into()],
            action: Action::ScmpActAllow,
            errno_ret: None,
            args: vec![LinuxSeccompArg {
                index: 0,
                value: 0x7E02_0000,
                value_two: 0,
                op: Operator::ScmpCmpMaskedEq,
            }],
        }
    );
    assert_eq!(p.syscalls[n - 2].args[0].value, 2_114_060_288);
    assert_eq!(
        p.syscalls[n - 1],
        LinuxSyscall {
            names: vec!["clone3".into()],
            action: Action::ScmpActErrno,
            errno_ret: Some(38),
            args: vec![],
        }
    );
}

#[test]
fn s390x_masks_clone_on_arg1() {
    let p = runtime_default_for_set(default_caps(), GoArch::S390x, K61);
    let clone = rules_for(&p, "clone");
    assert_eq!(clone.len(), 1);
    assert_eq!(clone[0].args[0].index, 1);
    assert_eq!(clone[0].args[0].value, 0x7E02_0000);
    for arch in GoArch::ALL.into_iter().filter(|a| *a != GoArch::S390x) {
        let p = runtime_default_for_set(default_caps(), arch, K61);
        assert_eq!(rules_for(&p, "clone")[0].args[0].index, 0, "{arch}");
    }
}

#[test]
fn mips_clone3_returns_mips_enosys() {
    for arch in GoArch::ALL {
        let p = runtime_default_for_set(default_caps(), arch, K61);
        let want = match arch {
            GoArch::Mips | GoArch::Mipsle | GoArch::Mips64 | GoArch::Mips64le => 89,
            _ => 38,
        };
        assert_eq!(SyscallSummary::of(&p).errno["clone3"], want, "{arch}");
    }
}

#[test]
fn architectures_per_goarch() {
    use ScmpArch::*;
    let cases: [(GoArch, &[ScmpArch]); 13] = [
        (GoArch::Amd64, &[ScmpArchX86_64, ScmpArchX86, ScmpArchX32]),
        (GoArch::Arm64, &[ScmpArchArm, ScmpArchAarch64]),
        (
            GoArch::Mips64,
            &[ScmpArchMips, ScmpArchMips64, ScmpArchMips64n32],
        ),
        (GoArch::S390x, &[ScmpArchS390, ScmpArchS390x]),
        (GoArch::Riscv64, &[ScmpArchRiscv64]),
        (GoArch::Loong64, &[ScmpArchLoongarch64]),
        // containerd's switch has no case for these GOARCHes (its "mipsel64" is not one).
        (GoArch::I386, &[]),
        (GoArch::Arm, &[]),
        (GoArch::Mips, &[]),
        (GoArch::Mipsle, &[]),
        (GoArch::Mips64le, &[]),
        (GoArch::Ppc64, &[]),
        (GoArch::Ppc64le, &[]),
    ];
    for (arch, want) in cases {
        assert_eq!(containerd_architectures(arch), want, "{arch}");
        let p = runtime_default_for_set(default_caps(), arch, K61);
        assert_eq!(p.architectures, want, "{arch}");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json.get("architectures").is_some(),
            !want.is_empty(),
            "{arch}"
        );
    }
    let json = serde_json::to_value(runtime_default_for_set(default_caps(), GoArch::Amd64, K61));
    assert_eq!(
        json.unwrap()["architectures"],
        serde_json::json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
    );
}

#[test]
fn arch_rules_per_goarch() {
    let arch_rule = |arch| {
        let p = runtime_default(&[] as &[&str], arch, K61);
        // main + 3 socket + 5 personality + ptrace, then the arch rule if any, then clone/clone3.
        match p.syscalls.len() {
            12 => None,
            13 => Some(p.syscalls[9 + 1].names.clone()),
            n => panic!("{arch}: {n} rules"),
        }
    };
    let names = |n: &[&str]| Some(n.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        arch_rule(GoArch::Amd64),
        names(&["arch_prctl", "modify_ldt"])
    );
    assert_eq!(arch_rule(GoArch::I386), names(&["modify_ldt"]));
    let arm = [
        "arm_fadvise64_64",
        "arm_sync_file_range",
        "sync_file_range2",
        "breakpoint",
        "cacheflush",
        "set_tls",
    ];
    assert_eq!(arch_rule(GoArch::Arm), names(&arm));
    assert_eq!(arch_rule(GoArch::Arm64), names(&arm));
    assert_eq!(
        arch_rule(GoArch::Ppc64le),
        names(&["sync_file_range2", "swapcontext"])
    );
    assert_eq!(
        arch_rule(GoArch::S390x),
        names(&[
            "s390_pci_mmio_read",
            "s390_pci_mmio_write",
            "s390_runtime_instr"
        ])
    );
    assert_eq!(
        arch_rule(GoArch::Riscv64),
        names(&["riscv_flush_icache", "riscv_hwprobe"])
    );
    for arch in [
        GoArch::Loong64,
        GoArch::Mips,
        GoArch::Mipsle,
        GoArch::Mips64,
        GoArch::Mips64le,
        GoArch::Ppc64,
    ] {
        assert_eq!(arch_rule(arch), None, "{arch}");
    }
}

#[test]
fn ptrace_group_needs_kernel_4_8() {
    let ptrace = ["process_vm_readv", "process_vm_writev", "ptrace"];
    for (kernel, present) in [
        (Some(KernelVersion::new(4, 8)), true),
        (Some(KernelVersion::new(5, 0)), true),
        (Some(KernelVersion::new(4, 7)), false),
        (Some(KernelVersion::new(3, 10)), false),
        (None, false),
    ] {
        let p = runtime_default_for_set(default_caps(), GoArch::Amd64, kernel);
        let s = SyscallSummary::of(&p);
        assert_eq!(
            s.allowed.len(),
            if present { 369 } else { 366 },
            "{kernel:?}"
        );
        for name in ptrace {
            assert_eq!(s.allowed.contains(name), present, "{kernel:?} {name}");
        }
        assert_eq!(
            p.syscalls.contains(&LinuxSyscall::allow(&ptrace)),
            present,
            "{kernel:?}"
        );
    }
    // CAP_SYS_PTRACE allows them on any kernel.
    let p = runtime_default(
        &with("CAP_SYS_PTRACE"),
        GoArch::Amd64,
        Some(KernelVersion::new(4, 7)),
    );
    assert!(SyscallSummary::of(&p).allowed.contains("ptrace"));
}

#[test]
fn rule_order_follows_the_bounding_list() {
    let chroot = LinuxSyscall::allow(&["chroot"]);
    let dac = LinuxSyscall::allow(&["open_by_handle_at"]);
    // containerd appends added capabilities: DAC_READ_SEARCH's rule comes after SYS_CHROOT's.
    let listed = runtime_default(&with("CAP_DAC_READ_SEARCH"), GoArch::Amd64, K61);
    assert_eq!(listed.syscalls[11..13], [chroot.clone(), dac.clone()]);
    // From a set, rules follow bit order (DAC_READ_SEARCH = 2 < SYS_CHROOT = 18).
    let from_set = runtime_default_for_set(
        CapSet::from_names(with("CAP_DAC_READ_SEARCH")),
        GoArch::Amd64,
        K61,
    );
    assert_eq!(from_set.syscalls[11..13], [dac, chroot]);
    // Duplicates repeat the rule; unknown and lower-case names add nothing.
    let odd = runtime_default(
        &[
            "CAP_SYS_BOOT",
            "CAP_SYS_BOOT",
            "CAP_CAP_CHOWN",
            "cap_sys_admin",
        ],
        GoArch::Amd64,
        K61,
    );
    let reboot = LinuxSyscall::allow(&["reboot"]);
    assert_eq!(odd.syscalls[11..13], [reboot.clone(), reboot]);
    assert_eq!(rules_for(&odd, "clone3")[0].errno_ret, Some(38));
}

#[test]
fn set_and_list_agree_for_the_default_caps() {
    for arch in GoArch::ALL {
        assert_eq!(
            runtime_default(&CONTAINERD_DEFAULT_CAPS, arch, K61),
            runtime_default_for_set(default_caps(), arch, K61),
            "{arch}"
        );
    }
}

#[test]
fn output_is_deterministic() {
    let a = serde_json::to_string(&runtime_default_for_set(default_caps(), GoArch::Amd64, K61));
    let b = serde_json::to_string(&runtime_default_for_set(default_caps(), GoArch::Amd64, K61));
    assert_eq!(a.unwrap(), b.unwrap());
    let p = runtime_default_for_set(default_caps(), GoArch::Amd64, K61);
    let heads: Vec<&str> = p.syscalls.iter().map(|r| r.names[0].as_str()).collect();
    assert_eq!(
        heads,
        [
            "accept",
            "socket",
            "socket",
            "socket",
            "personality",
            "personality",
            "personality",
            "personality",
            "personality",
            "process_vm_readv",
            "arch_prctl",
            "chroot",
            "clone",
            "clone3"
        ]
    );
}

#[test]
fn main_list_is_mobys_minus_riscv_hwprobe_plus_lsm() {
    let moby_json = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/seccomp/moby-default-v0.2.3.json"
    ))
    .expect("testdata/seccomp/moby-default-v0.2.3.json is part of the crate");
    let moby = parse_moby(&moby_json).unwrap();
    let moby_main: BTreeSet<&str> = moby.syscalls[0].names.iter().map(String::as_str).collect();
    assert_eq!(moby_main.len(), 361);
    let ours: BTreeSet<&str> = MAIN_ALLOW.into_iter().collect();
    assert_eq!(ours.len(), 363, "no duplicates");
    let lsm = ["lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr"];
    let mut want = moby_main.clone();
    want.remove("riscv_hwprobe");
    want.extend(lsm);
    assert_eq!(ours, want);
    assert!(!ours.iter().any(|n| n.starts_with("io_uring")));
}

#[test]
fn oci_spec_conversion_keeps_every_field() {
    let p = runtime_default_for_set(default_caps(), GoArch::S390x, K61);
    let oci = p.to_oci_spec();
    assert_eq!(
        serde_json::to_string(&oci).unwrap(),
        serde_json::to_string(&p).unwrap()
    );
    assert_eq!(oci.syscalls().as_ref().unwrap().len(), p.syscalls.len());
}

#[test]
fn golden_amd64_default_caps() {
    let p = runtime_default_for_set(default_caps(), GoArch::Amd64, K61);
    let json = serde_json::to_string_pretty(&p).unwrap();
    insta::with_settings!({
        snapshot_path => "../testdata/seccomp/snapshots",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("containerd_runtime_default_amd64_default_caps", json);
    });
}
