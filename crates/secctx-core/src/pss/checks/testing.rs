//! Table-driven test support for the check unit tests.

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::CheckFn;
use crate::pss::result::CheckResult;

/// One case: a pod (`{"metadata": …, "spec": …}` JSON) and the expected `(reason, detail)`,
/// or `None` for allowed.
pub(crate) struct Case {
    pub name: &'static str,
    pub pod: Value,
    pub want: Option<(&'static str, &'static str)>,
}

/// A case with expected `(reason, detail)` (`None` = allowed).
pub(crate) fn case(
    name: &'static str,
    pod: Value,
    want: Option<(&'static str, &'static str)>,
) -> Case {
    Case { name, pod, want }
}

/// Runs the check on the pod given as JSON.
pub(crate) fn run(check: CheckFn, pod: &Value) -> CheckResult {
    let pod: Pod = serde_json::from_value(pod.clone()).expect("test pod deserializes");
    let spec = pod.spec.unwrap_or_default();
    check(&pod.metadata, &spec)
}

/// Asserts every case's exact reason and detail.
pub(crate) fn run_cases(check: CheckFn, cases: &[Case]) {
    for c in cases {
        let got = run(check, &c.pod);
        assert_eq!(got.message(), c.want, "case {:?}", c.name);
    }
}

/// Asserts the offending field paths and containers of a forbidden result.
pub(crate) fn assert_locations(check: CheckFn, pod: &Value, fields: &[&str], containers: &[&str]) {
    match run(check, pod) {
        CheckResult::Allowed => panic!("expected forbidden"),
        CheckResult::Forbidden {
            fields: got_fields,
            containers: got_containers,
            ..
        } => {
            let got_fields: Vec<String> = got_fields.iter().map(ToString::to_string).collect();
            assert_eq!(got_fields, fields);
            let p: Pod = serde_json::from_value(pod.clone()).expect("test pod deserializes");
            let spec = p.spec.unwrap_or_default();
            let names: Vec<&str> = got_containers
                .iter()
                .filter_map(|c| c.name(&spec))
                .collect();
            assert_eq!(names, containers);
        }
    }
}
