//! RBAC `use` grants of SCCs (issue 12, bar 1's "plus"): Roles, ClusterRoles and their
//! bindings read from manifests grant an SCC to a pod's service account or to the requesting
//! user as OpenShift's SCC authorizer does. One table: each case is a set of RBAC objects, the
//! pod's namespace and service account, the requesting user, and who may use SCC `t`.

use secctx_core::admission::authz::{Subject, UserInfo, allowed_for};
use secctx_core::admission::compiled::{PodRequest, ProviderSet};
use secctx_core::admission::decide::Operation;
use secctx_core::admission::provider::NamespaceInfo;
use secctx_core::admission::rbac::{RbacObject, grants, parse_rbac};
use secctx_core::admission::scc::Scc;
use serde_json::json;

/// An SCC nobody is granted directly and that admits any pod.
fn scc(name: &str) -> Scc {
    Scc::from_json(json!({
        "apiVersion": "security.openshift.io/v1",
        "kind": "SecurityContextConstraints",
        "metadata": {"name": name},
        "runAsUser": {"type": "RunAsAny"},
        "seLinuxContext": {"type": "RunAsAny"},
    }))
    .unwrap()
}

fn role(kind: &str, ns: Option<&str>, name: &str, rules: &str) -> String {
    let ns = ns.map_or(String::new(), |n| format!("\n  namespace: {n}"));
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: {name}{ns}\nrules:\n{rules}\n---\n"
    )
}

fn binding(kind: &str, ns: Option<&str>, role_kind: &str, role: &str, subjects: &str) -> String {
    let ns = ns.map_or(String::new(), |n| format!("\n  namespace: {n}"));
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: b{ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: {role_kind}\n  name: {role}\nsubjects:\n{subjects}\n---\n"
    )
}

const USE_T: &str = "- apiGroups: [security.openshift.io]\n  resources: [securitycontextconstraints]\n  resourceNames: [t]\n  verbs: [use]";
const USE_ALL: &str = "- apiGroups: [security.openshift.io]\n  resources: [securitycontextconstraints]\n  verbs: [use]";
const SA_BUILDER: &str = "- kind: ServiceAccount\n  name: builder\n  namespace: app";
const SA_BUILDER_NO_NS: &str = "- kind: ServiceAccount\n  name: builder";
const USER_ALICE: &str = "- kind: User\n  apiGroup: rbac.authorization.k8s.io\n  name: alice";
const GROUP_DEVS: &str = "- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: devs";
const GROUP_NS_SAS: &str =
    "- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: system:serviceaccounts:app";

struct Case {
    name: &'static str,
    yaml: String,
    /// The pod's namespace and service account.
    ns: &'static str,
    sa: &'static str,
    /// Who may use SCC `t`.
    want: Option<Subject>,
}

fn case(
    name: &'static str,
    yaml: String,
    ns: &'static str,
    sa: &'static str,
    want: Option<Subject>,
) -> Case {
    Case {
        name,
        yaml,
        ns,
        sa,
        want,
    }
}

