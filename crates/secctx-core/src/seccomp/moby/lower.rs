//! `setupSeccomp`: from a moby profile to the OCI profile for one container on one host.

use super::super::arch::GoArch;
use super::super::decode::DecodeError;
use super::super::kernel::KernelVersion;
use super::super::model::{LinuxSeccomp, LinuxSyscall, ScmpArch};
use super::format::{MobyFilter, MobyProfile};

/// Why a moby profile could not be decoded or lowered. Messages of moby's own errors are
/// moby's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MobyError {
    /// The JSON is not a valid moby profile.
    #[error("Decoding seccomp profile failed: {0}")]
    Decode(#[from] DecodeError),
    /// Both `architectures` and `archMap` are non-empty.
    #[error(
        "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'"
    )]
    ArchitecturesAndArchMap,
    /// A rule has both `name` and `names`.
    #[error(
        "syscalls[{rule}]: both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'"
    )]
    NameAndNames {
        /// Index of the rule.
        rule: usize,
    },
    /// A rule has a `minKernel` condition but the kernel version is not known.
    #[error(
        "syscalls[{rule}]: the rule depends on the kernel version (minKernel), which is not known"
    )]
    KernelUnknown {
        /// Index of the rule.
        rule: usize,
    },
    /// The profile has rules but no `defaultAction` (runc would refuse it).
    #[error("the seccomp profile has syscall rules but no defaultAction")]
    MissingDefaultAction,
}

/// Why a rule was left out of the lowered profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// `excludes.arches` names the host architecture.
    ExcludedArch(String),
    /// `excludes.caps` names a capability in the bounding set.
    ExcludedCap(String),
    /// `excludes.minKernel` is at or below the running kernel.
    ExcludedKernel(KernelVersion),
    /// `includes.arches` does not name the host architecture.
    ArchNotIncluded,
    /// `includes.caps` names a capability not in the bounding set.
    MissingCap(String),
    /// The running kernel is older than `includes.minKernel`.
    KernelTooOld(KernelVersion),
}

/// The result of lowering a moby profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lowered {
    /// The OCI profile; `None` when the moby profile has neither `defaultAction` nor rules
    /// (moby: "assume seccomp disabled").
    pub profile: Option<LinuxSeccomp>,
    /// The rules left out, by index into the moby profile's `syscalls`, and why.
    pub skipped: Vec<(usize, SkipReason)>,
}

/// moby's name for the host architecture (`goToNative[GOARCH]`), which `includes.arches` and
/// `excludes.arches` are compared with: `x86` for 386, `loongarch64` for loong64, `mipsel64`
/// for mips64le, `mipsel` for mipsle, the GOARCH otherwise; `""` for `mips`, which moby's table
/// lacks.
pub fn moby_native_arch(arch: GoArch) -> &'static str {
    match arch {
        GoArch::I386 => "x86",
        GoArch::Amd64 => "amd64",
        GoArch::Arm => "arm",
        GoArch::Arm64 => "arm64",
        GoArch::Loong64 => "loongarch64",
        GoArch::Mips => "",
        GoArch::Mipsle => "mipsel",
        GoArch::Mips64 => "mips64",
        GoArch::Mips64le => "mipsel64",
        GoArch::Ppc64 => "ppc64",
        GoArch::Ppc64le => "ppc64le",
        GoArch::Riscv64 => "riscv64",
        GoArch::S390x => "s390x",
    }
}

/// The `archMap` key for the host (`nativeToSeccomp[native]`). `None` for `mips`, `mipsle`
/// and `loong64`: moby's table spells those keys `mipsle` and `loong64` while the native names
/// are `mipsel` and `loongarch64`, so those hosts get no `architectures` from `archMap`.
fn archmap_key(arch: GoArch) -> Option<ScmpArch> {
    use ScmpArch::*;
    Some(match arch {
        GoArch::I386 => ScmpArchX86,
        GoArch::Amd64 => ScmpArchX86_64,
        GoArch::Arm => ScmpArchArm,
        GoArch::Arm64 => ScmpArchAarch64,
        GoArch::Mips64 => ScmpArchMips64,
        GoArch::Mips64le => ScmpArchMipsel64,
        GoArch::Ppc64 => ScmpArchPpc64,
        GoArch::Ppc64le => ScmpArchPpc64le,
        GoArch::Riscv64 => ScmpArchRiscv64,
        GoArch::S390x => ScmpArchS390x,
        GoArch::Loong64 | GoArch::Mips | GoArch::Mipsle => return None,
    })
}

