//! Ruby packages: `Gemfile.lock` (Trivy's `bundler`) and installed gem specifications
//! `specifications/*.gemspec` (Trivy's `gemspec`), parsed the way Trivy 0.76 does
//! (checked against its own testdata in `tests/lang_ruby.rs`).

use std::collections::{BTreeMap, HashSet};

use super::text;
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// All Ruby analyzers.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(BundlerAnalyzer), Box::new(GemspecAnalyzer)]
}

// ---------------------------------------------------------------- bundler

/// `Gemfile.lock`: every `    name (version)` spec line of the GEM/GIT/PATH sections;
/// gems named under DEPENDENCIES are `direct`, the others `indirect`.
pub struct BundlerAnalyzer;

impl Analyzer for BundlerAnalyzer {
    fn name(&self) -> &'static str {
        "bundler"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        path.rsplit('/').next() == Some("Gemfile.lock")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let t = text(path, content, "Gemfile.lock")?;
        let packages = parse_gemfile_lock(t).map_err(|m| AnalyzeError::new(path, m))?;
        Ok(AnalysisResult::application("bundler", path, packages))
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Parses Gemfile.lock text.
pub fn parse_gemfile_lock(text: &str) -> Result<Vec<Package>, String> {
    // name -> (version, dependency names), in name order as Trivy sorts them.
    let mut gems: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut direct: HashSet<String> = HashSet::new();
    let mut section = "";
    let mut current: Option<String> = None;
    let mut saw_section = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if indent(line) == 0 {
            section = line.trim();
            saw_section |= matches!(
                section,
                "GEM" | "GIT" | "PATH" | "PLATFORMS" | "DEPENDENCIES"
            );
            current = None;
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match (section, indent(line)) {
            ("DEPENDENCIES", 2) => {
                if let Some(n) = fields.first() {
                    direct.insert(n.trim_end_matches('!').to_string());
                }
            }
            (_, 4) if section != "DEPENDENCIES" => {
                if fields.len() != 2 {
                    current = None;
                    continue;
                }
                let version = fields[1].trim_start_matches('(').trim_end_matches(')');
                // Drop the platform: 1.13.6-x86_64-linux -> 1.13.6 (as Trivy).
                let version = version.split('-').next().unwrap_or(version);
                gems.insert(fields[0].to_string(), (version.to_string(), Vec::new()));
                current = Some(fields[0].to_string());
            }
            (_, 6) if section != "DEPENDENCIES" => {
                if let (Some(c), Some(n)) = (&current, fields.first()) {
                    if let Some(g) = gems.get_mut(c) {
                        g.1.push(n.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    if !saw_section {
        return Err(
            "not a Gemfile.lock: no GEM, GIT, PATH, PLATFORMS or DEPENDENCIES section".into(),
        );
    }
    let packages = gems
        .iter()
        .map(|(name, (version, deps))| {
            let mut d: Vec<String> = deps
                .iter()
                .filter_map(|n| gems.get(n).map(|(v, _)| format!("{n}@{v}")))
                .collect();
            d.sort();
            d.dedup();
            Package {
                name: name.clone(),
                version: version.clone(),
                relationship: if direct.contains(name) {
                    "direct"
                } else {
                    "indirect"
                }
                .into(),
                depends_on: d,
                ..Default::default()
            }
        })
        .collect();
    Ok(packages)
}

// ---------------------------------------------------------------- gemspec

/// Installed gem specifications, `.../specifications/*.gemspec` (Trivy's `gemspec`).
pub struct GemspecAnalyzer;

impl Analyzer for GemspecAnalyzer {
    fn name(&self) -> &'static str {
        "gemspec"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        // Trivy: `.*/specifications/.+\.gemspec` on the path without its leading `/`.
        let p = path;
        p.ends_with(".gemspec")
            && p.find("/specifications/")
                .is_some_and(|i| p.len() - (i + "/specifications/".len()) > ".gemspec".len())
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let t = text(path, content, "gemspec")?;
        let mut p = parse_gemspec(t).map_err(|m| AnalyzeError::new(path, m))?;
        p.file_path = path.to_string();
        Ok(AnalysisResult::application("gemspec", path, vec![p]))
    }
}

/// Parses an installed gemspec the way Trivy does: line by line, reading
/// `<var>.name`, `<var>.version`, `<var>.license(s)` of the `Gem::Specification.new do |var|` block.
pub fn parse_gemspec(text: &str) -> Result<Package, String> {
    let mut var: Option<String> = None;
    let (mut name, mut version) = (String::new(), String::new());
    let mut licenses: Option<Vec<String>> = None;
    for line in text.lines() {
        let line = line.trim();
        if var.is_none() {
            if line.contains("Gem::Specification.new") {
                var = line
                    .split('|')
                    .nth(1)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty());
            }
            continue;
        }
        let v = var.as_deref().unwrap_or_default();
        if name.is_empty() {
            if let Some(val) = assignment(line, v, "name") {
                name = trim_value(val);
            }
        }
        if version.is_empty() {
            if let Some(val) = assignment(line, v, "version") {
                version = trim_value(val);
            }
        }
        if licenses.is_none() {
            if let Some(val) = assignment(line, v, "licenses") {
                let val = strip_comment(val).trim();
                if let Some(inner) = val.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                    licenses = Some(
                        inner
                            .split(',')
                            .map(trim_value)
                            .filter(|s| !s.is_empty())
                            .collect(),
                    );
                }
            } else if let Some(val) = assignment(line, v, "license") {
                licenses = Some(vec![trim_value(val)]);
            }
        }
    }
    if var.is_none() {
        return Err("no `Gem::Specification.new do |var|` block".into());
    }
    if name.is_empty() || version.is_empty() {
        return Err(format!(
            "gemspec has no {} (`{}.name = \"...\"` / `.version = \"...\"`)",
            if name.is_empty() { "name" } else { "version" },
            var.unwrap_or_default()
        ));
    }
    Ok(Package {
        name,
        version,
        licenses: licenses.unwrap_or_default(),
        ..Default::default()
    })
}

/// `var.attr = value` at the start of `line` -> `value`.
fn assignment<'a>(line: &'a str, var: &str, attr: &str) -> Option<&'a str> {
    let rest = line
        .strip_prefix(var)?
        .strip_prefix('.')?
        .strip_prefix(attr)?;
    let rest = rest.trim_start().strip_prefix('=')?;
    Some(rest.trim())
}

/// Drops a trailing `# comment` that is outside quotes.
fn strip_comment(s: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') => return &s[..i],
            _ => {}
        }
    }
    s
}

/// `"async".freeze  # comment` -> `async`.
fn trim_value(s: &str) -> String {
    let s = strip_comment(s).trim();
    let s = s.strip_suffix(".freeze").unwrap_or(s);
    s.trim_matches(|c| c == '"' || c == '\'').trim().to_string()
}
