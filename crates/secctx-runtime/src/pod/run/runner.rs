//! The process that runs a pod, as the kubelet's pod worker does: admission, volumes, the
//! sandbox holding the shared namespaces, init containers one at a time to completion, then
//! the regular containers; logs copied, status written as it goes. Single-threaded (the
//! executor forks).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secctx_core::oci::RenderOptions;
use secctx_core::oci::qos::QosClass;
use secctx_core::oci::resources::{MIN_SHARES, PodCgroup, pod_cgroup};
use secctx_core::projection::volume_payload;
use secctx_core::resolve::{ContainerKind, LinuxUser, ResolvedContainer};
use secctx_core::status::{Phase, PodStatus};

use super::container::{bundle_dir, container_id, kind_name, render_container};
use super::prepare::Prepared;
use super::{Created, Hooks, RunError};
use crate::executor::{Executor, Status, Stdio};
use crate::pod::journal::{Entry, Journal};
use crate::pod::pump::Pump;
use crate::pod::state::{ContainerRecord, ProcId};
use crate::pod::volumes::{FsGroupOwnership, VolumeInput, set_up};
use crate::pod::{PodDir, PodRecord, clock, sandbox};

const POLL: Duration = Duration::from_millis(10);

/// The `ociVersion` written for an external runtime: crun 1.8 refuses anything but 1.0.x
/// ("unknown version specified"); the fields secctx writes are all in 1.0.2.
const EXTERNAL_OCI_VERSION: &str = "1.0.2";

/// Runs the pod to its end; the final phase.
pub struct Runner<'a> {
    p: &'a Prepared,
    pod: &'a PodDir,
    journal: Journal,
    exec: Box<dyn Executor>,
    record: PodRecord,
    status: PodStatus,
    pump: Pump,
    echo: bool,
    sandbox_pid: Option<u32>,
    hooks: &'a mut dyn Hooks,
    /// Started containers: executor id → bundle, for [`Hooks::exited`].
    bundles: BTreeMap<String, PathBuf>,
}

