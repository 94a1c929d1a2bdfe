//! The `security.openshift.io/v1` `SecurityContextConstraints` object, read from YAML or JSON,
//! with the API server's defaults applied (spec §3.1, `sccdefaults`).

use serde::Deserialize;
use serde_json::Value as Json;

use crate::yaml::parse_stream;

/// `runAsUser.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum RunAsUserType {
    /// One uid (`uid`).
    MustRunAs,
    /// A range (`uidRangeMin`..`uidRangeMax`, from the namespace when both are unset).
    MustRunAsRange,
    /// Any uid but 0.
    MustRunAsNonRoot,
    /// Anything.
    RunAsAny,
}

/// `seLinuxContext.type`, `fsGroup.type` and `supplementalGroups.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum MustOrAny {
    /// Values are constrained.
    MustRunAs,
    /// Anything.
    RunAsAny,
}

/// `userNamespaceLevel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum UserNamespaceLevel {
    /// Host user namespace allowed (the default).
    #[default]
    AllowHostLevel,
    /// `hostUsers: false` required.
    RequirePodLevel,
}

/// `seLinuxOptions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeLinuxOptions {
    /// SELinux user.
    #[serde(default)]
    pub user: Option<String>,
    /// SELinux role.
    #[serde(default)]
    pub role: Option<String>,
    /// SELinux type.
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    /// SELinux level.
    #[serde(default)]
    pub level: Option<String>,
}

/// An inclusive id range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct IdRange {
    /// First id.
    pub min: i64,
    /// Last id.
    pub max: i64,
}

/// `runAsUser`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAsUserStrategy {
    /// The strategy.
    #[serde(rename = "type")]
    pub type_: RunAsUserType,
    /// MustRunAs: the uid.
    #[serde(default)]
    pub uid: Option<i64>,
    /// MustRunAsRange: first uid.
    #[serde(default)]
    pub uid_range_min: Option<i64>,
    /// MustRunAsRange: last uid.
    #[serde(default)]
    pub uid_range_max: Option<i64>,
}

/// `seLinuxContext`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeLinuxStrategy {
    /// The strategy.
    #[serde(rename = "type")]
    pub type_: MustOrAny,
    /// MustRunAs: the options (an empty level is the namespace's).
    #[serde(default)]
    pub se_linux_options: Option<SeLinuxOptions>,
}

/// `fsGroup` and `supplementalGroups`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GroupStrategy {
    /// The strategy (default `RunAsAny`).
    #[serde(rename = "type", default)]
    pub type_: Option<MustOrAny>,
    /// MustRunAs: the ranges (none: the namespace's).
    #[serde(default)]
    pub ranges: Option<Vec<IdRange>>,
}

impl GroupStrategy {
    /// The strategy, defaulted.
    pub fn kind(&self) -> MustOrAny {
        self.type_.unwrap_or(MustOrAny::RunAsAny)
    }
}

/// `allowedFlexVolumes[]`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FlexVolume {
    /// The driver name.
    pub driver: String,
}

/// The object as written: every field optional, as the API accepts it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    metadata: Option<RawMeta>,
    priority: Option<i32>,
    allow_privileged_container: Option<bool>,
    default_add_capabilities: Option<Vec<String>>,
    required_drop_capabilities: Option<Vec<String>>,
    allowed_capabilities: Option<Vec<String>>,
    allow_host_dir_volume_plugin: Option<bool>,
    volumes: Option<Vec<String>>,
    allowed_flex_volumes: Option<Vec<FlexVolume>>,
    allow_host_network: Option<bool>,
    allow_host_ports: Option<bool>,
    #[serde(rename = "allowHostPID")]
    allow_host_pid: Option<bool>,
    #[serde(rename = "allowHostIPC")]
    allow_host_ipc: Option<bool>,
    user_namespace_level: Option<UserNamespaceLevel>,
    default_allow_privilege_escalation: Option<bool>,
    allow_privilege_escalation: Option<bool>,
    se_linux_context: Option<SeLinuxStrategy>,
    run_as_user: Option<RunAsUserStrategy>,
    supplemental_groups: Option<GroupStrategy>,
    fs_group: Option<GroupStrategy>,
    read_only_root_filesystem: Option<bool>,
    users: Option<Vec<String>>,
    groups: Option<Vec<String>>,
    seccomp_profiles: Option<Vec<String>>,
    allowed_unsafe_sysctls: Option<Vec<String>>,
    forbidden_sysctls: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
