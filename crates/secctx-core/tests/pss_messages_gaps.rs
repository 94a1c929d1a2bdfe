//! Golden messages the other `pss_messages*` files leave out: singular/plural forms of the
//! restricted checks not covered there, and init → regular → ephemeral container order inside
//! one message. Expected strings are written from PSA's format strings.

mod pss_common;

use pss_common::{c, enforce, forbidden, restricted_pod};
use serde_json::json;

const R: &str = "restricted:latest";

fn hardened(extra: serde_json::Value) -> serde_json::Value {
    let mut sc = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    pss_common::merge(&mut sc, extra);
    sc
}

#[test]
fn capabilities_restricted_singular_add_only() {
    let p = restricted_pod(
        vec![c(
            "a",
            hardened(json!({"capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}})),
        )],
        json!({}),
    );
    assert_eq!(
        enforce(R, p),
        forbidden(
            R,
            r#"unrestricted capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add)"#
        )
    );
}

#[test]
fn procmount_restricted_plural() {
    let p = restricted_pod(
        vec![
            c("a", hardened(json!({"procMount": "Unmasked"}))),
            c("b", hardened(json!({"procMount": "Unmasked"}))),
        ],
        json!({}),
    );
    assert_eq!(
        enforce(R, p),
        forbidden(
            R,
            r#"procMount (containers "a", "b" must not set securityContext.procMount to "Unmasked")"#
        )
    );
}

#[test]
fn containers_are_listed_init_regular_ephemeral() {
    let mut p = restricted_pod(
        vec![c("regular", hardened(json!({"privileged": true})))],
        json!({}),
    );
    p["spec"]["initContainers"] = json!([c("init", hardened(json!({"privileged": true})))]);
    p["spec"]["ephemeralContainers"] = json!([c("debug", hardened(json!({"privileged": true})))]);
    assert_eq!(
        enforce(R, p),
        forbidden(
            R,
            r#"privileged (containers "init", "regular", "debug" must not set securityContext.privileged=true)"#
        )
    );
}
