//! The permission rules, pure: which bits an entry must end up with and when `OnRootMismatch`
//! may skip. Modes are raw `st_mode` values; only the low 12 bits (`0o7777`) are ever written.

/// `rwMask`: group and owner read/write.
pub const RW_MASK: u32 = 0o660;
/// `roMask`: group and owner read, for read-only volumes.
pub const RO_MASK: u32 = 0o440;
/// `execMask`: added on directories.
pub const EXEC_MASK: u32 = 0o110;
/// `S_ISGID`: added on directories so new files inherit the group.
pub const SETGID: u32 = 0o2000;
/// The bits `chmod` takes: permissions plus setuid, setgid and sticky.
pub const CHMOD_BITS: u32 = 0o7777;

/// The bits the kubelet ORs into an entry's mode (`changeFilePermission`). Not used for
/// symlinks, which are never chmod'ed.
pub fn required_bits(read_only: bool, is_dir: bool) -> u32 {
    let base = if read_only { RO_MASK } else { RW_MASK };
    if is_dir {
        base | EXEC_MASK | SETGID
    } else {
        base
    }
}

/// The mode the kubelet's `os.Chmod(path, info.Mode()|mask)` sets: the existing permission,
/// setuid, setgid and sticky bits, plus [`required_bits`]. Bits are only ever added.
pub fn target_mode(st_mode: u32, read_only: bool, is_dir: bool) -> u32 {
    (st_mode & CHMOD_BITS) | required_bits(read_only, is_dir)
}

/// The root as `os.Stat` (following symlinks) sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootStat {
    /// `st_gid`.
    pub gid: u32,
    /// `st_mode` (type and bits).
    pub st_mode: u32,
}

/// `requiresPermissionChange`: true when `OnRootMismatch` must still walk. `None` = the stat
/// failed (walk). Otherwise walk when the gid differs, the root is not a directory, the
/// permission bits lack `0660`/`0440 | 0110`, or setgid is missing.
pub fn root_requires_change(root: Option<RootStat>, fs_group: u32, read_only: bool) -> bool {
    let Some(root) = root else { return true };
    if root.gid != fs_group {
        return true;
    }
    if root.st_mode & 0o170000 != 0o040000 {
        return true;
    }
    let need = (if read_only { RO_MASK } else { RW_MASK }) | EXEC_MASK;
    root.st_mode & 0o777 & need != need || root.st_mode & SETGID == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: u32 = 0o040000;
    const REG: u32 = 0o100000;

    #[test]
    fn bits_only_added() {
        assert_eq!(target_mode(REG | 0o600, false, false), 0o660);
        assert_eq!(target_mode(REG | 0o4755, false, false), 0o4775);
        assert_eq!(target_mode(REG, true, false), 0o440);
        assert_eq!(target_mode(DIR | 0o700, false, true), 0o2770);
        assert_eq!(target_mode(DIR | 0o1777, true, true), 0o3777);
        assert_eq!(target_mode(DIR, true, true), 0o2550);
    }

    #[test]
    fn on_root_mismatch() {
        let ok = RootStat {
            gid: 5,
            st_mode: DIR | 0o2770,
        };
        assert!(!root_requires_change(Some(ok), 5, false));
        assert!(root_requires_change(Some(ok), 6, false));
        assert!(root_requires_change(None, 5, false));
        let no_sgid = RootStat {
            st_mode: DIR | 0o775,
            ..ok
        };
        assert!(root_requires_change(Some(no_sgid), 5, false));
        let superset = RootStat {
            st_mode: DIR | 0o2777,
            ..ok
        };
        assert!(!root_requires_change(Some(superset), 5, false));
        let ro = RootStat {
            st_mode: DIR | 0o2550,
            ..ok
        };
        assert!(!root_requires_change(Some(ro), 5, true));
        assert!(root_requires_change(Some(ro), 5, false));
        let file = RootStat {
            st_mode: REG | 0o2770,
            ..ok
        };
        assert!(root_requires_change(Some(file), 5, false));
    }
}
