//! `import`: an OCI layout directory, a docker-archive tar or a rootfs directory, copied into
//! staged blobs with every digest and size checked.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::json;

use super::blobs::{Expect, HeadCapture, Staging};
use super::manifest::{self, Descriptor};
use super::{Prepared, StoreError};
use crate::image::media::{self, Compression};
use crate::image::{self, ImageFormat, LayerBlob};

/// Stages the image at `source` (the manifest picked by `name` if a layout holds several).
pub(crate) fn stage(
    staging: &mut Staging,
    name: &str,
    source: &Path,
) -> Result<Prepared, StoreError> {
    let img = image::open(source, Some(name))?;
    match img.format {
        ImageFormat::Rootfs => stage_rootfs(staging, source, &img.describe()),
        _ => {
            let mut layers = Vec::new();
            for l in &img.layers {
                layers.push(stage_layer(
                    staging,
                    l,
                    img.format == ImageFormat::OciLayout,
                )?);
            }
            let (config_digest, config_size) = staging.write_bytes(&img.config_bytes, None)?;
            let config = Descriptor {
                media_type: manifest::OCI_CONFIG.to_string(),
                digest: config_digest,
                size: config_size,
                platform: None,
                annotations: None,
            };
            let manifest_bytes = match (&img.manifest_bytes, img.format) {
                // An OCI layout's own manifest is kept, so the image keeps its digest.
                (Some(m), ImageFormat::OciLayout) => m.clone(),
                _ => manifest::oci_manifest(&config, &layers),
            };
            let (digest, _) = staging.write_bytes(&manifest_bytes, None)?;
            Ok(Prepared {
                digest,
                config_digest: config.digest,
                size: config.size + layers.iter().map(|l| l.size).sum::<u64>(),
                source: img.describe(),
            })
        }
    }
}

/// Copies one layer blob, checked against its digest (when the format names one) and size,
/// then its first bytes against its media type's compression (zstd is refused whatever the
/// media type). An uncompressed layer's digest is its diff_id, so that is checked here too;
/// a compressed layer's diff_id is checked when it is unpacked.
/// `whole_file`: the blob is a file of its own (OCI layout), whose length must be the size.
fn stage_layer(
    staging: &mut Staging,
    l: &LayerBlob,
    whole_file: bool,
) -> Result<Descriptor, StoreError> {
    let mut f = File::open(&l.file).map_err(StoreError::io(&l.file))?;
    if whole_file {
        let len = f.metadata().map_err(StoreError::io(&l.file))?.len();
        if len != l.size {
            return Err(StoreError::Digest {
                digest: l.digest.clone().unwrap_or_else(|| l.name.clone()),
                what: format!("the blob is {len} bytes, the manifest says {}", l.size),
            });
        }
    }
    f.seek(SeekFrom::Start(l.offset))
        .map_err(StoreError::io(&l.file))?;
    let expect = l.digest.as_deref().map(|d| Expect {
        digest: d,
        size: l.size,
    });
    // The content is read through exactly `size` bytes of the file: one byte more would be
    // the next archive member, so a short or long blob shows up as a digest mismatch.
    let mut content = HeadCapture::new(f.take(l.size));
    let (digest, size) = staging.write(&mut content, expect)?;
    if size != l.size {
        return Err(StoreError::Invalid(format!(
            "{}: {size} bytes read, {} expected",
            l.name, l.size
        )));
    }
    let compression = media::check_layer_head(l.compression, content.head())
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", l.name)))?;
    if compression == Compression::None
        && let Some(diff_id) = &l.diff_id
        && *diff_id != digest
    {
        return Err(StoreError::Invalid(format!(
            "{}: the uncompressed layer has digest {digest}, but the config's diff_id is {diff_id}",
            l.name
        )));
    }
    let media_type = match compression {
        Compression::Gzip => manifest::OCI_LAYER_GZIP,
        Compression::None => manifest::OCI_LAYER_TAR,
    };
    Ok(Descriptor {
        media_type: media_type.to_string(),
        digest,
        size,
        platform: None,
        annotations: None,
    })
}

/// A rootfs directory becomes one uncompressed layer (modes, owners, symlinks kept) and a
/// config with no `User`, `Cmd` or `Env`.
fn stage_rootfs(staging: &mut Staging, dir: &Path, describe: &str) -> Result<Prepared, StoreError> {
    let scratch = staging.scratch("rootfs.tar");
    {
        let out = File::create(&scratch).map_err(StoreError::io(&scratch))?;
        let mut b = tar::Builder::new(std::io::BufWriter::new(out));
        b.follow_symlinks(false);
        b.append_dir_all(".", dir).map_err(StoreError::io(dir))?;
        b.into_inner()
            .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
            .map_err(StoreError::io(&scratch))?;
    }
    let file = File::open(&scratch).map_err(StoreError::io(&scratch))?;
    let (layer_digest, layer_size) = staging.write(file, None)?;
    let _ = std::fs::remove_file(&scratch);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    }))
    .expect("config serializes");
    let (config_digest, config_size) = staging.write_bytes(&config, None)?;
    let config_desc = Descriptor {
        media_type: manifest::OCI_CONFIG.to_string(),
        digest: config_digest.clone(),
        size: config_size,
        platform: None,
        annotations: None,
    };
    let layer = Descriptor {
        media_type: manifest::OCI_LAYER_TAR.to_string(),
        digest: layer_digest,
        size: layer_size,
        platform: None,
        annotations: None,
    };
    let (digest, _) = staging.write_bytes(&manifest::oci_manifest(&config_desc, &[layer]), None)?;
    Ok(Prepared {
        digest,
        config_digest,
        size: config_size + layer_size,
        source: describe.to_string(),
    })
}
