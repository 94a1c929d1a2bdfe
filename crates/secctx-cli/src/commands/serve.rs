//! `secctx serve`: the admission webhook (`/validate` Pod Security, `/mutate` SCC admission)
//! over HTTPS, and `secctx serve cert` for a first install's certificates.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use secctx_webhook::cluster::allocator::{self, AllocatorOptions};
use secctx_webhook::cluster::{self, ClusterOptions};
use secctx_webhook::server::{self, App, ServeOptions, TlsFiles};
use secctx_webhook::state::{NoLookup, SharedState};
use secctx_webhook::validate::Psa;
use secctx_webhook::{cert, files};

use crate::output::diag;

/// Log formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event (for log collectors).
    Json,
}

/// Whether SecurityContextConstraints are watched in the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WatchSccs {
    /// Watch them when the API server serves `security.openshift.io/v1` (OpenShift, or the
    /// CRD installed), else use the --scc files or OpenShift's standard set.
    Auto,
    /// Always watch (not ready until they list).
    Always,
    /// Never watch: the --scc files or the standard set.
    Never,
}

/// Arguments of `secctx serve`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_long_help = "\
Endpoints (all on the one TLS port, HTTP/1.1):
  POST /validate   Pod Security Admission, decided as upstream's webhook decides: namespace
                   labels pod-security.kubernetes.io/{enforce,audit,warn}[-version], the
                   --config defaults and exemptions; pods and pods/ephemeralcontainers are
                   denied on enforce; workload templates get warnings and audit annotations
                   only; a Namespace whose enforce level is tightened is answered with
                   warnings about its existing pods.
  POST /mutate     SecurityContextConstraints admission, decided as `secctx admit` decides;
                   the admitted pod as a base64 JSONPatch.
  GET  /healthz    200 while the process answers.
  GET  /readyz     200 once the namespace and SCC state is loaded, 503 while shutting down.
  GET  /metrics    pod_security_evaluations_total, pod_security_exemptions_total,
                   pod_security_errors_total (PSA's names and labels) and
                   secctx_webhook_request_duration_seconds.

State, in a cluster (the default): namespaces are watched through the API server
(--kubeconfig, else the pod's service account, else $KUBECONFIG or ~/.kube/config), with a
live GET for a namespace created a moment ago; SecurityContextConstraints and the RBAC
objects granting `use` on them are watched too when the cluster serves them (--watch-sccs),
else --scc files or OpenShift's standard set stand in. /readyz answers 200 once every watch
has listed. --allocate also runs the namespace allocator: one replica, elected through the
Lease secctx-scc-allocator in --allocator-namespace, gives each namespace without
openshift.io/sa.scc.uid-range its uid range, supplemental groups and MCS level as
OpenShift's controller does (do not use it on OpenShift, which runs its own).

State from files instead (tests, air-gapped): --namespaces FILE (Namespace objects, and Pods
as their existing pods) and --scc FILE|DIR (SecurityContextConstraints and RBAC `use` grants;
OpenShift's standard set without it). The certificate and key are re-read when they change on disk (cert-manager rotation);
SIGTERM stops readiness, waits --shutdown-delay, then finishes in-flight requests.

Examples:
  secctx serve cert --service secctx-webhook --namespace secctx-system --out-dir certs/
  secctx serve --tls-cert-file certs/tls.crt --tls-private-key-file certs/tls.key \\
      --namespaces namespaces.yaml --config pod-security.yaml
  secctx serve --tls-cert-file /etc/secctx/tls/tls.crt \\
      --tls-private-key-file /etc/secctx/tls/tls.key --allocate      # in the cluster (deploy/)

Exit codes: 0 stopped after a signal, 2 could not start (bad flags, files or certificate)."
)]
pub struct ServeArgs {
    /// Subcommand (`cert`).
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub listen: SocketAddr,
    /// PEM certificate chain to serve (re-read when it changes).
    #[arg(long, value_name = "FILE")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of the certificate (re-read when it changes).
    #[arg(long, value_name = "FILE")]
    pub tls_private_key_file: Option<PathBuf>,
    /// A PodSecurityConfiguration (or an AdmissionConfiguration with a PodSecurity plugin):
    /// default levels and exemptions [default: privileged:latest for all modes].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Namespace objects (labels, annotations) and Pods, instead of watching a cluster.
    #[arg(long, value_name = "FILE")]
    pub namespaces: Option<PathBuf>,
    /// SecurityContextConstraints files or directories [default: OpenShift's standard set].
    #[arg(long, value_name = "FILE|DIR")]
    pub scc: Vec<PathBuf>,
    /// Kubeconfig of the cluster to watch [default: the pod's service account, else
    /// $KUBECONFIG or ~/.kube/config].
    #[arg(long, value_name = "FILE", conflicts_with = "namespaces")]
    pub kubeconfig: Option<PathBuf>,
    /// Watch SecurityContextConstraints (and RBAC `use` grants) in the cluster.
    #[arg(long, value_enum, default_value_t = WatchSccs::Auto, conflicts_with = "namespaces")]
    pub watch_sccs: WatchSccs,
    /// Run the namespace allocator (leader-elected among the replicas).
    #[arg(long, conflicts_with = "namespaces")]
    pub allocate: bool,
    /// Namespace of the allocator's Lease and state ConfigMap (the webhook's own).
    #[arg(
        long,
        value_name = "NAMESPACE",
        env = "POD_NAMESPACE",
        default_value = "secctx-system"
    )]
    pub allocator_namespace: String,
    /// This replica's name in the Lease [default: $POD_NAME, else the host name].
    #[arg(long, value_name = "NAME", env = "POD_NAME")]
    pub identity: Option<String>,
    /// Bound on the live GET of a namespace the watch has not delivered yet, and on the live
    /// LIST of a namespace's pods.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub lookup_timeout: Duration,
    /// How often the certificate files are checked for a change.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub cert_reload_interval: Duration,
    /// Deadline for a request's headers, and for the TLS handshake.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub read_timeout: Duration,
    /// After SIGTERM, how long to keep serving while not ready (the endpoint's removal).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub shutdown_delay: Duration,
    /// After the listener closes, how long in-flight requests get to finish.
    #[arg(long, value_name = "DURATION", default_value = "25s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Log filter (tracing's env-filter syntax, e.g. `info`, `secctx_webhook=debug`).
    #[arg(
        long,
        value_name = "FILTER",
        default_value = "info",
        env = "SECCTX_LOG"
    )]
    pub log_level: String,
}

