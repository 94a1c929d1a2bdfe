//! `secctx admit` as text: per object, the chosen SCC, the ones passed over with their errors,
//! every field admission set and where its value came from, then Pod Security's verdict.

use crate::commands::admit::AdmitResult;

/// The report.
pub fn render(results: &[AdmitResult]) -> String {
    let mut out = String::new();
    for r in results {
        let d = &r.decision;
        let head = format!("{} {} {}/{}", r.location, r.kind, r.namespace, r.name);
        if let Some(why) = d.ignored {
            out.push_str(&format!("{head}: not handled ({why})\n\n"));
            continue;
        }
        match (&d.chosen, &d.denied) {
            (Some((scc, subject)), _) => out.push_str(&format!(
                "{head}: admitted by SCC {scc} (usable by the {})\n",
                match subject {
                    secctx_core::admission::authz::Subject::ServiceAccount =>
                        "pod's service account",
                    secctx_core::admission::authz::Subject::User => "requesting user",
                }
            )),
            (None, Some(msg)) => out.push_str(&format!("{head}: denied\n  {msg}\n")),
            (None, None) => out.push_str(&format!("{head}: no decision\n")),
        }
        for p in &d.passed_over {
            out.push_str(&format!("  passed over {}:\n", p.scc));
            for e in p.errors.iter() {
                out.push_str(&format!("    {e}\n"));
            }
        }
        for c in &r.changes {
            out.push_str(&format!(
                "  set {}: unset -> {} <- from {}\n",
                c.path, c.value, c.source
            ));
        }
        if let Some(psa) = &r.psa {
            let verdict = if r.psa_allowed {
                ""
            } else {
                " (the API server rejects the pod)"
            };
            out.push_str(&format!("  Pod Security after admission: {psa}{verdict}\n"));
        }
        out.push('\n');
    }
    let admitted = results
        .iter()
        .filter(|r| r.decision.denied.is_none())
        .count();
    let changed = results
        .iter()
        .filter(|r| r.decision.denied.is_none() && !r.patch.is_empty())
        .count();
    out.push_str(&format!(
        "{} object(s): {admitted} admitted ({changed} with changes), {} denied\n",
        results.len(),
        results.len() - admitted
    ));
    out
}