impl MobyProfile {
    /// Lowers the profile for a container with the bounding capability list `bounding`
    /// (`CAP_` names, compared verbatim) on a `arch` host running `kernel` (`None`: unknown,
    /// an error only if a rule reaches a `minKernel` check).
    ///
    /// Rules are checked in moby's order: `excludes` (arches, any cap, minKernel) then
    /// `includes` (arches, all caps, minKernel); a rule that passes is copied without its
    /// conditions and comment.
    pub fn lower(
        &self,
        bounding: &[impl AsRef<str>],
        arch: GoArch,
        kernel: Option<KernelVersion>,
    ) -> Result<Lowered, MobyError> {
        if self.default_action.is_none() && self.syscalls.is_empty() {
            return Ok(Lowered {
                profile: None,
                skipped: Vec::new(),
            });
        }
        if !self.architectures.is_empty() && !self.arch_map.is_empty() {
            return Err(MobyError::ArchitecturesAndArchMap);
        }
        let default_action = self.default_action.ok_or(MobyError::MissingDefaultAction)?;

        let mut architectures = self.architectures.clone();
        if let Some(key) = archmap_key(arch)
            && let Some(entry) = self.arch_map.iter().find(|a| a.architecture == key)
        {
            architectures.push(entry.architecture);
            architectures.extend(&entry.sub_architectures);
        }

        let ctx = Host {
            bounding: &bounding.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
            native: moby_native_arch(arch),
            kernel,
        };
        let mut syscalls = Vec::new();
        let mut skipped = Vec::new();
        for (i, rule) in self.syscalls.iter().enumerate() {
            let names = match (rule.name.is_empty(), rule.names.is_empty()) {
                (true, _) => rule.names.clone(),
                (false, true) => vec![rule.name.clone()],
                (false, false) => return Err(MobyError::NameAndNames { rule: i }),
            };
            if let Some(reason) = ctx.skip(rule.excludes.as_ref(), rule.includes.as_ref(), i)? {
                skipped.push((i, reason));
                continue;
            }
            syscalls.push(LinuxSyscall {
                names,
                action: rule.action,
                errno_ret: rule.errno_ret,
                args: rule.args.clone(),
            });
        }

        Ok(Lowered {
            profile: Some(LinuxSeccomp {
                default_action,
                default_errno_ret: self.default_errno_ret,
                architectures,
                flags: self.flags.clone(),
                listener_path: self.listener_path.clone(),
                listener_metadata: self.listener_metadata.clone(),
                syscalls,
            }),
            skipped,
        })
    }
}

/// What the conditions are evaluated against.
struct Host<'a> {
    bounding: &'a [&'a str],
    native: &'static str,
    kernel: Option<KernelVersion>,
}

impl Host<'_> {
    fn has_cap(&self, cap: &str) -> bool {
        self.bounding.contains(&cap)
    }

    /// `kernel >= min`, failing like moby's `kernelGreaterEqualThan` when the kernel is unknown.
    fn kernel_at_least(&self, min: KernelVersion, rule: usize) -> Result<bool, MobyError> {
        self.kernel
            .map(|k| k >= min)
            .ok_or(MobyError::KernelUnknown { rule })
    }

    fn skip(
        &self,
        excludes: Option<&MobyFilter>,
        includes: Option<&MobyFilter>,
        rule: usize,
    ) -> Result<Option<SkipReason>, MobyError> {
        if let Some(ex) = excludes {
            if ex.arches.iter().any(|a| a == self.native) {
                return Ok(Some(SkipReason::ExcludedArch(self.native.into())));
            }
            if let Some(cap) = ex.caps.iter().find(|c| self.has_cap(c)) {
                return Ok(Some(SkipReason::ExcludedCap(cap.clone())));
            }
            if let Some(min) = ex.min_kernel
                && self.kernel_at_least(min, rule)?
            {
                return Ok(Some(SkipReason::ExcludedKernel(min)));
            }
        }
        if let Some(inc) = includes {
            if !inc.arches.is_empty() && !inc.arches.iter().any(|a| a == self.native) {
                return Ok(Some(SkipReason::ArchNotIncluded));
            }
            if let Some(cap) = inc.caps.iter().find(|c| !self.has_cap(c)) {
                return Ok(Some(SkipReason::MissingCap(cap.clone())));
            }
            if let Some(min) = inc.min_kernel
                && !self.kernel_at_least(min, rule)?
            {
                return Ok(Some(SkipReason::KernelTooOld(min)));
            }
        }
        Ok(None)
    }
}
