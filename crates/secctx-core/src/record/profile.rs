//! The recorded seccomp profile: OCI/Localhost JSON and a security-profiles-operator object.
//!
//! Denied calls return `EPERM` (`defaultErrnoRet: 1`), as containerd's and Docker's
//! defaults do, so a missing syscall shows up as a visible "Operation not permitted" in the
//! verify run instead of the silent fallback `ENOSYS` would invite.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::observed::Observed;

/// `EPERM`.
pub const DEFAULT_ERRNO: u32 = 1;

/// The union of every architecture's syscall names of `observed`.
pub fn names(observed: &[&Observed]) -> BTreeSet<String> {
    observed
        .iter()
        .flat_map(|o| o.syscalls.values().flatten().cloned())
        .collect()
}

fn architectures(observed: &[&Observed]) -> Vec<String> {
    let mut a: BTreeSet<String> = observed
        .iter()
        .flat_map(|o| o.syscalls.keys().cloned())
        .collect();
    if a.is_empty() {
        a.insert("SCMP_ARCH_X86_64".into());
    }
    a.into_iter().collect()
}

/// The Localhost profile JSON (OCI `LinuxSeccomp` form, as runc, crun and secctx load it).
pub fn oci_profile(observed: &[&Observed]) -> Value {
    json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": DEFAULT_ERRNO,
        "architectures": architectures(observed),
        "syscalls": [{
            "names": names(observed).into_iter().collect::<Vec<_>>(),
            "action": "SCMP_ACT_ALLOW",
        }],
    })
}

/// The same profile as a security-profiles-operator `SeccompProfile` named `name` (the
/// operator installs it as `operator/<namespace>/<name>.json` on every node).
pub fn spo_object(observed: &[&Observed], name: &str, namespace: &str) -> Value {
    json!({
        "apiVersion": "security-profiles-operator.x-k8s.io/v1beta1",
        "kind": "SeccompProfile",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "defaultAction": "SCMP_ACT_ERRNO",
            "architectures": architectures(observed),
            "syscalls": [{
                "action": "SCMP_ACT_ALLOW",
                "names": names(observed).into_iter().collect::<Vec<_>>(),
            }],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_allows_exactly_the_union_sorted() {
        let mut a = Observed::default();
        a.syscalls
            .entry("SCMP_ARCH_X86_64".into())
            .or_default()
            .extend(["write", "execve", "read"].map(String::from));
        let mut b = Observed::default();
        b.syscalls
            .entry("SCMP_ARCH_X86".into())
            .or_default()
            .insert("socketcall".into());
        let p = oci_profile(&[&a, &b]);
        assert_eq!(
            p["syscalls"][0]["names"],
            json!(["execve", "read", "socketcall", "write"])
        );
        assert_eq!(
            p["architectures"],
            json!(["SCMP_ARCH_X86", "SCMP_ARCH_X86_64"])
        );
        assert_eq!(p["defaultAction"], "SCMP_ACT_ERRNO");
        let s = spo_object(&[&a], "web-app", "default");
        assert_eq!(s["kind"], "SeccompProfile");
        assert_eq!(
            s["spec"]["syscalls"][0]["names"],
            json!(["execve", "read", "write"])
        );
    }
}
