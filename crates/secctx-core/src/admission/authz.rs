//! Who may use an SCC (`scc_authz_check.go`, spec §3.4 step 5): the pod's service account,
//! then the requesting user; each qualifies through the SCC's own `users`/`groups` or an RBAC
//! grant of verb `use`.

use super::scc::Scc;

/// A requester: a user name and its groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name (`system:serviceaccount:<ns>:<sa>` for a service account).
    pub name: String,
    /// Its groups.
    pub groups: Vec<String>,
}

impl UserInfo {
    /// The synthetic user admission checks for a pod's service account: its name and the
    /// groups `system:serviceaccounts` and `system:serviceaccounts:<ns>` (not
    /// `system:authenticated`).
    pub fn service_account(namespace: &str, sa: &str) -> UserInfo {
        UserInfo {
            name: format!("system:serviceaccount:{namespace}:{sa}"),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{namespace}"),
            ],
        }
    }

    /// A requesting user as the API server authenticates a service account token: the
    /// service account groups plus `system:authenticated`.
    pub fn requesting_service_account(namespace: &str, sa: &str) -> UserInfo {
        let mut u = UserInfo::service_account(namespace, sa);
        u.groups.push("system:authenticated".into());
        u
    }
}

/// A grant of verb `use` on an SCC (a RoleBinding or ClusterRoleBinding to a role that allows
/// it), to users and groups, cluster-wide or in one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The SCC's name (`*` for all).
    pub scc: String,
    /// The namespace of a RoleBinding; `None` for a ClusterRoleBinding.
    pub namespace: Option<String>,
    /// Users granted.
    pub users: Vec<String>,
    /// Groups granted.
    pub groups: Vec<String>,
    /// Where the grant comes from, for explanations.
    pub source: String,
}

/// Which subject may use an SCC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The pod's service account.
    ServiceAccount,
    /// The requesting user.
    User,
}

impl Subject {
    /// The value of `security.openshift.io/validated-scc-subject-type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::ServiceAccount => "serviceaccount",
            Subject::User => "user",
        }
    }
}

fn allows(scc: &Scc, grants: &[Grant], namespace: &str, who: &UserInfo) -> bool {
    let in_groups = |gs: &[String]| gs.iter().any(|g| who.groups.contains(g));
    if scc.users.contains(&who.name) || in_groups(&scc.groups) {
        return true;
    }
    grants.iter().any(|g| {
        (g.scc == scc.name || g.scc == "*")
            && g.namespace.as_deref().is_none_or(|n| n == namespace)
            && (g.users.contains(&who.name) || in_groups(&g.groups))
    })
}

/// The first subject allowed to use `scc`: the service account, else the user.
pub fn allowed_for(
    scc: &Scc,
    grants: &[Grant],
    namespace: &str,
    sa: &UserInfo,
    user: &UserInfo,
) -> Option<Subject> {
    if allows(scc, grants, namespace, sa) {
        Some(Subject::ServiceAccount)
    } else if allows(scc, grants, namespace, user) {
        Some(Subject::User)
    } else {
        None
    }
}
