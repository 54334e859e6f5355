//! Wiring of `tollgate image` and `tollgate rootfs`: source -> inventory -> findings -> report.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use tollgate_analyze::ScanMode;
use tollgate_db::{store::Db, Severity};
use tollgate_match::policy::{IgnoreFile, Policy};
use tollgate_report::{LayerMeta, Metadata, Report, TargetResult};

use crate::{cache_dir, db_dir, Format, ScanArgs};

/// How old a DB may be before the scan warns.
const DB_MAX_AGE_DAYS: i64 = 7;

struct Log {
    quiet: bool,
}

impl Log {
    fn info(&self, m: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("tollgate: {m}");
        }
    }
    fn warn(&self, m: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("tollgate: warning: {m}");
        }
    }
}

/// `tollgate image --input X`.
pub(crate) fn run_image(input: &str, a: &ScanArgs) -> Result<u8> {
    let cache = cache_dir(a.cache_dir.as_deref())?;
    let opts = tollgate_image::OpenOptions {
        temp_dir: None,
        ..Default::default()
    };
    let source = tollgate_image::open_with(input, &opts)?;
    let kind = "container_image";
    run(source.as_ref(), input, kind, a, &cache, ScanMode::Image)
}

/// `tollgate rootfs DIR` and `tollgate fs DIR`.
pub(crate) fn run_dir(dir: &Path, a: &ScanArgs, mode: ScanMode) -> Result<u8> {
    let cache = cache_dir(a.cache_dir.as_deref())?;
    let source = tollgate_image::open_rootfs(dir)?;
    let name = dir.display().to_string();
    run(&source, &name, "filesystem", a, &cache, mode)
}

fn today() -> (i32, u8, u8, String) {
    let now = time::OffsetDateTime::now_utc();
    let d = now.date();
    (
        d.year(),
        d.month() as u8,
        d.day(),
        format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day()),
    )
}

