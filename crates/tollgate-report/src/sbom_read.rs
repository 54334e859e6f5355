//! Reading an SBOM back into an inventory (`tollgate sbom`): CycloneDX JSON or SPDX JSON,
//! written by Tollgate, Trivy or Syft. Package URLs say what each package is; the OS comes from
//! the operating-system component or the PURLs' `distro` qualifier; language packages are
//! grouped under the application that holds them, else per ecosystem.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use tollgate_analyze::{
    InstalledApplication, InstalledPackage, Inventory, LayerId, OsInfo, Package,
};

/// What an SBOM holds, as an inventory the matcher takes.
#[derive(Debug, Default)]
pub struct SbomInput {
    /// `CycloneDX` or `SPDX`.
    pub format: &'static str,
    /// `cyclonedx` or `spdx`, Trivy's artifact type for an SBOM scan.
    pub artifact_type: &'static str,
    /// OS, OS packages and applications.
    pub inventory: Inventory,
    /// Entries skipped, with why.
    pub warnings: Vec<String>,
    /// The image the SBOM describes, where it says (Trivy's `ImageID`, `DiffID`, `RepoTag`,
    /// `RepoDigest` properties or annotations).
    pub image: ImageRefs,
}

/// Image identity carried by an SBOM.
#[derive(Debug, Default, PartialEq)]
pub struct ImageRefs {
    /// Config digest.
    pub image_id: String,
    /// Layer diff-ids, bottom first.
    pub diff_ids: Vec<String>,
    /// Tags.
    pub repo_tags: Vec<String>,
    /// Digests.
    pub repo_digests: Vec<String>,
}

impl ImageRefs {
    fn add(&mut self, key: &str, value: &str) {
        let v = value.trim().to_string();
        match key.rsplit(':').next().unwrap_or(key).trim() {
            "ImageID" => self.image_id = v,
            "DiffID" => self.diff_ids.push(v),
            "RepoTag" => self.repo_tags.push(v),
            "RepoDigest" => self.repo_digests.push(v),
            _ => {}
        }
    }
}

/// The image properties of the document's root: CycloneDX `metadata.component.properties`
/// or the annotations of SPDX's CONTAINER package.
fn image_refs(v: &Value) -> ImageRefs {
    let mut r = ImageRefs::default();
    let props = v
        .get("metadata")
        .and_then(|m| m.get("component"))
        .and_then(|c| c.get("properties"))
        .and_then(Value::as_array);
    for p in props.into_iter().flatten() {
        r.add(str_of(p, "name"), str_of(p, "value"));
    }
    let container = v
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| str_of(p, "primaryPackagePurpose") == "CONTAINER");
    for a in container
        .and_then(|c| c.get("annotations"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some((k, val)) = str_of(a, "comment").split_once(": ") {
            r.add(k, val);
        }
    }
    r
}

/// A package URL, decoded.
#[derive(Debug, Default, PartialEq)]
pub struct Purl {
    /// `deb`, `apk`, `npm`, ...
    pub ty: String,
    /// Namespace (`debian`, `@babel`, `org.apache`), empty when absent.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Version, empty when absent.
    pub version: String,
    /// Qualifiers.
    pub qualifiers: BTreeMap<String, String>,
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `pkg:type/namespace/name@version?qualifiers#subpath`.
pub fn parse_purl(s: &str) -> Option<Purl> {
    let rest = s.strip_prefix("pkg:")?;
    let rest = rest.split_once('#').map_or(rest, |(a, _)| a);
    let (rest, quals) = match rest.split_once('?') {
        Some((a, q)) => (a, q),
        None => (rest, ""),
    };
    let (ty, path) = rest.trim_start_matches('/').split_once('/')?;
    let (path, version) = match path.rsplit_once('@') {
        // An npm scope `%40scope` is encoded, so a raw `@` is the version separator.
        Some((p, v)) => (p, pct_decode(v)),
        None => (path, String::new()),
    };
    let path = path.trim_end_matches('/');
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, n)) => (
            ns.split('/').map(pct_decode).collect::<Vec<_>>().join("/"),
            pct_decode(n),
        ),
        None => (String::new(), pct_decode(path)),
    };
    if name.is_empty() || ty.is_empty() {
        return None;
    }
    let qualifiers = quals
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), pct_decode(v)))
        .collect();
    Some(Purl {
        ty: ty.to_ascii_lowercase(),
        namespace,
        name,
        version,
        qualifiers,
    })
}

