//! The repository configuration, `.secctx.yaml`: default level and version, levels per
//! namespace and per path, ignored paths, suppressions and what fails the run.
//!
//! ```yaml
//! level: restricted          # default level of every mode (as --level)
//! version: v1.30             # default version (as --version)
//! failOn: warning            # error | warning | never (as --fail-on)
//! strictFiles: false         # a file without Kubernetes objects is an error (as --strict-files)
//! ignore: [charts/**/tests]  # globs, relative to this file's directory
//! namespaces:                # default level where no Namespace object's labels say
//!   kube-system: {level: privileged}
//! paths:                     # the first matching entry wins over `namespaces`
//!   - {path: legacy/**, level: baseline, version: v1.25}
//! suppressions:
//!   - checks: [runAsNonRoot]
//!     reason: the image runs as uid 1000      # required
//!     kind: Deployment                        # optional filters, all must match;
//!     name: web-*                             # `*` and `?` wildcards in kind, name, namespace
//!     namespace: shop
//!     path: apps/**                           # a glob, relative to this file's directory
//! ```
//!
//! Unknown keys, unknown check IDs, bad globs and suppressions without a reason are errors
//! with the key's position: a typo must not silently widen or narrow what is judged.
//! Parsing is pure; finding and reading the file is the CLI's job.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::fail_on::FailOn;
use super::glob::{Glob, segment_matches};
use crate::path::FieldPath;
use crate::pss::checks::ALL_CHECKS;
use crate::pss::{Level, Policy, Version};
use crate::yaml::{self, Pos};

/// The configuration file's name, looked for in the inputs' directory and its parents.
pub const CONFIG_FILE_NAME: &str = ".secctx.yaml";

/// A level and/or version that replaces those of every mode of a default policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LevelPatch {
    /// The level, if set.
    pub level: Option<Level>,
    /// The version, if set.
    pub version: Option<Version>,
}

impl LevelPatch {
    /// `policy` with this patch applied to enforce, audit and warn.
    #[must_use]
    pub fn apply(&self, mut policy: Policy) -> Policy {
        policy.override_all(self.level, self.version);
        policy
    }
}

/// A level for the files under a glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathLevel {
    /// The files.
    pub path: Glob,
    /// Their level and version.
    pub patch: LevelPatch,
}

/// A suppression of named checks, with its reason and the objects it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressionRule {
    /// The check IDs (`runAsNonRoot`).
    pub checks: Vec<String>,
    /// Why (required, shown with every suppressed finding).
    pub reason: String,
    /// Kind pattern (`Deployment`, `*`).
    pub kind: Option<String>,
    /// Name pattern.
    pub name: Option<String>,
    /// Namespace pattern.
    pub namespace: Option<String>,
    /// Files (relative to the configuration's directory).
    pub path: Option<Glob>,
    /// The rule's index in `suppressions` (for the report).
    pub index: usize,
}

/// Where the configuration sits and where `check` runs, as absolute paths: file names of
/// inputs are made relative to the configuration's directory lexically with them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigBase {
    /// The configuration's directory (absolute).
    pub root: String,
    /// The working directory relative input names start from (absolute).
    pub cwd: String,
}

/// `.secctx.yaml`, parsed. The default value configures nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoConfig {
    /// The file it came from (for messages), empty when built in code.
    pub file: String,
    /// Where globs are anchored; `None`: path rules and ignores never match.
    pub base: Option<ConfigBase>,
    /// Default level and version.
    pub default: LevelPatch,
    /// `failOn`.
    pub fail_on: Option<FailOn>,
    /// `strictFiles`.
    pub strict_files: Option<bool>,
    /// `ignore`.
    pub ignore: Vec<Glob>,
    /// `namespaces`.
    pub namespaces: BTreeMap<String, LevelPatch>,
    /// `paths`, in order.
    pub paths: Vec<PathLevel>,
    /// `suppressions`, in order.
    pub suppressions: Vec<SuppressionRule>,
}

