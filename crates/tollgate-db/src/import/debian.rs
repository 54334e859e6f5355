//! Debian security tracker: the `data/{CVE,DSA,DLA}/list` text files and vuln-list-debian's
//! JSON rendering of them (`tracker/{CVE,DSA,DLA}/*.json`, `distributions.json`,
//! `source/<codename>/**.json`). The merge follows trivy-db's debian source.

use super::{file_name, has_ext, read_file, Ctx};
use crate::model::{Advisory, Severity, Status, VulnDetail};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Major version of a Debian codename (`bookworm` -> `12`); `sid` and unknown names give `None`.
pub(crate) fn codename_major(code: &str) -> Option<&'static str> {
    Some(match code {
        "buzz" => "1.1",
        "rex" => "1.2",
        "bo" => "1.3",
        "hamm" => "2.0",
        "slink" => "2.1",
        "potato" => "2.2",
        "woody" => "3.0",
        "sarge" => "3.1",
        "etch" => "4",
        "lenny" => "5",
        "squeeze" => "6",
        "wheezy" => "7",
        "jessie" => "8",
        "stretch" => "9",
        "buster" => "10",
        "bullseye" => "11",
        "bookworm" => "12",
        "trixie" => "13",
        "forky" => "14",
        "duke" => "15",
        _ => return None,
    })
}

/// Releases an unannotated `- pkg version` (sid) line is applied to when the import has no
/// `distributions.json` (the tracker's list of releases it tracks).
const DEFAULT_TRACKED: [&str; 6] = [
    "stretch", "buster", "bullseye", "bookworm", "trixie", "forky",
];

/// dpkg version order (the `tollgate-version` implementation, which passes dpkg's vectors).
pub fn dpkg_compare(a: &str, b: &str) -> Ordering {
    tollgate_version::dpkg::compare(a, b)
}

/// trivy-db's urgency -> severity.
fn severity_from_urgency(u: &str) -> Severity {
    match u.trim() {
        "unimportant" | "low" | "low*" | "low**" => Severity::Low,
        "medium" | "medium*" | "medium**" => Severity::Medium,
        "high" | "high*" | "high**" => Severity::High,
        _ => Severity::Unknown,
    }
}

fn is_urgency(s: &str) -> bool {
    matches!(
        s.trim_end_matches('*'),
        "unimportant" | "low" | "medium" | "high" | "not yet assigned" | "end-of-life"
    )
}

/// trivy-db's tracker state -> status, for entries without a fixed version.
fn status_from_kind(kind: &str) -> Status {
    match kind {
        "no-dsa" | "unfixed" | "" => Status::Affected,
        "ignored" => Status::WillNotFix,
        "postponed" => Status::FixDeferred,
        // "removed": the package left the release, installed copies stay vulnerable for good.
        "end-of-life" | "removed" => Status::EndOfLife,
        // "itp": not packaged yet.
        "itp" => Status::NotAffected,
        _ => Status::Affected,
    }
}

/// One tracker record (a CVE, DSA or DLA entry).
#[derive(Debug, Default, Clone)]
struct Bug {
    id: String,
    description: String,
    anns: Vec<Ann>,
}

#[derive(Debug, Clone)]
enum Ann {
    Xref(Vec<String>),
    Package {
        /// `None` for the unstable (sid) line `- pkg ...`.
        release: Option<String>,
        package: String,
        /// `fixed` when a version is given, else the `<state>`.
        kind: String,
        version: String,
        urgency: Option<String>,
    },
}