/// One element of the SBOM, whatever the format.
#[derive(Debug, Default)]
struct Elem {
    kind: ElemKind,
    /// CycloneDX `group` (a Maven group id, an npm scope).
    group: String,
    name: String,
    version: String,
    purl: Option<String>,
    /// `Key` -> value, from CycloneDX properties (`tollgate:PkgType`, `aquasecurity:trivy:...`)
    /// or SPDX annotations (`PkgType: jar`); the prefix is dropped.
    props: HashMap<String, String>,
    licenses: Vec<String>,
    children: Vec<usize>,
}

#[derive(Debug, Default, PartialEq, Clone, Copy)]
enum ElemKind {
    /// A package (or anything else).
    #[default]
    Other,
    Os,
    App,
    /// What the document describes (the image): it holds everything, so it is nobody's
    /// target; its packages fall back to their own file or ecosystem.
    Root,
}

fn prop_key(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The language kind a PURL type defaults to when the SBOM does not say (`PkgType`).
fn default_kind(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "pypi" => "python-pkg",
        "npm" => "node-pkg",
        "golang" => "gobinary",
        "cargo" => "cargo",
        "maven" => "jar",
        "gem" => "gemspec",
        "composer" => "composer",
        "nuget" => "nuget",
        "conda" => "conda-pkg",
        "hex" => "hex",
        "pub" => "pub",
        "swift" => "swift",
        "cocoapods" => "cocoapods",
        _ => return None,
    })
}

/// The package's own spelling of its name where it is the PURL's name up to the PURL's
/// normalisation (`Django` for `pkg:pypi/django`), else the PURL's.
fn own_name(e: &Elem, p: &Purl) -> String {
    let from_purl = lang_name(p);
    let own = match (e.group.is_empty(), p.ty.as_str()) {
        (true, _) => e.name.clone(),
        (false, "maven") => format!("{}:{}", e.group, e.name),
        (false, _) => format!("{}/{}", e.group, e.name),
    };
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '.'], "-");
    if !own.is_empty() && norm(&own) == norm(&from_purl) {
        own
    } else {
        from_purl
    }
}

fn lang_name(p: &Purl) -> String {
    match (p.ty.as_str(), p.namespace.is_empty()) {
        (_, true) => p.name.clone(),
        ("maven", false) => format!("{}:{}", p.namespace, p.name),
        _ => format!("{}/{}", p.namespace, p.name),
    }
}

/// Splits an OS package version into (epoch, version, release) as the analyzers do: apk keeps
/// its whole version; dpkg and rpm put the revision / release apart.
fn split_os_version(ty: &str, v: &str, epoch_q: Option<&String>) -> (u32, String, String) {
    let (mut epoch, v) = match v.split_once(':') {
        Some((e, rest)) if e.chars().all(|c| c.is_ascii_digit()) && !e.is_empty() => {
            (e.parse().unwrap_or(0), rest)
        }
        _ => (0, v),
    };
    if let Some(e) = epoch_q.and_then(|e| e.parse().ok()) {
        epoch = e;
    }
    if ty == "apk" {
        return (epoch, v.to_string(), String::new());
    }
    match v.rsplit_once('-') {
        Some((ver, rel)) => (epoch, ver.to_string(), rel.to_string()),
        None => (epoch, v.to_string(), String::new()),
    }
}