/// Why a configuration file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {}{message}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct ConfigError {
    /// Where (0:0 when the file as a whole is wrong).
    pub pos: Pos,
    /// The offending key, if known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Raw {
    level: Option<String>,
    version: Option<String>,
    fail_on: Option<String>,
    strict_files: Option<bool>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    namespaces: BTreeMap<String, RawPatch>,
    #[serde(default)]
    paths: Vec<RawPath>,
    #[serde(default)]
    suppressions: Vec<RawSuppression>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPatch {
    level: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    path: String,
    level: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    checks: Vec<String>,
    reason: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    path: Option<String>,
}

impl RepoConfig {
    /// Parses the text of a configuration file named `file`.
    pub fn parse(file: &str, text: &str) -> Result<RepoConfig, ConfigError> {
        let whole = |message: String| ConfigError {
            pos: Pos { line: 0, column: 0 },
            field: None,
            message,
        };
        let mut docs = yaml::parse_stream(text).into_iter();
        let root = match docs.next() {
            None => return Ok(RepoConfig::with_file(file)),
            Some(Err(e)) => {
                return Err(ConfigError {
                    pos: e.pos,
                    field: None,
                    message: e.message,
                });
            }
            Some(Ok(d)) => d.root,
        };
        if docs.next().is_some() {
            return Err(whole("one YAML document expected".into()));
        }
        if matches!(root.value, yaml::Value::Null) {
            return Ok(RepoConfig::with_file(file));
        }
        let json = root.to_json().map_err(|e| ConfigError {
            pos: e.pos,
            field: None,
            message: e.message,
        })?;
        let at = |path: &FieldPath, message: String| ConfigError {
            pos: root.locate(path).0,
            field: (!path.is_root()).then(|| path.to_string()),
            message,
        };
        let raw: Raw = serde_path_to_error::deserialize(json).map_err(|e| {
            let mut path = FieldPath::root();
            for seg in e.path().iter() {
                path = match seg {
                    serde_path_to_error::Segment::Seq { index } => path.index(*index),
                    serde_path_to_error::Segment::Map { key } => path.child(key),
                    _ => path,
                };
            }
            at(&path, e.into_inner().to_string())
        })?;
        let root_path = FieldPath::root();
        let mut cfg = RepoConfig::with_file(file);
        cfg.default = patch(&raw.level, &raw.version, &root_path, &at)?;
        if let Some(f) = &raw.fail_on {
            let p = root_path.child("failOn");
            cfg.fail_on = Some(f.parse().map_err(|e| at(&p, format!("{f:?}: {e}")))?);
        }
        cfg.strict_files = raw.strict_files;
        for (i, g) in raw.ignore.iter().enumerate() {
            let p = root_path.child("ignore").index(i);
            cfg.ignore
                .push(Glob::new(g).map_err(|e| at(&p, e.to_string()))?);
        }
        for (ns, rp) in &raw.namespaces {
            let p = root_path.child("namespaces").child(ns);
            cfg.namespaces
                .insert(ns.clone(), patch(&rp.level, &rp.version, &p, &at)?);
        }
        for (i, rp) in raw.paths.iter().enumerate() {
            let p = root_path.child("paths").index(i);
            cfg.paths.push(PathLevel {
                path: Glob::new(&rp.path).map_err(|e| at(&p.child("path"), e.to_string()))?,
                patch: patch(&rp.level, &rp.version, &p, &at)?,
            });
        }
        for (i, rs) in raw.suppressions.into_iter().enumerate() {
            let p = root_path.child("suppressions").index(i);
            if rs.checks.is_empty() {
                return Err(at(&p.child("checks"), "at least one check ID".into()));
            }
            for (j, c) in rs.checks.iter().enumerate() {
                if !is_check_id(c) {
                    return Err(at(
                        &p.child("checks").index(j),
                        format!(
                            "unknown check {c:?} (the Pod Security check IDs: {})",
                            check_ids()
                        ),
                    ));
                }
            }
            let reason = rs.reason.unwrap_or_default();
            if reason.trim().is_empty() {
                return Err(at(&p, "a suppression needs a reason".into()));
            }
            let path = match &rs.path {
                Some(g) => Some(Glob::new(g).map_err(|e| at(&p.child("path"), e.to_string()))?),
                None => None,
            };
            cfg.suppressions.push(SuppressionRule {
                checks: rs.checks,
                reason,
                kind: rs.kind,
                name: rs.name,
                namespace: rs.namespace,
                path,
                index: i,
            });
        }
        Ok(cfg)
    }

