//! `secctx check`: API validation and Pod Security Admission verdicts for manifests.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use secctx_core::check::{CheckOptions, FailOn, ObjectResult, RepoConfig};
use secctx_core::load::LoadOptions;
use secctx_core::pss::config::PodSecurityConfiguration;
use secctx_core::pss::{Level, Version};
use secctx_core::yaml::parse_stream;

use super::check_repo::{self, ColorChoice, FailOnArg};
use crate::input::{FieldArgs, InputFilter};
use crate::output::check_sink::{Sink, TextSink};
use crate::output::{check_json, check_sarif, check_text, diag};

mod streamed;
mod suggest;

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Human-readable text: one line per finding with file:line:column.
    Text,
    /// JSON (schema in docs/check-json.md).
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Arguments of `secctx check`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Every Pod, and the pod template of every Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
CronJob, ReplicationController and PodTemplate, is judged as the API server would:

  1. API validation of the security fields: `Pod \"x\" is invalid: ...` (an error).
  2. Pod Security Admission in the object's namespace (metadata.namespace, else -n). Namespace
     objects in the input with pod-security.kubernetes.io/* labels set the policy of their
     namespace; --level/--version (default restricted:latest) set it elsewhere. A Pod failing
     the enforce level is an error; failing warn or audit is a warning. Controllers' templates
     are judged at warn and audit, as PSA does: their findings are warnings.
  3. Exemptions of a PodSecurityConfiguration (--config) by namespace, runtimeClassName and
     requesting user (--username).

In a repository, a `.secctx.yaml` in the inputs' directory or a parent (or --config-file) sets
the default level and version, levels per namespace and path, ignored paths, suppressions and
failOn (docs/check.md). An annotation `secctx.io/ignore-check.<check>: \"<reason>\"` on an object
suppresses that check on it. Suppressed findings are still reported, but do not fail the run.

Examples:
  secctx check manifests/
  secctx check . --exclude 'charts/**/tests' --fail-on error
  secctx check pod.yaml --level baseline --version v1.30
  secctx check deploy.yaml -n prod --config admission.yaml --username system:serviceaccount:ci:deployer
  helm template chart | secctx check - -o sarif > results.sarif
  secctx check manifests/ --suggest    # the strictest level per namespace and its kubectl label

Exit codes: 0 no finding, 1 a validation error or a violation in any mode (warnings included;
--fail-on error: errors only; never: 0), 2 an input or configuration could not be read (the other
inputs are still judged).")]
pub struct CheckArgs {
    /// Manifest files or directories (`*.yaml`, `*.yml`, `*.json`, recursively); `-` reads
    /// standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Default Pod Security level (enforce, audit and warn) where no namespace label says:
    /// privileged, baseline or restricted [default: restricted].
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<Level>,
    /// Default policy version: `latest` or `v1.N` [default: latest].
    #[arg(long, value_name = "VERSION")]
    pub version: Option<Version>,
    /// Namespace of objects that do not name one.
    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NAMESPACE",
        default_value = "default"
    )]
    pub namespace: String,
    /// A PodSecurityConfiguration (or an AdmissionConfiguration with a PodSecurity plugin):
    /// its defaults replace restricted:latest, its exemptions apply.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The requesting user, matched against the configuration's exempt usernames.
    #[arg(long, value_name = "USER", default_value = "")]
    pub username: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Instead of the findings: per namespace, the strictest Pod Security level and version all
    /// its workloads pass, the `kubectl label` command that sets it, and the findings that block
    /// the next level up (text or json; exit 0, 2 on input errors). See docs/check.md.
    #[arg(long)]
    pub suggest: bool,
    /// Unknown and duplicate fields.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// The repository configuration [default: the first `.secctx.yaml` in the directory of the
    /// first input or a parent].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config_file")]
    pub config_file: Option<PathBuf>,
    /// Do not look for a `.secctx.yaml`.
    #[arg(long)]
    pub no_config_file: bool,
    /// Leave out files and directories matching GLOB (`*`, `?`, `**`; a pattern without `/`
    /// matches a name at any depth); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Which findings fail the run (exit 1) [default: warning, or the configuration's failOn].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOnArg>,
    /// A file without Kubernetes objects is an input error (default: skipped with a note).
    #[arg(long)]
    pub strict_files: bool,
    /// Print findings only: no suppressed findings, notes or summary line.
    #[arg(short, long, conflicts_with = "summary")]
    pub quiet: bool,
    /// Print counts per check and the summary line instead of the findings (text output).
    #[arg(long)]
    pub summary: bool,
    /// Colour the text output.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Runs `secctx check`.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let repo = check_repo::repo_config(
        &args.files,
        args.config_file.as_deref(),
        args.no_config_file,
    )?;
    let excludes = check_repo::excludes(&args.exclude)?;
    let fail_on = args
        .fail_on
        .map(Into::into)
        .or(repo.fail_on)
        .unwrap_or_default();
    let strict_files = args.strict_files || repo.strict_files == Some(true);
    let opts = options(&args, repo)?;
    let exclude = |p: &Path| check_repo::is_excluded(p, &excludes, &opts.repo);
    let filter = InputFilter {
        exclude: Some(&exclude),
        skip_non_objects: !strict_files,
    };
    if args.suggest {
        return suggest::run(&args, &opts, &filter);
    }
    let load = args.fields.options();
    let mut tally = check_text::Tally::default();
    let totals = match args.format {
        CheckFormat::Json => {
            let mut sink = check_json::JsonSink::start()?;
            let totals = run_with(&args, &load, &filter, &opts, fail_on, &mut sink, &mut tally)?;
            sink.finish(
                &tally,
                &totals.errors,
                &totals.skipped,
                &check_json::InputStats {
                    files: totals.files,
                    bytes: totals.bytes,
                    without_objects: &totals.without_objects,
                    excluded: totals.excluded,
                },
            )?;
            totals
        }
        CheckFormat::Sarif => {
            let mut sink = check_sarif::SarifSink::start()?;
            let totals = run_with(&args, &load, &filter, &opts, fail_on, &mut sink, &mut tally)?;
            sink.finish(&totals.errors)?;
            totals
        }
        CheckFormat::Text => {
            let style = check_text::Style {
                color: args.color.enabled(),
                quiet: args.quiet,
            };
            let mut sink = TextSink::new(style, !args.summary);
            let totals = run_with(&args, &load, &filter, &opts, fail_on, &mut sink, &mut tally)?;
            let summary = check_text::summary(&tally, totals.files, totals.errors.len());
            if args.summary {
                sink.finish(&format!("{}{summary}\n", check_text::summary_table(&tally)))?;
            } else {
                sink.finish("")?;
            }
            for e in &totals.errors {
                diag(&format!("error: {e}"));
            }
            if !args.quiet {
                if totals.excluded > 0 {
                    diag(&format!(
                        "note: {} excluded (--exclude, ignore)",
                        check_text::counted(totals.excluded, "path")
                    ));
                }
                for f in &totals.without_objects {
                    diag(&format!("note: {f}: no Kubernetes objects, skipped"));
                }
                for (kind, n) in &totals.skipped {
                    diag(&format!("skipped: {n} × {kind}"));
                }
                if !args.summary {
                    diag(&summary);
                }
            }
            totals
        }
    };
    Ok(if !totals.errors.is_empty() {
        ExitCode::from(2)
    } else if totals.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Judges every input through `sink`, counting into `tally`.
#[allow(clippy::too_many_arguments)]
fn run_with(
    args: &CheckArgs,
    load: &LoadOptions,
    filter: &InputFilter<'_>,
    opts: &CheckOptions,
    fail_on: FailOn,
    sink: &mut dyn Sink,
    tally: &mut check_text::Tally,
) -> anyhow::Result<streamed::Totals> {
    let mut counting = Counting { sink, tally };
    streamed::run(&args.files, load, filter, opts, fail_on, &mut counting)
}

/// Counts each object, then hands it on.
struct Counting<'a> {
    sink: &'a mut dyn Sink,
    tally: &'a mut check_text::Tally,
}

