//! Effective-context resolution: for each container, what a real node (kubelet + containerd +
//! runc) gives it and where each value came from (pod → container → image → runtime defaults).
//! Rules: `shared/spec/kubernetes-semantics.md` §3–§5.

mod admission;
mod caps;
mod container;
mod effective;
mod fact;
mod identity;
mod lsm;
mod node;
mod nonroot;
mod notes;
mod paths;
mod quoted;
mod seccomp;
mod volumes;

use std::borrow::Cow;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

pub use admission::{Rejection, SAFE_SYSCTLS, sysctl_namespace};
pub use caps::{CapList, OciCaps, ProcCaps, oci_caps, proc_caps, unknown_names};
pub use container::{ContainerKind, ContainerRef, all_containers};
pub use effective::{EffectiveContext, FromField, effective};
pub use fact::{Fact, Known, Source};
pub use identity::{CriUser, GidSources, Groups, GroupsPolicy, IdLine, Identity};
pub use lsm::{AppArmor, AppArmorChoice, CONTAINERD_APPARMOR_PROFILE, SELinuxOptionsView, SeLinux};
pub use node::NodeConfig;
pub use nonroot::NonRootVerdict;
pub use notes::Note;
pub use paths::{MASKED_PATHS, READONLY_PATHS};
pub use seccomp::{Seccomp, SeccompChoice};
pub use volumes::{VolumeOwnership, mode_string};

use crate::caps::CapSet;
use crate::image::ImageInfo;

/// Why a container does not start, as its waiting state would say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StartError {
    /// `CreateContainerConfigError` or `CreateContainerError`.
    pub reason: String,
    /// The message.
    pub message: String,
}

/// `status.containerStatuses[].user.linux`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinuxUser {
    /// `uid`.
    pub uid: i64,
    /// `gid`.
    pub gid: i64,
    /// `supplementalGroups` (sorted, with the primary gid).
    pub supplemental_groups: Vec<i64>,
}

/// [`LinuxUser`] borrowed from the identity, serialized the same way.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinuxUserRef<'a> {
    uid: i64,
    gid: i64,
    supplemental_groups: &'a [i64],
}

/// Everything secctx predicts for one container.
#[derive(Clone, Debug)]
pub struct ResolvedContainer {
    /// Container name.
    pub name: String,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Its path (`spec.containers[0]`), borrowed from a table for the first containers of
    /// each list.
    pub path: Cow<'static, str>,
    /// Its image reference.
    pub image: String,
    /// Where the image data came from, when given.
    pub image_source: Option<String>,
    /// uid, gid, groups.
    pub identity: Identity,
    /// `Some(dac)` when the busybox `id` output is known ([`ResolvedContainer::id_line`]
    /// writes it); `dac`: the process holds CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH, so it can
    /// read the image's name files whatever their mode.
    pub id_dac_override: Option<bool>,
    /// `privileged`.
    pub privileged: Fact<bool>,
    /// The OCI capability lists.
    pub oci_caps: OciCaps,
    /// Capability names runc ignores.
    pub ignored_caps: Vec<String>,
    /// The `/proc/<pid>/status` capability sets, when the uid is known.
    pub caps: Fact<ProcCaps>,
    /// `NoNewPrivs`.
    pub no_new_privs: Fact<bool>,
    /// Seccomp.
    pub seccomp: Seccomp,
    /// AppArmor.
    pub apparmor: AppArmor,
    /// SELinux.
    pub selinux: SeLinux,
    /// `procMount`.
    pub proc_mount: Fact<Cow<'static, str>>,
    /// Masked paths.
    pub masked_paths: &'static [&'static str],
    /// Read-only paths.
    pub readonly_paths: &'static [&'static str],
    /// `readOnlyRootFilesystem`.
    pub read_only_root_filesystem: Fact<bool>,
    /// The runAsNonRoot check.
    pub run_as_non_root: NonRootVerdict,
    /// Why the container would not start, if it would not.
    pub start_error: Option<StartError>,
    /// Trap notes.
    pub notes: Vec<Note>,
}

/// `CAP_DAC_OVERRIDE`'s bit.
const DAC_OVERRIDE: u8 = 1;
/// `CAP_DAC_READ_SEARCH`'s bit.
const DAC_READ_SEARCH: u8 = 2;

