//! The image store: a content-addressed store of images under a root directory
//! (`/var/lib/secctx` by default), shared safely by concurrent secctx processes.
//!
//! Layout under `<root>/images`:
//! - `blobs/sha256/<hex>`: manifests, configs and layers, named by the sha256 of their bytes;
//! - `index.json`: image names → manifest digests, replaced atomically;
//! - `lock`: `flock`ed exclusive for changes, shared for reads;
//! - `tmp/<pid>-<n>/`: blobs being imported or pulled, checked, then renamed into `blobs/`.
//!
//! Every blob's digest and size is verified before it enters `blobs/`; a failed import or
//! pull leaves nothing behind.

mod blobs;
mod error;
mod import;
mod index;
mod lock;
mod manifest;
mod pull;
mod record;
pub mod reference;
mod unpack;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_pull;
#[cfg(test)]
mod tests_verify;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use secctx_core::image::ImageInfo;

use crate::image::{
    self, ImageConfigFile, ImageFormat, LayerBlob, OpenedImage, RunConfig, UnpackLimits, media,
};

pub use error::StoreError;
pub use pull::PullOptions;
pub use record::ImageRecord;
pub use reference::Reference;

use index::Index;
use lock::StoreLock;

/// The default store root.
pub const DEFAULT_ROOT: &str = "/var/lib/secctx";

/// An image unpacked to a directory.
#[derive(Clone, Debug)]
pub struct UnpackedImage {
    /// The image.
    pub record: ImageRecord,
    /// The image config's `User`, `Env`, `Entrypoint`, `Cmd` and `WorkingDir`.
    pub config: RunConfig,
}

/// An image staged and verified, ready to be named in the index.
pub(crate) struct Prepared {
    pub(crate) digest: String,
    pub(crate) config_digest: String,
    pub(crate) size: u64,
    pub(crate) source: String,
}

/// An opened store.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
    images: PathBuf,
    limits: UnpackLimits,
}

