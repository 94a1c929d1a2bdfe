//! Which seccomp profile a container gets: the container's `seccompProfile`, else the pod's,
//! else RuntimeDefault when the kubelet runs with `seccompDefault: true`, else Unconfined
//! (`getSeccompProfile`). containerd then applies nothing to privileged containers.

use k8s_openapi::api::core::v1::{PodSecurityContext, SeccompProfile};
use serde::Serialize;

use super::container::ContainerRef;
use super::fact::{Fact, Source};

/// The profile chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SeccompChoice {
    /// No filter.
    Unconfined,
    /// containerd's built-in default profile.
    RuntimeDefault,
    /// A JSON profile on the node.
    Localhost {
        /// `<seccomp root>/<localhostProfile>`.
        path: String,
    },
}

/// The seccomp decision for one container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seccomp {
    /// What the kubelet asks for.
    pub requested: Fact<SeccompChoice>,
    /// What the process gets (nothing for a privileged container).
    pub applied: SeccompChoice,
    /// `Seccomp:` in `/proc/<pid>/status` (0 none, 2 filter).
    pub proc_mode: u8,
    /// The kubelet's error, when the profile cannot be built.
    pub error: Option<String>,
}

fn from_field(p: &SeccompProfile, root: &str) -> Result<SeccompChoice, String> {
    match p.type_.as_str() {
        "RuntimeDefault" => Ok(SeccompChoice::RuntimeDefault),
        "Localhost" => match p.localhost_profile.as_deref() {
            Some(name) if !name.is_empty() => Ok(SeccompChoice::Localhost {
                path: join(root, name),
            }),
            _ => Err("localhostProfile must be set if seccompProfile type is Localhost.".into()),
        },
        _ => Ok(SeccompChoice::Unconfined),
    }
}

/// `filepath.Join(root, name)`: joined with `/`, then cleaned.
pub fn join(root: &str, name: &str) -> String {
    let joined = format!("{root}/{name}");
    let absolute = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    if absolute { format!("/{body}") } else { body }
}

/// Resolves the seccomp profile of one container.
pub fn resolve_seccomp(
    pod: Option<&PodSecurityContext>,
    container: &ContainerRef<'_>,
    privileged: bool,
    seccomp_default: bool,
    root: &str,
) -> Seccomp {
    let own = container
        .security_context
        .and_then(|s| s.seccomp_profile.as_ref())
        .map(|p| {
            (
                p,
                Source::ContainerField(container.security_field("seccompProfile")),
            )
        });
    let pod_level = pod.and_then(|p| p.seccomp_profile.as_ref()).map(|p| {
        (
            p,
            Source::PodField("spec.securityContext.seccompProfile".into()),
        )
    });
    let (requested, error) = match own.or(pod_level) {
        Some((p, src)) => match from_field(p, root) {
            Ok(choice) => (Fact::known(choice, src), None),
            Err(e) => (Fact::unknown(e.clone(), src), Some(e)),
        },
        None if seccomp_default => (
            Fact::known(
                SeccompChoice::RuntimeDefault,
                Source::NodeOption("kubelet seccompDefault: true".into()),
            ),
            None,
        ),
        None => (
            Fact::known(
                SeccompChoice::Unconfined,
                Source::NodeOption(
                    "no seccompProfile and kubelet seccompDefault is false: Unconfined".into(),
                ),
            ),
            None,
        ),
    };
    let applied = if privileged {
        SeccompChoice::Unconfined
    } else {
        requested
            .get()
            .cloned()
            .unwrap_or(SeccompChoice::Unconfined)
    };
    let proc_mode = if applied == SeccompChoice::Unconfined {
        0
    } else {
        2
    };
    Seccomp {
        requested,
        applied,
        proc_mode,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_like_go() {
        assert_eq!(
            join("/var/lib/kubelet/seccomp", "my-profiles/profile-allow.json"),
            "/var/lib/kubelet/seccomp/my-profiles/profile-allow.json"
        );
        assert_eq!(
            join("/var/lib/kubelet/seccomp/", "./a//b.json"),
            "/var/lib/kubelet/seccomp/a/b.json"
        );
    }
}
