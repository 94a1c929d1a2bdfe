//! `secctx record FILE`: run the pod once under observation, write the tightest security
//! context and seccomp profile the run supports, then verify them by running again with
//! everything enforced. The observing is `secctx_runtime::record`, the deriving
//! `secctx_core::record`; this file runs the two pods and writes the files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use k8s_openapi::api::core::v1::PodSpec;
use secctx_core::record::report::{Verdict, render};
use secctx_core::record::{DeriveOptions, Derived, Observed, derive, profile};
use secctx_runtime::pod::run::prepare::{Prepared, new_uid};
use secctx_runtime::pod::run::runner::{Runner, new_record};
use secctx_runtime::pod::run::{Created, Hooks};
use secctx_runtime::record::Recorder;
use secctx_runtime::record::caps;

use crate::commands::image::StoreArgs;
use crate::input::FieldArgs;
use crate::node::NodeArgs;
use crate::output::{diag, emit};
use crate::pods::{StateArgs, prepare};

/// Arguments of `secctx record`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
The pod runs once as `secctx run` would run it, observed: every system call by seccomp user
notification (the runtime's own calls after the filter included), capability checks by the
capability:cap_capable tracepoint, paths written outside volumes from an overlay upper dir,
uids and setuid executions. From that, secctx writes to -o DIR (default: next to FILE):

  NAME.recorded.yaml           the pod with the tightest securityContext the run supports
  seccomp/secctx/NAME/C.json   each container's Localhost profile (install under the
                               kubelet's seccomp root, /var/lib/kubelet/seccomp)
  NAME-C.seccompprofile.yaml   the same as a security-profiles-operator SeccompProfile
  NAME.observed.json           the observations (--merge unions new runs into them)
  NAME.record.txt              the report: what was seen, each field's source, the Pod
                               Security level, what to review, the verification

Then the recorded pod runs again with the profile and context enforced; the exit codes,
container output and --exercise output must match. Each recorded capability is dropped in
turn: one whose absence changes nothing is removed (the set is minimal). Nothing is called
verified that did not pass.

Exit codes: 0 recorded and verified, 1 recorded but verification failed, 2 bad input or the
machine cannot record (not root, no seccomp user notification).

Example:
  secctx record web.yaml --exercise 'wget -qO- http://127.0.0.1:8080/' -o out/")]
pub struct RecordArgs {
    /// The pod manifest (a Pod, or any workload: its pod template is run).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Stop the pod after this long (e.g. 5s, 2m) instead of waiting for it to exit; with
    /// --exercise and no --duration, the pod is stopped after the last exercise.
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Run `sh -c CMD` in the first container while recording (a probe, a `kubectl exec`
    /// habit); its needs are recorded and its output compared in the verify run.
    #[arg(long = "exercise", value_name = "CMD")]
    pub exercise: Vec<String>,
    /// Before the exercises, run `sh -c CMD` in the first container until it exits 0 (every
    /// 100 ms, for at most --ready-timeout), e.g. a readiness probe: a server must be listening
    /// before an exercise talks to it, in the recording and in every verify run alike.
    #[arg(long = "ready", value_name = "CMD")]
    pub ready: Option<String>,
    /// How long --ready may take before the run fails.
    #[arg(long = "ready-timeout", value_name = "D", value_parser = parse_duration, default_value = "30s")]
    pub ready_timeout: Duration,
    /// Where to write (default: FILE's directory).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Union this run's observations with NAME.observed.json from an earlier run.
    #[arg(long)]
    pub merge: bool,
    /// How many verify runs must pass.
    #[arg(long = "verify-runs", value_name = "N", default_value_t = 1)]
    pub verify_runs: u32,
    /// Do not verify (the report then says NOT verified).
    #[arg(long = "no-verify")]
    pub no_verify: bool,
    /// Pod state.
    #[command(flatten)]
    pub state: StateArgs,
    /// The image store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The node.
    #[command(flatten)]
    pub node: NodeArgs,
    /// Unknown and duplicate fields.
    #[command(flatten)]
    pub fields: FieldArgs,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = s.split_at(
        s.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len()),
    );
    let n: f64 = n
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and s, m or ms"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: unit must be ms, s or m")),
    };
    Ok(Duration::from_secs_f64(secs))
}

/// One run's outcome: per container exit code and stdout; exercise results.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Outcome {
    exits: Vec<(String, i32)>,
    outputs: Vec<(String, String)>,
    exercises: Vec<(String, i32, String)>,
}

/// Hooks of a verify run: exit codes, and the denials (capabilities refused, EPERM) as
/// evidence when it differs.
struct Verifier {
    exits: Vec<(String, i32)>,
    tracers: Vec<(String, caps::Tracer)>,
    evidence: Vec<String>,
}

