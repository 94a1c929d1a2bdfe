use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::*;
use crate::image::build::ImageBuilder;

/// One tar member, written with raw header fields so hostile names (`..`) can be made.
enum M<'a> {
    File(&'a str, &'a str, u32),
    Dir(&'a str, u32),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

fn put_name(field: &mut [u8], s: &str) {
    field.fill(0);
    field[..s.len()].copy_from_slice(s.as_bytes());
}

fn tar_of(members: &[M<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for m in members {
        let mut h = tar::Header::new_gnu();
        let (path, body, kind, mode, link) = match m {
            M::File(p, body, mode) => (*p, *body, tar::EntryType::Regular, *mode, None),
            M::Dir(p, mode) => (*p, "", tar::EntryType::Directory, *mode, None),
            M::Symlink(p, t) => (*p, "", tar::EntryType::Symlink, 0o777, Some(*t)),
            M::Hardlink(p, t) => (*p, "", tar::EntryType::Link, 0o644, Some(*t)),
        };
        h.set_entry_type(kind);
        h.set_size(body.len() as u64);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        {
            let g = h.as_gnu_mut().unwrap();
            put_name(&mut g.name, path);
            if let Some(l) = link {
                put_name(&mut g.linkname, l);
            }
        }
        h.set_cksum();
        b.append(&h, body.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

fn layout(dir: &Path, layers: Vec<Vec<u8>>) {
    let mut builder = ImageBuilder::new().config(RunConfig {
        user: Some("1000".into()),
        cmd: Some(vec!["sh".into()]),
        ..RunConfig::default()
    });
    for l in layers {
        builder = builder.layer_tar(l);
    }
    builder.write_oci_layout(dir, "test:1").unwrap();
}

fn base_rootfs(dir: &Path) {
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(dir.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(dir.join("etc/group"), "root:x:0:\n").unwrap();
    std::os::unix::fs::symlink("/bin/sh", dir.join("bin/ash")).unwrap();
}

fn blobs_in(store_root: &Path) -> usize {
    std::fs::read_dir(store_root.join("images/blobs/sha256"))
        .unwrap()
        .count()
}

fn staging_in(store_root: &Path) -> usize {
    std::fs::read_dir(store_root.join("images/tmp"))
        .unwrap()
        .count()
}

#[test]
fn imports_the_three_source_kinds() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&tmp.path().join("store")).unwrap();
    let rootfs = tmp.path().join("rootfs");
    base_rootfs(&rootfs);
    let oci = tmp.path().join("oci");
    ImageBuilder::new()
        .config(RunConfig {
            user: Some("1000:50".into()),
            ..RunConfig::default()
        })
        .layer_dir(&rootfs)
        .unwrap()
        .write_oci_layout(&oci, "app:1")
        .unwrap();
    let archive = tmp.path().join("app.tar");
    ImageBuilder::new()
        .config(RunConfig {
            user: Some("2000".into()),
            ..RunConfig::default()
        })
        .layer_dir(&rootfs)
        .unwrap()
        .write_docker_archive(&archive, "app:2")
        .unwrap();

    let a = store.import("app:1", &oci).unwrap();
    let b = store.import("app:2", &archive).unwrap();
    let c = store.import("plain", &rootfs).unwrap();
    assert!(a.source.starts_with("OCI layout "), "{}", a.source);
    assert!(b.source.starts_with("docker-archive "), "{}", b.source);
    assert!(c.source.starts_with("rootfs directory "), "{}", c.source);
    // An OCI layout keeps its manifest, hence its digest.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
    assert_eq!(a.digest, index["manifests"][0]["digest"].as_str().unwrap());

    let names: Vec<_> = store.list().unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["app:1", "app:2", "plain"]);
    assert_eq!(store.lookup("app:2").unwrap().unwrap(), b);
    assert_eq!(
        store
            .lookup("docker.io/library/app:1")
            .unwrap()
            .unwrap()
            .name,
        "app:1"
    );
    assert!(store.lookup("app:3").unwrap().is_none());

    assert_eq!(store.inspect("app:1").unwrap().user, "1000:50");
    assert_eq!(store.inspect("app:2").unwrap().user, "2000");
    let plain = store.inspect("plain").unwrap();
    assert_eq!(plain.user, "");
    assert_eq!(plain.passwd.entries().unwrap()[0].name, "root");

    for (name, user) in [("app:1", "1000:50"), ("app:2", "2000"), ("plain", "")] {
        let dest = tmp
            .path()
            .join(format!("unpacked-{}", name.replace(':', "-")));
        let u = store.unpack(name, &dest).unwrap();
        assert_eq!(u.config.user.unwrap_or_default(), user);
        assert_eq!(
            std::fs::read_to_string(dest.join("etc/passwd")).unwrap(),
            "root:x:0:0:root:/root:/bin/sh\n"
        );
        assert_eq!(
            std::fs::read_link(dest.join("bin/ash")).unwrap(),
            Path::new("/bin/sh")
        );
    }
    assert_eq!(staging_in(store.root()), 0);
}

#[test]
fn a_corrupt_blob_is_rejected_and_nothing_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = Store::open(&root).unwrap();
    let oci = tmp.path().join("oci");
    layout(&oci, vec![tar_of(&[M::File("a", "hello", 0o644)])]);
    // Flip one byte of the layer.
    let json = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let blob = |d: &serde_json::Value| {
        oci.join("blobs/sha256")
            .join(d.as_str().unwrap().trim_start_matches("sha256:"))
    };
    let manifest = json(&blob(
        &json(&oci.join("index.json"))["manifests"][0]["digest"],
    ));
    let layer = blob(&manifest["layers"][0]["digest"]);
    let mut bytes = std::fs::read(&layer).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0xff;
    std::fs::write(&layer, &bytes).unwrap();
    let err = store.import("bad", &oci).unwrap_err();
    assert!(
        matches!(err, StoreError::Digest { .. }),
        "expected a digest error, got {err:?}"
    );
    assert!(
        err.to_string().contains("content has digest sha256:"),
        "{err}"
    );
    assert_eq!(blobs_in(&root), 0);
    assert_eq!(staging_in(&root), 0);
    assert!(store.list().unwrap().is_empty());

    // A blob of the wrong size is rejected too.
    bytes[n - 5] ^= 0xff;
    bytes.push(0);
    std::fs::write(&layer, &bytes).unwrap();
    let err = store.import("bad", &oci).unwrap_err();
    assert!(err.to_string().contains("the manifest says"), "{err}");
    assert_eq!(blobs_in(&root), 0);
    assert_eq!(staging_in(&root), 0);
}

#[test]
fn stale_staging_of_a_dead_process_is_removed_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    Store::open(&root).unwrap();
    // pid 0 never names a live process.
    let stale = root.join("images/tmp/0-7");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("blob-0"), "x").unwrap();
    Store::open(&root).unwrap();
    assert!(!stale.exists());
}

