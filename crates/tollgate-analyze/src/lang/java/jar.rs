//! Java archives: `.jar`, `.war`, `.ear`, `.par` (any case), and archives nested in them.
//!
//! Rules, in Trivy 0.76's order (`pkg/dependency/parser/java/jar`), as it behaves with an
//! empty Java DB (checked: `--offline-scan` does not change what its jar analyzer lists):
//! 1. Every entry named `pom.properties` (anywhere) with groupId, artifactId and version
//!    gives a package `groupId:artifactId` at the archive's path.
//! 2. Entries ending in `.jar`, `.war` or `.ear` (case-sensitive) are opened as archives and
//!    walked the same way; their packages carry the path `outer.war/WEB-INF/lib/inner.jar`.
//! 3. If no pom.properties matches the artifactId and version taken from the file name
//!    (`name-1.2.3.jar`), Trivy reads the main section of the last `MANIFEST.MF`, but uses
//!    it only once its Java DB confirms the groupId:artifactId exists; with no DB that never
//!    happens, so this is off by default ([`JarOptions::use_manifest`] turns it on):
//!    groupId from Implementation-Vendor-Id, else Bundle-SymbolicName without its last
//!    `.part`, else Implementation-Vendor, else Specification-Vendor; artifactId from
//!    Implementation-Title, Specification-Title, Bundle-Name; version from
//!    Implementation-Version, Specification-Version, Bundle-Version (values starting with
//!    `%` are ignored). Trivy would next look the SHA-1 up in its Java DB and then guess a
//!    groupId from the file name in it; with an empty DB neither finds anything, so an
//!    archive without a matching pom.properties gives no package of its own.
//! 4. Duplicates (same name and path, Maven-equal versions such as `2.17` and `2.17.0`) are
//!    listed once.
//! 5. Licenses: `<licenses><license><name>` of an embedded `META-INF/maven/g/a/pom.xml`
//!    (matched by `g:a`), then the manifest's `Plugin-License-Name` for the archive's own
//!    single package. Not done: `Bundle-License` (needs the SPDX list) and classifying a
//!    packed LICENSE file.
//!
//! Hostile archives: nesting depth, entry count, the size of each inflated metadata file
//! and nested archive, and the total inflated bytes per top-level file are bounded; going
//! over a bound is an error naming the file and entry. A corrupt nested archive is skipped,
//! as Trivy skips it; a corrupt top-level archive is an error.

use std::io::{Cursor, Read};

use super::xml;
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// Parses Java archives.
pub struct JarAnalyzer;

impl Analyzer for JarAnalyzer {
    fn name(&self) -> &'static str {
        "jar"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        let ext = extension(path).to_ascii_lowercase();
        matches!(ext.as_str(), ".jar" | ".war" | ".ear" | ".par")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let packages = parse_archive(path, content, &JarOptions::default())?;
        // Like Trivy, a file with no packages gives no application.
        Ok(AnalysisResult::application_if_any("jar", path, packages))
    }
}

/// How archives are read: bounds for one top-level archive and everything nested in it,
/// and whether the manifest may name an archive.
#[derive(Debug, Clone)]
pub struct JarOptions {
    /// Archives inside archives, the top-level one being depth 0.
    pub max_depth: usize,
    /// Entries in one archive's central directory.
    pub max_entries: usize,
    /// Inflated size of one nested archive.
    pub max_nested_size: u64,
    /// Inflated size of one `MANIFEST.MF`, `pom.properties` or `pom.xml`.
    pub max_metadata_size: u64,
    /// Inflated bytes read in total for one top-level archive.
    pub max_total_inflated: u64,
    /// Let `MANIFEST.MF` name an archive that has no matching pom.properties. Off by
    /// default: Trivy 0.76 then asks its Java DB whether that groupId:artifactId exists and,
    /// with an empty DB (ours: we have none), lists nothing. On gives the rule Trivy's
    /// parser applies in its offline mode.
    pub use_manifest: bool,
}

impl Default for JarOptions {
    fn default() -> Self {
        JarOptions {
            max_depth: 8,
            max_entries: 500_000,
            max_nested_size: 256 << 20,
            max_metadata_size: 10 << 20,
            max_total_inflated: 1 << 30,
            use_manifest: false,
        }
    }
}

