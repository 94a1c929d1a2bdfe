//! Volumes as the kubelet sets them up, under `<pod>/kubelet/volumes/kubernetes.io~<plugin>/
//! <name>` (the kubelet's own layout below `/var/lib/kubelet/pods/<uid>`):
//!
//! - `emptyDir`: a 0777 directory; `medium: Memory` is a tmpfs (`size=` from `sizeLimit`).
//! - `hostPath`: the host path itself, after the kubelet's `type` checks (and creation for
//!   `DirectoryOrCreate`/`FileOrCreate`, which stays on the host as with the kubelet).
//! - `configMap`, `secret`, `downwardAPI`, `projected`: the payload (from
//!   `secctx_core::projection`) in the `AtomicWriter` layout: files in `..<timestamp>/`,
//!   `..data` → that directory, one symlink per top-level name; secret and projected volumes
//!   are tmpfs-backed as on a node.
//! - fsGroup ownership, for every kind but hostPath, through [`Ownership`].
//!
//! Every directory and mount is journalled before it is made.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{PodSpec, Volume};
use secctx_core::projection::Payload;

use super::journal::{Entry, Journal};

/// Applies fsGroup ownership to a volume (the seam for `crate::volume::set_ownership`).
pub trait Ownership {
    /// Gives `root` group `fs_group` with the kubelet's `policy` (`Always`/`OnRootMismatch`);
    /// `read_only` for the atomic-writer volumes. Returns a one-line summary.
    fn apply(
        &self,
        root: &Path,
        fs_group: u32,
        policy: &str,
        read_only: bool,
    ) -> Result<String, String>;
}

/// [`Ownership`] by `crate::volume::set_ownership` (the kubelet's `SetVolumeOwnership`).
#[derive(Clone, Copy, Debug, Default)]
pub struct FsGroupOwnership;

impl Ownership for FsGroupOwnership {
    fn apply(
        &self,
        root: &Path,
        fs_group: u32,
        policy: &str,
        read_only: bool,
    ) -> Result<String, String> {
        let req = crate::volume::OwnershipRequest {
            fs_group,
            policy: if policy == "OnRootMismatch" {
                crate::volume::ChangePolicy::OnRootMismatch
            } else {
                crate::volume::ChangePolicy::Always
            },
            read_only,
        };
        let r = crate::volume::set_ownership(root, &req).map_err(|e| e.to_string())?;
        Ok(if r.skipped {
            format!("fsGroup {fs_group}: {policy}, root already matches, walk skipped")
        } else {
            format!(
                "fsGroup {fs_group}: {} entries visited, {} changed",
                r.visited, r.changed
            )
        })
    }
}

/// A volume that could not be set up: the kubelet's `FailedMount` event text.
#[derive(Debug, thiserror::Error)]
#[error("MountVolume.SetUp failed for volume {volume:?} : {message}")]
pub struct VolumeError {
    /// The volume.
    pub volume: String,
    /// Why.
    pub message: String,
}

/// One set-up volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetUp {
    /// Where its contents are on the host.
    pub path: PathBuf,
    /// What was done about ownership, if anything.
    pub ownership: Option<String>,
}

/// The kubelet's plugin directory name of a volume kind.
pub fn plugin_dir(v: &Volume) -> Option<&'static str> {
    if v.empty_dir.is_some() {
        Some("empty-dir")
    } else if v.config_map.is_some() {
        Some("configmap")
    } else if v.secret.is_some() {
        Some("secret")
    } else if v.projected.is_some() {
        Some("projected")
    } else if v.downward_api.is_some() {
        Some("downward-api")
    } else {
        None
    }
}

/// What a pod's volumes need from the caller.
pub struct VolumeInput<'a> {
    /// The pod spec.
    pub spec: &'a PodSpec,
    /// Payloads of the projection volumes, by volume name.
    pub payloads: &'a BTreeMap<String, Payload>,
    /// `<pod>/kubelet` (stands for `/var/lib/kubelet/pods/<uid>`).
    pub kubelet_dir: &'a Path,
    /// The journal.
    pub journal: &'a Journal,
    /// fsGroup ownership.
    pub ownership: &'a dyn Ownership,
}

fn err(v: &Volume, message: impl Into<String>) -> VolumeError {
    VolumeError {
        volume: v.name.clone(),
        message: message.into(),
    }
}

