//! The scan the server runs: source -> inventory -> every finding -> a Trivy JSON report.
//!
//! A smaller sibling of the CLI's pipeline (`crates/tollgate-cli/src/scan.rs`): the server
//! keeps one complete report per image (no severity filter, no ignore file) and filters when
//! it answers, so it needs none of the CLI's flags. Both should move into one library
//! function once the CLI's copy settles.

use std::path::Path;

use anyhow::Result;
use tollgate_analyze::ScanMode;
use tollgate_db::store::Db;
use tollgate_report::{Metadata, Report, TargetResult};

/// Scans `source` against the DB in `db_dir` and returns the report as Trivy JSON bytes,
/// plus the messages a user should see (warnings, unreadable layers).
pub fn scan_to_json(
    source: &dyn tollgate_image::Source,
    name: &str,
    db_dir: &Path,
    layer_cache: Option<&tollgate_scan::LayerCache>,
) -> Result<(Vec<u8>, Vec<String>)> {
    // Opened per scan: the DB is immutable and `db build` replaces it by a rename, so each
    // scan sees the newest complete DB without a restart.
    let db = Db::open(db_dir)?;
    let analyzers = tollgate_analyze::analyzers_for(ScanMode::Image);
    let (mut inv, _stats) = tollgate_scan::scan(
        source,
        &analyzers,
        layer_cache,
        &tollgate_image::Limits::default(),
    );
    // Development-only dependencies are not shipped (Trivy's default).
    for app in &mut inv.applications {
        app.packages.retain(|p| !p.package.dev);
    }
    inv.applications.retain(|app| !app.packages.is_empty());
    let mut notes: Vec<String> = inv.warnings.clone();
    notes.extend(
        inv.errors
            .iter()
            .map(|e| format!("{e} (the report does not cover it)")),
    );

    let img = source.image();
    let mut report = Report {
        artifact_name: name.to_string(),
        artifact_type: "container_image".to_string(),
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        metadata: Metadata {
            os: inv.os.clone(),
            ..tollgate_report::image_metadata(img, &inv.layer_sizes)
        },
        ..Default::default()
    };
    let sort = tollgate_match::SortBy::Severity;
    if let Some(os) = &inv.os {
        let res = tollgate_match::match_os(&inv, &db)
            .map_err(|e| anyhow::anyhow!("reading the advisory DB: {e}"))?;
        notes.extend(res.warnings.iter().cloned());
        let (y, m, d) = today();
        let release = res.namespace.split_once(' ').map(|(_, r)| r).unwrap_or("");
        report.metadata.eosl =
            tollgate_match::eol::is_eol(&os.family, release, (y, m, d)) == Some(true);
        let purl_distro = if os.family == "alpine" {
            os.name.clone()
        } else {
            format!("{}-{}", os.family, os.name)
        };
        let mut findings = res.findings;
        tollgate_match::sort_by(&mut findings, sort);
        report.results.push(TargetResult {
            target: format!("{name} ({} {})", os.family, os.name),
            class: "os-pkgs".to_string(),
            kind: os.family.clone(),
            packages: None,
            findings,
            purl_distro,
        });
    } else if !inv.packages.is_empty() {
        notes.push(format!(
            "{} OS packages found but the OS is not detected: they are not matched",
            inv.packages.len()
        ));
    }
    if !inv.applications.is_empty() {
        let matched = tollgate_match::match_apps(&inv, &db)
            .map_err(|e| anyhow::anyhow!("reading the advisory DB: {e}"))?;
        for (i, app) in inv.applications.iter().enumerate() {
            let mut findings = matched
                .iter()
                .find(|m| m.app == i)
                .map(|m| m.findings.clone())
                .unwrap_or_default();
            if findings.is_empty() {
                continue;
            }
            tollgate_match::sort_by(&mut findings, sort);
            report.results.push(TargetResult {
                target: app.target(),
                class: "lang-pkgs".to_string(),
                kind: app.kind.clone(),
                packages: None,
                findings,
                purl_distro: String::new(),
            });
        }
    }
    let mut buf = Vec::new();
    tollgate_report::json::write(&report, &mut buf)?;
    Ok((buf, notes))
}

fn today() -> (i32, u8, u8) {
    let d = time::OffsetDateTime::now_utc().date();
    (d.year(), d.month() as u8, d.day())
}
