//! Written paths → `readOnlyRootFilesystem` and the emptyDirs that make it work.
//!
//! A created path is covered by an emptyDir at the shallowest directory above it (or itself,
//! for a directory) that is not in the image, or is empty in the image: mounting there hides
//! nothing. Image content that was modified, deleted or replaced cannot be covered (an
//! emptyDir would hide the rest of the directory): it is reported, and the root stays
//! writable.

use std::collections::BTreeSet;

use super::observed::{Observed, WriteKind, Written};

/// The decision for one container's root filesystem.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootDecision {
    /// Mount points for new emptyDirs, shallowest first, none under another.
    pub empty_dirs: Vec<String>,
    /// Image content the container changed (modified, deleted, replaced).
    pub image_changes: Vec<Written>,
    /// Created paths no emptyDir can cover (directly under `/`, or in a non-empty image
    /// directory all the way up).
    pub uncovered: Vec<String>,
}

impl RootDecision {
    /// Whether `readOnlyRootFilesystem: true` (with [`Self::empty_dirs`]) keeps every write.
    pub fn read_only(&self) -> bool {
        self.image_changes.is_empty() && self.uncovered.is_empty()
    }
}

/// `/a/b/c` → `["/a", "/a/b", "/a/b/c"]`.
fn prefixes(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        cur.push('/');
        cur.push_str(part);
        out.push(cur.clone());
    }
    out
}

/// Whether `path` is `dir` or below it.
pub fn under(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Decides the root filesystem of `o`. `volumes` are the container's existing mount paths
/// (writes there never reach the upper dir, but a new emptyDir must not shadow one).
pub fn decide(o: &Observed, volumes: &[String]) -> RootDecision {
    let mut d = RootDecision::default();
    let mut mounts = BTreeSet::new();
    for w in &o.written {
        if w.kind != WriteKind::Created {
            d.image_changes.push(w.clone());
            continue;
        }
        let mut candidates = prefixes(&w.path);
        if !w.dir {
            candidates.pop();
        }
        let choice = candidates.into_iter().find(|dir| {
            let free = match o.image_dirs.get(dir) {
                None => true, // not in the image: created by the run
                Some(empty) => *empty,
            };
            free && !volumes.iter().any(|v| under(v, dir) || under(dir, v))
        });
        match choice {
            Some(dir) => {
                mounts.insert(dir);
            }
            None => d.uncovered.push(w.path.clone()),
        }
    }
    // Shallowest only: a mount point under another is covered by it.
    let all: Vec<String> = mounts.into_iter().collect();
    d.empty_dirs = all
        .iter()
        .filter(|m| !all.iter().any(|o| o != *m && under(m, o)))
        .cloned()
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(path: &str, kind: WriteKind, dir: bool) -> Written {
        Written {
            path: path.into(),
            kind,
            dir,
        }
    }

    fn observed(written: Vec<Written>, image_dirs: &[(&str, bool)]) -> Observed {
        Observed {
            written,
            image_dirs: image_dirs
                .iter()
                .map(|(p, e)| (p.to_string(), *e))
                .collect(),
            ..Observed::default()
        }
    }

    #[test]
    fn created_under_an_empty_image_dir_mounts_that_dir() {
        let o = observed(
            vec![w("/tmp/a", WriteKind::Created, false)],
            &[("/tmp", true)],
        );
        let d = decide(&o, &[]);
        assert_eq!(d.empty_dirs, vec!["/tmp".to_string()]);
        assert!(d.read_only());
    }

    #[test]
    fn created_tree_mounts_its_shallowest_new_dir() {
        let o = observed(
            vec![
                w("/var/log/app", WriteKind::Created, true),
                w("/var/log/app/x.log", WriteKind::Created, false),
            ],
            &[("/var", false), ("/var/log", false)],
        );
        let d = decide(&o, &[]);
        assert_eq!(d.empty_dirs, vec!["/var/log/app".to_string()]);
    }

    #[test]
    fn file_at_the_root_is_uncovered() {
        let o = observed(vec![w("/marker", WriteKind::Created, false)], &[]);
        let d = decide(&o, &[]);
        assert_eq!(d.uncovered, vec!["/marker".to_string()]);
        assert!(!d.read_only());
    }

    #[test]
    fn image_changes_keep_the_root_writable() {
        for kind in [WriteKind::Modified, WriteKind::Deleted, WriteKind::Replaced] {
            let o = observed(vec![w("/etc/motd", kind, false)], &[("/etc", false)]);
            let d = decide(&o, &[]);
            assert_eq!(d.image_changes.len(), 1, "{kind:?}");
            assert!(!d.read_only(), "{kind:?}");
        }
    }

    #[test]
    fn never_shadows_an_existing_volume() {
        let o = observed(
            vec![w("/data/cache/x", WriteKind::Created, false)],
            &[("/data", true)],
        );
        let d = decide(&o, &["/data/config".to_string()]);
        assert_eq!(d.empty_dirs, vec!["/data/cache".to_string()]);
    }
}