enum JarError {
    /// A bound was hit: stop everything, this is a bomb or hostile input.
    Limit(String),
    /// The archive (or one of its entries) cannot be read.
    Corrupt(String),
}

struct Walker<'a> {
    limits: &'a JarOptions,
    inflated: u64,
}

/// Lists the packages of one archive at `path` (relative to the image root), applying
/// Trivy's rules within `options`.
pub fn parse_archive(
    path: &str,
    content: &[u8],
    options: &JarOptions,
) -> Result<Vec<Package>, AnalyzeError> {
    let mut w = Walker {
        limits: options,
        inflated: 0,
    };
    match w.parse_artifact(path, content, 0) {
        Ok(pkgs) => Ok(remove_duplicates(pkgs)),
        Err(JarError::Limit(m)) => Err(AnalyzeError::new(path, format!("refusing to unpack: {m}"))),
        Err(JarError::Corrupt(m)) => Err(AnalyzeError::new(
            path,
            format!("unreadable Java archive: {m}"),
        )),
    }
}

#[derive(Default, Debug, Clone)]
struct Props {
    group_id: String,
    artifact_id: String,
    version: String,
}

impl Props {
    fn valid(&self) -> bool {
        !self.group_id.is_empty() && !self.artifact_id.is_empty() && !self.version.is_empty()
    }
    fn package(&self, file_path: &str) -> Package {
        Package {
            name: format!("{}:{}", self.group_id, self.artifact_id),
            version: self.version.clone(),
            file_path: file_path.to_string(),
            ..Default::default()
        }
    }
}

