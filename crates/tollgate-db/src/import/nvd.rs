//! NVD: JSON 1.1 yearly feeds and API 2.0 JSON (result pages, or one CVE per file as
//! vuln-list-nvd keeps them). Details only; the feeds are streamed item by item.

use super::{file_name, has_ext, rfc3339, Ctx};
use crate::model::{Cvss, Severity, VulnDetail};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::io::BufReader;
use std::path::{Path, PathBuf};

// ---- JSON 1.1 ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct Item11 {
    cve: Cve11,
    impact: Impact11,
    #[serde(rename = "publishedDate")]
    published: Option<String>,
    #[serde(rename = "lastModifiedDate")]
    last_modified: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cve11 {
    #[serde(rename = "CVE_data_meta")]
    meta: Meta11,
    problemtype: ProblemType11,
    references: Refs11,
    description: Desc11,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Meta11 {
    #[serde(rename = "ID")]
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProblemType11 {
    problemtype_data: Vec<LangValues>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LangValues {
    description: Vec<LangValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LangValue {
    lang: String,
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Refs11 {
    reference_data: Vec<Url>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Url {
    url: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Desc11 {
    description_data: Vec<LangValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Impact11 {
    #[serde(rename = "baseMetricV3")]
    v3: Option<BaseV3_11>,
    #[serde(rename = "baseMetricV2")]
    v2: Option<BaseV2_11>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BaseV3_11 {
    #[serde(rename = "cvssV3")]
    cvss: CvssData,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BaseV2_11 {
    #[serde(rename = "cvssV2")]
    cvss: CvssData,
    severity: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CvssData {
    #[serde(rename = "vectorString")]
    vector: Option<String>,
    #[serde(rename = "baseScore")]
    score: Option<f64>,
    #[serde(rename = "baseSeverity")]
    severity: Option<String>,
}

fn from_11(it: Item11) -> Option<Rec> {
    let id = it.cve.meta.id;
    if id.is_empty() {
        return None;
    }
    let desc = it
        .cve
        .description
        .description_data
        .iter()
        .find(|d| d.lang == "en" && !d.value.is_empty())
        .or_else(|| {
            it.cve
                .description
                .description_data
                .iter()
                .find(|d| !d.value.is_empty())
        })
        .map(|d| d.value.clone());
    let mut cwes = Vec::new();
    for pt in it.cve.problemtype.problemtype_data {
        for d in pt.description {
            if d.value.starts_with("CWE") && !cwes.contains(&d.value) {
                cwes.push(d.value);
            }
        }
    }
    let mut cvss = Cvss::default();
    let mut sev3 = None;
    let mut sev2 = None;
    if let Some(v3) = it.impact.v3 {
        cvss.v3_vector = v3.cvss.vector;
        cvss.v3_score = v3.cvss.score;
        sev3 = v3.cvss.severity.as_deref().and_then(Severity::parse);
    }
    if let Some(v2) = it.impact.v2 {
        cvss.v2_vector = v2.cvss.vector;
        cvss.v2_score = v2.cvss.score;
        sev2 = v2.severity.as_deref().and_then(Severity::parse);
    }
    Some(Rec {
        id,
        rejected: false,
        description: desc,
        cvss,
        severity: sev3.or(sev2),
        cwes,
        refs: it
            .cve
            .references
            .reference_data
            .into_iter()
            .map(|r| r.url)
            .collect(),
        published: it.published,
        last_modified: it.last_modified,
    })
}

// ---- API 2.0 ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cve20 {
    id: String,
    published: Option<String>,
    #[serde(rename = "lastModified")]
    last_modified: Option<String>,
    #[serde(rename = "vulnStatus")]
    status: Option<String>,
    descriptions: Vec<LangValue>,
    metrics: Metrics20,
    weaknesses: Vec<Weakness20>,
    references: Vec<Url>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metrics20 {
    #[serde(rename = "cvssMetricV40")]
    v40: Vec<Metric20>,
    #[serde(rename = "cvssMetricV31")]
    v31: Vec<Metric20>,
    #[serde(rename = "cvssMetricV30")]
    v30: Vec<Metric20>,
    #[serde(rename = "cvssMetricV2")]
    v2: Vec<Metric20>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metric20 {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "cvssData")]
    data: CvssData,
    /// v2 keeps the severity beside `cvssData`.
    #[serde(rename = "baseSeverity")]
    severity: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Weakness20 {
    description: Vec<LangValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Wrapper20 {
    cve: Option<Cve20>,
}

/// NVD's own (Primary) metric when there is one, else the first.
fn pick(ms: &[Metric20]) -> Option<&Metric20> {
    ms.iter()
        .find(|m| m.kind == "Primary")
        .or_else(|| ms.first())
}

fn from_20(c: Cve20) -> Option<Rec> {
    if c.id.is_empty() {
        return None;
    }
    let desc = c
        .descriptions
        .iter()
        .find(|d| d.lang == "en" && !d.value.is_empty())
        .or_else(|| c.descriptions.iter().find(|d| !d.value.is_empty()))
        .map(|d| d.value.clone());
    let mut cvss = Cvss::default();
    let mut sev3 = None;
    let mut sev2 = None;
    let mut sev4 = None;
    if let Some(m) = pick(&c.metrics.v31).or_else(|| pick(&c.metrics.v30)) {
        cvss.v3_vector = m.data.vector.clone();
        cvss.v3_score = m.data.score;
        sev3 = m.data.severity.as_deref().and_then(Severity::parse);
    }
    if let Some(m) = pick(&c.metrics.v2) {
        cvss.v2_vector = m.data.vector.clone();
        cvss.v2_score = m.data.score;
        sev2 = m
            .severity
            .as_deref()
            .or(m.data.severity.as_deref())
            .and_then(Severity::parse);
    }
    if let Some(m) = pick(&c.metrics.v40) {
        cvss.v40_vector = m.data.vector.clone();
        cvss.v40_score = m.data.score;
        sev4 = m.data.severity.as_deref().and_then(Severity::parse);
    }
    let mut cwes = Vec::new();
    for w in c.weaknesses {
        for d in w.description {
            if d.value.starts_with("CWE") && !cwes.contains(&d.value) {
                cwes.push(d.value);
            }
        }
    }
    Some(Rec {
        id: c.id,
        rejected: c.status.as_deref() == Some("Rejected"),
        description: desc,
        cvss,
        severity: sev3.or(sev2).or(sev4),
        cwes,
        refs: c.references.into_iter().map(|r| r.url).collect(),
        published: c.published,
        last_modified: c.last_modified,
    })
}

/// One CVE from either format.
struct Rec {
    id: String,
    rejected: bool,
    description: Option<String>,
    cvss: Cvss,
    severity: Option<Severity>,
    cwes: Vec<String>,
    refs: Vec<String>,
    published: Option<String>,
    last_modified: Option<String>,
}

/// trivy-db's test for rejected ids.
pub(crate) fn is_rejected_description(d: &str) -> bool {
    d.contains("** REJECT **")
        || d.contains("DO NOT USE THIS CANDIDATE NUMBER")
        || d.starts_with("Rejected reason:")
}

fn emit(rec: Rec, ctx: &mut Ctx) {
    if rec.rejected
        || rec
            .description
            .as_deref()
            .is_some_and(is_rejected_description)
    {
        ctx.batch.rejected.push(rec.id);
        return;
    }
    let mut d = VulnDetail {
        id: rec.id,
        description: rec.description,
        cwe_ids: rec.cwes,
        references: rec
            .refs
            .into_iter()
            .filter(|u| !u.trim().is_empty())
            .collect(),
        published: rec.published.as_deref().and_then(rfc3339),
        last_modified: rec.last_modified.as_deref().and_then(rfc3339),
        sources: vec!["nvd".into()],
        ..Default::default()
    };
    if let Some(s) = rec.severity {
        d.vendor_severity.insert("nvd".into(), s);
    }
    if rec.cvss != Cvss::default() {
        d.cvss.insert("nvd".into(), rec.cvss);
    }
    ctx.batch.details.push(d);
}

/// Streams the top-level object: `CVE_Items` (1.1) and `vulnerabilities` (2.0 pages) item by
/// item; any other keys are kept (they are the whole record for a single-CVE 2.0 file).
struct Top<'a> {
    ctx: &'a mut Ctx,
    items: usize,
}

struct Stream<'a, 'b, T, F> {
    top: &'b mut Top<'a>,
    f: F,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<'a, 'b, T, F> Stream<'a, 'b, T, F> {
    fn new(top: &'b mut Top<'a>, f: F) -> Self {
        Stream {
            top,
            f,
            _t: std::marker::PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T) -> Option<Rec>> DeserializeSeed<'de>
    for Stream<'_, '_, T, F>
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T) -> Option<Rec>> Visitor<'de> for Stream<'_, '_, T, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of CVE items")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(it) = seq.next_element::<T>()? {
            self.top.items += 1;
            if let Some(r) = (self.f)(it) {
                emit(r, self.top.ctx);
            }
        }
        Ok(())
    }
}

struct TopVisitor<'a, 'b> {
    top: &'b mut Top<'a>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = serde_json::Map<String, serde_json::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an NVD JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut rest = serde_json::Map::new();
        while let Some(k) = m.next_key::<String>()? {
            match k.as_str() {
                "CVE_Items" => m.next_value_seed(Stream::new(self.top, from_11))?,
                "vulnerabilities" => m.next_value_seed(Stream::new(self.top, |w: Wrapper20| {
                    w.cve.and_then(from_20)
                }))?,
                "configurations" => {
                    m.next_value::<IgnoredAny>()?;
                }
                _ => {
                    let v: serde_json::Value = m.next_value()?;
                    rest.insert(k, v);
                }
            }
        }
        Ok(rest)
    }
}

impl<'de> DeserializeSeed<'de> for TopVisitor<'_, '_> {
    type Value = serde_json::Map<String, serde_json::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

fn import_file(path: &Path, ctx: &mut Ctx) -> Result<(), String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let reader: Box<dyn std::io::Read> = if has_ext(path, "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            f,
        )))
    } else {
        Box::new(f)
    };
    let reader = BufReader::with_capacity(1 << 16, reader);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut top = Top { ctx, items: 0 };
    let rest = TopVisitor { top: &mut top }
        .deserialize(&mut de)
        .map_err(|e| format!("not NVD JSON: {e}"))?;
    de.end().map_err(|e| format!("not NVD JSON: {e}"))?;
    let items = top.items;
    if items == 0 {
        if rest.contains_key("id")
            && (rest.contains_key("descriptions") || rest.contains_key("metrics"))
        {
            let c: Cve20 = serde_json::from_value(serde_json::Value::Object(rest))
                .map_err(|e| format!("not an NVD CVE: {e}"))?;
            if let Some(r) = from_20(c) {
                emit(r, ctx);
            }
        } else if !rest.contains_key("CVE_data_type") && !rest.contains_key("resultsPerPage") {
            return Err("not NVD JSON: no CVE_Items, vulnerabilities or CVE id".into());
        }
    }
    ctx.recognised += 1;
    Ok(())
}

pub(crate) fn import(files: &[PathBuf], ctx: &mut Ctx) {
    for path in files {
        let name = file_name(path).to_ascii_lowercase();
        if !(name.ends_with(".json") || name.ends_with(".json.gz")) {
            continue;
        }
        if let Err(e) = import_file(path, ctx) {
            ctx.warn(path, e);
        }
    }
    ctx.extra_sources.push("nvd".into());
}
