//! Volume ownership as the kubelet leaves it before the containers start (`SetVolumeOwnership`,
//! §3.11): with `fsGroup`, the group becomes fsGroup and bits are only added (0660, 0440 for the
//! read-only atomic-writer volumes; directories also 0110 and setgid).

use k8s_openapi::api::core::v1::{PodSpec, Volume};
use serde::Serialize;

use super::fact::Source;

/// How one volume will look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeOwnership {
    /// Volume name.
    pub name: String,
    /// Source type (`emptyDir`, `configMap`, ...).
    pub kind: String,
    /// `ls -ld` of the volume root as the container sees it, when predictable.
    pub root: Option<String>,
    /// Mode, owner and group of the files the kubelet writes (atomic-writer volumes).
    pub files: Option<String>,
    /// Whether the recursive walk happens (false for `OnRootMismatch` when the root matches,
    /// or without fsGroup).
    pub fs_group_applied: bool,
    /// Where the ownership comes from.
    pub source: Source,
    /// Extra explanation.
    pub note: Option<String>,
}

/// `ls -l` style permission string for a mode (`drwxrwsrwx`).
pub fn mode_string(mode: u32, dir: bool) -> String {
    let mut s = String::with_capacity(10);
    s.push(if dir { 'd' } else { '-' });
    let bit = |m: u32, c: char| if mode & m != 0 { c } else { '-' };
    let special = |x: u32, sp: u32, lower: char, upper: char| match (mode & x != 0, mode & sp != 0)
    {
        (true, true) => lower,
        (false, true) => upper,
        (true, false) => 'x',
        (false, false) => '-',
    };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(special(0o100, 0o4000, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(special(0o010, 0o2000, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(special(0o001, 0o1000, 't', 'T'));
    s
}

fn kind_of(v: &Volume) -> &'static str {
    if v.empty_dir.is_some() {
        "emptyDir"
    } else if v.config_map.is_some() {
        "configMap"
    } else if v.secret.is_some() {
        "secret"
    } else if v.downward_api.is_some() {
        "downwardAPI"
    } else if v.projected.is_some() {
        "projected"
    } else if v.host_path.is_some() {
        "hostPath"
    } else if v.persistent_volume_claim.is_some() {
        "persistentVolumeClaim"
    } else if v.csi.is_some() {
        "csi"
    } else if v.ephemeral.is_some() {
        "ephemeral"
    } else if v.image.is_some() {
        "image"
    } else {
        "other"
    }
}

/// Predicts the ownership of every volume of the pod.
pub fn resolve_volumes(spec: &PodSpec) -> Vec<VolumeOwnership> {
    let sc = spec.security_context.as_ref();
    let fs_group = sc.and_then(|s| s.fs_group);
    let policy = sc
        .and_then(|s| s.fs_group_change_policy.as_deref())
        .unwrap_or("Always");
    let fs_src = Source::PodField("spec.securityContext.fsGroup".into());
    spec.volumes
        .iter()
        .flatten()
        .map(|v| {
            let kind = kind_of(v);
            let group = fs_group.map_or("root".to_string(), |g| g.to_string());
            match kind {
                "emptyDir" => {
                    let mode = if fs_group.is_some() { 0o2777 } else { 0o777 };
                    VolumeOwnership {
                        name: v.name.clone(),
                        kind: kind.into(),
                        root: Some(format!("{} root {group}", mode_string(mode, true))),
                        files: fs_group.map(|g| format!("new files: owned by the creating uid, group {g} (setgid directory)")),
                        fs_group_applied: fs_group.is_some(),
                        source: if fs_group.is_some() {
                            fs_src.clone()
                        } else {
                            Source::RuntimeDefault("the kubelet creates emptyDir volumes 0777 root:root".into())
                        },
                        note: (fs_group.is_some() && policy == "OnRootMismatch").then(|| {
                            "fsGroupChangePolicy OnRootMismatch: the walk is skipped when the root already has the group, g+rwx and setgid; a new emptyDir is walked once".to_string()
                        }),
                    }
                }
                "configMap" | "secret" | "downwardAPI" | "projected" => {
                    let default_mode = v
                        .config_map
                        .as_ref()
                        .and_then(|c| c.default_mode)
                        .or_else(|| v.secret.as_ref().and_then(|c| c.default_mode))
                        .or_else(|| v.downward_api.as_ref().and_then(|c| c.default_mode))
                        .or_else(|| v.projected.as_ref().and_then(|c| c.default_mode))
                        .unwrap_or(0o644) as u32;
                    let mode = if fs_group.is_some() { default_mode | 0o440 } else { default_mode };
                    VolumeOwnership {
                        name: v.name.clone(),
                        kind: kind.into(),
                        root: None,
                        files: Some(format!("{} root {group} (defaultMode {:04o}{})", mode_string(mode & 0o7777, false), default_mode, if fs_group.is_some() { ", fsGroup adds g+r" } else { "" })),
                        fs_group_applied: fs_group.is_some(),
                        source: if fs_group.is_some() { fs_src.clone() } else { Source::RuntimeDefault("the kubelet writes these files as root".into()) },
                        note: None,
                    }
                }
                "hostPath" => VolumeOwnership {
                    name: v.name.clone(),
                    kind: kind.into(),
                    root: None,
                    files: None,
                    fs_group_applied: false,
                    source: Source::RuntimeDefault("hostPath volumes keep the host's ownership; fsGroup does not apply".into()),
                    note: None,
                },
                _ => VolumeOwnership {
                    name: v.name.clone(),
                    kind: kind.into(),
                    root: None,
                    files: None,
                    fs_group_applied: fs_group.is_some(),
                    source: Source::RuntimeDefault("depends on the volume plugin or CSI driver (fsGroupPolicy)".into()),
                    note: None,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mode_string;

    #[test]
    fn modes() {
        assert_eq!(mode_string(0o2777, true), "drwxrwsrwx");
        assert_eq!(mode_string(0o644, false), "-rw-r--r--");
        assert_eq!(mode_string(0o4755, false), "-rwsr-xr-x");
        assert_eq!(mode_string(0o1777, true), "drwxrwxrwt");
        assert_eq!(mode_string(0o2640, false), "-rw-r-S---");
    }
}