impl Hooks for Verifier {
    fn diag(&mut self, line: &str) {
        diag(&format!("  verify: {line}"));
    }

    fn created(&mut self, c: &secctx_core::resolve::ResolvedContainer, created: &Created<'_>) {
        if let Ok(t) = caps::start_with_denials(created.pid) {
            self.tracers.push((c.name.clone(), t));
        }
    }

    fn exited(&mut self, c: &secctx_core::resolve::ResolvedContainer, _: &Created<'_>, code: i32) {
        self.exits.push((c.name.clone(), code));
        if let Some(i) = self.tracers.iter().position(|(n, _)| n == &c.name) {
            let (_, t) = self.tracers.remove(i);
            let log = t.finish();
            for cap in &log.denied {
                self.evidence
                    .push(format!("container {}: capability {cap} refused", c.name));
            }
            for call in &log.eperm {
                self.evidence.push(format!(
                    "container {}: system call {call} failed with EPERM",
                    c.name
                ));
            }
        }
    }
}

/// The container's stdout from its CRI log (`<time> stdout F <line>`).
fn stdout_of(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut out = String::new();
    for line in text.lines() {
        let mut it = line.splitn(4, ' ');
        let (_, stream, _, rest) = (it.next(), it.next(), it.next(), it.next());
        if stream == Some("stdout") {
            out.push_str(rest.unwrap_or(""));
            out.push('\n');
        }
    }
    out
}

