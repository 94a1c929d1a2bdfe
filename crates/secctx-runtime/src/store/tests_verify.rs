//! Defect 10: what import and unpack refuse. Each test crafts an OCI layout (or a
//! docker-archive) that lies in one way, and checks the refusal, its message, and that nothing
//! is left behind (no blob, no staging directory, no partial unpack).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;
use crate::image::build::{ImageBuilder, TarEntry, gzip_bomb, raw_tar};
use crate::image::limits::UnpackLimits;
use crate::image::media;

fn small_tar() -> Vec<u8> {
    raw_tar(&[
        TarEntry::Dir("etc".into(), 0o755),
        TarEntry::File(
            "etc/passwd".into(),
            b"root:x:0:0::/:/bin/sh\n".to_vec(),
            0o644,
        ),
    ])
    .unwrap()
}

pub(super) fn good_layout(dir: &Path) {
    ImageBuilder::new()
        .layer_tar(small_tar())
        .write_oci_layout(dir, "t:1")
        .unwrap();
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn blob_file(dir: &Path, digest: &str) -> PathBuf {
    dir.join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// Writes `bytes` as a blob of the layout; returns (digest, size).
fn put_blob(dir: &Path, bytes: &[u8]) -> (String, u64) {
    let d = crate::image::digest::sha256_digest(bytes);
    std::fs::write(blob_file(dir, &d), bytes).unwrap();
    (d, bytes.len() as u64)
}

/// Rewrites a layout's config, manifest and index entry, in that order; each edit runs after
/// the digests and sizes of what it names were brought up to date, so an edit's lie is the
/// only one.
pub(super) fn rewrite(
    dir: &Path,
    config: impl FnOnce(&mut Value),
    manifest: impl FnOnce(&mut Value),
    entry: impl FnOnce(&mut Value),
) {
    let mut index = read_json(&dir.join("index.json"));
    let mut m = read_json(&blob_file(
        dir,
        index["manifests"][0]["digest"].as_str().unwrap(),
    ));
    let mut c = read_json(&blob_file(dir, m["config"]["digest"].as_str().unwrap()));
    config(&mut c);
    let (d, n) = put_blob(dir, &serde_json::to_vec(&c).unwrap());
    m["config"]["digest"] = json!(d);
    m["config"]["size"] = json!(n);
    manifest(&mut m);
    let (d, n) = put_blob(dir, &serde_json::to_vec(&m).unwrap());
    index["manifests"][0]["digest"] = json!(d);
    index["manifests"][0]["size"] = json!(n);
    entry(&mut index["manifests"][0]);
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// Imports `layout` into a fresh store, expecting a refusal whose message has `expect`;
/// checks that nothing was stored or left staged.
fn refused(tmp: &Path, layout: &Path, expect: &str) -> String {
    let root = tmp.join("store");
    let _ = std::fs::remove_dir_all(&root);
    let store = Store::open(&root).unwrap();
    let err = store.import("lie", layout).unwrap_err().to_string();
    assert!(err.contains(expect), "expected {expect:?} in: {err}");
    assert!(store.list().unwrap().is_empty());
    for d in ["images/blobs/sha256", "images/tmp"] {
        assert_eq!(std::fs::read_dir(root.join(d)).unwrap().count(), 0, "{d}");
    }
    err
}

#[test]
fn descriptor_sizes_that_lie_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    // The config's descriptor says one byte more, then one byte less, than the config is.
    for delta in [1i64, -1] {
        let _ = std::fs::remove_dir_all(&l);
        good_layout(&l);
        rewrite(
            &l,
            |_| {},
            |m| m["config"]["size"] = json!(m["config"]["size"].as_i64().unwrap() + delta),
            |_| {},
        );
        let expect = if delta > 0 {
            "its descriptor declares"
        } else {
            "longer than the"
        };
        refused(tmp.path(), &l, expect);
    }
    // The manifest's descriptor (in index.json) lies the same way.
    for delta in [1i64, -1] {
        let _ = std::fs::remove_dir_all(&l);
        good_layout(&l);
        rewrite(
            &l,
            |_| {},
            |_| {},
            |e| e["size"] = json!(e["size"].as_i64().unwrap() + delta),
        );
        let err = refused(tmp.path(), &l, "manifest sha256:");
        assert!(err.contains("declares"), "{err}");
    }
    // A layer's descriptor says less than the blob is.
    let _ = std::fs::remove_dir_all(&l);
    good_layout(&l);
    rewrite(
        &l,
        |_| {},
        |m| m["layers"][0]["size"] = json!(m["layers"][0]["size"].as_u64().unwrap() - 1),
        |_| {},
    );
    refused(tmp.path(), &l, "the manifest says");
}

#[test]
fn oversized_documents_are_refused_before_they_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    good_layout(&l);
    // A 5 MiB manifest declared as such: over the 4 MiB cap, refused by its declared size.
    rewrite(&l, |_| {}, |_| {}, |e| e["size"] = json!(5u64 << 20));
    refused(tmp.path(), &l, "over the 4194304 bytes (4 MiB) limit");
    // A 9 MiB config: over the 8 MiB cap.
    let _ = std::fs::remove_dir_all(&l);
    good_layout(&l);
    rewrite(
        &l,
        |c| c["padding"] = json!("x".repeat(9 << 20)),
        |_| {},
        |_| {},
    );
    refused(tmp.path(), &l, "over the 8388608 bytes (8 MiB) limit");
    // An index.json over 4 MiB.
    let _ = std::fs::remove_dir_all(&l);
    good_layout(&l);
    let mut index = read_json(&l.join("index.json"));
    index["annotations"] = json!({"pad": "x".repeat(5 << 20)});
    std::fs::write(l.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    refused(
        tmp.path(),
        &l,
        "index.json: larger than the 4194304 bytes (4 MiB) limit",
    );
}

#[test]
fn media_types_secctx_cannot_handle_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    let layer_type = |t: &'static str| move |m: &mut Value| m["layers"][0]["mediaType"] = json!(t);
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(layer_type("text/html")),
            "layer media type \"text/html\" is not one secctx can unpack",
        ),
        (
            Box::new(layer_type("application/vnd.oci.image.layer.v1.tar+zstd")),
            "zstd-compressed layers are not supported",
        ),
        (
            Box::new(layer_type(
                "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            )),
            "foreign (non-distributable) layers are not supported",
        ),
        (
            Box::new(|m: &mut Value| {
                m["config"]["mediaType"] = json!("application/vnd.cncf.helm.config.v1+json")
            }),
            "config media type \"application/vnd.cncf.helm.config.v1+json\" is not an image config",
        ),
        (
            Box::new(|m: &mut Value| m["mediaType"] = json!(media::OCI_INDEX)),
            "the document's mediaType \"application/vnd.oci.image.index.v1+json\" differs from its descriptor's",
        ),
        (
            Box::new(|m: &mut Value| m["schemaVersion"] = json!(1)),
            "schemaVersion 1 is not supported",
        ),
        (
            Box::new(|m: &mut Value| m["manifests"] = json!([])),
            "a manifest with a `manifests` field",
        ),
    ];
    for (edit, expect) in cases {
        let _ = std::fs::remove_dir_all(&l);
        good_layout(&l);
        rewrite(&l, |_| {}, edit, |_| {});
        refused(tmp.path(), &l, expect);
    }
    // The index entry names a manifest as an index, or as a Helm chart.
    for (t, expect) in [
        (media::OCI_INDEX, "differs from its descriptor's"),
        (
            "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
            "is neither an image manifest nor an index",
        ),
    ] {
        let _ = std::fs::remove_dir_all(&l);
        good_layout(&l);
        rewrite(&l, |_| {}, |_| {}, |e| e["mediaType"] = json!(t));
        refused(tmp.path(), &l, expect);
    }
    // index.json itself with schemaVersion 1.
    let _ = std::fs::remove_dir_all(&l);
    good_layout(&l);
    let mut index = read_json(&l.join("index.json"));
    index["schemaVersion"] = json!(1);
    std::fs::write(l.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    refused(
        tmp.path(),
        &l,
        "index.json: schemaVersion 1 is not supported",
    );
}

#[test]
fn layer_data_must_be_what_its_media_type_says() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    let tar = small_tar();
    let diff_id = crate::image::digest::sha256_digest(&tar);
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&tar).unwrap();
        e.finish().unwrap()
    };
    let zstd_magic = [&[0x28, 0xb5, 0x2f, 0xfd][..], &[0u8; 64]].concat();
    for (blob, media_type, expect) in [
        (
            tar.clone(),
            media::OCI_LAYER_GZIP,
            "the media type says tar+gzip but the data is not gzip",
        ),
        (
            gz.clone(),
            media::OCI_LAYER_TAR,
            "the media type says an uncompressed tar but the data is gzip-compressed",
        ),
        (
            zstd_magic,
            media::DOCKER_LAYER_GZIP,
            "the data is zstd-compressed",
        ),
    ] {
        let _ = std::fs::remove_dir_all(&l);
        ImageBuilder::new()
            .layer_blob(blob, media_type, &diff_id)
            .write_oci_layout(&l, "t:1")
            .unwrap();
        refused(tmp.path(), &l, expect);
    }
    // Docker's own layer types are accepted when the data matches.
    let _ = std::fs::remove_dir_all(&l);
    ImageBuilder::new()
        .layer_blob(gz, media::DOCKER_LAYER_GZIP, &diff_id)
        .layer_blob(tar, media::DOCKER_LAYER_TAR, &diff_id)
        .write_oci_layout(&l, "t:1")
        .unwrap();
    let store = Store::open(&tmp.path().join("ok")).unwrap();
    store.import("ok", &l).unwrap();
    store.unpack("ok", &tmp.path().join("rootfs")).unwrap();
}

