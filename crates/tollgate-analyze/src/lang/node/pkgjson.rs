//! Installed packages: `node_modules/**/package.json` (Trivy's `node-pkg`).

use serde::Deserialize;

use super::{base_name, finish, new_package, parse_license};
use crate::{AnalysisResult, AnalyzeError, Analyzer};

/// Reads one installed package's `package.json`: name, version, license.
pub struct NodePkgAnalyzer;

#[derive(Deserialize)]
struct PackageJson {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    license: Option<serde_json::Value>,
}

impl Analyzer for NodePkgAnalyzer {
    fn name(&self) -> &'static str {
        "node-pkg"
    }
    fn version(&self) -> u32 {
        2
    }
    /// Trivy takes every `package.json` (it runs this analyzer on images and root
    /// filesystems only; `fs` scans leave it out).
    fn required(&self, path: &str) -> bool {
        base_name(path) == "package.json"
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let pj: PackageJson = first_json_value(content)
            .map_err(|e| AnalyzeError::new(path, format!("invalid package.json: {e}")))?;
        let name = pj.name.unwrap_or_default();
        let version = pj.version.unwrap_or_default();
        let mut packages = Vec::new();
        // Trivy skips packages without name or version, and names npm would not accept.
        if !name.is_empty() && !version.is_empty() && valid_name(&name) {
            let mut p = new_package(&name, &version);
            p.licenses = parse_license(pj.license.as_ref());
            p.file_path = path.to_string();
            packages.push(p);
        }
        Ok(finish("node-pkg", path, packages))
    }
}

/// Decodes the first JSON value and ignores what follows, as Go's `json.Decoder` does.
pub(super) fn first_json_value<T: serde::de::DeserializeOwned>(
    content: &[u8],
) -> Result<T, serde_json::Error> {
    let mut it = serde_json::Deserializer::from_slice(content).into_iter::<T>();
    match it.next() {
        Some(r) => r,
        None => serde_json::from_slice(b""),
    }
}

/// Trivy's `^(@[A-Za-z0-9-._]+/)?[A-Za-z0-9-._]+$`.
fn valid_name(name: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    };
    match name.strip_prefix('@') {
        Some(rest) => match rest.split_once('/') {
            Some((scope, n)) => ok(scope) && ok(n),
            None => false,
        },
        None => ok(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("@babel/core"));
        assert!(valid_name("JSONStream"));
        assert!(!valid_name("@invalid/packageName/"));
        assert!(!valid_name("@scope"));
        assert!(!valid_name("a b"));
    }
}
