//! `secctx admit`: what OpenShift's SecurityContextConstraints admission does to every pod and
//! pod template, before it is deployed; then the Pod Security verdict of the admitted pod.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use secctx_core::admission::allocation::{
    AllocatorConfig, Decision as Alloc, NamespaceState, allocate,
};
use secctx_core::admission::authz::UserInfo;
use secctx_core::admission::compiled::{PodRequest, ProviderSet};
use secctx_core::admission::decide::{Decision, Operation};
use secctx_core::admission::mutate::Change;
use secctx_core::admission::provider::NamespaceInfo;
use secctx_core::admission::rbac::{self, RbacObject, parse_rbac};
use secctx_core::admission::scc::{Scc, parse_sccs};
use secctx_core::admission::standard::{standard_grants, standard_sccs};
use secctx_core::check::{CheckOptions, check};
use secctx_core::load::{
    FieldValidation, LoadOptions, Loaded, MAX_OBJECT_BYTES, Object, WorkloadKind, load_text_with,
    read_bounded,
};
use secctx_core::pss::{Level, Version};
use serde_json::Value as Json;

use crate::input::{FieldArgs, InputFilter, collect, open_regular, print_warnings, read_inputs};
use crate::output::{admit_json, admit_text, admit_yaml, diag, emit};

/// Output formats of `admit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AdmitFormat {
    /// Per object: the SCC chosen, the ones passed over and why, every field set and from
    /// where, and the Pod Security verdict of the admitted pod.
    Text,
    /// Per object, the AdmissionReview response a webhook would send (base64 JSONPatch).
    Json,
    /// The admitted manifests (pipe into `secctx run -` or `secctx explain -`).
    Yaml,
}

/// Arguments of `secctx admit`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Every Pod, and the pod template of every Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
CronJob, ReplicationController and PodTemplate, goes through SecurityContextConstraints
admission as on OpenShift: the SCCs sorted by priority, restriction and name; those neither the
pod's service account nor the requesting user may use are passed over; the first whose
mutation of the pod validates is chosen. Namespaces come from the inputs and --namespace-file;
a namespace without openshift.io/sa.scc.uid-range gets the next free block, as the
namespace allocation controller would (see `secctx namespace allocate`).

Examples:
  secctx admit pod.yaml --namespace-file ns.yaml
  secctx admit deploy.yaml --scc my-sccs/ --user alice --group devs
  secctx admit pod.yaml -o yaml | secctx run -

Exit codes: 0 every object admitted, 1 some object denied (by SCC admission, or after it by
Pod Security enforce or API validation), 2 an input could not be read.")]
pub struct AdmitArgs {
    /// Manifest files or directories; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Files or directories with Namespace objects (labels and annotations).
    #[arg(long = "namespace-file", value_name = "FILE")]
    pub namespace_files: Vec<PathBuf>,
    /// SecurityContextConstraints files or directories [default: the standard OpenShift set].
    #[arg(long, value_name = "FILE|DIR")]
    pub scc: Vec<PathBuf>,
    /// The requesting user [default: system:serviceaccount:kube-system:replicaset-controller,
    /// the controller that creates a Deployment's pods].
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// A group of the requesting user (repeatable); `system:authenticated` is always added.
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,
    /// Namespace of objects that do not name one.
    #[arg(short = 'n', long = "namespace", default_value = "default")]
    pub namespace: String,
    /// Default Pod Security level for the verdict after admission [default: restricted].
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<Level>,
    /// Default Pod Security version [default: latest].
    #[arg(long, value_name = "VERSION")]
    pub version: Option<Version>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = AdmitFormat::Text)]
    pub format: AdmitFormat,
    /// Unknown and duplicate fields.
    #[command(flatten)]
    pub fields: FieldArgs,
}

/// One admitted (or denied) object.
pub struct AdmitResult {
    /// `file:line:column`.
    pub location: String,
    /// The kind.
    pub kind: &'static str,
    /// The object's name.
    pub name: String,
    /// The namespace it is admitted in.
    pub namespace: String,
    /// The decision.
    pub decision: Decision,
    /// Every field admission set, in order (empty when denied).
    pub changes: Vec<Change>,
    /// The JSONPatch from the submitted pod to the admitted one.
    pub patch: Vec<Json>,
    /// The whole admitted object.
    pub object: Json,
    /// Pod Security after admission: `passes <level:version>` or its message.
    pub psa: Option<String>,
    /// Whether the API server would still admit it after Pod Security and validation.
    pub psa_allowed: bool,
}

