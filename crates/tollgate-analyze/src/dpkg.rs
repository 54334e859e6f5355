//! Debian's package database: `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`.

use std::collections::HashMap;

use crate::{AnalysisResult, AnalyzeError, Analyzer, Package, PackageInfo};

/// Parses dpkg status files.
pub struct DpkgAnalyzer;

impl Analyzer for DpkgAnalyzer {
    fn name(&self) -> &'static str {
        "dpkg"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        if path == "var/lib/dpkg/status" {
            return true;
        }
        if let Some(name) = path.strip_prefix("var/lib/dpkg/info/") {
            return name.ends_with(".list") && !name.contains('/');
        }
        match path.strip_prefix("var/lib/dpkg/status.d/") {
            Some(name) => !name.is_empty() && !name.contains('/') && !name.ends_with(".md5sums"),
            None => false,
        }
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        // Status files are ASCII/UTF-8; tolerate stray bytes in descriptions.
        let text = String::from_utf8_lossy(content);
        if path.starts_with("var/lib/dpkg/info/") {
            // "/usr/lib/python3/dist-packages/six.py" lines: what the package installed.
            let system_files = text
                .lines()
                .map(|l| l.trim().trim_start_matches('/'))
                .filter(|l| !l.is_empty() && *l != ".")
                .map(str::to_string)
                .collect();
            return Ok(AnalysisResult {
                system_files,
                ..Default::default()
            });
        }
        let (packages, stanzas) = parse_status(&text);
        if packages.is_empty() && stanzas == 0 && text.lines().any(|l| !l.trim().is_empty()) {
            return Err(AnalyzeError::new(
                path,
                "not a dpkg status file: no stanza with a Package: field",
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

/// Splits a Debian version into (epoch, upstream, revision); `None` when it is not a valid one.
pub fn split_version(v: &str) -> Option<(u32, String, String)> {
    // Versions dpkg itself only warns about are skipped, as Trivy does.
    tollgate_version::dpkg::validate(v).ok()?;
    let d = tollgate_version::dpkg::parse(v).ok()?;
    Some((d.epoch, d.upstream, d.revision))
}

fn installed(status: &str) -> bool {
    // "want flag state": the files are on disk in these states, whatever the want is
    // (Trivy drops "deinstall ok installed", which is still installed and still vulnerable).
    let state = status.split_whitespace().nth(2).unwrap_or("");
    matches!(
        state,
        "installed" | "half-configured" | "unpacked" | "triggers-awaited" | "triggers-pending"
    ) || (status.trim().is_empty())
}

/// Parses a status file; returns the installed packages and the number of stanzas seen.
pub fn parse_status(text: &str) -> (Vec<Package>, usize) {
    let mut out = Vec::new();
    let mut stanzas = 0;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut last_key: Option<String> = None;
    let mut finish = |fields: &mut HashMap<String, String>, out: &mut Vec<Package>| {
        if fields.contains_key("Package") {
            stanzas += 1;
            if let Some(p) = to_package(fields) {
                out.push(p);
            }
        }
        fields.clear();
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            finish(&mut fields, &mut out);
            last_key = None;
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            // Continuation line: only Description and Conffiles use them; nothing we keep.
            let _ = &last_key;
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_string();
            fields.insert(k.clone(), v.trim().to_string());
            last_key = Some(k);
        }
    }
    finish(&mut fields, &mut out);
    (out, stanzas)
}

fn to_package(f: &HashMap<String, String>) -> Option<Package> {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if !installed(get("Status")) {
        return None;
    }
    let name = get("Package");
    let version = get("Version");
    if name.is_empty() || version.is_empty() {
        return None;
    }
    let (mut src_name, mut src_version) = (String::new(), String::new());
    let src = get("Source");
    if !src.is_empty() {
        // "Source: openssl (1.1.1n-0+deb11u3)" names a different source version.
        match src.split_once('(') {
            Some((n, v)) => {
                src_name = n.trim().to_string();
                src_version = v.trim_end_matches(')').trim().to_string();
            }
            None => src_name = src.trim().to_string(),
        }
    }
    if src_name.is_empty() {
        src_name = name.to_string();
    }
    if src_version.is_empty() {
        src_version = version.to_string();
    }
    let (epoch, ver, rel) = split_version(version)?;
    let (src_epoch, src_ver, src_rel) = split_version(&src_version)?;
    let mut depends: Vec<String> = ["Depends", "Pre-Depends"]
        .iter()
        .flat_map(|k| get(k).split(','))
        .filter_map(|d| {
            // "libc6 (>= 2.34) | libc6-udeb": the first alternative, without constraint or arch.
            let first = d.split('|').next()?.trim();
            let name = first.split([' ', '(', ':']).next()?.trim();
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect();
    depends.sort();
    depends.dedup();
    Some(Package {
        name: name.to_string(),
        version: ver,
        release: rel,
        epoch,
        arch: get("Architecture").to_string(),
        src_name,
        src_version: src_ver,
        src_release: src_rel,
        src_epoch,
        maintainer: get("Maintainer").to_string(),
        depends_on: depends,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: libssl1.1\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 4126\nMaintainer: Debian OpenSSL Team <pkg-openssl-devel@lists.alioth.debian.org>\nArchitecture: amd64\nMulti-Arch: same\nSource: openssl\nVersion: 1.1.1n-0+deb11u3\nDepends: libc6 (>= 2.25), debconf (>= 0.5) | debconf-2.0\nDescription: Secure Sockets Layer toolkit - shared libraries\n This package is part of the OpenSSL project's implementation of the SSL\n and TLS cryptographic protocols.\n\nPackage: libgcc-s1\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-10 (10.2.1-6)\nVersion: 10.2.1-6\n\nPackage: removed\nStatus: deinstall ok config-files\nVersion: 1.0-1\n\nPackage: tzdata\nStatus: install ok installed\nVersion: 2021a-1+deb11u10\n\nPackage: libpam0g\nStatus: install ok installed\nSource: pam\nVersion: 1.4.0-9+deb11u1\n";

    #[test]
    fn parses_status() {
        let (pkgs, stanzas) = parse_status(STATUS);
        assert_eq!(stanzas, 5);
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["libssl1.1", "libgcc-s1", "tzdata", "libpam0g"]);
        let ssl = &pkgs[0];
        assert_eq!(
            (
                ssl.src_name.as_str(),
                ssl.version.as_str(),
                ssl.release.as_str()
            ),
            ("openssl", "1.1.1n", "0+deb11u3")
        );
        assert_eq!(ssl.depends_on, vec!["debconf", "libc6"]);
        assert_eq!(pkgs[1].src_name, "gcc-10");
        assert_eq!(pkgs[1].src_version, "10.2.1");
    }

    #[test]
    fn versions() {
        let owned = |e: u32, u: &str, r: &str| Some((e, u.to_string(), r.to_string()));
        assert_eq!(split_version("1:2.3-4"), owned(1, "2.3", "4"));
        assert_eq!(split_version("2.3"), owned(0, "2.3", ""));
        assert_eq!(split_version("1:2.3-4-5"), owned(1, "2.3-4", "5"));
        assert_eq!(split_version("x:1"), None);
        assert_eq!(split_version("abc"), None);
        assert_eq!(split_version(""), None);
    }

    #[test]
    fn list_files_are_system_files() {
        let r = DpkgAnalyzer
            .analyze(
                "var/lib/dpkg/info/python3-six.list",
                b"/.\n/usr\n/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n",
            )
            .unwrap();
        assert_eq!(
            r.system_files,
            [
                "usr",
                "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"
            ]
        );
        assert!(DpkgAnalyzer.required("var/lib/dpkg/info/libc6:amd64.list"));
        assert!(!DpkgAnalyzer.required("var/lib/dpkg/info/libc6.md5sums"));
    }

    #[test]
    fn garbage() {
        assert!(DpkgAnalyzer
            .analyze("var/lib/dpkg/status", b"\x00\x01binary junk")
            .is_err());
        assert!(DpkgAnalyzer.required("var/lib/dpkg/status.d/base"));
        assert!(!DpkgAnalyzer.required("var/lib/dpkg/status.d/base.md5sums"));
    }
}
