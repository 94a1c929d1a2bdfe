//! What `check` needs besides the objects: the default policy, the default namespace, the
//! exemptions and the requesting user.

use super::repo_config::RepoConfig;
use crate::pss::config::PodSecurityExemptions;
use crate::pss::{Level, LevelVersion, Policy, Version};
use crate::validate::ValidationOptions;

/// Options of [`super::check`].
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The policy of namespaces without `pod-security.kubernetes.io/*` labels, and the start of
    /// label resolution. Default: `restricted:latest` for enforce, audit and warn.
    pub default_policy: Policy,
    /// The namespace of objects without `metadata.namespace`. Default `default`.
    pub default_namespace: String,
    /// Exemptions (PSA `PodSecurityConfiguration.exemptions`).
    pub exemptions: PodSecurityExemptions,
    /// The requesting user, compared with `exemptions.usernames` (empty never matches).
    pub username: String,
    /// API validation knobs.
    pub validation: ValidationOptions,
    /// The repository configuration (`.secctx.yaml`): per-namespace and per-path levels and
    /// suppressions. Its `level`/`version`/`failOn` are the caller's to apply.
    pub repo: RepoConfig,
}

impl CheckOptions {
    /// Options with every mode of the default policy at `lv`.
    pub fn at(lv: LevelVersion) -> CheckOptions {
        CheckOptions {
            default_policy: Policy {
                enforce: lv,
                audit: lv,
                warn: lv,
            },
            ..CheckOptions::default()
        }
    }
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        let lv = LevelVersion::new(Level::Restricted, Version::Latest);
        CheckOptions {
            default_policy: Policy {
                enforce: lv,
                audit: lv,
                warn: lv,
            },
            default_namespace: "default".to_owned(),
            exemptions: PodSecurityExemptions::default(),
            username: String::new(),
            validation: ValidationOptions::default(),
            repo: RepoConfig::default(),
        }
    }
}