impl Walker<'_> {
    fn read_entry(
        &mut self,
        zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
        index: usize,
        name: &str,
        cap: u64,
        what: &str,
    ) -> Result<Vec<u8>, JarError> {
        let file = zip
            .by_index(index)
            .map_err(|e| JarError::Corrupt(format!("{name}: {e}")))?;
        let room = self.limits.max_total_inflated.saturating_sub(self.inflated);
        let take = cap.min(room);
        let mut buf = Vec::new();
        file.take(take + 1)
            .read_to_end(&mut buf)
            .map_err(|e| JarError::Corrupt(format!("{name}: {e}")))?;
        if buf.len() as u64 > take {
            return Err(JarError::Limit(if take == cap {
                format!("{what} {name} inflates to more than {cap} bytes (zip bomb?)")
            } else {
                format!(
                    "more than {} bytes inflated in total at {name} (zip bomb?)",
                    self.limits.max_total_inflated
                )
            }));
        }
        self.inflated += buf.len() as u64;
        Ok(buf)
    }

    fn parse_artifact(
        &mut self,
        file_path: &str,
        data: &[u8],
        depth: usize,
    ) -> Result<Vec<Package>, JarError> {
        let file_props = parse_file_name(file_path);
        let mut zip = zip::ZipArchive::new(Cursor::new(data))
            .map_err(|e| JarError::Corrupt(format!("{file_path}: not a zip archive: {e}")))?;
        if zip.len() > self.limits.max_entries {
            return Err(JarError::Limit(format!(
                "{file_path} has {} entries, more than {}",
                zip.len(),
                self.limits.max_entries
            )));
        }
        let mut pkgs: Vec<Package> = Vec::new();
        let mut manifest = Manifest::default();
        let mut found_pom_props = false;
        let mut pom_licenses: Vec<(String, Vec<String>)> = Vec::new();

        for i in 0..zip.len() {
            let Some(name) = zip.name_for_index(i).map(str::to_string) else {
                continue;
            };
            let base = base_name(&name);
            // For messages: where the entry is, in Trivy's `outer.war/inner.jar` style.
            let shown = format!("{file_path}/{name}");
            if base == "pom.xml" {
                if let Some(ga) = embedded_pom_ga(&name) {
                    let limit = self.limits.max_metadata_size;
                    if let Ok(bytes) = self.read_entry(&mut zip, i, &shown, limit, "pom.xml") {
                        if let Ok(names) = pom_license_names(&bytes) {
                            if !names.is_empty() {
                                pom_licenses.retain(|(k, _)| *k != ga);
                                pom_licenses.push((ga, names));
                            }
                        }
                    }
                }
            } else if is_jar_license_file(&name) {
                // Trivy classifies this text with its license classifier; not done here.
            } else if base == "pom.properties" {
                let limit = self.limits.max_metadata_size;
                let bytes = self.read_entry(&mut zip, i, &shown, limit, "pom.properties")?;
                let props = parse_pom_properties(&bytes)
                    .map_err(|e| JarError::Corrupt(format!("{shown}: {e}")))?;
                if props.valid() {
                    pkgs.push(props.package(file_path));
                    if file_props.artifact_id == props.artifact_id
                        && file_props.version == props.version
                    {
                        found_pom_props = true;
                    }
                }
            } else if base == "MANIFEST.MF" {
                let limit = self.limits.max_metadata_size;
                let bytes = self.read_entry(&mut zip, i, &shown, limit, "MANIFEST.MF")?;
                manifest = parse_manifest(&bytes)
                    .map_err(|e| JarError::Corrupt(format!("{shown}: {e}")))?;
            } else if is_artifact(&name) {
                let full = join_clean(file_path, &name);
                if !full.starts_with(&clean(file_path)) {
                    continue; // zip slip: `../x.jar`
                }
                if depth + 1 > self.limits.max_depth {
                    return Err(JarError::Limit(format!(
                        "{full}: archives nested deeper than {}",
                        self.limits.max_depth
                    )));
                }
                let limit = self.limits.max_nested_size;
                let inner = match self.read_entry(&mut zip, i, &full, limit, "nested archive") {
                    Ok(b) => b,
                    Err(JarError::Corrupt(_)) => continue,
                    Err(e) => return Err(e),
                };
                match self.parse_artifact(&full, &inner, depth + 1) {
                    Ok(inner_pkgs) => pkgs.extend(inner_pkgs),
                    // Trivy logs a broken nested archive at debug level and goes on.
                    Err(JarError::Corrupt(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }

        for p in pkgs.iter_mut() {
            if p.licenses.is_empty() {
                if let Some((_, names)) = pom_licenses.iter().find(|(k, _)| *k == p.name) {
                    p.licenses = names.clone();
                }
            }
        }

        if !found_pom_props && self.limits.use_manifest {
            let props = manifest.properties();
            if props.valid() {
                pkgs.push(props.package(file_path));
            }
        }

        let licenses = manifest.license_names();
        if !licenses.is_empty() {
            let own: Vec<usize> = (0..pkgs.len())
                .filter(|&i| pkgs[i].file_path == file_path)
                .collect();
            if own.len() == 1 && pkgs[own[0]].licenses.is_empty() {
                pkgs[own[0]].licenses = licenses;
            }
        }
        Ok(pkgs)
    }
}

/// `filepath.Base`: the last element, trailing slashes ignored.
fn base_name(name: &str) -> &str {
    let t = name.trim_end_matches('/');
    if t.is_empty() {
        return if name.is_empty() { "." } else { "/" };
    }
    t.rsplit('/').next().unwrap_or(t)
}

/// `filepath.Ext`: from the last dot of the last element, or empty.
fn extension(name: &str) -> &str {
    for (i, c) in name.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return &name[i..];
        }
    }
    ""
}

fn is_artifact(name: &str) -> bool {
    matches!(extension(name), ".jar" | ".war" | ".ear")
}

/// `LICENSE`, `LICENCE`, `COPYRIGHT` (with any extension, any case) at the root or directly
/// under `META-INF/`.
fn is_jar_license_file(name: &str) -> bool {
    let (dir, base) = match name.rsplit_once('/') {
        Some((d, b)) => (d, b),
        None => (".", name),
    };
    if dir != "." && dir != "META-INF" {
        return false;
    }
    if is_artifact(base) {
        return false;
    }
    let stem = base
        .strip_suffix(extension(base))
        .unwrap_or(base)
        .to_ascii_lowercase();
    matches!(stem.as_str(), "license" | "licence" | "copyright")
}

/// `META-INF/maven/<g>/<a>/pom.xml` -> `g:a`.
fn embedded_pom_ga(name: &str) -> Option<String> {
    let rel = name
        .strip_prefix("META-INF/maven/")?
        .strip_suffix("/pom.xml")?;
    let (g, a) = rel.split_once('/')?;
    (!g.is_empty() && !a.is_empty()).then(|| format!("{g}:{a}"))
}

fn pom_license_names(bytes: &[u8]) -> Result<Vec<String>, String> {
    let text = xml::decode(bytes)?;
    let root = xml::parse(&text)?;
    Ok(root
        .path(&["licenses"])
        .map(|l| {
            l.children_named("license")
                .map(|x| x.child_text("name").trim().to_string())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default())
}

/// Clean a slash path like Go's `path.Clean`.
fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// `path.Join(a, b)`.
fn join_clean(a: &str, b: &str) -> String {
    if a.is_empty() {
        return clean(b);
    }
    if b.is_empty() {
        return clean(a);
    }
    clean(&format!("{a}/{b}"))
}

/// Artifact id and version from `name-1.2.3.jar` (Trivy's
/// `^([a-zA-Z0-9\._-]*[^-*])-(\d\S*(?:-SNAPSHOT)?).jar$`, leftmost-longest first group).
fn parse_file_name(path: &str) -> Props {
    let base = base_name(path).as_bytes();
    let n = base.len();
    // `.jar` at the end: any character, then `jar`.
    if n < 4 || &base[n - 3..] != b"jar" {
        return Props::default();
    }
    let is_space = |c: u8| matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    let allowed = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-');
    // The version is base[i+1 .. n-4]; the character at n-4 is the "any" before "jar".
    // Try the longest first group (greedy) first.
    for i in (1..n).rev() {
        if base[i] != b'-' || i + 1 >= n - 4 {
            continue;
        }
        if !base[i + 1].is_ascii_digit() {
            continue;
        }
        let group = &base[..i];
        let last = group[group.len() - 1];
        if last == b'-' || last == b'*' || last == b'\n' {
            continue;
        }
        if !group[..group.len() - 1].iter().all(|&c| allowed(c)) {
            continue;
        }
        let version = &base[i + 1..n - 4];
        if version.is_empty() || version[1..].iter().any(|&c| is_space(c)) || base[n - 4] == b'\n' {
            continue;
        }
        // The group must be valid UTF-8 on its own (it always is when the name is).
        let (Ok(a), Ok(v)) = (std::str::from_utf8(group), std::str::from_utf8(version)) else {
            continue;
        };
        return Props {
            group_id: String::new(),
            artifact_id: a.to_string(),
            version: v.to_string(),
        };
    }
    Props::default()
}

/// Lines as Go's `bufio.Scanner` gives them: split on `\n`, a trailing `\r` dropped, and an
/// error for a line of 64 KiB or more.
fn scan_lines(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for line in bytes.split(|&b| b == b'\n') {
        if line.len() >= 64 * 1024 {
            return Err("line too long".to_string());
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        out.push(String::from_utf8_lossy(line).into_owned());
    }
    if bytes.ends_with(b"\n") {
        out.pop();
    }
    Ok(out)
}

fn parse_pom_properties(bytes: &[u8]) -> Result<Props, String> {
    let mut p = Props::default();
    for line in scan_lines(bytes)? {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("groupId=") {
            p.group_id = v.to_string();
        } else if let Some(v) = line.strip_prefix("artifactId=") {
            p.artifact_id = v.to_string();
        } else if let Some(v) = line.strip_prefix("version=") {
            p.version = v.to_string();
        }
    }
    Ok(p)
}

#[derive(Default, Debug)]
struct Manifest {
    implementation_version: String,
    implementation_title: String,
    implementation_vendor: String,
    implementation_vendor_id: String,
    specification_title: String,
    specification_version: String,
    specification_vendor: String,
    bundle_name: String,
    bundle_version: String,
    bundle_symbolic_name: String,
    plugin_license_names: Vec<String>,
}

/// The main section of a manifest: lines split on CRLF, LF or CR, continuation lines
/// (one leading space) joined, stopping at the first empty line.
fn parse_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let mut m = Manifest::default();
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&bytes[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push(&bytes[start..i]);
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        lines.push(&bytes[start..]);
    }
    let mut attr = String::new();
    for line in lines {
        if line.len() >= 64 * 1024 {
            return Err("manifest line too long".to_string());
        }
        let line = String::from_utf8_lossy(line);
        if line.is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            attr.push_str(cont);
            continue;
        }
        m.add_attribute(&attr);
        attr = line.into_owned();
    }
    m.add_attribute(&attr);
    Ok(m)
}

impl Manifest {
    fn add_attribute(&mut self, line: &str) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() <= 1 || fields[1].starts_with('%') {
            return;
        }
        let set = |key: &str| line.strip_prefix(key).map(str::to_string);
        if let Some(v) = set("Implementation-Version:") {
            self.implementation_version = v;
        } else if let Some(v) = set("Implementation-Title:") {
            self.implementation_title = v;
        } else if let Some(v) = set("Implementation-Vendor:") {
            self.implementation_vendor = v;
        } else if let Some(v) = set("Implementation-Vendor-Id:") {
            self.implementation_vendor_id = v;
        } else if let Some(v) = set("Specification-Version:") {
            self.specification_version = v;
        } else if let Some(v) = set("Specification-Title:") {
            self.specification_title = v;
        } else if let Some(v) = set("Specification-Vendor:") {
            self.specification_vendor = v;
        } else if let Some(v) = set("Bundle-Version:") {
            self.bundle_version = v;
        } else if let Some(v) = set("Bundle-Name:") {
            self.bundle_name = v;
        } else if let Some(v) = set("Bundle-SymbolicName:") {
            self.bundle_symbolic_name = v;
        } else if line.starts_with("Plugin-License-Name") {
            self.plugin_license_names.push(line.to_string());
        }
    }

    fn properties(&self) -> Props {
        let group = if !self.implementation_vendor_id.is_empty() {
            self.implementation_vendor_id.clone()
        } else if !self.bundle_symbolic_name.is_empty() {
            match self.bundle_symbolic_name.rsplit_once('.') {
                Some((prefix, _)) => prefix.to_string(),
                None => self.bundle_symbolic_name.clone(),
            }
        } else if !self.implementation_vendor.is_empty() {
            self.implementation_vendor.clone()
        } else if !self.specification_vendor.is_empty() {
            self.specification_vendor.clone()
        } else {
            return Props::default();
        };
        let first = |xs: [&String; 3]| {
            xs.into_iter()
                .find(|s| !s.is_empty())
                .map(|s| s.trim().to_string())
        };
        let Some(artifact) = first([
            &self.implementation_title,
            &self.specification_title,
            &self.bundle_name,
        ]) else {
            return Props::default();
        };
        let Some(version) = first([
            &self.implementation_version,
            &self.specification_version,
            &self.bundle_version,
        ]) else {
            return Props::default();
        };
        Props {
            group_id: group.trim().to_string(),
            artifact_id: artifact,
            version,
        }
    }

    fn license_names(&self) -> Vec<String> {
        self.plugin_license_names
            .iter()
            .filter_map(|line| {
                let (key, value) = line.split_once(':')?;
                if key != "Plugin-License-Name" && !key.starts_with("Plugin-License-Name-") {
                    return None;
                }
                let v = value.trim();
                (!v.is_empty()).then(|| v.to_string())
            })
            .collect()
    }
}

/// Drops packages whose name and path repeat with a Maven-equal version.
fn remove_duplicates(pkgs: Vec<Package>) -> Vec<Package> {
    let mut seen: Vec<(String, String, Vec<Vec<Item>>)> = Vec::new();
    let mut out = Vec::new();
    for p in pkgs {
        let v = maven_items(&p.version);
        match seen
            .iter_mut()
            .find(|(n, f, _)| *n == p.name && *f == p.file_path)
        {
            Some((_, _, vers)) => {
                if vers.contains(&v) {
                    continue;
                }
                vers.push(v);
            }
            None => seen.push((p.name.clone(), p.file_path.clone(), vec![v])),
        }
        out.push(p);
    }
    out
}

#[derive(Debug, PartialEq, Eq, Clone)]
enum Item {
    Num(String),
    Str(String),
    Sep(char),
}

/// A Maven version reduced so that equal versions compare equal (`2.17` = `2.17.0`,
/// `1.0-ga` = `1.0`, `1.0.RELEASE` = `1.0`): split into numbers and words, and drop
/// trailing zeros and null qualifiers before each separator and at the end.
fn maven_items(v: &str) -> Vec<Item> {
    let v = v.to_ascii_lowercase();
    let mut items: Vec<Item> = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    let flush = |cur: &mut String, digit: bool, items: &mut Vec<Item>| {
        if cur.is_empty() {
            return;
        }
        let s = std::mem::take(cur);
        if digit {
            let t = s.trim_start_matches('0');
            items.push(Item::Num(if t.is_empty() { "0".into() } else { t.into() }));
        } else {
            let s = match s.as_str() {
                "ga" | "final" | "release" => String::new(),
                "a" => "alpha".into(),
                "b" => "beta".into(),
                "m" => "milestone".into(),
                "cr" => "rc".into(),
                _ => s,
            };
            items.push(Item::Str(s));
        }
    };
    for c in v.chars() {
        if c == '.' || c == '-' {
            flush(&mut cur, cur_digit, &mut items);
            items.push(Item::Sep(c));
        } else {
            let d = c.is_ascii_digit();
            if !cur.is_empty() && d != cur_digit {
                flush(&mut cur, cur_digit, &mut items);
                items.push(Item::Sep('-'));
            }
            cur_digit = d;
            cur.push(c);
        }
    }
    flush(&mut cur, cur_digit, &mut items);
    // Normalise: drop null items (0, empty qualifier) that end a segment.
    let is_null = |i: &Item| {
        matches!(i, Item::Num(n) if n == "0") || matches!(i, Item::Str(s) if s.is_empty())
    };
    let mut out: Vec<Item> = Vec::new();
    for it in items {
        out.push(it);
    }
    loop {
        let before = out.len();
        while out
            .last()
            .is_some_and(|i| matches!(i, Item::Sep(_)) || is_null(i))
        {
            out.pop();
        }
        if out.len() == before {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_heuristic() {
        let p = parse_file_name("a/spring-core-5.3.4-SNAPSHOT.jar");
        assert_eq!(
            (p.artifact_id.as_str(), p.version.as_str()),
            ("spring-core", "5.3.4-SNAPSHOT")
        );
        let p = parse_file_name("foo-1.0-2.0.jar");
        assert_eq!(
            (p.artifact_id.as_str(), p.version.as_str()),
            ("foo-1.0", "2.0")
        );
        assert_eq!(parse_file_name("app.war").artifact_id, "");
        assert_eq!(parse_file_name("nover.jar").artifact_id, "");
    }

    #[test]
    fn maven_equal_versions() {
        assert_eq!(maven_items("2.17"), maven_items("2.17.0"));
        assert_eq!(maven_items("1.0.RELEASE"), maven_items("1.0"));
        assert_ne!(maven_items("1.0.1"), maven_items("1.0"));
    }

    #[test]
    fn manifest_main_section_only() {
        let m = parse_manifest(
            b"Manifest-Version: 1.0\r\nImplementation-Title: a\r\n b\r\nImplementation-Version: 1\r\nImplementation-Vendor-Id: g\r\n\r\nName: x\r\nImplementation-Version: 2\r\n",
        )
        .unwrap_or_default();
        let p = m.properties();
        assert_eq!(
            (
                p.group_id.as_str(),
                p.artifact_id.as_str(),
                p.version.as_str()
            ),
            ("g", "ab", "1")
        );
    }

    #[test]
    fn clean_paths() {
        assert_eq!(
            join_clean("a.war", "WEB-INF/lib/../x.jar"),
            "a.war/WEB-INF/x.jar"
        );
        assert_eq!(join_clean("a.war", "../../x.jar"), "../x.jar");
    }
}
