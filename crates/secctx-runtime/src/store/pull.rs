//! `pull`: the OCI distribution API (`/v2/<name>/manifests/<ref>`, `/v2/<name>/blobs/<digest>`)
//! over HTTPS, plain HTTP only when asked (`insecure`), a private CA from a PEM file, and
//! anonymous Bearer token auth. Image indexes and Docker manifest lists resolve to linux/amd64.
//! Every manifest and blob is checked against its digest and size before it is kept.

use std::path::PathBuf;
use std::time::Duration;

use ureq::http::Response;
use ureq::tls::{PemItem, RootCerts, TlsConfig};
use ureq::{Agent, Body};

use super::blobs::{Expect, HeadCapture, Staging};
use super::manifest::{self, Descriptor};
use super::{Prepared, Reference, StoreError};
use crate::image::ImageConfigFile;
use crate::image::digest::sha256_digest;
use crate::image::limits::{MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE, show_size};
use crate::image::media;

/// How to reach the registry.
#[derive(Clone, Debug, Default)]
pub struct PullOptions {
    /// Use plain HTTP (no TLS). Without it, only HTTPS is used, redirects included.
    pub insecure: bool,
    /// A PEM file of CA certificates to trust instead of the built-in (Mozilla) roots.
    pub ca_file: Option<PathBuf>,
}

const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

struct Client {
    agent: Agent,
    base: String,
    repository: String,
    token: Option<String>,
    https: bool,
}

/// Downloads the image `r` into staged blobs. Before any layer is fetched, the manifest (and
/// the index it came from) and the config are checked as an OCI layout's are: schemaVersion 2,
/// media types that match and that secctx can handle, sizes under the caps, one diff_id per
/// layer. Each layer's first bytes must then match its media type's compression.
pub(crate) fn stage(
    staging: &mut Staging,
    r: &Reference,
    opts: &PullOptions,
) -> Result<Prepared, StoreError> {
    let mut client = Client::new(r, opts)?;
    let url = client.url_of(&r.reference);
    let invalid = |e: String| StoreError::Invalid(format!("{url}: {e}"));
    let (mut bytes, mut media_type) = client.manifest(&r.reference, None)?;
    if manifest::is_index(&media_type) {
        let index =
            manifest::parse_index(&bytes, Some(&media_type), "image index").map_err(invalid)?;
        let chosen = index
            .manifests
            .iter()
            .find(|d| {
                d.platform
                    .as_ref()
                    .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
            })
            .cloned()
            .ok_or_else(|| invalid("the image index has no linux/amd64 manifest".to_string()))?;
        if manifest::is_index(&chosen.media_type) {
            return Err(invalid(format!(
                "the linux/amd64 entry {} is itself an index; nested indexes are not followed",
                chosen.digest
            )));
        }
        (bytes, media_type) = client.manifest(&chosen.digest, Some(&chosen))?;
    }
    let m = manifest::parse_manifest(&bytes, &media_type, "manifest").map_err(invalid)?;
    let config_bytes = client.config(staging, &m.config)?;
    let config: ImageConfigFile = serde_json::from_slice(&config_bytes)
        .map_err(|e| invalid(format!("config {}: {e}", m.config.digest)))?;
    config
        .diff_ids(m.layers.len())
        .map_err(|e| invalid(format!("config {}: {e}", m.config.digest)))?;
    for l in &m.layers {
        client.layer(staging, l)?;
    }
    let (digest, _) = staging.write_bytes(&bytes, None)?;
    Ok(Prepared {
        digest,
        config_digest: m.config.digest.clone(),
        size: m.config.size + m.layers.iter().map(|l| l.size).sum::<u64>(),
        source: format!("registry {}", client.url_of(&r.reference)),
    })
}

