//! Misconfiguration results: Trivy's JSON shape (`Class: "config"`, `MisconfSummary`,
//! `Misconfigurations[]` with `CauseMetadata.Code.Lines`) and the table text.

use std::io::Write;

use serde::Serialize;
use tollgate_config::{FileResult, InputType, Misconfig};

/// Most lines of a cause shown in reports.
const MAX_CODE_LINES: usize = 10;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct JConfigResult<'a> {
    target: &'a str,
    class: &'static str,
    #[serde(rename = "Type")]
    kind: &'static str,
    misconf_summary: JSummary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    misconfigurations: Vec<JMisconfig<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JSummary {
    successes: usize,
    failures: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JMisconfig<'a> {
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(rename = "ID")]
    id: &'a str,
    #[serde(rename = "AVDID", skip_serializing_if = "str::is_empty")]
    avd_id: &'a str,
    title: &'a str,
    description: &'a str,
    message: &'a str,
    namespace: &'a str,
    query: String,
    resolution: &'a str,
    severity: &'a str,
    #[serde(rename = "PrimaryURL", skip_serializing_if = "str::is_empty")]
    primary_url: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    references: &'a [String],
    status: &'static str,
    cause_metadata: JCause,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JCause {
    provider: String,
    service: &'static str,
    #[serde(skip_serializing_if = "is_zero")]
    start_line: usize,
    #[serde(skip_serializing_if = "is_zero")]
    end_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<JCode>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JCode {
    lines: Vec<JLine>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JLine {
    number: usize,
    content: String,
    is_cause: bool,
    annotation: &'static str,
    truncated: bool,
    first_cause: bool,
    last_cause: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn check_type(kind: InputType) -> &'static str {
    match kind {
        InputType::Dockerfile => "Dockerfile Security Check",
        InputType::Kubernetes => "Kubernetes Security Check",
    }
}

fn code(r: &FileResult, m: &Misconfig) -> Option<JCode> {
    if m.start_line == 0 || m.start_line > r.lines.len() {
        return None;
    }
    let end = m.end_line.min(r.lines.len());
    let shown = (end + 1 - m.start_line).min(MAX_CODE_LINES);
    let lines = (0..shown)
        .map(|i| {
            let n = m.start_line + i;
            JLine {
                number: n,
                content: r.lines[n - 1].clone(),
                is_cause: true,
                annotation: "",
                truncated: i + 1 == shown && n < end,
                first_cause: i == 0,
                last_cause: i + 1 == shown,
            }
        })
        .collect();
    Some(JCode { lines })
}

/// The JSON result of one checked file.
pub(crate) fn json_result(r: &FileResult) -> JConfigResult<'_> {
    JConfigResult {
        target: &r.path,
        class: "config",
        kind: r.kind.name(),
        misconf_summary: JSummary {
            successes: r.successes,
            failures: r.failures.len(),
        },
        misconfigurations: r
            .failures
            .iter()
            .map(|m| JMisconfig {
                kind: check_type(r.kind),
                id: &m.check.id,
                // Trivy 0.76 shows AVDID for custom checks only.
                avd_id: if m.check.package.starts_with("builtin.") {
                    ""
                } else {
                    &m.check.avd_id
                },
                title: &m.check.title,
                description: &m.check.description,
                message: &m.message,
                namespace: &m.check.package,
                query: format!("data.{}.deny", m.check.package),
                resolution: &m.check.resolution,
                severity: &m.check.severity,
                primary_url: m
                    .check
                    .references
                    .iter()
                    .find(|u| u.contains("avd.aquasec.com"))
                    .or(m.check.references.first())
                    .map(String::as_str)
                    .unwrap_or(""),
                references: &m.check.references,
                status: "FAIL",
                cause_metadata: JCause {
                    provider: m.check.provider.clone(),
                    service: "general",
                    start_line: m.start_line,
                    end_line: m.end_line,
                    code: code(r, m),
                },
            })
            .collect(),
    }
}

/// Counts of failures per severity: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL.
pub fn severity_counts(r: &FileResult) -> [usize; 5] {
    let mut c = [0; 5];
    for m in &r.failures {
        let i = match m.check.severity.as_str() {
            "LOW" => 1,
            "MEDIUM" => 2,
            "HIGH" => 3,
            "CRITICAL" => 4,
            _ => 0,
        };
        c[i] += 1;
    }
    c
}

/// The table text of one checked file, as Trivy lays it out.
pub fn write_table(r: &FileResult, w: &mut dyn Write) -> std::io::Result<()> {
    let title = format!("{} ({})", r.path, r.kind.name());
    writeln!(w)?;
    writeln!(w, "{title}")?;
    writeln!(w, "{}", "=".repeat(title.chars().count()))?;
    writeln!(
        w,
        "Tests: {} (SUCCESSES: {}, FAILURES: {})",
        r.successes + r.failures.len(),
        r.successes,
        r.failures.len()
    )?;
    crate::table::counts_line(w, "Failures", r.failures.len(), severity_counts(r))?;
    for m in &r.failures {
        writeln!(w)?;
        writeln!(w, "{} ({}): {}", m.check.id, m.check.severity, m.message)?;
        writeln!(w, "{}", "═".repeat(40))?;
        if !m.check.description.is_empty() {
            writeln!(w, "{}", m.check.description)?;
        }
        if let Some(u) = m.check.references.last() {
            writeln!(w)?;
            writeln!(w, "See {u}")?;
        }
        if let Some(code) = code(r, m) {
            writeln!(w, "{}", "─".repeat(40))?;
            writeln!(w, " {}:{}-{}", r.path, m.start_line, m.end_line)?;
            for l in code.lines {
                writeln!(w, "{:>4} {}", l.number, l.content)?;
            }
        }
        writeln!(w, "{}", "─".repeat(40))?;
    }
    Ok(())
}
