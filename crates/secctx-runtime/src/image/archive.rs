//! docker-archive tars: `manifest.json` names the config and the layers, all members of the
//! same tar; layers are read in place (offset + size), never extracted to disk.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

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
        // JSON members are small; keep them. Layers are read later in place.
        let small = if name.ends_with(".json") && size < (8 << 20) {
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
    let manifest = members
        .get("manifest.json")
        .and_then(|m| m.small.as_ref())
        .ok_or_else(bad)?;
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
    let config_bytes = members
        .get(&entry.config)
        .and_then(|m| m.small.as_ref())
        .ok_or_else(|| {
            ImageError::Invalid(format!(
                "{}: config {} is missing",
                path.display(),
                entry.config
            ))
        })?;
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
    let layers = entry
        .layers
        .iter()
        .map(|l| {
            let m = members.get(l.as_str()).ok_or_else(|| {
                ImageError::Invalid(format!("{}: layer {l} is missing", path.display()))
            })?;
            let digest = l
                .strip_prefix("blobs/sha256/")
                .filter(|h| h.len() == 64)
                .map(|h| format!("sha256:{h}"));
            Ok(LayerBlob {
                file: path.to_path_buf(),
                offset: m.offset,
                size: m.size,
                digest,
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
