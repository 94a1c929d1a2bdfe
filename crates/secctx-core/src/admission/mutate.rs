//! What an SCC sets on a pod (`provider.go` Create*SecurityContext, spec §3.5): only unset
//! fields, plus capability lists augmented with the SCC's default adds and required drops.
//! Every field set is recorded with where its value came from.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Capabilities, PodSecurityContext, PodSpec, SELinuxOptions, SeccompProfile, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::allocation::{MCS_ANNOTATION, SUPPLEMENTAL_GROUPS_ANNOTATION, UID_RANGE_ANNOTATION};
use super::containers::{ContainerMut, split_mut};
use super::provider::{Provider, UidRule};
use super::seccomp;
use crate::fix::rules::{EscalationBlockers, uid_is_non_root};

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

/// Where mutation records the fields it sets: nowhere while an SCC is only being tried.
struct Recorder<'c>(Option<&'c mut Vec<Change>>);

impl Recorder<'_> {
    /// Records a change; `c` runs only when recording.
    fn push(&mut self, c: impl FnOnce() -> Change) {
        if let Some(v) = self.0.as_mut() {
            v.push(c());
        }
    }
}

/// The parts of a pod that admission changes, borrowed from a whole pod or from the copies of
/// its security contexts an SCC is tried on.
pub struct Parts<'a, 'm> {
    /// The pod's annotations as submitted (the seccomp annotations are read here).
    pub annotations: Option<&'a BTreeMap<String, String>>,
    /// The pod security context.
    pub psc: &'m mut Option<PodSecurityContext>,
    /// Every container, in admission order.
    pub containers: Vec<ContainerMut<'m>>,
}

/// Fills the pod's unset fields from the provider. `meta` and `spec` are a copy of the pod.
pub fn mutate(p: &Provider, meta: &mut ObjectMeta, spec: &mut PodSpec, changes: &mut Vec<Change>) {
    let original = meta.annotations.clone();
    let (psc, containers) = split_mut(spec);
    let pod_seccomp = mutate_parts(
        p,
        Parts {
            annotations: original.as_ref(),
            psc,
            containers,
        },
        Some(changes),
    );
    let annotations = meta.annotations.get_or_insert_with(Default::default);
    if let Some(profile) = pod_seccomp {
        annotations.insert(seccomp::POD_ANNOTATION.into(), profile);
    }
    if annotations.is_empty() {
        meta.annotations = None;
    }
}

