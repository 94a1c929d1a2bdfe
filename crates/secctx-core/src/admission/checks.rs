//! Whether a pod satisfies an SCC (`provider.go` Validate*SecurityContext and the strategies'
//! Validate, spec §3.6), with upstream's field paths, values and details, in upstream's order:
//! the pod first, then each container. Validation reads a [`View`]: the submitted pod with the
//! security contexts a provider's mutation would leave, so that no pod is copied to try an
//! SCC; field paths and messages are rendered only for the errors found.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Bound;

use k8s_openapi::api::core::v1::{
    PodSecurityContext, PodSpec, SELinuxOptions, SecurityContext, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::containers::{ContainerRef, containers};
use super::fielderr::{Errors, FieldError, GoValue, Path, Root};
use super::provider::{Provider, UidRule};
use super::scc::IdRange;
use super::seccomp;

/// A pod as validation reads it: the pod's own fields, and its security contexts and pod
/// seccomp annotation as mutation left them.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The pod's annotations (the per-container seccomp annotations are read here).
    pub annotations: Option<&'a BTreeMap<String, String>>,
    /// The pod seccomp annotation.
    pub pod_seccomp: Option<&'a str>,
    /// The pod security context.
    pub psc: Option<&'a PodSecurityContext>,
    /// The rest of the pod (host namespaces, volumes, containers' names and ports).
    pub spec: &'a PodSpec,
    /// The containers' security contexts in admission order; `None`: those of `spec`.
    pub containers: Option<&'a [Option<SecurityContext>]>,
    /// `containers(spec)`, when the caller has it already.
    pub refs: Option<&'a [ContainerRef<'a>]>,
    /// The [`volume_type`] of each volume, when the caller has them already (a decision
    /// that tries several SCCs reads each volume once).
    pub volume_types: Option<&'a [&'static str]>,
}

impl<'a> View<'a> {
    /// A whole pod as it is.
    pub fn of(meta: &'a ObjectMeta, spec: &'a PodSpec) -> View<'a> {
        let annotations = meta.annotations.as_ref();
        View {
            annotations,
            pod_seccomp: annotations
                .and_then(|a| a.get(seccomp::POD_ANNOTATION))
                .map(String::as_str),
            psc: spec.security_context.as_ref(),
            spec,
            containers: None,
            refs: None,
            volume_types: None,
        }
    }
}

/// The container seccomp annotation of container `name`, without building its key.
pub fn container_annotation<'a>(
    annotations: Option<&'a BTreeMap<String, String>>,
    name: &str,
) -> Option<&'a str> {
    annotations?
        .range::<str, _>((
            Bound::Included(seccomp::CONTAINER_ANNOTATION_PREFIX),
            Bound::Unbounded,
        ))
        .take_while(|(k, _)| k.starts_with(seccomp::CONTAINER_ANNOTATION_PREFIX))
        .find(|(k, _)| &k[seccomp::CONTAINER_ANNOTATION_PREFIX.len()..] == name)
        .map(|(_, v)| v.as_str())
}

/// Every violation of `p` by the pod.
pub fn validate<'a>(
    p: &'a Provider,
    meta: &'a ObjectMeta,
    spec: &'a PodSpec,
) -> Vec<FieldError<'a>> {
    let mut errs = Errors::collect();
    validate_view(p, &View::of(meta, spec), &mut errs);
    errs.list
}

