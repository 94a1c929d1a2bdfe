//! `secctx check -o json`: the schema is documented in `docs/check-json.md`.

use std::collections::BTreeMap;

use secctx_core::check::{FieldFinding, ObjectResult, Suppression};
use secctx_core::load::LoadError;
use secctx_core::pss::Policy;
use serde_json::{Value, json};

use super::check_sink::{PrettyArray, Sink, Stdout, split_at_array};
use super::check_text::Tally;

/// The version of the JSON document.
pub const SCHEMA: &str = "secctx.check/v1";

/// A field finding (`path`, `reported`, position, `present`), as `check` and `--suggest` print it.
pub(crate) fn field(f: &FieldFinding) -> Value {
    json!({
        "path": f.path,
        "reported": f.reported,
        "line": f.pos.line,
        "column": f.pos.column,
        "present": f.present,
    })
}

/// A namespace policy as its three modes.
pub(crate) fn policy(p: &Policy) -> Value {
    json!({
        "enforce": p.enforce.to_string(),
        "audit": p.audit.to_string(),
        "warn": p.warn.to_string(),
    })
}

fn suppression(s: &Suppression) -> Value {
    json!({
        "kind": s.kind(),
        "origin": s.origin(),
        "reason": s.reason,
    })
}

fn object(o: &ObjectResult) -> Value {
    json!({
        "kind": o.kind,
        "name": o.name,
        "namespace": o.namespace,
        "file": &*o.file,
        "line": o.pos.line,
        "column": o.pos.column,
        "template": o.template,
        "policy": o.policy.as_ref().map(policy),
        "mode": o.mode.map(|m| m.as_str()),
        "level": o.level_version.map(|lv| lv.level.as_str()),
        "version": o.level_version.map(|lv| lv.version.to_string()),
        "allowed": o.allowed,
        "severity": o.severity().as_str(),
        "exempt": o.exempt.map(|e| e.as_str()),
        "validation": {
            "message": o.validation_message,
            "errors": o.validation.iter().map(|v| json!({
                "message": v.message,
                "field": field(&v.field),
            })).collect::<Vec<_>>(),
        },
        "violations": o.violations.iter().map(|v| json!({
            "check": v.check,
            "reason": v.reason,
            "detail": v.detail,
            "containers": v.containers,
            "fields": v.fields.iter().map(field).collect::<Vec<_>>(),
            "suppressed": v.suppressed.as_ref().map(suppression),
        })).collect::<Vec<_>>(),
        "message": o.message,
        "forbiddenMessage": o.forbidden_message,
        "source": o.source,
        "notes": o.notes,
    })
}

/// A load error as JSON.
pub fn error(e: &LoadError) -> Value {
    json!({
        "file": &*e.file,
        "line": e.pos.line,
        "column": e.pos.column,
        "field": e.field,
        "message": e.message,
    })
}

/// What was read besides the objects.
pub struct InputStats<'a> {
    /// Files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Files without Kubernetes objects, left out.
    pub without_objects: &'a [String],
    /// Files and directories left out by `--exclude` and `ignore`.
    pub excluded: usize,
}

/// The document with no objects: everything but them.
fn skeleton(
    tally: &Tally,
    errors: &[LoadError],
    skipped: &BTreeMap<String, usize>,
    stats: &InputStats<'_>,
) -> String {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Doc<'a> {
        schema: &'static str,
        objects: [(); 0],
        errors: Vec<Value>,
        skipped: &'a BTreeMap<String, usize>,
        skipped_files: &'a [String],
        summary: Value,
    }
    let doc = Doc {
        schema: SCHEMA,
        objects: [],
        errors: errors.iter().map(error).collect(),
        skipped,
        skipped_files: stats.without_objects,
        summary: json!({
            "objects": tally.objects,
            "errors": tally.errors,
            "warnings": tally.warnings,
            "clean": tally.clean,
            "exempt": tally.exempt,
            "suppressed": tally.suppressed,
            "excluded": stats.excluded,
            "inputErrors": errors.len(),
            "files": stats.files,
            "bytes": stats.bytes,
        }),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// `-o json` written as objects are judged: the objects first, then the input errors, the
/// skipped kinds and files, and the summary.
pub struct JsonSink {
    out: Stdout,
    objects: PrettyArray,
}

impl JsonSink {
    /// Starts the document.
    pub fn start() -> anyhow::Result<Self> {
        let mut out = Stdout::default();
        let empty = InputStats {
            files: 0,
            bytes: 0,
            without_objects: &[],
            excluded: 0,
        };
        let doc = skeleton(&Tally::default(), &[], &BTreeMap::new(), &empty);
        out.write(split_at_array(&doc, "objects").0)?;
        Ok(JsonSink {
            out,
            objects: PrettyArray::new(4),
        })
    }

    /// Ends the document with the input errors, skipped kinds and the summary.
    pub fn finish(
        mut self,
        tally: &Tally,
        errors: &[LoadError],
        skipped: &BTreeMap<String, usize>,
        stats: &InputStats<'_>,
    ) -> anyhow::Result<()> {
        self.objects.close(&mut self.out)?;
        let doc = skeleton(tally, errors, skipped, stats);
        self.out.write(split_at_array(&doc, "objects").1)?;
        self.out.flush()
    }
}

impl Sink for JsonSink {
    fn object(&mut self, o: &ObjectResult) -> anyhow::Result<()> {
        self.objects.push(&mut self.out, &object(o))
    }
}
