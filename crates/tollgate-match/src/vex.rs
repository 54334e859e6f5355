//! VEX: statements that a product is (not) affected by a vulnerability, read from OpenVEX
//! (0.0.x and 0.2.0), CycloneDX VEX (standalone or inside an SBOM) and CSAF 2.0 VEX documents.
//!
//! A finding is suppressed when a `not_affected` statement (CycloneDX `not_affected` or
//! `false_positive`, CSAF `known_not_affected`) names its vulnerability id (or an alias) and a
//! product whose package URL matches the finding's package. Package URLs match on type,
//! namespace and name; a version or qualifier given in the statement must also match, so
//! `pkg:apk/alpine/musl` covers every musl while `pkg:apk/alpine/musl@1.1.18-r3` covers one.
//! A statement about the image itself (`pkg:oci/NAME[@DIGEST]`, matched by digest, else by
//! name) applies to its subcomponents, or to every package when it names none.

use serde_json::Value;

use crate::Finding;

/// A VEX status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexStatus {
    /// The product is not affected: the finding is dropped.
    NotAffected,
    /// The product is affected.
    Affected,
    /// Fixed in this product.
    Fixed,
    /// Still being investigated.
    UnderInvestigation,
}

/// One statement: vulnerability ids, products, status.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Vulnerability id and aliases.
    pub ids: Vec<String>,
    /// Package URLs (or `pkg:oci` image URLs) the statement is about.
    pub products: Vec<Purl>,
    /// Packages inside those products the statement is restricted to.
    pub subcomponents: Vec<Purl>,
    /// Status.
    pub status: VexStatus,
    /// Justification or impact statement, for the log.
    pub justification: String,
    /// Which file said it.
    pub source: String,
}

/// VEX statements from any number of documents.
#[derive(Debug, Clone, Default)]
pub struct Vex {
    /// All statements, in file order.
    pub statements: Vec<Statement>,
}

/// A parsed package URL (the parts VEX matching compares).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    ty: String,
    namespace: String,
    name: String,
    version: String,
    qualifiers: Vec<(String, String)>,
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Purl {
    /// Parses `pkg:type/namespace/name@version?qualifiers#subpath`; `None` if it is not one.
    pub fn parse(s: &str) -> Option<Purl> {
        let rest = s.trim().strip_prefix("pkg:")?;
        let rest = rest.split('#').next().unwrap_or(rest);
        let (rest, quals) = match rest.split_once('?') {
            Some((r, q)) => (r, q),
            None => (rest, ""),
        };
        let (path, version) = match rest.rsplit_once('@') {
            // An `@` inside the path is a percent-encoded scope; the version `@` comes last.
            Some((p, v)) if !v.contains('/') => (p, pct_decode(v)),
            _ => (rest, String::new()),
        };
        let (ty, path) = path.split_once('/')?;
        let ty = ty.to_ascii_lowercase();
        let (namespace, name) = match path.rsplit_once('/') {
            Some((ns, n)) => (pct_decode(ns), pct_decode(n)),
            None => (String::new(), pct_decode(path)),
        };
        if name.is_empty() {
            return None;
        }
        // Names that the purl spec makes case-insensitive.
        let fold = matches!(
            ty.as_str(),
            "pypi" | "npm" | "golang" | "github" | "apk" | "deb"
        );
        let (namespace, mut name) = if fold {
            (namespace.to_ascii_lowercase(), name.to_ascii_lowercase())
        } else {
            (namespace, name)
        };
        if ty == "pypi" {
            name = name.replace('_', "-");
        }
        let mut qualifiers: Vec<(String, String)> = quals
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), pct_decode(v)))
            .collect();
        qualifiers.sort();
        Some(Purl {
            ty,
            namespace,
            name,
            version,
            qualifiers,
        })
    }

    /// Whether this (statement) URL covers `pkg`: same package, and the version and
    /// qualifiers this one gives are the package's.
    pub fn covers(&self, pkg: &Purl) -> bool {
        self.ty == pkg.ty
            && self.namespace == pkg.namespace
            && self.name == pkg.name
            && (self.version.is_empty() || self.version == pkg.version)
            && self.qualifiers.iter().all(|q| pkg.qualifiers.contains(q))
    }
}

