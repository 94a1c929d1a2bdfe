//! RBAC grants of verb `use` on SCCs, from Role, ClusterRole, RoleBinding and
//! ClusterRoleBinding objects (`rbac.authorization.k8s.io/v1`), as OpenShift's SCC authorizer
//! sees them (spec §3.4 step 5): it asks the RBAC authorizer whether a subject may `use`
//! `securitycontextconstraints.security.openshift.io/<name>` in the pod's namespace.
//!
//! Rules match as the RBAC authorizer matches them: a verb `use` or `*`, an API group
//! `security.openshift.io` or `*`, a resource `securitycontextconstraints` or `*`, and
//! `resourceNames` empty (every SCC) or naming the SCC. A ClusterRoleBinding grants everywhere;
//! a RoleBinding (to a Role of its namespace or to a ClusterRole) only in its own namespace.
//! A ServiceAccount subject is the user `system:serviceaccount:<ns>:<name>`, its namespace
//! defaulting to the RoleBinding's (a ClusterRoleBinding's ServiceAccount subject without a
//! namespace matches nobody). Aggregated ClusterRoles (`aggregationRule`) are not expanded:
//! their rules are the ones written in the object.

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::authz::Grant;
use super::scc::SccError;
use crate::yaml::parse_stream;

/// The API group of RBAC.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// The API group of SCCs.
pub const SCC_GROUP: &str = "security.openshift.io";
/// The SCC resource.
pub const SCC_RESOURCE: &str = "securitycontextconstraints";

/// One RBAC object.
#[derive(Clone, Debug, PartialEq)]
pub enum RbacObject {
    /// A Role.
    Role(Role),
    /// A ClusterRole.
    ClusterRole(ClusterRole),
    /// A RoleBinding.
    RoleBinding(RoleBinding),
    /// A ClusterRoleBinding.
    ClusterRoleBinding(ClusterRoleBinding),
}

fn typed<T: DeserializeOwned>(json: Json) -> Result<T, SccError> {
    serde_path_to_error::deserialize(json).map_err(|e| SccError {
        message: format!("{}: {}", e.path(), e.inner()),
    })
}

impl RbacObject {
    /// Reads one object from its JSON form; `None` when it is not one of the four kinds.
    pub fn from_json(json: Json) -> Option<Result<RbacObject, SccError>> {
        let api_version = json.get("apiVersion").and_then(Json::as_str)?;
        if api_version != format!("{RBAC_GROUP}/v1") {
            return None;
        }
        Some(match json.get("kind").and_then(Json::as_str)? {
            "Role" => typed(json).map(RbacObject::Role),
            "ClusterRole" => typed(json).map(RbacObject::ClusterRole),
            "RoleBinding" => typed(json).map(RbacObject::RoleBinding),
            "ClusterRoleBinding" => typed(json).map(RbacObject::ClusterRoleBinding),
            _ => return None,
        })
    }
}

/// Reads every Role, ClusterRole, RoleBinding and ClusterRoleBinding of a YAML or JSON text
/// (in `List`s too); documents of other kinds are skipped, and each bad one is an error that
/// names its document.
pub fn parse_rbac(text: &str) -> Vec<Result<RbacObject, SccError>> {
    let mut out = Vec::new();
    for doc in parse_stream(text) {
        let Ok(doc) = doc else {
            // A document that is not YAML is reported by whoever reads it for its own kinds.
            continue;
        };
        let pos = doc.root.pos;
        let Ok(json) = doc.root.to_json() else {
            continue;
        };
        let items = match json.get("kind").and_then(Json::as_str) {
            Some(k) if k.ends_with("List") => json
                .get("items")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => vec![json],
        };
        for item in items {
            if let Some(r) = RbacObject::from_json(item) {
                out.push(r.map_err(|e| SccError {
                    message: format!("{pos}: {}", e.message),
                }));
            }
        }
    }
    out
}

