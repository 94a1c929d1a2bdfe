//! Writing images: an OCI layout or a docker-archive tar from rootfs directories or prepared
//! layer tars. Used to build the test images (`scripts/build-images`) and by the tests.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;

use super::digest::sha256_digest;
use super::{ImageError, RunConfig};

/// An image being assembled.
#[derive(Clone, Debug, Default)]
pub struct ImageBuilder {
    layers: Vec<Layer>,
    config: RunConfig,
}

/// One layer of an image being assembled.
#[derive(Clone, Debug)]
enum Layer {
    /// An uncompressed tar, gzipped into the OCI layout and kept as is in a docker-archive.
    Tar(Vec<u8>),
    /// A blob written exactly as given, with the media type and diff_id given (tests use it
    /// for bombs and lies).
    Raw {
        blob: Vec<u8>,
        media_type: String,
        diff_id: String,
    },
}

/// The tar of a directory tree (modes, owners and symlinks preserved, symlinks not followed).
pub fn tar_dir(dir: &Path) -> Result<Vec<u8>, ImageError> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    b.append_dir_all(".", dir).map_err(ImageError::io(dir))?;
    b.into_inner().map_err(ImageError::io(dir))
}

impl ImageBuilder {
    /// An empty image.
    pub fn new() -> ImageBuilder {
        ImageBuilder::default()
    }

    /// Sets the config `User`, `Env`, `Entrypoint`, `Cmd`, `WorkingDir`.
    #[must_use]
    pub fn config(mut self, config: RunConfig) -> ImageBuilder {
        self.config = config;
        self
    }

    /// Adds a layer holding the tree under `dir`.
    pub fn layer_dir(mut self, dir: &Path) -> Result<ImageBuilder, ImageError> {
        self.layers.push(Layer::Tar(tar_dir(dir)?));
        Ok(self)
    }

    /// Adds a layer from an uncompressed tar.
    #[must_use]
    pub fn layer_tar(mut self, tar: Vec<u8>) -> ImageBuilder {
        self.layers.push(Layer::Tar(tar));
        self
    }

    /// Adds a layer blob written exactly as given (any bytes), declared with `media_type` in
    /// an OCI layout and with `diff_id` in the config. For tests of what import and unpack
    /// refuse: compression bombs, lying media types or diff_ids.
    #[must_use]
    pub fn layer_blob(mut self, blob: Vec<u8>, media_type: &str, diff_id: &str) -> ImageBuilder {
        self.layers.push(Layer::Raw {
            blob,
            media_type: media_type.to_string(),
            diff_id: diff_id.to_string(),
        });
        self
    }

    /// Each layer as (blob, media type, diff_id) of an OCI layout.
    fn gz_layers(&self) -> Result<Vec<(Vec<u8>, String, String)>, ImageError> {
        self.layers
            .iter()
            .map(|l| match l {
                Layer::Tar(t) => {
                    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
                    enc.write_all(t).map_err(ImageError::io("<layer>"))?;
                    let gz = enc.finish().map_err(ImageError::io("<layer>"))?;
                    Ok((
                        gz,
                        super::media::OCI_LAYER_GZIP.to_string(),
                        sha256_digest(t),
                    ))
                }
                Layer::Raw {
                    blob,
                    media_type,
                    diff_id,
                } => Ok((blob.clone(), media_type.clone(), diff_id.clone())),
            })
            .collect()
    }

    fn config_json(&self, diff_ids: &[String]) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "architecture": "amd64",
            "os": "linux",
            "config": self.config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }))
        .expect("config serializes")
    }

    /// Writes an OCI image layout at `dir`, the manifest annotated with `ref_name`.
    pub fn write_oci_layout(&self, dir: &Path, ref_name: &str) -> Result<(), ImageError> {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).map_err(ImageError::io(&blobs))?;
        let write_blob = |bytes: &[u8]| -> Result<String, ImageError> {
            let d = sha256_digest(bytes);
            let p = blobs.join(d.trim_start_matches("sha256:"));
            std::fs::write(&p, bytes).map_err(ImageError::io(&p))?;
            Ok(d)
        };
        let layers = self.gz_layers()?;
        let mut layer_descs = Vec::new();
        let mut diff_ids = Vec::new();
        for (blob, media_type, diff_id) in &layers {
            let d = write_blob(blob)?;
            layer_descs.push(json!({"mediaType": media_type, "digest": d, "size": blob.len()}));
            diff_ids.push(diff_id.clone());
        }
        let config = self.config_json(&diff_ids);
        let config_digest = write_blob(&config)?;
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": layer_descs,
        }))
        .expect("manifest serializes");
        let manifest_digest = write_blob(&manifest)?;
        let index = json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": manifest.len(),
                "annotations": {"org.opencontainers.image.ref.name": ref_name},
            }],
        });
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).map_err(ImageError::io(&p))
        };
        write("oci-layout", br#"{"imageLayoutVersion": "1.0.0"}"#)?;
        write(
            "index.json",
            &serde_json::to_vec(&index).expect("index serializes"),
        )
    }

    /// Writes a docker-archive tar at `file`, tagged `tag`.
    pub fn write_docker_archive(&self, file: &Path, tag: &str) -> Result<(), ImageError> {
        let mut b = tar::Builder::new(Vec::new());
        let mut add = |name: &str, bytes: &[u8]| -> Result<(), ImageError> {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, bytes)
                .map_err(ImageError::io(file))
        };
        let mut layer_names = Vec::new();
        let mut diff_ids = Vec::new();
        for l in &self.layers {
            let (blob, diff_id) = match l {
                Layer::Tar(t) => (t, sha256_digest(t)),
                Layer::Raw { blob, diff_id, .. } => (blob, diff_id.clone()),
            };
            let d = sha256_digest(blob);
            let name = format!("blobs/sha256/{}", d.trim_start_matches("sha256:"));
            add(&name, blob)?;
            layer_names.push(name);
            diff_ids.push(diff_id);
        }
        let config = self.config_json(&diff_ids);
        let config_name = format!(
            "{}.json",
            sha256_digest(&config).trim_start_matches("sha256:")
        );
        add(&config_name, &config)?;
        let manifest = serde_json::to_vec(
            &json!([{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}]),
        )
        .expect("manifest serializes");
        add("manifest.json", &manifest)?;
        let bytes = b.into_inner().map_err(ImageError::io(file))?;
        std::fs::write(file, bytes).map_err(ImageError::io(file))
    }
}