#[test]
fn diff_ids_that_do_not_match_the_layers_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    let wrong = format!("sha256:{}", "0".repeat(64));
    // One diff_id too few, and one that is not a digest: refused at import.
    for (edit, expect) in [
        (json!([]), "the config lists 0 diff_ids for 1 layers"),
        (json!(["sha256:xyz"]), "malformed digest"),
    ] {
        let _ = std::fs::remove_dir_all(&l);
        good_layout(&l);
        rewrite(&l, |c| c["rootfs"]["diff_ids"] = edit, |_| {}, |_| {});
        refused(tmp.path(), &l, expect);
    }
    // An uncompressed layer whose digest is not its diff_id: refused at import.
    let _ = std::fs::remove_dir_all(&l);
    ImageBuilder::new()
        .layer_blob(small_tar(), media::OCI_LAYER_TAR, &wrong)
        .write_oci_layout(&l, "t:1")
        .unwrap();
    refused(tmp.path(), &l, "but the config's diff_id is sha256:0000");

    // A gzip layer whose uncompressed digest is not its diff_id: imported (checking it would
    // mean decompressing), refused by unpack, which removes what it had unpacked (the first
    // layer) and the destination it created.
    let _ = std::fs::remove_dir_all(&l);
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&small_tar()).unwrap();
        e.finish().unwrap()
    };
    ImageBuilder::new()
        .layer_tar(small_tar())
        .layer_blob(gz, media::OCI_LAYER_GZIP, &wrong)
        .write_oci_layout(&l, "t:1")
        .unwrap();
    let store = Store::open(&tmp.path().join("store2")).unwrap();
    store.import("lie", &l).unwrap();
    let dest = tmp.path().join("rootfs");
    let err = store.unpack("lie", &dest).unwrap_err().to_string();
    assert!(
        err.contains("the uncompressed content has digest sha256:")
            && err.contains("but the config's diff_id is sha256:0000"),
        "{err}"
    );
    assert!(!dest.exists(), "the partial unpack is removed");
    // explain's reader refuses it too.
    let err = store.inspect("lie").unwrap_err().to_string();
    assert!(err.contains("diff_id"), "{err}");
    // A destination that existed (empty) is kept, emptied.
    std::fs::create_dir(&dest).unwrap();
    store.unpack("lie", &dest).unwrap_err();
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 0);
}