fn run(
    source: &dyn tollgate_image::Source,
    name: &str,
    artifact_type: &str,
    a: &ScanArgs,
    cache: &Path,
    mode: ScanMode,
) -> Result<u8> {
    let log = Log { quiet: a.quiet };
    let (y, m, d, today_s) = today();

    // Everything that can fail on bad flags or a missing DB fails before the image is read.
    let severities = a
        .severity
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            Severity::parse(s).with_context(|| {
                format!("--severity {s:?}: use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let ignore = load_ignorefile(a.ignorefile.as_deref())?;
    let ignore_statuses = a
        .ignore_status
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            tollgate_match::policy::parse_status(s).with_context(|| {
                format!("--ignore-status {s:?}: use fixed, affected, will_not_fix, fix_deferred, end_of_life, under_investigation or not_affected")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut vex = tollgate_match::vex::Vex::default();
    for p in &a.vex {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("--vex {}: cannot read it", p.display()))?;
        vex.load(&p.display().to_string(), &text)
            .map_err(|e| anyhow::anyhow!("--vex {e}"))?;
    }
    if a.exit_code == crate::EXIT_SCAN_FAILED {
        log.warn(format!(
            "--exit-code {} is also the code of a scan that could not complete",
            a.exit_code
        ));
    }
    let dbdir = db_dir(a.db.as_deref(), a.cache_dir.as_deref())?;
    let db = Db::open(&dbdir)?;
    check_db_age(&db, &log);

    let filter =
        tollgate_scan::PathFilter::new(&a.skip_dirs, &a.skip_files).map_err(anyhow::Error::msg)?;
    let analyzers = tollgate_analyze::analyzers_for(mode);
    let layer_cache = if a.no_cache {
        None
    } else {
        match tollgate_scan::LayerCache::open(cache) {
            Ok(c) => Some(c),
            Err(e) => {
                log.warn(format!(
                    "layer cache {} unusable ({e}): scanning without it",
                    cache.display()
                ));
                None
            }
        }
    };
    let started = std::time::Instant::now();
    let (mut inv, stats) = tollgate_scan::scan(
        source,
        &analyzers,
        layer_cache.as_ref(),
        &tollgate_image::Limits::default(),
    );
    log.info(format!(
        "{} layer(s): {} read, {} from cache, {} packages in {:.2}s",
        source.image().layers.len(),
        stats.layers_walked,
        stats.layers_cached,
        inv.packages.len(),
        started.elapsed().as_secs_f64()
    ));
    filter.apply(&mut inv);
    if !a.include_dev_deps {
        // Trivy's default: development-only dependencies are not shipped, so not reported.
        for app in &mut inv.applications {
            app.packages.retain(|p| !p.package.dev);
        }
        inv.applications.retain(|app| !app.packages.is_empty());
    }
    for w in &inv.warnings {
        log.warn(w);
    }
    // A partly broken image: report what could be read and say, always, what could not.
    for e in &inv.errors {
        eprintln!("tollgate: error: {e} (the report below does not cover it)");
    }

    let mut report = Report {
        artifact_name: name.to_string(),
        artifact_type: artifact_type.to_string(),
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        metadata: image_metadata(source.image()),
        ..Default::default()
    };
    report.metadata.os = inv.os.clone();
    for (meta, size) in report.metadata.layers.iter_mut().zip(&inv.layer_sizes) {
        // Trivy reports the uncompressed size; keep the stored size where the walk failed.
        if *size > 0 {
            meta.size = *size;
        }
    }

    let want_os = a.pkg_types.iter().any(|t| t == "os");
    let want_lib = a.pkg_types.iter().any(|t| t == "library");
    if let Some(bad) = a.pkg_types.iter().find(|t| *t != "os" && *t != "library") {
        anyhow::bail!("--pkg-types {bad:?}: use os, library or both");
    }
    let policy = Policy {
        severities: severities.clone(),
        ignore_unfixed: a.ignore_unfixed,
        ignore: ignore.clone(),
        today: today_s.clone(),
        ignore_statuses,
        vex,
        image_ids: image_ids(source.image()),
    };
    let sort = match a.sort_by {
        crate::SortBy::Severity => tollgate_match::SortBy::Severity,
        crate::SortBy::Epss => tollgate_match::SortBy::Epss,
        crate::SortBy::Risk => tollgate_match::SortBy::Risk,
    };
    let mut vex_suppressed = Vec::new();
    match &inv.os {
        _ if !want_os => {}
        None => {
            if inv.packages.is_empty() {
                log.info("no OS detected and no OS packages found");
            } else {
                log.warn(format!(
                    "{} OS packages found but the OS is not detected: they are not matched",
                    inv.packages.len()
                ));
            }
        }
        Some(os) => {
            let res = tollgate_match::match_os(&inv, &db)
                .map_err(|e| anyhow::anyhow!("reading the advisory DB: {e}"))?;
            for w in &res.warnings {
                log.warn(w);
            }
            let release = res.namespace.split_once(' ').map(|(_, r)| r).unwrap_or("");
            if tollgate_match::eol::is_eol(&os.family, release, (y, m, d)) == Some(true) {
                report.metadata.eosl = true;
                log.warn(format!(
                    "this OS version is no longer supported by the distribution: {} {}; detection may be incomplete",
                    os.family, os.name
                ));
            }
            let purl_distro = if os.family == "alpine" {
                os.name.clone()
            } else {
                format!("{}-{}", os.family, os.name)
            };
            let target = format!("{name} ({} {})", os.family, os.name);
            let applied = policy.apply_in(res.findings, &target, |f| {
                tollgate_report::purl(&os.family, &purl_distro, &f.package)
            });
            vex_suppressed.extend(applied.vex_suppressed);
            let mut findings = applied.kept;
            tollgate_match::sort_by(&mut findings, sort);
            report.results.push(TargetResult {
                target,
                class: "os-pkgs".to_string(),
                kind: os.family.clone(),
                packages: a.list_all_pkgs.then(|| inv.packages.clone()),
                findings,
                purl_distro,
            });
        }
    }
    if want_lib && !inv.applications.is_empty() {
        let matched = tollgate_match::match_apps(&inv, &db)
            .map_err(|e| anyhow::anyhow!("reading the advisory DB: {e}"))?;
        for (i, app) in inv.applications.iter().enumerate() {
            let findings = matched
                .iter()
                .find(|m| m.app == i)
                .map(|m| m.findings.clone())
                .unwrap_or_default();
            let applied = policy.apply_in(findings, &app.target(), |f| {
                tollgate_report::purl(&app.kind, "", &f.package)
            });
            vex_suppressed.extend(applied.vex_suppressed);
            let mut findings = applied.kept;
            tollgate_match::sort_by(&mut findings, sort);
            // Trivy lists a language target only when it has something to show.
            if findings.is_empty() && !a.list_all_pkgs {
                continue;
            }
            report.results.push(TargetResult {
                target: app.target(),
                class: "lang-pkgs".to_string(),
                kind: app.kind.clone(),
                packages: a.list_all_pkgs.then(|| app.packages.clone()),
                findings,
                purl_distro: String::new(),
            });
        }
    }

    if !vex_suppressed.is_empty() {
        log.info(format!(
            "{} finding(s) not reported: marked not_affected by VEX",
            vex_suppressed.len()
        ));
        for (id, purl, file) in &vex_suppressed {
            log.info(format!("  {id} in {purl} ({file})"));
        }
    }

    write_report(&report, a)?;
    let found = report.results.iter().any(|r| !r.findings.is_empty());
    if found && a.exit_code != 0 {
        return Ok(a.exit_code);
    }
    if report.metadata.eosl && a.exit_on_eol != 0 {
        log.warn("exiting with --exit-on-eol: the OS release is past its end of life");
        return Ok(a.exit_on_eol);
    }
    Ok(0)
}

/// What VEX statements about the image may name it by: repository names without tag or
/// digest (`debian`, `library/debian`, `docker.io/library/debian`) and its digests.
fn image_ids(img: &tollgate_image::Image) -> Vec<String> {
    let mut ids = Vec::new();
    for r in img.repo_tags.iter().chain(&img.repo_digests) {
        let repo = r.split('@').next().unwrap_or(r);
        // A `:` after the last `/` starts the tag (a `:` before it is a registry port).
        let repo = match repo.rsplit_once(':') {
            Some((n, tag)) if !tag.contains('/') => n,
            _ => repo,
        };
        ids.push(repo.to_string());
        if let Some((_, d)) = r.split_once('@') {
            ids.push(d.to_string());
        }
    }
    if !img.id.is_empty() {
        ids.push(img.id.clone());
    }
    ids.sort();
    ids.dedup();
    ids
}

fn image_metadata(img: &tollgate_image::Image) -> Metadata {
    Metadata {
        os: None,
        eosl: false,
        image_id: img.id.clone(),
        diff_ids: img
            .layers
            .iter()
            .map(|l| l.diff_id.clone())
            .filter(|d| !d.is_empty())
            .collect(),
        repo_tags: img.repo_tags.clone(),
        repo_digests: img.repo_digests.clone(),
        image_config: img.config.clone(),
        layers: img
            .layers
            .iter()
            .filter(|l| !l.diff_id.is_empty())
            .map(|l| LayerMeta {
                size: l.size,
                digest: l.digest.clone(),
                diff_id: l.diff_id.clone(),
            })
            .collect(),
    }
}

fn load_ignorefile(given: Option<&Path>) -> Result<IgnoreFile> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => {
            let d = Path::new(".trivyignore");
            if !d.exists() {
                return Ok(IgnoreFile::default());
            }
            d.to_path_buf()
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read ignore file {}", path.display()))?;
    IgnoreFile::parse(&path.display().to_string(), &text).map_err(anyhow::Error::msg)
}

fn check_db_age(db: &Db, log: &Log) {
    let meta = db.metadata();
    let built = time::OffsetDateTime::parse(
        &meta.built_at,
        &time::format_description::well_known::Rfc3339,
    );
    if let Ok(b) = built {
        let age = time::OffsetDateTime::now_utc() - b;
        if age.whole_days() > DB_MAX_AGE_DAYS {
            log.warn(format!(
                "the advisory DB was built {} days ago ({}): rebuild it with `tollgate db build` for current advisories",
                age.whole_days(),
                meta.built_at
            ));
        }
    }
}

fn write_report(report: &Report, a: &ScanArgs) -> Result<()> {
    let mut buf = Vec::new();
    match a.format {
        Format::Table => tollgate_report::table::write(report, &mut buf)?,
        Format::Json => tollgate_report::json::write(report, &mut buf)?,
    }
    match &a.output {
        Some(p) => std::fs::write(p, &buf)
            .with_context(|| format!("cannot write report to {}", p.display()))?,
        None => std::io::stdout().write_all(&buf)?,
    }
    Ok(())
}
