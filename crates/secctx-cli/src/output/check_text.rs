//! `secctx check` as text. Validation errors: the API server's message, then one line per
//! field. Pod Security: a header per object, then one finding per failed check with the
//! fields it names listed under it and a one-line remedy; suppressed findings last, one line
//! each (not with `--quiet`). `--summary` prints counts per check instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use secctx_core::check::{FieldFinding, Mode, ObjectResult, Severity, hint};
use secctx_core::fix::has_remedy;
use secctx_core::yaml::Pos;

/// How to print.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Findings only: no suppressed findings.
    pub quiet: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, word: &str) -> String {
        let code = match word {
            "error" => "1;31",
            "warning" => "1;33",
            _ => "1;36",
        };
        self.paint(code, word)
    }
}

fn at(file: &str, pos: Pos) -> String {
    format!("{file}:{}:{}", pos.line, pos.column)
}

fn object(o: &ObjectResult) -> String {
    if o.kind == "Namespace" {
        format!("Namespace {:?}", o.name)
    } else {
        let mut s = format!("{} {:?} (namespace {:?}", o.kind, o.name, o.namespace);
        if let Some(src) = &o.source {
            let _ = write!(s, ", template {src}");
        }
        s.push(')');
        s
    }
}

fn field_line(out: &mut String, file: &str, f: &FieldFinding, text: &str) {
    let _ = writeln!(out, "  {}: {}: {text}", at(file, f.pos), f.path);
}

fn finding_text(reason: &str, detail: &str) -> String {
    if detail.is_empty() {
        reason.to_owned()
    } else {
        format!("{reason} ({detail})")
    }
}

/// Renders one object's findings (nothing for an object without findings or suppressions).
pub fn render_object(out: &mut String, o: &ObjectResult, style: Style) {
    if !style.quiet {
        for n in &o.notes {
            let _ = writeln!(
                out,
                "{}: {}: {} {:?}: {n}",
                at(&o.file, o.pos),
                style.severity("note"),
                o.kind,
                o.name
            );
        }
    }
    let suppressed = o.suppressed();
    if !o.has_findings() && (suppressed == 0 || style.quiet) {
        return;
    }
    let file = &*o.file;
    if let Some(msg) = &o.validation_message {
        let _ = writeln!(
            out,
            "{}: {}: {msg}",
            at(file, o.pos),
            style.severity("error")
        );
        for v in &o.validation {
            let body = v
                .message
                .strip_prefix(&format!("{}: ", v.field.reported))
                .unwrap_or(&v.message);
            field_line(out, file, &v.field, body);
        }
    }
    if o.violations.is_empty() {
        return;
    }
    let active = o.active_violations().count();
    if active == 0 && style.quiet {
        return;
    }
    let sev = match (active, o.mode) {
        (0, _) => "note",
        (_, Some(Mode::Enforce)) => "error",
        _ => "warning",
    };
    let mode = o.mode.map_or("", |m| m.as_str());
    let verb = if o.mode == Some(Mode::Enforce) {
        "violates"
    } else {
        "would violate"
    };
    let lv = o.level_version.map(|lv| lv.to_string()).unwrap_or_default();
    let _ = writeln!(
        out,
        "{}: {}: {} [{mode}{}]: {verb} PodSecurity {lv:?}",
        at(file, o.pos),
        style.severity(sev),
        object(o),
        if o.template { ", pod template" } else { "" },
    );
    for v in o.active_violations() {
        let _ = writeln!(
            out,
            "  {}: {}",
            style.paint("1", v.check),
            finding_text(&v.reason, &v.detail)
        );
        if v.fields.is_empty() {
            let _ = writeln!(out, "    {}: (the object)", at(file, o.pos));
        }
        for f in &v.fields {
            let missing = if f.present { "" } else { " (not written)" };
            let _ = writeln!(out, "    {}: {}{missing}", at(file, f.pos), f.path);
        }
        if let Some(h) = hint(v.check) {
            let _ = writeln!(out, "    {} {h}", style.paint("36", "hint:"));
        }
    }
    if o.active_violations().any(|v| has_remedy(v.check))
        && let Some(lv) = o.level_version
    {
        let version = if lv.version.is_latest() {
            String::new()
        } else {
            format!(" --version {}", lv.version)
        };
        let _ = writeln!(
            out,
            "  {} secctx fix {} --level {}{version}",
            style.paint("36", "fix:"),
            shell_word(file),
            lv.level
        );
    }
    if !style.quiet {
        for v in o.violations.iter().filter(|v| v.suppressed.is_some()) {
            let s = v
                .suppressed
                .as_ref()
                .map(|s| (s.reason.as_str(), s.origin()));
            let (reason, origin) = s.unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {}: {reason:?} ({origin})",
                style.paint("2", "suppressed:"),
                v.check,
            );
        }
    }
}

/// `w` as one shell word: as is when plain, else single-quoted.
fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/=:+,@".contains(&b));
    if plain {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// What the summary line and `--summary` count, object by object as they are judged.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Objects judged.
    pub objects: usize,
    /// Objects with errors.
    pub errors: usize,
    /// Objects with warnings only.
    pub warnings: usize,
    /// Objects without findings.
    pub clean: usize,
    /// Objects exempt.
    pub exempt: usize,
    /// Suppressed findings.
    pub suppressed: usize,
    /// Per check (and API validation): objects with it as an error, as a warning, suppressed.
    rows: BTreeMap<&'static str, [usize; 3]>,
}

impl Tally {
    /// Counts one object.
    pub fn add(&mut self, o: &ObjectResult) {
        self.objects += 1;
        match o.severity() {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::None => self.clean += 1,
        }
        self.exempt += usize::from(o.exempt.is_some());
        self.suppressed += o.suppressed();
        if !o.validation.is_empty() {
            let rule = if o.kind == "Namespace" {
                "namespace-labels"
            } else {
                "api-validation"
            };
            self.rows.entry(rule).or_default()[0] += 1;
        }
        let col = if o.mode == Some(Mode::Enforce) { 0 } else { 1 };
        for v in &o.violations {
            let row = self.rows.entry(v.check).or_default();
            if v.suppressed.is_some() {
                row[2] += 1;
            } else {
                row[col] += 1;
            }
        }
    }
}

/// `--summary`: per check (and API validation), the objects with it as an error, as a
/// warning, and suppressed.
pub fn summary_table(tally: &Tally) -> String {
    let rows = &tally.rows;
    let width = rows.keys().map(|k| k.len()).max().unwrap_or(0).max(5);
    let mut out = format!("{:<width$}  errors  warnings  suppressed\n", "check");
    for (check, [e, w, s]) in rows {
        let _ = writeln!(out, "{check:<width$}  {e:>6}  {w:>8}  {s:>10}");
    }
    out
}

/// `checked N objects from M files: E with errors, W with warnings, C clean (X exempt)[, S
/// suppressed][, I input errors]`, with "object", "file" and "input error" in the singular
/// for one.
pub fn summary(tally: &Tally, files: usize, input_errors: usize) -> String {
    let mut s = format!(
        "checked {} from {}: {} with errors, {} with warnings, {} clean ({} exempt)",
        counted(tally.objects, "object"),
        counted(files, "file"),
        tally.errors,
        tally.warnings,
        tally.clean,
        tally.exempt,
    );
    if tally.suppressed > 0 {
        let _ = write!(s, ", {}", counted(tally.suppressed, "suppressed finding"));
    }
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
