//! AppArmor and SELinux: what the kubelet asks for and what the node can do with it.
//!
//! AppArmor precedence (`GetProfile`): the container's `appArmorProfile` field, then the pod
//! annotation `container.apparmor.security.beta.kubernetes.io/<name>`, then the pod's field.
//! With none, the kubelet sends nothing and containerd applies its RuntimeDefault profile
//! `cri-containerd.apparmor.d` (not for privileged containers) when the node has AppArmor.
//! SELinux: the container's `seLinuxOptions` replace the pod's wholesale.

use k8s_openapi::api::core::v1::{AppArmorProfile, PodSecurityContext, SELinuxOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::container::ContainerRef;
use super::effective::EffectiveContext;
use super::fact::{Fact, Source};

/// containerd's default AppArmor profile name.
pub const CONTAINERD_APPARMOR_PROFILE: &str = "cri-containerd.apparmor.d";
/// The annotation prefix of the legacy AppArmor annotations.
pub const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// An AppArmor profile request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum AppArmorChoice {
    /// Nothing asked: the runtime's default applies.
    NotSet,
    /// `RuntimeDefault`.
    RuntimeDefault,
    /// `Unconfined`.
    Unconfined,
    /// `Localhost` with a profile name.
    Localhost {
        /// The loaded profile's name.
        name: String,
    },
}

/// The AppArmor decision for one container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppArmor {
    /// What the kubelet asks for.
    pub requested: Fact<AppArmorChoice>,
    /// The profile the process runs under (`process.apparmorProfile`), if any.
    pub applied: Option<String>,
    /// Whether the request makes AppArmor "required" for the kubelet's admission check.
    pub required: bool,
}

fn from_field(p: &AppArmorProfile) -> AppArmorChoice {
    match p.type_.as_str() {
        "RuntimeDefault" => AppArmorChoice::RuntimeDefault,
        "Localhost" => AppArmorChoice::Localhost {
            name: p.localhost_profile.clone().unwrap_or_default(),
        },
        _ => AppArmorChoice::Unconfined,
    }
}

fn from_annotation(v: &str) -> Option<AppArmorChoice> {
    match v {
        "runtime/default" => Some(AppArmorChoice::RuntimeDefault),
        "unconfined" => Some(AppArmorChoice::Unconfined),
        _ => v
            .strip_prefix("localhost/")
            .map(|n| AppArmorChoice::Localhost {
                name: n.to_string(),
            }),
    }
}

/// Resolves the AppArmor profile of one container.
pub fn resolve_apparmor(
    meta: &ObjectMeta,
    pod: Option<&PodSecurityContext>,
    container: &ContainerRef<'_>,
    privileged: bool,
    node_has_apparmor: bool,
) -> AppArmor {
    let own = container
        .security_context
        .and_then(|s| s.app_armor_profile.as_ref())
        .map(|p| {
            Fact::known(
                from_field(p),
                Source::ContainerField(container.security_field("appArmorProfile")),
            )
        });
    // The key is matched in place (pods have few annotations): no key string is built unless
    // the annotation is there.
    let annotation = meta
        .annotations
        .iter()
        .flatten()
        .find(|(k, _)| k.strip_prefix(APPARMOR_ANNOTATION_PREFIX) == Some(container.name))
        .and_then(|(k, v)| from_annotation(v).map(|c| (k, c)))
        .map(|(key, c)| {
            Fact::known(
                c,
                Source::Annotation(format!("metadata.annotations[{key}]").into()),
            )
        });
    let pod_level = pod.and_then(|p| p.app_armor_profile.as_ref()).map(|p| {
        Fact::known(
            from_field(p),
            Source::PodField("spec.securityContext.appArmorProfile".into()),
        )
    });
    let requested = own.or(annotation).or(pod_level).unwrap_or_else(|| {
        Fact::known(
            AppArmorChoice::NotSet,
            Source::RuntimeDefault(
                "no profile set: the kubelet sends none and containerd applies its default".into(),
            ),
        )
    });
    let choice = requested.get().cloned().unwrap_or(AppArmorChoice::NotSet);
    let required = !matches!(choice, AppArmorChoice::NotSet | AppArmorChoice::Unconfined);
    let applied = if !node_has_apparmor {
        None
    } else {
        match choice {
            AppArmorChoice::NotSet | AppArmorChoice::RuntimeDefault if !privileged => {
                Some(CONTAINERD_APPARMOR_PROFILE.to_string())
            }
            AppArmorChoice::Localhost { name } => Some(name),
            _ => None,
        }
    };
    AppArmor {
        requested,
        applied,
        required,
    }
}

/// The SELinux decision for one container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeLinux {
    /// The options asked for (container's, else pod's), if any.
    pub requested: Fact<Option<SELinuxOptionsView>>,
    /// Whether the node enforces SELinux (otherwise nothing is applied).
    pub node_enabled: bool,
}

/// `seLinuxOptions`, flattened for output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SELinuxOptionsView {
    /// `user`.
    pub user: Option<String>,
    /// `role`.
    pub role: Option<String>,
    /// `type`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// `level`.
    pub level: Option<String>,
}

impl SELinuxOptionsView {
    fn of(o: &SELinuxOptions) -> SELinuxOptionsView {
        SELinuxOptionsView {
            user: o.user.clone(),
            role: o.role.clone(),
            type_: o.type_.clone(),
            level: o.level.clone(),
        }
    }

    /// `user:role:type:level` with the empty parts as containerd's label options would leave
    /// them to the defaults.
    pub fn label_options(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (k, val) in [
            ("user", &self.user),
            ("role", &self.role),
            ("type", &self.type_),
            ("level", &self.level),
        ] {
            if let Some(x) = val.as_deref().filter(|s| !s.is_empty()) {
                v.push(format!("{k}:{x}"));
            }
        }
        v
    }
}

/// Resolves SELinux options for one container.
pub fn resolve_selinux(eff: &EffectiveContext<'_>, node_enabled: bool) -> SeLinux {
    let requested = match &eff.se_linux {
        Some(f) => Fact::known(Some(SELinuxOptionsView::of(f.value)), f.source.clone()),
        None => Fact::known(
            None,
            Source::RuntimeDefault("no seLinuxOptions: the runtime's default label".into()),
        ),
    };
    SeLinux {
        requested,
        node_enabled,
    }
}
