//! The host architecture as Go names it (`runtime.GOARCH`): containerd and moby both pick
//! their architecture-dependent rules by switching on the GOARCH they were compiled for.

use std::fmt;
use std::str::FromStr;

/// A Linux `GOARCH`: the architecture containerd (or dockerd) was built for.
///
/// Only the ports Go ships for Linux are listed. containerd's switches also name
/// `mips64n32`, `mipsel64`, `mipsel64n32` and `s390`, and moby's name `mips64p32(le)`, `ppc`
/// and `s390`; no Go toolchain produces those, so those branches never run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GoArch {
    /// `386` (32-bit x86).
    I386,
    /// `amd64` (x86-64).
    Amd64,
    /// `arm` (32-bit ARM).
    Arm,
    /// `arm64` (AArch64).
    Arm64,
    /// `loong64` (LoongArch64).
    Loong64,
    /// `mips` (32-bit, big-endian).
    Mips,
    /// `mipsle` (32-bit, little-endian).
    Mipsle,
    /// `mips64` (big-endian).
    Mips64,
    /// `mips64le` (little-endian).
    Mips64le,
    /// `ppc64` (big-endian POWER).
    Ppc64,
    /// `ppc64le` (little-endian POWER).
    Ppc64le,
    /// `riscv64`.
    Riscv64,
    /// `s390x` (IBM Z).
    S390x,
}

impl GoArch {
    /// Every variant, in declaration order.
    pub const ALL: [GoArch; 13] = [
        GoArch::I386,
        GoArch::Amd64,
        GoArch::Arm,
        GoArch::Arm64,
        GoArch::Loong64,
        GoArch::Mips,
        GoArch::Mipsle,
        GoArch::Mips64,
        GoArch::Mips64le,
        GoArch::Ppc64,
        GoArch::Ppc64le,
        GoArch::Riscv64,
        GoArch::S390x,
    ];

    /// The `GOARCH` spelling (`amd64`, `386`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            GoArch::I386 => "386",
            GoArch::Amd64 => "amd64",
            GoArch::Arm => "arm",
            GoArch::Arm64 => "arm64",
            GoArch::Loong64 => "loong64",
            GoArch::Mips => "mips",
            GoArch::Mipsle => "mipsle",
            GoArch::Mips64 => "mips64",
            GoArch::Mips64le => "mips64le",
            GoArch::Ppc64 => "ppc64",
            GoArch::Ppc64le => "ppc64le",
            GoArch::Riscv64 => "riscv64",
            GoArch::S390x => "s390x",
        }
    }

    /// The `GOARCH` of a host from its `uname -m` machine name (`x86_64`, `aarch64`, …);
    /// `None` for machines Go has no Linux port for, or whose endianness the name does not tell
    /// (`mips`, `mips64`: callers must know the byte order).
    pub fn from_uname_machine(machine: &str) -> Option<GoArch> {
        Some(match machine {
            "x86_64" => GoArch::Amd64,
            "i386" | "i486" | "i586" | "i686" => GoArch::I386,
            "aarch64" | "arm64" => GoArch::Arm64,
            m if m.starts_with("armv") => GoArch::Arm,
            "loongarch64" => GoArch::Loong64,
            "ppc64" => GoArch::Ppc64,
            "ppc64le" => GoArch::Ppc64le,
            "riscv64" => GoArch::Riscv64,
            "s390x" => GoArch::S390x,
            _ => return None,
        })
    }

    /// `ENOSYS` on this architecture (`golang.org/x/sys/unix.ENOSYS`): 89 on MIPS, 38 elsewhere.
    pub fn enosys(self) -> u32 {
        match self {
            GoArch::Mips | GoArch::Mipsle | GoArch::Mips64 | GoArch::Mips64le => {
                super::syscall_lists::ENOSYS_MIPS
            }
            _ => super::syscall_lists::ENOSYS,
        }
    }
}

impl fmt::Display for GoArch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a Linux `GOARCH`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown GOARCH {0:?}: expected one of 386, amd64, arm, arm64, loong64, mips, mipsle, mips64, mips64le, ppc64, ppc64le, riscv64, s390x"
)]
pub struct UnknownGoArch(pub String);

impl FromStr for GoArch {
    type Err = UnknownGoArch;

    fn from_str(s: &str) -> Result<GoArch, UnknownGoArch> {
        GoArch::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownGoArch(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goarch_names_round_trip() {
        for a in GoArch::ALL {
            assert_eq!(a.as_str().parse::<GoArch>(), Ok(a));
        }
        assert!("x86_64".parse::<GoArch>().is_err());
        assert!("mipsel64".parse::<GoArch>().is_err());
    }

    #[test]
    fn uname_machines() {
        assert_eq!(GoArch::from_uname_machine("x86_64"), Some(GoArch::Amd64));
        assert_eq!(GoArch::from_uname_machine("aarch64"), Some(GoArch::Arm64));
        assert_eq!(GoArch::from_uname_machine("armv7l"), Some(GoArch::Arm));
        assert_eq!(GoArch::from_uname_machine("i686"), Some(GoArch::I386));
        assert_eq!(GoArch::from_uname_machine("mips64"), None);
    }
}