impl Vex {
    /// Reads one VEX document, recognising its format from its content.
    pub fn load(&mut self, name: &str, text: &str) -> Result<(), String> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| format!("{name}: not a JSON VEX file: {e}"))?;
        let before = self.statements.len();
        if v.get("@context")
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains("openvex"))
        {
            self.openvex(name, &v)?;
        } else if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            self.cyclonedx(name, &v)?;
        } else if v.pointer("/document/csaf_version").is_some() {
            self.csaf(name, &v)?;
        } else {
            return Err(format!(
                "{name}: not a VEX document Tollgate reads (OpenVEX, CycloneDX VEX or CSAF VEX)"
            ));
        }
        if self.statements.len() == before {
            return Err(format!(
                "{name}: no VEX statements with a product Tollgate can match (package URLs)"
            ));
        }
        Ok(())
    }

    fn openvex(&mut self, name: &str, v: &Value) -> Result<(), String> {
        let stmts = v
            .get("statements")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{name}: OpenVEX document without statements"))?;
        for (i, s) in stmts.iter().enumerate() {
            let mut ids = Vec::new();
            match s.get("vulnerability") {
                // 0.0.x: a string; 0.2.0: {name, aliases}.
                Some(Value::String(id)) => ids.push(id.clone()),
                Some(o) => {
                    ids.extend(text(o, "name"));
                    ids.extend(strings(o.get("aliases")));
                }
                None => {}
            }
            let status = match s.get("status").and_then(Value::as_str) {
                Some("not_affected") => VexStatus::NotAffected,
                Some("affected") => VexStatus::Affected,
                Some("fixed") => VexStatus::Fixed,
                Some("under_investigation") => VexStatus::UnderInvestigation,
                other => {
                    return Err(format!(
                        "{name}: statement {}: unknown status {other:?}",
                        i + 1
                    ))
                }
            };
            if ids.is_empty() {
                return Err(format!("{name}: statement {}: no vulnerability", i + 1));
            }
            let mut products = Vec::new();
            let mut subcomponents: Vec<Purl> = strings(s.get("subcomponents"))
                .iter()
                .filter_map(|p| Purl::parse(p))
                .collect();
            for p in items(s.get("products")) {
                match p {
                    Value::String(id) => products.extend(Purl::parse(id)),
                    o => {
                        let id = o
                            .get("@id")
                            .and_then(Value::as_str)
                            .or_else(|| o.pointer("/identifiers/purl").and_then(Value::as_str));
                        products.extend(id.and_then(Purl::parse));
                        for sc in items(o.get("subcomponents")) {
                            let id = sc.get("@id").and_then(Value::as_str).or_else(|| {
                                sc.pointer("/identifiers/purl").and_then(Value::as_str)
                            });
                            subcomponents.extend(id.and_then(Purl::parse));
                        }
                    }
                }
            }
            let justification = ["justification", "impact_statement", "status_notes"]
                .iter()
                .find_map(|k| s.get(*k).and_then(Value::as_str))
                .unwrap_or_default()
                .to_string();
            self.push(name, ids, products, subcomponents, status, justification);
        }
        Ok(())
    }

    fn cyclonedx(&mut self, name: &str, v: &Value) -> Result<(), String> {
        // bom-ref -> purl for VEX embedded in an SBOM.
        let mut refs = std::collections::HashMap::new();
        collect_components(v.get("components"), &mut refs);
        for vuln in items(v.get("vulnerabilities")) {
            let mut ids: Vec<String> = text(vuln, "id").into_iter().collect();
            for r in items(vuln.get("references")) {
                ids.extend(text(r, "id"));
            }
            let status = match vuln.pointer("/analysis/state").and_then(Value::as_str) {
                Some("not_affected" | "false_positive") => VexStatus::NotAffected,
                Some("exploitable") => VexStatus::Affected,
                Some("resolved" | "resolved_with_pedigree") => VexStatus::Fixed,
                Some("in_triage") => VexStatus::UnderInvestigation,
                // A vulnerability without analysis is a finding, not a VEX statement.
                _ => continue,
            };
            let mut products = Vec::new();
            for a in items(vuln.get("affects")) {
                let Some(r) = a.get("ref").and_then(Value::as_str) else {
                    continue;
                };
                // `urn:cdx:SERIAL/VERSION#BOM-REF` points into another BOM; Tollgate (as Trivy)
                // needs that bom-ref to be a package URL.
                let local = r.rsplit_once('#').map(|(_, b)| b).unwrap_or(r);
                let purl = refs
                    .get(local)
                    .and_then(|p: &String| Purl::parse(p))
                    .or_else(|| Purl::parse(&pct_decode(local)));
                products.extend(purl);
            }
            let justification = vuln
                .pointer("/analysis/justification")
                .or_else(|| vuln.pointer("/analysis/detail"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            self.push(name, ids, products, Vec::new(), status, justification);
        }
        Ok(())
    }

    fn csaf(&mut self, name: &str, v: &Value) -> Result<(), String> {
        // product_id -> (purl of the product, purl of the component it contains).
        let mut purls = std::collections::HashMap::new();
        collect_branches(v.pointer("/product_tree/branches"), &mut purls);
        for p in items(v.pointer("/product_tree/full_product_names")) {
            add_product(p, &mut purls);
        }
        let mut composite: Vec<(String, String, String)> = Vec::new();
        for r in items(v.pointer("/product_tree/relationships")) {
            let id = r
                .pointer("/full_product_name/product_id")
                .and_then(Value::as_str);
            let comp = r.get("product_reference").and_then(Value::as_str);
            let whole = r
                .get("relates_to_product_reference")
                .and_then(Value::as_str);
            if let (Some(id), Some(comp), Some(whole)) = (id, comp, whole) {
                composite.push((id.into(), comp.into(), whole.into()));
            }
        }
        for vuln in items(v.get("vulnerabilities")) {
            let mut ids: Vec<String> = text(vuln, "cve").into_iter().collect();
            for i in items(vuln.get("ids")) {
                ids.extend(text(i, "text"));
            }
            if ids.is_empty() {
                continue;
            }
            for (key, status) in [
                ("known_not_affected", VexStatus::NotAffected),
                ("fixed", VexStatus::Fixed),
                ("known_affected", VexStatus::Affected),
                ("under_investigation", VexStatus::UnderInvestigation),
            ] {
                let mut products = Vec::new();
                for pid in strings(vuln.pointer(&format!("/product_status/{key}"))) {
                    // "component X as part of product Y": the component is what a package
                    // matches; the product is the image or distribution around it.
                    let own = match composite.iter().find(|c| c.0 == pid) {
                        Some((_, comp, _whole)) => comp,
                        None => &pid,
                    };
                    products.extend(purls.get(own).and_then(|p: &String| Purl::parse(p)));
                }
                let justification = vuln
                    .get("flags")
                    .and_then(Value::as_array)
                    .and_then(|f| f.first())
                    .and_then(|f| f.get("label"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                self.push(
                    name,
                    ids.clone(),
                    products,
                    Vec::new(),
                    status,
                    justification,
                );
            }
        }
        Ok(())
    }

    fn push(
        &mut self,
        source: &str,
        ids: Vec<String>,
        products: Vec<Purl>,
        subcomponents: Vec<Purl>,
        status: VexStatus,
        justification: String,
    ) {
        if products.is_empty() {
            return;
        }
        self.statements.push(Statement {
            ids,
            products,
            subcomponents,
            status,
            justification,
            source: source.to_string(),
        });
    }

    /// The `not_affected` statement that suppresses this finding, if any. `purl` is the
    /// finding's package URL; `image_ids` names the scanned image: its repository names
    /// without tag (`debian`, `library/debian`) and digests (`sha256:...`).
    pub fn not_affected(
        &self,
        f: &Finding,
        purl: &str,
        image_ids: &[String],
    ) -> Option<&Statement> {
        let pkg = Purl::parse(purl)?;
        let about_vuln = |s: &&Statement| {
            s.ids
                .iter()
                .any(|id| *id == f.vuln_id || f.vendor_ids.contains(id))
        };
        let covers = |s: &Statement, p: &Purl| {
            let sub = || s.subcomponents.iter().any(|c| c.covers(&pkg));
            if p.ty == "oci" {
                // The image itself: by digest when the statement gives one, else by name.
                let this_image = if p.version.is_empty() {
                    image_ids
                        .iter()
                        .any(|i| *i == p.name || i.rsplit('/').next() == Some(&p.name))
                } else {
                    image_ids.contains(&p.version)
                };
                this_image && (s.subcomponents.is_empty() || sub())
            } else if s.subcomponents.is_empty() {
                p.covers(&pkg)
            } else {
                // "subcomponent C of product P": the finding is in C. Tollgate does not check
                // that C is reached through P (it would need the dependency graph).
                sub()
            }
        };
        // The last statement about a vulnerability and product wins (OpenVEX's rule).
        self.statements
            .iter()
            .rev()
            .filter(about_vuln)
            .find(|s| s.products.iter().any(|p| covers(s, p)))
            .filter(|s| s.status == VexStatus::NotAffected)
    }
}

/// The elements of an optional JSON array (none when it is absent or not an array).
fn items(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

/// `v[key]` as an owned string.
fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(String::from)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(String::from))
        .collect()
}

fn collect_components(v: Option<&Value>, out: &mut std::collections::HashMap<String, String>) {
    for c in v.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(r), Some(p)) = (
            c.get("bom-ref").and_then(Value::as_str),
            c.get("purl").and_then(Value::as_str),
        ) {
            out.insert(r.to_string(), p.to_string());
        }
        collect_components(c.get("components"), out);
    }
}

