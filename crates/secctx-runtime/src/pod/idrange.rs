//! Host id ranges for pods with `hostUsers: false`, by the kubelet's rules
//! (`pkg/kubelet/userns`):
//!
//! - every pod gets its own range of `idsPerPod` host ids (65536 unless
//!   `SECCTX_USERNS_IDS_PER_POD` says another multiple of 65536), used for both uids and gids;
//! - the ranges come from a pool: the `kubelet` entry of `/etc/subuid` and `/etc/subgid`
//!   (which must agree), else host ids 65536 up to 2^32; the first 65536 host ids, the
//!   host's own users, are never handed out;
//! - the range is stored in the pod's directory (`userns`, the kubelet's file name and
//!   shape), so `inspect` and a later `run` of the runner read it back; removing the pod
//!   directory (`rm`) releases it;
//! - allocation scans every pod of the state root under one `flock` (`<root>/.userns.lock`),
//!   so two `secctx run`s at once never get overlapping ranges.
//!
//! The file paths are `SECCTX_SUBUID_FILE` and `SECCTX_SUBGID_FILE` when set (tests).

use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The kubelet's range length and alignment (`userNsLength`).
pub const USERNS_LENGTH: u64 = 65536;
/// The file in a pod's directory that holds its range.
pub const FILE: &str = "userns";
/// The lock file in the state root.
pub const LOCK: &str = ".userns.lock";
/// The name looked up in the subordinate id files.
pub const SUBID_USER: &str = "kubelet";

const MAX_ID: u64 = 1 << 32;

/// Why no range could be given.
#[derive(Debug, thiserror::Error)]
pub enum IdRangeError {
    /// Every range of the pool is in use.
    #[error(
        "could not find an empty slot to allocate a user namespace: the pool {first}-{last} holds {slots} ranges of {size} host ids and all are in use (rm a pod with hostUsers: false)"
    )]
    Exhausted {
        /// The pool's first host id.
        first: u64,
        /// Its last host id.
        last: u64,
        /// How many ranges it holds.
        slots: u64,
        /// The range size.
        size: u64,
    },
    /// The configuration is wrong (subordinate id files, idsPerPod).
    #[error("user namespace ranges: {0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IdRangeError + '_ {
    move |source| IdRangeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One mapping line, in the kubelet's `userns` file shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// The first container id (always 0).
    #[serde(rename = "containerId")]
    pub container_id: u32,
    /// The first host id.
    #[serde(rename = "hostId")]
    pub host_id: u32,
    /// How many ids.
    pub length: u32,
}

/// A pod's range: the content of `<pod>/userns`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// uid mappings (one line).
    #[serde(rename = "uidMappings")]
    pub uid_mappings: Vec<Mapping>,
    /// gid mappings (the same line).
    #[serde(rename = "gidMappings")]
    pub gid_mappings: Vec<Mapping>,
}

impl Allocation {
    fn of(host_id: u64, length: u64) -> Allocation {
        let m = Mapping {
            container_id: 0,
            host_id: host_id as u32,
            length: length as u32,
        };
        Allocation {
            uid_mappings: vec![m],
            gid_mappings: vec![m],
        }
    }

    /// The first host id.
    pub fn host_id(&self) -> u32 {
        self.uid_mappings.first().map_or(0, |m| m.host_id)
    }

    /// The range length.
    pub fn length(&self) -> u32 {
        self.uid_mappings.first().map_or(0, |m| m.length)
    }

    /// `[first, end)` host ids covered (uids and gids).
    fn spans(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.uid_mappings
            .iter()
            .chain(self.gid_mappings.iter())
            .map(|m| {
                (
                    u64::from(m.host_id),
                    u64::from(m.host_id) + u64::from(m.length),
                )
            })
    }

    /// `0 <host> <length>`, as `/proc/self/uid_map` shows it.
    pub fn uid_map_line(&self) -> String {
        format!("0 {} {}", self.host_id(), self.length())
    }
}

/// Where ranges come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    /// The first host id of the pool.
    pub first: u64,
    /// How many host ids.
    pub len: u64,
    /// The range given to each pod.
    pub per_pod: u64,
    /// Where the pool was read from (`default` or the subuid file).
    pub source: String,
}