struct RawMeta {
    name: Option<String>,
}

/// Every volume type an SCC can name, for `*` expansion (spec §3.1).
pub const ALL_VOLUME_TYPES: &[&str] = &[
    "azureFile",
    "azureDisk",
    "flocker",
    "flexVolume",
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephFS",
    "downwardAPI",
    "fc",
    "configMap",
    "vsphere",
    "quobyte",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageOS",
    "csi",
    "ephemeral",
    "image",
];

/// A SecurityContextConstraints object with the API server's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scc {
    /// `metadata.name`.
    pub name: String,
    /// `priority` (nil is 0 for ordering, kept as written for display).
    pub priority: Option<i32>,
    /// `allowPrivilegedContainer`.
    pub allow_privileged_container: bool,
    /// `defaultAddCapabilities`.
    pub default_add_capabilities: Vec<String>,
    /// `requiredDropCapabilities`.
    pub required_drop_capabilities: Vec<String>,
    /// `allowedCapabilities` (`*` allows all).
    pub allowed_capabilities: Vec<String>,
    /// `allowHostDirVolumePlugin`.
    pub allow_host_dir_volume_plugin: bool,
    /// `volumes`, defaulted: sorted, `*` kept only with host dirs allowed, `none` for none.
    pub volumes: Vec<String>,
    /// `allowedFlexVolumes` (empty: any driver).
    pub allowed_flex_volumes: Vec<FlexVolume>,
    /// `allowHostNetwork`.
    pub allow_host_network: bool,
    /// `allowHostPorts`.
    pub allow_host_ports: bool,
    /// `allowHostPID`.
    pub allow_host_pid: bool,
    /// `allowHostIPC`.
    pub allow_host_ipc: bool,
    /// `userNamespaceLevel`.
    pub user_namespace_level: UserNamespaceLevel,
    /// `defaultAllowPrivilegeEscalation`.
    pub default_allow_privilege_escalation: Option<bool>,
    /// `allowPrivilegeEscalation` (nil defaults to true).
    pub allow_privilege_escalation: bool,
    /// `seLinuxContext`.
    pub se_linux_context: SeLinuxStrategy,
    /// `runAsUser`.
    pub run_as_user: RunAsUserStrategy,
    /// `supplementalGroups`.
    pub supplemental_groups: GroupStrategy,
    /// `fsGroup`.
    pub fs_group: GroupStrategy,
    /// `readOnlyRootFilesystem`.
    pub read_only_root_filesystem: bool,
    /// `users` granted directly.
    pub users: Vec<String>,
    /// `groups` granted directly.
    pub groups: Vec<String>,
    /// `seccompProfiles` (`*` any; empty: none may be set).
    pub seccomp_profiles: Vec<String>,
    /// `allowedUnsafeSysctls`.
    pub allowed_unsafe_sysctls: Vec<String>,
    /// `forbiddenSysctls`.
    pub forbidden_sysctls: Vec<String>,
}

/// Why an SCC could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SccError {
    /// What is wrong, with its position when known.
    pub message: String,
}

