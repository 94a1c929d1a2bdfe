//! OCI image layout directories.

use std::path::Path;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest, MediaType};

use super::{ImageConfigFile, ImageError, ImageFormat, LayerBlob, OpenedImage, digest};

const REF_NAME: &str = "org.opencontainers.image.ref.name";

fn blob_path(root: &Path, d: &Descriptor) -> Result<std::path::PathBuf, ImageError> {
    let alg = d.digest().algorithm().to_string();
    let hex = d.digest().digest();
    if alg != "sha256" || hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ImageError::Invalid(format!(
            "unsupported digest {}",
            d.digest()
        )));
    }
    Ok(root.join("blobs").join(alg).join(hex))
}

fn read_blob(root: &Path, d: &Descriptor) -> Result<Vec<u8>, ImageError> {
    let path = blob_path(root, d)?;
    let bytes = std::fs::read(&path).map_err(ImageError::io(&path))?;
    digest::verify(&bytes, d.digest().as_ref())?;
    Ok(bytes)
}

fn matches(d: &Descriptor, reference: &str) -> bool {
    let Some(name) = d.annotations().as_ref().and_then(|a| a.get(REF_NAME)) else {
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
        d.platform().as_ref().is_some_and(|p| {
            p.os().to_string() == "linux" && p.architecture().to_string() == "amd64"
        })
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
    let index_path = root.join("index.json");
    let bytes = std::fs::read(&index_path).map_err(ImageError::io(&index_path))?;
    let index: ImageIndex = serde_json::from_slice(&bytes).map_err(|source| ImageError::Json {
        path: index_path.display().to_string(),
        what: "index.json",
        source,
    })?;
    let mut desc = pick(index.manifests(), reference)?.clone();
    // Nested indexes (multi-platform images) are followed down to a manifest.
    for _ in 0..4 {
        if *desc.media_type() != MediaType::ImageIndex {
            break;
        }
        let nested: ImageIndex =
            serde_json::from_slice(&read_blob(root, &desc)?).map_err(|source| {
                ImageError::Json {
                    path: desc.digest().to_string(),
                    what: "image index",
                    source,
                }
            })?;
        desc = pick(nested.manifests(), reference)?.clone();
    }
    let manifest_bytes = read_blob(root, &desc)?;
    let manifest: ImageManifest =
        serde_json::from_slice(&manifest_bytes).map_err(|source| ImageError::Json {
            path: desc.digest().to_string(),
            what: "manifest",
            source,
        })?;
    let config_bytes = read_blob(root, manifest.config())?;
    let config: ImageConfigFile =
        serde_json::from_slice(&config_bytes).map_err(|source| ImageError::Json {
            path: manifest.config().digest().to_string(),
            what: "config",
            source,
        })?;
    let layers = manifest
        .layers()
        .iter()
        .map(|l| {
            Ok(LayerBlob {
                file: blob_path(root, l)?,
                offset: 0,
                size: l.size(),
                digest: Some(l.digest().to_string()),
                name: format!("layer {}", l.digest()),
            })
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    Ok(OpenedImage {
        format: ImageFormat::OciLayout,
        path: root.to_path_buf(),
        config,
        layers,
        config_bytes,
        manifest_bytes: Some(manifest_bytes),
    })
}