fn cases() -> Vec<Case> {
    let sa = Some(Subject::ServiceAccount);
    let user = Some(Subject::User);
    let cr_t = role("ClusterRole", None, "use-t", USE_T);
    let cr_all = role("ClusterRole", None, "use-all", USE_ALL);
    vec![
        case("no RBAC objects", String::new(), "app", "builder", None),
        case(
            "ClusterRoleBinding to the service account",
            cr_t.clone()
                + &binding(
                    "ClusterRoleBinding",
                    None,
                    "ClusterRole",
                    "use-t",
                    SA_BUILDER,
                ),
            "app",
            "builder",
            sa,
        ),
        case(
            "ClusterRoleBinding to another service account of the namespace",
            cr_t.clone()
                + &binding(
                    "ClusterRoleBinding",
                    None,
                    "ClusterRole",
                    "use-t",
                    SA_BUILDER,
                ),
            "app",
            "default",
            None,
        ),
        case(
            "ClusterRoleBinding to a service account without a namespace matches nobody",
            cr_t.clone()
                + &binding(
                    "ClusterRoleBinding",
                    None,
                    "ClusterRole",
                    "use-t",
                    SA_BUILDER_NO_NS,
                ),
            "app",
            "builder",
            None,
        ),
        case(
            "RoleBinding to a ClusterRole grants in its namespace",
            cr_t.clone()
                + &binding(
                    "RoleBinding",
                    Some("app"),
                    "ClusterRole",
                    "use-t",
                    SA_BUILDER,
                ),
            "app",
            "builder",
            sa,
        ),
        case(
            "RoleBinding in another namespace grants nothing here",
            cr_t.clone()
                + &binding(
                    "RoleBinding",
                    Some("other"),
                    "ClusterRole",
                    "use-t",
                    "- kind: ServiceAccount\n  name: builder\n  namespace: app",
                ),
            "app",
            "builder",
            None,
        ),
        case(
            "RoleBinding's service account subject defaults to the binding's namespace",
            cr_t.clone()
                + &binding(
                    "RoleBinding",
                    Some("app"),
                    "ClusterRole",
                    "use-t",
                    SA_BUILDER_NO_NS,
                ),
            "app",
            "builder",
            sa,
        ),
        case(
            "RoleBinding to a Role of its namespace",
            role("Role", Some("app"), "use-t", USE_T)
                + &binding("RoleBinding", Some("app"), "Role", "use-t", SA_BUILDER),
            "app",
            "builder",
            sa,
        ),
        case(
            "RoleBinding to a Role of another namespace grants nothing",
            role("Role", Some("other"), "use-t", USE_T)
                + &binding("RoleBinding", Some("app"), "Role", "use-t", SA_BUILDER),
            "app",
            "builder",
            None,
        ),
        case(
            "RoleBinding to a missing role grants nothing",
            binding(
                "RoleBinding",
                Some("app"),
                "ClusterRole",
                "missing",
                SA_BUILDER,
            ),
            "app",
            "builder",
            None,
        ),
        case(
            "objects without a namespace are in the default namespace",
            role("Role", None, "use-t", USE_T)
                + &binding("RoleBinding", None, "Role", "use-t", SA_BUILDER_NO_NS),
            "default",
            "builder",
            sa,
        ),
        case(
            "group of every service account of the namespace",
            cr_t.clone()
                + &binding(
                    "RoleBinding",
                    Some("app"),
                    "ClusterRole",
                    "use-t",
                    GROUP_NS_SAS,
                ),
            "app",
            "anyone",
            sa,
        ),
        case(
            "group of every service account",
            cr_t.clone()
                + &binding(
                    "ClusterRoleBinding",
                    None,
                    "ClusterRole",
                    "use-t",
                    "- kind: Group\n  name: system:serviceaccounts",
                ),
            "app",
            "anyone",
            sa,
        ),
        case(
            "User subject: the requesting user",
            cr_t.clone()
                + &binding(
                    "ClusterRoleBinding",
                    None,
                    "ClusterRole",
                    "use-t",
                    USER_ALICE,
                ),
            "app",
            "builder",
            user,
        ),
        case(
            "Group subject: the requesting user's group",
            cr_t.clone()
                + &binding(
                    "RoleBinding",
                    Some("app"),
                    "ClusterRole",
                    "use-t",
                    GROUP_DEVS,
                ),
            "app",
            "builder",
            user,
        ),
        case(
            "the service account is asked first",
            cr_t.clone()
                + &binding(
                    "ClusterRoleBinding",
                    None,
                    "ClusterRole",
                    "use-t",
                    &format!("{USER_ALICE}\n{SA_BUILDER}"),
                ),
            "app",
            "builder",
            sa,
        ),
        case(
            "resourceNames empty: every SCC",
            cr_all.clone()
                + &binding(
                    "ClusterRoleBinding",
                    None,
                    "ClusterRole",
                    "use-all",
                    SA_BUILDER,
                ),
            "app",
            "builder",
            sa,
        ),
        case(
            "resourceNames naming another SCC",
            role(
                "ClusterRole",
                None,
                "use-u",
                "- apiGroups: [security.openshift.io]\n  resources: [securitycontextconstraints]\n  resourceNames: [u]\n  verbs: [use]",
            ) + &binding(
                "ClusterRoleBinding",
                None,
                "ClusterRole",
                "use-u",
                SA_BUILDER,
            ),
            "app",
            "builder",
            None,
        ),
        case(
            "resourceNames '*' is a literal name, not a wildcard",
            role(
                "ClusterRole",
                None,
                "star",
                "- apiGroups: [security.openshift.io]\n  resources: [securitycontextconstraints]\n  resourceNames: ['*']\n  verbs: [use]",
            ) + &binding(
                "ClusterRoleBinding",
                None,
                "ClusterRole",
                "star",
                SA_BUILDER,
            ),
            "app",
            "builder",
            None,
        ),
        case(
            "wildcard verbs, groups and resources",
            role(
                "ClusterRole",
                None,
                "admin",
                "- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']",
            ) + &binding(
                "ClusterRoleBinding",
                None,
                "ClusterRole",
                "admin",
                SA_BUILDER,
            ),
            "app",
            "builder",
            sa,
        ),
        case(
            "verb get is not use",
            role(
                "ClusterRole",
                None,
                "get",
                "- apiGroups: [security.openshift.io]\n  resources: [securitycontextconstraints]\n  verbs: [get, list]",
            ) + &binding("ClusterRoleBinding", None, "ClusterRole", "get", SA_BUILDER),
            "app",
            "builder",
            None,
        ),
        case(
            "another API group",
            role(
                "ClusterRole",
                None,
                "psp",
                "- apiGroups: [policy]\n  resources: [securitycontextconstraints]\n  verbs: [use]",
            ) + &binding("ClusterRoleBinding", None, "ClusterRole", "psp", SA_BUILDER),
            "app",
            "builder",
            None,
        ),
        case(
            "another resource",
            role(
                "ClusterRole",
                None,
                "psp",
                "- apiGroups: [security.openshift.io]\n  resources: [rangeallocations]\n  verbs: [use]",
            ) + &binding("ClusterRoleBinding", None, "ClusterRole", "psp", SA_BUILDER),
            "app",
            "builder",
            None,
        ),
        case(
            "a ClusterRoleBinding to a Role is ignored",
            role("Role", Some("app"), "use-t", USE_T)
                + &binding("ClusterRoleBinding", None, "Role", "use-t", SA_BUILDER),
            "app",
            "builder",
            None,
        ),
        case("in a List", LIST.into(), "app", "builder", sa),
    ]
}

