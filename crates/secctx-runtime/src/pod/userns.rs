//! `hostUsers: false` without id-mapped mounts: the unpacked rootfs is shifted into the pod's
//! id range (every owner `+ offset`), as containerd's snapshotters did before id-mapped
//! mounts, so uid 0 in the user namespace owns what the image's root owns.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Adds `offset` to the uid and gid of every entry under `root` (symlinks themselves, not their
/// targets); setuid/setgid bits, which `chown` clears, are restored.
pub fn shift(root: &Path, offset: u32) -> std::io::Result<u64> {
    let mut n = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p)?;
        std::os::unix::fs::lchown(&p, Some(meta.uid() + offset), Some(meta.gid() + offset))?;
        let special = meta.mode() & 0o6000;
        if special != 0 && !meta.file_type().is_symlink() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        }
        n += 1;
        if meta.is_dir() {
            for e in std::fs::read_dir(&p)? {
                stack.push(e?.path());
            }
        }
    }
    Ok(n)
}
