//! The opt-ins (`--allow CHANGE`) for remedies that change what the workload is or does.

use std::fmt;
use std::str::FromStr;

/// A kind of change `fix` makes only when asked (`--allow NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allow {
    /// Pick a non-root `runAsUser` from the image (it ran as root, or `runAsUser: 0` was
    /// written), with the `fsGroup` that keeps its written volumes writable.
    RunAsUser,
    /// Set `runAsNonRoot: true` where the image's user is not known (the kubelet then refuses
    /// to start a container whose image runs as root), or flip an explicit `false`.
    RunAsNonRoot,
    /// `privileged: true` → `false`.
    Privileged,
    /// Remove added capabilities the level forbids.
    Capabilities,
    /// `hostNetwork`, `hostPID`, `hostIPC` → `false`.
    HostNamespaces,
    /// Remove `hostPort`s.
    HostPorts,
    /// An explicit `allowPrivilegeEscalation: true` → `false`.
    PrivilegeEscalation,
    /// An explicit `Unconfined` seccomp profile → `RuntimeDefault`.
    Seccomp,
    /// An explicit `Unconfined` AppArmor profile → `RuntimeDefault`.
    Apparmor,
    /// Remove forbidden `seLinuxOptions` fields (`type`, `user`, `role`).
    Selinux,
    /// `procMount: Unmasked` → `Default`.
    ProcMount,
    /// Remove unsafe sysctls.
    Sysctls,
    /// Remove `host` from probes and lifecycle handlers (they then reach the pod's IP).
    ProbeHost,
}

impl Allow {
    /// Every opt-in, in the order `--help` lists them.
    pub const ALL: [Allow; 13] = [
        Allow::RunAsUser,
        Allow::RunAsNonRoot,
        Allow::Privileged,
        Allow::Capabilities,
        Allow::HostNamespaces,
        Allow::HostPorts,
        Allow::PrivilegeEscalation,
        Allow::Seccomp,
        Allow::Apparmor,
        Allow::Selinux,
        Allow::ProcMount,
        Allow::Sysctls,
        Allow::ProbeHost,
    ];

    /// The name `--allow` takes.
    pub fn name(self) -> &'static str {
        match self {
            Allow::RunAsUser => "run-as-user",
            Allow::RunAsNonRoot => "run-as-non-root",
            Allow::Privileged => "privileged",
            Allow::Capabilities => "capabilities",
            Allow::HostNamespaces => "host-namespaces",
            Allow::HostPorts => "host-ports",
            Allow::PrivilegeEscalation => "privilege-escalation",
            Allow::Seccomp => "seccomp",
            Allow::Apparmor => "apparmor",
            Allow::Selinux => "selinux",
            Allow::ProcMount => "proc-mount",
            Allow::Sysctls => "sysctls",
            Allow::ProbeHost => "probe-host",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Allow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An `--allow` value that names no opt-in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown change {given:?}: expected all or one of {}", Allow::ALL.map(Allow::name).join(", "))]
pub struct UnknownAllow {
    /// What was given.
    pub given: String,
}

impl FromStr for Allow {
    type Err = UnknownAllow;

    fn from_str(s: &str) -> Result<Allow, UnknownAllow> {
        Allow::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| UnknownAllow {
                given: s.to_owned(),
            })
    }
}

/// The opt-ins given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllowSet(u16);

impl AllowSet {
    /// No opt-in: only safe remedies are applied.
    pub fn none() -> AllowSet {
        AllowSet(0)
    }

    /// Every opt-in (`--allow all`).
    pub fn all() -> AllowSet {
        Allow::ALL.into_iter().collect()
    }

    /// Whether `a` is allowed.
    pub fn contains(self, a: Allow) -> bool {
        self.0 & a.bit() != 0
    }

    /// Whether every one of `needs` is allowed (true for none).
    pub fn covers(self, needs: &[Allow]) -> bool {
        needs.iter().all(|&a| self.contains(a))
    }

    /// Adds `a`.
    pub fn insert(&mut self, a: Allow) {
        self.0 |= a.bit();
    }
}

impl FromIterator<Allow> for AllowSet {
    fn from_iter<I: IntoIterator<Item = Allow>>(iter: I) -> AllowSet {
        let mut s = AllowSet::none();
        for a in iter {
            s.insert(a);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sets() {
        for a in Allow::ALL {
            assert_eq!(a.name().parse::<Allow>(), Ok(a));
        }
        let e = "root".parse::<Allow>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown change \"root\": expected all or one of run-as-user, ")
        );
        let s: AllowSet = [Allow::Seccomp].into_iter().collect();
        assert!(s.contains(Allow::Seccomp) && !s.contains(Allow::Sysctls));
        assert!(s.covers(&[]) && s.covers(&[Allow::Seccomp]));
        assert!(!s.covers(&[Allow::Seccomp, Allow::Sysctls]));
        assert!(AllowSet::all().covers(&Allow::ALL));
    }
}
