use std::path::Path;

use secctx_core::image::ImageFile;

use super::build::{ImageBuilder, tar_dir};
use super::*;

fn tar_of(files: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, body, mode) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(*mode);
        h.set_cksum();
        b.append_data(&mut h, path, body.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

fn rootfs(dir: &Path) {
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::write(dir.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(dir.join("etc/group"), "root:x:0:\n").unwrap();
}

fn config(user: &str) -> RunConfig {
    RunConfig {
        user: Some(user.into()),
        ..RunConfig::default()
    }
}

#[test]
fn oci_layout_with_whiteouts_across_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    rootfs(&base);
    let upper = tar_of(&[
        ("etc/.wh.group", "", 0o644),
        (
            "etc/passwd",
            "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n",
            0o600,
        ),
    ]);
    let out = tmp.path().join("layout");
    ImageBuilder::new()
        .config(config("1000:50"))
        .layer_dir(&base)
        .unwrap()
        .layer_tar(upper)
        .write_oci_layout(&out, "app:1")
        .unwrap();
    let info = inspect(&out, Some("app:1")).unwrap();
    assert_eq!(info.user, "1000:50");
    assert!(info.source.starts_with("OCI layout"));
    let passwd = info.passwd.entries().unwrap();
    assert_eq!(passwd[1].name, "app");
    assert_eq!(info.passwd.meta().unwrap().mode, 0o600);
    assert_eq!(info.group, ImageFile::Missing);
}

#[test]
fn opaque_directory_hides_lower_files() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    rootfs(&base);
    let upper = tar_of(&[
        ("etc/.wh..wh..opq", "", 0o644),
        ("etc/group", "g:x:7:\n", 0o644),
    ]);
    let out = tmp.path().join("layout");
    ImageBuilder::new()
        .layer_dir(&base)
        .unwrap()
        .layer_tar(upper)
        .write_oci_layout(&out, "x")
        .unwrap();
    let info = inspect(&out, None).unwrap();
    assert_eq!(info.passwd, ImageFile::Missing);
    assert_eq!(info.group.entries().unwrap()[0].gid, 7);
}

#[test]
fn docker_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    rootfs(&base);
    let out = tmp.path().join("img.tar");
    ImageBuilder::new()
        .config(config("nobody"))
        .layer_tar(tar_dir(&base).unwrap())
        .write_docker_archive(&out, "busybox:1.28")
        .unwrap();
    let info = inspect(&out, Some("busybox:1.28")).unwrap();
    assert_eq!(info.user, "nobody");
    assert_eq!(info.passwd.entries().unwrap()[0].name, "root");
    assert!(info.source.starts_with("docker-archive"));
}

#[test]
fn rootfs_directory() {
    let tmp = tempfile::tempdir().unwrap();
    rootfs(tmp.path());
    let info = inspect(tmp.path(), None).unwrap();
    assert_eq!(info.user, "");
    assert_eq!(info.group.entries().unwrap()[0].name, "root");
}

#[test]
fn a_corrupted_blob_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    rootfs(&base);
    let out = tmp.path().join("layout");
    ImageBuilder::new()
        .layer_dir(&base)
        .unwrap()
        .write_oci_layout(&out, "x")
        .unwrap();
    let img = open(&out, None).unwrap();
    let layer = &img.layers[0].file;
    let mut bytes = std::fs::read(layer).unwrap();
    let n = bytes.len();
    bytes[n - 9] ^= 0xff;
    std::fs::write(layer, bytes).unwrap();
    let err = inspect(&out, None).unwrap_err().to_string();
    assert!(
        err.contains("digest") || err.contains("corrupt") || err.contains("invalid"),
        "{err}"
    );
}

#[test]
fn unknown_format() {
    let tmp = tempfile::tempdir().unwrap();
    let err = open(tmp.path(), None).unwrap_err();
    assert!(matches!(err, ImageError::UnknownFormat { .. }));
}