fn os_from_distro(p: &Purl) -> Option<OsInfo> {
    let d = p.qualifiers.get("distro")?;
    // `debian-12.5`, `ubuntu-22.04`, Syft's `debian-12`; Alpine's is the bare `3.7.3`.
    let (family, name) = match d.split_once('-') {
        Some((f, n)) if f.chars().all(|c| c.is_ascii_alphabetic()) => {
            (f.to_string(), n.to_string())
        }
        _ => (p.namespace.clone(), d.clone()),
    };
    Some(OsInfo {
        family,
        name,
        source_file: String::new(),
    })
}

/// Parses an SBOM; the error says what is wrong with it.
pub fn parse(bytes: &[u8]) -> Result<SbomInput, String> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("not a JSON document ({e}): give a CycloneDX or SPDX JSON SBOM"))?;
    let (format, elems, artifact_type) = if v.get("bomFormat").and_then(Value::as_str)
        == Some("CycloneDX")
    {
        ("CycloneDX", cyclonedx(&v)?, "cyclonedx")
    } else if v
        .get("spdxVersion")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("SPDX-"))
    {
        ("SPDX", spdx(&v)?, "spdx")
    } else {
        return Err("neither CycloneDX JSON (no \"bomFormat\": \"CycloneDX\") nor SPDX JSON (no \"spdxVersion\"): give a CycloneDX or SPDX JSON SBOM".into());
    };
    let mut out = inventory(&elems)?;
    out.format = format;
    out.artifact_type = artifact_type;
    out.image = image_refs(&v);
    Ok(out)
}