impl Client {
    fn new(r: &Reference, opts: &PullOptions) -> Result<Client, StoreError> {
        let mut tls = TlsConfig::builder();
        if let Some(ca) = &opts.ca_file {
            let pem = std::fs::read(ca).map_err(StoreError::io(ca))?;
            let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|i| match i {
                    Ok(PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "{}: no PEM certificate in the CA file",
                    ca.display()
                )));
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        let agent: Agent = Agent::config_builder()
            .tls_config(tls.build())
            .https_only(!opts.insecure)
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .user_agent("secctx")
            .build()
            .into();
        let scheme = if opts.insecure { "http" } else { "https" };
        Ok(Client {
            agent,
            base: format!("{scheme}://{}/v2/{}", r.host(), r.repository),
            repository: r.repository.clone(),
            token: None,
            https: !opts.insecure,
        })
    }

    fn url_of(&self, reference: &str) -> String {
        format!("{}/manifests/{reference}", self.base)
    }

    /// GET with the token, fetching one on a Bearer challenge.
    fn get(&mut self, url: &str, accept: Option<&str>) -> Result<Response<Body>, StoreError> {
        let mut challenged = false;
        loop {
            let mut req = self.agent.get(url);
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(t) = &self.token {
                req = req.header("Authorization", format!("Bearer {t}"));
            }
            let mut resp = req.call().map_err(|e| self.net_error(url, e))?;
            let status = resp.status().as_u16();
            if status == 200 {
                return Ok(resp);
            }
            if status == 401 && !challenged {
                challenged = true;
                let challenge = resp
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                self.token = Some(self.fetch_token(url, &challenge)?);
                continue;
            }
            let body = resp
                .body_mut()
                .with_config()
                .limit(4096)
                .read_to_string()
                .unwrap_or_default();
            return Err(StoreError::Registry {
                url: url.to_string(),
                message: format!("HTTP {status} {}", body.trim()),
            });
        }
    }

    fn net_error(&self, url: &str, e: ureq::Error) -> StoreError {
        let hint = if self.https {
            " (HTTPS is required: a registry serving plain HTTP needs --insecure; one with a private CA needs --ca-file)"
        } else {
            ""
        };
        StoreError::Registry {
            url: url.to_string(),
            message: format!("{e}{hint}"),
        }
    }

