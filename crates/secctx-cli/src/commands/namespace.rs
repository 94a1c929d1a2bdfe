//! `secctx namespace allocate`: OpenShift's namespace uid/MCS allocation for Namespace objects
//! in files, with the files' existing annotations as the allocator's state.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use secctx_core::admission::allocation::{
    AllocatorConfig, Decision, NamespaceState, UID_RANGE_ANNOTATION, allocate,
};
use secctx_core::load::{Object, Origin};
use secctx_core::yaml::Value;

use crate::input::{FieldArgs, print_warnings, read_inputs};
use crate::output::{diag, emit};

/// Namespace subcommands.
#[derive(Debug, Subcommand)]
pub enum NamespaceCommand {
    /// Give every Namespace lacking `openshift.io/sa.scc.uid-range` the lowest free uid block
    /// of 10,000 from 1,000,000,000, the same block as supplemental groups, and the MCS label
    /// of that block, exactly as OpenShift's cluster-policy-controller does. Namespaces that
    /// already have a uid range are the state: their blocks are never handed out again.
    Allocate(AllocateArgs),
}

/// Arguments of `secctx namespace allocate`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Prints, per Namespace, the block it got and the three annotations, or `kept` for a namespace
that already has a uid range. With --write, the annotations are added to the files in place
(YAML block style only; other lines are left as they are).

Exit codes: 0 done, 1 the uid range is exhausted for some namespace, 2 an input could not be
read or written.")]
pub struct AllocateArgs {
    /// Manifest files or directories; `-` reads standard input (not with --write).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Add the annotations to the files.
    #[arg(long)]
    pub write: bool,
    /// Unknown and duplicate fields.
    #[command(flatten)]
    pub fields: FieldArgs,
}

/// Runs a namespace subcommand.
pub fn run(cmd: NamespaceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        NamespaceCommand::Allocate(args) => run_allocate(args),
    }
}

