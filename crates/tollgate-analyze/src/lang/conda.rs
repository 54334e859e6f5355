//! Conda: installed package records `envs/<env>/conda-meta/<name>-<version>-<build>.json`
//! (Trivy's `conda-pkg`) and `environment.yml` / `environment.yaml` (Trivy's
//! `conda-environment`), read the way Trivy 0.76 reads them (checked against its testdata in
//! `tests/lang_conda.rs`).

use serde::Deserialize;
use serde_norway::Value;

use super::{base_name, text};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// All conda analyzers.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(CondaMetaAnalyzer), Box::new(CondaEnvAnalyzer)]
}

// ---------------------------------------------------------------- conda-meta

/// One installed package's `conda-meta/*.json`: name, version and license.
pub struct CondaMetaAnalyzer;

impl Analyzer for CondaMetaAnalyzer {
    fn name(&self) -> &'static str {
        "conda-pkg"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        is_env_meta_file(path)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        #[derive(Deserialize)]
        struct Meta {
            #[serde(default)]
            name: String,
            #[serde(default)]
            version: String,
            #[serde(default)]
            license: String,
        }
        let t = text(path, content, "conda-meta record")?;
        let m: Meta = serde_json::from_str(t)
            .map_err(|e| AnalyzeError::new(path, format!("invalid conda-meta JSON: {e}")))?;
        if m.name.is_empty() || m.version.is_empty() {
            return Err(AnalyzeError::new(
                path,
                "conda-meta record has no name or no version",
            ));
        }
        let p = Package {
            name: m.name,
            version: m.version,
            licenses: crate::license::split(&m.license),
            file_path: path.to_string(),
            ..Default::default()
        };
        Ok(AnalysisResult::application("conda-pkg", path, vec![p]))
    }
}

/// Trivy's `.*/envs/.+/conda-meta/.+-.+-.+\.json`, unanchored: only environments under an
/// `envs` directory are read, not the base installation's own `conda-meta`.
fn is_env_meta_file(path: &str) -> bool {
    path.match_indices("/envs/").any(|(i, _)| {
        let after = &path[i + "/envs/".len()..];
        after
            .match_indices("/conda-meta/")
            .any(|(j, _)| j > 0 && meta_name(&after[j + "/conda-meta/".len()..]))
    })
}

/// `.+-.+-.+\.json` somewhere in `s`.
fn meta_name(s: &str) -> bool {
    let b = s.as_bytes();
    s.match_indices(".json").any(|(k, _)| {
        // Two hyphens with something before, between and after them, before `.json`.
        let first = (1..k).find(|&i| b[i] == b'-');
        first.is_some_and(|h1| (h1 + 2..k.saturating_sub(1)).any(|i| b[i] == b'-'))
    })
}

// ---------------------------------------------------------------- environment.yml

/// `environment.yml`: the `dependencies` list, conda's and pip's, with pinned versions only.
pub struct CondaEnvAnalyzer;

impl Analyzer for CondaEnvAnalyzer {
    fn name(&self) -> &'static str {
        "conda-environment"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        matches!(base_name(path), "environment.yml" | "environment.yaml")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let t = text(path, content, "conda environment file")?;
        let mut packages = parse_environment(t).map_err(|m| AnalyzeError::new(path, m))?;
        packages.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        // Like Trivy, a file with no packages gives no application. Licenses are not looked
        // up: Trivy reads them from the `prefix` directory on the scanning machine.
        Ok(AnalysisResult::application_if_any(
            "conda-environment",
            path,
            packages,
        ))
    }
}

/// The packages an environment file lists.
pub fn parse_environment(text: &str) -> Result<Vec<Package>, String> {
    let doc: Value = serde_norway::from_str(text)
        .map_err(|e| format!("unable to decode conda environment file: {e}"))?;
    if doc.is_null() {
        return Ok(Vec::new());
    }
    if !doc.is_mapping() {
        return Err("not a YAML mapping with `dependencies`".into());
    }
    let deps = match doc.get("dependencies") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Sequence(s)) => s,
        Some(_) => return Err("`dependencies` is not a list".into()),
    };
    let mut specs: Vec<&str> = Vec::new();
    for d in deps {
        match d {
            Value::String(s) => specs.push(s),
            // `- pip: [ ... ]`: a package manager and its list.
            Value::Mapping(m) => {
                let Some((_, v)) = m.iter().next() else {
                    continue;
                };
                let Value::Sequence(list) = v else {
                    return Err("a dependency map must hold a list".into());
                };
                for x in list {
                    match x {
                        Value::String(s) => specs.push(s),
                        _ => return Err("a nested dependency is not a string".into()),
                    }
                }
            }
            _ => return Err("a dependency is neither a string nor a map".into()),
        }
    }
    Ok(specs
        .into_iter()
        .filter_map(|s| {
            let (name, version) = parse_spec(s)?;
            Some(Package {
                name,
                version,
                ..Default::default()
            })
        })
        .collect())
}

/// `numpy 1.8.1`, `numpy==1.8.1`, `numpy=1.8.1=py27_0` -> (name, pinned version or "").
fn parse_spec(spec: &str) -> Option<(String, String)> {
    let spaced = spec.replace('>', " >").replace('<', " <").replace('=', " ");
    let mut parts = spaced.split_whitespace();
    let name = parts.next()?.to_string();
    let version = parts
        .next()
        .filter(|v| is_version(v))
        .unwrap_or("")
        .to_string();
    Some((name, version))
}

/// Whether go-version (which Trivy uses here) parses `v`: `v?N(.N)*`, then an optional
/// pre-release (`-x`, or letters) and build metadata (`+x`), dot-separated identifiers of
/// `[0-9A-Za-z-~]`.
fn is_version(v: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '~';
    let s = v.strip_prefix('v').unwrap_or(v);
    let core_end = {
        let mut i = 0;
        let b = s.as_bytes();
        loop {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return false;
            }
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                i += 1;
                continue;
            }
            break i;
        }
    };
    let rest = &s[core_end..];
    let (pre, build) = match rest.split_once('+') {
        Some((p, b)) => (p, Some(b)),
        None => (rest, None),
    };
    let dotted =
        |x: &str| !x.is_empty() && x.split('.').all(|p| !p.is_empty() && p.chars().all(ident));
    let pre_ok = pre.is_empty()
        || match pre.strip_prefix('-') {
            Some(p) => dotted(p),
            None => pre.starts_with(|c: char| c.is_ascii_alphabetic() || c == '~') && dotted(pre),
        };
    pre_ok && build.is_none_or(dotted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_paths() {
        assert!(is_env_meta_file(
            "opt/conda/envs/app/conda-meta/pip-22.2.2-py38_0.json"
        ));
        assert!(!is_env_meta_file(
            "opt/conda/conda-meta/pip-22.2.2-py38_0.json"
        ));
        assert!(!is_env_meta_file(
            "envs/app/conda-meta/pip-22.2.2-py38_0.json"
        ));
        assert!(!is_env_meta_file("opt/conda/envs/app/conda-meta/history"));
        assert!(!is_env_meta_file(
            "opt/conda/envs/app/conda-meta/pip-22.json"
        ));
    }

    #[test]
    fn versions() {
        for v in [
            "1.8.1",
            "2024.2",
            "v1.0",
            "1.0-rc.1",
            "1.0rc1",
            "1.0+local.2",
        ] {
            assert!(is_version(v), "{v}");
        }
        for v in ["2.40.*", "13.2|13.3", ">", "", "x1", "1.", "1.0+"] {
            assert!(!is_version(v), "{v}");
        }
    }
}
