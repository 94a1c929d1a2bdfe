//! `secctx check` in a repository: the `.secctx.yaml` found upward from the inputs (or
//! `--config-file`), `--exclude`, `--fail-on`, `--strict-files`, and colour.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::ValueEnum;
use secctx_core::check::glob::Glob;
use secctx_core::check::repo_config::CONFIG_FILE_NAME;
use secctx_core::check::{ConfigBase, FailOn, RepoConfig};

/// When to colour text output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set to a non-empty value.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour standard output.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// `--fail-on` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Validation errors and enforce violations.
    Error,
    /// Errors and warn/audit violations (templates included).
    Warning,
    /// Never (input errors still exit 2).
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(f: FailOnArg) -> FailOn {
        match f {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

/// The repository configuration for `files`: `explicit` if given, else the first
/// `.secctx.yaml` in the directory of the first file input (standard input: the working
/// directory) or one of its parents; none with `disabled`.
pub fn repo_config(
    files: &[PathBuf],
    explicit: Option<&Path>,
    disabled: bool,
) -> anyhow::Result<RepoConfig> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None if disabled => None,
        None => find_upward(files)?,
    };
    let Some(path) = path else {
        return Ok(RepoConfig::default());
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let shown = path.display().to_string();
    let mut config =
        RepoConfig::parse(&shown, &text).map_err(|e| anyhow::anyhow!("{shown}:{e}"))?;
    let abs =
        std::fs::canonicalize(&path).with_context(|| format!("resolving {}", path.display()))?;
    let root = abs.parent().unwrap_or(Path::new("/"));
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .context("the working directory")?;
    config.base = Some(ConfigBase {
        root: root.display().to_string(),
        cwd: cwd.display().to_string(),
    });
    Ok(config)
}

fn find_upward(files: &[PathBuf]) -> anyhow::Result<Option<PathBuf>> {
    let start = match files.iter().find(|f| f.as_os_str() != "-") {
        Some(f) if f.is_dir() => f.clone(),
        Some(f) => match f.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
        None => PathBuf::from("."),
    };
    // A missing input is reported as an input error later; look from the working directory.
    let Ok(mut dir) = std::fs::canonicalize(&start).or_else(|_| std::fs::canonicalize(".")) else {
        return Ok(None);
    };
    loop {
        let candidate = dir.join(CONFIG_FILE_NAME);
        if candidate.is_file() {
            return Ok(Some(candidate));
        }
        if !dir.pop() {
            return Ok(None);
        }
    }
}

/// Parses `--exclude` globs.
pub fn excludes(globs: &[String]) -> anyhow::Result<Vec<Glob>> {
    globs
        .iter()
        .map(|g| Glob::new(g).map_err(|e| anyhow::anyhow!("--exclude: {e}")))
        .collect()
}

/// Whether an input path is left out: by `--exclude` (matched on the path as given or found)
/// or by the configuration's `ignore` (relative to its directory).
pub fn is_excluded(path: &Path, excludes: &[Glob], config: &RepoConfig) -> bool {
    let shown = path.display().to_string();
    excludes.iter().any(|g| g.matches(&shown)) || config.ignored(&shown)
}