impl Sink for Counting<'_> {
    fn object(&mut self, o: &ObjectResult) -> anyhow::Result<()> {
        self.tally.add(o);
        self.sink.object(o)
    }
}

/// The options: the PodSecurityConfiguration's defaults and exemptions, then the repository
/// configuration's level and version, then the flags.
fn options(args: &CheckArgs, repo: RepoConfig) -> anyhow::Result<CheckOptions> {
    let mut opts = CheckOptions {
        default_namespace: args.namespace.clone(),
        username: args.username.clone(),
        ..CheckOptions::default()
    };
    if let Some(path) = &args.config {
        let config = load_config(path)?;
        opts.default_policy = config
            .default_policy()
            .with_context(|| format!("{}: invalid PodSecurityConfiguration", path.display()))?;
        opts.exemptions = config.exemptions;
    }
    opts.default_policy = repo.default.apply(opts.default_policy);
    opts.repo = repo;
    opts.default_policy.override_all(args.level, args.version);
    Ok(opts)
}

/// Reads a PodSecurityConfiguration, bare or inside an AdmissionConfiguration's `PodSecurity`
/// plugin (inline `configuration` only), with v1 defaulting applied.
pub(crate) fn load_config(path: &Path) -> anyhow::Result<PodSecurityConfiguration> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let doc = parse_stream(&text)
        .into_iter()
        .next()
        .with_context(|| format!("{}: empty configuration", path.display()))?
        .map_err(|e| anyhow::anyhow!("{}:{}: {}", path.display(), e.pos, e.message))?;
    let json = doc
        .root
        .to_json()
        .map_err(|e| anyhow::anyhow!("{}:{}: {}", path.display(), e.pos, e.message))?;
    let json = if json.get("kind").and_then(|k| k.as_str()) == Some("AdmissionConfiguration") {
        let plugin = json
            .get("plugins")
            .and_then(|p| p.as_array())
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("name").and_then(|n| n.as_str()) == Some("PodSecurity"))
            });
        match plugin.and_then(|p| p.get("configuration")) {
            Some(c) => c.clone(),
            None => bail!(
                "{}: the AdmissionConfiguration has no PodSecurity plugin with an inline configuration",
                path.display()
            ),
        }
    } else {
        json
    };
    let config: PodSecurityConfiguration = serde_json::from_value(json)
        .with_context(|| format!("{}: not a PodSecurityConfiguration", path.display()))?;
    Ok(config.defaulted())
}
