//! `linux.resources` as the kubelet computes them and containerd writes them, and the pod's own
//! cgroup. Upstream: kubelet `pkg/kubelet/cm/helpers_linux.go` (`MilliCPUToShares`,
//! `MilliCPUToQuota`, `ResourceConfigForPod`), `pkg/kubelet/kuberuntime/
//! kuberuntime_container_linux.go` (`calculateLinuxResources`, `configureContainerSwapResources`),
//! `pkg/api/v1/resource` (`PodRequests`, `PodLimits`), containerd's CRI `WithResources`.
//!
//! Per container: `cpu.shares` = max(2, min(262144, milliCPU × 1024 / 1000)) from the cpu
//! request (a missing request defaults to the limit, as the API server defaults it);
//! `cpu.period` 100000 always (the kubelet sends it and containerd writes every non-zero value);
//! `cpu.quota` = max(1000, milliCPU × 100000 / 1000) only with a cpu limit (0 otherwise, which
//! containerd leaves out); `memory.limit` = the memory limit in bytes; `memory.swap` = the limit
//! when the node has a swap controller (the kubelet's `NoSwap`: on cgroup v1 swap limit =
//! memory limit; on cgroup v2 `unified["memory.swap.max"] = "0"`); on cgroup v2 also
//! `unified["memory.oom.group"] = "1"` (kubelet `singleProcessOOMKill` is false there).
//!
//! The pod cgroup (`ResourceConfigForPod`, cgroupfs driver): `/kubepods/pod<uid>` (Guaranteed),
//! `/kubepods/burstable/pod<uid>`, `/kubepods/besteffort/pod<uid>`; shares from the pod's summed
//! requests, quota and period when every container limits cpu, memory limit when every
//! container limits memory (Guaranteed: always); BestEffort: shares 2 only. Sums follow
//! `PodRequests`/`PodLimits`: regular containers and sidecars add up, an init container counts
//! with the sidecars started before it, and the larger of the two wins; `overhead` is added.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use oci_spec::runtime::{LinuxCpu, LinuxMemory, LinuxResources};

use super::qos::{QosClass, qos_class};
use super::quantity::Quantity;
use crate::resolve::ContainerKind;

/// The kernel's (and kubelet's) smallest `cpu.shares`.
pub const MIN_SHARES: u64 = 2;
/// The kernel's (and kubelet's) largest `cpu.shares`.
pub const MAX_SHARES: u64 = 262_144;
/// `cpu.shares` per CPU.
pub const SHARES_PER_CPU: i64 = 1024;
/// The CFS period the kubelet sends (µs; `CPUCFSQuotaPeriod` feature off).
pub const QUOTA_PERIOD: u64 = 100_000;
/// The smallest CFS quota (µs).
pub const MIN_QUOTA: i64 = 1000;

/// `MilliCPUToShares`.
pub fn milli_cpu_to_shares(milli_cpu: i64) -> u64 {
    if milli_cpu == 0 {
        return MIN_SHARES;
    }
    let shares = milli_cpu.saturating_mul(SHARES_PER_CPU) / 1000;
    (shares.max(MIN_SHARES as i64) as u64).min(MAX_SHARES)
}

/// `MilliCPUToQuota` with the default period: 0 (no quota) for 0.
pub fn milli_cpu_to_quota(milli_cpu: i64) -> i64 {
    if milli_cpu == 0 {
        return 0;
    }
    (milli_cpu.saturating_mul(QUOTA_PERIOD as i64) / 1000).max(MIN_QUOTA)
}

/// A value and where it came from (for `explain`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Why: the field and formula, or the default.
    pub source: String,
}

fn sourced<T>(value: T, source: impl Into<String>) -> Sourced<T> {
    Sourced {
        value,
        source: source.into(),
    }
}

/// Facts about the node the kubelet reads (`RenderOptions` carries them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeCgroups {
    /// cgroup v2 (unified) rather than v1.
    pub v2: bool,
    /// A swap controller exists (`memory.memsw.limit_in_bytes` on v1, `memory.swap.max` on v2).
    pub swap: bool,
}

