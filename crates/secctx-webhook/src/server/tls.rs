//! The serving certificate: rustls with ring (no aws-lc, no OpenSSL), HTTP/1.1 offered by
//! ALPN (the API server dials webhooks with `NextProtos = ["http/1.1"]`, spec §1.1), and
//! reloaded from disk when the files change (cert-manager rotation). A reload only affects new
//! handshakes: open connections keep going.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why a certificate and key cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The certificate file has no PEM certificate.
    #[error("{0}: no PEM certificate found")]
    NoCertificate(PathBuf),
    /// The key file has no PEM private key, or it does not parse.
    #[error("{path}: no usable PEM private key: {reason}")]
    Key {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("certificate and key refused: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Where the serving pair is read from.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

impl TlsFiles {
    fn read(&self) -> Result<PemPair, TlsError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| TlsError::Read {
                path: p.to_owned(),
                source,
            })
        };
        Ok((read(&self.cert)?, read(&self.key)?))
    }
}

/// A rustls server configuration from PEM texts.
pub fn server_config(
    files: &TlsFiles,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<ServerConfig>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(files.cert.clone()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key {
        path: files.key.clone(),
        reason: e.to_string(),
    })?;
    // ring, deliberately: aws-lc-rs (the post-quantum provider) is a C build on 2-core CI
    // (dependencies.md gotcha 9). rustls 0.23.48 deprecated the function for lacking
    // post-quantum key exchange, not for being unsound.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The certificate and key bytes last read, to notice a change.
pub type PemPair = (Vec<u8>, Vec<u8>);

/// Reads the pair and builds the configuration; the bytes are returned to detect changes.
pub fn load(files: &TlsFiles) -> Result<(Arc<ServerConfig>, PemPair), TlsError> {
    let (cert, key) = files.read()?;
    let config = server_config(files, &cert, &key)?;
    Ok((config, (cert, key)))
}

/// Polls the files every `interval`; when their contents change and the new pair is usable,
/// new handshakes use it. A broken pair is logged and the previous one kept.
pub async fn reload_loop(
    files: TlsFiles,
    config: RustlsConfig,
    mut current: PemPair,
    interval: Duration,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let read = {
            let files = files.clone();
            tokio::task::spawn_blocking(move || files.read()).await
        };
        let Ok(Ok(next)) = read else {
            tracing::warn!(cert = %files.cert.display(), "serving certificate unreadable; keeping the current one");
            continue;
        };
        if next == current {
            continue;
        }
        match server_config(&files, &next.0, &next.1) {
            Ok(c) => {
                config.reload_from_config(c);
                tracing::info!(cert = %files.cert.display(), "serving certificate reloaded");
            }
            Err(e) => {
                tracing::warn!(error = %e, "new serving certificate refused; keeping the current one");
            }
        }
        current = next;
    }
}
