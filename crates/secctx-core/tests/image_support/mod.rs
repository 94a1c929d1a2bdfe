//! A test image (`ImageInfo`) from passwd and group text, both files root-owned 0644: shared by
//! `tests/calculus_props.rs` (`mod image_support;`) and `benches/resolve.rs` (by `#[path]`).
//! A directory module, so cargo does not take it for a test target of its own.

use secctx_core::image::{FileMeta, ImageFile, ImageInfo, parse_group, parse_passwd};

/// An image with config `User` `user`, `/etc/passwd` `passwd` and `/etc/group` `group`;
/// `source` says where the data came from.
pub fn image(source: &str, user: &str, passwd: &str, group: &str) -> ImageInfo {
    let meta = Some(FileMeta {
        uid: 0,
        gid: 0,
        mode: 0o644,
    });
    ImageInfo {
        source: source.into(),
        user: user.into(),
        env: vec![],
        entrypoint: vec![],
        cmd: vec![],
        working_dir: String::new(),
        passwd: ImageFile::Present {
            entries: parse_passwd(passwd),
            meta,
        },
        group: ImageFile::Present {
            entries: parse_group(group),
            meta,
        },
    }
}
