//! Wiring of `tollgate image` and `tollgate rootfs`: source -> inventory -> findings -> report.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::ValueEnum;
use tollgate_analyze::{Inventory, ScanMode};
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
    let prep = prepare(a)?;
    let cache = cache_dir(a.cache_dir.as_deref())?;
    let opts = tollgate_image::OpenOptions {
        temp_dir: None,
        ..Default::default()
    };
    let source = tollgate_image::open_with(input, &opts)?;
    let kind = "container_image";
    run(
        &prep,
        source.as_ref(),
        input,
        kind,
        a,
        &cache,
        ScanMode::Image,
    )
}

/// `tollgate rootfs DIR` and `tollgate fs DIR`.
pub(crate) fn run_dir(dir: &Path, a: &ScanArgs, mode: ScanMode) -> Result<u8> {
    let prep = prepare(a)?;
    let cache = cache_dir(a.cache_dir.as_deref())?;
    let source = tollgate_image::open_rootfs(dir)?;
    let name = dir.display().to_string();
    run(&prep, &source, &name, "filesystem", a, &cache, mode)
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

/// Everything a scan checks and loads before it reads its input, so bad flags, a missing DB
/// or a template that does not compile fail before any work.
pub(crate) struct Prepared {
    log: Log,
    policy: Policy,
    /// The advisory DB; `None` for a secret-only scan, which needs none.
    db: Option<Db>,
    /// The secret rules, when `--scanners` includes `secret`.
    secrets: Option<tollgate_secret::Scanner>,
    /// The misconfiguration checks, when `--scanners` includes `misconfig`.
    misconfig: Option<std::cell::RefCell<tollgate_config::Scanner>>,
    writer: Writer,
    want_os: bool,
    want_lib: bool,
    list_all: bool,
    sort: tollgate_match::SortBy,
}

/// How the report gets written.
pub(crate) enum Writer {
    Builtin(Format),
    Template(Box<tollgate_report::template::Template>),
}

pub(crate) fn prepare(a: &ScanArgs) -> Result<Prepared> {
    let log = Log { quiet: a.quiet };
    let (_, _, _, today_s) = today();
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
    if let Some(bad) = a.pkg_types.iter().find(|t| *t != "os" && *t != "library") {
        anyhow::bail!("--pkg-types {bad:?}: use os, library or both");
    }
    let writer = writer(a)?;
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
    let (vuln, secret, misconfig) = scanners(&a.scanners)?;
    // Checks are compiled before any input is read: a custom check that does not compile
    // stops the scan here.
    let misconfig = if misconfig {
        Some(std::cell::RefCell::new(
            tollgate_config::Scanner::new(&a.config_policy).map_err(anyhow::Error::msg)?,
        ))
    } else {
        None
    };
    let secrets = if secret {
        let s = tollgate_secret::Scanner::load(a.secret_config.as_deref())
            .map_err(anyhow::Error::msg)?;
        for w in s.warnings() {
            log.warn(w);
        }
        Some(s)
    } else {
        None
    };
    // A secret-only scan needs no advisory DB.
    let db = if vuln {
        let dbdir = db_dir(a.db.as_deref(), a.cache_dir.as_deref())?;
        let db = Db::open(&dbdir)?;
        check_db_age(&db, &log);
        Some(db)
    } else {
        None
    };
    let sort = match a.sort_by {
        crate::SortBy::Severity => tollgate_match::SortBy::Severity,
        crate::SortBy::Epss => tollgate_match::SortBy::Epss,
        crate::SortBy::Risk => tollgate_match::SortBy::Risk,
    };
    Ok(Prepared {
        log,
        policy: Policy {
            severities,
            ignore_unfixed: a.ignore_unfixed,
            ignore,
            today: today_s,
            ignore_statuses,
            vex,
            image_ids: Vec::new(),
        },
        db,
        secrets,
        misconfig,
        writer,
        want_os: vuln && a.pkg_types.iter().any(|t| t == "os"),
        want_lib: vuln && a.pkg_types.iter().any(|t| t == "library"),
        list_all: a.list_all_pkgs || a.format.is_sbom(),
        sort,
    })
}

fn writer(a: &ScanArgs) -> Result<Writer> {
    match (a.format, &a.template) {
        (Format::Template, None) => {
            anyhow::bail!("--format template needs --template TEXT or --template @FILE")
        }
        (Format::Template, Some(t)) => {
            let (src, name) = match t.strip_prefix('@') {
                Some(path) => (
                    std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read template file {path}"))?,
                    path.to_string(),
                ),
                None => (t.clone(), "--template".to_string()),
            };
            let tpl = tollgate_report::template::Template::new(src)
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            Ok(Writer::Template(Box::new(tpl)))
        }
        (f, Some(_)) => anyhow::bail!(
            "--template is used with --format template only (the format is {})",
            f.to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        ),
        (f, None) => Ok(Writer::Builtin(f)),
    }
}

pub(crate) fn run(
    prep: &Prepared,
    source: &dyn tollgate_image::Source,
    name: &str,
    artifact_type: &str,
    a: &ScanArgs,
    cache: &Path,
    mode: ScanMode,
) -> Result<u8> {
    let log = &prep.log;

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
    let created_at = now_rfc3339();
    let started = std::time::Instant::now();
    let (mut inv, secret_files, stats) = tollgate_scan::scan_with(
        source,
        &analyzers,
        prep.secrets.as_ref(),
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

    // Trivy reports the uncompressed size; the stored size stays where the walk failed.
    let metadata = tollgate_report::image_metadata(source.image(), &inv.layer_sizes);
    let mut report = Report {
        artifact_name: name.to_string(),
        artifact_type: artifact_type.to_string(),
        created_at,
        metadata,
        ..Default::default()
    };
    if let Some(s) = &prep.secrets {
        report.secrets = secret_results(
            s,
            source.image(),
            secret_files,
            &filter,
            &prep.policy.severities,
        );
        ignore_secrets(&mut report.secrets, &prep.policy.ignore, &prep.policy.today);
    }
    if let Some(cfg) = &prep.misconfig {
        let mut cfg = cfg.borrow_mut();
        if mode == ScanMode::Image {
            // An image's own configuration: its history read as a Dockerfile.
            let r = cfg
                .scan_image_config(&source.image().config)
                .map_err(anyhow::Error::msg)?;
            report.misconfigs.push(r);
        } else {
            // `fs`/`rootfs`: the Dockerfiles and manifests of the tree (`name` is its path).
            let (r, errors) = cfg.scan_dir(Path::new(name)).map_err(anyhow::Error::msg)?;
            for e in errors {
                eprintln!("tollgate: error: {e} (the report below does not cover it)");
            }
            report.misconfigs = r;
        }
        let sev = &prep.policy.severities;
        if !sev.is_empty() {
            for r in &mut report.misconfigs {
                r.failures
                    .retain(|m| sev.iter().any(|s| s.as_str() == m.check.severity));
            }
        }
    }
    finish(prep, a, &inv, report)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `tollgate sbom FILE`: the SBOM's packages as the inventory, matched like an image's.
pub(crate) fn run_sbom(path: &Path, a: &ScanArgs) -> Result<u8> {
    let prep = prepare(a)?;
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read SBOM {}", path.display()))?;
    let created_at = now_rfc3339();
    let sbom = tollgate_report::sbom_read::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("SBOM {}: {e}", path.display()))?;
    for w in &sbom.warnings {
        prep.log.warn(format!("SBOM {}: {w}", path.display()));
    }
    prep.log.info(format!(
        "SBOM {} ({}): {} OS packages, {} language packages in {} targets",
        path.display(),
        sbom.format,
        sbom.inventory.packages.len(),
        sbom.inventory
            .applications
            .iter()
            .map(|a| a.packages.len())
            .sum::<usize>(),
        sbom.inventory.applications.len()
    ));
    let img = sbom.image;
    let report = Report {
        artifact_name: path.display().to_string(),
        artifact_type: sbom.artifact_type.to_string(),
        created_at,
        metadata: Metadata {
            image_id: img.image_id,
            diff_ids: img.diff_ids,
            repo_tags: img.repo_tags,
            repo_digests: img.repo_digests,
            ..Default::default()
        },
        ..Default::default()
    };
    finish(&prep, a, &sbom.inventory, report)
}

/// Matches an inventory, applies the policy, writes the report; returns the exit code.
fn finish(prep: &Prepared, a: &ScanArgs, inv: &Inventory, mut report: Report) -> Result<u8> {
    let (y, m, d, _) = today();
    let log = &prep.log;
    let mut policy = prep.policy.clone();
    policy.image_ids = image_ids(&report.metadata);
    let list_all = prep.list_all;
    let mut vex_suppressed = Vec::new();
    report.metadata.os = inv.os.clone();
    if let Some(db) = &prep.db {
        report.db_built_at = db.metadata().built_at.clone();
    }
    let name = report.artifact_name.clone();
    match &inv.os {
        _ if !prep.want_os => {}
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
            let db = prep.db.as_ref().context("no advisory DB")?;
            let res = tollgate_match::match_os(inv, db)
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
            tollgate_match::sort_by(&mut findings, prep.sort);
            report.results.push(TargetResult {
                target,
                class: "os-pkgs".to_string(),
                kind: os.family.clone(),
                packages: list_all.then(|| inv.packages.clone()),
                findings,
                purl_distro,
            });
        }
    }
    if prep.want_lib && !inv.applications.is_empty() {
        let db = prep.db.as_ref().context("no advisory DB")?;
        let matched = tollgate_match::match_apps(inv, db)
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
            tollgate_match::sort_by(&mut findings, prep.sort);
            // Trivy lists a language target only when it has something to show.
            if findings.is_empty() && !list_all {
                continue;
            }
            report.results.push(TargetResult {
                target: app.target(),
                class: "lang-pkgs".to_string(),
                kind: app.kind.clone(),
                packages: list_all.then(|| app.packages.clone()),
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

    report.finished_at = now_rfc3339();
    write_report(&report, a.output.as_deref(), &prep.writer)?;
    let found = report.results.iter().any(|r| !r.findings.is_empty())
        || report.secrets.iter().any(|r| !r.findings.is_empty())
        || report.misconfigs.iter().any(|r| !r.failures.is_empty());
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
fn image_ids(m: &Metadata) -> Vec<String> {
    let mut ids = Vec::new();
    for r in m.repo_tags.iter().chain(&m.repo_digests) {
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
    if !m.image_id.is_empty() {
        ids.push(m.image_id.clone());
    }
    ids.sort();
    ids.dedup();
    ids
}

/// `--scanners`: (vuln, secret).
fn scanners(list: &[String]) -> Result<(bool, bool, bool)> {
    let (mut vuln, mut secret, mut misconfig) = (false, false, false);
    for s in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match s {
            "vuln" => vuln = true,
            "secret" => secret = true,
            "misconfig" | "config" => misconfig = true,
            "license" => {
                anyhow::bail!("--scanners license: not supported yet; use vuln, secret, misconfig")
            }
            _ => anyhow::bail!("--scanners {s:?}: unknown scanner; use vuln, secret, misconfig"),
        }
    }
    if !vuln && !secret && !misconfig {
        anyhow::bail!("--scanners is empty: use vuln, secret, misconfig");
    }
    Ok((vuln, secret, misconfig))
}

/// The report's secret targets: files (absolute paths in images, as Trivy shows them), then
/// the image config's ENV values and history commands, filtered by `--skip-*` and
/// `--severity`.
fn secret_results(
    scanner: &tollgate_secret::Scanner,
    img: &tollgate_image::Image,
    files: Vec<tollgate_scan::SecretTarget>,
    filter: &tollgate_scan::PathFilter,
    severities: &[Severity],
) -> Vec<tollgate_report::SecretResult> {
    let image = !img.config.is_null();
    // History entries that made a layer (not `empty_layer`), in layer order.
    let made: Vec<&str> = img
        .config
        .get("history")
        .and_then(|h| h.as_array())
        .map(|h| {
            h.iter()
                .filter(|e| {
                    !e.get("empty_layer")
                        .and_then(|x| x.as_bool())
                        .unwrap_or(false)
                })
                .map(|e| e.get("created_by").and_then(|x| x.as_str()).unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    let created_by = |diff_id: &str| {
        img.layers
            .iter()
            .position(|l| !diff_id.is_empty() && l.diff_id == diff_id)
            .and_then(|i| made.get(i))
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let mut out: Vec<tollgate_report::SecretResult> = files
        .into_iter()
        .filter(|f| !filter.skipped(&f.path))
        .map(|f| tollgate_report::SecretResult {
            target: if image {
                format!("/{}", f.path)
            } else {
                f.path
            },
            created_by: created_by(&f.layer.diff_id),
            layer: LayerMeta {
                size: 0,
                digest: f.layer.digest,
                diff_id: f.layer.diff_id,
            },
            findings: f.findings,
        })
        .collect();
    if image {
        let cfg = image_config_text(&img.config);
        let findings = scanner.scan("config.json", cfg.as_bytes());
        if !findings.is_empty() {
            // Trivy names this target after the artifact.
            out.push(tollgate_report::SecretResult {
                target: img.name.clone(),
                layer: LayerMeta::default(),
                created_by: String::new(),
                findings,
            });
        }
    }
    if !severities.is_empty() {
        for r in &mut out {
            r.findings
                .retain(|f| severities.iter().any(|s| s.as_str() == f.severity));
        }
    }
    out.retain(|r| !r.findings.is_empty());
    out
}

/// Drops the secrets an ignore file names by rule id (Trivy reads secret rule ids from the same
/// `.trivyignore`), within the rule's `paths` when it has any, until its expiry date.
fn ignore_secrets(
    results: &mut Vec<tollgate_report::SecretResult>,
    ignore: &IgnoreFile,
    today: &str,
) {
    for r in results.iter_mut() {
        let path = r.target.trim_start_matches('/');
        r.findings.retain(|f| {
            !ignore.rules.iter().any(|rule| {
                rule.id == f.rule_id
                    && rule.expired_at.as_deref().is_none_or(|d| today <= d)
                    && (rule.paths.is_empty()
                        || rule.paths.iter().any(|p| {
                            let p = p.trim_start_matches('/').trim_end_matches('/');
                            path == p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/'))
                        }))
            })
        });
    }
    results.retain(|r| !r.findings.is_empty());
}

/// The image config as Trivy's image-config secret analyzer scans it: Go's marshalling of
/// go-containerregistry's `ConfigFile` (its field order, 2-space prefix, no nesting indent), so
/// that ENV values and history commands are found on the lines Trivy reports.
fn image_config_text(config: &serde_json::Value) -> String {
    const TOP: &[(&str, bool)] = &[
        ("architecture", true),
        ("author", false),
        ("container", false),
        ("created", true),
        ("docker_version", false),
        ("history", false),
        ("os", true),
        ("rootfs", true),
        ("config", true),
        ("os.version", false),
        ("variant", false),
        ("os.features", false),
    ];
    const HISTORY: &[(&str, bool)] = &[
        ("created", true),
        ("created_by", false),
        ("author", false),
        ("comment", false),
        ("empty_layer", false),
    ];
    const CONFIG: &[&str] = &[
        "AttachStderr",
        "AttachStdin",
        "AttachStdout",
        "Cmd",
        "Healthcheck",
        "Domainname",
        "Entrypoint",
        "Env",
        "Hostname",
        "Image",
        "Labels",
        "OnBuild",
        "OpenStdin",
        "StdinOnce",
        "Tty",
        "User",
        "Volumes",
        "WorkingDir",
        "ExposedPorts",
        "ArgsEscaped",
        "NetworkDisabled",
        "MacAddress",
        "StopSignal",
        "Shell",
    ];
    let pick = |v: &serde_json::Value, fields: &[(&str, bool)]| -> Vec<(String, GoJson)> {
        fields
            .iter()
            .filter_map(|(k, always)| {
                let val = match v.get(*k) {
                    Some(x) if !x.is_null() => x.clone(),
                    // A zero time.Time, as Go writes it.
                    _ if *always && *k == "created" => "0001-01-01T00:00:00Z".into(),
                    _ if *always => serde_json::Value::Null,
                    _ => return None,
                };
                Some((k.to_string(), GoJson::Plain(val)))
            })
            .collect()
    };
    let mut top = pick(config, TOP);
    for (k, v) in &mut top {
        let GoJson::Plain(raw) = &*v else { continue };
        if k == "history" {
            if let Some(h) = raw.as_array() {
                *v = GoJson::List(h.iter().map(|e| GoJson::Object(pick(e, HISTORY))).collect());
            }
        } else if k == "config" {
            let fields: Vec<(&str, bool)> = CONFIG.iter().map(|k| (*k, false)).collect();
            *v = GoJson::Object(pick(raw, &fields));
        }
    }
    let mut out = String::new();
    GoJson::Object(top).write(&mut out);
    out
}

/// JSON with objects in a chosen key order, written as Go's `json.MarshalIndent(v, "  ", "")`.
enum GoJson {
    Object(Vec<(String, GoJson)>),
    List(Vec<GoJson>),
    Plain(serde_json::Value),
}

impl GoJson {
    fn write(&self, out: &mut String) {
        use serde_json::Value;
        // Every line after the first starts with the two-space prefix.
        const NL: &str = "\n  ";
        fn string(s: &str) -> String {
            // Go escapes HTML characters in strings.
            serde_json::to_string(s)
                .unwrap_or_default()
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
        }
        match self {
            GoJson::Object(fields) if fields.is_empty() => out.push_str("{}"),
            GoJson::Object(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    out.push_str(if i == 0 { NL } else { ",\n  " });
                    out.push_str(&string(k));
                    out.push_str(": ");
                    v.write(out);
                }
                out.push_str(NL);
                out.push('}');
            }
            GoJson::List(items) if items.is_empty() => out.push_str("[]"),
            GoJson::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    out.push_str(if i == 0 { NL } else { ",\n  " });
                    v.write(out);
                }
                out.push_str(NL);
                out.push(']');
            }
            // Go writes maps with sorted keys, as serde_json's map iterates them.
            GoJson::Plain(Value::Object(m)) => GoJson::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), GoJson::Plain(v.clone())))
                    .collect(),
            )
            .write(out),
            GoJson::Plain(Value::Array(a)) => {
                GoJson::List(a.iter().cloned().map(GoJson::Plain).collect()).write(out)
            }
            GoJson::Plain(Value::String(s)) => out.push_str(&string(s)),
            GoJson::Plain(other) => out.push_str(&other.to_string()),
        }
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

/// Writes the report in the chosen format to `output` (standard output when `None`).
pub(crate) fn write_report(report: &Report, output: Option<&Path>, writer: &Writer) -> Result<()> {
    use std::io::IsTerminal;
    use tollgate_report as r;
    let mut buf = Vec::new();
    let f = match writer {
        Writer::Template(t) => {
            t.write(report, &mut buf)
                .context("rendering the template")?;
            None
        }
        Writer::Builtin(f) => Some(*f),
    };
    match f {
        None | Some(Format::Template) => {}
        Some(Format::Table) => {
            // Colour only for a person at a terminal; a pipe or file gets the plain table.
            let colour = output.is_none() && std::io::stdout().is_terminal();
            r::table::write_styled(report, &mut buf, colour)?
        }
        Some(Format::Json) => r::json::write(report, &mut buf)?,
        Some(Format::Sarif) => r::sarif::write(report, &mut buf)?,
        Some(Format::Cyclonedx) => r::cyclonedx::write(report, &mut buf)?,
        Some(Format::SpdxJson) => r::spdx::write_json(report, &mut buf)?,
        Some(Format::Spdx) => r::spdx::write_tag_value(report, &mut buf)?,
        Some(Format::Github) => r::github::write(report, &mut buf)?,
        Some(Format::CosignVuln) => r::cosign::write(report, &mut buf)?,
    }
    match output {
        Some(p) => std::fs::write(p, &buf)
            .with_context(|| format!("cannot write report to {}", p.display()))?,
        None => std::io::stdout().write_all(&buf)?,
    }
    Ok(())
}
