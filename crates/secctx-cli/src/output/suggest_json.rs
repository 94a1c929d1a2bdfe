//! `secctx check --suggest -o json`: the schema is documented in `docs/check.md`.

use secctx_core::check::suggest::{NamespaceSuggestion, SuggestReport};
use secctx_core::load::Loaded;
use secctx_core::pss::{Level, LevelVersion};
use serde_json::{Map, Value, json};

use super::check_json::{error, field, policy};

/// The version of the JSON document.
pub const SCHEMA: &str = "secctx.suggest/v1";

fn lv(l: LevelVersion) -> Value {
    json!({"level": l.level.as_str(), "version": l.version.to_string()})
}

fn namespace(n: &NamespaceSuggestion) -> Value {
    let labels: Map<String, Value> = n
        .labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(v.as_str())))
        .collect();
    let newest = |l: Level| n.passes.newest(l).map(|v| v.to_string());
    json!({
        "namespace": n.namespace,
        "workloads": n.workloads,
        "exempt": n.exempt,
        "declared": n.declared.as_ref().map(|(file, pos)| json!({
            "file": &**file, "line": pos.line, "column": pos.column,
        })),
        "current": policy(&n.current),
        "passes": {
            "baseline": newest(Level::Baseline),
            "restricted": newest(Level::Restricted),
        },
        "suggested": lv(n.decision.enforce),
        "pinned": n.decision.latest.is_some(),
        "labels": labels,
        "command": n.command(),
        "policy": policy(&n.policy),
        "stricter": n.stricter.iter().map(|s| {
            let mut t = lv(s.target);
            t["passesAt"] = json!(s.passes_at.map(|v| v.to_string()));
            t["blockers"] = s.blockers.iter().map(|b| json!({
                "kind": b.kind,
                "name": b.name,
                "file": &*b.file,
                "line": b.pos.line,
                "column": b.pos.column,
                "message": b.message,
                "violations": b.violations.iter().map(|v| json!({
                    "check": v.check,
                    "reason": v.reason,
                    "detail": v.detail,
                    "containers": v.containers,
                    "fields": v.fields.iter().map(field).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect();
            t
        }).collect::<Vec<_>>(),
    })
}

/// Renders the suggestions, the load errors and a summary.
pub fn render(report: &SuggestReport, loaded: &Loaded, files: usize) -> String {
    let count = |l: Level| {
        report
            .namespaces
            .iter()
            .filter(|n| n.decision.enforce.level == l)
            .count()
    };
    let doc = json!({
        "schema": SCHEMA,
        "namespaces": report.namespaces.iter().map(namespace).collect::<Vec<_>>(),
        "errors": loaded.errors.iter().map(error).collect::<Vec<_>>(),
        "summary": {
            "namespaces": report.namespaces.len(),
            "workloads": report.namespaces.iter().map(|n| n.workloads).sum::<usize>(),
            "restricted": count(Level::Restricted),
            "baseline": count(Level::Baseline),
            "privileged": count(Level::Privileged),
            "pinned": report.namespaces.iter().filter(|n| n.decision.latest.is_some()).count(),
            "inputErrors": loaded.errors.len(),
            "files": files,
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
