//! Image-author attacks on the host through layer contents: `../` and absolute member paths,
//! a symlink then a write through it (in one layer and across layers), a hard link to a host
//! path, whiteouts through a symlink, a directory entry over a symlink, and a gzip bomb. Each
//! image is imported and unpacked with the `secctx` binary (`image import`, `image unpack`:
//! the same `Store::unpack` that `secctx run` uses for every container's rootfs) into a
//! private store, and the host canary tree is compared before and after: every name, file
//! type, mode, link count, symlink target and file content.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use secctx_runtime::image::build::{ImageBuilder, TarEntry, gzip_bomb, raw_tar};
use secctx_runtime::image::media;

use super::Outcome;
use crate::common::secctx;

/// The host canary tree: `<canary>/keep` (a file in a directory an image aims at),
/// `<canary>/secret` (a file an image tries to link or overwrite), `<canary>/sub/deep`.
fn plant(canary: &Path) {
    let _ = std::fs::remove_dir_all(canary);
    std::fs::create_dir_all(canary.join("sub")).unwrap();
    std::fs::write(canary.join("keep"), "keep").unwrap();
    std::fs::write(canary.join("secret"), "host secret").unwrap();
    std::fs::write(canary.join("sub/deep"), "deep").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(canary, std::fs::Permissions::from_mode(0o750)).unwrap();
}

/// Everything observable about the tree under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            out.insert(p, "missing".into());
            continue;
        };
        let what = if m.file_type().is_symlink() {
            format!("symlink -> {:?}", std::fs::read_link(&p).unwrap())
        } else if m.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
            "dir".into()
        } else {
            format!("file {:?}", std::fs::read(&p).unwrap_or_default())
        };
        out.insert(
            p,
            format!(
                "{what} mode {:o} nlink {} uid {}",
                m.mode(),
                m.nlink(),
                m.uid()
            ),
        );
    }
    out
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

/// Imports `layers` as an image and unpacks it; returns what secctx said.
fn import_and_unpack(work: &Path, layers: Vec<Vec<u8>>, env: &[(&str, &str)]) -> String {
    let layout = work.join("oci");
    let mut b = ImageBuilder::new();
    for l in layers {
        b = b.layer_tar(l);
    }
    b.write_oci_layout(&layout, "evil:1").unwrap();
    import_layout_and_unpack(work, &layout, env)
}

