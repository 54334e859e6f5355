//! OS release files: os-release, alpine-release, debian_version, lsb-release, redhat-release and friends.

use crate::{AnalysisResult, AnalyzeError, Analyzer, OsInfo, Repository};

/// Reads the files that say which OS an image is.
pub struct OsAnalyzer;

const FILES: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/lsb-release",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/fedora-release",
    "etc/rocky-release",
    "etc/almalinux-release",
    "etc/oracle-release",
    "etc/system-release",
    "etc/apk/repositories",
];

impl Analyzer for OsAnalyzer {
    fn name(&self) -> &'static str {
        "os"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        FILES.contains(&path)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let text = String::from_utf8_lossy(content);
        let mut res = AnalysisResult::default();
        let os = |family: &str, name: &str| {
            Some(OsInfo {
                family: family.to_string(),
                name: name.to_string(),
                source_file: path.to_string(),
            })
        };
        match path {
            "etc/alpine-release" => {
                let v = text.lines().next().unwrap_or("").trim();
                if !v.is_empty() {
                    res.os = os("alpine", v);
                }
            }
            "etc/debian_version" => {
                let v = text.lines().next().unwrap_or("").trim();
                if !v.is_empty() {
                    res.os = os("debian", v);
                }
            }
            "etc/lsb-release" => {
                let kv = parse_kv(&text);
                if kv_get(&kv, "DISTRIB_ID").eq_ignore_ascii_case("ubuntu") {
                    let v = kv_get(&kv, "DISTRIB_RELEASE");
                    if !v.is_empty() {
                        res.os = os("ubuntu", v);
                    }
                }
            }
            "etc/os-release" | "usr/lib/os-release" => {
                let kv = parse_kv(&text);
                let id = kv_get(&kv, "ID");
                let ver = kv_get(&kv, "VERSION_ID");
                let family = match id {
                    "alpine" => Some("alpine"),
                    "opensuse-leap" | "opensuse" => Some("opensuse.leap"),
                    "opensuse-tumbleweed" => Some("opensuse.tumbleweed"),
                    "sles" | "sle-micro" => Some("suse linux enterprise server"),
                    "photon" => Some("photon"),
                    "wolfi" => Some("wolfi"),
                    "chainguard" => Some("chainguard"),
                    "azurelinux" => Some("azurelinux"),
                    "mariner" => Some("cbl-mariner"),
                    "ubuntu" => Some("ubuntu"),
                    "debian" => Some("debian"),
                    "rhel" => Some("redhat"),
                    "centos" => Some("centos"),
                    "rocky" => Some("rocky"),
                    "almalinux" => Some("alma"),
                    "fedora" => Some("fedora"),
                    "amzn" => Some("amazon"),
                    "ol" => Some("oracle"),
                    _ => None,
                };
                if let Some(f) = family {
                    // Wolfi and Chainguard are rolling: Trivy reports no version for them.
                    let v = if matches!(f, "wolfi" | "chainguard") {
                        ""
                    } else {
                        ver
                    };
                    if !v.is_empty() || matches!(f, "wolfi" | "chainguard") {
                        res.os = os(f, v);
                    }
                }
            }
            "etc/apk/repositories" => {
                res.repository = parse_apk_repositories(&text);
            }
            _ => {
                // redhat-release family: "Rocky Linux release 8.4 (Green Obsidian)".
                let line = text.lines().next().unwrap_or("").trim();
                if let Some((family, ver)) = parse_redhat_release(line) {
                    res.os = os(family, &ver);
                }
            }
        }
        Ok(res)
    }
}

fn parse_kv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            let v = v.trim().trim_matches('"').trim_matches('\'');
            Some((k.trim().to_string(), v.to_string()))
        })
        .collect()
}

fn kv_get<'a>(kv: &'a [(String, String)], key: &str) -> &'a str {
    kv.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Release named by the repository URLs (`.../alpine/v3.10/main` -> `3.10`, `edge`).
fn parse_apk_repositories(text: &str) -> Option<Repository> {
    let mut release = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.trim_end_matches('/').split('/').collect();
        if parts.len() < 2 {
            continue;
        }
        let r = parts[parts.len() - 2];
        let r = if r == "edge" {
            "edge".to_string()
        } else if let Some(v) = r.strip_prefix('v') {
            if v.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            {
                v.to_string()
            } else {
                continue;
            }
        } else {
            continue;
        };
        // Several releases listed: the newest one decides, as apk would install from it.
        release = match release {
            None => Some(r),
            Some(prev) => Some(newer_release(prev, r)),
        };
    }
    release.map(|release| Repository {
        family: "alpine".to_string(),
        release,
    })
}

