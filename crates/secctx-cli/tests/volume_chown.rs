//! `secctx volume chown`: the report, the exit codes, OnRootMismatch.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

use common::secctx;

#[test]
fn chown_reports_json_then_on_root_mismatch_skips() {
    let t = tempfile::tempdir().unwrap();
    let v = t.path().join("v");
    fs::create_dir_all(v.join("a")).unwrap();
    fs::write(v.join("a/f"), b"").unwrap();
    fs::set_permissions(v.join("a/f"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(t.path().join("outside"), b"").unwrap();
    fs::set_permissions(t.path().join("outside"), fs::Permissions::from_mode(0o600)).unwrap();
    symlink(t.path().join("outside"), v.join("link")).unwrap();

    let out = secctx()
        .args(["volume", "chown", "--fs-group", "3000", "-o", "json"])
        .arg(&v)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["visited"], 4);
    assert_eq!(report["skipped"], false);
    assert_eq!(report["failures"], 0);
    let f = fs::metadata(v.join("a/f")).unwrap();
    assert_eq!((f.gid(), f.mode() & 0o7777), (3000, 0o660));
    let root = fs::metadata(&v).unwrap();
    assert_eq!((root.gid(), root.mode() & 0o7777), (3000, 0o2775));
    let outside = fs::metadata(t.path().join("outside")).unwrap();
    assert_eq!((outside.gid(), outside.mode() & 0o7777), (0, 0o600));

    let out = secctx()
        .args([
            "volume",
            "chown",
            "--fs-group",
            "3000",
            "--policy",
            "OnRootMismatch",
        ])
        .arg(&v)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("skipped"));
}

#[test]
fn missing_dir_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let out = secctx()
        .args(["volume", "chown", "--fs-group", "1"])
        .arg(t.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lstat"));
}
