//! `secctx fix -o json`: the same data as the text report, with each file's diff.

use secctx_core::fix::Class;
use secctx_core::pss::LevelVersion;
use serde_json::{Value as Json, json};

use super::fix_report::{FileFix, counts};

/// Renders the report as one JSON document (pretty, newline-terminated).
pub fn render(files: &[FileFix], errors: &[String], lv: LevelVersion) -> anyhow::Result<String> {
    let files_json: Vec<Json> = files
        .iter()
        .map(|f| {
            let objects: Vec<Json> = f
                .objects
                .iter()
                .map(|o| {
                    let remedies: Vec<Json> = o
                        .fix
                        .remedies
                        .iter()
                        .map(|p| {
                            let r = &p.remedy;
                            let mut m = json!({
                                "check": r.check,
                                "field": o.field(&r.field),
                                "old": r.old,
                                "new": r.new,
                                "why": r.why,
                                "applied": p.applied,
                                "line": p.pos.line,
                                "column": p.pos.column,
                            });
                            let (class, extra) = match &r.class {
                                Class::Safe => ("safe", None),
                                Class::Choice { needs } => (
                                    "choice",
                                    Some((
                                        "allow",
                                        json!(needs.iter().map(|a| a.name()).collect::<Vec<_>>()),
                                    )),
                                ),
                                Class::NotFixable { reason } => {
                                    ("notFixable", Some(("reason", json!(reason))))
                                }
                            };
                            m["class"] = json!(class);
                            if let Some((k, v)) = extra {
                                m[k] = v;
                            }
                            m
                        })
                        .collect();
                    json!({
                        "kind": o.kind,
                        "name": o.name,
                        "line": o.pos.line,
                        "column": o.pos.column,
                        "status": o.fix.status,
                        "remedies": remedies,
                        "remaining": o.fix.remaining,
                    })
                })
                .collect();
            json!({
                "file": f.file,
                "changed": f.changed,
                "written": f.written,
                "diff": f.diff,
                "notes": f.notes,
                "errors": f.errors,
                "objects": objects,
            })
        })
        .collect();
    let (fixed, partly, unchanged, passing) = counts(files);
    let doc = json!({
        "levelVersion": lv.to_string(),
        "files": files_json,
        "errors": errors,
        "summary": {
            "objects": fixed + partly + unchanged + passing,
            "fixed": fixed,
            "partly": partly,
            "unchanged": unchanged,
            "passing": passing,
            "filesChanged": files.iter().filter(|f| f.changed).count(),
        },
    });
    let mut s = serde_json::to_string_pretty(&doc)?;
    s.push('\n');
    Ok(s)
}
