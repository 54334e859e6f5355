//! What to do about the findings: per vulnerable package the lowest version that fixes all of
//! its findings, and how the findings split between the base image and the image's own layers.

use std::cmp::Ordering;

use serde::Serialize;
use tollgate_version::{compare, scheme_for_ecosystem, Scheme};

use crate::{Report, TargetResult};

/// One package to upgrade.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Upgrade {
    /// The target it was found in.
    pub target: String,
    /// Package name.
    pub pkg_name: String,
    /// Installed version.
    pub installed_version: String,
    /// The lowest version that fixes every fixable finding of the package.
    pub upgrade_to: String,
    /// Findings that upgrade clears.
    pub fixes: usize,
    /// Findings of the package with no fix yet.
    pub unfixed: usize,
    /// Counts of the cleared findings per severity: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL.
    #[serde(skip)]
    pub severities: [usize; 5],
}

/// How the findings split between the base image's layers and the image's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BaseSplit {
    /// Layers that come from the base image.
    pub base_layers: usize,
    /// Findings in packages those layers added.
    pub base_findings: usize,
    /// Findings in packages the image's own layers added.
    pub own_findings: usize,
}

/// The remediation summary of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    /// Packages to upgrade, most findings cleared first.
    pub upgrades: Vec<Upgrade>,
    /// Findings no upgrade clears today.
    pub unfixed: usize,
    /// Base image versus own layers, when the image history tells where the base ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_image: Option<BaseSplit>,
}

/// A package within a target: name, installed version, path.
type PkgKey<'a> = (&'a str, &'a str, &'a str);

fn scheme(r: &TargetResult) -> Option<Scheme> {
    match tollgate_match::lang_namespace(&r.kind) {
        Some(ns) => scheme_for_ecosystem(ns),
        // Alpine's fixed versions order the same under apk-tools 2 and 3 for this purpose.
        None => scheme_for_ecosystem(&r.kind),
    }
}

/// Builds the summary; `None` when nothing was found.
pub fn plan(report: &Report) -> Option<Remediation> {
    let mut out = Remediation::default();
    for r in &report.results {
        let Some(sch) = scheme(r) else { continue };
        let cmp = |a: &str, b: &str| compare(sch, a, b);
        // Findings are grouped per package (name, version, path); Trivy's order keeps them
        // together but `--sort-by` may not, so group explicitly.
        let mut groups: Vec<(PkgKey, Vec<&tollgate_match::Finding>)> = Vec::new();
        for f in &r.findings {
            let key = (
                f.package.name.as_str(),
                f.installed_version.as_str(),
                f.package.file_path.as_str(),
            );
            match groups.iter_mut().find(|g| g.0 == key) {
                Some(g) => g.1.push(f),
                None => groups.push((key, vec![f])),
            }
        }
        for ((name, installed, _), fs) in groups {
            let mut up = Upgrade {
                target: r.target.clone(),
                pkg_name: name.to_string(),
                installed_version: installed.to_string(),
                upgrade_to: String::new(),
                fixes: 0,
                unfixed: 0,
                severities: [0; 5],
            };
            for f in fs {
                // "1.2.5, 2.0.1": one fix per release branch; the lowest above the installed
                // version is the one this package can move to.
                let fix = f
                    .fixed_version
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty() && cmp(v, installed) == Ordering::Greater)
                    .min_by(|a, b| cmp(a, b));
                match fix {
                    Some(v) => {
                        up.fixes += 1;
                        up.severities[f.severity.as_number() as usize] += 1;
                        if up.upgrade_to.is_empty() || cmp(v, &up.upgrade_to) == Ordering::Greater {
                            up.upgrade_to = v.to_string();
                        }
                    }
                    None => up.unfixed += 1,
                }
            }
            out.unfixed += up.unfixed;
            if up.fixes > 0 {
                out.upgrades.push(up);
            }
        }
    }
    if out.upgrades.is_empty() && out.unfixed == 0 {
        return None;
    }
    out.upgrades.sort_by(|a, b| {
        b.severities[4]
            .cmp(&a.severities[4])
            .then(b.fixes.cmp(&a.fixes))
            .then(a.pkg_name.cmp(&b.pkg_name))
    });
    out.base_image = base_split(report);
    Some(out)
}

/// The diff-ids of the base image's layers, found as Trivy does: walking the history down
/// from the top, past the image's own trailing metadata-only steps and its own layers, the
/// first metadata-only `CMD` step is the base image's last; every layer below it is the base's.
pub fn base_layers(config: &serde_json::Value, diff_ids: &[String]) -> Option<Vec<String>> {
    let history = config.get("history")?.as_array()?;
    let empty = |h: &serde_json::Value| {
        h.get("empty_layer")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    };
    let created_by = |h: &serde_json::Value| {
        h.get("created_by")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut seen_layer = false;
    let mut base_end = None;
    for (i, h) in history.iter().enumerate().rev() {
        if !empty(h) {
            seen_layer = true;
            continue;
        }
        let c = created_by(h);
        let is_cmd = c.starts_with("/bin/sh -c #(nop)  CMD") || c.starts_with("CMD");
        if seen_layer && is_cmd {
            base_end = Some(i);
            break;
        }
    }
    let end = base_end?;
    let n = history[..end].iter().filter(|h| !empty(h)).count();
    if n == 0 || n >= diff_ids.len() {
        return None;
    }
    Some(diff_ids[..n].to_vec())
}

fn base_split(report: &Report) -> Option<BaseSplit> {
    let base = base_layers(&report.metadata.image_config, &report.metadata.diff_ids)?;
    let mut s = BaseSplit {
        base_layers: base.len(),
        ..Default::default()
    };
    for f in report.results.iter().flat_map(|r| &r.findings) {
        if base.contains(&f.layer.diff_id) {
            s.base_findings += 1;
        } else {
            s.own_findings += 1;
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base_layers_from_history() {
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        // debian base (1 layer + CMD), then the image's RUN, COPY and its own CMD.
        let cfg = json!({"history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:1 in / "},
            {"created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": true},
            {"created_by": "RUN /bin/sh -c apt-get install -y curl"},
            {"created_by": "COPY app /app"},
            {"created_by": "CMD [\"/app\"]", "empty_layer": true}
        ]});
        assert_eq!(base_layers(&cfg, &ids), Some(vec!["a".to_string()]));
        // No CMD below the image's own layers: the base is unknown.
        let cfg = json!({"history": [
            {"created_by": "ADD rootfs /"},
            {"created_by": "RUN x"}
        ]});
        assert_eq!(base_layers(&cfg, &ids), None);
        assert_eq!(base_layers(&json!(null), &ids), None);
    }
}