/// Runs `secctx admit`.
pub fn run(args: AdmitArgs) -> anyhow::Result<ExitCode> {
    let load = args.fields.options();
    let inputs = read_inputs(&args.files, &load);
    print_warnings(&inputs.loaded);
    let mut errors: Vec<String> = inputs.loaded.errors.iter().map(|e| e.to_string()).collect();
    let ns_inputs = read_inputs(&args.namespace_files, &load);
    print_warnings(&ns_inputs.loaded);
    errors.extend(ns_inputs.loaded.errors.iter().map(|e| e.to_string()));
    let (sccs, mut rbac) = load_sccs(&args.scc, &mut errors)?;
    rbac.extend(rbac_objects(&args.files, &mut errors));
    rbac.extend(rbac_objects(&args.namespace_files, &mut errors));
    let mut grants = standard_grants();
    grants.extend(rbac::grants(&rbac, &args.namespace));
    let user = match &args.user {
        Some(u) => {
            let mut groups = args.group.clone();
            groups.push("system:authenticated".into());
            UserInfo {
                name: u.clone(),
                groups,
            }
        }
        None => UserInfo::requesting_service_account("kube-system", "replicaset-controller"),
    };
    let (namespaces, notes) = namespaces(&args, &inputs.loaded, &ns_inputs.loaded);
    for n in &notes {
        diag(&format!("note: {n}"));
    }
    // The SCCs compiled once per namespace, as a server holds them.
    let sets: BTreeMap<&str, ProviderSet> = namespaces
        .iter()
        .map(|(name, ns)| (name.as_str(), ProviderSet::new(&sccs, ns, &grants)))
        .collect();
    let mut results = Vec::new();
    for w in inputs.loaded.workloads() {
        let ns_name = w.namespace().unwrap_or(&args.namespace).to_string();
        let mut meta = w.pod_meta.clone();
        if w.kind != WorkloadKind::Pod && meta.name.is_none() && meta.generate_name.is_none() {
            // Controllers create pods with generateName `<object name>-`.
            meta.generate_name = Some(format!("{}-", w.name()));
        }
        // Decide, then render the admitted pod and its patch (spec §1.7).
        let (decision, admitted) = sets[ns_name.as_str()].admit_and_render(&PodRequest {
            operation: Operation::Create,
            meta: &meta,
            spec: &w.spec,
            old_meta: None,
            user: &user,
        });
        let mut object = w
            .origin
            .doc
            .to_json()
            .map_err(|e| anyhow::anyhow!("{}: {}", w.origin.file, e))?;
        if !w.origin.prefix.is_root() {
            object = item_json(&object, &w.origin.prefix.to_string()).unwrap_or(object);
        }
        let (changes, patch) = match admitted {
            Some(a) => {
                let ptr = template_pointer(w.kind);
                let target = if ptr.is_empty() {
                    Some(&mut object)
                } else {
                    object.pointer_mut(ptr)
                };
                if let Some(t) = target {
                    let mut admitted_meta = a.meta;
                    if w.kind != WorkloadKind::Pod {
                        admitted_meta.generate_name = w.pod_meta.generate_name.clone();
                    }
                    t["metadata"] = serde_json::to_value(&admitted_meta)?;
                    t["spec"] = serde_json::to_value(&a.spec)?;
                }
                (a.changes, a.patch)
            }
            None => (Vec::new(), Vec::new()),
        };
        results.push(AdmitResult {
            location: format!("{}:{}", w.origin.file, w.origin.pos()),
            kind: w.kind.as_str(),
            name: w.name().to_string(),
            namespace: ns_name,
            decision,
            changes,
            patch,
            object,
            psa: None,
            psa_allowed: true,
        });
    }
    psa_verdicts(&args, &mut results, &inputs.loaded, &ns_inputs.loaded);
    match args.format {
        AdmitFormat::Text => emit(&admit_text::render(&results))?,
        AdmitFormat::Json => {
            let reviews: Vec<Json> = results
                .iter()
                .map(|r| {
                    let warnings: Vec<String> = r.psa.iter().filter(|p| p.contains("violate")).cloned().collect();
                    serde_json::json!({
                        "object": {"kind": r.kind, "namespace": r.namespace, "name": r.name, "location": r.location},
                        "review": admit_json::review(r.decision.denied.is_none(), &r.patch, r.decision.denied.as_deref(), &r.name, &warnings, &r.decision.audit),
                    })
                })
                .collect();
            emit(&format!("{}\n", serde_json::to_string_pretty(&reviews)?))?;
        }
        AdmitFormat::Yaml => {
            let objs: Vec<Json> = results
                .iter()
                .filter(|r| r.decision.denied.is_none())
                .map(|r| r.object.clone())
                .collect();
            emit(&admit_yaml::render(&objs))?;
            for r in results.iter().filter(|r| r.decision.denied.is_some()) {
                diag(&format!(
                    "{}: denied: {}",
                    r.location,
                    r.decision.denied.as_deref().unwrap_or("")
                ));
            }
        }
    }
    for e in &errors {
        diag(&format!("error: {e}"));
    }
    Ok(if !errors.is_empty() {
        ExitCode::from(2)
    } else if results
        .iter()
        .any(|r| r.decision.denied.is_some() || !r.psa_allowed)
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn template_pointer(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Pod => "",
        WorkloadKind::PodTemplate => "/template",
        WorkloadKind::CronJob => "/spec/jobTemplate/spec/template",
        _ => "/spec/template",
    }
}

/// `items[3]` of a List document.
fn item_json(doc: &Json, prefix: &str) -> Option<Json> {
    let i: usize = prefix
        .strip_prefix("items[")?
        .strip_suffix(']')?
        .parse()
        .ok()?;
    doc.get("items")?.get(i).cloned()
}

/// The SCCs of `--scc` (the standard set without it), and the RBAC objects in those files.
fn load_sccs(
    paths: &[PathBuf],
    errors: &mut Vec<String>,
) -> anyhow::Result<(Vec<Scc>, Vec<RbacObject>)> {
    if paths.is_empty() {
        return Ok((standard_sccs().to_vec(), Vec::new()));
    }
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    matches!(
                        f.extension().and_then(|e| e.to_str()),
                        Some("yaml" | "yml" | "json")
                    )
                })
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(p.clone());
        }
    }
    let (mut sccs, mut rbac) = (Vec::new(), Vec::new());
    for f in files {
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{}: {e}", f.display()));
                continue;
            }
        };
        for r in parse_sccs(&text) {
            match r {
                Ok(s) => sccs.push(s),
                Err(e) => errors.push(format!("{}:{}", f.display(), e)),
            }
        }
        rbac.extend(parse_rbac_file(&f, &text, errors));
    }
    Ok((sccs, rbac))
}