impl Store {
    /// Opens (creating if needed) the store at `root`. Staging directories left by crashed
    /// processes are removed.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        let images = root.join("images");
        // Root-only from creation: layers hold setuid files, device nodes and secrets baked
        // into images; an existing lax root is tightened or refused (crate::private).
        crate::private::ensure_root(root).map_err(StoreError::io(root))?;
        for d in [images.join("blobs/sha256"), images.join("tmp")] {
            crate::private::create_dir_all(&d).map_err(StoreError::io(&d))?;
        }
        let store = Store {
            root: root.to_path_buf(),
            images,
            limits: UnpackLimits::default(),
        };
        {
            let _lock = StoreLock::exclusive(&store.lock_path())?;
            blobs::clean_stale(&store.tmp_dir());
        }
        Ok(store)
    }

    /// The same store with other limits on unpacking (and the free-space floor on import and
    /// pull); [`Store::open`] uses [`UnpackLimits::default`].
    #[must_use]
    pub fn with_limits(mut self, limits: UnpackLimits) -> Store {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> UnpackLimits {
        self.limits
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lock_path(&self) -> PathBuf {
        self.images.join("lock")
    }

    fn index_path(&self) -> PathBuf {
        self.images.join("index.json")
    }

    fn blobs_dir(&self) -> PathBuf {
        self.images.join("blobs/sha256")
    }

    fn tmp_dir(&self) -> PathBuf {
        self.images.join("tmp")
    }

    /// Imports an OCI layout directory, a docker-archive tar or a rootfs directory as `name`
    /// (replacing an image of that name).
    pub fn import(&self, name: &str, source: &Path) -> Result<ImageRecord, StoreError> {
        check_name(name)?;
        let source = std::fs::canonicalize(source).map_err(StoreError::io(source))?;
        let mut staging = blobs::Staging::new(&self.tmp_dir(), self.limits.min_free)?;
        let prepared = import::stage(&mut staging, name, &source)?;
        self.commit(name, &mut staging, prepared)
    }

    /// Pulls `reference` from its registry over the OCI distribution API and names it
    /// `reference` (as given).
    pub fn pull(&self, reference: &str, opts: &PullOptions) -> Result<ImageRecord, StoreError> {
        let parsed = Reference::parse(reference)?;
        let mut staging = blobs::Staging::new(&self.tmp_dir(), self.limits.min_free)?;
        let prepared = pull::stage(&mut staging, &parsed, opts)?;
        self.commit(reference, &mut staging, prepared)
    }

    fn commit(
        &self,
        name: &str,
        staging: &mut blobs::Staging,
        p: Prepared,
    ) -> Result<ImageRecord, StoreError> {
        let record = ImageRecord {
            name: name.to_string(),
            digest: p.digest,
            config_digest: p.config_digest,
            size: p.size,
            source: p.source,
        };
        let _lock = StoreLock::exclusive(&self.lock_path())?;
        staging.commit(&self.blobs_dir())?;
        let mut index = Index::read(&self.index_path())?;
        index.put(record.clone());
        index.write(&self.index_path())?;
        Ok(record)
    }

    /// Every image, sorted by name.
    pub fn list(&self) -> Result<Vec<ImageRecord>, StoreError> {
        let _lock = StoreLock::shared(&self.lock_path())?;
        Ok(Index::read(&self.index_path())?.images)
    }

    /// The image named `name`: exactly, else the one whose name is the same reference with
    /// Docker's defaults (`busybox` = `docker.io/library/busybox:latest`).
    pub fn lookup(&self, name: &str) -> Result<Option<ImageRecord>, StoreError> {
        let _lock = StoreLock::shared(&self.lock_path())?;
        let index = Index::read(&self.index_path())?;
        Ok(find(&index, name).cloned())
    }

    /// Removes the image `name` (matched as in [`Store::lookup`]) and every blob no other
    /// image uses.
    pub fn remove(&self, name: &str) -> Result<ImageRecord, StoreError> {
        let _lock = StoreLock::exclusive(&self.lock_path())?;
        let mut index = Index::read(&self.index_path())?;
        let record = find(&index, name)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        index.images.retain(|r| r.name != record.name);
        index.write(&self.index_path())?;
        // Collect garbage: every blob not reachable from a remaining image.
        let mut keep = HashSet::new();
        for r in &index.images {
            keep.insert(r.digest.clone());
            if let Ok(m) = self.read_manifest(&r.digest) {
                keep.insert(m.config.digest.clone());
                keep.extend(m.layers.iter().map(|l| l.digest.clone()));
            }
        }
        let mut drop = vec![record.digest.clone()];
        if let Ok(m) = self.read_manifest(&record.digest) {
            drop.push(m.config.digest.clone());
            drop.extend(m.layers.iter().map(|l| l.digest.clone()));
        }
        for d in drop.iter().filter(|d| !keep.contains(*d)) {
            if let Ok(p) = blobs::blob_path(&self.blobs_dir(), d) {
                let _ = std::fs::remove_file(p);
            }
        }
        Ok(record)
    }

    fn record(&self, name: &str) -> Result<ImageRecord, StoreError> {
        self.lookup(name)?
            .ok_or_else(|| StoreError::NotFound(name.to_string()))
    }

    fn read_blob(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        let path = blobs::blob_path(&self.blobs_dir(), digest)?;
        let bytes = std::fs::read(&path).map_err(StoreError::io(&path))?;
        let actual = image::digest::sha256_digest(&bytes);
        if actual != digest {
            return Err(StoreError::Digest {
                digest: digest.to_string(),
                what: format!("stored content has digest {actual}"),
            });
        }
        Ok(bytes)
    }

    fn read_manifest(&self, digest: &str) -> Result<manifest::Manifest, StoreError> {
        serde_json::from_slice(&self.read_blob(digest)?)
            .map_err(|e| StoreError::Invalid(format!("manifest {digest}: {e}")))
    }

    /// The image as the image readers see it (config, layers as blob files), for `explain`.
    pub fn open_image(&self, name: &str) -> Result<OpenedImage, StoreError> {
        let record = self.record(name)?;
        let manifest_bytes = self.read_blob(&record.digest)?;
        let m: manifest::Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| StoreError::Invalid(format!("manifest {}: {e}", record.digest)))?;
        let config_bytes = self.read_blob(&m.config.digest)?;
        let config: ImageConfigFile = serde_json::from_slice(&config_bytes)
            .map_err(|e| StoreError::Invalid(format!("config {}: {e}", m.config.digest)))?;
        let diff_ids = config
            .diff_ids(m.layers.len())
            .map_err(|e| StoreError::Invalid(format!("config {}: {e}", m.config.digest)))?;
        let layers = m
            .layers
            .iter()
            .zip(diff_ids)
            .map(|(l, diff_id)| {
                let compression = media::layer_compression(&l.media_type)
                    .map_err(|e| StoreError::Invalid(format!("layer {}: {e}", l.digest)))?;
                Ok(LayerBlob {
                    file: blobs::blob_path(&self.blobs_dir(), &l.digest)?,
                    offset: 0,
                    size: l.size,
                    digest: Some(l.digest.clone()),
                    compression: Some(compression),
                    diff_id: Some(diff_id),
                    name: format!("layer {}", l.digest),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(OpenedImage {
            format: ImageFormat::Store,
            path: PathBuf::from(format!(
                "image {} in the store {} (manifest {})",
                record.name,
                self.root.display(),
                record.digest
            )),
            config,
            layers,
            config_bytes,
            manifest_bytes: Some(manifest_bytes),
        })
    }

    /// What `explain` needs of the image `name`: config fields, `/etc/passwd`, `/etc/group`.
    pub fn inspect(&self, name: &str) -> Result<ImageInfo, StoreError> {
        Ok(image::inspect_opened_with(
            &self.open_image(name)?,
            self.limits,
        )?)
    }

    /// Unpacks the image `name` into `dest` (created if missing; it must be empty): layers in
    /// order, whiteouts honoured, owners and modes kept, nothing written outside `dest`, each
    /// layer's diff_id verified, within the store's [`UnpackLimits`]. On failure nothing of
    /// the unpack is left in `dest`.
    pub fn unpack(&self, name: &str, dest: &Path) -> Result<UnpackedImage, StoreError> {
        let img = self.open_image(name)?;
        let record = self.record(name)?;
        unpack::unpack(&img.layers, dest, self.limits)?;
        Ok(UnpackedImage {
            record,
            config: img.config.config.unwrap_or_default(),
        })
    }
}

fn find<'a>(index: &'a Index, name: &str) -> Option<&'a ImageRecord> {
    index.get(name).or_else(|| {
        let want = reference::normalise(name);
        index
            .images
            .iter()
            .find(|r| reference::normalise(&r.name) == want)
    })
}

fn check_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() {
        return Err(StoreError::BadName(name.to_string(), "empty"));
    }
    if name.len() > 255 {
        return Err(StoreError::BadName(
            name.to_string(),
            "longer than 255 bytes",
        ));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(StoreError::BadName(
            name.to_string(),
            "contains whitespace or control characters",
        ));
    }
    Ok(())
}
