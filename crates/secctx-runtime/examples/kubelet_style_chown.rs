//! Bench baseline: `kubelet_style_chown DIR GID` does what the kubelet's `walkDeep` +
//! `changeFilePermission` do, sequentially and by path: read all names of a directory, `lstat`
//! each, recurse into directories, then `lchown(path, -1, gid)` and, unless a symlink,
//! `chmod(path, mode | 0660)` (directories `| 02770`), the root last. Every call is always made.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, lchown};
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(gid)) = (args.next(), args.next()) else {
        eprintln!("usage: kubelet_style_chown DIR GID");
        std::process::exit(2);
    };
    let gid: u32 = gid.parse().expect("GID is a number");
    let root = Path::new(&dir);
    let info = fs::symlink_metadata(root).expect("lstat root");
    let n = walk(root, &info, gid);
    println!("{n} entries");
}

fn walk(path: &Path, info: &fs::Metadata, gid: u32) -> u64 {
    let mut n = 0;
    if info.is_dir() {
        let names: Vec<_> = fs::read_dir(path)
            .expect("readdir")
            .map(|e| e.expect("readdir").file_name())
            .collect();
        for name in names {
            let child = path.join(name);
            let ci = fs::symlink_metadata(&child).expect("lstat");
            n += walk(&child, &ci, gid);
        }
    }
    if let Err(e) = lchown(path, None, Some(gid)) {
        eprintln!("Lchown failed {}: {e}", path.display());
    }
    if !info.file_type().is_symlink() {
        let mask = if info.is_dir() { 0o2770 } else { 0o660 };
        let mode = info.mode() & 0o7777 | mask;
        if let Err(e) = fs::set_permissions(path, fs::Permissions::from_mode(mode)) {
            eprintln!("chmod failed {}: {e}", path.display());
        }
    }
    n + 1
}