const LIST: &str = "apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: use-t}
  rules: [{apiGroups: [security.openshift.io], resources: [securitycontextconstraints], resourceNames: [t], verbs: [use]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: b}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: use-t}
  subjects: [{kind: ServiceAccount, name: builder, namespace: app}]
";

#[test]
fn rbac_use_grants_table() {
    let cases = cases();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    let t = scc("t");
    let requester = UserInfo {
        name: "alice".into(),
        groups: vec!["devs".into(), "system:authenticated".into()],
    };
    let mut failures = Vec::new();
    for c in &cases {
        let objects: Vec<RbacObject> = parse_rbac(&c.yaml)
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", c.name)))
            .collect();
        let g = grants(&objects, "default");
        let sa = UserInfo::service_account(c.ns, c.sa);
        let got = allowed_for(&t, &g, c.ns, &sa, &requester);
        if got != c.want {
            failures.push(format!(
                "{}: expected {:?}, got {got:?} (grants {g:?})",
                c.name, c.want
            ));
            continue;
        }
        // The same through a provider set and a decision.
        let ns = NamespaceInfo {
            name: c.ns.into(),
            annotations: Default::default(),
        };
        let sccs = [t.clone()];
        let set = ProviderSet::new(&sccs, &ns, &g);
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"serviceAccountName": c.sa, "containers": [{"name": "c", "image": "i"}]},
        }))
        .unwrap();
        let d = set.admit(&PodRequest {
            operation: Operation::Create,
            meta: &pod.metadata,
            spec: pod.spec.as_ref().unwrap(),
            old_meta: None,
            user: &requester,
        });
        let decided = d.chosen.as_ref().map(|(_, s)| *s);
        if decided != c.want {
            failures.push(format!(
                "{}: decision chose {decided:?}, expected {:?} ({:?})",
                c.name, c.want, d.denied
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_rbac_objects_are_errors_naming_their_document() {
    let errs: Vec<String> = parse_rbac(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: 5\n",
    )
    .into_iter()
    .map(|r| r.unwrap_err().to_string())
    .collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("5:1: roleRef: invalid type"),
        "{errs:?}"
    );
}