#[test]
fn docker_archives_are_checked_too() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.tar");
    let wrong = format!("sha256:{}", "0".repeat(64));
    ImageBuilder::new()
        .layer_blob(small_tar(), media::OCI_LAYER_TAR, &wrong)
        .write_docker_archive(&a, "t:1")
        .unwrap();
    refused(tmp.path(), &a, "but the config's diff_id is sha256:0000");
    let zstd_magic = [&[0x28, 0xb5, 0x2f, 0xfd][..], &[0u8; 64]].concat();
    let diff_id = crate::image::digest::sha256_digest(&zstd_magic);
    ImageBuilder::new()
        .layer_blob(zstd_magic, media::OCI_LAYER_TAR, &diff_id)
        .write_docker_archive(&a, "t:1")
        .unwrap();
    refused(tmp.path(), &a, "the data is zstd-compressed");
    // A 9 MiB config, then a 5 MiB manifest.json: over their caps, refused unread.
    let archive_of = |members: &[(&str, Vec<u8>)]| {
        let mut b = tar::Builder::new(Vec::new());
        for (name, bytes) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, bytes.as_slice()).unwrap();
        }
        std::fs::write(&a, b.into_inner().unwrap()).unwrap();
    };
    let manifest = br#"[{"Config": "c.json", "RepoTags": ["t:1"], "Layers": []}]"#.to_vec();
    let big = [b"{}".to_vec(), vec![b' '; 9 << 20]].concat();
    archive_of(&[("c.json", big), ("manifest.json", manifest.clone())]);
    refused(
        tmp.path(),
        &a,
        "config c.json is 9437186 bytes (9 MiB), over the 8388608 bytes (8 MiB) limit",
    );
    let padded = [manifest, vec![b' '; 5 << 20]].concat();
    archive_of(&[("c.json", b"{}".to_vec()), ("manifest.json", padded)]);
    refused(tmp.path(), &a, "over the 4194304 bytes (4 MiB) limit");
}

