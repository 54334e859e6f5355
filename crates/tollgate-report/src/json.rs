//! Trivy-compatible JSON (SchemaVersion 2).

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;
use tollgate_analyze::InstalledPackage;
use tollgate_db::{Cvss, DataSource};
use tollgate_match::Finding;

use crate::{primary_url, purl, uid, LayerMeta, Report, TargetResult};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JReport<'a> {
    schema_version: u32,
    created_at: &'a str,
    artifact_name: &'a str,
    artifact_type: &'a str,
    metadata: JMetadata<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    results: Vec<JAnyResult<'a>>,
    // Beyond Trivy's shape: what to upgrade, and base image versus own layers.
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<crate::remediation::Remediation>,
}

/// Package results and config results share `Results[]`.
#[derive(Serialize)]
#[serde(untagged)]
enum JAnyResult<'a> {
    Packages(JResult<'a>),
    Config(crate::misconfig::JConfigResult<'a>),
}

#[derive(Serialize)]
struct JOs<'a> {
    #[serde(rename = "Family")]
    family: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "EOSL", skip_serializing_if = "std::ops::Not::not")]
    eosl: bool,
}

#[derive(Serialize)]
struct JMetadata<'a> {
    #[serde(rename = "OS", skip_serializing_if = "Option::is_none")]
    os: Option<JOs<'a>>,
    #[serde(rename = "ImageID", skip_serializing_if = "str::is_empty")]
    image_id: &'a str,
    #[serde(rename = "DiffIDs", skip_serializing_if = "<[_]>::is_empty")]
    diff_ids: &'a [String],
    #[serde(rename = "RepoTags", skip_serializing_if = "<[_]>::is_empty")]
    repo_tags: &'a [String],
    #[serde(rename = "RepoDigests", skip_serializing_if = "<[_]>::is_empty")]
    repo_digests: &'a [String],
    #[serde(
        rename = "ImageConfig",
        skip_serializing_if = "serde_json::Value::is_null"
    )]
    image_config: &'a serde_json::Value,
    #[serde(rename = "Layers", skip_serializing_if = "<[_]>::is_empty")]
    layers: &'a [LayerMeta],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JResult<'a> {
    target: &'a str,
    class: &'a str,
    #[serde(rename = "Type", skip_serializing_if = "str::is_empty")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    packages: Option<Vec<JPackage<'a>>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<JVuln<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<JSecret<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JSecret<'a> {
    #[serde(rename = "RuleID")]
    rule_id: &'a str,
    category: &'a str,
    severity: &'a str,
    title: &'a str,
    start_line: usize,
    end_line: usize,
    code: JCode<'a>,
    #[serde(rename = "Match")]
    match_line: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<JSecretLayer<'a>>,
    offset: usize,
}

#[derive(Serialize)]
struct JSecretLayer<'a> {
    #[serde(rename = "Digest", skip_serializing_if = "str::is_empty")]
    digest: &'a str,
    #[serde(rename = "DiffID")]
    diff_id: &'a str,
    #[serde(rename = "CreatedBy", skip_serializing_if = "str::is_empty")]
    created_by: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JCode<'a> {
    lines: Vec<JLine<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JLine<'a> {
    number: usize,
    content: &'a str,
    is_cause: bool,
    annotation: &'a str,
    truncated: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    highlighted: &'a str,
    first_cause: bool,
    last_cause: bool,
}

fn secret<'a>(r: &'a crate::SecretResult, f: &'a tollgate_secret::Finding) -> JSecret<'a> {
    JSecret {
        rule_id: &f.rule_id,
        category: &f.category,
        severity: &f.severity,
        title: &f.title,
        start_line: f.start_line,
        end_line: f.end_line,
        code: JCode {
            lines: f
                .code
                .iter()
                .map(|l| JLine {
                    number: l.number,
                    content: &l.content,
                    is_cause: l.is_cause,
                    annotation: "",
                    truncated: false,
                    highlighted: &l.content,
                    first_cause: l.first_cause,
                    last_cause: l.last_cause,
                })
                .collect(),
        },
        match_line: &f.match_line,
        layer: (!r.layer.diff_id.is_empty()).then(|| JSecretLayer {
            digest: &r.layer.digest,
            diff_id: &r.layer.diff_id,
            created_by: &r.created_by,
        }),
        offset: f.offset,
    }
}