/// Subcommands of `secctx serve`.
#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Make a CA and a serving certificate for the webhook's Service: ca.crt (the webhook
    /// configurations' caBundle), ca.key, tls.crt and tls.key.
    Cert(CertArgs),
}

/// Arguments of `secctx serve cert`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
The serving certificate's DNS SANs are <service>, <service>.<namespace>,
<service>.<namespace>.svc (the name the API server dials) and
<service>.<namespace>.svc.cluster.local, plus every --dns-name. Keys are ECDSA P-256. Existing
files are not overwritten.

Example:
  secctx serve cert --service secctx-webhook --namespace secctx-system --out-dir certs/
  kubectl -n secctx-system create secret tls secctx-webhook-tls \\
      --cert certs/tls.crt --key certs/tls.key")]
pub struct CertArgs {
    /// The webhook's Service name.
    #[arg(long, default_value = "secctx-webhook")]
    pub service: String,
    /// The Service's namespace.
    #[arg(long, short = 'n', default_value = "secctx-system")]
    pub namespace: String,
    /// Another DNS name for the serving certificate (repeatable).
    #[arg(long = "dns-name", value_name = "NAME")]
    pub dns_names: Vec<String>,
    /// Where to write ca.crt, ca.key, tls.crt, tls.key.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Validity of the serving certificate, in days.
    #[arg(long, default_value_t = 365)]
    pub days: i64,
    /// Validity of the CA, in days.
    #[arg(long, default_value_t = 3650)]
    pub ca_days: i64,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    secctx_webhook::server::duration::parse_go_duration(s).map_err(|e| e.to_string())
}