#[test]
fn a_gzip_bomb_stops_at_the_limit_and_the_partial_unpack_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    // 1 GiB of zeros in about 1 MB of gzip, above an ordinary first layer.
    let bomb = gzip_bomb(1 << 30).unwrap();
    assert!(bomb.len() < 4 << 20, "{}", bomb.len());
    let wrong = format!("sha256:{}", "0".repeat(64));
    ImageBuilder::new()
        .layer_tar(small_tar())
        .layer_blob(bomb, media::OCI_LAYER_GZIP, &wrong)
        .write_oci_layout(&l, "t:1")
        .unwrap();
    let limits = UnpackLimits {
        max_size: 64 << 20,
        min_free: 0,
    };
    let store = Store::open(&tmp.path().join("store"))
        .unwrap()
        .with_limits(limits);
    store.import("bomb", &l).unwrap();
    let dest = tmp.path().join("rootfs");
    let started = std::time::Instant::now();
    let err = store.unpack("bomb", &dest).unwrap_err();
    assert!(matches!(err, StoreError::Limit { .. }), "{err:?}");
    let msg = err.to_string();
    let layer_digest = {
        let m = store
            .read_manifest(&store.record("bomb").unwrap().digest)
            .unwrap();
        m.layers[1].digest.clone()
    };
    assert!(msg.starts_with(&format!("layer {layer_digest}: ")), "{msg}");
    assert!(
        msg.contains("unpacked-size limit of 67108864 bytes (64 MiB)")
            && msg.contains("--max-unpack-size")
            && msg.contains("SECCTX_MAX_UNPACK_SIZE")
            && msg.contains("the partial unpack in"),
        "{msg}"
    );
    assert!(
        !dest.exists(),
        "the first layer's files are removed with it"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    // explain's reader stops at the same limit.
    let err = store.inspect("bomb").unwrap_err().to_string();
    assert!(err.contains("unpacked-size limit"), "{err}");
}