fn newer_release(a: String, b: String) -> String {
    if a == "edge" || b == "edge" {
        return "edge".to_string();
    }
    let key = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    if key(&b) > key(&a) {
        b
    } else {
        a
    }
}

fn parse_redhat_release(line: &str) -> Option<(&'static str, String)> {
    let lower = line.to_ascii_lowercase();
    let family = if lower.starts_with("centos") {
        "centos"
    } else if lower.starts_with("rocky") {
        "rocky"
    } else if lower.starts_with("almalinux") {
        "alma"
    } else if lower.starts_with("oracle") {
        "oracle"
    } else if lower.starts_with("fedora") {
        "fedora"
    } else if lower.starts_with("amazon") {
        "amazon"
    } else if lower.starts_with("red hat") {
        "redhat"
    } else {
        return None;
    };
    let idx = lower.find("release ")?;
    let rest = &line[idx + "release ".len()..];
    let ver: String = rest
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    if family == "amazon" && !ver.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        // "Amazon Linux release 2 (Karoo)" has a digit; "Amazon Linux AMI release 2018.03" too.
        return None;
    }
    if ver.is_empty() {
        return None;
    }
    Some((family, ver))
}

/// Merges OS records found in one image, in layer order, the way Trivy does: a later
/// record replaces a RedHat or Debian guess (Oracle and Ubuntu images also carry those
/// files); otherwise only empty fields are filled. An os-release record for a family that
/// has its own release file (Debian, Ubuntu, the RedHat family) is only a fallback.
pub fn merge_os(current: &mut Option<OsInfo>, new: &OsInfo) {
    let Some(cur) = current else {
        *current = Some(new.clone());
        return;
    };
    match rank(new).cmp(&rank(cur)) {
        std::cmp::Ordering::Greater => *cur = new.clone(),
        std::cmp::Ordering::Less => {}
        std::cmp::Ordering::Equal => {
            if cur.family == "redhat" || cur.family == "debian" {
                *cur = new.clone();
            } else {
                if cur.family.is_empty() {
                    cur.family = new.family.clone();
                }
                if cur.name.is_empty() {
                    cur.name = new.name.clone();
                }
            }
        }
    }
}

fn rank(os: &OsInfo) -> u8 {
    let from_os_release = matches!(
        os.source_file.as_str(),
        "etc/os-release" | "usr/lib/os-release"
    );
    let has_own_file = matches!(
        os.family.as_str(),
        "debian"
            | "ubuntu"
            | "redhat"
            | "centos"
            | "rocky"
            | "alma"
            | "fedora"
            | "amazon"
            | "oracle"
    );
    if from_os_release && has_own_file {
        0
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, s: &str) -> AnalysisResult {
        OsAnalyzer.analyze(path, s.as_bytes()).unwrap()
    }

    #[test]
    fn alpine_release_and_repositories() {
        let r = run("etc/alpine-release", "3.10.9\n");
        assert_eq!(r.os.unwrap().name, "3.10.9");
        let r = run(
            "etc/apk/repositories",
            "http://dl-cdn.alpinelinux.org/alpine/v3.10/main\nhttp://dl-cdn.alpinelinux.org/alpine/v3.10/community\n",
        );
        assert_eq!(r.repository.unwrap().release, "3.10");
        let r = run(
            "etc/apk/repositories",
            "https://dl-cdn.alpinelinux.org/alpine/edge/main\n",
        );
        assert_eq!(r.repository.unwrap().release, "edge");
    }

    #[test]
    fn os_release_and_redhat_family() {
        let r = run(
            "etc/os-release",
            "NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"8.4\"\n",
        );
        let os = r.os.unwrap();
        assert_eq!((os.family.as_str(), os.name.as_str()), ("rocky", "8.4"));
        let r = run(
            "etc/centos-release",
            "CentOS Linux release 7.6.1810 (Core)\n",
        );
        assert_eq!(r.os.unwrap().name, "7.6.1810");
        let r = run("etc/debian_version", "12.5\n");
        assert_eq!(r.os.unwrap().family, "debian");
        assert!(run("etc/os-release", "garbage\n\0\0").os.is_none());
    }

    #[test]
    fn ubuntu_overrides_debian() {
        let mut cur = None;
        merge_os(
            &mut cur,
            &run("etc/os-release", "ID=debian\nVERSION_ID=11\n")
                .os
                .unwrap(),
        );
        merge_os(
            &mut cur,
            &run("etc/debian_version", "bullseye/sid\n").os.unwrap(),
        );
        assert_eq!(cur.as_ref().unwrap().name, "bullseye/sid");
        merge_os(
            &mut cur,
            &run(
                "etc/lsb-release",
                "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=20.04\n",
            )
            .os
            .unwrap(),
        );
        assert_eq!(cur.unwrap().family, "ubuntu");
    }
}
