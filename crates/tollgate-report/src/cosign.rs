//! The cosign vulnerability attestation predicate (`cosign attest --type vuln`), as Trivy
//! writes it: the scanner, the DB it used, the full JSON report as `result`, and when the scan
//! ran.

use std::io::Write;

use serde_json::json;

use crate::Report;

/// Writes the report as a cosign vulnerability predicate.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let version = env!("CARGO_PKG_VERSION");
    let finished = if report.finished_at.is_empty() {
        &report.created_at
    } else {
        &report.finished_at
    };
    let doc = json!({
        "invocation": {"parameters": null, "uri": "", "event_id": "", "builder.id": ""},
        "scanner": {
            "uri": format!("pkg:generic/tollgate@{version}"),
            "version": version,
            "db": {"uri": "", "version": report.db_built_at},
            "result": crate::json::to_value(report),
        },
        "metadata": {"scanStartedOn": report.created_at, "scanFinishedOn": finished},
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
