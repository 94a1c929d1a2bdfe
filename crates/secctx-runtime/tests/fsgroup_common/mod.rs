//! Shared by the fsGroup tests: a seeded tree generator, a plain path-based reference of the
//! kubelet's algorithm, and inode snapshots.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, lchown, symlink};
use std::path::{Path, PathBuf};

/// xorshift64*: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const UIDS: [u32; 4] = [0, 1000, 3000, 65534];
const GIDS: [u32; 4] = [0, 1000, 3000, 4242];
const MODES: [u32; 14] = [
    0, 0o600, 0o644, 0o755, 0o4755, 0o2755, 0o1777, 0o6711, 0o640, 0o660, 0o777, 0o2770, 0o3555,
    0o7000,
];

fn own(rng: &mut Rng, p: &Path) {
    lchown(p, Some(rng.pick(&UIDS)), Some(rng.pick(&GIDS))).unwrap();
}

fn mode(rng: &mut Rng, p: &Path) {
    let m = if rng.below(4) == 0 {
        rng.next() as u32 & 0o7777
    } else {
        rng.pick(&MODES)
    };
    fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
}

/// The outside directory: files and a subdirectory, gid 0, modes without group bits.
pub fn build_outside(outside: &Path) {
    fs::create_dir_all(outside.join("od")).unwrap();
    for i in 0..10 {
        let f = outside.join(format!("o{i}"));
        fs::write(&f, b"outside").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(outside.join("od").join(format!("x{i}")), b"x").unwrap();
    }
    fs::set_permissions(outside.join("od"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(outside, fs::Permissions::from_mode(0o700)).unwrap();
}

/// Builds `base/vol` (about `n` entries: nested and empty dirs, files, FIFOs, hard links,
/// symlinks to files, dirs, ancestors, outside, dangling and looping ones, random modes and
/// owners) and `base/outside`. The same seed gives the same tree.
pub fn build_tree(base: &Path, seed: u64, n: usize) -> (PathBuf, PathBuf) {
    let mut rng = Rng::new(seed);
    let vol = base.join("vol");
    let outside = base.join("outside");
    build_outside(&outside);
    fs::create_dir(&vol).unwrap();
    let mut dirs: Vec<PathBuf> = vec![vol.clone()];
    let mut files: Vec<PathBuf> = Vec::new();
    let mut setup: Vec<(PathBuf, bool)> = Vec::new(); // (path, is symlink)
    for i in 0..n {
        let parent = dirs[rng.below(dirs.len())].clone();
        let p = parent.join(format!("e{i}"));
        let kind = rng.below(100);
        let is_link = match kind {
            0..15 => {
                fs::create_dir(&p).unwrap();
                dirs.push(p.clone());
                false
            }
            15..20 => {
                fs::create_dir(&p).unwrap();
                false
            }
            20..70 if files.is_empty() || kind < 62 => {
                fs::write(&p, b"data").unwrap();
                files.push(p.clone());
                false
            }
            20..70 => {
                let target = files[rng.below(files.len())].clone();
                fs::hard_link(&target, &p).unwrap();
                // Shared inode: set its owner and mode once, through the first name.
                continue;
            }
            70..74 if !files.is_empty() => {
                symlink(&files[rng.below(files.len())], &p).unwrap();
                true
            }
            70..78 => {
                symlink(&dirs[rng.below(dirs.len())], &p).unwrap();
                true
            }
            78..82 => {
                symlink(outside.join(format!("o{}", rng.below(10))), &p).unwrap();
                true
            }
            82..85 => {
                symlink(if rng.below(2) == 0 { &outside } else { &vol }, &p).unwrap();
                if rng.below(2) == 0 {
                    fs::remove_file(&p).unwrap();
                    symlink(outside.join("od"), &p).unwrap();
                }
                true
            }
            85..87 => {
                symlink("..", &p).unwrap();
                true
            }
            87..90 => {
                // A loop: a -> b, b -> a; or a self-loop.
                let q = parent.join(format!("e{i}b"));
                symlink(&q, &p).unwrap();
                symlink(&p, &q).unwrap();
                setup.push((q, true));
                true
            }
            90..92 => {
                symlink("does-not-exist", &p).unwrap();
                true
            }
            92..95 => {
                rustix::fs::mknodat(
                    rustix::fs::CWD,
                    &p,
                    rustix::fs::FileType::Fifo,
                    rustix::fs::Mode::from_raw_mode(0o644),
                    0,
                )
                .unwrap();
                false
            }
            _ => {
                fs::write(&p, b"").unwrap();
                files.push(p.clone());
                false
            }
        };
        setup.push((p, is_link));
    }
    // Owners and modes last, so creating children cannot fail on a 0-mode parent (we are root,
    // but keep it independent of that) and chown's setuid clearing happens before the mode.
    for (p, is_link) in setup {
        own(&mut rng, &p);
        if !is_link {
            mode(&mut rng, &p);
        }
    }
    own(&mut rng, &vol);
    mode(&mut rng, &vol);
    (vol, outside)
}

/// The kubelet's algorithm, plainly: `walkDeep` (lstat, readdir order, children first, symlinks
/// not descended) with `changeFilePermission` (Lchown(-1, gid), then for non-symlinks
/// `chmod(path, mode | mask)`), after the `OnRootMismatch` test. Returns the entries processed.
pub fn reference_kubelet(root: &Path, gid: u32, read_only: bool, on_root_mismatch: bool) -> u64 {
    if on_root_mismatch && !reference_requires_change(root, gid, read_only) {
        return 0;
    }
    let info = fs::symlink_metadata(root).unwrap();
    reference_walk(root, &info, gid, read_only)
}

fn reference_requires_change(root: &Path, gid: u32, read_only: bool) -> bool {
    let Ok(m) = fs::metadata(root) else {
        return true;
    };
    if m.gid() != gid || !m.is_dir() {
        return true;
    }
    let need = if read_only { 0o440 } else { 0o660 } | 0o110;
    m.mode() & 0o777 & need != need || m.mode() & 0o2000 == 0
}

fn reference_walk(path: &Path, info: &fs::Metadata, gid: u32, read_only: bool) -> u64 {
    let mut n = 0;
    if info.is_dir() {
        for e in fs::read_dir(path).unwrap() {
            let child = e.unwrap().path();
            let ci = fs::symlink_metadata(&child).unwrap();
            n += reference_walk(&child, &ci, gid, read_only);
        }
    }
    let _ = lchown(path, None, Some(gid));
    if !info.file_type().is_symlink() {
        let mut mask = if read_only { 0o440 } else { 0o660 };
        if info.is_dir() {
            mask |= 0o2110;
        }
        let _ = fs::set_permissions(
            path,
            fs::Permissions::from_mode(info.mode() & 0o7777 | mask),
        );
    }
    n + 1
}

/// Every inode under `dir` (not following symlinks) by path relative to `dir`:
/// (uid, gid, st_mode).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, u32, u32)> {
    full_snapshot(dir)
        .into_iter()
        .map(|(p, (u, g, m, _))| (p, (u, g, m)))
        .collect()
}

/// [`snapshot`] plus the ctime (any chown or chmod, even a no-op one, moves it).
pub fn full_snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, u32, u32, (i64, i64))> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = fs::symlink_metadata(&p).unwrap();
        out.insert(
            p.strip_prefix(dir).unwrap().to_path_buf(),
            (m.uid(), m.gid(), m.mode(), (m.ctime(), m.ctime_nsec())),
        );
        if m.is_dir() {
            for e in fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    out
}
