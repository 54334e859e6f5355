//! Gradle dependency lock files (`gradle.lockfile`, `buildscript-gradle.lockfile`, ...).
//!
//! Rules (Trivy's `gradle/lockfile` parser): one `group:artifact:version=conf1,conf2` per
//! line; `#` comments and lines that do not split into exactly three `:` fields (the trailing
//! `empty=` line) are skipped; a package is a development dependency when every configuration
//! starts with `test`; duplicates (same name and version) are listed once.
//! Not done (needs files beside the lock file): `build.gradle` direct/indirect marking and
//! licenses from the Gradle cache poms.

use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// Parses `*gradle.lockfile`.
pub struct GradleLockAnalyzer;

impl Analyzer for GradleLockAnalyzer {
    fn name(&self) -> &'static str {
        "gradle-lockfile"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        path.ends_with("gradle.lockfile")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let text = std::str::from_utf8(content)
            .map_err(|e| AnalyzeError::new(path, format!("gradle lock file is not UTF-8: {e}")))?;
        let packages = parse_lockfile(text);
        // Like Trivy, a file with no packages gives no application.
        Ok(AnalysisResult::application_if_any("gradle", path, packages))
    }
}

/// Parses the text of a Gradle lock file, in file order, without duplicates.
pub fn parse_lockfile(text: &str) -> Vec<Package> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() != 3 {
            continue;
        }
        let name = format!("{}:{}", fields[0], fields[1]);
        let (version, confs) = fields[2].split_once('=').unwrap_or((fields[2], ""));
        let dev = confs.split(',').all(|c| c.starts_with("test"));
        if !seen.insert((name.clone(), version.to_string())) {
            continue;
        }
        out.push(Package {
            name,
            version: version.to_string(),
            dev,
            ..Default::default()
        });
    }
    out
}
