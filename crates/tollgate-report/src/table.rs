//! The table for people: one table per target, each ending with its `Total:` line.

use std::io::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

use crate::remediation::Remediation;
use crate::{primary_url, Report};

const TITLE_MAX: usize = 60;

/// Writes the report as tables.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    for r in &report.results {
        writeln!(w)?;
        writeln!(w, "{}", r.target)?;
        writeln!(w, "{}", "=".repeat(r.target.chars().count()))?;
        if !r.findings.is_empty() {
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Disabled)
                .set_header(vec![
                    "Library",
                    "Vulnerability",
                    "Severity",
                    "Status",
                    "Installed Version",
                    "Fixed Version",
                    "Title",
                ]);
            let mut last_pkg = String::new();
            for f in &r.findings {
                // The package name is printed once for a run of its findings, as Trivy does.
                let lib = if f.package.name == last_pkg {
                    String::new()
                } else {
                    f.package.name.clone()
                };
                last_pkg = f.package.name.clone();
                let mut title = f.detail.title.clone().unwrap_or_default();
                if title.chars().count() > TITLE_MAX {
                    title = title.chars().take(TITLE_MAX - 3).collect::<String>() + "...";
                }
                let url = primary_url(&f.vuln_id, &f.detail.references);
                let title = if url.is_empty() {
                    title
                } else if title.is_empty() {
                    url
                } else {
                    format!("{title}\n{url}")
                };
                // Known exploited in the wild (CISA KEV): the first thing to fix.
                let id = if f.detail.known_exploited.is_some() {
                    format!("{} [KEV]", f.vuln_id)
                } else {
                    f.vuln_id.clone()
                };
                t.add_row(vec![
                    lib,
                    id,
                    f.severity.as_str().to_string(),
                    f.status.as_str().to_string(),
                    f.installed_version.clone(),
                    f.fixed_version.clone(),
                    title,
                ]);
            }
            writeln!(w, "{t}")?;
        }
        let c = r.severity_counts();
        writeln!(
            w,
            "Total: {} (UNKNOWN: {}, LOW: {}, MEDIUM: {}, HIGH: {}, CRITICAL: {})",
            r.findings.len(),
            c[0],
            c[1],
            c[2],
            c[3],
            c[4]
        )?;
    }
    for r in &report.misconfigs {
        crate::misconfig::write_table(r, w)?;
    }
    if let Some(plan) = crate::remediation::plan(report) {
        write_remediation(&plan, w)?;
    }
    Ok(())
}

/// Most packages to show in the remediation list; the JSON report has them all.
const REMEDIATION_MAX: usize = 15;

fn write_remediation(plan: &Remediation, w: &mut dyn Write) -> std::io::Result<()> {
    let cleared: usize = plan.upgrades.iter().map(|u| u.fixes).sum();
    writeln!(w)?;
    writeln!(
        w,
        "Remediation: upgrading {} package(s) clears {cleared} of {} findings{}",
        plan.upgrades.len(),
        cleared + plan.unfixed,
        if plan.unfixed > 0 {
            format!(" ({} have no fix yet)", plan.unfixed)
        } else {
            String::new()
        }
    )?;
    for u in plan.upgrades.iter().take(REMEDIATION_MAX) {
        let sev: Vec<String> = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
            .iter()
            .zip(u.severities)
            .rev()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        writeln!(
            w,
            "  {} {} -> {} ({})",
            u.pkg_name,
            u.installed_version,
            u.upgrade_to,
            sev.join(", ")
        )?;
    }
    if plan.upgrades.len() > REMEDIATION_MAX {
        writeln!(
            w,
            "  ... and {} more (see --format json)",
            plan.upgrades.len() - REMEDIATION_MAX
        )?;
    }
    if let Some(b) = plan.base_image {
        writeln!(
            w,
            "Base image: {} layer(s) bring {} findings; the image's own layers bring {}",
            b.base_layers, b.base_findings, b.own_findings
        )?;
    }
    Ok(())
}
