//! `secctx inspect POD`: the pod's status as the kubelet reports it (JSON).

use std::process::ExitCode;

use clap::Args;

use crate::output::emit;
use crate::pods::StateArgs;

/// Arguments of `secctx inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The pod name.
    #[arg(value_name = "POD")]
    pub pod: String,
    /// Pod state.
    #[command(flatten)]
    pub state: StateArgs,
}

/// Runs `secctx inspect`: `{apiVersion, kind, metadata, status}` plus secctx's notes (what this
/// machine does not enforce, fsGroup work done) under `metadata.annotations`, and with
/// `hostUsers: false` the pod's host id range under `userNamespace`.
pub fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let pod = args.state.existing(&args.pod)?;
    let record = pod.record()?;
    let status = pod.status()?;
    let mut annotations = serde_json::Map::new();
    if !record.notes.is_empty() {
        annotations.insert("secctx.dev/notes".into(), record.notes.join("\n").into());
    }
    let doc = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": record.name,
            "namespace": record.namespace,
            "uid": record.uid,
            "creationTimestamp": record.created,
            "annotations": annotations,
        },
        "status": status,
    });
    let mut doc = doc;
    // hostUsers: false: the pod's host id range (the kubelet's `userns` file).
    if let Some(a) = secctx_runtime::pod::idrange::read(&pod.dir)? {
        doc["userNamespace"] = serde_json::json!({
            "uidMap": a.uid_map_line(),
            "gidMap": a.gid_mappings.first().map(|m| format!("0 {} {}", m.host_id, m.length)),
            "uidMappings": a.uid_mappings,
            "gidMappings": a.gid_mappings,
        });
    }
    emit(&format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
    Ok(ExitCode::SUCCESS)
}
