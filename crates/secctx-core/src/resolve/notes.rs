//! Plain-language notes on the traps where Kubernetes does something users do not expect.

use serde::Serialize;

use super::caps::ProcCaps;
use super::effective::EffectiveContext;
use super::identity::{CriUser, Identity};
use super::quoted::{Quoted, QuotedList};
use crate::caps::CapSet;
use crate::image::ImageInfo;

/// A note about one container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    /// A stable identifier (`cap-not-effective`, ...).
    pub code: &'static str,
    /// The explanation (fixed texts are borrowed).
    pub message: std::borrow::Cow<'static, str>,
}

/// The facts the notes look at.
pub struct NoteInput<'a, 'b> {
    /// Its effective context.
    pub eff: &'b EffectiveContext<'a>,
    /// Its identity.
    pub identity: &'b Identity,
    /// Its capability sets.
    pub caps: Option<&'b ProcCaps>,
    /// Whether no_new_privs is set.
    pub no_new_privs: bool,
    /// Whether it is privileged.
    pub privileged: bool,
    /// The image, if known.
    pub image: Option<&'b ImageInfo>,
    /// Whether the pod network is the host's.
    pub host_network: bool,
}

/// The notes that apply.
pub fn notes(i: &NoteInput<'_, '_>) -> Vec<Note> {
    let mut out = Vec::new();
    // Borrowed slices (no list built); `QuotedList` prints them as `{:?}` would.
    let caps_field = i.eff.capabilities.as_ref();
    let adds: &[String] = caps_field
        .and_then(|c| c.value.add.as_deref())
        .unwrap_or_default();
    let drops: &[String] = caps_field
        .and_then(|c| c.value.drop.as_deref())
        .unwrap_or_default();
    let uid = i.identity.uid.get().copied();
    if let (Some(uid), Some(caps)) = (uid, i.caps)
        && uid != 0
        && !adds.is_empty()
        && caps.eff == CapSet::EMPTY
    {
        let mut msg = format!(
            "capabilities.add {} is in the bounding set only: uid {uid} is not root, so after execve CapPrm and CapEff are 0 (Kubernetes sets no ambient capabilities); only a binary with file capabilities could use them",
            QuotedList(adds)
        );
        if adds
            .iter()
            .any(|a| a.eq_ignore_ascii_case("NET_BIND_SERVICE"))
            && !i.host_network
        {
            msg.push_str(". Binding ports below 1024 still works in the pod network: containerd sets net.ipv4.ip_unprivileged_port_start=0 for the sandbox");
        }
        out.push(Note {
            code: "cap-not-effective",
            message: msg.into(),
        });
    }
    for list in [("add", adds), ("drop", drops)] {
        for name in list.1.iter() {
            if name.eq_ignore_ascii_case("ALL") && *name != "ALL" {
                out.push(Note {
                    code: "all-case",
                    message: format!(
                        "capabilities.{} {name:?}: containerd treats any case of ALL as ALL, but Pod Security's restricted level only accepts the exact string \"ALL\"",
                        list.0
                    )
            .into(),
                });
            } else if name
                .as_bytes()
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"CAP_"))
            {
                out.push(Note {
                    code: "cap-prefix",
                    message: format!(
                        "capabilities.{} {name:?}: containerd prefixes CAP_ again (CAP_{}), which runc ignores as an unknown capability; write it without CAP_",
                        list.0,
                        name.to_uppercase()
                    )
            .into(),
                });
            } else if !name.eq_ignore_ascii_case("ALL") && !is_upper(name) {
                out.push(Note {
                    code: "cap-case",
                    message: format!(
                        "capabilities.{} {name:?}: containerd upper-cases it, but Pod Security compares names exactly and will not accept the lower-case spelling",
                        list.0
                    )
            .into(),
                });
            }
        }
    }
    if i.eff.run_as_non_root.as_ref().is_some_and(|v| v.value)
        && i.eff.run_as_user.is_none()
        && let (Some(CriUser::Username(name)), Some(_)) = (i.identity.cri_user.get(), i.image)
    {
        out.push(Note {
            code: "nonroot-username",
            message: format!(
                "runAsNonRoot with image USER {name:?} (a name, not a number): the kubelet cannot verify it and refuses to start the container; set runAsUser or use a numeric USER"
            )
            .into(),
        });
    }
    if let Some(img) = i.image
        && img.user.contains(':')
        && i.eff.run_as_user.is_none()
        && i.eff.run_as_group.is_none()
    {
        out.push(Note {
            code: "image-group-ignored",
            message: format!(
                "the image USER {} names a group, but the kubelet passes only the user part; the primary gid comes from /etc/passwd (or 0); set runAsGroup to choose it",
                Quoted(&img.user)
            )
            .into(),
        });
    }
    if !i.no_new_privs && !i.privileged && uid.is_some_and(|u| u != 0) {
        out.push(Note {
            code: "nnp-unset",
            message: "allowPrivilegeEscalation is not false, so no_new_privs is not set: a setuid binary in the image can still gain privileges".into(),
        });
    }
    if i.privileged && !adds.is_empty() {
        out.push(Note {
            code: "privileged-caps",
            message: "privileged: capabilities.add/drop have no effect; the container gets every capability, no seccomp and no masked paths".into(),
        });
    }
    out
}

/// `name == name.to_uppercase()`, without building the upper-cased string.
fn is_upper(name: &str) -> bool {
    name.chars().all(|c| {
        let mut u = c.to_uppercase();
        u.next() == Some(c) && u.next().is_none()
    })
}