#[derive(Serialize)]
struct JIdentifier {
    #[serde(rename = "PURL")]
    purl: String,
    #[serde(rename = "UID")]
    uid: String,
}

#[derive(Serialize)]
struct JLayer<'a> {
    #[serde(rename = "Digest", skip_serializing_if = "str::is_empty")]
    digest: &'a str,
    #[serde(rename = "DiffID", skip_serializing_if = "str::is_empty")]
    diff_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JPackage<'a> {
    #[serde(rename = "ID")]
    id: String,
    name: &'a str,
    identifier: JIdentifier,
    version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    release: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    epoch: u32,
    #[serde(skip_serializing_if = "str::is_empty")]
    arch: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    src_name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    src_version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    src_release: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    src_epoch: u32,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    licenses: &'a [String],
    #[serde(skip_serializing_if = "str::is_empty")]
    maintainer: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    relationship: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dev: bool,
    #[serde(rename = "DependsOn", skip_serializing_if = "<[_]>::is_empty")]
    depends_on: &'a [String],
    layer: JLayer<'a>,
    #[serde(skip_serializing_if = "str::is_empty")]
    digest: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    file_path: &'a str,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JVuln<'a> {
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: &'a str,
    #[serde(rename = "VendorIDs", skip_serializing_if = "<[_]>::is_empty")]
    vendor_ids: &'a [String],
    #[serde(rename = "PkgID")]
    pkg_id: &'a str,
    pkg_name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pkg_path: &'a str,
    pkg_identifier: JIdentifier,
    installed_version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    fixed_version: &'a str,
    status: &'a str,
    layer: JLayer<'a>,
    #[serde(skip_serializing_if = "str::is_empty")]
    severity_source: &'a str,
    #[serde(rename = "PrimaryURL", skip_serializing_if = "String::is_empty")]
    primary_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_source: Option<&'a DataSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    severity: &'a str,
    #[serde(rename = "CweIDs", skip_serializing_if = "<[_]>::is_empty")]
    cwe_ids: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    vendor_severity: BTreeMap<&'a str, u8>,
    #[serde(rename = "CVSS", skip_serializing_if = "BTreeMap::is_empty")]
    cvss: &'a BTreeMap<String, Cvss>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    references: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    published_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified_date: Option<&'a str>,
    // Beyond Trivy's shape (readers of Trivy JSON ignore unknown fields): prioritisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    known_exploited: Option<&'a tollgate_db::KnownExploited>,
    #[serde(rename = "EPSS", skip_serializing_if = "Option::is_none")]
    epss: Option<&'a tollgate_db::Epss>,
    #[serde(skip_serializing_if = "Option::is_none")]
    risk_score: Option<f64>,
}

fn family(r: &TargetResult) -> &str {
    &r.kind
}

fn package<'a>(r: &'a TargetResult, ip: &'a InstalledPackage) -> JPackage<'a> {
    let p = &ip.package;
    JPackage {
        id: format!("{}@{}", p.name, p.full_version()),
        name: &p.name,
        identifier: JIdentifier {
            purl: purl(family(r), &r.purl_distro, p),
            uid: uid(&ip.package, &ip.package.file_path, &ip.layer.diff_id),
        },
        version: &p.version,
        release: &p.release,
        epoch: p.epoch,
        arch: &p.arch,
        src_name: &p.src_name,
        src_version: &p.src_version,
        src_release: &p.src_release,
        src_epoch: p.src_epoch,
        licenses: &p.licenses,
        maintainer: &p.maintainer,
        relationship: &p.relationship,
        dev: p.dev,
        depends_on: &p.depends_on,
        layer: JLayer {
            digest: &ip.layer.digest,
            diff_id: &ip.layer.diff_id,
        },
        digest: &p.digest,
        file_path: &p.file_path,
    }
}

