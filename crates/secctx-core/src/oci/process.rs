//! `process`: args (CRI command/args over the image's entrypoint/cmd), env (PATH, HOSTNAME,
//! image env, container env), cwd, the user (uid, gid, sorted additional gids with the
//! primary) and `noNewPrivileges`. containerd's `WithoutDefaultSecuritySettings` removes the
//! default `RLIMIT_NOFILE`, so CRI containers have no `rlimits`.

use oci_spec::runtime::{Process, User};

use super::RenderError;
use super::options::RenderOptions;
use crate::resolve::{ContainerRef, ResolvedContainer};

/// containerd's default `PATH` (`oci.WithDefaultPathEnv`).
pub const DEFAULT_PATH_ENV: &str =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The process section, without capabilities and LSM labels.
pub fn process(
    c: &ContainerRef<'_>,
    rc: &ResolvedContainer,
    opts: &RenderOptions,
    notes: &mut Vec<String>,
) -> Result<Process, RenderError> {
    let mut p = Process::default();
    p.set_terminal(None);
    p.set_user(user(rc)?);
    p.set_args(Some(args(c, opts)?));
    p.set_env(Some(env(c, opts, notes)));
    p.set_cwd(cwd(c, opts).into());
    p.set_rlimits(None);
    p.set_no_new_privileges(rc.no_new_privs.get().copied().filter(|n| *n));
    p.set_apparmor_profile(None);
    p.set_selinux_label(None);
    notes.push(
        "rlimits: none (containerd's WithoutDefaultSecuritySettings drops RLIMIT_NOFILE 1024; \
         the process inherits containerd-shim's limits)"
            .into(),
    );
    Ok(p)
}

/// `process.user` from the resolved identity.
pub fn user(rc: &ResolvedContainer) -> Result<User, RenderError> {
    let id = &rc.identity;
    let uid = *id
        .uid
        .get()
        .ok_or_else(|| RenderError::IdentityUnknown(format!("uid: {}", unknown(&id.uid))))?;
    let gid = *id
        .gid
        .get()
        .ok_or_else(|| RenderError::IdentityUnknown(format!("gid: {}", unknown(&id.gid))))?;
    if let Some(why) = &id.groups.incomplete {
        return Err(RenderError::IdentityUnknown(format!(
            "additionalGids: {why}"
        )));
    }
    let mut u = User::default();
    u.set_uid(to_u32(uid));
    u.set_gid(to_u32(gid));
    let gids: Vec<u32> = id.groups.gids.iter().map(|g| to_u32(*g)).collect();
    u.set_additional_gids((!gids.is_empty()).then_some(gids));
    Ok(u)
}

fn unknown<T>(f: &crate::resolve::Fact<T>) -> String {
    match &f.value {
        crate::resolve::Known::Unknown(reason) => reason.to_string(),
        crate::resolve::Known::Known(_) => String::new(),
    }
}

/// Identities are validated to 0..=2147483647 before this point.
fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// containerd's `WithProcessArgs(config, image)` (the moby rule): without a CRI command, the
/// image entrypoint (unless it is `[""]`), then CRI args, else the image cmd.
pub fn args(c: &ContainerRef<'_>, opts: &RenderOptions) -> Result<Vec<String>, RenderError> {
    let mut command: Vec<String> = c.command.map(<[String]>::to_vec).unwrap_or_default();
    let mut args: Vec<String> = c.args.map(<[String]>::to_vec).unwrap_or_default();
    if command.is_empty() {
        let image = opts
            .image
            .as_ref()
            .ok_or_else(|| RenderError::ImageUnknown(c.image.to_string()))?;
        if args.is_empty() {
            args = image.cmd.clone();
        }
        if !(image.entrypoint.len() == 1 && image.entrypoint[0].is_empty()) {
            command = image.entrypoint.clone();
        }
    }
    if command.is_empty() && args.is_empty() {
        return Err(RenderError::NoCommand);
    }
    command.extend(args);
    Ok(command)
}

/// `PATH`, `HOSTNAME`, the image env, then the container's env; a later `KEY=` replaces an
/// earlier one in place (containerd's `replaceOrAppendEnvValues`).
pub fn env(c: &ContainerRef<'_>, opts: &RenderOptions, notes: &mut Vec<String>) -> Vec<String> {
    let mut env = vec![DEFAULT_PATH_ENV.to_string()];
    let mut set = |kv: String| {
        let key = kv.split('=').next().unwrap_or("").to_string();
        match env
            .iter_mut()
            .find(|e| e.split('=').next() == Some(key.as_str()))
        {
            Some(slot) => *slot = kv,
            None => env.push(kv),
        }
    };
    set(format!("HOSTNAME={}", opts.hostname));
    for e in opts.image.iter().flat_map(|i| i.env.iter()) {
        set(e.clone());
    }
    for e in c.env.into_iter().flatten() {
        match (&e.value, &e.value_from) {
            (_, Some(_)) => notes.push(format!(
                "env {}: valueFrom is resolved by the kubelet at start; left out",
                e.name
            )),
            (v, None) => set(format!("{}={}", e.name, v.as_deref().unwrap_or(""))),
        }
    }
    notes.push(
        "env: the kubelet's service variables (KUBERNETES_SERVICE_HOST, ...) and $(VAR) \
         expansion are not rendered"
            .into(),
    );
    env
}

/// `workingDir`, else the image's, else `/`.
pub fn cwd(c: &ContainerRef<'_>, opts: &RenderOptions) -> String {
    match c.working_dir {
        Some(w) if !w.is_empty() => w.to_string(),
        _ => opts
            .image
            .as_ref()
            .map(|i| i.working_dir.clone())
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "/".into()),
    }
}
