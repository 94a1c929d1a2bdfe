//! Images on disk: OCI image layouts, docker-archive tars (`docker save`, `skopeo copy
//! docker-archive:`) and plain rootfs directories. Every blob read is verified against its
//! digest; layers are applied in order with whiteouts honoured.

pub mod build;
mod config;
pub mod digest;
mod error;
pub mod limits;
pub mod manifest;
pub mod media;
pub mod meter;
mod user_files;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use secctx_core::image::ImageInfo;

pub use config::{ImageConfigFile, RootFs, RunConfig};
pub use error::ImageError;
pub use limits::UnpackLimits;
pub(crate) use user_files::normalise;

use digest::VerifyingReader;
use media::Compression;
use meter::{Meter, MeteredReader};

/// The on-disk format of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/`).
    OciLayout,
    /// A `docker save` tar (`manifest.json` inside).
    DockerArchive,
    /// A directory holding the root filesystem itself (no image config).
    Rootfs,
    /// An image in the secctx store (`path` holds its description).
    Store,
}

/// Where one layer's bytes are.
#[derive(Clone, Debug)]
pub struct LayerBlob {
    /// The file holding the blob.
    pub file: PathBuf,
    /// Offset of the blob in the file (non-zero inside a docker-archive tar).
    pub offset: u64,
    /// Length of the blob.
    pub size: u64,
    /// `sha256:<hex>` the blob must hash to (the compressed bytes), when the format names one.
    pub digest: Option<String>,
    /// The compression its media type promises (`None`: the format has no media types, as in
    /// docker-archive; the data decides, and zstd is refused either way).
    pub compression: Option<Compression>,
    /// `sha256:<hex>` the uncompressed tar stream must hash to (the config's diff_id).
    pub diff_id: Option<String>,
    /// A human name for messages.
    pub name: String,
}

impl LayerBlob {
    /// The layer as an uncompressed tar stream, charged to `meter`. The compressed bytes are
    /// checked against the media type's compression before anything is decompressed. The
    /// reader fails at end of input if the blob's digest or the stream's diff_id does not
    /// match, and as soon as the meter's limits are passed.
    pub fn open(&self, meter: &Rc<Meter>) -> Result<Box<dyn Read>, ImageError> {
        let mut f = File::open(&self.file).map_err(ImageError::io(&self.file))?;
        f.seek(SeekFrom::Start(self.offset))
            .map_err(ImageError::io(&self.file))?;
        let verified = VerifyingReader::new(f.take(self.size), self.digest.clone());
        let mut buf = BufReader::with_capacity(256 << 10, verified);
        let head = buf.fill_buf().map_err(ImageError::io(&self.file))?;
        let compression = media::check_layer_head(self.compression, head)
            .map_err(|e| ImageError::Invalid(format!("{}: {e}", self.name)))?;
        let stream: Box<dyn Read> = match compression {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buf)),
            Compression::None => Box::new(buf),
        };
        // The meter sits outside the diff_id check, so a bomb is stopped by the limit long
        // before its (unreachable) end where the diff_id would be compared.
        let checked = VerifyingReader::diff_id(stream, self.diff_id.clone(), &self.name);
        Ok(Box::new(MeteredReader::new(checked, meter.clone())))
    }
}

/// Reads a layer to the end after a tar reader is done with it (it stops at the end-of-archive
/// marker), so the digest check at the end of the blob always runs.
pub fn drain(mut r: impl Read) -> std::io::Result<()> {
    std::io::copy(&mut r, &mut std::io::sink()).map(|_| ())
}

/// An image opened for reading.
#[derive(Clone, Debug)]
pub struct OpenedImage {
    /// The format.
    pub format: ImageFormat,
    /// The path given.
    pub path: PathBuf,
    /// The config.
    pub config: ImageConfigFile,
    /// The layers, lowest first (empty for a rootfs directory).
    pub layers: Vec<LayerBlob>,
    /// The config blob as stored (empty for a rootfs directory).
    pub config_bytes: Vec<u8>,
    /// The manifest document, when the format has one (OCI layouts, the store).
    pub manifest_bytes: Option<Vec<u8>>,
}

