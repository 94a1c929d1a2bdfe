//! `secctx fix` text report (stderr): per object that needed edits, what was changed and why,
//! what needs a choice (and the flag), what cannot be fixed (and why, and where), then what
//! remains and a summary.

use std::fmt::Write;

use secctx_core::fix::Class;
use secctx_core::pss::LevelVersion;
use serde_json::Value as Json;

use super::check_text::counted;
use super::fix_report::{FileFix, counts, status_word};

fn value(v: Option<&Json>, none: &str) -> String {
    v.map_or_else(|| none.to_owned(), |v| v.to_string())
}

/// Renders the report.
pub fn render(files: &[FileFix], errors: &[String], lv: LevelVersion, write: bool) -> String {
    let mut s = String::new();
    for f in files {
        for o in &f.objects {
            if o.fix.remedies.is_empty() && o.fix.remaining.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "{}:{}: {} {}: {} for {lv}",
                o.file,
                o.pos,
                o.kind,
                o.name,
                status_word(o.fix.status)
            );
            for p in &o.fix.remedies {
                let r = &p.remedy;
                let field = o.field(&r.field);
                let change = format!(
                    "{field}: {} → {}",
                    value(r.old.as_ref(), "(unset)"),
                    value(r.new.as_ref(), "(removed)")
                );
                let (head, line) = match (&r.class, p.applied) {
                    (Class::Safe, _) => ("changed     ", change),
                    (Class::Choice { needs }, true) => (
                        "changed     ",
                        format!("{change}  (allowed: {})", flags(needs)),
                    ),
                    (Class::Choice { needs }, false) => (
                        "needs choice",
                        format!("{change}  (--allow {})", flags(needs)),
                    ),
                    (Class::NotFixable { .. }, _) => {
                        ("not fixable ", format!("{field} at {}:{}", o.file, p.pos))
                    }
                };
                let _ = writeln!(s, "  {head} {line}");
                let _ = writeln!(s, "               {}: {}", r.check, r.why);
            }
            for r in &o.fix.remaining {
                let _ = writeln!(s, "  remains      {}: {}", r.check, r.message);
            }
        }
        for n in &f.notes {
            let _ = writeln!(s, "note: {n}");
        }
    }
    for e in errors.iter().chain(files.iter().flat_map(|f| &f.errors)) {
        let _ = writeln!(s, "error: {e}");
    }
    let (fixed, partly, unchanged, passing) = counts(files);
    let objects = fixed + partly + unchanged + passing;
    let changed = files.iter().filter(|f| f.changed).count();
    let _ = writeln!(
        s,
        "fix {lv}: {} in {}: {fixed} fixed, {partly} partly fixed, {unchanged} not fixed, {passing} passing already; {} changed{}",
        counted(objects, "object"),
        counted(files.len(), "file"),
        counted(changed, "file"),
        match (changed, write) {
            (0, _) => "",
            (_, true) => " (written)",
            (_, false) => " (diff on stdout; --write to apply)",
        }
    );
    s
}

fn flags(needs: &[secctx_core::fix::Allow]) -> String {
    needs
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(" --allow ")
}
