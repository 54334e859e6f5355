//! Alpine's installed-packages database, `lib/apk/db/installed`.

use std::collections::HashMap;

use crate::{AnalysisResult, AnalyzeError, Analyzer, Package, PackageInfo};

/// Parses `lib/apk/db/installed`.
pub struct ApkAnalyzer;

/// Path of the apk database inside an image.
pub const APK_DB: &str = "lib/apk/db/installed";

impl Analyzer for ApkAnalyzer {
    fn name(&self) -> &'static str {
        "apk"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        path == APK_DB
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let text = std::str::from_utf8(content)
            .map_err(|e| AnalyzeError::new(path, format!("apk database is not UTF-8 text: {e}")))?;
        let packages = parse_installed(text);
        if packages.is_empty() && text.lines().any(|l| !l.trim().is_empty()) {
            return Err(AnalyzeError::new(
                path,
                "not an apk database: no package record with P: and V: lines",
            ));
        }
        Ok(AnalysisResult {
            package_infos: vec![PackageInfo {
                file_path: path.to_string(),
                packages,
            }],
            ..Default::default()
        })
    }
}

#[derive(Default)]
struct Raw {
    pkg: Package,
    depends: Vec<String>,
    provides: Vec<String>,
    dir: String,
}

fn flush(raw: &mut Raw, out: &mut Vec<Raw>) {
    let r = std::mem::take(raw);
    if !r.pkg.name.is_empty() && !r.pkg.version.is_empty() {
        out.push(r);
    }
}

/// Parses the text of an apk installed database into packages, in file order.
pub fn parse_installed(text: &str) -> Vec<Package> {
    let mut raws = Vec::new();
    let mut cur = Raw::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut cur, &mut raws);
            continue;
        }
        let Some((key, val)) = line.split_once(':') else {
            continue;
        };
        match key {
            "P" => cur.pkg.name = val.to_string(),
            "V" => cur.pkg.version = val.to_string(),
            "A" => cur.pkg.arch = val.to_string(),
            "o" => cur.pkg.src_name = val.to_string(),
            "L" => {
                cur.pkg.licenses = split_licenses(val);
            }
            "m" => cur.pkg.maintainer = val.to_string(),
            "C" => cur.pkg.digest = decode_checksum(val).unwrap_or_default(),
            "D" => cur.depends = val.split_whitespace().map(str::to_string).collect(),
            "p" => cur.provides = val.split_whitespace().map(str::to_string).collect(),
            "F" => cur.dir = val.to_string(),
            "R" => {
                let f = if cur.dir.is_empty() {
                    val.to_string()
                } else {
                    format!("{}/{}", cur.dir, val)
                };
                cur.pkg.installed_files.push(f);
            }
            _ => {}
        }
    }
    flush(&mut cur, &mut raws);

    // Resolve dependencies to package ids through names and provides, as Trivy does.
    let mut provider: HashMap<String, String> = HashMap::new();
    for r in &raws {
        let id = format!("{}@{}", r.pkg.name, r.pkg.version);
        provider.insert(r.pkg.name.clone(), id.clone());
        for p in &r.provides {
            provider.insert(strip_constraint(p).to_string(), id.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    raws.into_iter()
        .filter_map(|mut r| {
            if r.pkg.src_name.is_empty() {
                r.pkg.src_name = r.pkg.name.clone();
            }
            r.pkg.src_version = r.pkg.version.clone();
            let mut deps: Vec<String> = r
                .depends
                .iter()
                .filter(|d| !d.starts_with('!'))
                .filter_map(|d| provider.get(strip_constraint(d)).cloned())
                .collect();
            deps.sort();
            deps.dedup();
            r.pkg.depends_on = deps;
            seen.insert((r.pkg.name.clone(), r.pkg.version.clone()))
                .then_some(r.pkg)
        })
        .collect()
}

fn strip_constraint(dep: &str) -> &str {
    let end = dep.find(['<', '>', '=', '~']).unwrap_or(dep.len());
    &dep[..end]
}

fn split_licenses(s: &str) -> Vec<String> {
    // apk writes SPDX-ish expressions ("MIT BSD GPL2+", "GPL-2.0-only AND MIT").
    s.split_whitespace()
        .filter(|t| !matches!(t.to_ascii_uppercase().as_str(), "AND" | "OR" | "WITH"))
        .map(|t| t.trim_matches(|c| c == '(' || c == ')').to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// `Q1<base64 sha1>` -> `sha1:<hex>`.
fn decode_checksum(s: &str) -> Option<String> {
    use base64::Engine;
    let b64 = s.strip_prefix("Q1")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("sha1:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = "C:Q1ZOu0w9TMYyDgPJJjHnzk/1RP8yI=\nP:musl\nV:1.1.22-r3\nA:x86_64\nS:368204\nI:598016\nT:the musl c library (libc) implementation\nU:http://www.musl-libc.org/\nL:MIT\no:musl\nm:Timo Teräs <timo.teras@iki.fi>\nt:1565162130\nc:0c777cf840e82cdc528651e3f3f26f8d7d5d8b83\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:libc.musl-x86_64.so.1\nR:ld-musl-x86_64.so.1\n\nP:musl-utils\nV:1.1.22-r3\nA:x86_64\nL:MIT BSD GPL2+\no:musl\nD:scanelf so:libc.musl-x86_64.so.1\nF:sbin\nR:ldconfig\n\n";

    #[test]
    fn parses_records() {
        let r = ApkAnalyzer.analyze(APK_DB, DB.as_bytes()).unwrap();
        let pkgs = &r.package_infos[0].packages;
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[0].name, "musl");
        assert_eq!(pkgs[0].version, "1.1.22-r3");
        assert_eq!(
            pkgs[0].digest,
            "sha1:64ebb4c3d4cc6320e03c92631e7ce4ff544ff322"
        );
        assert_eq!(
            pkgs[0].installed_files,
            vec!["lib/libc.musl-x86_64.so.1", "lib/ld-musl-x86_64.so.1"]
        );
        assert_eq!(pkgs[1].src_name, "musl");
        assert_eq!(pkgs[1].licenses, vec!["MIT", "BSD", "GPL2+"]);
        assert_eq!(pkgs[1].depends_on, vec!["musl@1.1.22-r3"]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(ApkAnalyzer.analyze(APK_DB, b"\xff\xfe\x00").is_err());
        assert!(ApkAnalyzer
            .analyze(APK_DB, b"hello world\nfoo bar\n")
            .is_err());
        let empty = ApkAnalyzer.analyze(APK_DB, b"").unwrap();
        assert!(empty.package_infos[0].packages.is_empty());
    }
}
