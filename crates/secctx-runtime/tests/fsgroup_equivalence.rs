//! Bar 1: on generated trees, `set_ownership` leaves every inode with the uid, gid and mode a
//! plain reference of the kubelet's algorithm gives, and nothing outside the volume changes.

mod fsgroup_common;

use std::fs;
use std::os::unix::fs::{PermissionsExt, lchown, symlink};
use std::path::Path;

use fsgroup_common::{build_tree, full_snapshot, reference_kubelet, snapshot};
use secctx_runtime::volume::{ChangePolicy, OwnershipRequest, set_ownership};

const ENTRIES: usize = 10_000;

fn req(fs_group: u32, policy: ChangePolicy, read_only: bool) -> OwnershipRequest {
    OwnershipRequest {
        fs_group,
        policy,
        read_only,
    }
}

/// Builds the same tree twice, runs the reference on one and secctx on the other, compares.
fn check(seed: u64, n: usize, r: OwnershipRequest, prepare: impl Fn(&Path)) {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (vol_a, out_a) = build_tree(a.path(), seed, n);
    let (vol_b, out_b) = build_tree(b.path(), seed, n);
    prepare(&vol_a);
    prepare(&vol_b);
    assert_eq!(
        snapshot(&vol_a),
        snapshot(&vol_b),
        "generator is not deterministic"
    );
    let outside_a = full_snapshot(&out_a);
    let outside_b = full_snapshot(&out_b);

    let on_mismatch = r.policy == ChangePolicy::OnRootMismatch;
    let ref_count = reference_kubelet(&vol_a, r.fs_group, r.read_only, on_mismatch);
    let report = set_ownership(&vol_b, &r).unwrap();

    let (sa, sb) = (snapshot(&vol_a), snapshot(&vol_b));
    assert_eq!(sa.len(), sb.len());
    for (path, want) in &sa {
        assert_eq!(
            sb.get(path),
            Some(want),
            "{}: secctx (uid, gid, mode) differs from the kubelet reference",
            path.display()
        );
    }
    assert_eq!(report.visited, ref_count, "entries processed");
    assert_eq!(report.skipped, on_mismatch && ref_count == 0);
    assert_eq!(report.failures, 0, "{:?}", report.first_failures);
    assert_eq!(
        full_snapshot(&out_a),
        outside_a,
        "the reference touched outside"
    );
    assert_eq!(full_snapshot(&out_b), outside_b, "secctx touched outside");

    // A second run finds nothing to do and makes no call.
    let again = set_ownership(&vol_b, &r).unwrap();
    assert_eq!(again.changed, 0);
    assert_eq!(snapshot(&vol_b), sb);
}

#[test]
fn always_read_write() {
    check(1, ENTRIES, req(3000, ChangePolicy::Always, false), |_| {});
}

/// A directory with more entries than one listing batch (4096, handed out in inode order) holds,
/// setuid files and a subdirectory among them: every batch is handled, nothing twice.
#[test]
fn a_directory_larger_than_one_batch() {
    check(7, 500, req(3000, ChangePolicy::Always, false), |vol| {
        let big = vol.join("big");
        fs::create_dir(&big).unwrap();
        for i in 0..9000 {
            let p = big.join(format!("e{i}"));
            fs::write(&p, b"").unwrap();
            let mode = if i % 7 == 0 { 0o4750 } else { 0o600 };
            fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        }
        fs::create_dir(big.join("sub")).unwrap();
        fs::write(big.join("sub").join("x"), b"").unwrap();
    });
}

#[test]
fn always_read_only() {
    check(2, ENTRIES, req(3000, ChangePolicy::Always, true), |_| {});
}

#[test]
fn always_other_group() {
    check(3, ENTRIES, req(4242, ChangePolicy::Always, false), |_| {});
}

#[test]
fn on_root_mismatch_walks_when_root_group_differs() {
    check(
        4,
        2_000,
        req(3000, ChangePolicy::OnRootMismatch, false),
        |v| {
            lchown(v, None, Some(1000)).unwrap();
        },
    );
}

#[test]
fn on_root_mismatch_walks_when_root_lacks_bits() {
    check(
        5,
        2_000,
        req(3000, ChangePolicy::OnRootMismatch, false),
        |v| {
            lchown(v, None, Some(3000)).unwrap();
            fs::set_permissions(v, fs::Permissions::from_mode(0o2750)).unwrap();
        },
    );
}

#[test]
fn on_root_mismatch_walks_without_setgid() {
    check(
        6,
        2_000,
        req(3000, ChangePolicy::OnRootMismatch, true),
        |v| {
            lchown(v, None, Some(3000)).unwrap();
            fs::set_permissions(v, fs::Permissions::from_mode(0o777)).unwrap();
        },
    );
}

#[test]
fn on_root_mismatch_skips_a_matching_root() {
    check(
        7,
        2_000,
        req(3000, ChangePolicy::OnRootMismatch, false),
        |v| {
            lchown(v, None, Some(3000)).unwrap();
            fs::set_permissions(v, fs::Permissions::from_mode(0o2775)).unwrap();
        },
    );
}

#[test]
fn on_root_mismatch_read_only_skips_0550() {
    check(8, 500, req(3000, ChangePolicy::OnRootMismatch, true), |v| {
        lchown(v, None, Some(3000)).unwrap();
        fs::set_permissions(v, fs::Permissions::from_mode(0o2550)).unwrap();
    });
}

#[test]
fn root_that_is_a_symlink_is_only_lchowned() {
    let t = tempfile::tempdir().unwrap();
    let target = t.path().join("target");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("f"), b"").unwrap();
    fs::set_permissions(target.join("f"), fs::Permissions::from_mode(0o600)).unwrap();
    let link = t.path().join("link");
    symlink(&target, &link).unwrap();
    let before = full_snapshot(&target);
    let r = set_ownership(&link, &req(3000, ChangePolicy::Always, false)).unwrap();
    assert_eq!(r.visited, 1);
    assert_eq!(full_snapshot(&target), before);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(fs::symlink_metadata(&link).unwrap().gid(), 3000);
}

#[test]
fn root_that_is_a_file() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("f");
    fs::write(&f, b"").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o4700)).unwrap();
    let r = set_ownership(&f, &req(3000, ChangePolicy::Always, false)).unwrap();
    assert_eq!(r.visited, 1);
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(&f).unwrap();
    assert_eq!((m.gid(), m.mode() & 0o7777), (3000, 0o4760));
}
