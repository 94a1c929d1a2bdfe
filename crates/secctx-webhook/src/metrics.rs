//! `/metrics`: PSA's `pod_security_*` counters with its names and labels (spec §2.6,
//! pod-security-admission `metrics/metrics.go`), and a request-duration histogram per endpoint.
//! Text in the OpenMetrics format (prometheus-client), which Prometheus scrapes.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use secctx_core::pss::{Level, LevelVersion, Version};

/// The newest policy version this binary knows; newer ones are labelled `future`, as PSA
/// labels versions newer than its own build.
pub const NEWEST_MINOR: u64 = 37;

/// Request-duration buckets, in seconds: 50 µs to 3 s (the webhook's timeout budget).
const DURATION_BUCKETS: [f64; 14] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0,
    3.0,
];

/// Labels of `pod_security_evaluations_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EvaluationLabels {
    decision: &'static str,
    policy_level: &'static str,
    policy_version: String,
    mode: &'static str,
    request_operation: String,
    resource: &'static str,
    subresource: String,
}

/// Labels of `pod_security_exemptions_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ExemptionLabels {
    request_operation: String,
    resource: &'static str,
    subresource: String,
}

/// Labels of `pod_security_errors_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    fatal: &'static str,
    request_operation: String,
    resource: &'static str,
    subresource: String,
}

/// Labels of the request-duration histogram.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    endpoint: &'static str,
    code: u16,
}

/// What a metric is recorded about: the request's operation, resource and subresource.
#[derive(Clone, Copy, Debug)]
pub struct RequestAttrs<'a> {
    /// `CREATE`, `UPDATE`, ...
    pub operation: &'a str,
    /// The resource group.
    pub group: &'a str,
    /// The resource (plural).
    pub resource: &'a str,
    /// The subresource, or empty.
    pub subresource: &'a str,
}

impl RequestAttrs<'_> {
    /// PSA `operationLabel`: lower case.
    fn operation_label(&self) -> String {
        self.operation.to_ascii_lowercase()
    }

    /// PSA `resourceLabel`: `pod`, `namespace`, or `controller` for everything else.
    fn resource_label(&self) -> &'static str {
        match (self.group, self.resource) {
            ("", "pods") => "pod",
            ("", "namespaces") => "namespace",
            _ => "controller",
        }
    }
}

/// PSA's decision label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// `allow`.
    Allow,
    /// `deny`.
    Deny,
}

/// PSA's mode label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `enforce`.
    Enforce,
    /// `audit`.
    Audit,
    /// `warn`.
    Warn,
}

/// The server's metrics, registered once.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    evaluations: Family<EvaluationLabels, Counter>,
    exemptions: Family<ExemptionLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    durations: Family<RequestLabels, Histogram, fn() -> Histogram>,
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// All metrics, registered and at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let evaluations = Family::<EvaluationLabels, Counter>::default();
        let exemptions = Family::<ExemptionLabels, Counter>::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        let durations: Family<RequestLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(duration_histogram);
        // prometheus-client appends `_total` to counters.
        registry.register(
            "pod_security_evaluations",
            "Number of policy evaluations that occurred, not counting ignored or exempt requests.",
            evaluations.clone(),
        );
        registry.register(
            "pod_security_exemptions",
            "Number of exempt requests, not counting ignored or out of scope requests.",
            exemptions.clone(),
        );
        registry.register(
            "pod_security_errors",
            "Number of errors preventing normal evaluation. Non-fatal errors may result in the latest restricted profile being used for evaluation.",
            errors.clone(),
        );
        registry.register(
            "secctx_webhook_request_duration_seconds",
            "Time from the request's headers to its response, by endpoint and HTTP code.",
            durations.clone(),
        );
        Metrics {
            registry,
            evaluations,
            exemptions,
            errors,
            durations,
        }
    }

    /// PSA `RecordEvaluation`.
    pub fn evaluation(
        &self,
        decision: Decision,
        policy: LevelVersion,
        mode: Mode,
        a: RequestAttrs,
    ) {
        let version = match policy.version {
            _ if policy.level == Level::Privileged => "latest".to_owned(),
            Version::Latest => "latest".to_owned(),
            Version::V1(m) if m > NEWEST_MINOR => "future".to_owned(),
            v => v.to_string(),
        };
        self.evaluations
            .get_or_create(&EvaluationLabels {
                decision: match decision {
                    Decision::Allow => "allow",
                    Decision::Deny => "deny",
                },
                policy_level: policy.level.as_str(),
                policy_version: version,
                mode: match mode {
                    Mode::Enforce => "enforce",
                    Mode::Audit => "audit",
                    Mode::Warn => "warn",
                },
                request_operation: a.operation_label(),
                resource: a.resource_label(),
                subresource: a.subresource.to_owned(),
            })
            .inc();
    }

    /// PSA `RecordExemption`.
    pub fn exemption(&self, a: RequestAttrs) {
        self.exemptions
            .get_or_create(&ExemptionLabels {
                request_operation: a.operation_label(),
                resource: a.resource_label(),
                subresource: a.subresource.to_owned(),
            })
            .inc();
    }

    /// PSA `RecordError`.
    pub fn error(&self, fatal: bool, a: RequestAttrs) {
        self.errors
            .get_or_create(&ErrorLabels {
                fatal: if fatal { "true" } else { "false" },
                request_operation: a.operation_label(),
                resource: a.resource_label(),
                subresource: a.subresource.to_owned(),
            })
            .inc();
    }

    /// Records one request's duration.
    pub fn request(&self, endpoint: &'static str, code: u16, seconds: f64) {
        self.durations
            .get_or_create(&RequestLabels { endpoint, code })
            .observe(seconds);
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: RequestAttrs = RequestAttrs {
        operation: "CREATE",
        group: "",
        resource: "pods",
        subresource: "",
    };

    #[test]
    fn psa_names_and_labels() {
        let m = Metrics::new();
        let lv = |s: &str| s.parse::<LevelVersion>().unwrap();
        m.evaluation(Decision::Deny, lv("restricted:v1.30"), Mode::Enforce, POD);
        m.evaluation(Decision::Deny, lv("baseline:v1.99"), Mode::Warn, POD);
        m.evaluation(Decision::Allow, lv("privileged:v1.20"), Mode::Enforce, POD);
        m.exemption(RequestAttrs {
            resource: "deployments",
            group: "apps",
            ..POD
        });
        m.error(true, POD);
        m.request("validate", 200, 0.0002);
        let text = m.encode();
        for line in [
            r#"pod_security_evaluations_total{decision="deny",policy_level="restricted",policy_version="v1.30",mode="enforce",request_operation="create",resource="pod",subresource=""} 1"#,
            r#"pod_security_evaluations_total{decision="deny",policy_level="baseline",policy_version="future",mode="warn",request_operation="create",resource="pod",subresource=""} 1"#,
            r#"pod_security_evaluations_total{decision="allow",policy_level="privileged",policy_version="latest",mode="enforce",request_operation="create",resource="pod",subresource=""} 1"#,
            r#"pod_security_exemptions_total{request_operation="create",resource="controller",subresource=""} 1"#,
            r#"pod_security_errors_total{fatal="true",request_operation="create",resource="pod",subresource=""} 1"#,
            r#"secctx_webhook_request_duration_seconds_bucket{le="0.00025",endpoint="validate",code="200"} 1"#,
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