fn parse_rbac_file(f: &Path, text: &str, errors: &mut Vec<String>) -> Vec<RbacObject> {
    let mut out = Vec::new();
    for r in parse_rbac(text) {
        match r {
            Ok(o) => out.push(o),
            Err(e) => errors.push(format!("{}:{}", f.display(), e)),
        }
    }
    out
}

/// The Roles, ClusterRoles and their bindings in the manifest files and directories (read
/// again as text: the workload loader does not keep them). Standard input is read once, for
/// the workloads, so RBAC objects piped in are not seen; pass them as files.
fn rbac_objects(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<RbacObject> {
    // Unreadable inputs were reported when the workloads were read; they are skipped here.
    let mut files = Vec::new();
    let mut ignored = Vec::new();
    let mut excluded = 0;
    for p in paths {
        if p.as_os_str() == "-" {
            continue;
        } else if p.is_dir() {
            collect(
                p,
                &mut files,
                &mut ignored,
                &InputFilter::default(),
                &mut excluded,
            );
        } else {
            files.push(p.clone());
        }
    }
    let mut out = Vec::new();
    for f in files {
        let Ok(file) = open_regular(&f) else { continue };
        if let Ok(bounded) = read_bounded(file, MAX_OBJECT_BYTES) {
            out.extend(parse_rbac_file(&f, &bounded.text, errors));
        }
    }
    out
}

/// Every namespace a workload names, with its annotations; those lacking a uid range are
/// allocated, in order of appearance, after the existing blocks.
fn namespaces(
    args: &AdmitArgs,
    inputs: &Loaded,
    ns_files: &Loaded,
) -> (BTreeMap<String, NamespaceInfo>, Vec<String>) {
    let mut states: Vec<NamespaceState> = Vec::new();
    let mut seen = BTreeMap::new();
    for o in ns_files.objects.iter().chain(&inputs.objects) {
        if let Object::Namespace(ns, _) = o {
            let name = ns.metadata.name.clone().unwrap_or_default();
            if seen.insert(name.clone(), states.len()).is_none() {
                states.push(NamespaceState {
                    name,
                    annotations: ns.metadata.annotations.clone().unwrap_or_default(),
                });
            }
        }
    }
    for w in inputs.workloads() {
        let name = w.namespace().unwrap_or(&args.namespace).to_string();
        if !seen.contains_key(&name) {
            seen.insert(name.clone(), states.len());
            states.push(NamespaceState {
                name,
                annotations: BTreeMap::new(),
            });
        }
    }
    let mut notes = Vec::new();
    let outcomes = allocate(&AllocatorConfig::default(), &states);
    let mut out = BTreeMap::new();
    for (st, o) in states.into_iter().zip(outcomes) {
        let mut annotations = st.annotations;
        if let Alloc::Allocated {
            index,
            annotations: a,
            ..
        } = o.decision
        {
            notes.push(format!(
                "namespace {} has no openshift.io/sa.scc.uid-range: allocated block {index} ({}, {}) as the namespace controller would",
                st.name, a["openshift.io/sa.scc.uid-range"], a["openshift.io/sa.scc.mcs"]
            ));
            annotations.extend(a);
        }
        out.insert(
            st.name.clone(),
            NamespaceInfo {
                name: st.name,
                annotations,
            },
        );
    }
    (out, notes)
}

/// Pod Security evaluates after mutation (spec §1.9): `check` over the admitted objects.
fn psa_verdicts(args: &AdmitArgs, results: &mut [AdmitResult], inputs: &Loaded, ns_files: &Loaded) {
    let mut docs: Vec<Json> = Vec::new();
    for o in ns_files.objects.iter().chain(&inputs.objects) {
        if let Object::Namespace(ns, _) = o
            && let Ok(mut j) = serde_json::to_value(ns)
        {
            j["apiVersion"] = "v1".into();
            j["kind"] = "Namespace".into();
            docs.push(j);
        }
    }
    let first = docs.len();
    let mut index = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if r.decision.denied.is_none() {
            let mut o = r.object.clone();
            if o.pointer("/metadata/namespace").is_none() && o.get("metadata").is_some() {
                o["metadata"]["namespace"] = r.namespace.clone().into();
            }
            docs.push(o);
            index.push(i);
        }
    }
    let text = docs
        .iter()
        .map(|d| format!("---\n{d}\n"))
        .collect::<String>();
    // The inputs' fields were validated when they were read (and warned about under `warn`).
    let loaded = load_text_with(
        "<admitted>",
        &text,
        &LoadOptions {
            field_validation: FieldValidation::Ignore,
            volume_sources: false,
        },
    );
    let mut opts = CheckOptions {
        default_namespace: args.namespace.clone(),
        ..CheckOptions::default()
    };
    opts.default_policy.override_all(args.level, args.version);
    let report = check(&loaded, &opts);
    let workload_results: Vec<_> = report
        .objects
        .iter()
        .filter(|o| o.kind != "Namespace")
        .collect();
    let _ = first;
    for (res, i) in workload_results.iter().zip(index) {
        let lv = res
            .level_version
            .map(|l| l.to_string())
            .unwrap_or_else(|| "exempt".into());
        let verdict = if let Some(m) = &res.validation_message {
            m.clone()
        } else {
            match &res.message {
                Some(m) => m.clone(),
                None => format!("passes {lv}"),
            }
        };
        results[i].psa = Some(verdict);
        results[i].psa_allowed = res.allowed;
    }
}
