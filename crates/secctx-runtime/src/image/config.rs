//! The few fields of an image config secctx uses. A tolerant reader: OCI and Docker configs
//! share these fields, and older Docker configs lack ones oci-spec requires.

use serde::{Deserialize, Serialize};

/// An image config (OCI `application/vnd.oci.image.config.v1+json` or Docker's).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ImageConfigFile {
    /// `config`.
    #[serde(default)]
    pub config: Option<RunConfig>,
    /// `rootfs`: the layers' uncompressed digests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rootfs: Option<RootFs>,
}

/// `rootfs` of an image config.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RootFs {
    /// `type` (`layers`).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `diff_ids`: the sha256 of each layer's uncompressed tar stream, lowest first.
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

impl ImageConfigFile {
    /// The diff_ids, checked: `rootfs.type` is `layers`, one `sha256:<hex>` per layer.
    pub fn diff_ids(&self, layers: usize) -> Result<Vec<String>, String> {
        let Some(r) = &self.rootfs else {
            return Err(format!(
                "the config has no rootfs.diff_ids (the image has {layers} layers)"
            ));
        };
        if r.kind != "layers" {
            return Err(format!(
                "the config's rootfs.type is {:?}, not \"layers\"",
                r.kind
            ));
        }
        if r.diff_ids.len() != layers {
            return Err(format!(
                "the config lists {} diff_ids for {layers} layers",
                r.diff_ids.len()
            ));
        }
        for d in &r.diff_ids {
            super::manifest::check_digest(d).map_err(|e| format!("rootfs.diff_ids: {e}"))?;
        }
        Ok(r.diff_ids.clone())
    }
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