#[test]
fn whiteouts_opaque_dirs_and_hard_links() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&tmp.path().join("store")).unwrap();
    let oci = tmp.path().join("oci");
    let lower = tar_of(&[
        M::Dir("a", 0o755),
        M::File("a/x", "x", 0o644),
        M::File("a/y", "y", 0o644),
        M::Dir("d", 0o755),
        M::File("d/old", "old", 0o644),
        M::Dir("d/sub", 0o755),
        M::File("d/sub/deep", "deep", 0o644),
        M::File("gone", "gone", 0o644),
        M::Dir("gonedir", 0o755),
        M::File("gonedir/f", "f", 0o644),
        M::File("suid", "s", 0o4755),
    ]);
    let upper = tar_of(&[
        M::File("a/.wh.x", "", 0o644),
        M::Dir("d", 0o750),
        M::File("d/.wh..wh..opq", "", 0o644),
        M::File("d/new", "new", 0o644),
        M::File(".wh.gone", "", 0o644),
        M::File(".wh.gonedir", "", 0o644),
        M::File("file", "body", 0o640),
        M::Hardlink("link", "file"),
        M::Hardlink("abs-link", "/file"),
        M::Hardlink("./a/link-y", "./a/y"),
    ]);
    layout(&oci, vec![lower, upper]);
    store.import("wh", &oci).unwrap();
    let dest = tmp.path().join("rootfs");
    store.unpack("wh", &dest).unwrap();
    let names = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dest.join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("a"), ["link-y", "y"]);
    assert_eq!(names("d"), ["new"]);
    assert!(!dest.join("gone").exists());
    assert!(!dest.join("gonedir").exists());
    let meta = |p: &str| std::fs::symlink_metadata(dest.join(p)).unwrap();
    assert_eq!(meta("d").mode() & 0o7777, 0o750);
    assert_eq!(meta("suid").mode() & 0o7777, 0o4755);
    assert_eq!(meta("file").mode() & 0o7777, 0o640);
    assert_eq!(meta("file").ino(), meta("link").ino());
    assert_eq!(meta("file").ino(), meta("abs-link").ino());
    assert_eq!(meta("a/y").ino(), meta("a/link-y").ino());
    assert_eq!(meta("file").nlink(), 3);
}

