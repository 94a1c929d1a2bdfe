//! The `config.json` text: runtime-spec's (Go) top-level key order, the exact capability
//! lists and seccomp object containerd writes, and sorted `annotations` / `linux.sysctl` /
//! `linux.resources.unified`.

use serde_json::{Map, Value};

use super::Rendered;

/// runtime-spec's `Spec` fields in Go declaration order.
const TOP_LEVEL: [&str; 9] = [
    "ociVersion",
    "process",
    "root",
    "hostname",
    "domainname",
    "mounts",
    "hooks",
    "annotations",
    "linux",
];

fn sorted(v: &mut Value) {
    if let Value::Object(m) = v {
        let mut entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        m.extend(entries);
    }
}

/// The JSON value of a rendered spec.
pub fn config_value(r: &Rendered) -> Value {
    let Ok(Value::Object(mut top)) = serde_json::to_value(&r.spec) else {
        unreachable!("an OCI spec serialises to a JSON object");
    };
    if let Some(Value::Object(p)) = top.get_mut("process") {
        p.insert(
            "capabilities".into(),
            super::capabilities::json(&r.capabilities),
        );
        reorder_process(p);
    }
    if let Some(a) = top.get_mut("annotations") {
        sorted(a);
    }
    if let Some(Value::Object(l)) = top.get_mut("linux") {
        if let Some(s) = l.get_mut("sysctl") {
            sorted(s);
        }
        if let Some(u) = l.get_mut("resources").and_then(|r| r.get_mut("unified")) {
            sorted(u);
        }
        match &r.seccomp {
            Some(s) => {
                let v = serde_json::to_value(s).unwrap_or(Value::Null);
                l.insert("seccomp".into(), v);
                reorder_linux(l);
            }
            None => {
                l.shift_remove("seccomp");
            }
        }
    }
    let mut out = Map::new();
    for k in TOP_LEVEL {
        if let Some(v) = top.shift_remove(k) {
            out.insert(k.into(), v);
        }
    }
    out.extend(top);
    Value::Object(out)
}

/// Puts `capabilities` back after `cwd`, where runtime-spec has it.
fn reorder_process(p: &mut Map<String, Value>) {
    let order = [
        "terminal",
        "consoleSize",
        "user",
        "args",
        "commandLine",
        "env",
        "cwd",
        "capabilities",
    ];
    reorder(p, &order);
}

/// Puts `seccomp` back after `devices`, where runtime-spec has it.
fn reorder_linux(l: &mut Map<String, Value>) {
    let order = [
        "uidMappings",
        "gidMappings",
        "sysctl",
        "resources",
        "cgroupsPath",
        "namespaces",
        "devices",
        "seccomp",
    ];
    reorder(l, &order);
}

fn reorder(m: &mut Map<String, Value>, first: &[&str]) {
    let mut out = Map::new();
    for k in first {
        if let Some(v) = m.shift_remove(*k) {
            out.insert((*k).into(), v);
        }
    }
    out.extend(std::mem::take(m));
    *m = out;
}

/// Pretty JSON with a final newline.
pub fn config_json(r: &Rendered) -> String {
    let mut s = serde_json::to_string_pretty(&config_value(r))
        .unwrap_or_else(|e| unreachable!("a JSON value always prints: {e}"));
    s.push('\n');
    s
}