    fn with_file(file: &str) -> RepoConfig {
        RepoConfig {
            file: file.to_owned(),
            ..RepoConfig::default()
        }
    }

    /// `file` (an input name as given) relative to the configuration's directory, `/`-separated;
    /// `None` for standard input, without a base, or outside the directory.
    pub fn relative(&self, file: &str) -> Option<String> {
        let base = self.base.as_ref()?;
        if file == "-" {
            return None;
        }
        let abs = if file.starts_with('/') {
            normalize(file)
        } else {
            normalize(&format!("{}/{file}", base.cwd))
        };
        let root = normalize(&base.root);
        if root == "/" {
            return Some(abs.trim_start_matches('/').to_owned());
        }
        abs.strip_prefix(&root)
            .and_then(|r| r.strip_prefix('/'))
            .map(str::to_owned)
    }

    /// Whether `ignore` covers `file`.
    pub fn ignored(&self, file: &str) -> bool {
        !self.ignore.is_empty()
            && self
                .relative(file)
                .is_some_and(|r| self.ignore.iter().any(|g| g.matches(&r)))
    }

    /// The default policy of an object in `namespace` read from `file`: `base` with the
    /// namespace's entry, then the first matching path entry, applied.
    pub fn default_policy(&self, base: Policy, namespace: &str, file: &str) -> Policy {
        let mut policy = base;
        if let Some(p) = self.namespaces.get(namespace) {
            policy = p.apply(policy);
        }
        if !self.paths.is_empty()
            && let Some(rel) = self.relative(file)
            && let Some(p) = self.paths.iter().find(|p| p.path.matches(&rel))
        {
            policy = p.patch.apply(policy);
        }
        policy
    }

    /// Whether `rule` covers an object.
    pub fn rule_matches(
        &self,
        rule: &SuppressionRule,
        kind: &str,
        name: &str,
        namespace: &str,
        file: &str,
    ) -> bool {
        let pat = |p: &Option<String>, v: &str| p.as_deref().is_none_or(|p| segment_matches(p, v));
        pat(&rule.kind, kind)
            && pat(&rule.name, name)
            && pat(&rule.namespace, namespace)
            && rule
                .path
                .as_ref()
                .is_none_or(|g| self.relative(file).is_some_and(|r| g.matches(&r)))
    }
}

fn patch<E>(
    level: &Option<String>,
    version: &Option<String>,
    at_path: &FieldPath,
    at: &impl Fn(&FieldPath, String) -> E,
) -> Result<LevelPatch, E> {
    let level = match level {
        Some(l) => Some(
            l.parse::<Level>()
                .map_err(|e| at(&at_path.child("level"), format!("{l:?}: {e}")))?,
        ),
        None => None,
    };
    let version = match version {
        Some(v) => Some(
            v.parse::<Version>()
                .map_err(|e| at(&at_path.child("version"), format!("{v:?}: {e}")))?,
        ),
        None => None,
    };
    Ok(LevelPatch { level, version })
}

/// Whether `id` is a Pod Security check ID.
pub fn is_check_id(id: &str) -> bool {
    ALL_CHECKS.iter().any(|c| c.id == id)
}

fn check_ids() -> String {
    ALL_CHECKS
        .iter()
        .map(|c| c.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `/a/./b/../c` → `/a/c`, lexically.
fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}
