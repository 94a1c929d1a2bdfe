//! What an SCC sets on a pod (`provider.go` Create*SecurityContext, spec §3.5): only unset
//! fields, plus capability lists augmented with the SCC's default adds and required drops.
//! Every field set is recorded with where its value came from.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Capabilities, PodSpec, SELinuxOptions, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::allocation::{MCS_ANNOTATION, SUPPLEMENTAL_GROUPS_ANNOTATION, UID_RANGE_ANNOTATION};
use super::containers::containers_mut;
use super::provider::{Provider, UidRule};
use super::seccomp;

/// One field admission set.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// The field, as the API server names it (`spec.containers[0].securityContext.runAsUser`).
    pub path: String,
    /// The value set, as YAML would show it.
    pub value: String,
    /// Where the value came from.
    pub source: String,
}

fn ns_source(annotation: &str) -> String {
    format!("namespace annotation {annotation}")
}

/// Fills the pod's unset fields from the provider. `meta` and `spec` are a copy of the pod.
pub fn mutate(p: &Provider, meta: &mut ObjectMeta, spec: &mut PodSpec, changes: &mut Vec<Change>) {
    let scc = p.scc;
    let name = &scc.name;
    let had_psc = spec.security_context.is_some();
    let psc = spec.security_context.get_or_insert_with(Default::default);

    if psc.supplemental_groups.is_none()
        && let Some(r) = &p.supplemental_groups
    {
        psc.supplemental_groups = Some(vec![r[0].min]);
        changes.push(Change {
            path: "spec.securityContext.supplementalGroups".into(),
            value: format!("[{}]", r[0].min),
            source: if p.groups_from_namespace.1 {
                ns_source(SUPPLEMENTAL_GROUPS_ANNOTATION)
            } else {
                format!("SCC {name} supplementalGroups.ranges[0].min")
            },
        });
    }
    if psc.fs_group.is_none()
        && let Some(r) = &p.fs_group
    {
        psc.fs_group = Some(r[0].min);
        changes.push(Change {
            path: "spec.securityContext.fsGroup".into(),
            value: r[0].min.to_string(),
            source: if p.groups_from_namespace.0 {
                ns_source(SUPPLEMENTAL_GROUPS_ANNOTATION)
            } else {
                format!("SCC {name} fsGroup.ranges[0].min")
            },
        });
    }
    if psc.se_linux_options.is_none()
        && let Some(o) = &p.selinux
    {
        psc.se_linux_options = Some(selinux_options(o));
        changes.push(Change {
            path: "spec.securityContext.seLinuxOptions".into(),
            value: render_selinux(o),
            source: if p.selinux_from_namespace {
                ns_source(MCS_ANNOTATION)
            } else {
                format!("SCC {name} seLinuxContext.seLinuxOptions")
            },
        });
    }
    // Seccomp is generated at pod level only: the annotation wins, then the field, then the
    // SCC's default; the result is written as both annotation and field.
    let annotations = meta.annotations.get_or_insert_with(Default::default);
    let existing = annotations.get(seccomp::POD_ANNOTATION).cloned();
    let (profile, source) = match (&existing, &psc.seccomp_profile) {
        (Some(a), _) => (
            Some(a.clone()),
            format!("annotation {}", seccomp::POD_ANNOTATION),
        ),
        (None, Some(f)) => (
            Some(seccomp::annotation_for_field(f)),
            "spec.securityContext.seccompProfile".to_string(),
        ),
        (None, None) => (
            seccomp::default_profile(&scc.seccomp_profiles).map(str::to_string),
            format!("SCC {name} seccompProfiles"),
        ),
    };
    if let Some(profile) = profile {
        if existing.as_deref() != Some(profile.as_str()) {
            annotations.insert(seccomp::POD_ANNOTATION.into(), profile.clone());
            changes.push(Change {
                path: format!("metadata.annotations[{}]", seccomp::POD_ANNOTATION),
                value: profile.clone(),
                source: source.clone(),
            });
        }
        let field = seccomp::field_for_annotation(&profile);
        if psc.seccomp_profile != field {
            psc.seccomp_profile = field;
            changes.push(Change {
                path: "spec.securityContext.seccompProfile".into(),
                value: format!(
                    "{{type: {}}}",
                    psc.seccomp_profile
                        .as_ref()
                        .map_or("null", |s| s.type_.as_str())
                ),
                source,
            });
        }
    }
    if annotations.is_empty() {
        meta.annotations = None;
    }
    if !had_psc && spec.security_context.as_ref() == Some(&Default::default()) {
        spec.security_context = None;
    }

    let pod_sc = spec.security_context.clone().unwrap_or_default();
    // Only the per-container seccomp annotations matter below; most pods have none.
    let container_annotations: std::collections::BTreeMap<String, String> = meta
        .annotations
        .iter()
        .flatten()
        .filter(|(k, _)| k.starts_with(seccomp::CONTAINER_ANNOTATION_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for c in containers_mut(spec) {
        let (list, index) = (c.list, c.index);
        let sc = c.sc.get_or_insert_with(SecurityContext::default);
        let was_empty = *sc == SecurityContext::default();
        let mut push = |field: &str, value: String, source: String| {
            changes.push(Change {
                path: format!("spec.{list}[{index}].securityContext.{field}"),
                value,
                source,
            })
        };
        if sc.run_as_user.is_none() && pod_sc.run_as_user.is_none() {
            let uid = match p.uid {
                UidRule::Exact(u) => Some((u, format!("SCC {name} runAsUser.uid"))),
                UidRule::Range(min, _) => Some((
                    min,
                    if p.uid_from_namespace {
                        ns_source(UID_RANGE_ANNOTATION)
                    } else {
                        format!("SCC {name} runAsUser.uidRangeMin")
                    },
                )),
                UidRule::NonRoot | UidRule::Any => None,
            };
            if let Some((u, src)) = uid {
                sc.run_as_user = Some(u);
                push("runAsUser", u.to_string(), src);
            }
        }
        if sc.se_linux_options.is_none()
            && pod_sc.se_linux_options.is_none()
            && let Some(o) = &p.selinux
        {
            sc.se_linux_options = Some(selinux_options(o));
            push(
                "seLinuxOptions",
                render_selinux(o),
                format!("SCC {name} seLinuxContext"),
            );
        }
        if sc.run_as_non_root.is_none() && pod_sc.run_as_non_root.is_none() {
            let uid = sc.run_as_user.or(pod_sc.run_as_user);
            let non_root = match uid {
                None => p.uid == UidRule::NonRoot,
                Some(u) => u > 0,
            };
            if non_root {
                sc.run_as_non_root = Some(true);
                let why = match uid {
                    None => format!("SCC {name} runAsUser MustRunAsNonRoot"),
                    Some(u) => format!("runAsUser {u} is not root"),
                };
                push("runAsNonRoot", "true".into(), why);
            }
        }
        // Capabilities: default adds the container does not drop, plus its own adds; the
        // required drops plus its own drops; replaced only when a set grows.
        let cadd: BTreeSet<String> = sc
            .capabilities
            .as_ref()
            .and_then(|c| c.add.clone())
            .unwrap_or_default()
            .into_iter()
            .collect();
        let cdrop: BTreeSet<String> = sc
            .capabilities
            .as_ref()
            .and_then(|c| c.drop.clone())
            .unwrap_or_default()
            .into_iter()
            .collect();
        let add: BTreeSet<String> = scc
            .default_add_capabilities
            .iter()
            .filter(|c| !cdrop.contains(*c))
            .cloned()
            .chain(cadd.iter().cloned())
            .collect();
        let drop: BTreeSet<String> = scc
            .required_drop_capabilities
            .iter()
            .cloned()
            .chain(cdrop.iter().cloned())
            .collect();
        if add.len() != cadd.len() || drop.len() != cdrop.len() {
            let list =
                |s: BTreeSet<String>| (!s.is_empty()).then(|| s.into_iter().collect::<Vec<_>>());
            let (add_l, drop_l) = (list(add), list(drop));
            if add_l.as_ref().map_or(0, Vec::len) != cadd.len() {
                push(
                    "capabilities.add",
                    format!("{:?}", add_l.clone().unwrap_or_default()),
                    format!("SCC {name} defaultAddCapabilities"),
                );
            }
            if drop_l.as_ref().map_or(0, Vec::len) != cdrop.len() {
                push(
                    "capabilities.drop",
                    format!("{:?}", drop_l.clone().unwrap_or_default()),
                    format!("SCC {name} requiredDropCapabilities"),
                );
            }
            sc.capabilities = Some(Capabilities {
                add: add_l,
                drop: drop_l,
            });
        }
        if scc.read_only_root_filesystem && sc.read_only_root_filesystem.is_none() {
            sc.read_only_root_filesystem = Some(true);
            push(
                "readOnlyRootFilesystem",
                "true".into(),
                format!("SCC {name} readOnlyRootFilesystem"),
            );
        }
        let key = format!("{}{}", seccomp::CONTAINER_ANNOTATION_PREFIX, c.name);
        if let Some(a) = container_annotations.get(&key) {
            let f = seccomp::field_for_annotation(a);
            if sc.seccomp_profile != f {
                sc.seccomp_profile = f;
                push("seccompProfile", a.clone(), format!("annotation {key}"));
            }
        }
        let privileged = sc.privileged == Some(true);
        let sys_admin = sc
            .capabilities
            .as_ref()
            .and_then(|c| c.add.as_ref())
            .is_some_and(|a| a.iter().any(|c| c == "CAP_SYS_ADMIN"));
        if let Some(d) = scc.default_allow_privilege_escalation
            && sc.allow_privilege_escalation.is_none()
            && !privileged
            && !sys_admin
        {
            sc.allow_privilege_escalation = Some(d);
            push(
                "allowPrivilegeEscalation",
                d.to_string(),
                format!("SCC {name} defaultAllowPrivilegeEscalation"),
            );
        }
        if !scc.allow_privilege_escalation && sc.allow_privilege_escalation.is_none() {
            sc.allow_privilege_escalation = Some(false);
            push(
                "allowPrivilegeEscalation",
                "false".into(),
                format!("SCC {name} allowPrivilegeEscalation: false"),
            );
        }
        // A security context admission created but left empty is not written.
        if was_empty && *sc == SecurityContext::default() {
            *c.sc = None;
        }
    }
}

fn selinux_options(o: &super::scc::SeLinuxOptions) -> SELinuxOptions {
    let f = |s: &Option<String>| s.clone().filter(|v| !v.is_empty());
    SELinuxOptions {
        user: f(&o.user),
        role: f(&o.role),
        type_: f(&o.type_),
        level: f(&o.level),
    }
}

fn render_selinux(o: &super::scc::SeLinuxOptions) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("user", &o.user),
        ("role", &o.role),
        ("type", &o.type_),
        ("level", &o.level),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}: {v:?}"));
        }
    }
    format!("{{{}}}", parts.join(", "))
}