/// One container's resources as the kubelet sends them to containerd.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerResources {
    /// The pod's QoS class.
    pub qos: QosClass,
    /// `cpu.shares`.
    pub cpu_shares: Sourced<u64>,
    /// `cpu.cfs_quota_us`; `None`: no cpu limit (unlimited).
    pub cpu_quota: Sourced<Option<i64>>,
    /// `cpu.cfs_period_us`.
    pub cpu_period: u64,
    /// `memory.limit_in_bytes`; `None`: no memory limit.
    pub memory_limit: Sourced<Option<i64>>,
}

/// Why resources cannot be computed: a quantity that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {value:?} is not a resource quantity")]
pub struct QuantityError {
    /// e.g. `spec.containers[0].resources.limits.memory`.
    pub field: String,
    /// The text.
    pub value: String,
}

fn list_path(kind: ContainerKind) -> &'static str {
    match kind {
        ContainerKind::Init => "initContainers",
        ContainerKind::Regular => "containers",
        ContainerKind::Ephemeral => "ephemeralContainers",
    }
}

fn parse(
    map: Option<&BTreeMap<String, K8sQuantity>>,
    name: &str,
    field: impl Fn() -> String,
) -> Result<Option<Quantity>, QuantityError> {
    match map.and_then(|m| m.get(name)) {
        None => Ok(None),
        Some(q) => Quantity::parse(&q.0)
            .map(Some)
            .ok_or_else(|| QuantityError {
                field: field(),
                value: q.0.clone(),
            }),
    }
}

/// The requirements of container `index` of list `kind` (ephemeral containers have none).
pub fn requirements(
    spec: &PodSpec,
    kind: ContainerKind,
    index: usize,
) -> Option<&ResourceRequirements> {
    let c: Option<&Container> = match kind {
        ContainerKind::Init => spec.init_containers.as_ref().and_then(|l| l.get(index)),
        ContainerKind::Regular => spec.containers.get(index),
        ContainerKind::Ephemeral => None,
    };
    c.and_then(|c| c.resources.as_ref())
}

/// The kubelet's resources for container `index` of list `kind`.
pub fn container_resources(
    spec: &PodSpec,
    kind: ContainerKind,
    index: usize,
) -> Result<ContainerResources, QuantityError> {
    let r = requirements(spec, kind, index);
    let base = format!("spec.{}[{index}].resources", list_path(kind));
    let requests = r.and_then(|r| r.requests.as_ref());
    let limits = r.and_then(|r| r.limits.as_ref());
    let cpu_request = parse(requests, "cpu", || format!("{base}.requests.cpu"))?;
    let cpu_limit = parse(limits, "cpu", || format!("{base}.limits.cpu"))?;
    let mem_limit = parse(limits, "memory", || format!("{base}.limits.memory"))?;
    let milli = |q: &Quantity| q.milli_value().unwrap_or(i64::MAX);

    let cpu_shares = match (&cpu_request, &cpu_limit) {
        (Some(q), _) => {
            let m = milli(q);
            sourced(
                milli_cpu_to_shares(m),
                format!("{base}.requests.cpu: max(2, {m}m × 1024 / 1000)"),
            )
        }
        (None, Some(q)) => {
            let m = milli(q);
            sourced(
                milli_cpu_to_shares(m),
                format!(
                    "{base}.limits.cpu (no cpu request: it defaults to the limit): max(2, {m}m × 1024 / 1000)"
                ),
            )
        }
        (None, None) => sourced(MIN_SHARES, "default: no cpu request: the minimum, 2"),
    };
    let cpu_quota = match cpu_limit.as_ref().map(milli).filter(|m| *m != 0) {
        Some(m) => sourced(
            Some(milli_cpu_to_quota(m)),
            format!("{base}.limits.cpu: max(1000, {m}m × 100000 / 1000) per 100000 µs"),
        ),
        None => sourced(None, "default: no cpu limit: no CFS quota"),
    };
    let memory_limit = match mem_limit
        .as_ref()
        .and_then(|q| q.value())
        .filter(|v| *v != 0)
    {
        Some(v) => sourced(Some(v), format!("{base}.limits.memory")),
        None => sourced(None, "default: no memory limit"),
    };
    Ok(ContainerResources {
        qos: qos_class(spec).unwrap_or(QosClass::Burstable),
        cpu_shares,
        cpu_quota,
        cpu_period: QUOTA_PERIOD,
        memory_limit,
    })
}