fn run_allocate(args: AllocateArgs) -> anyhow::Result<ExitCode> {
    let inputs = read_inputs(&args.files, &args.fields.options());
    let loaded = &inputs.loaded;
    print_warnings(loaded);
    let mut states = Vec::new();
    let mut origins: Vec<&Origin> = Vec::new();
    for o in &loaded.objects {
        if let Object::Namespace(ns, origin) = o {
            states.push(NamespaceState {
                name: ns.metadata.name.clone().unwrap_or_default(),
                annotations: ns.metadata.annotations.clone().unwrap_or_default(),
            });
            origins.push(origin);
        }
    }
    let outcomes = allocate(&AllocatorConfig::default(), &states);
    let mut text = String::new();
    let mut exhausted = false;
    // Edits per file: (origin, annotations) in input order.
    let mut edits: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
    for ((out, state), origin) in outcomes.iter().zip(&states).zip(&origins) {
        for n in &out.notes {
            diag(&format!("warning: namespace {}: {n}", out.name));
        }
        match &out.decision {
            Decision::Kept { index } => {
                let range = &state.annotations[UID_RANGE_ANNOTATION];
                match index {
                    Some(i) => text.push_str(&format!(
                        "{}: kept block {i} ({UID_RANGE_ANNOTATION}: {range})\n",
                        out.name
                    )),
                    None => text.push_str(&format!(
                        "{}: kept ({UID_RANGE_ANNOTATION}: {range})\n",
                        out.name
                    )),
                }
            }
            Decision::Allocated {
                index,
                annotations,
                kept_mcs,
            } => {
                text.push_str(&format!("{}: allocated block {index}\n", out.name));
                for (k, v) in annotations {
                    let note = if *kept_mcs && k.ends_with(".mcs") {
                        " (existing, kept)"
                    } else {
                        ""
                    };
                    text.push_str(&format!("  {k}: {v}{note}\n"));
                }
                edits
                    .entry(origin.file.to_string())
                    .or_default()
                    .push((origin, annotations));
            }
            Decision::Exhausted => {
                exhausted = true;
                text.push_str(&format!("{}: uid range exceeded\n", out.name));
            }
        }
    }
    emit(&text)?;
    for e in &loaded.errors {
        diag(&format!("error: {e}"));
    }
    let mut write_failed = false;
    if args.write {
        for (file, list) in &edits {
            if let Err(e) = write_file(file, list) {
                diag(&format!("error: {file}: {e:#}"));
                write_failed = true;
            }
        }
    }
    Ok(if !loaded.errors.is_empty() || write_failed {
        ExitCode::from(2)
    } else if exhausted {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A Namespace object and the annotations to add to it.
type Edit<'a> = (&'a Origin, &'a BTreeMap<String, String>);

/// One insertion: lines to put before line `before` (1-based).
struct Insert {
    before: usize,
    lines: Vec<String>,
}

/// Adds annotations to the Namespace objects of one YAML file by inserting lines: into an
/// existing block-style `annotations` map, or as a new `annotations` map under `metadata`.
fn write_file(file: &str, list: &[Edit]) -> anyhow::Result<()> {
    if file == "-" {
        bail!("--write cannot write to standard input");
    }
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
    let mut inserts = Vec::new();
    for (origin, annotations) in list {
        let root = node_at(&origin.doc, &origin.prefix)?;
        let (meta_key, meta) = root
            .entry("metadata")
            .context("a Namespace without metadata")?;
        let Value::Map(meta_entries) = &meta.value else {
            bail!("metadata at {} is not a mapping", meta_key.pos);
        };
        let first_meta = &meta_entries.first().context("empty metadata")?.0;
        if first_meta.pos.line <= meta_key.pos.line {
            bail!(
                "metadata at {} is in flow style; add the annotations by hand",
                meta_key.pos
            );
        }
        let render = |indent: u32| -> Vec<String> {
            annotations
                .iter()
                .map(|(k, v)| format!("{}{k}: {}", " ".repeat(indent as usize), quote(v)))
                .collect()
        };
        match meta.entry("annotations") {
            Some((akey, anode)) => match &anode.value {
                Value::Map(entries) if !entries.is_empty() => {
                    let first = &entries[0].0;
                    if first.pos.line <= akey.pos.line {
                        bail!(
                            "annotations at {} are in flow style; add them by hand",
                            akey.pos
                        );
                    }
                    inserts.push(Insert {
                        before: first.pos.line as usize,
                        lines: render(first.pos.column - 1),
                    });
                }
                _ => bail!(
                    "annotations at {} are empty or not a block mapping; add them by hand",
                    akey.pos
                ),
            },
            None => {
                let indent = first_meta.pos.column - 1;
                let mut lines = vec![format!("{}annotations:", " ".repeat(indent as usize))];
                lines.extend(render(indent + 2));
                inserts.push(Insert {
                    before: first_meta.pos.line as usize,
                    lines,
                });
            }
        }
    }
    // Bottom-up, so that earlier line numbers stay valid.
    inserts.sort_by_key(|i| std::cmp::Reverse(i.before));
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let owned: Vec<Vec<String>> = inserts
        .iter()
        .map(|i| i.lines.iter().map(|l| format!("{l}\n")).collect())
        .collect();
    for (ins, new) in inserts.iter().zip(&owned) {
        let at = ins.before - 1;
        for (k, l) in new.iter().enumerate() {
            lines.insert(at + k, l);
        }
    }
    std::fs::write(file, lines.concat()).with_context(|| format!("writing {file}"))?;
    Ok(())
}

fn node_at<'a>(
    doc: &'a secctx_core::yaml::Node,
    prefix: &secctx_core::path::FieldPath,
) -> anyhow::Result<&'a secctx_core::yaml::Node> {
    if prefix.is_root() {
        return Ok(doc);
    }
    bail!("a Namespace inside a List ({prefix}); add the annotations by hand")
}

/// A YAML double-quoted scalar (the values are ASCII digits, `/`, `:` and `,`).
fn quote(v: &str) -> String {
    format!("{v:?}")
}