/// Every violation of `p` by the pod `v`, into `errs`.
pub fn validate_view<'e>(p: &'e Provider, v: &View<'e>, errs: &mut Errors<'e>) {
    let spec = v.spec;
    let root = Path::provider(&p.scc.name);
    let default_psc = PodSecurityContext::default();
    let psc = v.psc.unwrap_or(&default_psc);
    let spec_path = root.child("spec");
    let sc_path = spec_path.child("securityContext");

    groups(
        &p.fs_group,
        sc_path.child("fsGroup"),
        psc.fs_group.as_slice(),
        errs,
    );
    groups(
        &p.supplemental_groups,
        sc_path.child("supplementalGroups"),
        psc.supplemental_groups.as_deref().unwrap_or(&[]),
        errs,
    );
    let pod_profile: Cow<str> = match v.pod_seccomp {
        Some(a) => Cow::Borrowed(a),
        None => psc
            .seccomp_profile
            .as_ref()
            .map_or(Cow::Borrowed(""), seccomp::annotation_for_field),
    };
    seccomp_check(
        &p.scc.seccomp_profiles,
        &pod_profile,
        Path::at(Root::PodSeccompAnnotation),
        errs,
    );
    selinux(
        p,
        sc_path.child("seLinuxOptions"),
        psc.se_linux_options.as_ref(),
        errs,
    );
    let s = p.scc;
    let host_net = spec.host_network == Some(true);
    let host_pid = spec.host_pid == Some(true);
    let host_ipc = spec.host_ipc == Some(true);
    if !s.allow_host_network && host_net {
        errs.add(|| {
            spec_path.child("hostNetwork").invalid(
                GoValue::Bool(true),
                "Host network is not allowed to be used",
            )
        });
    }
    if !s.allow_host_pid && host_pid {
        errs.add(|| {
            spec_path
                .child("hostPID")
                .invalid(GoValue::Bool(true), "Host PID is not allowed to be used")
        });
    }
    if !s.allow_host_ipc && host_ipc {
        errs.add(|| {
            spec_path
                .child("hostIPC")
                .invalid(GoValue::Bool(true), "Host IPC is not allowed to be used")
        });
    }
    if s.user_namespace_level == super::scc::UserNamespaceLevel::RequirePodLevel
        && spec.host_users != Some(false)
    {
        let v = spec.host_users.map_or(GoValue::Null, GoValue::Bool);
        errs.add(|| {
            spec_path
                .child("hostUsers")
                .invalid(v, "Host Users must be set to false")
        });
    }
    for (i, sysctl) in psc.sysctls.iter().flatten().enumerate() {
        if !sysctl_allowed(
            &s.allowed_unsafe_sysctls,
            &s.forbidden_sysctls,
            &sysctl.name,
        ) {
            errs.add(|| {
                sc_path
                    .child("sysctls")
                    .index(i)
                    .forbidden(format!("sysctl {:?} is not allowed", sysctl.name))
            });
        }
    }
    if !s.volumes.iter().any(|v| v == "*") {
        for (i, vol) in spec.volumes.iter().flatten().enumerate() {
            let fs = match v.volume_types {
                Some(t) => t[i],
                None => volume_type(vol),
            };
            let ok = s.allows_volume(fs)
                || (fs == "projected" && s.allows_volume("secret") && only_sa_token(vol));
            if !ok {
                errs.add(|| {
                    spec_path.child("volumes").index(i).invalid(
                        GoValue::Str(fs.into()),
                        format!("{fs} volumes are not allowed to be used"),
                    )
                });
            }
        }
    }
    if !s.allowed_flex_volumes.is_empty() && s.allows_volume("flexVolume") {
        for (i, v) in spec.volumes.iter().flatten().enumerate() {
            if let Some(f) = &v.flex_volume
                && !s.allowed_flex_volumes.iter().any(|a| a.driver == f.driver)
            {
                errs.add(|| {
                    spec_path
                        .child("volumes")
                        .index(i)
                        .child("flexVolume")
                        .child("driver")
                        .invalid(
                            GoValue::Str(f.driver.clone()),
                            "Flexvolume driver is not allowed to be used",
                        )
                });
            }
        }
    }

    let owned;
    let all: &[ContainerRef] = match v.refs {
        Some(r) => r,
        None => {
            owned = containers(spec);
            &owned
        }
    };
    let default_csc = SecurityContext::default();
    for (k, c) in all.iter().enumerate() {
        let path = root.child(c.list).index(c.index);
        let sc = match v.containers {
            Some(overlay) => overlay[k].as_ref(),
            None => c.sc,
        };
        let csc = sc.unwrap_or(&default_csc);
        let run_as_user = csc.run_as_user.or(psc.run_as_user);
        let run_as_non_root = csc.run_as_non_root.or(psc.run_as_non_root);
        user(p.uid, path, run_as_non_root, run_as_user, errs);
        let se = csc
            .se_linux_options
            .as_ref()
            .or(psc.se_linux_options.as_ref());
        selinux(p, path.child("seLinuxOptions"), se, errs);
        let cprof: Option<Cow<str>> = match container_annotation(v.annotations, c.name) {
            Some(a) => Some(Cow::Borrowed(a)),
            None => csc
                .seccomp_profile
                .as_ref()
                .map(seccomp::annotation_for_field),
        };
        if let Some(cp) = cprof {
            seccomp_check(
                &s.seccomp_profiles,
                &cp,
                Path::at(Root::ContainerSeccompAnnotation(c.name)),
                errs,
            );
        }
        if !s.allow_privileged_container && csc.privileged == Some(true) {
            errs.add(|| {
                path.child("privileged")
                    .invalid(GoValue::Bool(true), "Privileged containers are not allowed")
            });
        }
        capabilities(
            p,
            path.child("capabilities"),
            csc.capabilities.as_ref(),
            errs,
        );
        if !s.allow_host_network && host_net {
            errs.add(|| {
                path.child("hostNetwork").invalid(
                    GoValue::Bool(true),
                    "Host network is not allowed to be used",
                )
            });
        }
        if !s.allow_host_ports {
            // Upstream visits every container of the pod under this container's path.
            for other in all {
                for port in other.ports {
                    if port.host_port.unwrap_or(0) > 0 {
                        errs.add(|| {
                            path.child(other.list)
                                .index(other.index)
                                .child("hostPort")
                                .invalid(
                                    GoValue::Int(port.host_port.unwrap_or(0).into()),
                                    "Host ports are not allowed to be used",
                                )
                        });
                    }
                }
            }
        }
        if !s.allow_host_pid && host_pid {
            errs.add(|| {
                path.child("hostPID")
                    .invalid(GoValue::Bool(true), "Host PID is not allowed to be used")
            });
        }
        if !s.allow_host_ipc && host_ipc {
            errs.add(|| {
                path.child("hostIPC")
                    .invalid(GoValue::Bool(true), "Host IPC is not allowed to be used")
            });
        }
        if s.read_only_root_filesystem {
            match csc.read_only_root_filesystem {
                None => errs.add(|| {
                    path.child("readOnlyRootFilesystem").invalid(
                        GoValue::Null,
                        "ReadOnlyRootFilesystem may not be nil and must be set to true",
                    )
                }),
                Some(false) => errs.add(|| {
                    path.child("readOnlyRootFilesystem").invalid(
                        GoValue::Bool(false),
                        "ReadOnlyRootFilesystem must be set to true",
                    )
                }),
                Some(true) => {}
            }
        }
        if !s.allow_privilege_escalation {
            match csc.allow_privilege_escalation {
                None => errs.add(|| {
                    path.child("allowPrivilegeEscalation").invalid(
                        GoValue::Null,
                        "Allowing privilege escalation for containers is not allowed",
                    )
                }),
                Some(true) => errs.add(|| {
                    path.child("allowPrivilegeEscalation").invalid(
                        GoValue::Bool(true),
                        "Allowing privilege escalation for containers is not allowed",
                    )
                }),
                Some(false) => {}
            }
        }
    }
}

