//! `--image NAME=PATH` (and `--image-user NAME=USER` for rootfs directories): what secctx
//! knows about the images the pods name.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use secctx_core::image::ImageInfo;

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

impl Images {
    /// Loads every `--image`; `users` overrides the config `User` (rootfs directories have
    /// none).
    pub fn load(specs: &[(String, String)], users: &[(String, String)]) -> anyhow::Result<Images> {
        let mut by_name = HashMap::new();
        for (name, path) in specs {
            let path = PathBuf::from(path);
            let mut info = secctx_runtime::image::inspect(&path, Some(name))
                .with_context(|| format!("--image {name}={}", path.display()))?;
            if let Some((_, u)) = users.iter().find(|(n, _)| n == name) {
                info.user = u.clone();
                info.source
                    .push_str(&format!(" (USER {u:?} from --image-user)"));
            }
            by_name.insert(name.clone(), info);
        }
        for (name, _) in users {
            if !by_name.contains_key(name) {
                bail!("--image-user {name}=...: no --image {name}=PATH was given");
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