impl ResolvedContainer {
    /// `status.containerStatuses[].user.linux`, when known (the uid, the gid and the complete
    /// list of additional gids), built from the identity when asked for.
    pub fn status_user(&self) -> Option<LinuxUser> {
        self.status_user_ref().map(|u| LinuxUser {
            uid: u.uid,
            gid: u.gid,
            supplemental_groups: u.supplemental_groups.to_vec(),
        })
    }

    fn status_user_ref(&self) -> Option<LinuxUserRef<'_>> {
        let id = &self.identity;
        match (id.uid.get(), id.gid.get(), &id.groups.incomplete) {
            (Some(uid), Some(gid), None) => Some(LinuxUserRef {
                uid: *uid,
                gid: *gid,
                supplemental_groups: &id.groups.gids,
            }),
            _ => None,
        }
    }

    /// busybox `id` output, when known: written when displayed or serialized.
    pub fn id_line(&self) -> Option<IdLine<'_>> {
        self.id_dac_override
            .and_then(|dac| self.identity.id_line_display(dac))
    }
}

/// Serialized by hand so that the `id` line is written from the identity (`idLine`, in the
/// place and form a stored string had: `docs/explain-json.md`).
impl Serialize for ResolvedContainer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ResolvedContainer", 23)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("path", &self.path)?;
        st.serialize_field("image", &self.image)?;
        st.serialize_field("imageSource", &self.image_source)?;
        st.serialize_field("identity", &self.identity)?;
        st.serialize_field("idLine", &self.id_line())?;
        st.serialize_field("privileged", &self.privileged)?;
        st.serialize_field("ociCaps", &self.oci_caps)?;
        st.serialize_field("ignoredCaps", &self.ignored_caps)?;
        st.serialize_field("caps", &self.caps)?;
        st.serialize_field("noNewPrivs", &self.no_new_privs)?;
        st.serialize_field("seccomp", &self.seccomp)?;
        st.serialize_field("apparmor", &self.apparmor)?;
        st.serialize_field("selinux", &self.selinux)?;
        st.serialize_field("procMount", &self.proc_mount)?;
        st.serialize_field("maskedPaths", &self.masked_paths)?;
        st.serialize_field("readonlyPaths", &self.readonly_paths)?;
        st.serialize_field("readOnlyRootFilesystem", &self.read_only_root_filesystem)?;
        st.serialize_field("runAsNonRoot", &self.run_as_non_root)?;
        st.serialize_field("startError", &self.start_error)?;
        st.serialize_field("statusUser", &self.status_user_ref())?;
        st.serialize_field("notes", &self.notes)?;
        st.end()
    }
}

/// The pod's namespaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Namespaces {
    /// `host` or `pod`.
    pub network: &'static str,
    /// `host`, `pod` (shareProcessNamespace) or `container`.
    pub pid: &'static str,
    /// `host` or `pod`.
    pub ipc: &'static str,
    /// `host` (with hostNetwork) or `pod`.
    pub uts: &'static str,
    /// `host` or `pod` (hostUsers: false: a user namespace with a 65536-id range the kubelet
    /// allocates; uid 0 inside is unprivileged outside).
    pub user: &'static str,
}

/// Everything secctx predicts for one pod.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedPod {
    /// `format.Pod`: `<name>_<namespace>(<uid>)`.
    pub pod_ref: String,
    /// The node modelled.
    pub node: NodeConfig,
    /// Kubelet admission rejections (the pod fails before any container starts).
    pub rejections: Vec<Rejection>,
    /// Namespaces.
    pub namespaces: Namespaces,
    /// Sysctls set in the sandbox (name, value), with their source; the runtime defaults are
    /// borrowed.
    pub sysctls: Vec<(Cow<'static, str>, Cow<'static, str>, Source)>,
    /// Volume ownership.
    pub volumes: Vec<VolumeOwnership>,
    /// Containers in init, regular, ephemeral order.
    pub containers: Vec<ResolvedContainer>,
}

/// `format.Pod(pod)`.
pub fn pod_ref(meta: &ObjectMeta) -> String {
    format!(
        "{}_{}({})",
        meta.name
            .as_deref()
            .or(meta.generate_name.as_deref())
            .unwrap_or(""),
        meta.namespace.as_deref().unwrap_or("default"),
        meta.uid.as_deref().unwrap_or("<uid>")
    )
}

