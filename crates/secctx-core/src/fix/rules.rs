//! Rules the remedies share with SCC admission's defaulting (`admission::mutate`), so that the
//! two fill the same fields the same way.

use k8s_openapi::api::core::v1::SecurityContext;

/// What keeps `allowPrivilegeEscalation: false` from being written to a container: the API
/// server rejects it next to `privileged: true` or an added `CAP_SYS_ADMIN` (spelled so;
/// validation compares the literal string).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EscalationBlockers {
    /// `privileged: true`.
    pub privileged: bool,
    /// `capabilities.add` holds `CAP_SYS_ADMIN`.
    pub sys_admin: bool,
}

impl EscalationBlockers {
    /// The blockers of a container's security context.
    pub fn of(sc: Option<&SecurityContext>) -> EscalationBlockers {
        let Some(sc) = sc else {
            return EscalationBlockers::default();
        };
        EscalationBlockers {
            privileged: sc.privileged == Some(true),
            sys_admin: sc
                .capabilities
                .as_ref()
                .and_then(|c| c.add.as_ref())
                .is_some_and(|a| a.iter().any(|c| c == "CAP_SYS_ADMIN")),
        }
    }

    /// Whether nothing blocks it.
    pub fn none(self) -> bool {
        !self.privileged && !self.sys_admin
    }
}

/// Whether an explicit `runAsUser` makes `runAsNonRoot: true` hold (admission sets
/// `runAsNonRoot` from it; `fix` trusts it instead of the image).
pub fn uid_is_non_root(uid: i64) -> bool {
    uid > 0
}

/// The seccomp profile both fill an unset pod profile with under the restricted level.
pub const RUNTIME_DEFAULT: &str = "RuntimeDefault";
