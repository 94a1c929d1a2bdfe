//! The OCI `linux.seccomp` object, field for field as runtime-spec's Go types
//! (`specs-go/config.go`: `LinuxSeccomp`, `LinuxSyscall`, `LinuxSeccompArg`) marshal it.
//!
//! What "as Go marshals it" means for field presence (`encoding/json` with the struct tags
//! `omitempty` on everything but `defaultAction`, `names`, `action`, `index`, `value`, `op`):
//!
//! | field | emitted when |
//! |---|---|
//! | `defaultAction`, `names`, `action`, `index`, `value`, `op` | always |
//! | `defaultErrnoRet`, `errnoRet` (`*uint`) | set, even when 0 |
//! | `architectures`, `flags`, `syscalls`, `args` (slices) | non-empty (`[]` and `null` vanish) |
//! | `listenerPath`, `listenerMetadata` (strings) | non-empty |
//! | `valueTwo` (`uint64`) | non-zero |
//!
//! So a profile read by containerd and written back into `config.json` loses `"args": []`,
//! `"valueTwo": 0` and `"flags": []`; these types do the same. The last one matters: runc
//! reads a missing `flags` as "default flags" (`SECCOMP_FILTER_FLAG_SPEC_ALLOW`), so
//! `"flags": []` in a Localhost profile does not survive containerd.
//!
//! Decoding is strict where Go is lenient: unknown fields, unknown action/operator/arch names
//! and a missing `defaultAction`/`names`/`action` are errors here (Go would pass them on and
//! runc would fail at container start, or ignore them).

use serde::{Deserialize, Deserializer, Serialize};

pub use oci_spec::runtime::{
    Arch as ScmpArch, LinuxSeccompAction as Action, LinuxSeccompFilterFlag as Flag,
    LinuxSeccompOperator as Operator,
};

/// `linux.seccomp` of an OCI runtime spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinuxSeccomp {
    /// The action for every syscall no rule matches.
    pub default_action: Action,
    /// The errno `defaultAction` returns when it is `SCMP_ACT_ERRNO`/`SCMP_ACT_TRACE`
    /// (runc uses `EPERM` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_errno_ret: Option<u32>,
    /// The seccomp architectures the filter is built for (the native one is always added).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub architectures: Vec<ScmpArch>,
    /// `seccomp(2)` filter flags.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub flags: Vec<Flag>,
    /// Unix socket of the seccomp agent for `SCMP_ACT_NOTIFY`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub listener_path: String,
    /// Opaque data passed to the seccomp agent.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub listener_metadata: String,
    /// The rules, in order.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub syscalls: Vec<LinuxSyscall>,
}

/// One rule: an action for a list of syscall names, optionally only when arguments match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinuxSyscall {
    /// Syscall names, as libseccomp spells them.
    pub names: Vec<String>,
    /// What happens when the rule matches.
    pub action: Action,
    /// The errno of an `SCMP_ACT_ERRNO` (or the message of an `SCMP_ACT_TRACE`) rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno_ret: Option<u32>,
    /// Argument conditions, all of which must hold (runc splits conditions on the same
    /// argument index into separate rules, which then behave like "or").
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub args: Vec<LinuxSeccompArg>,
}

/// A condition on one syscall argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinuxSeccompArg {
    /// The argument index (0-based).
    pub index: u32,
    /// The value compared against (the mask for `SCMP_CMP_MASKED_EQ`).
    pub value: u64,
    /// The second value (the expected masked value for `SCMP_CMP_MASKED_EQ`); omitted when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub value_two: u64,
    /// The comparison.
    pub op: Operator,
}

impl LinuxSyscall {
    /// A rule allowing `names` without conditions.
    pub fn allow<S: AsRef<str>>(names: &[S]) -> LinuxSyscall {
        LinuxSyscall {
            names: names.iter().map(|n| n.as_ref().to_string()).collect(),
            action: Action::ScmpActAllow,
            errno_ret: None,
            args: Vec::new(),
        }
    }

    /// A rule allowing the single syscall `name` when `arg` holds.
    pub fn allow_if(name: &str, arg: LinuxSeccompArg) -> LinuxSyscall {
        LinuxSyscall {
            args: vec![arg],
            ..LinuxSyscall::allow(&[name])
        }
    }

    fn to_oci_spec(&self) -> oci_spec::runtime::LinuxSyscall {
        let mut out = oci_spec::runtime::LinuxSyscall::default();
        out.set_names(self.names.clone());
        out.set_action(self.action);
        out.set_errno_ret(self.errno_ret);
        let args = self
            .args
            .iter()
            .map(|a| {
                let arg = oci_spec::runtime::LinuxSeccompArgBuilder::default()
                    // u32 → usize is lossless on every target Linux runs on.
                    .index(a.index as usize)
                    .value(a.value)
                    .op(a.op);
                let arg = if a.value_two == 0 {
                    arg
                } else {
                    arg.value_two(a.value_two)
                };
                arg.build()
                    .expect("every LinuxSeccompArg field has a builder default")
            })
            .collect::<Vec<_>>();
        out.set_args((!args.is_empty()).then_some(args));
        out
    }
}

impl LinuxSeccomp {
    /// The same profile as `oci_spec`'s type, for code that builds a whole
    /// `oci_spec::runtime::Spec`. Empty lists and strings become `None` and a zero `valueTwo`
    /// becomes `None`, so `oci_spec` serialises it to the same JSON as [`LinuxSeccomp`] does.
    pub fn to_oci_spec(&self) -> oci_spec::runtime::LinuxSeccomp {
        let mut out = oci_spec::runtime::LinuxSeccomp::default();
        out.set_default_action(self.default_action);
        out.set_default_errno_ret(self.default_errno_ret);
        out.set_architectures(non_empty(&self.architectures));
        out.set_flags(non_empty(&self.flags));
        out.set_listener_path(
            (!self.listener_path.is_empty()).then(|| self.listener_path.clone().into()),
        );
        out.set_listener_metadata(
            (!self.listener_metadata.is_empty()).then(|| self.listener_metadata.clone()),
        );
        let rules = self
            .syscalls
            .iter()
            .map(LinuxSyscall::to_oci_spec)
            .collect::<Vec<_>>();
        out.set_syscalls((!rules.is_empty()).then_some(rules));
        out
    }
}

fn non_empty<T: Clone>(v: &[T]) -> Option<Vec<T>> {
    (!v.is_empty()).then(|| v.to_vec())
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// Go's `encoding/json` leaves a field at its zero value when the JSON says `null`.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