/// Parses the tracker's list format (CVE, DSA and DLA lists share it).
fn parse_list(text: &str, warn: &mut dyn FnMut(String)) -> Vec<Bug> {
    let mut out = Vec::new();
    let mut cur: Option<Bug> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            if let Some(b) = cur.take() {
                out.push(b);
            }
            match parse_header(line) {
                Some(b) => cur = Some(b),
                None => warn(format!(
                    "line {}: unrecognised entry header: {}",
                    n + 1,
                    truncate(line, 80)
                )),
            }
            continue;
        }
        let Some(bug) = cur.as_mut() else { continue };
        let t = line.trim();
        if let Some(inner) = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            bug.anns.push(Ann::Xref(
                inner.split_whitespace().map(str::to_string).collect(),
            ));
            continue;
        }
        if let Some(ann) = parse_package_line(t) {
            bug.anns.push(ann);
        }
        // NOTE:, TODO:, NOT-FOR-US:, RESERVED, REJECTED and the like carry no package state.
    }
    if let Some(b) = cur {
        out.push(b);
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn parse_header(line: &str) -> Option<Bug> {
    if let Some(rest) = line.strip_prefix('[') {
        // "[29 Mar 2023] DSA-5380-1 xorg-server - security update"
        let (_, rest) = rest.split_once(']')?;
        let rest = rest.trim_start();
        let (id, desc) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let ok = ["DSA-", "DLA-", "DTSA-"].iter().any(|p| id.starts_with(p))
            && id[id.find('-')? + 1..]
                .chars()
                .all(|c| c.is_ascii_digit() || c == '-');
        if !ok {
            return None;
        }
        return Some(Bug {
            id: id.to_string(),
            description: desc.trim().to_string(),
            anns: Vec::new(),
        });
    }
    // "CVE-2021-36367 (PuTTY through 0.75 ...)", "CVE-2023-XXXX [code execution ...]"
    let (id, desc) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    if !(id.starts_with("CVE-") || id.starts_with("TEMP-")) {
        return None;
    }
    Some(Bug {
        id: id.to_string(),
        description: desc.trim().to_string(),
        anns: Vec::new(),
    })
}

/// `[bullseye] - foot <no-dsa> (Minor issue)`, `- putty 0.75-3 (low; bug #990901)`.
fn parse_package_line(t: &str) -> Option<Ann> {
    let (release, rest) = if let Some(r) = t.strip_prefix('[') {
        let (rel, rest) = r.split_once(']')?;
        (Some(rel.trim().to_string()), rest.trim_start())
    } else {
        (None, t)
    };
    let rest = rest.strip_prefix('-')?.trim_start();
    let (package, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if package.is_empty() {
        return None;
    }
    let rest = rest.trim();
    let (kind, version, paren) = if let Some(r) = rest.strip_prefix('<') {
        let (k, after) = r.split_once('>').unwrap_or((r, ""));
        (k.trim().to_string(), String::new(), after.trim())
    } else {
        let (v, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if v.starts_with('(') || v.is_empty() {
            // "- pkg (bug #1)" without a version: unfixed in practice.
            ("unfixed".to_string(), String::new(), rest)
        } else {
            ("fixed".to_string(), v.to_string(), after.trim())
        }
    };
    let mut urgency = None;
    if let Some(inner) = paren
        .strip_prefix('(')
        .map(|s| s.strip_suffix(')').unwrap_or(s))
    {
        for p in inner.split(';') {
            let p = p.trim();
            if is_urgency(p) {
                urgency = Some(p.to_string());
            }
        }
    }
    Some(Ann::Package {
        release,
        package: package.to_string(),
        kind,
        version,
        urgency,
    })
}

/// vuln-list-debian's JSON for one bug.
fn bug_from_json(v: &Value) -> Option<Bug> {
    let h = v.get("Header")?;
    let id = h.get("ID")?.as_str()?.to_string();
    let description = h
        .get("Description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut anns = Vec::new();
    for a in v
        .get("Annotations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        match a.get("Type").and_then(Value::as_str) {
            Some("xref") => anns.push(Ann::Xref(
                a.get("Bugs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|b| b.as_str().map(str::to_string))
                    .collect(),
            )),
            Some("package") => {
                let release = s("Release");
                let version = s("Version");
                let mut kind = s("Kind");
                if kind.is_empty() {
                    kind = if version.is_empty() {
                        "unfixed".into()
                    } else {
                        "fixed".into()
                    };
                }
                let sev = s("Severity");
                anns.push(Ann::Package {
                    release: (!release.is_empty()).then_some(release),
                    package: s("Package"),
                    kind,
                    version,
                    urgency: (!sev.is_empty()).then_some(sev),
                })
            }
            _ => {}
        }
    }
    Some(Bug {
        id,
        description,
        anns,
    })
}

#[derive(Debug, Clone, Default)]
struct DebAdv {
    fixed: String,
    state: String,
    vendor_ids: Vec<String>,
    severity: Option<Severity>,
}

type Key3 = (String, String, String); // (codename or "", package, vuln id)

#[derive(Default)]
struct State {
    distributions: BTreeMap<String, String>,
    have_distributions: bool,
    pkg_versions: HashMap<(String, String), String>,
    codes_with_sources: HashSet<String>,
    sid: BTreeMap<(String, String), (String, Option<Severity>)>,
    advs: BTreeMap<Key3, DebAdv>,
    not_affected: HashSet<Key3>,
    titles: BTreeMap<String, String>,
    severities: BTreeMap<String, Severity>,
}

impl State {
    fn parse_cve(&mut self, bug: &Bug) {
        let mut sev_by_pkg: HashMap<&str, Severity> = HashMap::new();
        if bug.description.starts_with('[') {
            let t = bug
                .description
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim();
            if !t.is_empty() {
                self.titles.insert(bug.id.clone(), t.to_string());
            }
        }
        for ann in &bug.anns {
            let Ann::Package {
                release,
                package,
                kind,
                version,
                urgency,
            } = ann
            else {
                continue;
            };
            let key = (
                release.clone().unwrap_or_default(),
                package.clone(),
                bug.id.clone(),
            );
            if kind == "not-affected" || kind == "undetermined" {
                self.not_affected.insert(key);
                continue;
            }
            match release {
                None => {
                    let sev = urgency.as_deref().map(severity_from_urgency);
                    if let Some(s) = sev {
                        sev_by_pkg.insert(package, s);
                        if s != Severity::Unknown {
                            self.severities.entry(bug.id.clone()).or_insert(s);
                        }
                    }
                    self.sid
                        .insert((package.clone(), bug.id.clone()), (version.clone(), sev));
                }
                Some(_) => {
                    let adv = DebAdv {
                        fixed: version.clone(),
                        state: if version.is_empty() {
                            kind.clone()
                        } else {
                            String::new()
                        },
                        vendor_ids: Vec::new(),
                        severity: sev_by_pkg.get(package.as_str()).copied(),
                    };
                    self.advs.insert(key, adv);
                }
            }
        }
    }

    fn parse_advisory(&mut self, bug: &Bug) {
        let mut cves: Vec<String> = Vec::new();
        let desc = bug
            .description
            .trim_matches(|c| c == '(' || c == ')')
            .trim();
        for ann in &bug.anns {
            let (release, package, kind, version) = match ann {
                Ann::Xref(ids) => {
                    cves = ids.clone();
                    continue;
                }
                Ann::Package {
                    release,
                    package,
                    kind,
                    version,
                    ..
                } => (release, package, kind, version),
            };
            // Advisories without CVE ids (e.g. DSA-3714-1) are known by their own id.
            let vids = if cves.is_empty() {
                vec![bug.id.clone()]
            } else {
                cves.clone()
            };
            if cves.is_empty() && !desc.is_empty() {
                self.titles.insert(bug.id.clone(), desc.to_string());
            }
            for vid in vids {
                let key = (release.clone().unwrap_or_default(), package.clone(), vid);
                if kind == "not-affected" || kind == "undetermined" {
                    self.not_affected.insert(key);
                    continue;
                }
                match self.advs.get_mut(&key) {
                    Some(adv) => {
                        // Several advisories fixing one id: the newest version wins (the first
                        // fix was incomplete), and the ids of all of them are kept.
                        if dpkg_compare(version, &adv.fixed) == Ordering::Greater {
                            adv.fixed = version.clone();
                            adv.state.clear();
                        }
                        adv.vendor_ids.push(bug.id.clone());
                    }
                    None => {
                        self.advs.insert(
                            key,
                            DebAdv {
                                fixed: version.clone(),
                                state: if version.is_empty() {
                                    kind.clone()
                                } else {
                                    String::new()
                                },
                                vendor_ids: vec![bug.id.clone()],
                                severity: None,
                            },
                        );
                    }
                }
            }
        }
    }

    /// trivy-db's commit: sid lines fill in releases the tracker did not annotate.
    fn commit(mut self, ctx: &mut Ctx) {
        let codes: Vec<String> = if self.have_distributions {
            self.distributions.keys().cloned().collect()
        } else {
            DEFAULT_TRACKED.iter().map(|s| s.to_string()).collect()
        };
        let mut out: BTreeMap<Key3, DebAdv> = BTreeMap::new();
        for ((pkg, vid), (sid_ver, sid_sev)) in &self.sid {
            if self
                .not_affected
                .contains(&(String::new(), pkg.clone(), vid.clone()))
            {
                continue;
            }
            for code in &codes {
                let key = (code.clone(), pkg.clone(), vid.clone());
                if self.not_affected.contains(&key) {
                    continue;
                }
                let existing = self.advs.get(&key);
                if existing.is_some_and(|a| a.state.is_empty()) {
                    continue;
                }
                let mut adv = existing.cloned().unwrap_or_default();
                if self.codes_with_sources.contains(code) {
                    let Some(code_ver) = self.pkg_versions.get(&(code.clone(), pkg.clone())) else {
                        continue;
                    };
                    // The release already ships the sid fix: fixed at that version, and a
                    // "no-dsa"/"postponed" state was wrong.
                    if !sid_ver.is_empty() && dpkg_compare(code_ver, sid_ver) != Ordering::Less {
                        adv.fixed = sid_ver.clone();
                        adv.state.clear();
                        self.advs.remove(&key);
                    }
                } else if existing.is_none() {
                    // No source-package versions for this release (plain list files): the
                    // tracker's own rule is "affected while older than the sid fix", which is
                    // what a fixed version of sid's says to the matcher.
                    adv.fixed = sid_ver.clone();
                } else {
                    // Annotated (no-dsa, postponed, ...) and no versions to second-guess it.
                    continue;
                }
                adv.severity = *sid_sev;
                out.insert(key, adv);
            }
        }
        for (k, v) in std::mem::take(&mut self.advs) {
            out.insert(k, v);
        }
        let mut detail_ids: BTreeMap<String, ()> = BTreeMap::new();
        for ((code, pkg, vid), adv) in out {
            let Some(major) = self
                .distributions
                .get(&code)
                .map(String::as_str)
                .or_else(|| codename_major(&code))
            else {
                continue; // sid or an unknown codename
            };
            // Releases older than wheezy (7) predate container images; the DSA list still
            // names them (woody, sarge, ...), trivy-db drops them as stale, and so do we.
            // wheezy and jessie are kept: their images are still pulled and scanned.
            if major
                .split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| m < 7)
            {
                continue;
            }
            let status = if adv.fixed.is_empty() {
                status_from_kind(&adv.state)
            } else {
                Status::Fixed
            };
            detail_ids.insert(vid.clone(), ());
            ctx.batch.advisories.push(Advisory {
                vuln_id: vid,
                vendor_ids: adv.vendor_ids,
                source: "debian".into(),
                namespace: format!("debian {major}"),
                package: pkg,
                fixed_version: (!adv.fixed.is_empty()).then_some(adv.fixed),
                status,
                severity: adv.severity.filter(|s| *s != Severity::Unknown),
                ..Default::default()
            });
        }
        for id in detail_ids.into_keys() {
            let mut d = VulnDetail {
                title: self.titles.get(&id).cloned(),
                sources: vec!["debian".into()],
                ..Default::default()
            };
            if let Some(s) = self.severities.get(&id) {
                d.vendor_severity.insert("debian".into(), *s);
            }
            d.id = id;
            ctx.batch.details.push(d);
        }
    }
}

/// Codename of a Sources file from its path (`.../source/bullseye/main/...`).
fn sources_codename(path: &Path) -> Option<String> {
    let comps: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let i = comps
        .iter()
        .rposition(|c| *c == "source" || *c == "updates-source")?;
    comps
        .get(i + 1)
        .filter(|_| i + 2 < comps.len())
        .map(|c| c.to_string())
}

pub(crate) fn import(files: &[PathBuf], ctx: &mut Ctx) {
    let mut st = State::default();
    let mut cve_bugs: Vec<Bug> = Vec::new();
    let mut adv_bugs: Vec<Bug> = Vec::new();
    for path in files {
        let name = file_name(path);
        let parent = path.parent().map(file_name).unwrap_or("");
        if name == "list" {
            if !matches!(parent, "CVE" | "DSA" | "DLA" | "DTSA") {
                continue; // e.g. data/CPE/list
            }
            let bytes = match read_file(path) {
                Ok(b) => b,
                Err(e) => {
                    ctx.warn(path, e);
                    continue;
                }
            };
            let text = String::from_utf8_lossy(&bytes);
            let mut warns = Vec::new();
            let bugs = parse_list(&text, &mut |w| warns.push(w));
            for w in warns {
                ctx.warn(path, w);
            }
            if bugs.is_empty() {
                ctx.warn(path, "no tracker entries");
                continue;
            }
            ctx.recognised += 1;
            for b in bugs {
                if b.id.starts_with("CVE-") || b.id.starts_with("TEMP-") {
                    cve_bugs.push(b);
                } else {
                    adv_bugs.push(b);
                }
            }
            continue;
        }
        if !has_ext(path, "json") {
            continue;
        }
        let v: Value = match read_file(path)
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(v) => v,
            Err(e) => {
                ctx.warn(path, format!("not a Debian tracker JSON file: {e}"));
                continue;
            }
        };
        if name == "distributions.json" {
            let Some(obj) = v.as_object() else {
                ctx.warn(path, "distributions.json is not an object");
                continue;
            };
            for (code, val) in obj {
                let major = val
                    .get("major-version")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if !major.is_empty() {
                    st.distributions.insert(code.clone(), major.to_string());
                }
            }
            st.have_distributions = true;
            ctx.recognised += 1;
            continue;
        }
        if let Some(code) = sources_codename(path) {
            let items: Vec<&Value> = match &v {
                Value::Array(a) => a.iter().collect(),
                o @ Value::Object(_) => vec![o],
                _ => Vec::new(),
            };
            st.codes_with_sources.insert(code.clone());
            for it in items {
                let first = |k: &str| {
                    it.get(k)
                        .and_then(|x| x.get(0))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                let (Some(p), Some(ver)) = (first("Package"), first("Version")) else {
                    continue;
                };
                let e = st.pkg_versions.entry((code.clone(), p)).or_default();
                if dpkg_compare(&ver, e) == Ordering::Greater {
                    *e = ver;
                }
            }
            ctx.recognised += 1;
            continue;
        }
        match bug_from_json(&v) {
            Some(b) => {
                ctx.recognised += 1;
                if b.id.starts_with("CVE-") || b.id.starts_with("TEMP-") {
                    cve_bugs.push(b);
                } else {
                    adv_bugs.push(b);
                }
            }
            None => ctx.warn(path, "not a Debian tracker JSON file: no Header.ID"),
        }
    }
    for b in &cve_bugs {
        st.parse_cve(b);
    }
    // trivy-db walks DLA/*.json then DSA/*.json in file-name order.
    adv_bugs.sort_by_key(|b| (!b.id.starts_with("DLA-"), format!("{}.json", b.id)));
    for b in &adv_bugs {
        st.parse_advisory(b);
    }
    st.commit(ctx);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_order() {
        use Ordering::*;
        assert_eq!(dpkg_compare("1.0", "1.0"), Equal);
        assert_eq!(dpkg_compare("1.0~rc1", "1.0"), Less);
        assert_eq!(dpkg_compare("1:0.9", "2.0"), Greater);
        assert_eq!(dpkg_compare("2.4.56-1~deb11u1", "2.4.56-1"), Less);
        assert_eq!(dpkg_compare("1.1.1k-1", "1.1.1j-1"), Greater);
        assert_eq!(dpkg_compare("1.10", "1.9"), Greater);
        assert_eq!(dpkg_compare("", "1"), Less);
        assert_eq!(dpkg_compare("1.2+deb9u1", "1.2"), Greater);
    }

    #[test]
    fn package_lines() {
        let Some(Ann::Package {
            release,
            package,
            kind,
            version,
            urgency,
        }) = parse_package_line("- putty 0.75-3 (low; bug #990901)")
        else {
            panic!()
        };
        assert_eq!(
            (release, package.as_str(), kind.as_str(), version.as_str()),
            (None, "putty", "fixed", "0.75-3")
        );
        assert_eq!(urgency.as_deref(), Some("low"));
        let Some(Ann::Package {
            release,
            kind,
            version,
            ..
        }) = parse_package_line("[bullseye] - foot <no-dsa> (Minor issue)")
        else {
            panic!()
        };
        assert_eq!(
            (release.as_deref(), kind.as_str(), version.as_str()),
            (Some("bullseye"), "no-dsa", "")
        );
        let Some(Ann::Package { kind, urgency, .. }) =
            parse_package_line("- ant <unfixed> (unimportant)")
        else {
            panic!()
        };
        assert_eq!(
            (kind.as_str(), urgency.as_deref()),
            ("unfixed", Some("unimportant"))
        );
    }
}
