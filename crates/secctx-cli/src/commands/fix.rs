//! `secctx fix`: the smallest edits that make manifests pass a Pod Security level, applied to
//! the files' own bytes (comments and layout kept), shown as a unified diff or written in place.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use secctx_core::edit;
use secctx_core::fix::{Allow, AllowSet, FixOptions, Status, fix_workload};
use secctx_core::load::{
    BoundedText, MAX_OBJECT_BYTES, ReadError, load_bounded_with, read_bounded,
};
use secctx_core::pss::{Level, LevelVersion, Version, default_registry};
use secctx_runtime::write::replace_file;

use crate::images::{ImageArgs, Images};
use crate::input::{FieldArgs, InputFilter, collect, open_regular};
use crate::output::fix_report::{FileFix, ObjectFix};
use crate::output::{Format, emit, fix_diff, fix_json, fix_text};

/// Arguments of `secctx fix`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
For every pod and pod template that fails the level, secctx finds the field edits that make it
pass, one per finding, each with the check it satisfies:

  safe          adds a restriction the workload cannot notice (allowPrivilegeEscalation: false,
                seccompProfile RuntimeDefault where none was set, capabilities.drop [ALL],
                runAsNonRoot where the image is known to run as a non-root uid, the numeric uid
                of a named image USER): always applied
  needs a choice  changes identity or behaviour: applied only with --allow NAME (or --allow all)
                and always reported
  not fixable   hostPath and other volumes the level forbids, Windows HostProcess, runAsUser 0
                without the image: reported with the reason and the field's position

The edits are made to the files' own bytes: comments, key order, quoting, indentation, flow
style, CRLF, BOM and documents are kept outside the edited lines. By default the unified diff is
printed on stdout and the report on stderr; --write rewrites the files atomically (a temporary
file renamed over the original), and `-` with --write prints the fixed text.

Give the images (--image NAME=PATH, or NAME from the store) so that runAsNonRoot and runAsUser
come from who the image really runs as: a numeric USER is kept, a named USER gets its uid from
the image's /etc/passwd (the kubelet cannot verify a name), and a root image gets a non-root user
of its /etc/passwd (--allow run-as-user), with fsGroup where it writes to a volume.

Examples:
  secctx fix deploy.yaml --level restricted                 # the diff and what remains
  secctx fix manifests/ --level restricted --write --allow run-as-non-root
  secctx fix pod.yaml --level restricted --image app:1=./app-oci --allow run-as-user --write
  secctx fix pod.yaml --level baseline --allow all -o json

Exit codes: 0 every object passes the level (after the edits); 1 findings remain (needing a choice
or not fixable); 2 an input could not be read, loaded or edited (the others are still fixed).")]
pub struct FixArgs {
    /// Manifest files or directories (`*.yaml`, `*.yml`, `*.json`, recursively); `-` reads
    /// standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The Pod Security level to pass: baseline or restricted.
    #[arg(long, value_name = "LEVEL")]
    pub level: Level,
    /// The policy version: `latest` or `v1.N`.
    #[arg(long, value_name = "VERSION", default_value = "latest")]
    pub version: Version,
    /// Apply remedies that change identity or behaviour: run-as-user, run-as-non-root,
    /// privileged, capabilities, host-namespaces, host-ports, privilege-escalation, seccomp,
    /// apparmor, selinux, proc-mount, sysctls, probe-host, or all. Repeatable, comma-separated.
    #[arg(long = "allow", value_name = "CHANGE", value_delimiter = ',', value_parser = parse_allow)]
    pub allow: Vec<AllowArg>,
    /// Rewrite the files in place (atomically) instead of printing the diff.
    #[arg(long)]
    pub write: bool,
    /// Output format of the report.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The images' data.
    #[command(flatten)]
    pub images: ImageArgs,
    /// Unknown and duplicate fields.
    #[command(flatten)]
    pub fields: FieldArgs,
}

/// One `--allow` value.
#[derive(Clone, Copy, Debug)]
pub enum AllowArg {
    /// `all`.
    All,
    /// One opt-in.
    One(Allow),
}

fn parse_allow(s: &str) -> Result<AllowArg, String> {
    if s == "all" {
        return Ok(AllowArg::All);
    }
    s.parse().map(AllowArg::One).map_err(|e| e.to_string())
}

fn allow_set(args: &[AllowArg]) -> AllowSet {
    let mut set = AllowSet::none();
    for a in args {
        match a {
            AllowArg::All => return AllowSet::all(),
            AllowArg::One(a) => set.insert(*a),
        }
    }
    set
}