/// Resolves every container of a pod. `images` maps an image reference to what secctx knows
/// of it.
pub fn resolve_pod<'i>(
    meta: &ObjectMeta,
    spec: &PodSpec,
    images: &dyn Fn(&str) -> Option<&'i ImageInfo>,
    node: &NodeConfig,
) -> ResolvedPod {
    let pod_ref = pod_ref(meta);
    let pod_sc = spec.security_context.as_ref();
    let host_network = spec.host_network == Some(true);
    let user_ns = spec.host_users == Some(false);
    // Sized once: a container is large, and growing the list would copy them.
    let count = spec.init_containers.as_ref().map_or(0, Vec::len)
        + spec.containers.len()
        + spec.ephemeral_containers.as_ref().map_or(0, Vec::len);
    let mut containers: Vec<ResolvedContainer> = Vec::with_capacity(count);
    containers.extend(
        all_containers(spec)
            .map(|c| resolve_container(meta, spec, &c, images(c.image), node, &pod_ref)),
    );

    let mut rejections = Vec::new();
    if let Some(r) = admission::check_apparmor(containers.iter().any(|c| c.apparmor.required), node)
    {
        rejections.push(r);
    }
    if let Some(r) = admission::check_sysctls(spec, node) {
        rejections.push(r);
    }
    if let Some(r) = admission::check_groups_policy(spec, node) {
        rejections.push(r);
    }

    let mut sysctls: Vec<(Cow<'static, str>, Cow<'static, str>, Source)> = pod_sc
        .and_then(|s| s.sysctls.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| {
            (
                Cow::Owned(s.name.clone()),
                Cow::Owned(s.value.clone()),
                Source::PodField(format!("spec.securityContext.sysctls[{i}]").into()),
            )
        })
        .collect();
    let has = |sysctls: &[(Cow<'static, str>, Cow<'static, str>, Source)], n: &str| {
        sysctls.iter().any(|s| s.0 == n)
    };
    if !host_network && !has(&sysctls, "net.ipv4.ip_unprivileged_port_start") {
        sysctls.push((
            Cow::Borrowed("net.ipv4.ip_unprivileged_port_start"),
            Cow::Borrowed("0"),
            Source::RuntimeDefault("containerd enable_unprivileged_ports (default true)".into()),
        ));
    }
    if !host_network && !user_ns && !has(&sysctls, "net.ipv4.ping_group_range") {
        sysctls.push((
            Cow::Borrowed("net.ipv4.ping_group_range"),
            Cow::Borrowed("0 2147483647"),
            Source::RuntimeDefault("containerd enable_unprivileged_icmp (default true)".into()),
        ));
    }

    ResolvedPod {
        pod_ref,
        node: node.clone(),
        rejections,
        namespaces: Namespaces {
            network: if host_network { "host" } else { "pod" },
            pid: if spec.host_pid == Some(true) {
                "host"
            } else if spec.share_process_namespace == Some(true) {
                "pod"
            } else {
                "container"
            },
            ipc: if spec.host_ipc == Some(true) {
                "host"
            } else {
                "pod"
            },
            uts: if host_network { "host" } else { "pod" },
            user: if user_ns { "pod" } else { "host" },
        },
        sysctls,
        volumes: volumes::resolve_volumes(spec),
        containers,
    }
}