fn groups<'e>(
    ranges: &Option<Vec<IdRange>>,
    path: Path<'e>,
    groups: &[i64],
    errs: &mut Errors<'e>,
) {
    let Some(ranges) = ranges else { return };
    if groups.is_empty() && !ranges.is_empty() {
        errs.add(|| {
            path.invalid(
                GoValue::Int64s(vec![]),
                "unable to validate empty groups against required ranges",
            )
        });
    }
    for g in groups {
        if !ranges.iter().any(|r| r.min <= *g && *g <= r.max) {
            errs.add(|| {
                path.invalid(
                    GoValue::Int64s(groups.to_vec()),
                    format!("{g} is not an allowed group"),
                )
            });
        }
    }
}

fn user<'e>(
    rule: UidRule,
    path: Path<'e>,
    non_root: Option<bool>,
    uid: Option<i64>,
    errs: &mut Errors<'e>,
) {
    let p = path.child("runAsUser");
    match rule {
        UidRule::Any => {}
        UidRule::Exact(want) => match uid {
            None => errs.add(|| p.required("")),
            Some(u) if u != want => {
                errs.add(|| p.invalid(GoValue::Int(u), format!("must be: {want}")))
            }
            _ => {}
        },
        UidRule::Range(min, max) => match uid {
            None => errs.add(|| p.required("")),
            Some(u) if u < min || u > max => errs.add(|| {
                p.invalid(
                    GoValue::Int(u),
                    format!("must be in the ranges: [{min}, {max}]"),
                )
            }),
            _ => {}
        },
        UidRule::NonRoot => {
            if non_root.is_none() && uid.is_none() {
                errs.add(|| path.child("runAsNonRoot").required("must be true"));
            }
            if non_root == Some(false) {
                errs.add(|| {
                    path.child("runAsNonRoot")
                        .invalid(GoValue::Bool(false), "must be true")
                });
            }
            if uid == Some(0) {
                errs.add(|| p.invalid(GoValue::Int(0), "running with the root UID is forbidden"));
            }
        }
    }
}

