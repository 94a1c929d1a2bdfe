//! What one container did during a recorded run.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// How an overlay upper-dir entry differs from the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteKind {
    /// New: not in the image.
    Created,
    /// An image file copied up (`overlay.origin`): changed, or opened for writing.
    Modified,
    /// An image file removed (a whiteout).
    Deleted,
    /// An image directory removed and made again (`overlay.opaque`).
    Replaced,
}

/// One path the container wrote outside its volumes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Written {
    /// Absolute path inside the container.
    pub path: String,
    /// What happened to it.
    pub kind: WriteKind,
    /// Whether it is a directory.
    pub dir: bool,
}

/// What a container did. Several runs merge by union ([`Observed::merge`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    /// The container's name.
    pub container: String,
    /// System call names by seccomp architecture (`SCMP_ARCH_X86_64`), every call seen after
    /// the filter was installed (the runtime's own tail included).
    pub syscalls: BTreeMap<String, BTreeSet<String>>,
    /// Capabilities checked and granted (`CAP_NET_RAW`), noise removed.
    pub capabilities: BTreeSet<String>,
    /// Capabilities checked and refused (the run did without them, or failed for lack of them).
    pub denied_capabilities: BTreeSet<String>,
    /// Paths written outside volumes.
    pub written: Vec<Written>,
    /// Image directories (ancestors of written paths) and whether they are empty in the image.
    pub image_dirs: BTreeMap<String, bool>,
    /// Real and effective uids seen.
    pub uids: BTreeSet<u32>,
    /// Real and effective gids seen.
    pub gids: BTreeSet<u32>,
    /// A process gained privileges by exec (setuid/setgid bit, file capabilities): its path.
    pub escalations: BTreeSet<String>,
    /// The uid the container was started as.
    pub started_uid: u32,
    /// Exit code of the run.
    pub exit_code: i32,
    /// How many runs were merged.
    pub runs: u32,
    /// Notes from the observers (a backend that was not available, lost events).
    pub notes: Vec<String>,
}

impl Observed {
    /// Whether any process ran with uid 0 (real or effective).
    pub fn needed_root(&self) -> bool {
        self.uids.contains(&0)
    }

    /// The union of two runs of the same container.
    pub fn merge(&mut self, other: &Observed) {
        for (arch, names) in &other.syscalls {
            self.syscalls
                .entry(arch.clone())
                .or_default()
                .extend(names.iter().cloned());
        }
        self.capabilities.extend(other.capabilities.iter().cloned());
        self.denied_capabilities
            .extend(other.denied_capabilities.iter().cloned());
        for w in &other.written {
            if !self.written.contains(w) {
                self.written.push(w.clone());
            }
        }
        self.written.sort();
        for (d, empty) in &other.image_dirs {
            self.image_dirs.insert(d.clone(), *empty);
        }
        self.uids.extend(other.uids.iter().copied());
        self.gids.extend(other.gids.iter().copied());
        self.escalations.extend(other.escalations.iter().cloned());
        if other.exit_code != 0 {
            self.exit_code = other.exit_code;
        }
        self.runs += other.runs;
        for n in &other.notes {
            if !self.notes.contains(n) {
                self.notes.push(n.clone());
            }
        }
    }

    /// Every syscall name, over all architectures.
    pub fn syscall_names(&self) -> BTreeSet<&str> {
        self.syscalls
            .values()
            .flatten()
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_a_union_and_counts_runs() {
        let mut a = Observed {
            container: "app".into(),
            runs: 1,
            capabilities: ["CAP_CHOWN".to_string()].into(),
            uids: [0].into(),
            ..Observed::default()
        };
        a.syscalls
            .entry("SCMP_ARCH_X86_64".into())
            .or_default()
            .insert("read".into());
        let mut b = Observed {
            container: "app".into(),
            runs: 2,
            exit_code: 3,
            capabilities: ["CAP_NET_RAW".to_string()].into(),
            uids: [1000].into(),
            written: vec![Written {
                path: "/tmp/x".into(),
                kind: WriteKind::Created,
                dir: false,
            }],
            ..Observed::default()
        };
        b.syscalls
            .entry("SCMP_ARCH_X86_64".into())
            .or_default()
            .insert("write".into());
        a.merge(&b);
        a.merge(&b);
        assert_eq!(a.runs, 5);
        assert_eq!(a.exit_code, 3);
        assert_eq!(a.syscall_names(), BTreeSet::from(["read", "write"]));
        assert_eq!(a.capabilities.len(), 2);
        assert_eq!(a.uids, BTreeSet::from([0, 1000]));
        assert_eq!(a.written.len(), 1, "no duplicates");
        assert!(a.needed_root());
    }
}