/// Unpacks a two-layer image and returns the error.
fn unpack_err(tmp: &Path, lower: Vec<u8>, upper: Vec<u8>) -> StoreError {
    let store = Store::open(&tmp.join("store")).unwrap();
    let oci = tmp.join("oci");
    let _ = std::fs::remove_dir_all(&oci);
    layout(&oci, vec![lower, upper]);
    store.import("evil", &oci).unwrap();
    let dest = tmp.join("box/rootfs");
    let _ = std::fs::remove_dir_all(tmp.join("box"));
    store.unpack("evil", &dest).unwrap_err()
}

#[test]
fn dot_dot_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::File("ok", "", 0o644)]),
        tar_of(&[M::File("../escaped", "pwned", 0o644)]),
    );
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err:?}");
    assert!(err.to_string().contains("`..`"), "{err}");
    assert!(!tmp.path().join("box/escaped").exists());

    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::File("ok", "", 0o644)]),
        tar_of(&[M::File("a/../../escaped2", "pwned", 0o644)]),
    );
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err:?}");
    assert!(!tmp.path().join("box/escaped2").exists());
}

#[test]
fn symlinked_parent_directories_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let outside_str = outside.to_str().unwrap().to_string();
    // An absolute symlink to a host directory, then a file "through" it.
    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::Symlink("link", &outside_str)]),
        tar_of(&[M::File("link/pwned", "x", 0o644)]),
    );
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err:?}");
    assert!(err.to_string().contains("is a symlink"), "{err}");
    assert!(!outside.join("pwned").exists());

    // A relative symlink climbing out, in the same layer.
    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::File("ok", "", 0o644)]),
        tar_of(&[
            M::Symlink("up", "../../outside"),
            M::File("up/pwned2", "x", 0o644),
        ]),
    );
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err:?}");
    assert!(!outside.join("pwned2").exists());

    // A symlink to "/" then a directory entry below it.
    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::Symlink("root", "/")]),
        tar_of(&[M::Dir("root/tmp/secctx-pwned-dir", 0o755)]),
    );
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err:?}");
    assert!(!Path::new("/tmp/secctx-pwned-dir").exists());

    // A whiteout through a symlink must not delete on the host.
    std::fs::write(outside.join("keep"), "keep").unwrap();
    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::Symlink("link", &outside_str)]),
        tar_of(&[M::File("link/.wh.keep", "", 0o644)]),
    );
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err:?}");
    assert!(outside.join("keep").exists());
}