#[test]
fn a_sparse_file_counts_at_its_full_size() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    // A 256 MiB file in a tar of 1.5 KiB: the stream is small, the file written is not.
    ImageBuilder::new()
        .layer_tar(small_tar())
        .layer_tar(raw_tar(&[TarEntry::Sparse("sparse".into(), 256 << 20)]).unwrap())
        .write_oci_layout(&l, "t:1")
        .unwrap();
    let store = Store::open(&tmp.path().join("store"))
        .unwrap()
        .with_limits(UnpackLimits {
            max_size: 16 << 20,
            min_free: 0,
        });
    store.import("sparse", &l).unwrap();
    let dest = tmp.path().join("rootfs");
    let err = store.unpack("sparse", &dest).unwrap_err();
    assert!(matches!(err, StoreError::Limit { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("unpacked-size limit of 16777216 bytes (16 MiB)"),
        "{err}"
    );
    assert!(!dest.exists());
    // Under a limit that allows it, it unpacks at its full size.
    let store = store.with_limits(UnpackLimits {
        max_size: 512 << 20,
        min_free: 0,
    });
    store.unpack("sparse", &dest).unwrap();
    assert_eq!(
        std::fs::metadata(dest.join("sparse")).unwrap().len(),
        256 << 20
    );
}

#[test]
fn a_free_space_floor_stops_unpack_and_import() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    good_layout(&l);
    let store = Store::open(&tmp.path().join("store")).unwrap();
    store.import("t", &l).unwrap();
    // A floor above any disk's free space.
    let store = store.with_limits(UnpackLimits {
        max_size: 0,
        min_free: 1 << 50,
    });
    let dest = tmp.path().join("rootfs");
    let err = store.unpack("t", &dest).unwrap_err();
    assert!(matches!(err, StoreError::Limit { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("below the floor of 1125899906842624 bytes (1024 TiB)")
            && msg.contains("--min-free-space"),
        "{msg}"
    );
    assert!(!dest.exists());
    let err = store.import("t2", &l).unwrap_err().to_string();
    assert!(
        err.contains("does not fit") && err.contains("--min-free-space"),
        "{err}"
    );
}

#[test]
fn layout_files_are_opened_beneath_the_layout_without_symlinks() {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("oci");
    good_layout(&l);
    // The config blob becomes a symlink to an identical file outside the layout: its digest
    // would match, but the layout may not point outside itself.
    let index = read_json(&l.join("index.json"));
    let m = read_json(&blob_file(
        &l,
        index["manifests"][0]["digest"].as_str().unwrap(),
    ));
    let config = blob_file(&l, m["config"]["digest"].as_str().unwrap());
    let outside = tmp.path().join("outside-config");
    std::fs::rename(&config, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &config).unwrap();
    refused(tmp.path(), &l, "symbolic links");
    // A layer blob that is a directory.
    let _ = std::fs::remove_dir_all(&l);
    good_layout(&l);
    let layer = blob_file(
        &l,
        {
            let index = read_json(&l.join("index.json"));
            let m = read_json(&blob_file(
                &l,
                index["manifests"][0]["digest"].as_str().unwrap(),
            ));
            m["layers"][0]["digest"].as_str().unwrap().to_string()
        }
        .as_str(),
    );
    std::fs::remove_file(&layer).unwrap();
    std::fs::create_dir(&layer).unwrap();
    refused(tmp.path(), &l, "not a regular file");
    // An oci-layout of another version.
    let _ = std::fs::remove_dir_all(&l);
    good_layout(&l);
    std::fs::write(l.join("oci-layout"), r#"{"imageLayoutVersion": "2.0.0"}"#).unwrap();
    refused(
        tmp.path(),
        &l,
        "imageLayoutVersion \"2.0.0\" is not supported",
    );
}
