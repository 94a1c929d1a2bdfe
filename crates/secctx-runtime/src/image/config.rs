//! The few fields of an image config secctx uses. A tolerant reader: OCI and Docker configs
//! share these fields, and older Docker configs lack ones oci-spec requires.

use serde::{Deserialize, Serialize};

/// An image config (OCI `application/vnd.oci.image.config.v1+json` or Docker's).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ImageConfigFile {
    /// `config`.
    #[serde(default)]
    pub config: Option<RunConfig>,
}

/// `config.config`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RunConfig {
    /// `User`.
    #[serde(rename = "User", default)]
    pub user: Option<String>,
    /// `Env`.
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    /// `Entrypoint`.
    #[serde(rename = "Entrypoint", default)]
    pub entrypoint: Option<Vec<String>>,
    /// `Cmd`.
    #[serde(rename = "Cmd", default)]
    pub cmd: Option<Vec<String>>,
    /// `WorkingDir`.
    #[serde(rename = "WorkingDir", default)]
    pub working_dir: Option<String>,
}
