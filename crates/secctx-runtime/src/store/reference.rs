//! Image references: `[registry/]repository[:tag][@digest]`, with Docker's defaults
//! (`docker.io`, `library/`, `:latest`).

use super::StoreError;

/// A parsed reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Registry host (and port): `docker.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// Repository path: `library/busybox`.
    pub repository: String,
    /// Tag or digest to fetch: `latest`, `sha256:...`.
    pub reference: String,
}

impl Reference {
    /// Parses a reference.
    pub fn parse(s: &str) -> Result<Reference, StoreError> {
        let bad = |why: &str| StoreError::BadReference(s.to_string(), why.to_string());
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("empty or contains whitespace"));
        }
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (s, None),
        };
        let (first, rest) = match name.split_once('/') {
            Some((f, r)) if f.contains('.') || f.contains(':') || f == "localhost" => {
                (f.to_string(), r.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let (repo, tag) = match rest.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r.to_string(), Some(t.to_string())),
            _ => (rest, None),
        };
        if repo.is_empty()
            || !repo.split('/').all(|p| {
                !p.is_empty()
                    && p.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            })
        {
            return Err(bad("the repository must be lowercase path components"));
        }
        let repo = if first == "docker.io" && !repo.contains('/') {
            format!("library/{repo}")
        } else {
            repo
        };
        let reference = match (digest, tag) {
            (Some(d), _) => {
                super::blobs::hex_of(d).map_err(|_| bad("the digest must be sha256:<hex>"))?;
                d.to_string()
            }
            (None, Some(t)) => t,
            (None, None) => "latest".to_string(),
        };
        Ok(Reference {
            registry: first,
            repository: repo,
            reference,
        })
    }

    /// The registry host to connect to (`docker.io` is served by `registry-1.docker.io`).
    pub fn host(&self) -> &str {
        if self.registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }
}

/// The full form of a reference, for matching names: `busybox` →
/// `docker.io/library/busybox:latest`. Unparseable names are returned unchanged.
pub fn normalise(s: &str) -> String {
    match Reference::parse(s) {
        Ok(r) if r.reference.starts_with("sha256:") => {
            format!("{}/{}@{}", r.registry, r.repository, r.reference)
        }
        Ok(r) => format!("{}/{}:{}", r.registry, r.repository, r.reference),
        Err(_) => s.to_string(),
    }
}