impl ContainerResources {
    /// `linux.resources` (without the device rules) as containerd writes it.
    pub fn to_oci(&self, node: NodeCgroups) -> LinuxResources {
        let mut cpu = LinuxCpu::default();
        cpu.set_shares(Some(self.cpu_shares.value));
        cpu.set_quota(self.cpu_quota.value);
        cpu.set_period(Some(self.cpu_period));
        let mut res = LinuxResources::default();
        res.set_cpu(Some(cpu));
        if let Some(limit) = self.memory_limit.value {
            let mut m = LinuxMemory::default();
            m.set_limit(Some(limit));
            if node.swap {
                m.set_swap(Some(limit));
            }
            res.set_memory(Some(m));
        }
        if node.v2 {
            let mut unified = std::collections::HashMap::new();
            unified.insert("memory.oom.group".to_string(), "1".to_string());
            if node.swap {
                unified.insert("memory.swap.max".to_string(), "0".to_string());
            }
            res.set_unified(Some(unified));
        }
        res
    }
}

/// The pod-level cgroup the kubelet creates before the sandbox (`ResourceConfigForPod`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCgroup {
    /// The QoS class.
    pub qos: QosClass,
    /// `/kubepods[/burstable|/besteffort]/pod<uid>` (cgroupfs driver).
    pub path: String,
    /// `cpu.shares` from the summed cpu requests (BestEffort: 2).
    pub cpu_shares: u64,
    /// `cpu.cfs_quota_us` from the summed cpu limits, when every container limits cpu.
    pub cpu_quota: Option<i64>,
    /// `cpu.cfs_period_us` with a quota.
    pub cpu_period: Option<u64>,
    /// `memory.limit_in_bytes`: the summed memory limits, when every container limits memory.
    pub memory_limit: Option<i64>,
}

/// The QoS part of the pod cgroup's path.
pub fn qos_dir(qos: QosClass) -> &'static str {
    match qos {
        QosClass::Guaranteed => "/kubepods",
        QosClass::Burstable => "/kubepods/burstable",
        QosClass::BestEffort => "/kubepods/besteffort",
    }
}

#[derive(Default, Clone, Copy)]
struct Amounts {
    cpu: i64,
    memory: i64,
}

impl Amounts {
    fn add(&mut self, o: Amounts) {
        self.cpu = self.cpu.saturating_add(o.cpu);
        self.memory = self.memory.saturating_add(o.memory);
    }
    fn max(&mut self, o: Amounts) {
        self.cpu = self.cpu.max(o.cpu);
        self.memory = self.memory.max(o.memory);
    }
}

/// `PodRequests` / `PodLimits` over cpu (millicores) and memory (bytes); `each` sees every
/// container's amounts.
fn pod_sum(
    spec: &PodSpec,
    limits: bool,
    each: &mut dyn FnMut(Amounts),
) -> Result<Amounts, QuantityError> {
    let amounts = |kind: ContainerKind, i: usize| -> Result<Amounts, QuantityError> {
        let r = requirements(spec, kind, i);
        let base = format!("spec.{}[{i}].resources", list_path(kind));
        let get = |name: &str| -> Result<i64, QuantityError> {
            let lim = parse(r.and_then(|r| r.limits.as_ref()), name, || {
                format!("{base}.limits.{name}")
            })?;
            let q = if limits {
                lim
            } else {
                // The API server defaults a missing request to the limit.
                parse(r.and_then(|r| r.requests.as_ref()), name, || {
                    format!("{base}.requests.{name}")
                })?
                .or(lim)
            };
            Ok(match (name, q) {
                (_, None) => 0,
                ("cpu", Some(q)) => q.milli_value().unwrap_or(i64::MAX),
                (_, Some(q)) => q.value().unwrap_or(i64::MAX),
            })
        };
        Ok(Amounts {
            cpu: get("cpu")?,
            memory: get("memory")?,
        })
    };
    let mut total = Amounts::default();
    for i in 0..spec.containers.len() {
        let a = amounts(ContainerKind::Regular, i)?;
        each(a);
        total.add(a);
    }
    let mut sidecars = Amounts::default();
    let mut init_max = Amounts::default();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        let a = amounts(ContainerKind::Init, i)?;
        each(a);
        if c.restart_policy.as_deref() == Some("Always") {
            total.add(a);
            sidecars.add(a);
            init_max.max(sidecars);
        } else {
            let mut t = a;
            t.add(sidecars);
            init_max.max(t);
        }
    }
    total.max(init_max);
    if let Some(o) = &spec.overhead {
        let cpu = parse(Some(o), "cpu", || "spec.overhead.cpu".into())?;
        let mem = parse(Some(o), "memory", || "spec.overhead.memory".into())?;
        if !limits || total.cpu != 0 {
            total.cpu = total
                .cpu
                .saturating_add(cpu.and_then(|q| q.milli_value()).unwrap_or(0));
        }
        if !limits || total.memory != 0 {
            total.memory = total
                .memory
                .saturating_add(mem.and_then(|q| q.value()).unwrap_or(0));
        }
    }
    Ok(total)
}