fn inventory(elems: &[Elem]) -> Result<SbomInput, String> {
    let mut out = SbomInput::default();
    let inv = &mut out.inventory;
    // Which application holds each package: the nearest application above it.
    let mut owner: Vec<Option<usize>> = vec![None; elems.len()];
    for (i, e) in elems.iter().enumerate() {
        if e.kind != ElemKind::App {
            continue;
        }
        let mut stack = e.children.clone();
        let mut seen = vec![false; elems.len()];
        while let Some(j) = stack.pop() {
            if std::mem::replace(&mut seen[j], true) || elems[j].kind != ElemKind::Other {
                continue;
            }
            owner[j].get_or_insert(i);
            stack.extend(elems[j].children.iter().copied());
        }
    }
    inv.os = elems
        .iter()
        .find(|e| e.kind == ElemKind::Os)
        .map(|e| OsInfo {
            family: e.name.to_ascii_lowercase(),
            name: e.version.clone(),
            source_file: String::new(),
        });
    let mut apps: BTreeMap<(String, String), Vec<InstalledPackage>> = BTreeMap::new();
    let mut no_purl = 0;
    let mut unsupported: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for (i, e) in elems.iter().enumerate() {
        if e.kind != ElemKind::Other {
            continue;
        }
        let Some(purl_s) = &e.purl else {
            no_purl += 1;
            continue;
        };
        let Some(p) = parse_purl(purl_s) else {
            out.warnings
                .push(format!("{:?}: not a package URL, skipped", purl_s));
            continue;
        };
        let layer = LayerId {
            digest: e.props.get("LayerDigest").cloned().unwrap_or_default(),
            diff_id: e.props.get("LayerDiffID").cloned().unwrap_or_default(),
        };
        let file_path = e.props.get("FilePath").cloned().unwrap_or_default();
        let mut pkg = Package {
            licenses: e.licenses.clone(),
            arch: p.qualifiers.get("arch").cloned().unwrap_or_default(),
            file_path: file_path.clone(),
            ..Default::default()
        };
        if matches!(p.ty.as_str(), "deb" | "apk" | "rpm") {
            let (epoch, ver, rel) = split_os_version(&p.ty, &p.version, p.qualifiers.get("epoch"));
            pkg.name = p.name.clone();
            pkg.epoch = epoch;
            pkg.version = ver;
            pkg.release = rel;
            // Source package: the SBOM's own fields, else Syft's `upstream` qualifier, else
            // the binary package itself.
            let (sname, sver) = match (e.props.get("SrcName"), p.qualifiers.get("upstream")) {
                (Some(n), _) => (n.clone(), e.props.get("SrcVersion").cloned()),
                (None, Some(u)) => match u.split_once('@') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (u.clone(), None),
                },
                (None, None) => (p.name.clone(), None),
            };
            let (se, sv, sr) = match sver {
                Some(v) => {
                    let (se, sv, sr) = split_os_version(&p.ty, &v, e.props.get("SrcEpoch"));
                    let sr = e.props.get("SrcRelease").cloned().unwrap_or(sr);
                    (se, sv, sr)
                }
                None => (pkg.epoch, pkg.version.clone(), pkg.release.clone()),
            };
            pkg.src_name = sname;
            pkg.src_epoch = se;
            pkg.src_version = sv;
            pkg.src_release = sr;
            if inv.os.is_none() {
                inv.os = os_from_distro(&p);
            }
            if seen.insert(("os".to_string(), purl_s.clone(), file_path.clone())) {
                inv.packages.push(InstalledPackage {
                    package: pkg,
                    file_path,
                    layer,
                });
            }
            continue;
        }
        let kind = match e.props.get("PkgType").map(String::as_str) {
            Some(k) if !k.is_empty() => k.to_string(),
            _ => match default_kind(&p.ty) {
                Some(k) => k.to_string(),
                None => {
                    *unsupported.entry(p.ty.clone()).or_insert(0) += 1;
                    continue;
                }
            },
        };
        pkg.name = own_name(e, &p);
        pkg.version = p.version.clone();
        // The holding application, else the file the SBOM says the package was found in.
        let target = match owner[i] {
            Some(a) => elems[a].name.clone(),
            None => file_path.clone(),
        };
        // An application without its own file (aggregated installed packages) keeps the
        // package's file path on the package.
        let target = if tollgate_analyze::AGGREGATED_KINDS
            .iter()
            .any(|(k, _)| *k == kind)
        {
            String::new()
        } else {
            target
        };
        apps.entry((kind, target))
            .or_default()
            .push(InstalledPackage {
                package: pkg,
                file_path: String::new(),
                layer,
            });
    }
    let mut skipped: Vec<String> = unsupported
        .iter()
        .map(|(t, n)| format!("{n} of type {t:?}"))
        .collect();
    if no_purl > 0 {
        skipped.push(format!("{no_purl} without a package URL"));
    }
    let skipped = skipped.join(", ");
    if inv.packages.is_empty() && apps.is_empty() {
        return Err(if skipped.is_empty() {
            "it lists no package: nothing to scan".to_string()
        } else {
            format!("it lists no package of a type Tollgate scans (deb, apk, rpm or a language ecosystem) with a package URL ({skipped} skipped): nothing to scan")
        });
    }
    if !skipped.is_empty() {
        out.warnings.push(format!("components skipped: {skipped}"));
    }
    inv.packages.sort_by(|a, b| {
        (&a.package.name, &a.package.version, &a.package.release).cmp(&(
            &b.package.name,
            &b.package.version,
            &b.package.release,
        ))
    });
    inv.applications = apps
        .into_iter()
        .map(|((kind, file_path), mut packages)| {
            packages.sort_by(|a, b| {
                (&a.package.name, &a.package.version).cmp(&(&b.package.name, &b.package.version))
            });
            InstalledApplication {
                kind,
                file_path,
                packages,
            }
        })
        .collect();
    inv.applications.sort_by_key(|a| a.target());
    Ok(out)
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn cyclonedx(v: &Value) -> Result<Vec<Elem>, String> {
    let mut elems = Vec::new();
    let mut by_ref: HashMap<String, usize> = HashMap::new();
    let root = v.get("metadata").and_then(|m| m.get("component"));
    fn walk(
        c: &Value,
        is_root: bool,
        elems: &mut Vec<Elem>,
        by_ref: &mut HashMap<String, usize>,
    ) -> Result<Option<usize>, String> {
        if !c.is_object() {
            return Err("a component is not a JSON object".into());
        }
        let ty = str_of(c, "type");
        let props: HashMap<String, String> = c
            .get("properties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    prop_key(str_of(p, "name")).to_string(),
                    str_of(p, "value").to_string(),
                )
            })
            .collect();
        let kind = match ty {
            "operating-system" => ElemKind::Os,
            "application" if !is_root && c.get("purl").is_none() => ElemKind::App,
            _ if is_root => ElemKind::Root,
            _ => ElemKind::Other,
        };
        let licenses = c
            .get("licenses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| {
                let lic = l.get("license");
                [
                    lic.and_then(|x| x.get("id")),
                    lic.and_then(|x| x.get("name")),
                    l.get("expression"),
                ]
                .into_iter()
                .flatten()
                .find_map(Value::as_str)
                .map(str::to_string)
            })
            .collect();
        let name = str_of(c, "name").to_string();
        let i = elems.len();
        elems.push(Elem {
            kind,
            group: str_of(c, "group").to_string(),
            name,
            version: str_of(c, "version").to_string(),
            purl: c.get("purl").and_then(Value::as_str).map(str::to_string),
            props,
            licenses,
            children: Vec::new(),
        });
        if let Some(r) = c.get("bom-ref").and_then(Value::as_str) {
            by_ref.insert(r.to_string(), i);
        }
        for sub in c
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(j) = walk(sub, false, elems, by_ref)? {
                elems[i].children.push(j);
            }
        }
        Ok(Some(i))
    }
    if let Some(r) = root {
        walk(r, true, &mut elems, &mut by_ref)?;
    }
    match v.get("components") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cs)) => {
            for c in cs {
                walk(c, false, &mut elems, &mut by_ref)?;
            }
        }
        Some(_) => return Err("\"components\" is not an array".into()),
    }
    for d in v
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(&from) = by_ref.get(str_of(d, "ref")) else {
            continue;
        };
        for to in d
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(&j) = to.as_str().and_then(|t| by_ref.get(t)) {
                elems[from].children.push(j);
            }
        }
    }
    Ok(elems)
}

