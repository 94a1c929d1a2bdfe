//! `secctx check -o json`: the schema is documented in `docs/check-json.md`.

use secctx_core::check::{CheckReport, FieldFinding, ObjectResult, Suppression};
use secctx_core::load::{LoadError, Loaded};
use secctx_core::pss::Policy;
use serde_json::{Value, json};

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

/// The objects, turned into JSON one at a time while serializing (100,000 objects as one
/// `Value` tree would take gigabytes).
struct Objects<'a>(&'a [ObjectResult]);

impl serde::Serialize for Objects<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for o in self.0 {
            seq.serialize_element(&object(o))?;
        }
        seq.end()
    }
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

/// Renders the report, the load errors and skipped kinds, and a summary.
pub fn render(report: &CheckReport, loaded: &Loaded, stats: &InputStats<'_>) -> String {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Doc<'a> {
        schema: &'static str,
        objects: Objects<'a>,
        errors: Vec<Value>,
        skipped: &'a std::collections::BTreeMap<String, usize>,
        skipped_files: &'a [String],
        summary: Value,
    }
    let (files, bytes) = (stats.files, stats.bytes);
    let doc = Doc {
        schema: SCHEMA,
        objects: Objects(&report.objects),
        errors: loaded.errors.iter().map(error).collect(),
        skipped: &loaded.skipped,
        skipped_files: stats.without_objects,
        summary: json!({
            "objects": report.objects.len(),
            "errors": report.errors(),
            "warnings": report.warnings(),
            "clean": report.clean(),
            "exempt": report.objects.iter().filter(|o| o.exempt.is_some()).count(),
            "suppressed": report.suppressed(),
            "excluded": stats.excluded,
            "inputErrors": loaded.errors.len(),
            "files": files,
            "bytes": bytes,
        }),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