#[test]
fn files_replace_symlinks_instead_of_writing_through_them() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&tmp.path().join("store")).unwrap();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "original").unwrap();
    let oci = tmp.path().join("oci");
    layout(
        &oci,
        vec![
            tar_of(&[M::Symlink("f", victim.to_str().unwrap())]),
            tar_of(&[M::File("f", "new", 0o644)]),
        ],
    );
    store.import("x", &oci).unwrap();
    let dest = tmp.path().join("rootfs");
    store.unpack("x", &dest).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "original");
    assert_eq!(std::fs::read_to_string(dest.join("f")).unwrap(), "new");
    assert!(
        !std::fs::symlink_metadata(dest.join("f"))
            .unwrap()
            .is_symlink()
    );
}

#[test]
fn hard_links_resolve_inside_the_destination() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = tmp.path().join("secret");
    std::fs::write(&secret, "host secret").unwrap();
    // An absolute hard-link target names the image's file, which does not exist.
    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::File("ok", "", 0o644)]),
        tar_of(&[M::Hardlink("stolen", secret.to_str().unwrap())]),
    );
    assert!(err.to_string().contains("is missing"), "{err}");
    assert_eq!(std::fs::metadata(&secret).unwrap().nlink(), 1);
    // `..` in a hard-link target is refused.
    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::File("ok", "", 0o644)]),
        tar_of(&[M::Hardlink("stolen", "../../secret")]),
    );
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err:?}");
    assert_eq!(std::fs::metadata(&secret).unwrap().nlink(), 1);
    // A target through a symlinked directory is refused.
    let err = unpack_err(
        tmp.path(),
        tar_of(&[M::Symlink("host", tmp.path().to_str().unwrap())]),
        tar_of(&[M::Hardlink("stolen", "host/secret")]),
    );
    assert!(matches!(err, StoreError::Unsafe { .. }), "{err:?}");
    assert_eq!(std::fs::metadata(&secret).unwrap().nlink(), 1);
}

#[test]
fn remove_collects_unshared_blobs_only() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = Store::open(&root).unwrap();
    let oci = tmp.path().join("oci");
    layout(&oci, vec![tar_of(&[M::File("a", "a", 0o644)])]);
    store.import("one", &oci).unwrap();
    store.import("two", &oci).unwrap();
    let n = blobs_in(&root);
    assert_eq!(n, 3);
    store.remove("one").unwrap();
    assert_eq!(blobs_in(&root), 3);
    assert!(store.unpack("two", &tmp.path().join("r")).is_ok());
    store.remove("two").unwrap();
    assert_eq!(blobs_in(&root), 0);
    assert!(matches!(
        store.remove("two").unwrap_err(),
        StoreError::NotFound(_)
    ));
}

#[test]
fn concurrent_imports_all_land_in_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let oci = tmp.path().join("oci");
    layout(&oci, vec![tar_of(&[M::File("a", "a", 0o644)])]);
    std::thread::scope(|s| {
        for i in 0..8 {
            let (root, oci) = (&root, &oci);
            s.spawn(move || {
                let store = Store::open(root).unwrap();
                store.import(&format!("img{i}"), oci).unwrap();
            });
        }
    });
    let store = Store::open(&root).unwrap();
    assert_eq!(store.list().unwrap().len(), 8);
    assert_eq!(blobs_in(&root), 3);
}

#[test]
fn references() {
    let r = Reference::parse("busybox").unwrap();
    assert_eq!(
        (
            r.registry.as_str(),
            r.repository.as_str(),
            r.reference.as_str()
        ),
        ("docker.io", "library/busybox", "latest")
    );
    assert_eq!(r.host(), "registry-1.docker.io");
    let r = Reference::parse("127.0.0.1:5000/a/b:1.0").unwrap();
    assert_eq!(
        (
            r.registry.as_str(),
            r.repository.as_str(),
            r.reference.as_str()
        ),
        ("127.0.0.1:5000", "a/b", "1.0")
    );
    let d = format!("sha256:{}", "a".repeat(64));
    let r = Reference::parse(&format!("localhost/x@{d}")).unwrap();
    assert_eq!(r.reference, d);
    assert!(Reference::parse("Busybox").is_err());
    assert!(Reference::parse("x@sha256:zz").is_err());
    assert_eq!(
        reference::normalise("busybox:1.28"),
        "docker.io/library/busybox:1.28"
    );
}