/// Whether a rule allows verb `use` on the SCC resource; `Some(names)` when it does (empty:
/// every SCC).
fn use_of_sccs(rule: &PolicyRule) -> Option<Vec<String>> {
    let has = |list: Option<&Vec<String>>, want: &str| {
        list.is_some_and(|l| l.iter().any(|v| v == "*" || v == want))
    };
    (has(Some(&rule.verbs), "use")
        && has(rule.api_groups.as_ref(), SCC_GROUP)
        && has(rule.resources.as_ref(), SCC_RESOURCE))
    .then(|| rule.resource_names.clone().unwrap_or_default())
}

/// The users and groups of a binding's subjects; `namespace` is a RoleBinding's.
fn subjects(subjects: &[Subject], namespace: Option<&str>) -> (Vec<String>, Vec<String>) {
    let (mut users, mut groups) = (Vec::new(), Vec::new());
    for s in subjects {
        match s.kind.as_str() {
            "User" => users.push(s.name.clone()),
            "Group" => groups.push(s.name.clone()),
            "ServiceAccount" => {
                let ns = s
                    .namespace
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .or(namespace.filter(|n| !n.is_empty()));
                if let Some(ns) = ns {
                    users.push(format!("system:serviceaccount:{ns}:{}", s.name));
                }
            }
            _ => {}
        }
    }
    (users, groups)
}

/// The `use` grants of SCCs the objects make. Objects without `metadata.namespace` are in
/// `default_namespace` (as `kubectl apply` would place them).
pub fn grants(objects: &[RbacObject], default_namespace: &str) -> Vec<Grant> {
    let ns_of = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        m.namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| default_namespace.to_string())
    };
    let name_of = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        m.name.clone().unwrap_or_default()
    };
    // The rules a roleRef points at, from a binding in `namespace` (None: cluster-wide).
    let rules = |r: &RoleRef, namespace: Option<&str>| -> Vec<PolicyRule> {
        let found = objects.iter().find_map(|o| match (o, r.kind.as_str()) {
            (RbacObject::ClusterRole(c), "ClusterRole") if name_of(&c.metadata) == r.name => {
                Some(c.rules.clone().unwrap_or_default())
            }
            (RbacObject::Role(role), "Role")
                if name_of(&role.metadata) == r.name
                    && Some(ns_of(&role.metadata).as_str()) == namespace =>
            {
                Some(role.rules.clone().unwrap_or_default())
            }
            _ => None,
        });
        found.unwrap_or_default()
    };
    let mut out = Vec::new();
    for o in objects {
        let (namespace, role_ref, subj, source) = match o {
            RbacObject::RoleBinding(b) => {
                let ns = ns_of(&b.metadata);
                let source = format!(
                    "RoleBinding {ns}/{} to {} {}",
                    name_of(&b.metadata),
                    b.role_ref.kind,
                    b.role_ref.name
                );
                (Some(ns), &b.role_ref, b.subjects.as_deref(), source)
            }
            RbacObject::ClusterRoleBinding(b) if b.role_ref.kind == "ClusterRole" => {
                let source = format!(
                    "ClusterRoleBinding {} to ClusterRole {}",
                    name_of(&b.metadata),
                    b.role_ref.name
                );
                (None, &b.role_ref, b.subjects.as_deref(), source)
            }
            _ => continue,
        };
        let (users, groups) = subjects(subj.unwrap_or(&[]), namespace.as_deref());
        if users.is_empty() && groups.is_empty() {
            continue;
        }
        for rule in rules(role_ref, namespace.as_deref()) {
            let Some(names) = use_of_sccs(&rule) else {
                continue;
            };
            // `resourceNames` are literal: a `*` there names no SCC (names are DNS subdomains).
            let names = if names.is_empty() {
                vec!["*".to_string()]
            } else {
                names.into_iter().filter(|n| n != "*").collect()
            };
            for scc in names {
                out.push(Grant {
                    scc,
                    namespace: namespace.clone(),
                    users: users.clone(),
                    groups: groups.clone(),
                    source: source.clone(),
                });
            }
        }
    }
    out
}