impl Pool {
    /// The pool of this machine (environment overrides applied).
    pub fn from_host() -> Result<Pool, IdRangeError> {
        let env = |k: &str, d: &str| PathBuf::from(std::env::var(k).unwrap_or_else(|_| d.into()));
        let per_pod = match std::env::var("SECCTX_USERNS_IDS_PER_POD") {
            Ok(v) => v.trim().parse::<u64>().map_err(|_| {
                IdRangeError::Config(format!("SECCTX_USERNS_IDS_PER_POD={v:?} is not a number"))
            })?,
            Err(_) => USERNS_LENGTH,
        };
        Pool::read(
            &env("SECCTX_SUBUID_FILE", "/etc/subuid"),
            &env("SECCTX_SUBGID_FILE", "/etc/subgid"),
            per_pod,
        )
    }

    /// The pool from the `kubelet` entries of `subuid` and `subgid` (a missing file or entry
    /// gives the default pool), with `per_pod` ids a pod.
    pub fn read(subuid: &Path, subgid: &Path, per_pod: u64) -> Result<Pool, IdRangeError> {
        if per_pod == 0 || !per_pod.is_multiple_of(USERNS_LENGTH) || per_pod >= MAX_ID {
            return Err(IdRangeError::Config(format!(
                "idsPerPod {per_pod} must be a positive multiple of {USERNS_LENGTH}"
            )));
        }
        let u = subid_entry(subuid)?;
        let g = subid_entry(subgid)?;
        let (first, len, source) = match (u, g) {
            (None, None) => (USERNS_LENGTH, MAX_ID - USERNS_LENGTH, "default".to_string()),
            (Some(u), Some(g)) if u == g => (u.0, u.1, subuid.display().to_string()),
            (u, g) => {
                return Err(IdRangeError::Config(format!(
                    "the {SUBID_USER} entries of {} ({u:?}) and {} ({g:?}) differ; they must give the same range",
                    subuid.display(),
                    subgid.display()
                )));
            }
        };
        // The kubelet's checks: aligned start and length.
        if !first.is_multiple_of(per_pod) {
            return Err(IdRangeError::Config(format!(
                "{SUBID_USER} assigned id {first} is not a multiple of {per_pod}"
            )));
        }
        if !len.is_multiple_of(per_pod) || len == 0 {
            return Err(IdRangeError::Config(format!(
                "{SUBID_USER} assigned ids length {len} is not a multiple of {per_pod}"
            )));
        }
        // Never hand out the host's own first 65536 ids, nor ids past 2^32 - 1.
        let start = first.max(USERNS_LENGTH.div_ceil(per_pod) * per_pod);
        let end = (first + len).min(MAX_ID);
        if end <= start || end - start < per_pod {
            return Err(IdRangeError::Config(format!(
                "the {SUBID_USER} range {first}+{len} leaves no room above the host's first {USERNS_LENGTH} ids"
            )));
        }
        Ok(Pool {
            first: start,
            len: (end - start) / per_pod * per_pod,
            per_pod,
            source,
        })
    }

    fn slots(&self) -> u64 {
        self.len / self.per_pod
    }
}

/// The `kubelet:<start>:<count>` entry of a subordinate id file (the first one, as
/// `getsubids` lists it first); `None` when the file or the entry is missing.
fn subid_entry(path: &Path) -> Result<Option<(u64, u64)>, IdRangeError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(':').collect();
        if f.first() != Some(&SUBID_USER) {
            continue;
        }
        let parsed = match f.as_slice() {
            [_, s, c] => s.parse::<u64>().ok().zip(c.parse::<u64>().ok()),
            _ => None,
        };
        return match parsed {
            Some((s, c)) if s + c <= MAX_ID => Ok(Some((s, c))),
            _ => Err(IdRangeError::Config(format!(
                "{}:{}: malformed entry {line:?} (want {SUBID_USER}:START:COUNT within 32 bits)",
                path.display(),
                n + 1
            ))),
        };
    }
    Ok(None)
}

/// The range stored in a pod's directory, if it has one.
pub fn read(pod_dir: &Path) -> Result<Option<Allocation>, IdRangeError> {
    let p = pod_dir.join(FILE);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| IdRangeError::Config(format!("{}: {e}", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&p)(e)),
    }
}