/// Runs `secctx serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if let Some(ServeCommand::Cert(c)) = args.command {
        return cert_cmd(&c);
    }
    init_logs(args.log_format, &args.log_level)?;
    let (Some(cert_file), Some(key_file)) = (&args.tls_cert_file, &args.tls_private_key_file)
    else {
        anyhow::bail!(
            "--tls-cert-file and --tls-private-key-file are required (make a pair with `secctx serve cert`)"
        );
    };
    let psa = match &args.config {
        Some(path) => Psa::from_config(crate::commands::check::load_config(path)?)
            .with_context(|| format!("{}: invalid PodSecurityConfiguration", path.display()))?,
        None => Psa::default(),
    };
    if args.watch_sccs == WatchSccs::Always && !args.scc.is_empty() {
        anyhow::bail!(
            "--scc files replace the SCC watch: they cannot be used with --watch-sccs always"
        );
    }
    let listener = std::net::TcpListener::bind(args.listen)
        .with_context(|| format!("listening on {}", args.listen))?;
    let opts = ServeOptions {
        listener,
        tls: TlsFiles {
            cert: cert_file.clone(),
            key: key_file.clone(),
        },
        reload_interval: args.cert_reload_interval,
        handshake_timeout: args.read_timeout,
        header_timeout: args.read_timeout,
        shutdown_delay: args.shutdown_delay,
        shutdown_grace: args.shutdown_grace,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    if args.namespaces.is_some() {
        let state = files::load(args.namespaces.as_deref(), &args.scc)?;
        for n in &state.notes {
            tracing::info!("{n}");
        }
        let app = Arc::new(App::new(
            Arc::new(SharedState::new(state.snapshot)),
            Arc::new(NoLookup),
            Arc::new(state.pods),
            psa,
        ));
        runtime.block_on(server::serve(app, opts, signal()))?;
    } else {
        runtime.block_on(serve_cluster(&args, psa, opts))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves from the cluster's state: watches, live lookups, and the allocator with --allocate.
async fn serve_cluster(args: &ServeArgs, psa: Psa, opts: ServeOptions) -> anyhow::Result<()> {
    let client = cluster::connect::connect(args.kubeconfig.as_deref()).await?;
    let watch_sccs = match args.watch_sccs {
        WatchSccs::Always => true,
        WatchSccs::Never => false,
        WatchSccs::Auto if !args.scc.is_empty() => false,
        WatchSccs::Auto => cluster::scc::served(&client)
            .await
            .context("asking the API server whether it serves security.openshift.io/v1")?,
    };
    // Without the watch, SCCs and their base grants come as in file mode: the --scc files,
    // else OpenShift's standard set with its restricted-v2 grant.
    let (fixed_sccs, base_grants) = if watch_sccs {
        Default::default()
    } else {
        let files = files::load(None, &args.scc)?;
        (files.snapshot.sccs, files.snapshot.grants)
    };
    tracing::info!(
        watch_sccs,
        allocate = args.allocate,
        "watching the cluster's namespaces{}",
        if watch_sccs {
            ", SecurityContextConstraints and RBAC"
        } else {
            " and RBAC (SCCs from files or the standard set)"
        }
    );
    let state = Arc::new(SharedState::default());
    let started = cluster::start(
        client.clone(),
        Arc::clone(&state),
        ClusterOptions {
            watch_sccs,
            fixed_sccs,
            watch_rbac: true,
            base_grants,
            lookup_timeout: args.lookup_timeout,
            pod_list_timeout: args.lookup_timeout,
        },
    );
    let allocation = args.allocate.then(|| {
        let identity = args.identity.clone().unwrap_or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| format!("secctx-{}", std::process::id()))
        });
        allocator::spawn(
            client,
            AllocatorOptions::new(&args.allocator_namespace, &identity),
        )
    });
    let app = Arc::new(App::new(state, started.lookup, started.pods, psa));
    let served = server::serve(app, opts, signal()).await;
    if let Some(a) = allocation {
        a.stop().await;
    }
    for t in &started.tasks {
        t.abort();
    }
    Ok(served?)
}

/// SIGTERM or SIGINT.
async fn signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM"),
        _ = int.recv() => tracing::info!("SIGINT"),
    }
}

fn init_logs(format: LogFormat, filter: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .with_context(|| format!("--log-level {filter:?}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    }
    .map_err(|e| anyhow::anyhow!("{e}"))
}

fn cert_cmd(c: &CertArgs) -> anyhow::Result<ExitCode> {
    let mut sans = cert::service_sans(&c.service, &c.namespace);
    sans.extend(c.dns_names.iter().cloned());
    let bundle = cert::make(&sans, c.days, c.ca_days)?;
    std::fs::create_dir_all(&c.out_dir)
        .with_context(|| format!("creating {}", c.out_dir.display()))?;
    for (name, text, private) in [
        ("ca.crt", &bundle.ca_cert, false),
        ("ca.key", &bundle.ca_key, true),
        ("tls.crt", &bundle.cert, false),
        ("tls.key", &bundle.key, true),
    ] {
        let path = c.out_dir.join(name);
        write_new(&path, text, private).with_context(|| format!("writing {}", path.display()))?;
    }
    diag(&format!(
        "wrote ca.crt, ca.key, tls.crt, tls.key to {} (SANs: {})",
        c.out_dir.display(),
        bundle.sans.join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}

/// Creates `path` (never replacing a file), mode 0600 for keys.
fn write_new(path: &std::path::Path, text: &str, private: bool) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if private { 0o600 } else { 0o644 })
        .open(path)?;
    f.write_all(text.as_bytes())
}
