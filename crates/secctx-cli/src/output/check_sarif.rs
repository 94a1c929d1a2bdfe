//! `secctx check -o sarif`: SARIF 2.1.0. One result per validation error, per failed check
//! (located at its first offending field, every field listed as a location) and per input
//! error; every result has a region with `startLine` and `startColumn` (at least 1). A
//! suppressed finding is still a result, with SARIF `suppressions`.

use secctx_core::check::{FieldFinding, Mode, ObjectResult, SuppressedBy, Suppression};
use secctx_core::load::LoadError;
use secctx_core::pss::checks::ALL_CHECKS;
use secctx_core::yaml::Pos;
use serde_json::{Value, json};

use super::check_sink::{PrettyArray, Sink, Stdout, split_at_array};

/// The SARIF schema URI.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

const VALIDATION_RULE: &str = "api-validation";
const NAMESPACE_RULE: &str = "namespace-labels";
const INPUT_RULE: &str = "input-error";

/// A file name as a relative URI reference (`%`, space and `#`/`?` escaped).
fn uri(file: &str) -> String {
    let mut s = String::with_capacity(file.len());
    for c in file.chars() {
        match c {
            '%' => s.push_str("%25"),
            ' ' => s.push_str("%20"),
            '#' => s.push_str("%23"),
            '?' => s.push_str("%3F"),
            '\\' => s.push('/'),
            c => s.push(c),
        }
    }
    s
}

fn location(file: &str, pos: Pos, field: Option<&FieldFinding>) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri(file)},
            "region": {"startLine": pos.line.max(1), "startColumn": pos.column.max(1)},
        }
    });
    if let Some(f) = field {
        loc["logicalLocations"] = json!([{"fullyQualifiedName": f.path, "kind": "member"}]);
    }
    loc
}

fn object_props(o: &ObjectResult) -> Value {
    let mut props = json!({
        "kind": o.kind,
        "name": o.name,
        "namespace": o.namespace,
        "template": o.template,
        "mode": o.mode.map(|m| m.as_str()),
        "policy": o.level_version.map(|lv| lv.to_string()),
    });
    if let Some(src) = &o.source {
        props["source"] = json!(src);
    }
    props
}

/// SARIF `suppressions`: an annotation on the object is `inSource`, a rule of the repository
/// configuration `external` (located at the configuration file).
fn suppressions(s: &Suppression) -> Value {
    match &s.by {
        SuppressedBy::Annotation(key) => json!([{
            "kind": "inSource",
            "status": "accepted",
            "justification": s.reason,
            "properties": {"annotation": key},
        }]),
        SuppressedBy::Config { file, index } => json!([{
            "kind": "external",
            "status": "accepted",
            "justification": s.reason,
            "location": {"physicalLocation": {"artifactLocation": {"uri": uri(file)}}},
            "properties": {"rule": format!("suppressions[{index}]")},
        }]),
    }
}

fn results_of(o: &ObjectResult, out: &mut Vec<Value>) {
    let file = &*o.file;
    let rule = if o.kind == "Namespace" {
        NAMESPACE_RULE
    } else {
        VALIDATION_RULE
    };
    for v in &o.validation {
        out.push(json!({
            "ruleId": rule,
            "level": "error",
            "message": {"text": format!("{} {:?}: {}", o.kind, o.name, v.message)},
            "locations": [location(file, v.field.pos, Some(&v.field))],
            "properties": object_props(o),
        }));
    }
    let level = if o.mode == Some(Mode::Enforce) {
        "error"
    } else {
        "warning"
    };
    let lv = o.level_version.map(|lv| lv.to_string()).unwrap_or_default();
    for v in &o.violations {
        let text = if v.detail.is_empty() {
            v.reason.clone()
        } else {
            format!("{} ({})", v.reason, v.detail)
        };
        let locations: Vec<Value> = if v.fields.is_empty() {
            vec![location(file, o.pos, None)]
        } else {
            v.fields
                .iter()
                .map(|f| location(file, f.pos, Some(f)))
                .collect()
        };
        let mut props = object_props(o);
        props["containers"] = json!(v.containers);
        let mut result = json!({
            "ruleId": v.check,
            "level": level,
            "message": {"text": format!(
                "{} {:?} {} PodSecurity {:?}: {text}",
                o.kind,
                o.name,
                if o.mode == Some(Mode::Enforce) { "violates" } else { "would violate" },
                lv,
            )},
            "locations": locations,
            "properties": props,
        });
        if let Some(s) = &v.suppressed {
            result["suppressions"] = suppressions(s);
        }
        out.push(result);
    }
}

fn rules() -> Vec<Value> {
    let mut rules: Vec<Value> = ALL_CHECKS
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.id,
                "shortDescription": {"text": format!("Pod Security Standards {} check {}", c.level, c.id)},
                "helpUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
            })
        })
        .collect();
    for (id, text) in [
        (VALIDATION_RULE, "API server validation of security fields"),
        (
            NAMESPACE_RULE,
            "Invalid pod-security.kubernetes.io namespace labels",
        ),
        (INPUT_RULE, "An input could not be read or loaded"),
    ] {
        rules.push(json!({"id": id, "name": id, "shortDescription": {"text": text}}));
    }
    rules
}

fn input_error(e: &LoadError) -> Value {
    json!({
        "ruleId": INPUT_RULE,
        "level": "error",
        "message": {"text": match &e.field {
            Some(f) => format!("{f}: {}", e.message),
            None => e.message.clone(),
        }},
        "locations": [location(&e.file, e.pos, None)],
    })
}

/// The document with no results.
fn skeleton() -> String {
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "secctx",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": [],
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// One SARIF run written as objects are judged: a result per finding, then one per input error.
pub struct SarifSink {
    out: Stdout,
    results: PrettyArray,
    buf: Vec<Value>,
}

impl SarifSink {
    /// Starts the document.
    pub fn start() -> anyhow::Result<Self> {
        let mut out = Stdout::default();
        out.write(split_at_array(&skeleton(), "results").0)?;
        Ok(SarifSink {
            out,
            results: PrettyArray::new(8),
            buf: Vec::new(),
        })
    }

    /// Ends the run with the input errors.
    pub fn finish(mut self, errors: &[LoadError]) -> anyhow::Result<()> {
        for e in errors {
            self.results.push(&mut self.out, &input_error(e))?;
        }
        self.results.close(&mut self.out)?;
        self.out.write(split_at_array(&skeleton(), "results").1)?;
        self.out.flush()
    }
}

impl Sink for SarifSink {
    fn object(&mut self, o: &ObjectResult) -> anyhow::Result<()> {
        self.buf.clear();
        results_of(o, &mut self.buf);
        for r in &self.buf {
            self.results.push(&mut self.out, r)?;
        }
        Ok(())
    }
}
