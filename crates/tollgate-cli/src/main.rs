//! `tollgate`: scan container images for vulnerable OS packages, offline, with Trivy's habits.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

mod config;
mod registry;
mod scan;

#[derive(Parser)]
#[command(name = "tollgate", version, about = "Container image security scanner", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a container image (docker-archive tarball or OCI layout).
    Image(ImageArgs),
    /// Scan the packages an SBOM lists (CycloneDX or SPDX JSON, by Tollgate, Trivy or Syft).
    Sbom(SbomArgs),
    /// Scan an extracted root filesystem (installed packages and binaries).
    Rootfs(RootfsArgs),
    /// Scan a source tree or any directory for lockfiles.
    Fs(RootfsArgs),
    /// Check Dockerfiles and Kubernetes manifests for misconfigurations.
    Config(config::ConfigArgs),
    /// Build or inspect the advisory DB.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Run the scan server and Kubernetes admission webhook.
    Server(tollgate_server::ServerArgs),
    /// Write a self-signed CA and serving certificate for the webhook; print the caBundle.
    Cert(tollgate_server::CertArgs),
}

#[derive(Subcommand)]
enum DbCommand {
    /// Build the DB from advisory sources, replacing the old one atomically.
    Build(DbBuildArgs),
    /// Show what a DB holds.
    Info {
        /// DB directory (default: CACHE_DIR/db).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Cache directory.
        #[arg(long, env = "TOLLGATE_CACHE_DIR")]
        cache_dir: Option<PathBuf>,
    },
    /// Push a DB to a registry as an OCI artifact.
    Push(registry::DbPushArgs),
    /// Pull the DB from `--db-repository` into the cache, replacing the old one atomically.
    Update(registry::DbUpdateArgs),
}

#[derive(Args)]
struct DbBuildArgs {
    /// Output directory of the DB (created if missing).
    #[arg(long)]
    output: PathBuf,
    /// KIND=PATH with KIND one of alpine-secdb, debian-tracker, osv, nvd; repeatable.
    #[arg(long = "source", required = true)]
    sources: Vec<String>,
}

#[derive(Args, Clone)]
pub(crate) struct ScanArgs {
    /// Advisory DB directory (default: CACHE_DIR/db).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Cache directory for the DB and per-layer results.
    #[arg(long, env = "TOLLGATE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the layer cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Template for `--format template`: the template text, or `@FILE` to read it from FILE
    /// (Jinja syntax over the JSON report's fields: `{% for r in Results %}`).
    #[arg(long, short = 't')]
    pub template: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Severities to report, comma-separated (UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(long, short = 's', value_delimiter = ',')]
    pub severity: Vec<String>,
    /// Exit code when vulnerabilities are found.
    #[arg(long, default_value_t = 0)]
    pub exit_code: u8,
    /// Report only vulnerabilities with a fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Ignore file (`.trivyignore` lines or `.trivyignore.yaml`).
    #[arg(long)]
    pub ignorefile: Option<PathBuf>,
    /// List every package in the JSON report, not only vulnerable ones.
    #[arg(long)]
    pub list_all_pkgs: bool,
    /// No progress or warning messages.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Package types to report: `os`, `library` (language packages), or both (default).
    #[arg(long, value_delimiter = ',', default_values_t = vec!["os".to_string(), "library".to_string()])]
    pub pkg_types: Vec<String>,
    /// Report development dependencies of lockfiles too.
    #[arg(long)]
    pub include_dev_deps: bool,
    /// Directories to skip (globs over paths in the image: `/usr/lib/python3`, `**/node_modules`).
    #[arg(long, value_delimiter = ',')]
    pub skip_dirs: Vec<String>,
    /// Files to skip (globs: `app/requirements.txt`, `**/*.jar`).
    #[arg(long, value_delimiter = ',')]
    pub skip_files: Vec<String>,
    /// VEX documents (OpenVEX, CycloneDX VEX, CSAF VEX): findings they mark `not_affected`
    /// are dropped and counted.
    #[arg(long, value_delimiter = ',')]
    pub vex: Vec<PathBuf>,
    /// Statuses to drop: fixed, affected, will_not_fix, fix_deferred, end_of_life,
    /// under_investigation, not_affected.
    #[arg(long, value_delimiter = ',')]
    pub ignore_status: Vec<String>,
    /// Order of findings: severity (Trivy's order), epss (most likely exploited first) or risk
    /// (known exploited or likely, times impact).
    #[arg(long, value_enum, default_value_t = SortBy::Severity)]
    pub sort_by: SortBy,
    /// Exit code when the OS release is past its end of life.
    #[arg(long, default_value_t = 0)]
    pub exit_on_eol: u8,
    /// Accepted for Trivy compatibility: tollgate never updates the DB during a scan.
    #[arg(long)]
    pub skip_db_update: bool,
    /// Accepted for Trivy compatibility: scans are always offline.
    #[arg(long)]
    pub offline_scan: bool,
    /// What to look for, comma-separated: `vuln` (vulnerable packages), `secret` (exposed
    /// secrets), `misconfig` (Dockerfiles and Kubernetes manifests in `fs`/`rootfs`, the image
    /// config's history in `image`).
    #[arg(long, value_delimiter = ',', default_values_t = vec!["vuln".to_string(), "secret".to_string()])]
    pub scanners: Vec<String>,
    /// Directories of custom misconfiguration checks in Rego (with `--scanners misconfig`).
    #[arg(long = "config-policy", value_delimiter = ',')]
    pub config_policy: Vec<PathBuf>,
    /// Secret scanning config (Trivy's `trivy-secret.yaml` format; default: `trivy-secret.yaml`
    /// in the current directory when present).
    #[arg(long)]
    pub secret_config: Option<PathBuf>,
}

