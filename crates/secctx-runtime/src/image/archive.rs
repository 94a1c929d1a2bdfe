//! docker-archive tars: `manifest.json` names the config and the layers, all members of the
//! same tar; layers are read in place (offset + size), never extracted to disk.
//!
//! The format has no media types and no sizes in its manifest: `manifest.json` (4 MiB) and
//! the config (8 MiB) are capped, the config and the layers are checked against the digests
//! their member names carry (`<hex>.json`, `blobs/sha256/<hex>`), the config's diff_ids must
//! name one uncompressed digest per layer, and a layer's data decides its compression (gzip
//! or none; zstd is refused).

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Deserialize;

use super::limits::{MAX_CONFIG_SIZE, MAX_INDEX_SIZE, show_size};
use super::{ImageConfigFile, ImageError, ImageFormat, LayerBlob, OpenedImage, normalise};

#[derive(Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

struct Member {
    offset: u64,
    size: u64,
    small: Option<Vec<u8>>,
}

/// Opens a docker-archive tar.
pub(super) fn open(path: &Path, reference: Option<&str>) -> Result<OpenedImage, ImageError> {
    let file = File::open(path).map_err(ImageError::io(path))?;
    let mut archive = tar::Archive::new(file);
    let mut members: HashMap<String, Member> = HashMap::new();
    let entries = archive.entries().map_err(ImageError::io(path))?;
    for entry in entries {
        let mut entry = entry.map_err(ImageError::io(path))?;
        let Some(name) = entry.path().ok().and_then(|p| normalise(&p)) else {
            continue;
        };
        let size = entry.size();
        let offset = entry.raw_file_position();
        // Only `manifest.json` is kept while scanning (within its cap): keeping every JSON
        // member would let an archive of many large ones exhaust memory. The config and the
        // layers are read later in place.
        let small = if name == "manifest.json" && size <= MAX_INDEX_SIZE {
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).map_err(ImageError::io(path))?;
            Some(buf)
        } else {
            None
        };
        members.insert(
            name,
            Member {
                offset,
                size,
                small,
            },
        );
    }
    let bad = || ImageError::UnknownFormat {
        path: path.to_path_buf(),
    };
    let manifest = members.get("manifest.json").ok_or_else(bad)?;
    if manifest.size > MAX_INDEX_SIZE {
        return Err(ImageError::Invalid(format!(
            "{}: manifest.json is {}, over the {} limit",
            path.display(),
            show_size(manifest.size),
            show_size(MAX_INDEX_SIZE)
        )));
    }
    let manifest = manifest.small.as_ref().ok_or_else(bad)?;
    let list: Vec<ManifestEntry> =
        serde_json::from_slice(manifest).map_err(|source| ImageError::Json {
            path: format!("{}:manifest.json", path.display()),
            what: "manifest",
            source,
        })?;
    let entry = match reference {
        Some(r) if list.len() > 1 => list
            .iter()
            .find(|e| e.repo_tags.iter().flatten().any(|t| t == r))
            .ok_or_else(|| {
                ImageError::Invalid(format!("{}: no image tagged {r:?}", path.display()))
            })?,
        _ => list.first().ok_or_else(|| {
            ImageError::Invalid(format!("{}: manifest.json lists no image", path.display()))
        })?,
    };
    let config_member = members.get(&entry.config).ok_or_else(|| {
        ImageError::Invalid(format!(
            "{}: config {} is missing",
            path.display(),
            entry.config
        ))
    })?;
    if config_member.size > MAX_CONFIG_SIZE {
        return Err(ImageError::Invalid(format!(
            "{}: config {} is {}, over the {} limit",
            path.display(),
            entry.config,
            show_size(config_member.size),
            show_size(MAX_CONFIG_SIZE)
        )));
    }
    let config_bytes = &{
        let mut f = File::open(path).map_err(ImageError::io(path))?;
        f.seek(SeekFrom::Start(config_member.offset))
            .map_err(ImageError::io(path))?;
        let mut buf = Vec::new();
        f.take(config_member.size)
            .read_to_end(&mut buf)
            .map_err(ImageError::io(path))?;
        buf
    };
    // Docker names the config after its digest (`<hex>.json` or `blobs/sha256/<hex>`).
    let config_digest = entry
        .config
        .trim_end_matches(".json")
        .rsplit('/')
        .next()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|h| format!("sha256:{h}"));
    if let Some(d) = &config_digest {
        super::digest::verify(config_bytes, d)?;
    }
    let config: ImageConfigFile =
        serde_json::from_slice(config_bytes).map_err(|source| ImageError::Json {
            path: format!("{}:{}", path.display(), entry.config),
            what: "config",
            source,
        })?;
    let diff_ids = config.diff_ids(entry.layers.len()).map_err(|e| {
        ImageError::Invalid(format!("{}: config {}: {e}", path.display(), entry.config))
    })?;
    let layers = entry
        .layers
        .iter()
        .zip(diff_ids)
        .map(|(l, diff_id)| {
            let m = members.get(l.as_str()).ok_or_else(|| {
                ImageError::Invalid(format!("{}: layer {l} is missing", path.display()))
            })?;
            let digest = l
                .strip_prefix("blobs/sha256/")
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(|h| format!("sha256:{h}"));
            Ok(LayerBlob {
                file: path.to_path_buf(),
                offset: m.offset,
                size: m.size,
                digest,
                compression: None,
                diff_id: Some(diff_id),
                name: format!("{}:{l}", path.display()),
            })
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    Ok(OpenedImage {
        format: ImageFormat::DockerArchive,
        path: path.to_path_buf(),
        config,
        layers,
        config_bytes: config_bytes.clone(),
        manifest_bytes: None,
    })
}