fn mkdir(journal: &Journal, v: &Volume, path: &Path, mode: u32) -> Result<(), VolumeError> {
    journal
        .record(&Entry::Dir {
            path: path.to_path_buf(),
        })
        .map_err(|e| err(v, e.to_string()))?;
    std::fs::create_dir_all(path).map_err(|e| err(v, format!("mkdir {}: {e}", path.display())))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| err(v, format!("chmod {}: {e}", path.display())))
}

fn tmpfs(journal: &Journal, v: &Volume, path: &Path, size: Option<u64>) -> Result<(), VolumeError> {
    journal
        .record(&Entry::Mount {
            path: path.to_path_buf(),
        })
        .map_err(|e| err(v, e.to_string()))?;
    let mut data = String::from("mode=0777");
    if let Some(s) = size {
        data.push_str(&format!(",size={s}"));
    }
    let data = std::ffi::CString::new(data).map_err(|e| err(v, e.to_string()))?;
    rustix::mount::mount(
        "tmpfs",
        path,
        "tmpfs",
        rustix::mount::MountFlags::empty(),
        Some(data.as_c_str()),
    )
    .map_err(|e| err(v, format!("mount tmpfs on {}: {e}", path.display())))
}

/// A Kubernetes quantity in bytes (`128Mi`, `1G`, `1000`), for `sizeLimit`.
pub fn quantity_bytes(q: &str) -> Option<u64> {
    let suffixes: [(&str, u64); 12] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("Ei", 1 << 60),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ];
    for (s, m) in suffixes {
        if let Some(n) = q.strip_suffix(s) {
            return n.parse::<u64>().ok().map(|n| n * m);
        }
    }
    q.parse().ok()
}

fn host_path(v: &Volume, path: &str, typ: &str) -> Result<(), VolumeError> {
    let p = Path::new(path);
    let meta = std::fs::metadata(p).ok();
    let fail = |what: &str| {
        err(
            v,
            format!("hostPath type check failed: {path} is not {what}"),
        )
    };
    use std::os::unix::fs::FileTypeExt;
    match typ {
        "" => Ok(()),
        "DirectoryOrCreate" if meta.is_none() => std::fs::create_dir_all(p)
            .and_then(|()| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)))
            .map_err(|e| err(v, e.to_string())),
        "DirectoryOrCreate" | "Directory" => match meta {
            Some(m) if m.is_dir() => Ok(()),
            _ => Err(fail("a directory")),
        },
        "FileOrCreate" if meta.is_none() => std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(p)
            .map(|_| ())
            .map_err(|e| err(v, e.to_string())),
        "FileOrCreate" | "File" => match meta {
            Some(m) if m.is_file() => Ok(()),
            _ => Err(fail("a file")),
        },
        "Socket" => match meta {
            Some(m) if m.file_type().is_socket() => Ok(()),
            _ => Err(fail("a socket file")),
        },
        "CharDevice" => match meta {
            Some(m) if m.file_type().is_char_device() => Ok(()),
            _ => Err(fail("a character device")),
        },
        "BlockDevice" => match meta {
            Some(m) if m.file_type().is_block_device() => Ok(()),
            _ => Err(fail("a block device")),
        },
        other => Err(err(v, format!("{other} is an invalid volume type"))),
    }
}

/// Writes a payload in the kubelet's `AtomicWriter` layout under `dir`.
pub fn write_payload(dir: &Path, payload: &Payload, ts_dir: &str) -> std::io::Result<()> {
    let data_dir = dir.join(ts_dir);
    std::fs::create_dir(&data_dir)?;
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755))?;
    let mut top: Vec<String> = Vec::new();
    for (rel, f) in payload {
        let rel_path = Path::new(rel);
        if rel_path.is_absolute()
            || rel_path
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(std::io::Error::other(format!("invalid path {rel:?}")));
        }
        let target = data_dir.join(rel_path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, &f.data)?;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(f.mode))?;
        if let Some(std::path::Component::Normal(first)) = rel_path.components().next() {
            let first = first.to_string_lossy().into_owned();
            if !top.contains(&first) {
                top.push(first);
            }
        }
    }
    std::os::unix::fs::symlink(ts_dir, dir.join("..data"))?;
    for name in top {
        std::os::unix::fs::symlink(format!("..data/{name}"), dir.join(&name))?;
    }
    Ok(())
}