fn add_product(p: &Value, out: &mut std::collections::HashMap<String, String>) {
    let id = p.get("product_id").and_then(Value::as_str);
    let purl = p
        .pointer("/product_identification_helper/purl")
        .and_then(Value::as_str);
    if let (Some(id), Some(purl)) = (id, purl) {
        out.insert(id.to_string(), purl.to_string());
    }
}

fn collect_branches(v: Option<&Value>, out: &mut std::collections::HashMap<String, String>) {
    for b in v.and_then(Value::as_array).into_iter().flatten() {
        if let Some(p) = b.get("product") {
            add_product(p, out);
        }
        collect_branches(b.get("branches"), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_cover_rules() {
        let p = |s| Purl::parse(s).unwrap();
        let pkg = p("pkg:apk/alpine/musl@1.1.18-r3?arch=x86_64&distro=3.7.3");
        assert!(p("pkg:apk/alpine/musl").covers(&pkg));
        assert!(p("pkg:apk/alpine/musl@1.1.18-r3").covers(&pkg));
        assert!(p("pkg:apk/alpine/musl@1.1.18-r3?arch=x86_64").covers(&pkg));
        assert!(!p("pkg:apk/alpine/musl@1.1.18-r4").covers(&pkg));
        assert!(!p("pkg:apk/alpine/musl?arch=aarch64").covers(&pkg));
        assert!(!p("pkg:apk/alpine/musl-utils").covers(&pkg));
        let npm = p("pkg:npm/%40babel/core@7.0.0");
        assert_eq!(npm.namespace, "@babel");
        assert!(p("pkg:npm/@babel/core").covers(&npm));
        assert!(p("pkg:pypi/Jinja_2@1").covers(&p("pkg:pypi/jinja-2@1")));
        assert!(Purl::parse("not a purl").is_none());
        assert!(Purl::parse("pkg:%").is_none());
    }

    fn load(file: &str) -> Result<Vex, String> {
        let path = format!("{}/../../testdata/vex/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let mut v = Vex::default();
        v.load(file, &text)?;
        Ok(v)
    }

    fn finding(id: &str) -> Finding {
        Finding {
            vuln_id: id.into(),
            vendor_ids: vec![],
            package: Default::default(),
            pkg_id: String::new(),
            installed_version: String::new(),
            fixed_version: String::new(),
            status: Default::default(),
            layer: Default::default(),
            severity: Default::default(),
            severity_source: String::new(),
            data_source: None,
            detail: Default::default(),
        }
    }

    /// The expectations of Trivy's own VEX tests on the same documents.
    #[test]
    fn trivy_vex_documents() {
        let spring = "pkg:maven/org.springframework.boot/spring-boot@2.6.0";
        let log4shell = finding("CVE-2021-44228");
        for doc in ["openvex.json", "cyclonedx.json"] {
            let v = load(doc).unwrap();
            assert!(v.not_affected(&log4shell, spring, &[]).is_some(), "{doc}");
            // Another version, another id: not covered.
            let other = "pkg:maven/org.springframework.boot/spring-boot@2.6.1";
            assert!(v.not_affected(&log4shell, other, &[]).is_none(), "{doc}");
            assert!(v
                .not_affected(&finding("CVE-2021-45046"), spring, &[])
                .is_none());
        }
        // CycloneDX: a percent-encoded bom-ref purl with qualifiers.
        let v = load("cyclonedx.json").unwrap();
        let libstdc =
            "pkg:deb/ubuntu/libstdc%2B%2B6@12.3.0-1ubuntu1~22.04?arch=amd64&distro=ubuntu-22.04";
        assert!(v
            .not_affected(&finding("CVE-2022-27943"), libstdc, &[])
            .is_some());

        let transitive = "pkg:golang/github.com/aquasecurity/go-transitive@v4.0.0";
        let direct = "pkg:golang/github.com/aquasecurity/go-direct1@v2.0.0";
        let f = finding("CVE-2024-0001");
        for doc in [
            "csaf.json",
            "csaf-relationships.json",
            "openvex-nested.json",
        ] {
            let v = load(doc).unwrap();
            assert!(v.not_affected(&f, transitive, &[]).is_some(), "{doc}");
            assert!(v.not_affected(&f, direct, &[]).is_none(), "{doc}");
        }

        let bash = "pkg:deb/debian/bash@5.1-2?arch=amd64&distro=debian-11.6";
        let f = finding("CVE-2022-3715");
        let image = ["debian".to_string(), "sha256:abc".to_string()];
        assert!(load("openvex-oci.json")
            .unwrap()
            .not_affected(&f, bash, &image)
            .is_some());
        assert!(load("openvex-oci-mismatch.json")
            .unwrap()
            .not_affected(&f, bash, &image)
            .is_none());
        assert!(load("openvex-oci.json")
            .unwrap()
            .not_affected(&f, bash, &["ubuntu".into()])
            .is_none());

        // The spec's example says `fixed`: nothing is suppressed.
        let v = load("openvex-example-from-spec.json").unwrap();
        let git = "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64";
        assert!(v
            .not_affected(&finding("CVE-2023-12345"), git, &[])
            .is_none());

        let e = load("unknown.json").unwrap_err();
        assert!(e.contains("not a VEX document"), "{e}");
        let mut v = Vex::default();
        assert!(v
            .load("x.json", "{not json")
            .unwrap_err()
            .contains("not a JSON VEX file"));
    }
}