/// String equality that does not call `memcmp` for empty or differently sized strings (most
/// SELinux fields compared are empty; the call showed in profiles of admission).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || a.as_bytes() == b.as_bytes())
}

/// MCS levels compare as sets of categories (`s0:c6,c0` == `s0:c0,c6`).
fn equal_levels(a: &str, b: &str) -> bool {
    if same(a, b) {
        return true;
    }
    let split = |l: &str| -> Option<(String, std::collections::BTreeSet<String>)> {
        let (sens, cats) = l.split_once(':')?;
        Some((
            sens.to_string(),
            cats.split(',').map(str::to_string).collect(),
        ))
    };
    matches!((split(a), split(b)), (Some(x), Some(y)) if x == y)
}

fn selinux<'e>(p: &Provider, path: Path<'e>, got: Option<&SELinuxOptions>, errs: &mut Errors<'e>) {
    let Some(want) = &p.selinux else { return };
    let Some(got) = got else {
        errs.add(|| path.required(""));
        return;
    };
    fn s(s: &Option<String>) -> &str {
        s.as_deref().unwrap_or("")
    }
    let (want_level, got_level) = (s(&want.level), s(&got.level));
    if !equal_levels(want_level, got_level) {
        errs.add(|| {
            path.child("level").invalid(
                GoValue::Str(got_level.to_string()),
                format!("must be {want_level}"),
            )
        });
    }
    for (field, w, g) in [
        ("role", &want.role, &got.role),
        ("type", &want.type_, &got.type_),
        ("user", &want.user, &got.user),
    ] {
        if !same(s(w), s(g)) {
            errs.add(|| {
                path.child(field)
                    .invalid(GoValue::Str(s(g).to_string()), format!("must be {}", s(w)))
            });
        }
    }
}

