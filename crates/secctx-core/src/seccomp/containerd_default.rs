//! containerd's RuntimeDefault profile: `contrib/seccomp/seccomp_default.go: DefaultProfile`,
//! which the CRI plugin calls for `seccompProfile: RuntimeDefault` after capabilities are final
//! (spec §4.5, §6.2).
//!
//! Construction, in containerd's order:
//! 1. the main allow list; 3 `socket` rules; 5 `personality` rules;
//! 2. `process_vm_readv`/`process_vm_writev`/`ptrace` if the kernel is ≥ 4.8 (left out when the
//!    kernel release cannot be parsed);
//! 3. one rule for the GOARCH (`ppc64le`, `arm`/`arm64`, `amd64`, `386`, `s390x`, `riscv64`);
//! 4. one rule per entry of `process.capabilities.bounding` that has one, **in the order of
//!    that list** (duplicates give duplicate rules; unknown names none);
//! 5. without `CAP_SYS_ADMIN` in the list: a `clone` rule allowing only calls without
//!    namespace flags (argument 1 on s390x, 0 elsewhere) and `clone3` → `ENOSYS` (38; 89 on
//!    MIPS, as containerd takes `unix.ENOSYS` of its GOARCH).
//!
//! `defaultAction` is `SCMP_ACT_ERRNO` without `defaultErrnoRet` (runc then returns `EPERM`).

use super::arch::GoArch;
use super::kernel::KernelVersion;
use super::model::{Action, LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, Operator, ScmpArch};
use super::syscall_lists as lists;
use crate::caps::CapSet;

/// containerd's `arches()`: the `architectures` of the profile for a GOARCH.
///
/// Empty (so `architectures` is omitted) for `386`, `arm`, `mips`, `mipsle`, `ppc64`,
/// `ppc64le` and — because containerd's switch spells it `mipsel64`, which is not a GOARCH —
/// `mips64le`.
pub fn containerd_architectures(arch: GoArch) -> Vec<ScmpArch> {
    use ScmpArch::*;
    match arch {
        GoArch::Amd64 => vec![ScmpArchX86_64, ScmpArchX86, ScmpArchX32],
        GoArch::Arm64 => vec![ScmpArchArm, ScmpArchAarch64],
        GoArch::Mips64 => vec![ScmpArchMips, ScmpArchMips64, ScmpArchMips64n32],
        GoArch::S390x => vec![ScmpArchS390, ScmpArchS390x],
        GoArch::Riscv64 => vec![ScmpArchRiscv64],
        GoArch::Loong64 => vec![ScmpArchLoongarch64],
        GoArch::I386
        | GoArch::Arm
        | GoArch::Mips
        | GoArch::Mipsle
        | GoArch::Mips64le
        | GoArch::Ppc64
        | GoArch::Ppc64le => Vec::new(),
    }
}

/// The extra names containerd allows on `arch`, if any (one rule).
fn arch_names(arch: GoArch) -> Option<&'static [&'static str]> {
    match arch {
        GoArch::Ppc64le => Some(&lists::PPC64LE_NAMES),
        GoArch::Arm | GoArch::Arm64 => Some(&lists::ARM_NAMES),
        GoArch::Amd64 => Some(&lists::AMD64_NAMES),
        GoArch::I386 => Some(&lists::I386_NAMES),
        GoArch::S390x => Some(&lists::S390_NAMES),
        GoArch::Riscv64 => Some(&lists::RISCV64_NAMES),
        GoArch::Loong64
        | GoArch::Mips
        | GoArch::Mipsle
        | GoArch::Mips64
        | GoArch::Mips64le
        | GoArch::Ppc64 => None,
    }
}

/// The profile containerd's CRI plugin puts into `linux.seccomp` for `RuntimeDefault`.
///
/// * `bounding`: the container's final `process.capabilities.bounding` list, in order
///   (`CAP_`-prefixed, as containerd holds it after cap add/drop). The order only decides the
///   order of the capability rules; see [`runtime_default_for_set`] when only a set is known.
/// * `arch`: the GOARCH containerd was built for.
/// * `kernel`: the running kernel (`None`: its release could not be parsed, in which case
///   containerd silently leaves the ptrace rule out).
pub fn runtime_default(
    bounding: &[impl AsRef<str>],
    arch: GoArch,
    kernel: Option<KernelVersion>,
) -> LinuxSeccomp {
    let mut rules = vec![LinuxSyscall::allow(&lists::MAIN_ALLOW)];
    rules.extend(
        [
            (lists::AF_ALG, Operator::ScmpCmpLt),
            (lists::AF_ALG + 1, Operator::ScmpCmpEq),
            (lists::AF_VSOCK, Operator::ScmpCmpGt),
        ]
        .map(|(value, op)| LinuxSyscall::allow_if("socket", arg(0, value, op))),
    );
    rules
        .extend(lists::PERSONALITY_VALUES.map(|value| {
            LinuxSyscall::allow_if("personality", arg(0, value, Operator::ScmpCmpEq))
        }));
    if kernel.is_some_and(|k| k >= lists::PTRACE_MIN_KERNEL) {
        rules.push(LinuxSyscall::allow(&lists::PTRACE_NAMES));
    }
    if let Some(names) = arch_names(arch) {
        rules.push(LinuxSyscall::allow(names));
    }

    let mut admin = false;
    for cap in bounding {
        let cap = cap.as_ref();
        admin |= cap == lists::CAP_SYS_ADMIN;
        if let Some((_, names)) = lists::CAP_GROUPS.iter().find(|(c, _)| *c == cap) {
            rules.push(LinuxSyscall::allow(names));
        }
    }

    if !admin {
        // "s390 parameter ordering for clone is different": flags are the second argument.
        let index = if arch == GoArch::S390x { 1 } else { 0 };
        rules.push(LinuxSyscall::allow_if(
            "clone",
            arg(
                index,
                lists::CLONE_NAMESPACE_FLAGS,
                Operator::ScmpCmpMaskedEq,
            ),
        ));
        rules.push(LinuxSyscall {
            names: vec!["clone3".into()],
            action: Action::ScmpActErrno,
            errno_ret: Some(arch.enosys()),
            args: Vec::new(),
        });
    }

    LinuxSeccomp {
        default_action: Action::ScmpActErrno,
        default_errno_ret: None,
        architectures: containerd_architectures(arch),
        flags: Vec::new(),
        listener_path: String::new(),
        listener_metadata: String::new(),
        syscalls: rules,
    }
}

/// [`runtime_default`] for a bounding *set*: the capability rules come out in bit order.
///
/// That is containerd's order whenever the bounding list is in bit order among the 14
/// capabilities that have rules — true for containerd's default list, for `add: [ALL]` (the
/// list is then containerd's own capabilities in bit order) and for adds of capabilities with
/// higher bits than those already present. An add of, say, `DAC_READ_SEARCH` (bit 2) to the
/// default list puts its rule *after* `SYS_CHROOT`'s in containerd; use [`runtime_default`] with
/// the real list when byte-exact order matters.
pub fn runtime_default_for_set(
    bounding: CapSet,
    arch: GoArch,
    kernel: Option<KernelVersion>,
) -> LinuxSeccomp {
    runtime_default(&bounding.names(), arch, kernel)
}

fn arg(index: u32, value: u64, op: Operator) -> LinuxSeccompArg {
    LinuxSeccompArg {
        index,
        value,
        value_two: 0,
        op,
    }
}
