//! Localhost (OCI-format) profiles: strict decoding with errors that name the field, the
//! moby-format trap, and what such profiles allow.

use std::collections::{BTreeMap, BTreeSet};

use secctx_core::seccomp::{
    Action, LinuxSeccomp, LocalhostError, Operator, SeccompMode, SyscallSummary, parse_localhost,
};

fn decode_err(json: &str) -> secctx_core::seccomp::DecodeError {
    match parse_localhost(json) {
        Err(LocalhostError::Decode(e)) => e,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn a_fine_grained_profile_loads() {
    let p = parse_localhost(
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "defaultErrnoRet": 38,
            "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [
                {"names": ["read", "write", "exit_group", "futex"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
                {"names": ["write"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
                {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
                {"names": ["unlink"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                {"names": ["getpid"], "action": "SCMP_ACT_LOG"},
                {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"}
            ]
        }"#,
    )
    .unwrap();
    assert_eq!(p.default_errno_ret, Some(38));
    assert_eq!(p.syscalls[1].args[0].op, Operator::ScmpCmpEq);
    let s = SyscallSummary::of(&p);
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        s.allowed,
        names(&["exit_group", "futex", "getpid", "read", "write"])
    );
    // write is allowed outright, so only socket is filtered.
    assert_eq!(s.arg_filtered, names(&["socket"]));
    assert_eq!(
        s.errno,
        BTreeMap::from([("mkdir".to_string(), 1), ("unlink".to_string(), 13)])
    );
    assert_eq!(SeccompMode::of(Some(&p)), SeccompMode::Filter);
}

#[test]
fn proc_status_seccomp_field() {
    let allow_all = parse_localhost(r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#).unwrap();
    assert_eq!(SeccompMode::of(Some(&allow_all)).as_u8(), 2);
    assert_eq!(SeccompMode::of(None).as_u8(), 0);
    assert_eq!(SeccompMode::of(None).to_string(), "0");
    assert_eq!(SeccompMode::Filter.to_string(), "2");
    assert_eq!(SeccompMode::from_u8(2), Some(SeccompMode::Filter));
    assert_eq!(SeccompMode::from_u8(1), Some(SeccompMode::Strict));
    assert_eq!(SeccompMode::from_u8(0), Some(SeccompMode::Disabled));
    assert_eq!(SeccompMode::from_u8(3), None);
}

#[test]
fn unknown_fields_are_named() {
    let e = decode_err(r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscals": []}"#);
    assert_eq!(e.path, "syscals");
    assert!(
        e.message
            .starts_with("unknown field `syscals`, expected one of `defaultAction`"),
        "{e}"
    );
    assert_eq!((e.line, e.column), (1, 45)); // the closing quote of "syscals"

    let e = decode_err(
        r#"{"defaultAction": "SCMP_ACT_ERRNO",
            "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ", "valuetwo": 2}]}]}"#,
    );
    assert_eq!(e.path, "syscalls[0].args[0].valuetwo");
    assert!(e.message.contains("unknown field `valuetwo`"), "{e}");
    assert_eq!(e.line, 3);
    assert_eq!(
        LocalhostError::Decode(e.clone()).to_string(),
        format!(
            "decoding seccomp profile failed: syscalls[0].args[0].valuetwo: {} (line 3, column {})",
            e.message, e.column
        )
    );
}

#[test]
fn bad_values_are_errors() {
    let e = decode_err(r#"{"defaultAction": "SCMP_ACT_DENY"}"#);
    assert_eq!(e.path, "defaultAction");
    assert!(e.message.contains("unknown variant `SCMP_ACT_DENY`"), "{e}");

    let e =
        decode_err(r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_AMD64"]}"#);
    assert_eq!(e.path, "architectures[0]");

    let e = decode_err(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]}"#,
    );
    assert_eq!(e.path, "syscalls[0].args[0].op");

    let e = decode_err(r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1}"#);
    assert_eq!(e.path, "defaultErrnoRet");

    let e = decode_err(r#"{"syscalls": []}"#);
    assert!(e.message.contains("missing field `defaultAction`"), "{e}");

    let e = decode_err(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]}"#,
    );
    assert_eq!(e.path, "syscalls[0]");
    assert!(e.message.contains("missing field `names`"), "{e}");

    let e = decode_err(r#"{"defaultAction": "SCMP_ACT_ERRNO"} {}"#);
    assert!(e.message.contains("trailing characters"), "{e}");

    let e = decode_err("");
    assert!(e.message.contains("EOF"), "{e}");
}

#[test]
fn nulls_read_as_go_zero_values() {
    let p = parse_localhost(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": null, "flags": null,
            "listenerPath": null, "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW", "args": null}]}"#,
    )
    .unwrap();
    assert!(p.architectures.is_empty() && p.flags.is_empty() && p.listener_path.is_empty());
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW"}]}"#
    );
}

#[test]
fn moby_profiles_are_recognised() {
    let moby_json = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/seccomp/moby-default-v0.2.3.json"
    ))
    .expect("testdata/seccomp/moby-default-v0.2.3.json is part of the crate");
    match parse_localhost(&moby_json) {
        Err(LocalhostError::MobyFormat { field, source, .. }) => {
            assert_eq!(field, "archMap");
            assert_eq!(source.path, "archMap");
        }
        other => panic!("expected MobyFormat, got {other:?}"),
    }

    let conditional = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}"#;
    let e = parse_localhost(conditional).unwrap_err();
    assert!(
        matches!(&e, LocalhostError::MobyFormat { field, .. } if field == "syscalls[1].includes"),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "decoding seccomp profile failed: `syscalls[1].includes` is a Docker/moby profile field, not OCI; containerd would ignore it, applying the rule unconditionally"
        ),
        "{msg}"
    );
}

#[test]
fn serialisation_round_trips() {
    let json = r#"{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"],"flags":["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],"syscalls":[{"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":3,"op":"SCMP_CMP_MASKED_EQ"}]},{"names":["x"],"action":"SCMP_ACT_NOTIFY"}]}"#;
    let p: LinuxSeccomp = parse_localhost(json).unwrap();
    assert_eq!(p.syscalls[1].action, Action::ScmpActNotify);
    assert_eq!(serde_json::to_string(&p).unwrap(), json);
}
