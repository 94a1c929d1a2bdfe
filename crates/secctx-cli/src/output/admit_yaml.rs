//! Admitted manifests as YAML (`secctx admit -o yaml`): block style, strings double-quoted
//! (JSON string syntax is YAML's double-quoted scalar), so `| secctx run -` reads them back.

use serde_json::Value as Json;

fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
        && !k.starts_with(['-', '.'])
        && k.parse::<f64>().is_err()
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "~"
        );
    if plain {
        k.to_string()
    } else {
        Json::String(k.into()).to_string()
    }
}

fn scalar(v: &Json) -> String {
    match v {
        Json::Object(o) if o.is_empty() => "{}".into(),
        Json::Array(a) if a.is_empty() => "[]".into(),
        other => other.to_string(),
    }
}

fn is_block(v: &Json) -> bool {
    matches!(v, Json::Object(o) if !o.is_empty()) || matches!(v, Json::Array(a) if !a.is_empty())
}

fn emit(v: &Json, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Json::Object(o) if !o.is_empty() => {
            for (k, val) in o {
                if is_block(val) {
                    out.push_str(&format!("{pad}{}:\n", key(k)));
                    let child = if val.is_array() { indent } else { indent + 2 };
                    emit(val, child, out);
                } else {
                    out.push_str(&format!("{pad}{}: {}\n", key(k), scalar(val)));
                }
            }
        }
        Json::Array(a) if !a.is_empty() => {
            for item in a {
                if is_block(item) {
                    // The first line of the item goes after "- ", the rest indented under it.
                    let mut inner = String::new();
                    emit(item, indent + 2, &mut inner);
                    let trimmed = &inner[indent + 2..];
                    out.push_str(&format!("{pad}- {trimmed}"));
                } else {
                    out.push_str(&format!("{pad}- {}\n", scalar(item)));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// One YAML document per object, each starting with `---`.
pub fn render(objects: &[Json]) -> String {
    let mut out = String::new();
    for o in objects {
        out.push_str("---\n");
        emit(o, 0, &mut out);
    }
    out
}
