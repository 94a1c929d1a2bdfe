//! Errors that keep a volume from being set up or a container from being created, with the
//! kubelet's messages.

/// Why a projection failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    /// A referenced ConfigMap is not in the input (and not optional).
    #[error("configmap {0:?} not found")]
    ConfigMapNotFound(String),
    /// A referenced Secret is not in the input (and not optional).
    #[error("secret {0:?} not found")]
    SecretNotFound(String),
    /// A volume item names a key the ConfigMap lacks.
    #[error("configmap references non-existent config key: {0}")]
    ConfigMapKey(String),
    /// A volume item names a key the Secret lacks.
    #[error("references non-existent secret key: {0}")]
    SecretKey(String),
    /// An env var names a key the ConfigMap lacks (`key`, `namespace`, `name`).
    #[error("couldn't find key {0} in ConfigMap {1}/{2}")]
    EnvConfigMapKey(String, String, String),
    /// An env var names a key the Secret lacks (`key`, `namespace`, `name`).
    #[error("couldn't find key {0} in Secret {1}/{2}")]
    EnvSecretKey(String, String, String),
    /// A downward API field secctx cannot supply.
    #[error("unsupported fieldPath: {0}")]
    UnsupportedField(String),
    /// A projection source secctx does not support (service account tokens, cluster trust
    /// bundles, resource fields).
    #[error("{0} is not supported by secctx")]
    Unsupported(String),
}