impl Scc {
    /// Reads one SCC from its JSON form (an object with `kind: SecurityContextConstraints`).
    pub fn from_json(json: Json) -> Result<Scc, SccError> {
        let raw: Raw = serde_path_to_error::deserialize(json).map_err(|e| SccError {
            message: format!("{}: {}", e.path(), e.inner()),
        })?;
        let name = raw
            .metadata
            .as_ref()
            .and_then(|m| m.name.clone())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| SccError {
                message: "metadata.name: Required value".into(),
            })?;
        let run_as_user = raw.run_as_user.ok_or_else(|| SccError {
            message: format!("{name}: runAsUser.type: Required value"),
        })?;
        let se_linux_context = raw.se_linux_context.ok_or_else(|| SccError {
            message: format!("{name}: seLinuxContext.type: Required value"),
        })?;
        let host_dir = raw.allow_host_dir_volume_plugin.unwrap_or(false);
        Ok(Scc {
            name,
            priority: raw.priority,
            allow_privileged_container: raw.allow_privileged_container.unwrap_or(false),
            default_add_capabilities: raw.default_add_capabilities.unwrap_or_default(),
            required_drop_capabilities: raw.required_drop_capabilities.unwrap_or_default(),
            allowed_capabilities: raw.allowed_capabilities.unwrap_or_default(),
            allow_host_dir_volume_plugin: host_dir,
            volumes: default_volumes(raw.volumes, host_dir),
            allowed_flex_volumes: raw.allowed_flex_volumes.unwrap_or_default(),
            allow_host_network: raw.allow_host_network.unwrap_or(false),
            allow_host_ports: raw.allow_host_ports.unwrap_or(false),
            allow_host_pid: raw.allow_host_pid.unwrap_or(false),
            allow_host_ipc: raw.allow_host_ipc.unwrap_or(false),
            user_namespace_level: raw.user_namespace_level.unwrap_or_default(),
            default_allow_privilege_escalation: raw.default_allow_privilege_escalation,
            // Constraints written before the field existed stay as permissive as they were.
            allow_privilege_escalation: raw.allow_privilege_escalation.unwrap_or(true),
            se_linux_context,
            run_as_user,
            supplemental_groups: raw.supplemental_groups.unwrap_or(GroupStrategy {
                type_: None,
                ranges: None,
            }),
            fs_group: raw.fs_group.unwrap_or(GroupStrategy {
                type_: None,
                ranges: None,
            }),
            read_only_root_filesystem: raw.read_only_root_filesystem.unwrap_or(false),
            users: raw.users.unwrap_or_default(),
            groups: raw.groups.unwrap_or_default(),
            seccomp_profiles: raw.seccomp_profiles.unwrap_or_default(),
            allowed_unsafe_sysctls: raw.allowed_unsafe_sysctls.unwrap_or_default(),
            forbidden_sysctls: raw.forbidden_sysctls.unwrap_or_default(),
        })
    }

    /// Whether the volume type `fs` is allowed.
    pub fn allows_volume(&self, fs: &str) -> bool {
        self.volumes.iter().any(|v| v == "*" || v == fs)
    }
}

/// `sccdefaults`: nil volumes allow everything; an empty list allows none (or hostPath with
/// host dirs allowed); `allowHostDirVolumePlugin` adds hostPath, its absence strips it and
/// expands `*` to every other type.
fn default_volumes(volumes: Option<Vec<String>>, host_dir: bool) -> Vec<String> {
    let mut set: std::collections::BTreeSet<String> = match volumes {
        None => ["*".to_string()].into(),
        Some(v) if v.is_empty() && host_dir => ["hostPath".to_string()].into(),
        Some(v) if v.is_empty() => ["none".to_string()].into(),
        Some(v) => v.into_iter().collect(),
    };
    if host_dir {
        if !set.contains("*") {
            set.insert("hostPath".into());
        }
    } else {
        if set.remove("*") {
            for t in ALL_VOLUME_TYPES {
                set.insert((*t).to_string());
            }
        }
        set.remove("hostPath");
    }
    set.into_iter().collect()
}

/// Reads every SecurityContextConstraints document of a YAML or JSON text; documents of other
/// kinds are skipped, and each bad one is an error that names its document.
pub fn parse_sccs(text: &str) -> Vec<Result<Scc, SccError>> {
    let mut out = Vec::new();
    for doc in parse_stream(text) {
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                out.push(Err(SccError {
                    message: format!("{}: {}", e.pos, e.message),
                }));
                continue;
            }
        };
        let pos = doc.root.pos;
        let json = match doc.root.to_json() {
            Ok(j) => j,
            Err(e) => {
                out.push(Err(SccError {
                    message: e.to_string(),
                }));
                continue;
            }
        };
        let items = match json.get("kind").and_then(Json::as_str) {
            Some("SecurityContextConstraintsList" | "List") => json
                .get("items")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => vec![json],
        };
        for item in items {
            if item.get("kind").and_then(Json::as_str) != Some("SecurityContextConstraints") {
                continue;
            }
            out.push(Scc::from_json(item).map_err(|e| SccError {
                message: format!("{pos}: {}", e.message),
            }));
        }
    }
    out
}