impl<'a> Runner<'a> {
    /// A runner for a pod whose directory and record exist; `echo` copies the containers'
    /// output to this process's stdout and stderr too.
    pub fn new(
        p: &'a Prepared,
        pod: &'a PodDir,
        record: PodRecord,
        echo: bool,
        hooks: &'a mut dyn Hooks,
    ) -> Runner<'a> {
        let exec = super::executor(record.runtime.as_deref(), &record.executor_root);
        Runner {
            p,
            pod,
            journal: Journal::new(pod.path("journal")),
            exec,
            status: PodStatus::admitted(&p.resolved, &clock::now()),
            record,
            pump: Pump::new(),
            echo,
            sandbox_pid: None,
            hooks,
            bundles: BTreeMap::new(),
        }
    }

    fn diag(&mut self, line: &str) {
        self.hooks.diag(line);
    }

    fn save(&mut self, terminal: bool) {
        self.status
            .update_phase(self.p.spec.restart_policy.as_deref(), terminal);
        if let Err(e) = self.pod.write_status(&self.status) {
            self.diag(&format!("warning: writing the status: {e}"));
        }
    }

    fn save_record(&self) -> Result<(), RunError> {
        Ok(self.pod.write_record(&self.record)?)
    }

    /// Runs everything; returns the final phase.
    pub fn run(mut self) -> Result<Phase, RunError> {
        let me = ProcId::of(std::process::id() as i32).ok_or_else(|| RunError::Io {
            context: "reading /proc/self/stat".into(),
            source: std::io::Error::other("no such process"),
        })?;
        self.journal.record(&Entry::Process { proc: me.clone() })?;
        self.record.monitor = Some(me);
        self.save_record()?;

        if let Some(r) = self.p.resolved.rejections.first() {
            self.status = PodStatus::rejected(r);
            self.save(true);
            self.diag(&format!(
                "pod {} rejected: {}: {}",
                self.pod.name, r.reason, r.message
            ));
            return Ok(Phase::Failed);
        }
        self.save(false);

        if let Err(e) = self.volumes() {
            self.diag(&format!("Warning  FailedMount  {e}"));
            self.status.message = Some(e.to_string());
            self.save(false);
            return Ok(self.status.phase);
        }
        if let Err(e) = self.create_pod_cgroup() {
            let message = format!("pod cgroup: {e}");
            self.diag(&format!("Warning  FailedCreatePodContainer  {message}"));
            self.status.message = Some(message);
            self.save(false);
            return Ok(self.status.phase);
        }
        if let Err(e) = self.start_sandbox() {
            self.diag(&format!("warning: pod sandbox: {e}"));
        }

        let init: Vec<&ResolvedContainer> = self.containers(ContainerKind::Init);
        for c in init {
            let Some(id) = self.start(c) else {
                return self.finish(false);
            };
            self.wait(&[(c.name.clone(), id)]);
            let ok = matches!(
                &self.status.container(&c.name).map(|s| &s.state),
                Some(secctx_core::status::ContainerState::Terminated(t)) if t.exit_code == 0
            );
            if !ok {
                return self.finish(true);
            }
        }
        let mut running = Vec::new();
        for c in self.containers(ContainerKind::Regular) {
            if let Some(id) = self.start(c) {
                running.push((c.name.clone(), id));
            }
        }
        self.wait(&running);
        let all_final = self
            .status
            .container_statuses
            .iter()
            .all(|c| matches!(c.state, secctx_core::status::ContainerState::Terminated(_)));
        self.finish(all_final)
    }

    fn containers(&self, kind: ContainerKind) -> Vec<&'a ResolvedContainer> {
        self.p
            .resolved
            .containers
            .iter()
            .filter(|c| c.kind == kind)
            .collect()
    }

    fn finish(mut self, terminal: bool) -> Result<Phase, RunError> {
        if let Some(id) = self.record.sandbox.clone() {
            // Kill, reap, then delete: the pod is over, so is its sandbox (as the kubelet's
            // KillPod stops it).
            let _ = self.exec.kill(&id, 9);
            let _ = self.exec.wait(&id);
            let monitor = self.exec.state(&id).map(|s| s.monitor_pid).unwrap_or(0);
            let _ = self.exec.delete(&id, true);
            if self.record.runtime.is_none() {
                super::remove_leftover(&self.record.executor_root.join(&id), monitor);
            }
        }
        // Nothing restarts here: a pod whose containers are all done is terminal; one stuck
        // before start (a create error) stays Pending, as on a node.
        self.save(terminal);
        self.pump.poll();
        Ok(self.status.phase)
    }

    /// For a pod in a user namespace, opens `dir` (0700) to the namespace root's host group
    /// for search only (0710): its init walks the path to the rootfs and volumes as that
    /// unprivileged host id. Other pods' directories stay 0700.
    fn share(&self, dir: &Path) -> std::io::Result<()> {
        if self.p.resolved.namespaces.user != "pod" {
            return Ok(());
        }
        // The host gid of the namespace's root: the start of the pod's own allocated range.
        let gid = crate::pod::idrange::read(&self.pod.dir)
            .map_err(std::io::Error::other)?
            .and_then(|a| {
                a.gid_mappings
                    .iter()
                    .find(|m| m.container_id == 0)
                    .map(|m| m.host_id)
            })
            .ok_or_else(|| {
                std::io::Error::other("hostUsers: false: the pod has no allocated host id range")
            })?;
        crate::private::share_with_group(dir, gid)
    }

    /// The pod cgroup, relative to each hierarchy: the kubelet's `kubepods/<qos>/pod<uid>`
    /// under `secctx/<root tag>` (so two state directories never share one).
    fn pod_cgroup(&self) -> Result<(PathBuf, PodCgroup), RunError> {
        let uid = self.p.meta.uid.clone().unwrap_or_default();
        // The uid may come from the manifest (`metadata.uid`) and names a directory: a `/`
        // would add components, and `pod..` + `/..` would climb out of the pod hierarchy.
        if uid.contains('/') || uid.contains('\0') {
            return Err(RunError::Cgroup(format!(
                "metadata.uid {uid:?}: names the pod cgroup directory, so it may not contain '/' or NUL"
            )));
        }
        let pc = pod_cgroup(&self.p.spec, &uid).map_err(|e| RunError::Cgroup(e.to_string()))?;
        let tag = crate::executor::cgroup::root_tag(&self.record.executor_root);
        let rel = Path::new("secctx")
            .join(tag)
            .join(pc.path.trim_start_matches('/'));
        Ok((rel, pc))
    }

    /// Every container (the sandbox too) goes into the pod cgroup, named by its id, with the
    /// embedded executor and an external runtime alike (whose default cgroup would be named
    /// by the id alone, shared by two state directories running the same pod name).
    fn cgroups_path(&self, spec: &mut oci_spec::runtime::Spec, id: &str) {
        let Ok((rel, _)) = self.pod_cgroup() else {
            return;
        };
        if let Some(mut linux) = spec.linux().clone() {
            linux.set_cgroups_path(Some(Path::new("/").join(rel).join(id)));
            spec.set_linux(Some(linux));
        }
    }

    /// Creates the pod cgroup with the pod's totals (`ResourceConfigForPod`), journalled first;
    /// a BestEffort pod's QoS cgroup gets the kubelet's 2 shares.
    fn create_pod_cgroup(&mut self) -> Result<(), RunError> {
        use crate::executor::cgroup;
        use oci_spec::runtime::{LinuxCpu, LinuxMemory, LinuxResources};
        let (rel, pc) = self.pod_cgroup()?;
        // Before the journal: undoing it would remove the other pod's cgroup.
        cgroup::refuse_taken(&rel)?;
        self.journal.record(&Entry::Cgroup { path: rel.clone() })?;
        if pc.qos == QosClass::BestEffort
            && let Some(qos_dir) = rel.parent()
        {
            let mut cpu = LinuxCpu::default();
            cpu.set_shares(Some(MIN_SHARES));
            let mut r = LinuxResources::default();
            r.set_cpu(Some(cpu));
            cgroup::create_parent(qos_dir, &r)?;
        }
        let mut cpu = LinuxCpu::default();
        cpu.set_shares(Some(pc.cpu_shares));
        cpu.set_period(pc.cpu_period);
        cpu.set_quota(pc.cpu_quota);
        let mut r = LinuxResources::default();
        r.set_cpu(Some(cpu));
        if let Some(limit) = pc.memory_limit {
            let mut m = LinuxMemory::default();
            m.set_limit(Some(limit));
            r.set_memory(Some(m));
        }
        cgroup::create_own(&rel, &r)?;
        Ok(())
    }

    /// Whether the kernel's OOM killer killed a process of container `id` (its memory
    /// cgroup's `oom_kill` count), read before the container is deleted.
    fn oom_killed(&self, id: &str) -> bool {
        let Ok((rel, _)) = self.pod_cgroup() else {
            return false;
        };
        let dirs = crate::executor::cgroup::all_paths(&rel.join(id));
        crate::executor::cgroup::oom_kills(&dirs).is_some_and(|n| n > 0)
    }

    fn volumes(&mut self) -> Result<(), String> {
        let p = self.p;
        let mut payloads = BTreeMap::new();
        for v in p.spec.volumes.iter().flatten() {
            if let Some(r) =
                volume_payload(v, &p.meta, &p.spec, &p.objects, &super::container::facts())
            {
                let payload = r.map_err(|e| {
                    format!("MountVolume.SetUp failed for volume {:?} : {e}", v.name)
                })?;
                payloads.insert(v.name.clone(), payload);
            }
        }
        let kubelet = self.pod.path("kubelet");
        let sandbox = self.pod.path("sandbox");
        self.share(&self.pod.dir)
            .map_err(|e| format!("{}: {e}", self.pod.dir.display()))?;
        for d in [&kubelet, &sandbox, &self.pod.path("bundles")] {
            self.journal
                .record(&Entry::Dir { path: d.clone() })
                .map_err(|e| e.to_string())?;
            crate::private::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
            self.share(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        self.kubelet_files(&kubelet, &sandbox)
            .map_err(|e| format!("writing the pod's files: {e}"))?;
        let set = set_up(&VolumeInput {
            spec: &p.spec,
            payloads: &payloads,
            kubelet_dir: &kubelet,
            journal: &self.journal,
            ownership: &FsGroupOwnership,
        })
        .map_err(|e| e.to_string())?;
        for (name, s) in set {
            if let Some(o) = s.ownership {
                self.record.notes.push(format!("volume {name}: {o}"));
            }
        }
        self.save_record().map_err(|e| e.to_string())
    }

    fn kubelet_files(&self, kubelet: &Path, sandbox: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let host_net = self.p.spec.host_network == Some(true);
        let hosts = if host_net {
            format!(
                "# Kubernetes-managed hosts file (host network).\n{}",
                std::fs::read_to_string("/etc/hosts").unwrap_or_default()
            )
        } else {
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n".to_string()
        };
        std::fs::write(kubelet.join("etc-hosts"), hosts)?;
        std::fs::set_permissions(
            kubelet.join("etc-hosts"),
            std::fs::Permissions::from_mode(0o644),
        )?;
        for c in &self.p.resolved.containers {
            let d = kubelet.join("containers").join(&c.name);
            std::fs::create_dir_all(&d)?;
            std::fs::write(d.join("termination-log"), b"")?;
            std::fs::set_permissions(
                d.join("termination-log"),
                std::fs::Permissions::from_mode(0o666),
            )?;
        }
        let hostname = RenderOptions::for_pod(&self.p.meta, &self.p.spec).hostname;
        std::fs::write(sandbox.join("hostname"), format!("{hostname}\n"))?;
        std::fs::write(
            sandbox.join("resolv.conf"),
            std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
        )?;
        Ok(())
    }

    fn start_sandbox(&mut self) -> Result<(), RunError> {
        let p = self.p;
        let dir = self.pod.path("sandbox");
        let rootfs = dir.join("rootfs");
        std::fs::create_dir_all(&rootfs).map_err(RunError::io(rootfs.display().to_string()))?;
        // A rendered container spec (new namespaces, hostname, sysctls) is the base.
        let base = p
            .resolved
            .containers
            .iter()
            .filter(|c| c.kind != ContainerKind::Ephemeral)
            .find_map(|c| render_container(p, self.pod, c, &rootfs, None).ok());
        let Some(base) = base else {
            return Ok(()); // no container can start: nothing to share
        };
        sandbox::prepare_rootfs(&rootfs).map_err(RunError::io("the sandbox rootfs"))?;
        let mut spec = sandbox::sandbox_spec(&base.spec, &rootfs);
        if self.record.runtime.is_some() {
            spec.set_version(EXTERNAL_OCI_VERSION.into());
        }
        let id = container_id(&self.pod.name, "_sandbox");
        self.cgroups_path(&mut spec, &id);
        let bundle = dir.join("bundle");
        crate::private::create_dir_all(&bundle)
            .map_err(RunError::io(bundle.display().to_string()))?;
        spec.save(bundle.join("config.json"))
            .map_err(|e| RunError::Io {
                context: "the sandbox config.json".into(),
                source: std::io::Error::other(e),
            })?;
        self.journal.record(&Entry::Container {
            id: id.clone(),
            runtime: self.record.runtime.clone(),
            root: self.record.executor_root.clone(),
        })?;
        self.record.sandbox = Some(id.clone());
        self.save_record()?;
        self.exec.create(&id, &bundle, Stdio::Null)?;
        self.exec.start(&id)?;
        let st = self.exec.state(&id)?;
        self.sandbox_pid = Some(st.pid as u32);
        Ok(())
    }

    /// Creates and starts `c`; its executor id, or `None` after recording why not.
    fn start(&mut self, c: &ResolvedContainer) -> Option<String> {
        let bundle = bundle_dir(self.pod, &c.name);
        let rootfs = bundle.join("rootfs");
        let id = container_id(&self.pod.name, &c.name);
        self.record.containers.push(ContainerRecord {
            name: c.name.clone(),
            kind: kind_name(c.kind).into(),
            id: id.clone(),
        });
        let _ = self.save_record();
        match self.create(c, &bundle, &rootfs, &id) {
            Err(f) => {
                if let Some(s) = self.status.container_mut(&c.name) {
                    s.set_create_error(&f.reason, &f.message);
                }
                self.diag(&format!("[{}] {}: {}", c.name, f.reason, f.message));
                self.save(false);
                None
            }
            Ok(user) => match self.exec.start(&id) {
                Err(e) => {
                    if let Some(s) = self.status.container_mut(&c.name) {
                        s.container_id = Some(format!("secctx://{id}"));
                        s.set_start_error(&e.to_string(), &clock::now());
                    }
                    self.diag(&format!("[{}] StartError: {e}", c.name));
                    self.save(false);
                    None
                }
                Ok(()) => {
                    if let Some(s) = self.status.container_mut(&c.name) {
                        s.set_running(&format!("secctx://{id}"), &clock::now(), user.as_ref());
                    }
                    self.save(false);
                    Some(id)
                }
            },
        }
    }

    fn create(
        &mut self,
        c: &ResolvedContainer,
        bundle: &Path,
        rootfs: &Path,
        id: &str,
    ) -> Result<Option<LinuxUser>, super::container::CreateFailure> {
        let fail = |m: String| super::container::CreateFailure {
            reason: "CreateContainerError".into(),
            message: m,
        };
        // Checks that need no filesystem come first (runAsNonRoot, env), as the kubelet's
        // generateContainerConfig runs before containerd creates anything.
        if let Some(e) = &c.start_error {
            return Err(super::container::CreateFailure {
                reason: e.reason.clone(),
                message: e.message.clone(),
            });
        }
        self.journal
            .record(&Entry::Dir {
                path: bundle.to_path_buf(),
            })
            .map_err(|e| fail(e.to_string()))?;
        crate::private::create_dir_all(bundle).map_err(|e| fail(e.to_string()))?;
        self.share(bundle).map_err(|e| fail(e.to_string()))?;
        if !rootfs.exists() {
            let unpack_to = if self.hooks.overlay_rootfs() {
                bundle.join("lower")
            } else {
                rootfs.to_path_buf()
            };
            self.p
                .store
                .unpack(&c.image, &unpack_to)
                .map_err(|e| fail(format!("unpacking {}: {e}", c.image)))?;
            // hostUsers: false: nothing is chowned; the executor id-maps the rootfs.
            if self.hooks.overlay_rootfs() {
                self.overlay(bundle, rootfs)
                    .map_err(|e| fail(format!("overlay rootfs: {e}")))?;
            }
        }
        super::container::prepare_sub_paths(self.p, self.pod, c, &self.journal)?;
        let mut rendered = render_container(self.p, self.pod, c, rootfs, self.sandbox_pid)?;
        self.cgroups_path(&mut rendered.spec, id);
        self.hooks
            .spec(c, &mut rendered)
            .map_err(|e| fail(format!("recording: {e}")))?;
        let mut text = rendered.config_json();
        if self.record.runtime.is_some() {
            text = text.replacen(
                &format!("\"ociVersion\": \"{}\"", secctx_core::oci::OCI_VERSION),
                &format!("\"ociVersion\": \"{EXTERNAL_OCI_VERSION}\""),
                1,
            );
        }
        // config.json carries the env (passwords): 0600 from creation.
        std::io::Write::write_all(
            &mut crate::private::create(&bundle.join("config.json"))
                .map_err(|e| fail(e.to_string()))?,
            text.as_bytes(),
        )
        .map_err(|e| fail(e.to_string()))?;
        self.journal
            .record(&Entry::Container {
                id: id.to_string(),
                runtime: self.record.runtime.clone(),
                root: self.record.executor_root.clone(),
            })
            .map_err(|e| fail(e.to_string()))?;
        let pipes = self
            .pump
            .add(&c.name, &self.pod.log_path(&c.name), self.echo)
            .map_err(|e| fail(format!("log pipes: {e}")))?;
        let (stdout, stderr) = pipes.paths();
        let r = self
            .exec
            .create(id, bundle, Stdio::Files { stdout, stderr });
        drop(pipes);
        r.map_err(|e| fail(e.to_string()))?;
        let pid = self.exec.state(id).map(|s| s.pid).unwrap_or(0);
        self.bundles.insert(id.to_string(), bundle.to_path_buf());
        self.hooks.created(c, &Created { id, pid, bundle });
        // `user.linux` as containerd reports it: from the spec the runtime got
        // (`toCRIContainerUser`: uid, gid, additionalGids).
        Ok(rendered.spec.process().as_ref().map(|p| {
            let u = p.user();
            LinuxUser {
                uid: i64::from(u.uid()),
                gid: i64::from(u.gid()),
                supplemental_groups: u
                    .additional_gids()
                    .iter()
                    .flatten()
                    .map(|g| i64::from(*g))
                    .collect(),
            }
        }))
    }

    /// `rootfs` as an overlay of `<bundle>/lower` (the unpacked image) with a fresh
    /// `<bundle>/upper`, journalled before it is mounted ([`Hooks::overlay_rootfs`]).
    fn overlay(&self, bundle: &Path, rootfs: &Path) -> Result<(), RunError> {
        let (lower, upper, work) = (
            bundle.join("lower"),
            bundle.join("upper"),
            bundle.join("work"),
        );
        for d in [&upper, &work, &rootfs.to_path_buf()] {
            std::fs::create_dir(d).map_err(RunError::io(d.display().to_string()))?;
        }
        self.journal.record(&Entry::Mount {
            path: rootfs.to_path_buf(),
        })?;
        // The directories are this pod's, made above: no component is the container's.
        if [&lower, &upper, &work]
            .iter()
            .any(|d| d.to_string_lossy().contains([',', ':', '\\']))
        {
            return Err(RunError::Io {
                context: "overlay rootfs".into(),
                source: std::io::Error::other(format!(
                    "{}: a path with ',', ':' or '\\' cannot be an overlay layer",
                    bundle.display()
                )),
            });
        }
        let data = std::ffi::CString::new(format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            upper.display(),
            work.display()
        ))
        .map_err(|e| RunError::io("overlay options")(std::io::Error::other(e)))?;
        rustix::mount::mount(
            "overlay",
            rootfs,
            "overlay",
            rustix::mount::MountFlags::empty(),
            Some(data.as_c_str()),
        )
        .map_err(|e| RunError::io("mount overlay")(e.into()))
    }

    /// Waits for every container in `ids` to exit, copying logs.
    fn wait(&mut self, ids: &[(String, String)]) {
        let mut left: Vec<(String, String)> = ids.to_vec();
        while !left.is_empty() {
            self.pump.poll();
            let mut done = Vec::new();
            for (name, id) in &left {
                let stopped = match self.exec.state(id) {
                    Ok(s) => s.status == Status::Stopped,
                    Err(_) => true,
                };
                if stopped {
                    let code = self.exec.wait(id).unwrap_or(-1);
                    let p = self.p;
                    if let (Some(c), Some(bundle)) = (
                        p.resolved.containers.iter().find(|c| &c.name == name),
                        self.bundles.get(id),
                    ) {
                        let created = Created { id, pid: 0, bundle };
                        self.hooks.exited(c, &created, code);
                    }
                    // Give the pipes a moment to drain, then stop reading them.
                    for _ in 0..50 {
                        self.pump.poll();
                        if self.pump.drained(name) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    self.pump.close(name);
                    let oom = self.oom_killed(id);
                    if let Some(s) = self.status.container_mut(name) {
                        s.set_terminated(code, &clock::now());
                        if oom {
                            s.set_oom_killed();
                        }
                    }
                    self.save(false);
                    done.push(name.clone());
                }
            }
            left.retain(|(n, _)| !done.contains(n));
            if !left.is_empty() {
                std::thread::sleep(POLL);
            }
        }
    }
}

/// The record of a new pod.
pub fn new_record(p: &Prepared, runtime: Option<PathBuf>, executor_root: PathBuf) -> PodRecord {
    PodRecord {
        name: p.name().to_string(),
        namespace: p.meta.namespace.clone().unwrap_or_else(|| "default".into()),
        uid: p.meta.uid.clone().unwrap_or_default(),
        manifest: p.manifest.display().to_string(),
        created: clock::now(),
        restart_policy: p.spec.restart_policy.clone(),
        runtime,
        executor_root,
        monitor: None,
        sandbox: None,
        containers: Vec::new(),
        notes: p.not_enforced(),
    }
}
