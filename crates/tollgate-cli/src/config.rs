//! `tollgate config DIR`: misconfiguration checks only (Dockerfiles, Kubernetes manifests).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use tollgate_report::Report;

use crate::Format;

#[derive(Args)]
pub(crate) struct ConfigArgs {
    /// Directory (or file) to check.
    path: PathBuf,
    /// Directories of custom checks in Rego (Trivy's custom check format); repeatable.
    #[arg(long = "config-policy", value_delimiter = ',')]
    config_policy: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Severities to report, comma-separated (LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(long, short = 's', value_delimiter = ',')]
    severity: Vec<String>,
    /// Exit code when a check fails.
    #[arg(long, default_value_t = 0)]
    exit_code: u8,
    /// No warning messages.
    #[arg(long, short = 'q')]
    quiet: bool,
}

pub(crate) fn run(a: &ConfigArgs) -> Result<u8> {
    let mut severities = Vec::new();
    for s in a.severity.iter().filter(|s| !s.trim().is_empty()) {
        let s = s.trim().to_ascii_uppercase();
        if !["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"].contains(&s.as_str()) {
            anyhow::bail!("--severity {s:?}: use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL");
        }
        severities.push(s);
    }
    let mut scanner =
        tollgate_config::Scanner::new(&a.config_policy).map_err(anyhow::Error::msg)?;
    let (mut results, errors) = if a.path.is_file() {
        let text = std::fs::read_to_string(&a.path)
            .with_context(|| format!("cannot read {}", a.path.display()))?;
        let name = a.path.display().to_string();
        let r = scanner
            .scan_file(&name, &text)
            .map_err(anyhow::Error::msg)?;
        (r, Vec::new())
    } else {
        scanner.scan_dir(&a.path).map_err(anyhow::Error::msg)?
    };
    for e in &errors {
        // A file that cannot be checked is said always: the report does not cover it.
        eprintln!("tollgate: error: {e} (the report below does not cover it)");
    }
    if results.is_empty() && errors.is_empty() && !a.quiet {
        eprintln!(
            "tollgate: no Dockerfile or Kubernetes manifest found under {}",
            a.path.display()
        );
    }
    if !severities.is_empty() {
        for r in &mut results {
            r.failures
                .retain(|m| severities.contains(&m.check.severity));
        }
    }
    let report = Report {
        artifact_name: a.path.display().to_string(),
        artifact_type: "filesystem".to_string(),
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        misconfigs: results,
        ..Default::default()
    };
    // Table and JSON show misconfigurations; the SBOM and vulnerability formats have none.
    crate::scan::write_report(
        &report,
        a.output.as_deref(),
        &crate::scan::Writer::Builtin(a.format),
    )?;
    let failed = report.misconfigs.iter().any(|r| !r.failures.is_empty());
    Ok(if failed { a.exit_code } else { 0 })
}
