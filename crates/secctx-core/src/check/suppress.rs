//! Suppressions: a finding of a named check on one object, set aside with a reason — by an
//! annotation on the object or by a rule of the repository configuration. A suppressed
//! finding is still reported (JSON `suppressed`, SARIF `suppressions`), but no longer counts
//! toward the object's severity or the exit code.
//!
//! The annotation is `secctx.io/ignore-check.<check ID>: "<reason>"`, on the object's metadata
//! or on its pod template's (kube-linter's `ignore-check.kube-linter.io/<check>` does the
//! same). An empty reason suppresses nothing. Only Pod Security findings can be suppressed:
//! the API server rejects an object with validation errors whatever a linter is told.

use std::collections::BTreeMap;

use super::repo_config::{RepoConfig, is_check_id};
use super::result::ObjectResult;

/// The annotation prefix; the check ID follows.
pub const ANNOTATION_PREFIX: &str = "secctx.io/ignore-check.";

/// Who suppressed a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuppressedBy {
    /// An annotation on the object (its full key).
    Annotation(String),
    /// A rule of the repository configuration: the file and the rule's index in
    /// `suppressions`.
    Config {
        /// The configuration file.
        file: String,
        /// The rule's index.
        index: usize,
    },
}

/// Why a finding is suppressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// Where the suppression is written.
    pub by: SuppressedBy,
    /// The reason given.
    pub reason: String,
}

impl Suppression {
    /// `annotation` or `config`.
    pub fn kind(&self) -> &'static str {
        match self.by {
            SuppressedBy::Annotation(_) => "annotation",
            SuppressedBy::Config { .. } => "config",
        }
    }

    /// `annotation secctx.io/ignore-check.x` or `.secctx.yaml suppressions[2]`.
    pub fn origin(&self) -> String {
        match &self.by {
            SuppressedBy::Annotation(key) => format!("annotation {key}"),
            SuppressedBy::Config { file, index } => format!("{file} suppressions[{index}]"),
        }
    }
}

/// Marks the violations of `result` that an annotation (in `annotations`, the object's then its
/// pod template's) or a rule of `config` suppresses. An annotation wins over a rule. An
/// annotation that names no check, or gives no reason, becomes a note on the result.
pub fn apply_suppressions(
    result: &mut ObjectResult,
    annotations: &[Option<&BTreeMap<String, String>>],
    config: &RepoConfig,
) {
    for (key, reason) in annotations.iter().flatten().flat_map(|a| a.iter()) {
        let Some(id) = key.strip_prefix(ANNOTATION_PREFIX) else {
            continue;
        };
        let note = if !is_check_id(id) {
            format!("annotation {key}: no such Pod Security check; nothing suppressed")
        } else if reason.trim().is_empty() {
            format!("annotation {key}: no reason given; nothing suppressed")
        } else {
            continue;
        };
        if !result.notes.contains(&note) {
            result.notes.push(note);
        }
    }
    for v in &mut result.violations {
        let key = format!("{ANNOTATION_PREFIX}{}", v.check);
        let by_annotation = annotations
            .iter()
            .flatten()
            .find_map(|a| a.get(&key).filter(|r| !r.trim().is_empty()));
        if let Some(reason) = by_annotation {
            v.suppressed = Some(Suppression {
                by: SuppressedBy::Annotation(key),
                reason: reason.clone(),
            });
            continue;
        }
        let rule = config.suppressions.iter().find(|r| {
            r.checks.iter().any(|c| c == v.check)
                && config.rule_matches(
                    r,
                    result.kind,
                    &result.name,
                    &result.namespace,
                    &result.file,
                )
        });
        if let Some(r) = rule {
            v.suppressed = Some(Suppression {
                by: SuppressedBy::Config {
                    file: config.file.clone(),
                    index: r.index,
                },
                reason: r.reason.clone(),
            });
        }
    }
}