    /// Anonymous token from a `Bearer realm=...,service=...,scope=...` challenge.
    fn fetch_token(&self, url: &str, challenge: &str) -> Result<String, StoreError> {
        let Some(params) = challenge
            .strip_prefix("Bearer ")
            .or_else(|| challenge.strip_prefix("bearer "))
        else {
            return Err(StoreError::Registry {
                url: url.to_string(),
                message: format!(
                    "HTTP 401: the registry asks for credentials ({challenge:?}); only anonymous Bearer tokens are supported"
                ),
            });
        };
        let get = |key: &str| {
            params.split(',').find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                (k == key).then(|| v.trim_matches('"').to_string())
            })
        };
        let realm = get("realm").ok_or_else(|| StoreError::Registry {
            url: url.to_string(),
            message: format!("Bearer challenge without realm: {challenge:?}"),
        })?;
        let scope = get("scope").unwrap_or_else(|| format!("repository:{}:pull", self.repository));
        let mut token_url = format!("{realm}?scope={}", encode(&scope));
        if let Some(service) = get("service") {
            token_url.push_str(&format!("&service={}", encode(&service)));
        }
        let mut resp = self
            .agent
            .get(&token_url)
            .call()
            .map_err(|e| self.net_error(&token_url, e))?;
        if resp.status().as_u16() != 200 {
            return Err(StoreError::Registry {
                url: token_url,
                message: format!("token request: HTTP {}", resp.status().as_u16()),
            });
        }
        #[derive(serde::Deserialize)]
        struct Token {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| self.net_error(&token_url, e))?;
        let t: Token = serde_json::from_slice(&bytes).map_err(|e| StoreError::Registry {
            url: token_url.clone(),
            message: format!("token response: {e}"),
        })?;
        t.token.or(t.access_token).ok_or(StoreError::Registry {
            url: token_url,
            message: "token response holds no token".to_string(),
        })
    }

    /// A manifest by tag or digest: its bytes and media type, checked against `expect` (or
    /// against the digest it was asked by, and the registry's `Docker-Content-Digest`). Never
    /// more than the declared size (or [`MAX_MANIFEST_SIZE`]) plus one byte is read. The media
    /// type is the document's `mediaType`; a registry `Content-Type` naming another manifest
    /// or index type is refused, as is a document whose type differs from `expect`'s.
    fn manifest(
        &mut self,
        reference: &str,
        expect: Option<&Descriptor>,
    ) -> Result<(Vec<u8>, String), StoreError> {
        let url = self.url_of(reference);
        if let Some(d) = expect
            && d.size > MAX_MANIFEST_SIZE
        {
            return Err(StoreError::Invalid(format!(
                "{url}: the declared size {} is over the {} manifest limit",
                show_size(d.size),
                show_size(MAX_MANIFEST_SIZE)
            )));
        }
        let resp = self.get(&url, Some(MANIFEST_TYPES))?;
        let header_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string());
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let reader = resp.into_body().into_reader();
        let bytes = manifest::read_document(
            reader,
            expect.map(|d| d.size),
            MAX_MANIFEST_SIZE,
            "manifest",
        )
        .map_err(|e| StoreError::Invalid(format!("{url}: {e}")))?;
        let actual = sha256_digest(&bytes);
        let wanted = expect
            .map(|d| d.digest.clone())
            .or_else(|| {
                reference
                    .starts_with("sha256:")
                    .then(|| reference.to_string())
            })
            .or(header_digest.filter(|d| d.starts_with("sha256:")));
        if let Some(w) = wanted
            && w != actual
        {
            return Err(StoreError::Digest {
                digest: w,
                what: format!("manifest from {url} has digest {actual}"),
            });
        }
        let document_type = manifest::declared_type(&bytes);
        if let (Some(doc), Some(header)) = (&document_type, &header_type)
            && (media::is_manifest(header) || media::is_index(header))
            && doc != header
        {
            return Err(StoreError::Invalid(format!(
                "{url}: the registry's Content-Type {header:?} differs from the document's mediaType {doc:?}"
            )));
        }
        let media_type = document_type
            .or_else(|| expect.map(|d| d.media_type.clone()))
            .or(header_type)
            .unwrap_or_default();
        Ok((bytes, media_type))
    }

    /// The config blob, read into memory (capped by its checked declared size) and staged.
    fn config(&mut self, staging: &mut Staging, d: &Descriptor) -> Result<Vec<u8>, StoreError> {
        let url = format!("{}/blobs/{}", self.base, d.digest);
        let reader = self.get(&url, None)?.into_body().into_reader();
        let bytes = manifest::read_document(reader, Some(d.size), MAX_CONFIG_SIZE, "config")
            .map_err(|e| StoreError::Invalid(format!("{url}: {e}")))?;
        staging.write_bytes(
            &bytes,
            Some(Expect {
                digest: &d.digest,
                size: d.size,
            }),
        )?;
        Ok(bytes)
    }

    /// Streams a layer into staging, checked against its descriptor, then its first bytes
    /// against its media type.
    fn layer(&mut self, staging: &mut Staging, d: &Descriptor) -> Result<(), StoreError> {
        super::blobs::hex_of(&d.digest)?;
        let compression = media::layer_compression(&d.media_type)
            .map_err(|e| StoreError::Invalid(format!("layer {}: {e}", d.digest)))?;
        let url = format!("{}/blobs/{}", self.base, d.digest);
        let resp = self.get(&url, None)?;
        let mut reader = HeadCapture::new(resp.into_body().into_reader());
        staging.write(
            &mut reader,
            Some(Expect {
                digest: &d.digest,
                size: d.size,
            }),
        )?;
        media::check_layer_head(Some(compression), reader.head())
            .map_err(|e| StoreError::Invalid(format!("layer {}: {e}", d.digest)))?;
        Ok(())
    }
}

/// Percent-encodes a query value (unreserved characters and `:` `/` kept).
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