fn import_layout_and_unpack(work: &Path, layout: &Path, env: &[(&str, &str)]) -> String {
    let store = work.join("store");
    let run = |args: &[&str]| {
        let mut c = secctx();
        c.args(args).arg("--root").arg(&store);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let o = run(&["image", "import", "evil:1", layout.to_str().unwrap()]);
    if !o.status.success() {
        return format!("import refused: {}", text(&o));
    }
    let dest = work.join("rootfs");
    let o = run(&["image", "unpack", "evil:1", dest.to_str().unwrap()]);
    if o.status.success() {
        "unpacked".to_string()
    } else {
        format!("unpack refused: {}", text(&o))
    }
}

fn f(p: &str, body: &str) -> TarEntry {
    TarEntry::File(p.to_string(), body.as_bytes().to_vec(), 0o644)
}

fn sym(p: &str, t: &str) -> TarEntry {
    TarEntry::Symlink(p.to_string(), t.to_string())
}

fn hard(p: &str, t: &str) -> TarEntry {
    TarEntry::Hardlink(p.to_string(), t.to_string())
}

fn tar(entries: &[TarEntry]) -> Vec<u8> {
    raw_tar(entries).unwrap()
}

pub fn attempts() -> Vec<Outcome> {
    let canary = std::env::temp_dir().join(format!("secctx-image-canary-{}", std::process::id()));
    let c = canary.to_str().unwrap().to_string();
    // Enough `..` to climb from any destination to `/`.
    let up = "../".repeat(12);
    let rel_c = format!("{up}{}", c.trim_start_matches('/'));
    let attacks: Vec<(&str, Vec<Vec<u8>>)> = vec![
        (
            "`../` member path",
            vec![tar(&[f(&format!("{rel_c}/dotdot"), "pwned")])],
        ),
        (
            "absolute member path",
            vec![tar(&[f(&format!("{c}/abs"), "pwned")])],
        ),
        (
            "symlink then write-through in one layer",
            vec![tar(&[sym("l", &c), f("l/pwned", "pwned")])],
        ),
        (
            "symlink then write-through across layers",
            vec![tar(&[sym("l", &c)]), tar(&[f("l/pwned", "pwned")])],
        ),
        (
            "relative symlink climbing out, then write-through",
            vec![tar(&[sym("up", &rel_c)]), tar(&[f("up/pwned", "pwned")])],
        ),
        (
            "symlink to a host file, then the same name as a file",
            vec![
                tar(&[sym("f", &format!("{c}/secret"))]),
                tar(&[f("f", "pwned")]),
            ],
        ),
        (
            "hard link to a host path, then a write to it",
            vec![
                tar(&[hard("stolen", &format!("{c}/secret"))]),
                tar(&[f("stolen", "pwned")]),
            ],
        ),
        (
            "hard link with `..` to a host path",
            vec![tar(&[hard("stolen", &format!("{rel_c}/secret"))])],
        ),
        (
            "hard link through a symlinked directory, then a write to it",
            vec![
                tar(&[sym("h", &c)]),
                tar(&[hard("stolen", "h/secret")]),
                tar(&[f("stolen", "pwned")]),
            ],
        ),
        (
            "whiteout through a symlink",
            vec![tar(&[sym("l", &c)]), tar(&[f("l/.wh.keep", "")])],
        ),
        (
            "whiteout of a subdirectory through a symlink",
            vec![tar(&[sym("l", &c)]), tar(&[f("l/.wh.sub", "")])],
        ),
        (
            "opaque whiteout through a symlink",
            vec![tar(&[sym("l", &c)]), tar(&[f("l/.wh..wh..opq", "")])],
        ),
        (
            "directory entry over a symlink (chmod through it)",
            vec![
                tar(&[sym("d", &c)]),
                tar(&[TarEntry::Dir("d".into(), 0o777)]),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (name, layers) in attacks {
        plant(&canary);
        let before = snapshot(&canary);
        let work = tempfile::tempdir().unwrap();
        let said = import_and_unpack(work.path(), layers, &[]);
        let after = snapshot(&canary);
        let changed: Vec<String> = after
            .iter()
            .filter(|(p, v)| before.get(*p) != Some(*v))
            .map(|(p, v)| format!("{}: {v}", p.display()))
            .chain(
                before
                    .keys()
                    .filter(|p| !after.contains_key(*p))
                    .map(|p| format!("{}: gone", p.display())),
            )
            .collect();
        let blocked = changed.is_empty();
        let detail = if blocked {
            format!("host canaries unchanged; {said}")
        } else {
            format!("host changed: {}; {said}", changed.join(", "))
        };
        out.push(Outcome::new(name, blocked, detail));
    }

    // A gzip bomb (4 GiB of zeros in a few MB) under a 64 MiB limit set by the environment:
    // refused with the limit named, and nothing of the unpack is left.
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("oci");
    let bomb = gzip_bomb(4 << 30).unwrap();
    let size = bomb.len();
    ImageBuilder::new()
        .layer_tar(tar(&[f("ok", "ok")]))
        .layer_blob(
            bomb,
            media::OCI_LAYER_GZIP,
            &format!("sha256:{}", "0".repeat(64)),
        )
        .write_oci_layout(&layout, "evil:1")
        .unwrap();
    let said =
        import_layout_and_unpack(work.path(), &layout, &[("SECCTX_MAX_UNPACK_SIZE", "64Mi")]);
    let dest_gone = !work.path().join("rootfs").exists();
    let blocked = said.contains("unpacked-size limit of 67108864 bytes (64 MiB)") && dest_gone;
    out.push(Outcome::new(
        "gzip bomb (4 GiB from a few MB) under SECCTX_MAX_UNPACK_SIZE=64Mi",
        blocked,
        format!("{size}-byte blob; {said}; partial unpack removed: {dest_gone}"),
    ));

    // A sparse bomb: a 4 GiB file in a tar of 1.5 KiB, under the same limit given as a flag.
    let work = tempfile::tempdir().unwrap();
    let layers = vec![tar(&[TarEntry::Sparse("sparse".into(), 4 << 30)])];
    let said = import_and_unpack(work.path(), layers, &[("SECCTX_MAX_UNPACK_SIZE", "64Mi")]);
    let dest_gone = !work.path().join("rootfs").exists();
    let blocked = said.contains("unpacked-size limit of 67108864 bytes (64 MiB)") && dest_gone;
    out.push(Outcome::new(
        "sparse-file bomb (4 GiB declared in 1.5 KiB) under SECCTX_MAX_UNPACK_SIZE=64Mi",
        blocked,
        format!("{said}; partial unpack removed: {dest_gone}"),
    ));
    let _ = std::fs::remove_dir_all(&canary);
    out
}
