//! Bar 2: while the walk runs, another thread keeps swapping subdirectories for symlinks to a
//! directory outside the volume (and files for symlinks to outside files); nothing outside ever
//! changes. The control shows a plain path-based walk (what the kubelet does) IS fooled.

mod fsgroup_common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, lchown, symlink};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fsgroup_common::{build_outside, full_snapshot};
use rustix::fs::{CWD, RenameFlags, renameat_with};
use secctx_runtime::volume::{ChangePolicy, OwnershipRequest, set_ownership};

const PAIRS: usize = 24;

/// `vol/p{k}/{d,l,f,fl}`: `d` a directory (with files and a nested directory), `l` a symlink to
/// the outside directory, `f` a file, `fl` a symlink to an outside file. Everything gid 0, modes
/// without group bits, so any touch shows.
fn build_volume(vol: &Path, outside: &Path) -> Vec<(PathBuf, PathBuf)> {
    let _ = fs::remove_dir_all(vol);
    fs::create_dir(vol).unwrap();
    let mut pairs = Vec::new();
    for k in 0..PAIRS {
        let p = vol.join(format!("p{k}"));
        let d = p.join("d");
        fs::create_dir_all(d.join("inner")).unwrap();
        for i in 0..20 {
            fs::write(d.join(format!("f{i}")), b"v").unwrap();
            fs::write(d.join("inner").join(format!("g{i}")), b"v").unwrap();
        }
        symlink(outside, p.join("l")).unwrap();
        fs::write(p.join("f"), b"v").unwrap();
        symlink(outside.join(format!("o{}", k % 10)), p.join("fl")).unwrap();
        pairs.push((d, p.join("l")));
        pairs.push((p.join("f"), p.join("fl")));
    }
    for e in walk_plain(vol) {
        lchown(&e, None, Some(0)).unwrap();
        if !fs::symlink_metadata(&e).unwrap().file_type().is_symlink() {
            let m = if e.is_dir() { 0o700 } else { 0o600 };
            fs::set_permissions(&e, fs::Permissions::from_mode(m)).unwrap();
        }
    }
    pairs
}

fn walk_plain(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let p = out[i].clone();
        if fs::symlink_metadata(&p).unwrap().is_dir() {
            for e in fs::read_dir(&p).unwrap() {
                out.push(e.unwrap().path());
            }
        }
        i += 1;
    }
    out
}

/// Keeps exchanging each pair atomically (`renameat2(RENAME_EXCHANGE)`), so every name always
/// exists but flips between a directory (or file) and a symlink to outside.
fn start_swapper(pairs: Vec<(PathBuf, PathBuf)>, stop: Arc<AtomicBool>) -> JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut swaps = 0u64;
        while !stop.load(Ordering::Relaxed) {
            for (a, b) in &pairs {
                renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).unwrap();
                swaps += 1;
            }
        }
        swaps
    })
}

/// Runs `walk` on fresh volumes under a swapper until `deadline` or until outside changes;
/// returns (runs, whether outside changed).
fn race(walk: impl Fn(&Path, u32), deadline: Duration, max_runs: u64) -> (u64, bool, u64) {
    let t = tempfile::tempdir().unwrap();
    let outside = t.path().join("outside");
    let vol = t.path().join("vol");
    build_outside(&outside);
    let before = full_snapshot(&outside);
    let start = Instant::now();
    let (mut runs, mut swaps) = (0, 0);
    while start.elapsed() < deadline && runs < max_runs {
        let pairs = build_volume(&vol, &outside);
        let stop = Arc::new(AtomicBool::new(false));
        let swapper = start_swapper(pairs, stop.clone());
        walk(&vol, 3000 + (runs % 7) as u32);
        stop.store(true, Ordering::Relaxed);
        swaps += swapper.join().unwrap();
        runs += 1;
        if full_snapshot(&outside) != before {
            return (runs, true, swaps);
        }
    }
    (runs, false, swaps)
}

#[test]
fn swapping_subdirs_for_outside_symlinks_never_reaches_outside() {
    let walked = AtomicU64::new(0);
    let (runs, changed, swaps) = race(
        |vol, gid| {
            let r = OwnershipRequest {
                fs_group: gid,
                policy: ChangePolicy::Always,
                read_only: false,
            };
            // Errors and failed calls are allowed under the race; touching outside is not.
            if let Ok(rep) = set_ownership(vol, &r) {
                walked.fetch_add(rep.visited, Ordering::Relaxed);
            }
        },
        Duration::from_secs(15),
        300,
    );
    assert!(
        !changed,
        "secctx changed a file outside the volume (run {runs})"
    );
    eprintln!(
        "secctx: {runs} runs, {swaps} swaps, {} entries walked",
        walked.load(Ordering::Relaxed)
    );
    assert!(
        runs >= 5 && swaps > 1000,
        "too little racing: {runs} runs, {swaps} swaps"
    );
    assert!(walked.load(Ordering::Relaxed) > 0);
}

/// The kubelet's walk, by path: lstat, Lchown, chmod (follows symlinks), and readdir by opening
/// the path (follows symlinks).
fn naive_walk(path: &Path, gid: u32) {
    let Ok(info) = fs::symlink_metadata(path) else {
        return;
    };
    if info.is_dir()
        && let Ok(rd) = fs::read_dir(path)
    {
        for e in rd.flatten() {
            naive_walk(&e.path(), gid);
        }
    }
    let _ = lchown(path, None, Some(gid));
    if !info.file_type().is_symlink() {
        let mask = if info.is_dir() { 0o2770 } else { 0o660 };
        let _ = fs::set_permissions(
            path,
            fs::Permissions::from_mode(info.mode() & 0o7777 | mask),
        );
    }
}

#[test]
fn control_a_path_based_walk_is_fooled() {
    let (runs, changed, _) = race(naive_walk, Duration::from_secs(60), 100_000);
    eprintln!("control: fooled after {runs} runs");
    assert!(
        changed,
        "the path-based walk was never fooled in {runs} runs: the race is not exercised"
    );
}