fn resolve_container(
    meta: &ObjectMeta,
    spec: &PodSpec,
    c: &ContainerRef<'_>,
    image: Option<&ImageInfo>,
    node: &NodeConfig,
    pod_ref: &str,
) -> ResolvedContainer {
    let pod_sc = spec.security_context.as_ref();
    let eff = effective(pod_sc, c);
    let identity = identity::resolve_identity(&eff, pod_sc, c.image, image);

    let privileged = match &eff.privileged {
        Some(p) => Fact::known(p.value, p.source.clone()),
        None => Fact::known(false, Source::RuntimeDefault("privileged unset".into())),
    };
    let is_priv = *privileged.get().unwrap_or(&false);
    let (oci_caps, cap_set, unknown_caps) = caps::oci_caps_and_set(
        eff.capabilities.as_ref().map(|c| c.value),
        is_priv,
        node.cap_last_cap,
        node.runtime_caps,
    );
    let no_new_privs = match &eff.allow_privilege_escalation {
        Some(a) if !a.value => Fact::known(true, a.source.clone()),
        Some(a) => Fact::known(false, a.source.clone()),
        None => Fact::known(
            false,
            Source::RuntimeDefault(
                "allowPrivilegeEscalation unset: the kubelet does not ask for no_new_privs".into(),
            ),
        ),
    };
    let nnp = *no_new_privs.get().unwrap_or(&false);
    let caps = match identity.uid.get() {
        Some(uid) => Fact::known(
            caps::proc_caps_of_set(cap_set, *uid, node.cap_last_cap),
            match &eff.capabilities {
                Some(f) => f.source.clone(),
                None if is_priv => privileged.source.clone(),
                None => Source::RuntimeDefault("containerd's 14 default capabilities".into()),
            },
        ),
        None => Fact::unknown(
            "CapPrm/CapEff depend on the uid, which is unknown",
            Source::Derived("from the uid and the bounding set".into()),
        ),
    };
    let seccomp = seccomp::resolve_seccomp(
        pod_sc,
        c,
        is_priv,
        node.seccomp_default,
        &node.seccomp_profile_root,
    );
    let apparmor = lsm::resolve_apparmor(meta, pod_sc, c, is_priv, node.apparmor);
    let selinux = lsm::resolve_selinux(&eff, node.selinux);
    let proc_mount = match &eff.proc_mount {
        Some(p) => Fact::known(
            match p.value {
                "Default" => Cow::Borrowed("Default"),
                "Unmasked" => Cow::Borrowed("Unmasked"),
                other => Cow::Owned(other.to_string()),
            },
            p.source.clone(),
        ),
        None => Fact::known(
            Cow::Borrowed("Default"),
            Source::RuntimeDefault("procMount unset".into()),
        ),
    };
    let unmasked = proc_mount.get().is_some_and(|p| p == "Unmasked");
    let (masked_paths, readonly_paths) = paths::proc_paths(unmasked, is_priv);
    let read_only_root_filesystem = match &eff.read_only_root_filesystem {
        Some(r) => Fact::known(r.value, r.source.clone()),
        None => Fact::known(
            false,
            Source::RuntimeDefault("readOnlyRootFilesystem unset".into()),
        ),
    };
    let run_as_non_root = nonroot::verify_run_as_non_root(&eff, image, c.image, pod_ref, c.name);

    let start_error = if let NonRootVerdict::Fails(m) = &run_as_non_root {
        Some(StartError {
            reason: "CreateContainerConfigError".into(),
            message: m.clone(),
        })
    } else if let Some(e) = &seccomp.error {
        Some(StartError {
            reason: "CreateContainerConfigError".into(),
            message: e.clone(),
        })
    } else {
        identity.error.as_ref().map(|e| StartError {
            reason: "CreateContainerError".into(),
            message: format!("failed to generate container spec: failed to apply OCI options: {e}"),
        })
    };
    let notes = notes::notes(&notes::NoteInput {
        eff: &eff,
        identity: &identity,
        caps: caps.get(),
        no_new_privs: nnp,
        privileged: is_priv,
        image,
        host_network: spec.host_network == Some(true),
    });
    ResolvedContainer {
        name: c.name.to_string(),
        kind: c.kind,
        path: c.path_static(),
        image: c.image.to_string(),
        image_source: image.map(|i| i.source.clone()),
        id_dac_override: match (&identity.groups.incomplete, caps.get()) {
            (None, Some(c)) => {
                Some(c.eff.contains_bit(DAC_OVERRIDE) || c.eff.contains_bit(DAC_READ_SEARCH))
            }
            _ => None,
        },
        identity,
        privileged,
        // Nothing to ignore unless a name is unknown or above the node's last capability.
        ignored_caps: if unknown_caps || cap_set.0 & !CapSet::all(node.cap_last_cap).0 != 0 {
            caps::ignored_names(&oci_caps, node.cap_last_cap)
        } else {
            Vec::new()
        },
        oci_caps,
        caps,
        no_new_privs,
        seccomp,
        apparmor,
        selinux,
        proc_mount,
        masked_paths,
        readonly_paths,
        read_only_root_filesystem,
        run_as_non_root,
        start_error,
        notes,
    }
}

#[cfg(test)]
mod tests;