fn vuln<'a>(r: &'a TargetResult, f: &'a Finding) -> JVuln<'a> {
    let d = &f.detail;
    JVuln {
        vulnerability_id: &f.vuln_id,
        vendor_ids: &f.vendor_ids,
        pkg_id: &f.pkg_id,
        pkg_name: &f.package.name,
        pkg_path: &f.package.file_path,
        pkg_identifier: JIdentifier {
            purl: purl(family(r), &r.purl_distro, &f.package),
            uid: uid(&f.package, &f.package.file_path, &f.layer.diff_id),
        },
        installed_version: &f.installed_version,
        fixed_version: &f.fixed_version,
        status: f.status.as_str(),
        layer: JLayer {
            digest: &f.layer.digest,
            diff_id: &f.layer.diff_id,
        },
        severity_source: &f.severity_source,
        primary_url: primary_url(&f.vuln_id, &d.references),
        data_source: f.data_source.as_ref(),
        title: d.title.as_deref(),
        description: d.description.as_deref(),
        severity: f.severity.as_str(),
        cwe_ids: &d.cwe_ids,
        vendor_severity: d
            .vendor_severity
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_number()))
            .collect(),
        cvss: &d.cvss,
        references: &d.references,
        published_date: d.published.as_deref(),
        last_modified_date: d.last_modified.as_deref(),
        known_exploited: d.known_exploited.as_ref(),
        epss: d.epss.as_ref(),
        // Only where there is exploitation data to weigh: otherwise it would say 0 for "unknown".
        risk_score: (d.known_exploited.is_some() || d.epss.is_some()).then(|| f.risk()),
    }
}

/// The report as Trivy's JSON value (for templates and attestations that embed it).
pub fn to_value(report: &Report) -> serde_json::Value {
    serde_json::to_value(build(report)).unwrap_or(serde_json::Value::Null)
}

/// Writes the report as Trivy-compatible JSON.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &build(report))?;
    w.write_all(b"\n")
}

fn build(report: &Report) -> JReport<'_> {
    let m = &report.metadata;
    JReport {
        schema_version: 2,
        created_at: &report.created_at,
        artifact_name: &report.artifact_name,
        artifact_type: &report.artifact_type,
        metadata: JMetadata {
            os: m.os.as_ref().map(|o| JOs {
                family: &o.family,
                name: &o.name,
                eosl: m.eosl,
            }),
            image_id: &m.image_id,
            diff_ids: &m.diff_ids,
            repo_tags: &m.repo_tags,
            repo_digests: &m.repo_digests,
            image_config: &m.image_config,
            layers: &m.layers,
        },
        results: report
            .results
            .iter()
            .map(|r| {
                JAnyResult::Packages(JResult {
                    target: &r.target,
                    class: &r.class,
                    kind: &r.kind,
                    packages: r
                        .packages
                        .as_ref()
                        .map(|ps| ps.iter().map(|ip| package(r, ip)).collect()),
                    vulnerabilities: r.findings.iter().map(|f| vuln(r, f)).collect(),
                    secrets: Vec::new(),
                })
            })
            .chain(report.secrets.iter().map(|r| {
                JAnyResult::Packages(JResult {
                    target: &r.target,
                    class: "secret",
                    kind: "",
                    packages: None,
                    vulnerabilities: Vec::new(),
                    secrets: r.findings.iter().map(|f| secret(r, f)).collect(),
                })
            }))
            .chain(
                report
                    .misconfigs
                    .iter()
                    .map(|r| JAnyResult::Config(crate::misconfig::json_result(r))),
            )
            .collect(),
        remediation: crate::remediation::plan(report),
    }
}
