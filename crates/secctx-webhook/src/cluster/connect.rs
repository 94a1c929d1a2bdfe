//! The API client of `secctx serve`: from `--kubeconfig FILE` when given, else the in-cluster
//! service account (what the Deployment in `deploy/` uses), else `$KUBECONFIG` or
//! `~/.kube/config` (kube-rs's `Config::infer`). TLS is rustls with ring.

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// Why no client could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The kubeconfig file could not be read or used.
    #[error("{path}: {reason}")]
    Kubeconfig {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// Neither in-cluster configuration nor a kubeconfig was found.
    #[error(
        "no cluster to talk to: not running in a pod (no service account token) and no kubeconfig ($KUBECONFIG or ~/.kube/config): {0}"
    )]
    Infer(String),
    /// The configuration could not be turned into a client (bad certificate data, URL).
    #[error("cannot build the API client: {0}")]
    Client(String),
}

/// A client for the cluster `secctx serve` runs against.
pub async fn connect(kubeconfig: Option<&Path>) -> Result<Client, ConnectError> {
    let config = match kubeconfig {
        Some(path) => {
            let bad = |reason: String| ConnectError::Kubeconfig {
                path: path.display().to_string(),
                reason,
            };
            let file = Kubeconfig::read_from(path).map_err(|e| bad(e.to_string()))?;
            Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
                .await
                .map_err(|e| bad(e.to_string()))?
        }
        None => Config::infer()
            .await
            .map_err(|e| ConnectError::Infer(e.to_string()))?,
    };
    Client::try_from(config).map_err(|e| ConnectError::Client(e.to_string()))
}
