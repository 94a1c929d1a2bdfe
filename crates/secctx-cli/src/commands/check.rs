//! `secctx check`: API validation and Pod Security Admission verdicts for manifests.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use secctx_core::check::{CheckOptions, check};
use secctx_core::pss::config::PodSecurityConfiguration;
use secctx_core::pss::{Level, Version};
use secctx_core::yaml::parse_stream;

use crate::input::{FieldArgs, print_warnings, read_inputs};
use crate::output::{check_json, check_sarif, check_text, diag, emit};

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

Examples:
  secctx check manifests/
  secctx check pod.yaml --level baseline --version v1.30
  secctx check deploy.yaml -n prod --config admission.yaml --username system:serviceaccount:ci:deployer
  helm template chart | secctx check - -o sarif > results.sarif
  secctx check manifests/ --suggest    # the strictest level per namespace and its kubectl label

Exit codes: 0 no finding, 1 a validation error or a violation in any mode (warnings included),
2 an input or configuration could not be read (the other inputs are still judged).")]
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
}

/// Runs `secctx check`.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let opts = options(&args)?;
    if args.suggest {
        return suggest::run(&args, &opts);
    }
    let inputs = read_inputs(&args.files, &args.fields.options());
    let report = check(&inputs.loaded, &opts);
    let loaded = &inputs.loaded;
    print_warnings(loaded);
    match args.format {
        CheckFormat::Json => emit(&check_json::render(
            &report,
            loaded,
            inputs.files,
            inputs.bytes,
        ))?,
        CheckFormat::Sarif => emit(&check_sarif::render(&report, &loaded.errors))?,
        CheckFormat::Text => {
            emit(&check_text::render(&report))?;
            for e in &loaded.errors {
                diag(&format!("error: {e}"));
            }
            for (kind, n) in &loaded.skipped {
                diag(&format!("skipped: {n} × {kind}"));
            }
            diag(&check_text::summary(
                &report,
                inputs.files,
                loaded.errors.len(),
            ));
        }
    }
    let code = if !loaded.errors.is_empty() {
        ExitCode::from(2)
    } else if report.objects.iter().any(|o| o.has_findings()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends next: freeing every parsed document one by one would cost about a
    // tenth of the run on large inputs, for nothing.
    std::mem::forget(report);
    std::mem::forget(inputs);
    Ok(code)
}

/// The options: the configuration's defaults and exemptions, then the flags.
fn options(args: &CheckArgs) -> anyhow::Result<CheckOptions> {
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
    opts.default_policy.override_all(args.level, args.version);
    Ok(opts)
}

/// Reads a PodSecurityConfiguration, bare or inside an AdmissionConfiguration's `PodSecurity`
/// plugin (inline `configuration` only), with v1 defaulting applied.
fn load_config(path: &Path) -> anyhow::Result<PodSecurityConfiguration> {
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
