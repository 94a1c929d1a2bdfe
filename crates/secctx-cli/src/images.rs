//! `--image NAME=PATH` (and `--image-user NAME=USER` for rootfs directories): what secctx
//! knows about the images the pods name.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use secctx_core::image::ImageInfo;

use crate::commands::image::StoreArgs;

/// The image options `explain` and `oci` share: where the data of the images the pods name
/// comes from.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Image data for an image reference: NAME=PATH, PATH an OCI layout directory, a
    /// docker-archive tar or a rootfs directory; or NAME alone, the image of that name in the
    /// store (`secctx image import/pull`). Repeatable.
    #[arg(long = "image", value_name = "NAME[=PATH]", value_parser = image_spec)]
    pub images: Vec<(String, String)>,
    /// The config USER of an image given as a rootfs directory (which has no config).
    #[arg(long = "image-user", value_name = "NAME=USER", value_parser = name_value)]
    pub image_users: Vec<(String, String)>,
    /// The image store (for `--image NAME`).
    #[command(flatten)]
    pub store: StoreArgs,
}

/// The images given on the command line, loaded.
#[derive(Default)]
pub struct Images {
    by_name: HashMap<String, ImageInfo>,
}

/// Parses `NAME=VALUE`.
pub fn name_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((n, v)) if !n.is_empty() && !v.is_empty() => Ok((n.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

/// Parses `--image NAME=PATH` or `--image NAME` (the path empty: the store's image).
pub fn image_spec(s: &str) -> Result<(String, String), String> {
    if s.is_empty() || s.starts_with('=') {
        return Err(format!("expected NAME or NAME=PATH, got {s:?}"));
    }
    match s.split_once('=') {
        Some((n, v)) if !v.is_empty() => Ok((n.to_string(), v.to_string())),
        Some(_) => Err(format!("expected NAME or NAME=PATH, got {s:?}")),
        None => Ok((s.to_string(), String::new())),
    }
}

impl Images {
    /// Loads every `--image` (from its path, or from the store when none is given); `users`
    /// overrides the config `User` (rootfs directories have none).
    pub fn load(args: &ImageArgs) -> anyhow::Result<Images> {
        let (specs, users, store) = (&args.images, &args.image_users, &args.store);
        let mut by_name = HashMap::new();
        let mut opened = None;
        for (name, path) in specs {
            let mut info = if path.is_empty() {
                if opened.is_none() {
                    opened = Some(store.open()?);
                }
                let s = opened.as_ref().expect("opened above");
                s.inspect(name).with_context(|| {
                    format!("--image {name} (from the store {})", store.root.display())
                })?
            } else {
                let path = PathBuf::from(path);
                // The same unpacked-size limit as the store's (reading nothing to disk, the
                // free-space floor does not apply).
                let limits = secctx_runtime::image::UnpackLimits {
                    max_size: store.max_unpack_size,
                    min_free: 0,
                };
                secctx_runtime::image::inspect_with(&path, Some(name), limits)
                    .with_context(|| format!("--image {name}={}", path.display()))?
            };
            if let Some((_, u)) = users.iter().find(|(n, _)| n == name) {
                info.user = u.clone();
                info.source
                    .push_str(&format!(" (USER {u:?} from --image-user)"));
            }
            by_name.insert(name.clone(), info);
        }
        for (name, _) in users {
            if !by_name.contains_key(name) {
                bail!("--image-user {name}=...: no --image {name} was given");
            }
        }
        Ok(Images { by_name })
    }

    /// The image a pod names, matched exactly, then with `docker.io/` and `:latest` defaults.
    pub fn get(&self, reference: &str) -> Option<&ImageInfo> {
        if let Some(i) = self.by_name.get(reference) {
            return Some(i);
        }
        let normal = normalise(reference);
        self.by_name
            .iter()
            .find(|(k, _)| normalise(k) == normal)
            .map(|(_, v)| v)
    }
}

/// `busybox` → `docker.io/library/busybox:latest`.
fn normalise(r: &str) -> String {
    let (name, digest) = match r.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (r, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let mut full = if name.contains('/') {
        let first = name.split('/').next().unwrap_or("");
        if first.contains('.') || first.contains(':') || first == "localhost" {
            name.to_string()
        } else {
            format!("docker.io/{name}")
        }
    } else {
        format!("docker.io/library/{name}")
    };
    if !last.contains(':') && digest.is_none() {
        full.push_str(":latest");
    }
    if let Some(d) = digest {
        full.push('@');
        full.push_str(d);
    }
    full
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn references() {
        assert_eq!(normalise("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(
            normalise("docker.io/library/busybox:1.28"),
            normalise("busybox:1.28")
        );
        assert_eq!(
            normalise("registry.k8s.io/pause"),
            "registry.k8s.io/pause:latest"
        );
        assert_eq!(normalise("localhost:5000/x:1"), "localhost:5000/x:1");
    }
}