impl OpenedImage {
    /// A description for provenance: `OCI layout /path (manifest sha256:...)`.
    pub fn describe(&self) -> String {
        let kind = match self.format {
            ImageFormat::OciLayout => "OCI layout",
            ImageFormat::DockerArchive => "docker-archive",
            ImageFormat::Rootfs => "rootfs directory",
            ImageFormat::Store => return self.path.display().to_string(),
        };
        format!("{kind} {}", self.path.display())
    }
}

/// Opens an image of any supported format. `reference` picks a manifest when an OCI layout
/// holds several (matched against the `org.opencontainers.image.ref.name` annotation, the
/// full reference or its tag).
pub fn open(path: &Path, reference: Option<&str>) -> Result<OpenedImage, ImageError> {
    let meta = std::fs::metadata(path).map_err(ImageError::io(path))?;
    if meta.is_dir() {
        if path.join("oci-layout").exists() {
            return layout::open(path, reference);
        }
        if path.join("etc").is_dir() || path.join("bin").exists() {
            return Ok(OpenedImage {
                format: ImageFormat::Rootfs,
                path: path.to_path_buf(),
                config: ImageConfigFile::default(),
                layers: Vec::new(),
                config_bytes: Vec::new(),
                manifest_bytes: None,
            });
        }
    } else if meta.is_file() {
        return archive::open(path, reference);
    }
    Err(ImageError::UnknownFormat {
        path: path.to_path_buf(),
    })
}

/// What secctx needs of an image for `explain`: config fields and `/etc/passwd`, `/etc/group`.
pub fn inspect(path: &Path, reference: Option<&str>) -> Result<ImageInfo, ImageError> {
    inspect_opened(&open(path, reference)?)
}

/// [`inspect`] with the layers read within `limits.max_size`.
pub fn inspect_with(
    path: &Path,
    reference: Option<&str>,
    limits: UnpackLimits,
) -> Result<ImageInfo, ImageError> {
    inspect_opened_with(&open(path, reference)?, limits)
}

/// [`inspect`] of an image already opened (from a path or from the store), its layers read
/// within the default [`UnpackLimits`] size limit.
pub fn inspect_opened(img: &OpenedImage) -> Result<ImageInfo, ImageError> {
    inspect_opened_with(img, UnpackLimits::default())
}

/// [`inspect_opened`] with the layers read within `limits.max_size` (nothing is written, so
/// the free-space floor does not apply).
pub fn inspect_opened_with(
    img: &OpenedImage,
    limits: UnpackLimits,
) -> Result<ImageInfo, ImageError> {
    let files = match img.format {
        ImageFormat::Rootfs => user_files::UserFiles::from_dir(&img.path)?,
        _ => {
            let meter = Meter::new(limits, None);
            let mut files = user_files::UserFiles::new();
            for layer in &img.layers {
                meter.start_pass();
                let mut r = layer.open(&meter)?;
                let applied = files.apply_layer(&mut r, &layer.name).and_then(|()| {
                    drain(&mut r).map_err(|e| ImageError::Invalid(format!("{}: {e}", layer.name)))
                });
                if let Some(stop) = meter.stopped() {
                    return Err(ImageError::Invalid(format!(
                        "{}: {}",
                        layer.name,
                        stop.describe()
                    )));
                }
                applied?;
                meter.end_layer();
            }
            files
        }
    };
    let c = img.config.config.clone().unwrap_or_default();
    Ok(ImageInfo {
        source: img.describe(),
        user: c.user.unwrap_or_default(),
        env: c.env.unwrap_or_default(),
        entrypoint: c.entrypoint.unwrap_or_default(),
        cmd: c.cmd.unwrap_or_default(),
        working_dir: c.working_dir.unwrap_or_default(),
        passwd: files.passwd(),
        group: files.group(),
    })
}

mod archive;
mod layout;

#[cfg(test)]
mod tests;
