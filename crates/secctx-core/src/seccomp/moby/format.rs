//! The moby profile JSON (`seccomp.go`: `Seccomp`, `Architecture`, `Syscall`, `Filter`).

use serde::{Deserialize, Deserializer};

use super::super::kernel::KernelVersion;
use super::super::model::{Action, Flag, LinuxSeccompArg, ScmpArch, null_as_default};

/// A moby profile: OCI `LinuxSeccomp` fields, `archMap`, and conditional rules.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MobyProfile {
    /// The default action; `None` when absent or `""`.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub default_action: Option<Action>,
    /// Copied to the output as is.
    #[serde(default)]
    pub default_errno_ret: Option<u32>,
    /// Explicit architectures (exclusive with `archMap`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub architectures: Vec<ScmpArch>,
    /// Copied to the output as is.
    #[serde(default, deserialize_with = "null_as_default")]
    pub flags: Vec<Flag>,
    /// Copied to the output as is.
    #[serde(default, deserialize_with = "null_as_default")]
    pub listener_path: String,
    /// Copied to the output as is.
    #[serde(default, deserialize_with = "null_as_default")]
    pub listener_metadata: String,
    /// Native architecture → sub-architectures; only the host's entry is used.
    #[serde(default, deserialize_with = "null_as_default")]
    pub arch_map: Vec<MobyArchitecture>,
    /// The rules, each possibly conditional.
    #[serde(default, deserialize_with = "null_as_default")]
    pub syscalls: Vec<MobySyscall>,
}

/// One `archMap` entry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MobyArchitecture {
    /// The native architecture this entry is for.
    pub architecture: ScmpArch,
    /// What else a process on it may call through (`SCMP_ARCH_X86` for `SCMP_ARCH_X86_64`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub sub_architectures: Vec<ScmpArch>,
}

/// One rule of a moby profile.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MobySyscall {
    /// Syscall names.
    #[serde(default, deserialize_with = "null_as_default")]
    pub names: Vec<String>,
    /// Deprecated single name (exclusive with `names`); `""` when absent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// What happens when the rule matches.
    pub action: Action,
    /// The errno of an `SCMP_ACT_ERRNO` rule.
    #[serde(default)]
    pub errno_ret: Option<u32>,
    /// Argument conditions.
    #[serde(default, deserialize_with = "null_as_default")]
    pub args: Vec<LinuxSeccompArg>,
    /// Free text, dropped on lowering.
    #[serde(default, deserialize_with = "null_as_default")]
    pub comment: String,
    /// The rule applies only if all of these hold.
    #[serde(default)]
    pub includes: Option<MobyFilter>,
    /// The rule is dropped if any of these holds.
    #[serde(default)]
    pub excludes: Option<MobyFilter>,
}

/// Conditions of a rule (`includes` or `excludes`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MobyFilter {
    /// `CAP_`-prefixed capability names, compared with the bounding list verbatim.
    #[serde(default, deserialize_with = "null_as_default")]
    pub caps: Vec<String>,
    /// moby's native architecture names (`amd64`, `x86`, `arm64`, `s390x`, …, see
    /// [`moby_native_arch`](super::moby_native_arch)).
    #[serde(default, deserialize_with = "null_as_default")]
    pub arches: Vec<String>,
    /// `"<kernel>.<major>"`; `""` means 0.0.
    #[serde(default, deserialize_with = "min_kernel")]
    pub min_kernel: Option<KernelVersion>,
}

fn empty_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Action>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format_args!("unknown seccomp action {s:?}"))),
    }
}

fn min_kernel<'de, D: Deserializer<'de>>(d: D) -> Result<Option<KernelVersion>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => KernelVersion::parse_min_kernel(&s)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}