/// Runs `secctx fix`.
pub fn run(args: FixArgs) -> anyhow::Result<ExitCode> {
    if args.level == Level::Privileged {
        anyhow::bail!("--level privileged: every pod passes it; fix to baseline or restricted");
    }
    let images = Images::load(&args.images)?;
    let lookup = |name: &str| images.get(name);
    let opts = FixOptions {
        level: LevelVersion::new(args.level, args.version),
        allow: allow_set(&args.allow),
        images: &lookup,
        registry: default_registry(),
    };
    let load_opts = args.fields.options();
    let mut errors = Vec::new();
    let paths = expand(&args.files, &mut errors);
    let mut files = Vec::new();
    for p in &paths {
        files.push(fix_file(p, &opts, &load_opts, args.write));
    }
    match args.format {
        Format::Json => emit(&fix_json::render(&files, &errors, opts.level)?)?,
        Format::Text => {
            if !args.write {
                let mut out = String::new();
                for f in &files {
                    out.push_str(&f.diff);
                }
                emit(&out)?;
            } else if let Some(f) = files.iter().find(|f| f.stdin) {
                emit(&f.text)?;
            }
            let mut err = std::io::stderr().lock();
            let _ =
                err.write_all(fix_text::render(&files, &errors, opts.level, args.write).as_bytes());
        }
    }
    let failed = !errors.is_empty() || files.iter().any(|f| !f.errors.is_empty());
    let remains = files
        .iter()
        .flat_map(|f| &f.objects)
        .any(|o| matches!(o.fix.status, Status::Partly | Status::Unchanged));
    Ok(if failed {
        ExitCode::from(2)
    } else if remains {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The files named, directories expanded (manifests only, in name order).
fn expand(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut load_errors = Vec::new();
    let mut excluded = 0;
    for p in paths {
        if p.as_os_str() != "-" && p.is_dir() {
            collect(
                p,
                &mut out,
                &mut load_errors,
                &InputFilter::default(),
                &mut excluded,
            );
        } else {
            out.push(p.clone());
        }
    }
    errors.extend(load_errors.into_iter().map(|e| e.to_string()));
    out
}

fn read(path: &Path) -> Result<BoundedText, String> {
    let r = if path.as_os_str() == "-" {
        read_bounded(std::io::stdin().lock(), MAX_OBJECT_BYTES)
    } else {
        let file = open_regular(path).map_err(|e| e.to_string())?;
        read_bounded(file, MAX_OBJECT_BYTES)
    };
    match r {
        Ok(b) => Ok(b),
        Err(ReadError::Io(e)) => Err(e.to_string()),
        Err(ReadError::NotUtf8) => Err("not UTF-8 text".into()),
    }
}

fn fix_file(
    path: &Path,
    opts: &FixOptions<'_, '_>,
    load_opts: &secctx_core::load::LoadOptions,
    write: bool,
) -> FileFix {
    let stdin = path.as_os_str() == "-";
    let name = path.display().to_string();
    let mut f = FileFix::new(&name, stdin);
    let bounded = match read(path) {
        Ok(b) => b,
        Err(e) => {
            f.errors.push(format!("{name}: {e}"));
            return f;
        }
    };
    let loaded = load_bounded_with(&name, &bounded, load_opts);
    f.errors.extend(loaded.errors.iter().map(|e| e.to_string()));
    let mut edits = Vec::new();
    for w in loaded.workloads() {
        let fix = fix_workload(w, opts);
        edits.extend(fix.edits.iter().cloned());
        f.objects.push(ObjectFix::new(w, fix));
    }
    f.text = bounded.text;
    if edits.is_empty() {
        return f;
    }
    if !bounded.too_large.is_empty() {
        f.errors.push(format!(
            "{name}: not edited: a document larger than the API server's limit was left out while reading"
        ));
        return f;
    }
    let applied = match edit::apply(&f.text, &edits) {
        Ok(a) => a,
        Err(e) => {
            f.errors.push(format!("{name}: not edited: {e}"));
            return f;
        }
    };
    f.notes = applied
        .notes
        .iter()
        .filter(|n| {
            !matches!(
                n.message.as_str(),
                "set" | "created" | "removed" | "already set"
            )
        })
        .map(|n| format!("{name}:{}: {}", n.line, n.message))
        .collect();
    if !applied.changed() {
        return f;
    }
    f.changed = true;
    f.diff = fix_diff::file_diff(&name, &f.text, &applied.text);
    let original = std::mem::replace(&mut f.text, applied.text);
    if write && !stdin {
        // Atomic, and refused if another editor changed the file since it was read.
        match replace_file(path, f.text.as_bytes(), Some(original.as_bytes())) {
            Ok(()) => f.written = true,
            Err(e) => f.errors.push(format!("{name}: not written: {e}")),
        }
    }
    f
}
