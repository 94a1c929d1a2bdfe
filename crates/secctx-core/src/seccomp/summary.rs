//! What a profile allows, by syscall name — for `explain` output and tests — and what
//! `/proc/<pid>/status` shows for it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::model::{Action, LinuxSeccomp};

/// `EPERM`: the errno of an `SCMP_ACT_ERRNO` rule without `errnoRet` (runc's default).
pub const EPERM: u32 = 1;

/// The explicit rules of a profile, grouped by syscall name. The default action is not
/// folded in: a name in none of the sets gets `defaultAction`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyscallSummary {
    /// Names a rule without argument conditions allows (`SCMP_ACT_ALLOW` or `SCMP_ACT_LOG`).
    pub allowed: BTreeSet<String>,
    /// Names not in `allowed` that an allowing rule with argument conditions names: allowed
    /// only for some arguments.
    pub arg_filtered: BTreeSet<String>,
    /// Names a rule without argument conditions answers with `SCMP_ACT_ERRNO`, with the errno
    /// returned (`errnoRet`, else [`EPERM`]; the first such rule's). A name here and in
    /// `allowed` has conflicting rules, which libseccomp refuses when runc loads them.
    pub errno: BTreeMap<String, u32>,
}

impl SyscallSummary {
    /// Summarises the rules of `profile`.
    pub fn of(profile: &LinuxSeccomp) -> SyscallSummary {
        let mut s = SyscallSummary::default();
        let mut filtered = BTreeSet::new();
        for rule in &profile.syscalls {
            let unconditional = rule.args.is_empty();
            for name in &rule.names {
                match rule.action {
                    Action::ScmpActAllow | Action::ScmpActLog if unconditional => {
                        s.allowed.insert(name.clone());
                    }
                    Action::ScmpActAllow | Action::ScmpActLog => {
                        filtered.insert(name.clone());
                    }
                    Action::ScmpActErrno if unconditional => {
                        let errno = rule.errno_ret.unwrap_or(EPERM);
                        s.errno.entry(name.clone()).or_insert(errno);
                    }
                    _ => {}
                }
            }
        }
        s.arg_filtered = filtered.difference(&s.allowed).cloned().collect();
        s
    }
}

/// Why the container's own `execve` cannot pass `profile`, if it cannot: the runtime installs
/// the filter before it execs the entrypoint, so such a profile ends every container that
/// uses it with `StartError` (the Kubernetes tutorial's `violation.json` does this).
/// `None` when an unconditional rule or the default action allows (or logs) `execve`.
pub fn execve_blocked(profile: &LinuxSeccomp) -> Option<String> {
    let s = SyscallSummary::of(profile);
    if s.allowed.contains("execve") {
        return None;
    }
    if s.arg_filtered.contains("execve") {
        return Some("execve is allowed only for some arguments".into());
    }
    if let Some(errno) = s.errno.get("execve") {
        return Some(format!("execve is answered with errno {errno}"));
    }
    let explicit = profile
        .syscalls
        .iter()
        .find(|r| r.args.is_empty() && r.names.iter().any(|n| n == "execve"));
    let action = explicit.map_or(profile.default_action, |r| r.action);
    // The profile's own spelling (SCMP_ACT_ERRNO), as the user wrote it.
    let name = |a: Action| {
        serde_json::to_string(&a).map_or(format!("{a:?}"), |s| s.trim_matches('"').to_string())
    };
    match action {
        Action::ScmpActAllow | Action::ScmpActLog => None,
        a if explicit.is_some() => Some(format!("a rule answers execve with {}", name(a))),
        a => Some(format!(
            "defaultAction {} applies to execve (no rule allows it)",
            name(a)
        )),
    }
}

/// The seccomp mode of a process, as the `Seccomp:` line of `/proc/<pid>/status` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeccompMode {
    /// `0`: no seccomp.
    Disabled = 0,
    /// `1`: strict mode (`SECCOMP_SET_MODE_STRICT`; runc never uses it).
    Strict = 1,
    /// `2`: a BPF filter is installed.
    Filter = 2,
}

impl SeccompMode {
    /// The mode of a container process whose `linux.seccomp` is `profile`: runc installs a
    /// filter for any profile (even one that allows everything) and none without.
    pub fn of(profile: Option<&LinuxSeccomp>) -> SeccompMode {
        match profile {
            Some(_) => SeccompMode::Filter,
            None => SeccompMode::Disabled,
        }
    }

    /// The number `/proc/<pid>/status` prints.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The mode for the number `/proc/<pid>/status` prints; `None` for other numbers.
    pub fn from_u8(value: u8) -> Option<SeccompMode> {
        [
            SeccompMode::Disabled,
            SeccompMode::Strict,
            SeccompMode::Filter,
        ]
        .into_iter()
        .find(|m| m.as_u8() == value)
    }
}

impl fmt::Display for SeccompMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_u8())
    }
}

#[cfg(test)]
mod execve_tests {
    use super::*;
    use crate::seccomp::parse_localhost;

    #[test]
    fn execve_blocked_by_default_action_errno_and_allowed_by_rule() {
        let deny = parse_localhost(r#"{"defaultAction": "SCMP_ACT_ERRNO"}"#).unwrap();
        assert!(execve_blocked(&deny).unwrap().contains("defaultAction"));
        let allow = parse_localhost(
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["execve"], "action": "SCMP_ACT_ALLOW"}]}"#,
        )
        .unwrap();
        assert_eq!(execve_blocked(&allow), None);
        let log = parse_localhost(r#"{"defaultAction": "SCMP_ACT_LOG"}"#).unwrap();
        assert_eq!(execve_blocked(&log), None);
        let errno = parse_localhost(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["execve"], "action": "SCMP_ACT_ERRNO"}]}"#,
        )
        .unwrap();
        assert!(execve_blocked(&errno).unwrap().contains("errno 1"));
    }
}