/// Fills the unset fields of `parts` from the provider, recording each into `changes` when
/// given. Returns the pod seccomp annotation when it is to be set (the caller writes it).
pub fn mutate_parts(
    p: &Provider,
    parts: Parts,
    changes: Option<&mut Vec<Change>>,
) -> Option<String> {
    let mut rec = Recorder(changes);
    let scc = p.scc;
    let name = &scc.name;
    let Parts {
        annotations,
        psc: psc_slot,
        containers,
    } = parts;
    let had_psc = psc_slot.is_some();
    let psc = psc_slot.get_or_insert_with(Default::default);

    if psc.supplemental_groups.is_none()
        && let Some(r) = &p.supplemental_groups
    {
        psc.supplemental_groups = Some(vec![r[0].min]);
        rec.push(|| Change {
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
        rec.push(|| Change {
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
        rec.push(|| Change {
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
    let existing = annotations
        .and_then(|a| a.get(seccomp::POD_ANNOTATION))
        .map(String::as_str);
    enum From {
        Annotation,
        Field,
        Scc,
    }
    let (profile, from): (Option<Cow<str>>, From) = match (existing, &psc.seccomp_profile) {
        (Some(a), _) => (Some(Cow::Borrowed(a)), From::Annotation),
        (None, Some(f)) => (Some(seccomp::annotation_for_field(f)), From::Field),
        (None, None) => (
            seccomp::default_profile(&scc.seccomp_profiles).map(Cow::Borrowed),
            From::Scc,
        ),
    };
    let source = || match from {
        From::Annotation => format!("annotation {}", seccomp::POD_ANNOTATION),
        From::Field => "spec.securityContext.seccompProfile".to_string(),
        From::Scc => format!("SCC {name} seccompProfiles"),
    };
    let mut pod_seccomp = None;
    if let Some(profile) = profile {
        let set_annotation = existing != Some(&*profile);
        if set_annotation {
            rec.push(|| Change {
                path: format!("metadata.annotations[{}]", seccomp::POD_ANNOTATION),
                value: profile.to_string(),
                source: source(),
            });
        }
        if !same_profile(psc.seccomp_profile.as_ref(), &profile) {
            psc.seccomp_profile = seccomp::field_for_annotation(&profile);
            rec.push(|| Change {
                path: "spec.securityContext.seccompProfile".into(),
                value: format!(
                    "{{type: {}}}",
                    psc.seccomp_profile
                        .as_ref()
                        .map_or("null", |s| s.type_.as_str())
                ),
                source: source(),
            });
        }
        if set_annotation {
            pod_seccomp = Some(profile.into_owned());
        }
    }
    if !had_psc && *psc == PodSecurityContext::default() {
        *psc_slot = None;
    }

    let default_psc = PodSecurityContext::default();
    let pod_sc: &PodSecurityContext = psc_slot.as_ref().unwrap_or(&default_psc);
    for c in containers {
        let (list, index) = (c.list, c.index);
        let sc = c.sc.get_or_insert_with(SecurityContext::default);
        let was_empty = *sc == SecurityContext::default();
        let path = |field: &str| format!("spec.{list}[{index}].securityContext.{field}");
        if sc.run_as_user.is_none() && pod_sc.run_as_user.is_none() {
            let uid = match p.uid {
                UidRule::Exact(u) => Some(u),
                UidRule::Range(min, _) => Some(min),
                UidRule::NonRoot | UidRule::Any => None,
            };
            if let Some(u) = uid {
                sc.run_as_user = Some(u);
                rec.push(|| Change {
                    path: path("runAsUser"),
                    value: u.to_string(),
                    source: match p.uid {
                        UidRule::Range(..) if p.uid_from_namespace => {
                            ns_source(UID_RANGE_ANNOTATION)
                        }
                        UidRule::Range(..) => format!("SCC {name} runAsUser.uidRangeMin"),
                        _ => format!("SCC {name} runAsUser.uid"),
                    },
                });
            }
        }
        if sc.se_linux_options.is_none()
            && pod_sc.se_linux_options.is_none()
            && let Some(o) = &p.selinux
        {
            sc.se_linux_options = Some(selinux_options(o));
            rec.push(|| Change {
                path: path("seLinuxOptions"),
                value: render_selinux(o),
                source: format!("SCC {name} seLinuxContext"),
            });
        }
        if sc.run_as_non_root.is_none() && pod_sc.run_as_non_root.is_none() {
            let uid = sc.run_as_user.or(pod_sc.run_as_user);
            let non_root = match uid {
                None => p.uid == UidRule::NonRoot,
                Some(u) => uid_is_non_root(u),
            };
            if non_root {
                sc.run_as_non_root = Some(true);
                rec.push(|| Change {
                    path: path("runAsNonRoot"),
                    value: "true".into(),
                    source: match uid {
                        None => format!("SCC {name} runAsUser MustRunAsNonRoot"),
                        Some(u) => format!("runAsUser {u} is not root"),
                    },
                });
            }
        }
        // Capabilities: default adds the container does not drop, plus its own adds; the
        // required drops plus its own drops; replaced, as sorted sets, only when a set grows.
        let (cadd, cdrop) = match &sc.capabilities {
            Some(c) => (
                c.add.as_deref().unwrap_or(&[]),
                c.drop.as_deref().unwrap_or(&[]),
            ),
            None => (&[][..], &[][..]),
        };
        let add_grows = scc
            .default_add_capabilities
            .iter()
            .any(|d| !cdrop.contains(d) && !cadd.contains(d));
        let drop_grows = scc
            .required_drop_capabilities
            .iter()
            .any(|r| !cdrop.contains(r));
        if add_grows || drop_grows {
            let add: BTreeSet<&String> = scc
                .default_add_capabilities
                .iter()
                .filter(|c| !cdrop.contains(*c))
                .chain(cadd)
                .collect();
            let drop: BTreeSet<&String> =
                scc.required_drop_capabilities.iter().chain(cdrop).collect();
            let list = |s: BTreeSet<&String>| {
                (!s.is_empty()).then(|| s.into_iter().cloned().collect::<Vec<String>>())
            };
            let (add_l, drop_l) = (list(add), list(drop));
            if add_grows {
                rec.push(|| Change {
                    path: path("capabilities.add"),
                    value: format!("{:?}", add_l.clone().unwrap_or_default()),
                    source: format!("SCC {name} defaultAddCapabilities"),
                });
            }
            if drop_grows {
                rec.push(|| Change {
                    path: path("capabilities.drop"),
                    value: format!("{:?}", drop_l.clone().unwrap_or_default()),
                    source: format!("SCC {name} requiredDropCapabilities"),
                });
            }
            sc.capabilities = Some(Capabilities {
                add: add_l,
                drop: drop_l,
            });
        }
        if scc.read_only_root_filesystem && sc.read_only_root_filesystem.is_none() {
            sc.read_only_root_filesystem = Some(true);
            rec.push(|| Change {
                path: path("readOnlyRootFilesystem"),
                value: "true".into(),
                source: format!("SCC {name} readOnlyRootFilesystem"),
            });
        }
        if let Some(a) = super::checks::container_annotation(annotations, c.name)
            && !same_profile(sc.seccomp_profile.as_ref(), a)
        {
            sc.seccomp_profile = seccomp::field_for_annotation(a);
            rec.push(|| Change {
                path: path("seccompProfile"),
                value: a.to_string(),
                source: format!(
                    "annotation {}{}",
                    seccomp::CONTAINER_ANNOTATION_PREFIX,
                    c.name
                ),
            });
        }
        // The same rule `fix` follows: false is refused next to privileged or CAP_SYS_ADMIN.
        if let Some(d) = scc.default_allow_privilege_escalation
            && sc.allow_privilege_escalation.is_none()
            && EscalationBlockers::of(Some(sc)).none()
        {
            sc.allow_privilege_escalation = Some(d);
            rec.push(|| Change {
                path: path("allowPrivilegeEscalation"),
                value: d.to_string(),
                source: format!("SCC {name} defaultAllowPrivilegeEscalation"),
            });
        }
        if !scc.allow_privilege_escalation && sc.allow_privilege_escalation.is_none() {
            sc.allow_privilege_escalation = Some(false);
            rec.push(|| Change {
                path: path("allowPrivilegeEscalation"),
                value: "false".into(),
                source: format!("SCC {name} allowPrivilegeEscalation: false"),
            });
        }
        // A security context admission created but left empty is not written.
        if was_empty && *sc == SecurityContext::default() {
            *c.sc = None;
        }
    }
    pod_seccomp
}

/// Whether `field` is what the annotation `a` reads as (`field_for_annotation(a)`), without
/// building the field.
fn same_profile(field: Option<&SeccompProfile>, a: &str) -> bool {
    let want: Option<(&str, Option<&str>)> = match a {
        "unconfined" => Some(("Unconfined", None)),
        "runtime/default" | "docker/default" => Some(("RuntimeDefault", None)),
        _ => a
            .strip_prefix("localhost/")
            .filter(|p| !p.is_empty())
            .map(|p| ("Localhost", Some(p))),
    };
    match (field, want) {
        (None, None) => true,
        (Some(f), Some((t, l))) => f.type_ == t && f.localhost_profile.as_deref() == l,
        _ => false,
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
