//! `process.oomScoreAdj`: the kubelet's `GetContainerOOMScoreAdjust`. `system-node-critical`
//! pods and Guaranteed pods get -997, BestEffort pods 1000; Burstable pods a value from the
//! memory request and the node's memory capacity, which secctx does not know.
//!
//! QoS class (`GetPodQOS`) over init and regular containers, cpu and memory only: no request
//! or limit anywhere → BestEffort; every container limits both and the summed requests equal
//! the summed limits → Guaranteed (a request left out defaults to its limit, as the API server
//! defaults it); otherwise Burstable.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, ResourceRequirements};

/// The kubelet's adjustment for Guaranteed and node-critical pods.
pub const GUARANTEED_OOM_SCORE_ADJ: i32 = -997;
/// The kubelet's adjustment for BestEffort pods.
pub const BEST_EFFORT_OOM_SCORE_ADJ: i32 = 1000;

/// A pod's QoS class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum QosClass {
    /// Requests equal limits for cpu and memory in every container.
    Guaranteed,
    /// Anything between.
    Burstable,
    /// No cpu or memory request or limit anywhere.
    BestEffort,
}

/// A Kubernetes quantity in thousandths (`500m` → 500, `1Ki` → 1_024_000), rounded up as
/// `Quantity.MilliValue()` does, or `None` when it does not parse.
pub fn milli(q: &str) -> Option<i128> {
    super::quantity::Quantity::parse(q)?
        .milli_value()
        .map(i128::from)
}

fn amounts(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> Option<BTreeMap<&'static str, i128>> {
    let mut out = BTreeMap::new();
    for name in ["cpu", "memory"] {
        if let Some(q) = map.and_then(|m| m.get(name)) {
            let v = milli(&q.0)?;
            if v != 0 {
                out.insert(name, v);
            }
        }
    }
    Some(out)
}

/// The pod's QoS class; `None` when a quantity does not parse.
pub fn qos_class(spec: &PodSpec) -> Option<QosClass> {
    let empty = ResourceRequirements::default();
    let mut requests: BTreeMap<&str, i128> = BTreeMap::new();
    let mut limits: BTreeMap<&str, i128> = BTreeMap::new();
    let mut guaranteed = true;
    let containers = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter());
    for c in containers {
        let r = c.resources.as_ref().unwrap_or(&empty);
        let lim = amounts(r.limits.as_ref())?;
        let mut req = amounts(r.requests.as_ref())?;
        for (k, v) in &lim {
            let explicit = r.requests.as_ref().is_some_and(|m| m.contains_key(*k));
            if !explicit {
                req.insert(k, *v);
            }
        }
        for (k, v) in req {
            *requests.entry(k).or_default() += v;
        }
        for (k, v) in &lim {
            *limits.entry(k).or_default() += v;
        }
        if !(lim.contains_key("cpu") && lim.contains_key("memory")) {
            guaranteed = false;
        }
    }
    Some(if requests.is_empty() && limits.is_empty() {
        QosClass::BestEffort
    } else if guaranteed && requests == limits {
        QosClass::Guaranteed
    } else {
        QosClass::Burstable
    })
}

/// `process.oomScoreAdj` and why (for `explain`); `None` for a Burstable pod, whose value
/// depends on the node's memory.
pub fn oom_score_adj_sourced(spec: &PodSpec) -> super::resources::Sourced<Option<i32>> {
    let (value, source) = if spec.priority_class_name.as_deref() == Some("system-node-critical") {
        (
            Some(GUARANTEED_OOM_SCORE_ADJ),
            "spec.priorityClassName system-node-critical: -997".to_string(),
        )
    } else {
        match qos_class(spec) {
            Some(QosClass::Guaranteed) => (Some(GUARANTEED_OOM_SCORE_ADJ), "Guaranteed pod: -997".into()),
            Some(QosClass::BestEffort) => (Some(BEST_EFFORT_OOM_SCORE_ADJ), "BestEffort pod: 1000".into()),
            _ => (
                None,
                "Burstable pod: 1000 - 1000 × memory request / node memory, clamped to 2..=999 (depends on the node)".into(),
            ),
        }
    };
    super::resources::Sourced { value, source }
}

/// `process.oomScoreAdj` when it does not depend on the node, with a note otherwise.
pub fn oom_score_adj(spec: &PodSpec, notes: &mut Vec<String>) -> Option<i32> {
    if spec.priority_class_name.as_deref() == Some("system-node-critical") {
        return Some(GUARANTEED_OOM_SCORE_ADJ);
    }
    match qos_class(spec) {
        Some(QosClass::Guaranteed) => Some(GUARANTEED_OOM_SCORE_ADJ),
        Some(QosClass::BestEffort) => Some(BEST_EFFORT_OOM_SCORE_ADJ),
        Some(QosClass::Burstable) => {
            notes.push(
                "process.oomScoreAdj: not rendered; a Burstable pod's value is \
                 1000 - 1000 × memory request / node memory (2..=999)"
                    .into(),
            );
            None
        }
        None => {
            notes.push(
                "process.oomScoreAdj: not rendered; a resource quantity does not parse".into(),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(milli("500m"), Some(500));
        assert_eq!(milli("1"), Some(1000));
        assert_eq!(milli("0.5"), Some(500));
        assert_eq!(milli("128Mi"), Some(128_000 << 20));
        assert_eq!(milli("1G"), Some(1_000_000_000_000));
        assert_eq!(milli("1x"), None);
    }

    fn spec(resources: &str) -> PodSpec {
        serde_json::from_str(&format!(
            r#"{{"containers": [{{"name": "a", "resources": {resources}}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn classes() {
        assert_eq!(qos_class(&spec("{}")), Some(QosClass::BestEffort));
        assert_eq!(
            qos_class(&spec(r#"{"limits": {"cpu": "1", "memory": "1Gi"}}"#)),
            Some(QosClass::Guaranteed)
        );
        assert_eq!(
            qos_class(&spec(
                r#"{"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m"}}"#
            )),
            Some(QosClass::Guaranteed)
        );
        assert_eq!(
            qos_class(&spec(r#"{"requests": {"memory": "1Gi"}}"#)),
            Some(QosClass::Burstable)
        );
        let mut notes = Vec::new();
        assert_eq!(oom_score_adj(&spec("{}"), &mut notes), Some(1000));
        assert_eq!(
            oom_score_adj(&spec(r#"{"requests": {"cpu": "1"}}"#), &mut notes),
            None
        );
        assert_eq!(notes.len(), 1);
    }
}
