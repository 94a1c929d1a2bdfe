//! `secctx check` as text: one line per finding, `file:line:column: severity: ...`, then the
//! offending fields indented below it.

use std::fmt::Write as _;

use secctx_core::check::{CheckReport, FieldFinding, Mode, ObjectResult};
use secctx_core::yaml::Pos;

fn at(file: &str, pos: Pos) -> String {
    format!("{file}:{}:{}", pos.line, pos.column)
}

fn object(o: &ObjectResult) -> String {
    if o.kind == "Namespace" {
        format!("Namespace {:?}", o.name)
    } else {
        format!("{} {:?} (namespace {:?})", o.kind, o.name, o.namespace)
    }
}

fn field_line(out: &mut String, file: &str, f: &FieldFinding, text: &str) {
    let _ = writeln!(out, "  {}: {}: {text}", at(file, f.pos), f.path);
}

/// Renders one object's findings (nothing for an object without findings).
pub fn render_object(out: &mut String, o: &ObjectResult) {
    if !o.has_findings() {
        return;
    }
    let file = &*o.file;
    if let Some(msg) = &o.validation_message {
        let _ = writeln!(out, "{}: error: {msg}", at(file, o.pos));
        for v in &o.validation {
            let body = v
                .message
                .strip_prefix(&format!("{}: ", v.field.reported))
                .unwrap_or(&v.message);
            field_line(out, file, &v.field, body);
        }
    }
    if let Some(msg) = &o.message {
        let sev = if o.mode == Some(Mode::Enforce) {
            "error"
        } else {
            "warning"
        };
        let mode = o.mode.map_or("", |m| m.as_str());
        let _ = writeln!(
            out,
            "{}: {sev}: {} [{mode}{}]: {msg}",
            at(file, o.pos),
            object(o),
            if o.template { ", pod template" } else { "" }
        );
        for v in &o.violations {
            let text = if v.detail.is_empty() {
                v.reason.clone()
            } else {
                format!("{} ({})", v.reason, v.detail)
            };
            if v.fields.is_empty() {
                let _ = writeln!(out, "  {}: {text}", at(file, o.pos));
            }
            for f in &v.fields {
                field_line(out, file, f, &text);
            }
        }
    }
}

/// Renders every finding.
pub fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    for o in &report.objects {
        render_object(&mut out, o);
    }
    out
}

/// `checked N objects from M files: E with errors, W with warnings, C clean (X exempt)[, I input
/// errors]`, with "object", "file" and "input error" in the singular for one.
pub fn summary(report: &CheckReport, files: usize, input_errors: usize) -> String {
    let exempt = report.objects.iter().filter(|o| o.exempt.is_some()).count();
    let mut s = format!(
        "checked {} from {}: {} with errors, {} with warnings, {} clean ({} exempt)",
        counted(report.objects.len(), "object"),
        counted(files, "file"),
        report.errors(),
        report.warnings(),
        report.clean(),
        exempt,
    );
    if input_errors > 0 {
        let _ = write!(s, ", {}", counted(input_errors, "input error"));
    }
    s
}

/// `1 object`, `2 objects`.
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