/// Runs the exercises and the duration in a helper thread while the runner (which forks)
/// keeps the main thread; stops the first container when they are done.
fn driver(
    args: &RecordArgs,
    pod_name: &str,
    state_dir: &Path,
    executor_root: &Path,
    container: &str,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<(String, i32, String)>> {
    let exercises = args.exercise.clone();
    let ready = args.ready.clone();
    let ready_timeout = args.ready_timeout;
    let duration = args.duration;
    let (pod_name, state_dir, container) = (
        pod_name.to_string(),
        state_dir.to_path_buf(),
        container.to_string(),
    );
    let id = secctx_runtime::pod::run::container::container_id(&pod_name, &container);
    let root = executor_root.to_path_buf();
    std::thread::spawn(move || {
        use secctx_runtime::executor::{Embedded, Executor, Status};
        let ex = Embedded::new(root);
        let start = Instant::now();
        let mut results = Vec::new();
        if exercises.is_empty() && duration.is_none() {
            return results;
        }
        // Until the container runs (or the pod is over).
        let pid = loop {
            if done.load(Ordering::SeqCst) {
                return results;
            }
            if let Ok(s) = ex.state(&id)
                && s.status == Status::Running
            {
                break s.pid;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let exec = |cmd: &str| {
            std::process::Command::new("/proc/self/exe")
                .arg("exec")
                .arg("--state-dir")
                .arg(&state_dir)
                .args([
                    pod_name.as_str(),
                    "-c",
                    container.as_str(),
                    "--",
                    "sh",
                    "-c",
                    cmd,
                ])
                .output()
        };
        // Exercises race the workload otherwise: `Running` means the process started, not
        // that it listens yet.
        if let Some(cmd) = &ready {
            let deadline = Instant::now() + ready_timeout;
            loop {
                let ok = exec(cmd).map(|o| o.status.success()).unwrap_or(false);
                if ok || done.load(Ordering::SeqCst) {
                    break;
                }
                if Instant::now() >= deadline {
                    results.push((
                        format!("--ready {cmd}"),
                        -1,
                        format!("not ready within {ready_timeout:?}"),
                    ));
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        for cmd in &exercises {
            let out = exec(cmd);
            match out {
                Ok(o) => results.push((
                    cmd.clone(),
                    o.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&o.stdout).into_owned(),
                )),
                Err(e) => results.push((cmd.clone(), -1, format!("exec failed: {e}"))),
            }
        }
        if let Some(d) = duration {
            while start.elapsed() < d && !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        if !done.load(Ordering::SeqCst) {
            let _ = ex.kill(&id, libc::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline && !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
            if !done.load(Ordering::SeqCst) {
                let _ = ex.kill(&id, libc::SIGKILL);
            }
        }
        let _ = pid;
        results
    })
}

/// Runs pod `p` once with `hooks`: the outcome. The pod is removed afterwards.
fn run_once(
    args: &RecordArgs,
    p: &Prepared,
    state: &StateArgs,
    hooks: &mut dyn Hooks,
) -> anyhow::Result<Outcome> {
    let pod = state.pod(p.name())?;
    if pod.exists() {
        bail!(
            "pod {} already exists in {}: secctx rm it first",
            p.name(),
            state.state_dir.display()
        );
    }
    pod.create()?;
    secctx_runtime::pod::run::prepare::allocate_userns(p, &pod, &state.state_dir)?;
    let record = new_record(p, None, state.executor_root());
    pod.write_record(&record)?;
    let first = p
        .spec
        .containers
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let done = Arc::new(AtomicBool::new(false));
    let helper = driver(
        args,
        p.name(),
        &state.state_dir,
        &state.executor_root(),
        &first,
        done.clone(),
    );
    let result = Runner::new(p, &pod, record, false, hooks).run();
    done.store(true, Ordering::SeqCst);
    let exercises = helper.join().unwrap_or_default();
    let mut out = Outcome {
        exercises,
        ..Outcome::default()
    };
    for c in &p.spec.containers {
        out.outputs
            .push((c.name.clone(), stdout_of(&pod.log_path(&c.name))));
    }
    for problem in crate::commands::rm::remove(&pod, &state.executor_root())? {
        diag(&format!("warning: removing pod {}: {problem}", p.name()));
    }
    result?;
    Ok(out)
}

/// Writes `text` to `path`, creating its directory.
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).with_context(|| d.display().to_string())?;
    }
    std::fs::write(path, text).with_context(|| path.display().to_string())
}

/// The files of a derivation: profiles, SPO objects, the recorded manifest. Returns the
/// manifest's path.
fn write_outputs(
    out: &Path,
    name: &str,
    namespace: &str,
    manifest: &serde_json::Value,
    observed: &[Observed],
    spec: &PodSpec,
) -> anyhow::Result<PathBuf> {
    for o in observed {
        let prof = profile::oci_profile(&[o]);
        write(
            &out.join(format!("seccomp/secctx/{name}/{}.json", o.container)),
            &(serde_json::to_string_pretty(&prof)? + "\n"),
        )?;
        let spo = profile::spo_object(&[o], &format!("{name}-{}", o.container), namespace);
        write(
            &out.join(format!("{name}-{}.seccompprofile.yaml", o.container)),
            &crate::output::admit_yaml::render(&[spo]),
        )?;
    }
    let mut m = manifest.clone();
    m["spec"] = serde_json::to_value(spec)?;
    let path = out.join(format!("{name}.recorded.yaml"));
    write(&path, &crate::output::admit_yaml::render(&[m]))?;
    Ok(path)
}

/// Runs `secctx record`.
pub fn run(mut args: RecordArgs) -> anyhow::Result<ExitCode> {
    args.node.node_from_host = true;
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
        != 0
    {
        bail!("secctx record needs root (seccomp supervision, tracefs, overlay mounts)");
    }
    let out_dir = match &args.output {
        Some(d) => d.clone(),
        None => args
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    let store = args.store.open()?;
    let p = prepare(
        &args.file,
        &new_uid(),
        None,
        store,
        args.node.config(),
        args.fields.field_validation,
    )?;
    let name = p.name().to_string();
    let namespace = p.meta.namespace.clone().unwrap_or_else(|| "default".into());

    // 1. The recorded run.
    diag(&format!("recording pod {name}"));
    let mut print = |l: &str| diag(&format!("  record: {l}"));
    let mut recorder = Recorder::new(&mut print);
    let recorded = run_once(&args, &p, &args.state, &mut recorder)?;
    let mut observed = std::mem::take(&mut recorder.observed);
    for (cmd, code, out) in &recorded.exercises {
        diag(&format!(
            "  exercise {cmd:?}: exit code {code}, {} bytes of output",
            out.len()
        ));
    }
    for o in &mut observed {
        o.notes.sort();
    }
    let obs_path = out_dir.join(format!("{name}.observed.json"));
    if args.merge && obs_path.exists() {
        let old: Vec<Observed> = serde_json::from_str(&std::fs::read_to_string(&obs_path)?)
            .with_context(|| format!("{}: not a secctx observations file", obs_path.display()))?;
        for o in old {
            match observed.iter_mut().find(|x| x.container == o.container) {
                Some(x) => x.merge(&o),
                None => observed.push(o),
            }
        }
    }
    write(
        &obs_path,
        &(serde_json::to_string_pretty(&observed)? + "\n"),
    )?;

    // 2. The derivation.
    let opts = DeriveOptions {
        profile_prefix: format!("secctx/{name}"),
    };
    let manifest = original_manifest(&p);
    let mut d = derive(&p.meta, &p.spec, &observed, &opts);

    // 3. Verification (and minimal capabilities).
    let verdict = if args.no_verify {
        Verdict::NotRun
    } else {
        let seccomp_root = out_dir.join("seccomp");
        let verify = |d: &Derived, obs: &[Observed]| -> anyhow::Result<(bool, Vec<String>)> {
            let path = write_outputs(&out_dir, &name, &namespace, &manifest, obs, &d.spec)?;
            let mut node = args.node.clone();
            node.seccomp_root = seccomp_root.display().to_string();
            let vp = prepare(
                &path,
                &new_uid(),
                None,
                args.store.open()?,
                node.config(),
                args.fields.field_validation,
            )?;
            let mut v = Verifier {
                exits: Vec::new(),
                tracers: Vec::new(),
                evidence: Vec::new(),
            };
            let mut got = run_once(&args, &vp, &args.state, &mut v)?;
            got.exits = v.exits.clone();
            let mut want = recorded.clone();
            want.exits = obs
                .iter()
                .map(|o| (o.container.clone(), o.exit_code))
                .collect();
            let mut why = compare(&want, &got);
            if !why.is_empty() {
                why.extend(v.evidence);
            }
            Ok((why.is_empty(), why))
        };
        let mut failure = None;
        // Minimal capabilities: each one dropped in turn.
        let caps: Vec<(String, String)> = observed
            .iter()
            .flat_map(|o| {
                o.capabilities
                    .iter()
                    .map(|c| (o.container.clone(), c.clone()))
            })
            .collect();
        for (container, cap) in caps {
            let mut trial = observed.clone();
            if let Some(o) = trial.iter_mut().find(|o| o.container == container) {
                o.capabilities.remove(&cap);
            }
            let td = derive(&p.meta, &p.spec, &trial, &opts);
            let (ok, _) = verify(&td, &trial)?;
            if ok {
                diag(&format!(
                    "  {container}: {cap} was checked but the pod works without it: not added"
                ));
                if let Some(o) = observed.iter_mut().find(|o| o.container == container) {
                    o.capabilities.remove(&cap);
                    o.notes.push(format!(
                        "{cap} was checked during recording, but a run without it behaved the same: not added"
                    ));
                }
            } else {
                diag(&format!(
                    "  {container}: {cap} is needed (a run without it differs)"
                ));
            }
        }
        d = derive(&p.meta, &p.spec, &observed, &opts);
        let mut passed = 0;
        for _ in 0..args.verify_runs.max(1) {
            let (ok, why) = verify(&d, &observed)?;
            if !ok {
                failure = Some(why);
                break;
            }
            passed += 1;
        }
        match failure {
            None => Verdict::Verified { runs: passed },
            Some(why) => Verdict::Failed(why),
        }
    };
    write_outputs(&out_dir, &name, &namespace, &manifest, &observed, &d.spec)?;
    write(
        &obs_path,
        &(serde_json::to_string_pretty(&observed)? + "\n"),
    )?;
    let report = render(&name, &observed, &d, &verdict);
    write(&out_dir.join(format!("{name}.record.txt")), &report)?;
    emit(&report)?;
    Ok(match verdict {
        Verdict::Failed(_) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// The pod object to write back: the manifest's metadata (name, namespace, labels) around
/// the recorded spec. The input may be any workload; the recorded manifest is its Pod.
fn original_manifest(p: &Prepared) -> serde_json::Value {
    let mut meta = p.meta.clone();
    meta.uid = None;
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {},
    })
}

/// What differs between the recorded run and a verify run.
fn compare(want: &Outcome, got: &Outcome) -> Vec<String> {
    let mut why = Vec::new();
    let names: BTreeSet<&String> = want.exits.iter().map(|(n, _)| n).collect();
    for n in names {
        let w = want.exits.iter().find(|(x, _)| x == n).map(|(_, c)| *c);
        let g = got.exits.iter().find(|(x, _)| x == n).map(|(_, c)| *c);
        if w != g {
            why.push(format!(
                "container {n}: exit code {} while recording, {} when verified",
                w.map_or("none".into(), |c| c.to_string()),
                g.map_or("none (did not run)".into(), |c| c.to_string())
            ));
        }
    }
    for (n, w) in &want.outputs {
        let g = got.outputs.iter().find(|(x, _)| x == n).map(|(_, o)| o);
        if g != Some(w) {
            why.push(format!(
                "container {n}: output differs: {:?} while recording, {:?} when verified",
                w,
                g.map(String::as_str).unwrap_or("")
            ));
        }
    }
    for (i, (cmd, code, out)) in want.exercises.iter().enumerate() {
        match got.exercises.get(i) {
            Some((_, c, o)) if c == code && o == out => {}
            Some((_, c, o)) => why.push(format!(
                "exercise {cmd:?}: exit {code} {out:?} while recording, exit {c} {o:?} when verified"
            )),
            None => why.push(format!("exercise {cmd:?}: not run when verifying")),
        }
    }
    why
}