fn capabilities<'e>(
    p: &Provider,
    path: Path<'e>,
    caps: Option<&k8s_openapi::api::core::v1::Capabilities>,
    errs: &mut Errors<'e>,
) {
    let s = p.scc;
    let Some(caps) = caps else {
        if !s.default_add_capabilities.is_empty() || !s.required_drop_capabilities.is_empty() {
            errs.add(|| {
                path.invalid(
                    GoValue::Null,
                    "required capabilities are not set on the securityContext",
                )
            });
        }
        return;
    };
    if s.allowed_capabilities.iter().any(|c| c == "*") {
        return;
    }
    for c in caps.add.iter().flatten() {
        if !s.default_add_capabilities.contains(c) && !s.allowed_capabilities.contains(c) {
            errs.add(|| {
                path.child("add")
                    .invalid(GoValue::Str(c.clone()), "capability may not be added")
            });
        }
    }
    let drops = caps.drop.as_deref().unwrap_or(&[]);
    for r in &s.required_drop_capabilities {
        if !drops.contains(r) {
            errs.add(|| {
                path.child("drop").invalid(
                    GoValue::Caps(caps.drop.clone()),
                    format!("{r} is required to be dropped but was not found"),
                )
            });
        }
    }
}

fn seccomp_check<'e>(allowed: &[String], profile: &str, path: Path<'e>, errs: &mut Errors<'e>) {
    if allowed.is_empty() {
        if !profile.is_empty() {
            errs.add(|| path.forbidden("seccomp may not be set"));
        }
        return;
    }
    if !seccomp::allowed(allowed, profile) {
        errs.add(|| {
            path.forbidden(format!(
                "{profile} is not an allowed seccomp profile. Valid values are [{}]",
                allowed.join(" ")
            ))
        });
    }
}

fn sysctl_allowed(allowed_unsafe: &[String], forbidden: &[String], name: &str) -> bool {
    let matches = |pat: &String| match pat.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pat == name,
    };
    if forbidden.iter().any(matches) {
        return false;
    }
    // The kubelet's safe set, as SCC admission uses it.
    crate::resolve::SAFE_SYSCTLS.contains(&name) || allowed_unsafe.iter().any(matches)
}

/// The SCC volume type (FSType) of a volume.
pub fn volume_type(v: &Volume) -> &'static str {
    macro_rules! pick {
        ($($field:ident => $name:literal),* $(,)?) => {
            $( if v.$field.is_some() { return $name; } )*
        };
    }
    pick!(
        host_path => "hostPath", empty_dir => "emptyDir", gce_persistent_disk => "gcePersistentDisk",
        aws_elastic_block_store => "awsElasticBlockStore", git_repo => "gitRepo", secret => "secret",
        nfs => "nfs", iscsi => "iscsi", glusterfs => "glusterfs",
        persistent_volume_claim => "persistentVolumeClaim", rbd => "rbd", flex_volume => "flexVolume",
        cinder => "cinder", cephfs => "cephFS", flocker => "flocker", downward_api => "downwardAPI",
        fc => "fc", azure_file => "azureFile", config_map => "configMap",
        vsphere_volume => "vsphere", quobyte => "quobyte", azure_disk => "azureDisk",
        photon_persistent_disk => "photonPersistentDisk", projected => "projected",
        portworx_volume => "portworxVolume", scale_io => "scaleIO", storageos => "storageOS",
        csi => "csi", ephemeral => "ephemeral", image => "image",
    );
    // No source at all: API validation rejects such a pod; emptyDir is what defaulting gives.
    "emptyDir"
}

/// A projected volume of service account token sources only (the bound token volume).
fn only_sa_token(v: &Volume) -> bool {
    let Some(p) = &v.projected else { return false };
    p.sources.iter().flatten().all(|s| {
        s.service_account_token.is_some()
            || s.config_map
                .as_ref()
                .is_some_and(|c| c.name == "kube-root-ca.crt")
            || s.downward_api.as_ref().is_some_and(|d| {
                d.items.iter().flatten().all(|i| {
                    i.field_ref
                        .as_ref()
                        .is_some_and(|f| f.field_path == "metadata.namespace")
                })
            })
    })
}