#[derive(Args)]
struct ImageArgs {
    /// Image archive (docker save / podman save / skopeo docker-archive) or OCI layout
    /// directory, optionally with `:TAG` or `@sha256:DIGEST`.
    #[arg(long, short = 'i')]
    input: Option<String>,
    /// Image name in a registry: `alpine`, `host:5000/team/app:1.4`, `app@sha256:...`.
    image: Option<String>,
    #[command(flatten)]
    scan: ScanArgs,
    #[command(flatten)]
    registry: registry::RegistryArgs,
}

#[derive(Args)]
struct SbomArgs {
    /// SBOM file: CycloneDX JSON or SPDX JSON.
    path: PathBuf,
    #[command(flatten)]
    scan: ScanArgs,
}

#[derive(Args)]
struct RootfsArgs {
    /// Directory to scan.
    path: PathBuf,
    #[command(flatten)]
    scan: ScanArgs,
}

/// Finding orders (`--sort-by`).
#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub(crate) enum SortBy {
    /// Trivy's order: package, version, severity.
    Severity,
    /// Highest EPSS score first.
    Epss,
    /// Highest risk score first.
    Risk,
}

/// Exit code of a scan that could not complete (bad input, unreadable image or DB), distinct
/// from the `--exit-code` gate so CI can tell a failed scan from a failed gate; clap's own
/// usage errors exit 2 as well.
pub(crate) const EXIT_SCAN_FAILED: u8 = 2;

/// Report formats.
#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Human-readable tables.
    Table,
    /// Trivy-compatible JSON.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// CycloneDX 1.6 JSON SBOM, with the vulnerabilities found.
    Cyclonedx,
    /// SPDX 2.3 JSON SBOM.
    SpdxJson,
    /// SPDX 2.3 tag-value SBOM.
    Spdx,
    /// A user template (`--template`).
    Template,
    /// GitHub dependency snapshot JSON.
    Github,
    /// Cosign vulnerability attestation predicate.
    CosignVuln,
}