fn spdx(v: &Value) -> Result<Vec<Elem>, String> {
    let pkgs = match v.get("packages") {
        Some(Value::Array(p)) => p,
        None | Some(Value::Null) => {
            return Err("an SPDX document without \"packages\": nothing to scan".into())
        }
        Some(_) => return Err("\"packages\" is not an array".into()),
    };
    let mut elems = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for p in pkgs {
        if !p.is_object() {
            return Err("a package is not a JSON object".into());
        }
        let purpose = str_of(p, "primaryPackagePurpose");
        let purl = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| str_of(r, "referenceType") == "purl")
            .map(|r| str_of(r, "referenceLocator").to_string());
        let props: HashMap<String, String> = p
            .get("annotations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| str_of(a, "comment").split_once(": "))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let mut props = props;
        // Syft says where it found a package only here (`... go module information: /launcher`).
        if let Some((_, path)) = str_of(p, "sourceInfo")
            .strip_prefix("acquired package info from ")
            .and_then(|s| s.split_once(": /"))
        {
            if !path.is_empty() && !path.contains(", ") {
                props
                    .entry("FilePath".into())
                    .or_insert_with(|| path.to_string());
            }
        }
        // Trivy's SPDX names the source package only here.
        if let Some((n, v)) = str_of(p, "sourceInfo")
            .strip_prefix("built package from: ")
            .and_then(|s| s.split_once(' '))
        {
            props
                .entry("SrcName".into())
                .or_insert_with(|| n.to_string());
            props
                .entry("SrcVersion".into())
                .or_insert_with(|| v.to_string());
        }
        let kind = match purpose {
            "OPERATING_SYSTEM" | "OPERATING-SYSTEM" => ElemKind::Os,
            "CONTAINER" => ElemKind::Root,
            "APPLICATION" | "SOURCE" if purl.is_none() => ElemKind::App,
            _ => ElemKind::Other,
        };
        let licenses = ["licenseDeclared", "licenseConcluded"]
            .iter()
            .map(|k| str_of(p, k))
            .find(|l| !l.is_empty() && *l != "NOASSERTION" && *l != "NONE")
            .map(|l| vec![l.to_string()])
            .unwrap_or_default();
        by_id.insert(str_of(p, "SPDXID").to_string(), elems.len());
        elems.push(Elem {
            kind,
            group: String::new(),
            name: str_of(p, "name").to_string(),
            version: str_of(p, "versionInfo").to_string(),
            purl,
            props,
            licenses,
            children: Vec::new(),
        });
    }
    for r in v
        .get("relationships")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (a, b) = (str_of(r, "spdxElementId"), str_of(r, "relatedSpdxElement"));
        let (from, to) = match str_of(r, "relationshipType") {
            "CONTAINS" | "DEPENDS_ON" => (a, b),
            "CONTAINED_BY" | "DEPENDENCY_OF" => (b, a),
            _ => continue,
        };
        if let (Some(&f), Some(&t)) = (by_id.get(from), by_id.get(to)) {
            elems[f].children.push(t);
        }
    }
    Ok(elems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_parse() {
        let p = parse_purl(
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12",
        )
        .unwrap();
        assert_eq!(
            (p.ty.as_str(), p.namespace.as_str(), p.name.as_str()),
            ("deb", "debian", "libssl3")
        );
        assert_eq!(p.version, "3.0.11-1~deb12u2");
        assert_eq!(p.qualifiers["upstream"], "openssl");
        let p = parse_purl("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(lang_name(&p), "@babel/core");
        let p = parse_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.19.0").unwrap();
        assert_eq!(lang_name(&p), "org.apache.logging.log4j:log4j-core");
        let p = parse_purl("pkg:golang/golang.org/x/net@v0.1.0").unwrap();
        assert_eq!(lang_name(&p), "golang.org/x/net");
        assert_eq!(
            parse_purl("pkg:deb/debian/gcc-12@12.2.0-14%2Bdeb12u1")
                .unwrap()
                .version,
            "12.2.0-14+deb12u1"
        );
        assert!(parse_purl("not a purl").is_none());
        assert_eq!(
            split_os_version("deb", "1:2.36.1-8", None),
            (1, "2.36.1".into(), "8".into())
        );
        assert_eq!(
            split_os_version("apk", "1.1.18-r3", None),
            (0, "1.1.18-r3".into(), "".into())
        );
    }

    #[test]
    fn language_packages_keep_their_spelling_and_application() {
        let doc = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
          "metadata": {"component": {"bom-ref": "root", "type": "container", "name": "img"}},
          "components": [
            {"bom-ref": "app", "type": "application", "name": "srv/app/go.mod",
             "properties": [{"name": "aquasecurity:trivy:Type", "value": "gomod"}]},
            {"bom-ref": "pkg:golang/golang.org/x/net@v0.1.0", "type": "library", "group": "golang.org/x",
             "name": "net", "version": "v0.1.0", "purl": "pkg:golang/golang.org/x/net@v0.1.0",
             "properties": [{"name": "aquasecurity:trivy:PkgType", "value": "gomod"}]},
            {"bom-ref": "dj", "type": "library", "name": "Django", "version": "2.2",
             "purl": "pkg:pypi/django@2.2"},
            {"bom-ref": "j", "type": "library", "group": "org.apache.logging.log4j", "name": "log4j-core",
             "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}],
          "dependencies": [{"ref": "root", "dependsOn": ["app", "dj", "j"]},
                           {"ref": "app", "dependsOn": ["pkg:golang/golang.org/x/net@v0.1.0"]}]}"#;
        let s = parse(doc).unwrap();
        let apps: Vec<(String, String, Vec<String>)> = s
            .inventory
            .applications
            .iter()
            .map(|a| {
                let names = a.packages.iter().map(|p| p.package.name.clone()).collect();
                (a.kind.clone(), a.target(), names)
            })
            .collect();
        assert_eq!(
            apps,
            vec![
                (
                    "jar".into(),
                    "Java".into(),
                    vec!["org.apache.logging.log4j:log4j-core".into()]
                ),
                ("python-pkg".into(), "Python".into(), vec!["Django".into()]),
                (
                    "gomod".into(),
                    "srv/app/go.mod".into(),
                    vec!["golang.org/x/net".into()]
                ),
            ]
        );
        assert!(s.inventory.os.is_none() && s.inventory.packages.is_empty());
    }

    #[test]
    fn malformed_sboms_are_refused_with_a_reason() {
        assert!(parse(b"{").unwrap_err().contains("not a JSON document"));
        assert!(parse(b"{\"a\":1}")
            .unwrap_err()
            .contains("neither CycloneDX"));
        assert!(parse(br#"{"bomFormat":"CycloneDX","components":{}}"#)
            .unwrap_err()
            .contains("not an array"));
        assert!(parse(br#"{"bomFormat":"CycloneDX","components":[]}"#)
            .unwrap_err()
            .contains("no package"));
        let e = parse(br#"{"bomFormat":"CycloneDX","components":[{"type":"library","name":"p","purl":"pkg:bitnami/postgresql@15.3.0"}]}"#).unwrap_err();
        assert!(e.contains("1 of type \"bitnami\" skipped"), "{e}");
        assert!(parse(br#"{"spdxVersion":"SPDX-2.3"}"#)
            .unwrap_err()
            .contains("without \"packages\""));
    }
}

#[cfg(test)]
mod fixtures {
    use super::*;

    fn read(name: &str) -> SbomInput {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/sbom")
            .join(name);
        parse(&std::fs::read(&p).unwrap()).unwrap()
    }

    /// (kind, target, [(name, version)]) per application.
    type Apps = Vec<(String, String, Vec<(String, String)>)>;

    fn apps(s: &SbomInput) -> Apps {
        s.inventory
            .applications
            .iter()
            .map(|a| {
                let p = a
                    .packages
                    .iter()
                    .map(|p| (p.package.name.clone(), p.package.version.clone()))
                    .collect();
                (a.kind.clone(), a.target(), p)
            })
            .collect()
    }

    #[test]
    fn syft_spdx() {
        let s = read("syft-launcher.spdx.json");
        assert_eq!(s.format, "SPDX");
        assert_eq!(
            apps(&s),
            vec![
                (
                    "jar".into(),
                    "Java".into(),
                    vec![("co.elastic.apm:apm-agent".into(), "1.36.0".into())]
                ),
                (
                    "gobinary".into(),
                    "launcher".into(),
                    vec![("github.com/buildpacks/lifecycle".into(), "v0.20.2".into())]
                ),
            ]
        );
        assert!(s.inventory.os.is_none());
        assert_eq!(
            s.warnings,
            vec!["components skipped: 1 without a package URL"]
        );
    }

    #[test]
    fn trivy_cyclonedx_with_os_and_applications() {
        let s = read("trivy-testdata-bom.cdx.json");
        assert_eq!(
            s.image.image_id,
            "sha256:49193a2310dbad4c02382da87ac624a80a92387a4f7536235f9ba590e5bcd7b5"
        );
        assert_eq!(s.image.diff_ids.len(), 2);
        let os = s.inventory.os.as_ref().unwrap();
        assert_eq!((os.family.as_str(), os.name.as_str()), ("alpine", "3.16.0"));
        let os_pkgs: Vec<(&str, &str, &str)> = s
            .inventory
            .packages
            .iter()
            .map(|p| {
                let k = &p.package;
                (k.name.as_str(), k.version.as_str(), k.src_name.as_str())
            })
            .collect();
        assert_eq!(os_pkgs, vec![("musl", "1.2.3-r0", "musl")]);
        let targets: Vec<(String, String, usize)> = apps(&s)
            .into_iter()
            .map(|(k, t, p)| (k, t, p.len()))
            .collect();
        assert_eq!(
            targets,
            vec![
                ("jar".into(), "Java".into(), 2),
                ("node-pkg".into(), "Node.js".into(), 1),
                ("composer".into(), "app/composer/composer.lock".into(), 2),
                ("gobinary".into(), "app/gobinary/gobinary".into(), 1),
            ]
        );
    }
}
