//! Windows options (`validateWindowsSecurityContextOptions`, pod and container) and the
//! hostProcess rules (`validateWindowsHostProcessPod`).
//!
//! The bad values here are `*string` / `*bool` in Go, so they print through `json.Marshal`:
//! a control character in `runAsUserName` shows as `\u0001`, not `%q`'s `\x01`.

use std::sync::LazyLock;

use k8s_openapi::api::core::v1::{PodSpec, WindowsSecurityContextOptions};
use regex::Regex;

use crate::path::FieldPath;

use super::error::FieldError;
use super::format::is_dns1123_subdomain;
use super::gojson::GoJson;
use super::visit::{host_network, in_visit_order};

const MAX_GMSA_CREDENTIAL_SPEC_LENGTH_KIB: usize = 64;
const MAX_GMSA_CREDENTIAL_SPEC_LENGTH: usize = MAX_GMSA_CREDENTIAL_SPEC_LENGTH_KIB * 1024;
const MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH: usize = 256;
const MAX_RUN_AS_USER_NAME_USER_LENGTH: usize = 104;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// `ctrlRegex`: `[[:cntrl:]]+` (ASCII controls only, as in RE2).
static CTRL_RE: LazyLock<Regex> = LazyLock::new(|| re(r"[[:cntrl:]]+"));
/// `validNetBiosRegex`.
static NETBIOS_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"^[^\\/:\*\?"<>|\.][^\\/:\*\?"<>|]{0,14}$"#));
/// `validWindowsUserDomainDNSRegex`.
static DOMAIN_DNS_RE: LazyLock<Regex> = LazyLock::new(|| {
    let label = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
    re(&format!(r"^{label}(?:\.{label})*$"))
});
/// `invalidUserNameCharsRegex`.
static USER_CHARS_RE: LazyLock<Regex> = LazyLock::new(|| re(r#"["/\\:;|=,\+\*\?<>@\[\]]"#));
/// `invalidUserNameDotsSpacesRegex`.
static USER_DOTS_SPACES_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[\. ]+$"));

/// `validateWindowsSecurityContextOptions(o, path)`; `path` is `<...>.windowsOptions`.
pub fn validate_options(
    options: Option<&WindowsSecurityContextOptions>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let Some(o) = options else { return Vec::new() };
    let mut errs = Vec::new();

    if let Some(name) = &o.gmsa_credential_spec_name {
        let p = path.child("gmsaCredentialSpecName");
        for msg in is_dns1123_subdomain(name) {
            errs.push(FieldError::invalid(
                p.clone(),
                GoJson::Str(name.clone()),
                &msg,
            ));
        }
    }

    if let Some(spec) = &o.gmsa_credential_spec {
        let p = path.child("gmsaCredentialSpec");
        if spec.is_empty() {
            errs.push(FieldError::invalid(
                p,
                GoJson::Str(spec.clone()),
                "gmsaCredentialSpec cannot be an empty string",
            ));
        } else if spec.len() > MAX_GMSA_CREDENTIAL_SPEC_LENGTH {
            errs.push(FieldError::invalid(
                p,
                GoJson::Str(spec.clone()),
                &format!("gmsaCredentialSpec size must be under {MAX_GMSA_CREDENTIAL_SPEC_LENGTH_KIB} KiB"),
            ));
        }
    }

    if let Some(name) = &o.run_as_user_name {
        errs.extend(validate_run_as_user_name(
            name,
            &path.child("runAsUserName"),
        ));
    }
    errs
}

fn validate_run_as_user_name(name: &str, path: &FieldPath) -> Vec<FieldError> {
    let invalid = |msg: &str| FieldError::invalid(path.clone(), GoJson::Str(name.to_string()), msg);
    if name.is_empty() {
        return vec![invalid("runAsUserName cannot be an empty string")];
    }
    if CTRL_RE.is_match(name) {
        return vec![invalid("runAsUserName cannot contain control characters")];
    }
    let parts: Vec<&str> = name.split('\\').collect();
    if parts.len() > 2 {
        return vec![invalid(
            "runAsUserName cannot contain more than one backslash",
        )];
    }
    let (domain, user) = match parts.as_slice() {
        [user] => (None, *user),
        [domain, user] => (Some(*domain), *user),
        _ => unreachable!("split yields one or two parts here"),
    };

    let mut errs = Vec::new();
    if domain.map_or(0, str::len) >= MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH {
        errs.push(invalid(&format!(
            "runAsUserName's Domain length must be under {MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH} characters"
        )));
    }
    if let Some(d) = domain
        && !(NETBIOS_RE.is_match(d) || DOMAIN_DNS_RE.is_match(d))
    {
        errs.push(invalid(
            "runAsUserName's Domain doesn't match the NetBios nor the DNS format",
        ));
    }
    if user.is_empty() {
        errs.push(invalid("runAsUserName's User cannot be empty"));
    } else if user.len() > MAX_RUN_AS_USER_NAME_USER_LENGTH {
        errs.push(invalid(&format!(
            "runAsUserName's User length must not be longer than {MAX_RUN_AS_USER_NAME_USER_LENGTH} characters"
        )));
    }
    if USER_DOTS_SPACES_RE.is_match(user) {
        errs.push(invalid(
            "runAsUserName's User cannot contain only periods or spaces",
        ));
    }
    if USER_CHARS_RE.is_match(user) {
        errs.push(invalid(
            r#"runAsUserName's User cannot contain the following characters: "/\:;|=,+*?<>@[]"#,
        ));
    }
    errs
}

/// `validateWindowsHostProcessPod(spec, specPath)`: runs for every pod, whatever `spec.os`.
/// A container is hostProcess when it says so, or says nothing and the pod says so. If any is:
/// all must be, `hostNetwork` must be true, and `--allow-privileged` must be on.
pub fn validate_host_process(
    spec: &PodSpec,
    spec_path: &FieldPath,
    allow_privileged: bool,
) -> Vec<FieldError> {
    let pod_hp = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|w| w.host_process);
    let mut errs = Vec::new();
    let mut containers = 0;
    let mut host_process = 0;
    for c in in_visit_order(spec, spec_path) {
        containers += 1;
        let own = c
            .security_context
            .and_then(|sc| sc.windows_options.as_ref())
            .and_then(|w| w.host_process);
        if let (Some(pod), Some(own)) = (pod_hp, own)
            && pod != own
        {
            errs.push(FieldError::invalid(
                c.path
                    .child("securityContext")
                    .child("windowsOptions")
                    .child("hostProcess"),
                own,
                &format!(
                    "pod hostProcess value must be identical if both are specified, was {pod}"
                ),
            ));
        }
        if own == Some(true) || (own.is_none() && pod_hp == Some(true)) {
            host_process += 1;
        }
    }
    if host_process > 0 {
        if host_process != containers {
            errs.push(FieldError::invalid(
                spec_path.clone(),
                "",
                "If pod contains any hostProcess containers then all containers must be HostProcess containers",
            ));
        }
        if !host_network(spec) {
            errs.push(FieldError::invalid(
                spec_path.child("hostNetwork"),
                false,
                "hostNetwork must be true if pod contains any hostProcess containers",
            ));
        }
        if !allow_privileged {
            errs.push(FieldError::forbidden(
                spec_path.clone(),
                "hostProcess containers are disallowed by cluster policy",
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(name: &str) -> Vec<String> {
        validate_run_as_user_name(name, &FieldPath::new("x"))
            .into_iter()
            .map(|e| e.detail)
            .collect()
    }

    #[test]
    fn run_as_user_name_rules() {
        assert!(errs("user").is_empty());
        assert!(errs("DOMAIN\\user").is_empty());
        assert!(errs("my.domain.com\\user").is_empty());
        assert!(errs("NT AUTHORITY\\NETWORK SERVICE").is_empty());
        assert_eq!(errs("a\\b\\c").len(), 1);
        assert_eq!(
            errs("\\user"),
            vec!["runAsUserName's Domain doesn't match the NetBios nor the DNS format"]
        );
        assert_eq!(
            errs("..."),
            vec!["runAsUserName's User cannot contain only periods or spaces"]
        );
        assert_eq!(errs("dom\\"), vec!["runAsUserName's User cannot be empty"]);
        assert_eq!(errs(&"u".repeat(105)).len(), 1);
        assert_eq!(
            errs(&format!("{}\\u", "d".repeat(256))),
            vec![
                "runAsUserName's Domain length must be under 256 characters",
                "runAsUserName's Domain doesn't match the NetBios nor the DNS format",
            ]
        );
        // NetBIOS allows 15 characters, starting with anything but a dot or a reserved one.
        assert!(errs("ABCDEFGHIJKLMNO\\u").is_empty());
        assert!(errs("-netbios_name!\\u").is_empty());
        assert_eq!(errs(".x\\u").len(), 1);
    }
}
