//! Bench helper: `fsgroup_tree DIR N` creates a volume of about N entries under DIR (which must
//! not exist): top directories of 10 subdirectories of 1,000 entries each, files `0644` gid 0,
//! one symlink per 100 entries, directories `0755`. Two threads.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: fsgroup_tree DIR N");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let n: usize = n.parse().expect("N is a number");
    fs::create_dir(&dir).expect("DIR must not exist");
    let per_leaf = 1000usize;
    let leaves = n.div_ceil(per_leaf + 1).max(1);
    let tops = leaves.div_ceil(10);
    let threads = 2;
    std::thread::scope(|s| {
        for t in 0..threads {
            let dir = &dir;
            s.spawn(move || {
                for leaf in (t..leaves).step_by(threads) {
                    let top = dir.join(format!("t{}", leaf % tops));
                    let _ = fs::create_dir(&top);
                    fill(&top.join(format!("s{leaf}")), per_leaf);
                }
            });
        }
    });
}

fn fill(leaf: &Path, entries: usize) {
    fs::create_dir(leaf).unwrap();
    for i in 0..entries {
        let p = leaf.join(format!("f{i}"));
        if i % 100 == 99 {
            symlink(format!("f{}", i - 1), &p).unwrap();
        } else {
            fs::File::create(&p).unwrap();
        }
    }
}