/// The kubelet's timestamped directory name (`..2026_12_05_21_47_42.123456789`).
pub fn ts_dir_name() -> String {
    let now = super::clock::now_nano();
    let (date, rest) = now.split_once('T').unwrap_or((&now, ""));
    let rest = rest.trim_end_matches('Z');
    let (hms, frac) = rest.split_once('.').unwrap_or((rest, "0"));
    format!(
        "..{}_{}.{:0<9}",
        date.replace('-', "_"),
        hms.replace(':', "_"),
        frac
    )
}

/// Sets up every volume; their host paths by name.
pub fn set_up(input: &VolumeInput<'_>) -> Result<BTreeMap<String, SetUp>, VolumeError> {
    let sc = input.spec.security_context.as_ref();
    let fs_group = sc.and_then(|s| s.fs_group);
    let policy = sc
        .and_then(|s| s.fs_group_change_policy.as_deref())
        .unwrap_or("Always");
    let mut out = BTreeMap::new();
    for v in input.spec.volumes.iter().flatten() {
        if let Some(h) = &v.host_path {
            host_path(v, &h.path, h.type_.as_deref().unwrap_or(""))?;
            out.insert(
                v.name.clone(),
                SetUp {
                    path: PathBuf::from(&h.path),
                    ownership: None,
                },
            );
            continue;
        }
        let Some(plugin) = plugin_dir(v) else {
            return Err(err(
                v,
                "secctx supports emptyDir, hostPath, configMap, secret, downwardAPI and projected volumes only",
            ));
        };
        let dir = input
            .kubelet_dir
            .join("volumes")
            .join(format!("kubernetes.io~{plugin}"))
            .join(&v.name);
        mkdir(input.journal, v, &dir, 0o777)?;
        let mut read_only = false;
        if let Some(e) = &v.empty_dir {
            if e.medium.as_deref() == Some("Memory") {
                let size = e.size_limit.as_ref().and_then(|q| quantity_bytes(&q.0));
                tmpfs(input.journal, v, &dir, size)?;
            }
        } else {
            if v.secret.is_some() || v.projected.is_some() {
                tmpfs(input.journal, v, &dir, None)?;
            }
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))
                .map_err(|e| err(v, e.to_string()))?;
            let empty = Payload::new();
            let payload = input.payloads.get(&v.name).unwrap_or(&empty);
            write_payload(&dir, payload, &ts_dir_name())
                .map_err(|e| err(v, format!("writing payload: {e}")))?;
            read_only = true;
        }
        let ownership = match fs_group {
            Some(g) => Some(
                input
                    .ownership
                    .apply(&dir, g as u32, policy, read_only)
                    .map_err(|e| err(v, e))?,
            ),
            None => None,
        };
        out.insert(
            v.name.clone(),
            SetUp {
                path: dir,
                ownership,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secctx_core::projection::FileProjection;

    #[test]
    fn atomic_writer_layout() {
        let t = tempfile::tempdir().unwrap();
        let mut p = Payload::new();
        p.insert(
            "a".into(),
            FileProjection {
                data: b"1".to_vec(),
                mode: 0o400,
            },
        );
        p.insert(
            "d/b".into(),
            FileProjection {
                data: b"2".to_vec(),
                mode: 0o640,
            },
        );
        write_payload(t.path(), &p, "..ts").unwrap();
        assert_eq!(
            std::fs::read_link(t.path().join("..data")).unwrap(),
            Path::new("..ts")
        );
        assert_eq!(
            std::fs::read_link(t.path().join("d")).unwrap(),
            Path::new("..data/d")
        );
        assert_eq!(std::fs::read(t.path().join("d/b")).unwrap(), b"2");
        let mode = std::fs::metadata(t.path().join("a"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777;
        assert_eq!(mode, 0o400);
        let mut bad = Payload::new();
        bad.insert(
            "../x".into(),
            FileProjection {
                data: vec![],
                mode: 0o644,
            },
        );
        std::fs::create_dir(t.path().join("other")).unwrap();
        assert!(write_payload(&t.path().join("other"), &bad, "..ts").is_err());
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity_bytes("64Mi"), Some(64 << 20));
        assert_eq!(quantity_bytes("1G"), Some(1_000_000_000));
        assert_eq!(quantity_bytes("4096"), Some(4096));
        assert!(ts_dir_name().starts_with(".."));
    }
}