/// The pod cgroup of pod `uid` (`<pod-uid>` when empty).
pub fn pod_cgroup(spec: &PodSpec, uid: &str) -> Result<PodCgroup, QuantityError> {
    let requests = pod_sum(spec, false, &mut |_| {})?;
    let (mut cpu_declared, mut mem_declared) = (true, true);
    let limits = pod_sum(spec, true, &mut |a| {
        cpu_declared &= a.cpu != 0;
        mem_declared &= a.memory != 0;
    })?;
    let qos = qos_class(spec).unwrap_or(QosClass::Burstable);
    let uid = if uid.is_empty() { "<pod-uid>" } else { uid };
    let path = format!("{}/pod{uid}", qos_dir(qos));
    let shares = milli_cpu_to_shares(requests.cpu);
    let quota = milli_cpu_to_quota(limits.cpu);
    let mut out = PodCgroup {
        qos,
        path,
        cpu_shares: shares,
        cpu_quota: None,
        cpu_period: None,
        memory_limit: None,
    };
    match qos {
        QosClass::Guaranteed => {
            out.cpu_quota = Some(quota);
            out.cpu_period = Some(QUOTA_PERIOD);
            out.memory_limit = Some(limits.memory);
        }
        QosClass::Burstable => {
            if cpu_declared {
                out.cpu_quota = Some(quota);
                out.cpu_period = Some(QUOTA_PERIOD);
            }
            if mem_declared {
                out.memory_limit = Some(limits.memory);
            }
        }
        QosClass::BestEffort => out.cpu_shares = MIN_SHARES,
    }
    Ok(out)
}

/// One container's resources with its name and `process.oomScoreAdj`, for `explain`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedResources {
    /// The container name.
    pub name: String,
    /// The resources.
    #[serde(flatten)]
    pub resources: ContainerResources,
    /// `process.oomScoreAdj` (`None`: depends on the node).
    pub oom_score_adj: Sourced<Option<i32>>,
}

/// What `explain` shows about a pod's resources.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodResources {
    /// The pod cgroup (its QoS class included).
    pub pod_cgroup: PodCgroup,
    /// Every container, init and regular, in the order of the spec.
    pub containers: Vec<NamedResources>,
}

/// The pod's resources as the kubelet computes them (`uid`: `<pod-uid>` when empty).
pub fn pod_resources(spec: &PodSpec, uid: &str) -> Result<PodResources, QuantityError> {
    let mut containers = Vec::new();
    for c in crate::resolve::all_containers(spec) {
        if c.kind == ContainerKind::Ephemeral {
            continue;
        }
        containers.push(NamedResources {
            name: c.name.to_string(),
            resources: container_resources(spec, c.kind, c.index)?,
            oom_score_adj: super::qos::oom_score_adj_sourced(spec),
        });
    }
    Ok(PodResources {
        pod_cgroup: pod_cgroup(spec, uid)?,
        containers,
    })
}

#[cfg(test)]
mod tests;