impl Format {
    /// Formats that list every package, whatever `--list-all-pkgs` says.
    pub(crate) fn is_sbom(self) -> bool {
        matches!(
            self,
            Format::Cyclonedx | Format::SpdxJson | Format::Spdx | Format::Github
        )
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let mut msg = format!("{e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!(": {cause}"));
            }
            eprintln!("tollgate: error: {msg}");
            ExitCode::from(EXIT_SCAN_FAILED)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Image(a) => {
            let input = match (a.input, a.image) {
                (Some(i), _) => i,
                (None, Some(name)) => return registry::scan_image(&name, &a.scan, &a.registry),
                (None, None) => bail!("give an image: NAME[:TAG] or --input ARCHIVE_OR_OCI_DIR"),
            };
            scan::run_image(&input, &a.scan)
        }
        Command::Sbom(a) => scan::run_sbom(&a.path, &a.scan),
        Command::Rootfs(a) => scan::run_dir(&a.path, &a.scan, tollgate_analyze::ScanMode::Rootfs),
        Command::Fs(a) => scan::run_dir(&a.path, &a.scan, tollgate_analyze::ScanMode::Filesystem),
        Command::Config(a) => config::run(&a),
        Command::Server(a) => {
            let cache = cache_dir(a.cache_dir.as_deref())?;
            let db = db_dir(a.db.as_deref(), Some(&cache))?;
            tollgate_server::run(a, cache, db)
        }
        Command::Cert(a) => tollgate_server::run_cert(&a),
        Command::Db { command } => match command {
            DbCommand::Build(a) => db_build(&a),
            DbCommand::Info { db, cache_dir } => {
                let dir = db_dir(db.as_deref(), cache_dir.as_deref())?;
                let db = tollgate_db::store::Db::open(&dir)?;
                let m = db.metadata();
                println!("DB: {}", dir.join("tollgate.db").display());
                println!("schema version: {}", m.schema_version);
                println!("built at: {}", m.built_at);
                for s in &m.sources {
                    println!("source: {s}");
                }
                for (k, v) in &m.counts {
                    println!("{k}: {v}");
                }
                Ok(0)
            }
            DbCommand::Push(a) => registry::db_push(&a),
            DbCommand::Update(a) => registry::db_update(&a),
        },
    }
}

/// The cache directory: `--cache-dir`, else `$XDG_CACHE_HOME/tollgate`, else `~/.cache/tollgate`.
pub(crate) fn cache_dir(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = given {
        return Ok(d.to_path_buf());
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Ok(PathBuf::from(x).join("tollgate"));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".cache").join("tollgate")),
        None => bail!("no HOME to put the cache in: pass --cache-dir"),
    }
}

/// The DB directory: `--db`, else `CACHE_DIR/db`.
pub(crate) fn db_dir(db: Option<&Path>, cache: Option<&Path>) -> Result<PathBuf> {
    match db {
        Some(d) => Ok(d.to_path_buf()),
        None => Ok(cache_dir(cache)?.join("db")),
    }
}

fn db_build(a: &DbBuildArgs) -> Result<u8> {
    use tollgate_db::import::{import, SourceKind};
    let start = std::time::Instant::now();
    let mut batches = Vec::new();
    let mut names = Vec::new();
    for s in &a.sources {
        let (kind, path) = s.split_once('=').with_context(|| {
            format!("--source {s:?}: expected KIND=PATH, e.g. alpine-secdb=./secdb")
        })?;
        let kind: SourceKind = kind
            .parse()
            .map_err(|e| anyhow::anyhow!("--source {s:?}: {e}"))?;
        let batch = import(kind, Path::new(path))?;
        for w in &batch.warnings {
            eprintln!("tollgate: warning: {w}");
        }
        eprintln!(
            "tollgate: {kind} {path}: {} advisories, {} vulnerability details",
            batch.advisories.len(),
            batch.details.len()
        );
        names.push(format!("{kind}={path}"));
        batches.push(batch);
    }
    let summary = tollgate_db::store::build(&a.output, batches, names)?;
    eprintln!(
        "tollgate: DB written to {} in {:.1}s: {} advisories in {} namespaces, {} vulnerability details ({} duplicate advisories, {} rejected ids, {} unreferenced details dropped)",
        summary.path.display(),
        start.elapsed().as_secs_f64(),
        summary.advisories,
        summary.namespaces,
        summary.details,
        summary.duplicates_dropped,
        summary.rejected_dropped,
        summary.unreferenced_details_dropped,
    );
    Ok(0)
}
