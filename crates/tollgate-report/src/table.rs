//! The table for people: one table per target, each ending with its `Total:` line.

use std::io::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

use crate::remediation::Remediation;
use crate::{primary_url, Report};

const TITLE_MAX: usize = 60;

/// Writes the report as plain tables.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    write_styled(report, w, false)
}

/// ANSI colour of a severity, as Trivy colours them.
fn colour(sev: &str) -> Option<&'static str> {
    Some(match sev {
        "CRITICAL" => "\x1b[31m",
        "HIGH" => "\x1b[91m",
        "MEDIUM" => "\x1b[33m",
        "LOW" => "\x1b[34m",
        "UNKNOWN" => "\x1b[36m",
        _ => return None,
    })
}

/// Colours the Severity column of a rendered table. The column is found by its position in
/// the header row, so a title that says CRITICAL stays plain; escapes take no width, so the
/// table stays aligned.
fn colour_severity(table: &str) -> String {
    let mut span: Option<(usize, usize)> = None;
    let mut out = String::with_capacity(table.len() + 256);
    for line in table.lines() {
        let chars: Vec<char> = line.chars().collect();
        if span.is_none() {
            let text: String = chars.iter().collect();
            if let Some(pos) = text.find(" Severity ") {
                let start = text[..pos].chars().count();
                let end = start + " Severity ".len();
                // Extend to the next column border.
                let end = (end..chars.len())
                    .find(|&i| matches!(chars[i], '│' | '┆' | '|'))
                    .unwrap_or(end);
                span = Some((start, end));
            }
        }
        match span {
            Some((a, b)) if b <= chars.len() => {
                let cell: String = chars[a..b].iter().collect();
                match colour(cell.trim()) {
                    Some(c) => {
                        let lead = cell.len() - cell.trim_start().len();
                        let word = cell.trim();
                        let rest = &cell[lead + word.len()..];
                        out.extend(&chars[..a]);
                        out.push_str(&cell[..lead]);
                        out.push_str(c);
                        out.push_str(word);
                        out.push_str("\x1b[0m");
                        out.push_str(rest);
                        out.extend(&chars[b..]);
                    }
                    None => out.push_str(line),
                }
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Writes the report as tables, with the severities coloured when `colour` is set (a
/// terminal); without it the output is the plain one.
pub fn write_styled(report: &Report, w: &mut dyn Write, colour: bool) -> std::io::Result<()> {
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
            if colour {
                write!(w, "{}", colour_severity(&t.to_string()))?;
            } else {
                writeln!(w, "{t}")?;
            }
        }
        counts_line(w, "Total", r.findings.len(), r.severity_counts())?;
    }
    for r in &report.secrets {
        secret_section(r, w)?;
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

/// One file's secrets as Trivy shows them: the total, then per secret its severity, category,
/// rule, title, place and the masked lines around it.
fn secret_section(r: &crate::SecretResult, w: &mut dyn Write) -> std::io::Result<()> {
    let title = format!("{} (secrets)", r.target);
    writeln!(w)?;
    writeln!(w, "{title}")?;
    writeln!(w, "{}", "=".repeat(title.chars().count()))?;
    counts_line(w, "Total", r.findings.len(), r.severity_counts())?;
    let rule = "─".repeat(40);
    for f in &r.findings {
        writeln!(w)?;
        writeln!(w, "{}: {} ({})", f.severity, f.category, f.rule_id)?;
        writeln!(w, "{}", "═".repeat(40))?;
        writeln!(w, "{}", f.title)?;
        writeln!(w, "{rule}")?;
        writeln!(w, " {}:{}", r.target, f.start_line)?;
        writeln!(w, "{rule}")?;
        for l in &f.code {
            let mark = if l.is_cause { "[" } else { " " };
            writeln!(w, "{:>4} {mark} {}", l.number, l.content)?;
        }
        writeln!(w, "{rule}")?;
    }
    Ok(())
}

/// `LABEL: N (UNKNOWN: a, LOW: b, MEDIUM: c, HIGH: d, CRITICAL: e)`, the line that closes each
/// target (Trivy's `Total:` for findings and secrets, `Failures:` for misconfigurations).
pub(crate) fn counts_line(
    w: &mut dyn Write,
    label: &str,
    n: usize,
    c: [usize; 5],
) -> std::io::Result<()> {
    writeln!(
        w,
        "{label}: {n} (UNKNOWN: {}, LOW: {}, MEDIUM: {}, HIGH: {}, CRITICAL: {})",
        c[0], c[1], c[2], c[3], c[4]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_the_severity_column_and_keeps_the_layout() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(vec!["Library", "Vulnerability", "Severity", "Title"]);
        t.add_row(vec!["musl", "CVE-2019-14697", "CRITICAL", "HIGH impact"]);
        t.add_row(vec!["", "CVE-2020-1", "LOW", "x\nsecond line"]);
        let plain = format!("{t}\n");
        let coloured = colour_severity(&t.to_string());
        assert!(coloured.contains("┆ \x1b[31mCRITICAL\x1b[0m ┆"));
        assert!(coloured.contains("┆ \x1b[34mLOW\x1b[0m      ┆"));
        assert!(coloured.contains("┆ HIGH impact │"));
        let stripped = coloured
            .replace("\x1b[31m", "")
            .replace("\x1b[34m", "")
            .replace("\x1b[0m", "");
        assert_eq!(stripped, plain);
    }
}