/// One member of a hand-made tar ([`raw_tar`]): names and link targets are written into the
/// header verbatim, `..` and absolute paths included, as a hostile image would have them.
#[derive(Clone, Debug)]
pub enum TarEntry {
    /// A regular file: path, content, mode.
    File(String, Vec<u8>, u32),
    /// A directory: path, mode.
    Dir(String, u32),
    /// A symlink: path, target.
    Symlink(String, String),
    /// A hard link: path, target.
    Hardlink(String, String),
    /// A GNU sparse file: path, size. All of it is a hole but its last 512 bytes, so a tar
    /// of a few KiB declares a file of any size (a sparse bomb).
    Sparse(String, u64),
}

fn put_name(field: &mut [u8], s: &str) -> Result<(), ImageError> {
    if s.len() > field.len() {
        return Err(ImageError::Invalid(format!(
            "{s:?}: longer than {} bytes",
            field.len()
        )));
    }
    field.fill(0);
    field[..s.len()].copy_from_slice(s.as_bytes());
    Ok(())
}

/// An uncompressed tar of `entries`, owned by 0:0, written with raw GNU headers so that
/// hostile names (`../x`, `/etc/x`) survive. For tests of what unpacking refuses.
pub fn raw_tar(entries: &[TarEntry]) -> Result<Vec<u8>, ImageError> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        let tail = [b'x'; 512];
        let (path, body, kind, mode, link): (&str, &[u8], _, u32, Option<&str>) = match e {
            TarEntry::File(p, body, mode) => (p, body, tar::EntryType::Regular, *mode, None),
            TarEntry::Sparse(p, _) => (p, &tail, tar::EntryType::GNUSparse, 0o644, None),
            TarEntry::Dir(p, mode) => (p, &[], tar::EntryType::Directory, *mode, None),
            TarEntry::Symlink(p, t) => (p, &[], tar::EntryType::Symlink, 0o777, Some(t)),
            TarEntry::Hardlink(p, t) => (p, &[], tar::EntryType::Link, 0o644, Some(t)),
        };
        h.set_entry_type(kind);
        h.set_size(body.len() as u64);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        let g = h.as_gnu_mut().expect("a GNU header");
        put_name(&mut g.name, path)?;
        if let TarEntry::Sparse(_, size) = e {
            let size = (*size).max(512);
            g.set_real_size(size);
            g.sparse[0].set_offset(size - 512);
            g.sparse[0].set_length(512);
        }
        if let Some(l) = link {
            put_name(&mut g.linkname, l)?;
        }
        h.set_cksum();
        b.append(&h, body).map_err(ImageError::io("<tar>"))?;
    }
    b.into_inner().map_err(ImageError::io("<tar>"))
}

/// A gzip decompression bomb: a tar+gzip layer blob of one file, `bomb`, of `expanded` zero
/// bytes, made of many gzip members of 8 MiB of zeros each (each a few KiB), so a few MB of
/// blob expand to many GB. It has no end: nothing may read it to its end.
pub fn gzip_bomb(expanded: u64) -> Result<Vec<u8>, ImageError> {
    const CHUNK: u64 = 8 << 20;
    let gz = |bytes: &[u8]| -> Result<Vec<u8>, ImageError> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(bytes).map_err(ImageError::io("<bomb>"))?;
        enc.finish().map_err(ImageError::io("<bomb>"))
    };
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_path("bomb").map_err(ImageError::io("<bomb>"))?;
    h.set_size(expanded);
    h.set_mode(0o644);
    h.set_cksum();
    let mut out = gz(h.as_bytes())?;
    let zeros = gz(&vec![0u8; CHUNK as usize])?;
    for _ in 0..expanded.div_ceil(CHUNK) {
        out.extend_from_slice(&zeros);
    }
    Ok(out)
}