/// Gives the pod in `pod_dir` (a directory of `state_root`) a free range of `pool` and
/// stores it there; a pod that already has one keeps it.
pub fn allocate(
    state_root: &Path,
    pod_dir: &Path,
    pool: &Pool,
) -> Result<Allocation, IdRangeError> {
    let _lock = lock(state_root)?;
    if let Some(a) = read(pod_dir)? {
        return Ok(a);
    }
    let mut used: Vec<(u64, u64)> = Vec::new();
    for e in std::fs::read_dir(state_root)
        .map_err(io(state_root))?
        .flatten()
    {
        let dir = e.path();
        if dir == pod_dir || e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // A pod whose file cannot be read still holds whatever it holds: refuse rather
        // than risk an overlap.
        if let Some(a) = read(&dir)? {
            used.extend(a.spans());
        }
    }
    let free = (0..pool.slots())
        .map(|i| pool.first + i * pool.per_pod)
        .find(|s| {
            let end = s + pool.per_pod;
            used.iter().all(|(a, b)| end <= *a || *b <= *s)
        });
    let Some(start) = free else {
        return Err(IdRangeError::Exhausted {
            first: pool.first,
            last: pool.first + pool.len - 1,
            slots: pool.slots(),
            size: pool.per_pod,
        });
    };
    let a = Allocation::of(start, pool.per_pod);
    write(pod_dir, &a)?;
    Ok(a)
}

/// Frees the pod's range (its file), under the allocation lock.
pub fn release(state_root: &Path, pod_dir: &Path) -> Result<(), IdRangeError> {
    let _lock = lock(state_root)?;
    let p = pod_dir.join(FILE);
    match std::fs::remove_file(&p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&p)(e)),
        _ => Ok(()),
    }
}

fn write(pod_dir: &Path, a: &Allocation) -> Result<(), IdRangeError> {
    let p = pod_dir.join(FILE);
    let tmp = pod_dir.join(".userns.tmp");
    let mut text = serde_json::to_vec_pretty(a).expect("plain data serializes");
    text.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(&text).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, &p).map_err(io(&p))
}

/// The state root's allocation lock (blocking), released on drop.
fn lock(state_root: &Path) -> Result<std::fs::File, IdRangeError> {
    std::fs::create_dir_all(state_root).map_err(io(state_root))?;
    let p = state_root.join(LOCK);
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&p)
        .map_err(io(&p))?;
    rustix::fs::flock(f.as_fd(), rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| io(&p)(e.into()))?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool_dir(subuid: &str, subgid: &str, per_pod: u64) -> Result<Pool, IdRangeError> {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("u"), subuid).unwrap();
        std::fs::write(d.path().join("g"), subgid).unwrap();
        Pool::read(&d.path().join("u"), &d.path().join("g"), per_pod)
    }

    #[test]
    fn default_pool_skips_the_first_65536() {
        let p = pool_dir("alice:100000:65536\n", "", USERNS_LENGTH).unwrap();
        assert_eq!((p.first, p.len), (65536, (1 << 32) - 65536));
        assert_eq!(p.source, "default");
    }

    #[test]
    fn kubelet_entry_sets_the_pool_and_must_agree() {
        let p = pool_dir("kubelet:655360:262144\n", "kubelet:655360:262144\n", 65536).unwrap();
        assert_eq!((p.first, p.len), (655360, 262144));
        let e = pool_dir("kubelet:655360:262144\n", "kubelet:720896:262144\n", 65536);
        assert!(e.unwrap_err().to_string().contains("differ"));
        let e = pool_dir("kubelet:1000:65536\n", "kubelet:1000:65536\n", 65536);
        assert!(
            e.unwrap_err()
                .to_string()
                .contains("not a multiple of 65536")
        );
        // A range that starts at 0 loses its first 65536 ids.
        let p = pool_dir("kubelet:0:196608\n", "kubelet:0:196608\n", 65536).unwrap();
        assert_eq!((p.first, p.len), (65536, 131072));
    }

    #[test]
    fn ranges_are_disjoint_exhaust_and_free_again() {
        let root = tempfile::tempdir().unwrap();
        let pool = Pool {
            first: 131072,
            len: 3 * 65536,
            per_pod: 65536,
            source: "test".into(),
        };
        let mut got = Vec::new();
        for i in 0..3 {
            let d = root.path().join(format!("p{i}"));
            std::fs::create_dir(&d).unwrap();
            got.push(allocate(root.path(), &d, &pool).unwrap().host_id());
        }
        assert_eq!(got, [131072, 196608, 262144]);
        let d = root.path().join("p3");
        std::fs::create_dir(&d).unwrap();
        let e = allocate(root.path(), &d, &pool).unwrap_err();
        assert!(
            e.to_string().contains("could not find an empty slot"),
            "{e}"
        );
        release(root.path(), &root.path().join("p1")).unwrap();
        assert_eq!(allocate(root.path(), &d, &pool).unwrap().host_id(), 196608);
    }
}
