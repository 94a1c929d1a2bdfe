//! `secctx image ...`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use secctx_runtime::image::build::ImageBuilder;
use secctx_runtime::image::limits::parse_size;
use secctx_runtime::image::{RunConfig, UnpackLimits};
use secctx_runtime::store::{DEFAULT_ROOT, PullOptions, Store};

use crate::output::{Format, emit};

/// Image subcommands.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build a one-layer image from a rootfs directory (modes and owners kept), as an OCI
    /// layout directory or a docker-archive tar.
    Build(BuildArgs),
    /// Import an OCI layout directory, a docker-archive tar or a rootfs directory into the
    /// store as NAME (every blob's digest checked).
    Import(ImportArgs),
    /// Pull an image from a registry over the OCI distribution API (HTTPS; plain HTTP only
    /// with --insecure). Multi-platform images resolve to linux/amd64.
    Pull(PullArgs),
    /// List the images in the store.
    Ls(LsArgs),
    /// Remove an image from the store (and every blob no other image uses).
    Rm(RmArgs),
    /// Unpack an image's layers into an empty directory (whiteouts honoured, owners and modes
    /// kept, nothing written outside DIR).
    Unpack(UnpackArgs),
}

/// Where the image store is.
#[derive(Clone, Debug, Args)]
pub struct StoreArgs {
    /// The store's root directory (images under ROOT/images).
    #[arg(long = "root", value_name = "DIR", env = "SECCTX_ROOT", default_value = DEFAULT_ROOT)]
    pub root: PathBuf,
    /// Stop unpacking an image whose layers expand past SIZE (bytes, or with K, M, G, T, Ki,
    /// Mi, Gi, Ti; 0 = no limit); the partial unpack is removed.
    #[arg(
        long = "max-unpack-size",
        value_name = "SIZE",
        env = "SECCTX_MAX_UNPACK_SIZE",
        default_value = "32Gi",
        value_parser = parse_size
    )]
    pub max_unpack_size: u64,
    /// Stop unpacking, importing or pulling when the file system written to has less than
    /// SIZE free (0 = no floor).
    #[arg(
        long = "min-free-space",
        value_name = "SIZE",
        env = "SECCTX_MIN_FREE_SPACE",
        default_value = "1Gi",
        value_parser = parse_size
    )]
    pub min_free_space: u64,
}

impl StoreArgs {
    /// Opens the store, with the unpack limits given.
    pub fn open(&self) -> anyhow::Result<Store> {
        let limits = UnpackLimits {
            max_size: self.max_unpack_size,
            min_free: self.min_free_space,
        };
        Store::open(&self.root)
            .map(|s| s.with_limits(limits))
            .with_context(|| format!("opening the store {}", self.root.display()))
    }
}

/// Arguments of `image import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The name to give the image (`busybox:1.28`).
    pub name: String,
    /// An OCI layout directory, a docker-archive tar or a rootfs directory.
    pub source: PathBuf,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Arguments of `image pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The image reference (`registry.example:5000/app:1.0`, `busybox@sha256:...`).
    pub reference: String,
    /// Talk plain HTTP to the registry (no TLS).
    #[arg(long)]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file (a registry with a private CA).
    #[arg(long = "ca-file", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Arguments of `image ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Arguments of `image rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The image name.
    pub name: String,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Arguments of `image unpack`.
#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// The image name.
    pub name: String,
    /// The directory to unpack into (created if missing; must be empty).
    pub dir: PathBuf,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Output formats of `image build`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BuildFormat {
    /// An OCI image layout directory.
    Oci,
    /// A `docker save`-style tar.
    DockerArchive,
}

/// Arguments of `image build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The rootfs directory.
    #[arg(long, value_name = "DIR")]
    pub rootfs: PathBuf,
    /// The image reference to record (`busybox:1.28`).
    #[arg(long, value_name = "REF")]
    pub tag: String,
    /// Config `User`.
    #[arg(long, default_value = "")]
    pub user: String,
    /// Config `Cmd` (repeat for each argument).
    #[arg(long = "cmd", value_name = "ARG")]
    pub cmd: Vec<String>,
    /// Config `Env` (`K=V`, repeatable).
    #[arg(long = "env", value_name = "K=V")]
    pub env: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BuildFormat::Oci)]
    pub format: BuildFormat,
    /// Where to write the layout directory or the tar.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
}

/// Runs an image subcommand.
pub fn run(cmd: ImageCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ImageCommand::Build(a) => {
            let env = if a.env.is_empty() {
                vec![
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
                ]
            } else {
                a.env
            };
            let builder = ImageBuilder::new()
                .config(RunConfig {
                    user: Some(a.user),
                    env: Some(env),
                    cmd: (!a.cmd.is_empty()).then_some(a.cmd),
                    ..RunConfig::default()
                })
                .layer_dir(&a.rootfs)
                .with_context(|| format!("reading {}", a.rootfs.display()))?;
            match a.format {
                BuildFormat::Oci => builder.write_oci_layout(&a.output, &a.tag)?,
                BuildFormat::DockerArchive => builder.write_docker_archive(&a.output, &a.tag)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        ImageCommand::Import(a) => {
            let r = a
                .store
                .open()?
                .import(&a.name, &a.source)
                .with_context(|| format!("importing {}", a.source.display()))?;
            emit(&format!("{} {}\n", r.name, r.digest))?;
            Ok(ExitCode::SUCCESS)
        }
        ImageCommand::Pull(a) => {
            let opts = PullOptions {
                insecure: a.insecure,
                ca_file: a.ca_file,
            };
            let r = a
                .store
                .open()?
                .pull(&a.reference, &opts)
                .with_context(|| format!("pulling {}", a.reference))?;
            emit(&format!("{} {}\n", r.name, r.digest))?;
            Ok(ExitCode::SUCCESS)
        }
        ImageCommand::Ls(a) => {
            let list = a.store.open()?.list()?;
            match a.format {
                Format::Json => emit(&format!("{}\n", serde_json::to_string_pretty(&list)?))?,
                Format::Text => {
                    let w = list.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
                    let mut out =
                        format!("{:w$}  {:19}  {:>10}  SOURCE\n", "NAME", "DIGEST", "SIZE");
                    for r in &list {
                        let short = r.digest.get(..19).unwrap_or(&r.digest);
                        out.push_str(&format!(
                            "{:w$}  {short:19}  {:>10}  {}\n",
                            r.name, r.size, r.source
                        ));
                    }
                    emit(&out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ImageCommand::Rm(a) => {
            let r = a.store.open()?.remove(&a.name)?;
            emit(&format!("{} {}\n", r.name, r.digest))?;
            Ok(ExitCode::SUCCESS)
        }
        ImageCommand::Unpack(a) => {
            let u = a
                .store
                .open()?
                .unpack(&a.name, &a.dir)
                .with_context(|| format!("unpacking {} into {}", a.name, a.dir.display()))?;
            emit(&format!("{} {}\n", u.record.name, u.record.digest))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
