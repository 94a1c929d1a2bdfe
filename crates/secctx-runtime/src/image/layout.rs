//! OCI image layout directories, read strictly (see [`super::manifest`]): `oci-layout` must
//! say `imageLayoutVersion` 1.0.0, `index.json` is capped, every blob is opened beneath the
//! layout without following symlinks, must be exactly its descriptor's size and hash to its
//! digest, and is never read past its declared size.

use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, ResolveFlags};

use super::limits::{MAX_CONFIG_SIZE, MAX_INDEX_SIZE, MAX_MANIFEST_SIZE};
use super::manifest::{self, Descriptor, check_digest};
use super::{ImageConfigFile, ImageError, ImageFormat, LayerBlob, OpenedImage, digest, media};

const REF_NAME: &str = "org.opencontainers.image.ref.name";

fn invalid(root: &Path, e: String) -> ImageError {
    ImageError::Invalid(format!("{}: {e}", root.display()))
}

/// Opens `rel` beneath the layout `root`, refusing symlinks and anything but a regular file.
fn open_beneath(root: &Path, rel: &str) -> Result<File, ImageError> {
    let dir = rustix::fs::open(
        root,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| ImageError::io(root)(e.into()))?;
    let path = root.join(rel);
    let fd = rustix::fs::openat2(
        &dir,
        std::ffi::OsStr::from_bytes(rel.as_bytes()),
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    )
    .map_err(|e| ImageError::io(&path)(e.into()))?;
    let file = File::from(fd);
    let meta = file.metadata().map_err(ImageError::io(&path))?;
    if !meta.is_file() {
        return Err(ImageError::Invalid(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    Ok(file)
}

fn blob_rel(d: &Descriptor) -> Result<String, String> {
    check_digest(&d.digest)?;
    Ok(format!(
        "blobs/sha256/{}",
        d.digest.trim_start_matches("sha256:")
    ))
}

/// Reads a JSON blob: exactly its declared size, at most `cap`, hashing to its digest.
fn read_blob(root: &Path, d: &Descriptor, cap: u64, what: &str) -> Result<Vec<u8>, ImageError> {
    let what = format!("{what} {}", d.digest);
    let rel = blob_rel(d).map_err(|e| invalid(root, format!("{what}: {e}")))?;
    let file = open_beneath(root, &rel)?;
    let bytes =
        manifest::read_document(file, Some(d.size), cap, &what).map_err(|e| invalid(root, e))?;
    digest::verify(&bytes, &d.digest)?;
    Ok(bytes)
}

fn matches(d: &Descriptor, reference: &str) -> bool {
    let Some(name) = d.annotations.as_ref().and_then(|a| a.get(REF_NAME)) else {
        return false;
    };
    let tag = reference
        .rsplit_once(':')
        .map(|(_, t)| t)
        .filter(|t| !t.contains('/'));
    name == reference || Some(name.as_str()) == tag
}

fn pick<'a>(list: &'a [Descriptor], reference: Option<&str>) -> Result<&'a Descriptor, ImageError> {
    if let Some(d) = reference.and_then(|r| list.iter().find(|d| matches(d, r))) {
        return Ok(d);
    }
    if list.len() == 1 {
        return Ok(&list[0]);
    }
    let linux_amd64 = list.iter().find(|d| {
        d.platform
            .as_ref()
            .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
    });
    linux_amd64.ok_or_else(|| {
        ImageError::Invalid(format!(
            "the layout holds {} manifests and none is named {:?} or is for linux/amd64",
            list.len(),
            reference.unwrap_or("")
        ))
    })
}

/// Opens an OCI layout.
pub(super) fn open(root: &Path, reference: Option<&str>) -> Result<OpenedImage, ImageError> {
    let version =
        manifest::read_document(open_beneath(root, "oci-layout")?, None, 4096, "oci-layout")
            .map_err(|e| invalid(root, e))?;
    let version: serde_json::Value =
        serde_json::from_slice(&version).map_err(|source| ImageError::Json {
            path: root.join("oci-layout").display().to_string(),
            what: "oci-layout",
            source,
        })?;
    if version["imageLayoutVersion"] != "1.0.0" {
        return Err(invalid(
            root,
            format!(
                "oci-layout: imageLayoutVersion {} is not supported (only \"1.0.0\")",
                version["imageLayoutVersion"]
            ),
        ));
    }
    let bytes = manifest::read_document(
        open_beneath(root, "index.json")?,
        None,
        MAX_INDEX_SIZE,
        "index.json",
    )
    .map_err(|e| invalid(root, e))?;
    let index = manifest::parse_index(&bytes, None, "index.json").map_err(|e| invalid(root, e))?;
    let mut desc = pick(&index.manifests, reference)?.clone();
    // Nested indexes (multi-platform images) are followed down to a manifest.
    for _ in 0..4 {
        if !media::is_index(&desc.media_type) {
            break;
        }
        let what = format!("image index {}", desc.digest);
        let bytes = read_blob(root, &desc, MAX_MANIFEST_SIZE, "image index")?;
        let nested = manifest::parse_index(&bytes, Some(&desc.media_type), &what)
            .map_err(|e| invalid(root, e))?;
        desc = pick(&nested.manifests, reference)?.clone();
    }
    let what = format!("manifest {}", desc.digest);
    let manifest_bytes = read_blob(root, &desc, MAX_MANIFEST_SIZE, "manifest")?;
    let manifest = manifest::parse_manifest(&manifest_bytes, &desc.media_type, &what)
        .map_err(|e| invalid(root, e))?;
    let config_bytes = read_blob(root, &manifest.config, MAX_CONFIG_SIZE, "config")?;
    let config: ImageConfigFile =
        serde_json::from_slice(&config_bytes).map_err(|source| ImageError::Json {
            path: manifest.config.digest.clone(),
            what: "config",
            source,
        })?;
    let diff_ids = config
        .diff_ids(manifest.layers.len())
        .map_err(|e| invalid(root, format!("config {}: {e}", manifest.config.digest)))?;
    let layers = manifest
        .layers
        .iter()
        .zip(diff_ids)
        .map(|(l, diff_id)| {
            let rel = blob_rel(l).map_err(|e| invalid(root, e))?;
            // Opened here only to refuse symlinks and non-files; read later by path, and
            // checked against the digest then.
            drop(open_beneath(root, &rel)?);
            let compression = media::layer_compression(&l.media_type)
                .map_err(|e| invalid(root, format!("layer {}: {e}", l.digest)))?;
            Ok(LayerBlob {
                file: root.join(&rel),
                offset: 0,
                size: l.size,
                digest: Some(l.digest.clone()),
                compression: Some(compression),
                diff_id: Some(diff_id),
                name: format!("layer {}", l.digest),
            })
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    Ok(OpenedImage {
        format: ImageFormat::OciLayout,
        path: PathBuf::from(root),
        config,
        layers,
        config_bytes,
        manifest_bytes: Some(manifest_bytes),
    })
}
