//! Report formats on real scans: SARIF, CycloneDX and SPDX checked against the official
//! schemas in `testdata/schemas` (offline), the SBOM round trip through `tollgate sbom`,
//! templates, GitHub snapshots, cosign predicates and the plain table.

mod common;

use common::{build_db_from, code, root, stderr, tollgate, write};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const IMAGE: &str = "testdata/images/alpine/alpine-3.7.3.tar.gz";

/// A DB from the shipped Alpine secdb, NVD sample and the PyPA, Go and RustSec OSV records.
fn build_db(dir: &Path) -> String {
    build_db_from(
        dir,
        &[
            "alpine-secdb=testdata/advisories/alpine-secdb",
            "nvd=testdata/advisories/nvd",
            "osv=testdata/advisories/osv/pypa",
            "osv=testdata/advisories/osv/go",
            "osv=testdata/advisories/osv/rustsec",
        ],
    )
}

/// A tree with lockfiles of four ecosystems (vulnerable Python, Rust and Go packages) and a
/// real npm lockfile with a dependency graph.
fn lang_tree(dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    write(&tree, "app/requirements.txt", b"jw.util==1.4\n");
    write(
        &tree,
        "app/Cargo.lock",
        b"version = 3\n\n[[package]]\nname = \"openssl\"\nversion = \"0.8.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    write(
        &tree,
        "app/go.mod",
        b"module example.com/app\n\ngo 1.19\n\nrequire golang.org/x/net v0.0.0-20220805013720-a33c5aa5df48\n",
    );
    let npm = root().join("testdata/lang/node/an-npm-happy");
    for f in ["package-lock.json", "package.json"] {
        if let Ok(b) = std::fs::read(npm.join(f)) {
            write(&tree, &format!("web/{f}"), &b);
        }
    }
    tree
}

/// Runs a scan and returns the report file's bytes.
fn scan(out: &Path, args: &[&str]) -> Vec<u8> {
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["--no-cache", "--output", out.to_str().unwrap()]);
    let o = tollgate(&a);
    assert_eq!(code(&o), 0, "{:?}: {}", args, stderr(&o));
    std::fs::read(out).unwrap()
}

fn json(b: &[u8]) -> Value {
    serde_json::from_slice(b).expect("valid JSON")
}

fn schema(rel: &str) -> Value {
    json(&std::fs::read(root().join("testdata/schemas").join(rel)).unwrap())
}

/// Validators with every referenced schema registered locally: nothing is fetched.
fn validator(kind: &str) -> jsonschema::Validator {
    let mut opts = jsonschema::options().should_validate_formats(true);
    let main = match kind {
        "sarif" => schema("sarif-2.1.0.json"),
        "spdx" => schema("spdx-2.3.json"),
        "cyclonedx" => {
            for f in ["spdx.schema.json", "jsf-0.82.schema.json"] {
                let r =
                    jsonschema::Resource::from_contents(schema(&format!("cyclonedx/{f}"))).unwrap();
                opts = opts.with_resource(format!("http://cyclonedx.org/schema/{f}"), r);
            }
            schema("cyclonedx/bom-1.6.schema.json")
        }
        _ => unreachable!(),
    };
    opts.build(&main).expect("the official schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

struct Scans {
    _dir: tempfile::TempDir,
    db: String,
    tree: PathBuf,
    out: PathBuf,
}

fn setup() -> Scans {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let tree = lang_tree(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    Scans {
        db,
        tree,
        out,
        _dir: dir,
    }
}

impl Scans {
    fn image(&self, name: &str, extra: &[&str]) -> Vec<u8> {
        let mut a = vec!["image", "--input", IMAGE, "--db", &self.db];
        a.extend_from_slice(extra);
        scan(&self.out.join(name), &a)
    }
    fn fs(&self, name: &str, extra: &[&str]) -> Vec<u8> {
        let mut a = vec!["fs", self.tree.to_str().unwrap(), "--db", &self.db];
        a.extend_from_slice(extra);
        scan(&self.out.join(name), &a)
    }
}

/// (name, version) of every package in a Trivy-shaped JSON report.
fn json_packages(v: &Value) -> BTreeSet<(String, String)> {
    let mut s = BTreeSet::new();
    for r in v["Results"].as_array().into_iter().flatten() {
        for p in r["Packages"].as_array().into_iter().flatten() {
            let ver = match p["Release"].as_str() {
                Some(rel) => format!("{}-{rel}", p["Version"].as_str().unwrap()),
                None => p["Version"].as_str().unwrap().to_string(),
            };
            s.insert((p["Name"].as_str().unwrap().to_string(), ver));
        }
    }
    s
}

/// (id, package, installed version) of every finding.
fn json_findings(v: &Value) -> BTreeSet<(String, String, String)> {
    let mut s = BTreeSet::new();
    for r in v["Results"].as_array().into_iter().flatten() {
        for f in r["Vulnerabilities"].as_array().into_iter().flatten() {
            s.insert((
                f["VulnerabilityID"].as_str().unwrap().to_string(),
                f["PkgName"].as_str().unwrap().to_string(),
                f["InstalledVersion"].as_str().unwrap().to_string(),
            ));
        }
    }
    s
}

#[test]
fn sarif_cyclonedx_and_spdx_pass_the_official_schemas() {
    let s = setup();
    let sarif_v = validator("sarif");
    let cdx_v = validator("cyclonedx");
    let spdx_v = validator("spdx");
    for (what, scan_json, sarif, cdx, spdx) in [
        (
            "image",
            json(&s.image("i.json", &["--format", "json", "--list-all-pkgs"])),
            json(&s.image("i.sarif", &["--format", "sarif"])),
            json(&s.image("i.cdx", &["--format", "cyclonedx"])),
            json(&s.image("i.spdx", &["--format", "spdx-json"])),
        ),
        (
            "fs",
            json(&s.fs("f.json", &["--format", "json", "--list-all-pkgs"])),
            json(&s.fs("f.sarif", &["--format", "sarif"])),
            json(&s.fs("f.cdx", &["--format", "cyclonedx"])),
            json(&s.fs("f.spdx", &["--format", "spdx-json"])),
        ),
    ] {
        let findings = json_findings(&scan_json);
        let packages = json_packages(&scan_json);
        assert!(
            findings.len() >= 2,
            "{what}: the scan should find something"
        );

        assert_eq!(
            errors(&sarif_v, &sarif),
            Vec::<String>::new(),
            "{what} SARIF"
        );
        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: BTreeSet<&str> = findings.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            rules.len(),
            ids.len(),
            "{what}: one rule per vulnerability id"
        );
        assert_eq!(run["results"].as_array().unwrap().len(), findings.len());
        for r in rules {
            let score: f64 = r["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&score));
            assert!(r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("| Severity |"));
        }
        for res in run["results"].as_array().unwrap() {
            let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(!uri.is_empty() && !uri.contains(" ("), "{what}: {uri}");
            assert_eq!(
                rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"],
                res["ruleId"]
            );
        }

        assert_eq!(
            errors(&cdx_v, &cdx),
            Vec::<String>::new(),
            "{what} CycloneDX"
        );
        let comps = cdx["components"].as_array().unwrap();
        let libs: BTreeSet<(String, String)> = comps
            .iter()
            .filter(|c| c["type"] == "library")
            .map(|c| {
                let name = match c["group"].as_str() {
                    Some(g) if g.starts_with('@') => format!("{g}/{}", c["name"].as_str().unwrap()),
                    Some(g) => format!("{g}:{}", c["name"].as_str().unwrap()),
                    None => c["name"].as_str().unwrap().to_string(),
                };
                (name, c["version"].as_str().unwrap_or("").to_string())
            })
            .collect();
        assert_eq!(
            libs, packages,
            "{what}: CycloneDX lists the scan's packages"
        );
        let refs: BTreeSet<&str> = comps
            .iter()
            .chain(std::iter::once(&cdx["metadata"]["component"]))
            .map(|c| c["bom-ref"].as_str().unwrap())
            .collect();
        assert_eq!(refs.len(), comps.len() + 1, "{what}: bom-refs are unique");
        let deps = cdx["dependencies"].as_array().unwrap();
        assert_eq!(
            deps.len(),
            refs.len(),
            "{what}: every component in the graph"
        );
        for d in deps {
            for t in d["dependsOn"].as_array().unwrap() {
                assert!(refs.contains(t.as_str().unwrap()), "{what}: dangling {t}");
            }
        }
        let vulns = cdx["vulnerabilities"].as_array().unwrap();
        assert_eq!(
            vulns.len(),
            ids.len(),
            "{what}: one entry per vulnerability id"
        );
        let affected: usize = vulns
            .iter()
            .map(|v| v["affects"].as_array().unwrap().len())
            .sum();
        assert_eq!(affected, findings.len());
        for v in vulns {
            for a in v["affects"].as_array().unwrap() {
                assert!(refs.contains(a["ref"].as_str().unwrap()));
            }
        }

        assert_eq!(errors(&spdx_v, &spdx), Vec::<String>::new(), "{what} SPDX");
        let pk = spdx["packages"].as_array().unwrap();
        let spdx_libs = pk
            .iter()
            .filter(|p| p["primaryPackagePurpose"] == "LIBRARY")
            .count();
        assert_eq!(
            spdx_libs,
            packages.len(),
            "{what}: SPDX lists the scan's packages"
        );
        let ids: BTreeSet<&str> = pk.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), pk.len());
        let rels = spdx["relationships"].as_array().unwrap();
        assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
        for r in rels.iter().skip(1) {
            assert!(ids.contains(r["relatedSpdxElement"].as_str().unwrap()));
        }
    }
    // The npm lockfile's graph reaches the components: express depends on debug.
    let cdx = json(&std::fs::read(s.out.join("f.cdx")).unwrap());
    let express = cdx["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"].as_str().unwrap().starts_with("pkg:npm/express@"))
        .expect("express in the graph");
    assert!(express["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d.as_str().unwrap().starts_with("pkg:npm/debug@2.6.9")));

    // The validators do reject what breaks the schemas (and resolve CycloneDX's SPDX ids).
    let mut bad = cdx.clone();
    bad["components"][0]["licenses"] = serde_json::json!([{"license": {"id": "Not-A-License"}}]);
    assert!(!errors(&cdx_v, &bad).is_empty());
    let mut bad = json(&std::fs::read(s.out.join("i.sarif")).unwrap());
    bad["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!errors(&sarif_v, &bad).is_empty());
    let mut bad = json(&std::fs::read(s.out.join("i.spdx")).unwrap());
    bad["packages"][1]["filesAnalyzed"] = Value::from("no");
    assert!(!errors(&spdx_v, &bad).is_empty());
}

#[test]
fn spdx_tag_value_carries_the_same_document() {
    let s = setup();
    let j = json(&s.image("t.json", &["--format", "spdx-json"]));
    let tv = String::from_utf8(s.image("t.spdx", &["--format", "spdx"])).unwrap();
    assert!(
        tv.starts_with("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n")
    );
    let count = |tag: &str| tv.lines().filter(|l| l.starts_with(tag)).count();
    assert_eq!(
        count("PackageName: "),
        j["packages"].as_array().unwrap().len()
    );
    assert_eq!(
        count("Relationship: "),
        j["relationships"].as_array().unwrap().len()
    );
    assert!(tv.contains("ExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/musl@1.1.18-r3?arch=x86_64&distro=3.7.3\n"));
}

#[test]
fn sboms_from_tollgate_and_trivy_scan_like_the_image() {
    let s = setup();
    let image = json(&s.image("img.json", &["--format", "json", "--list-all-pkgs"]));
    let pk = json_packages(&image);
    let fi = json_findings(&image);
    assert_eq!(pk.len(), 13);
    assert!(fi.len() >= 2);
    let ours_cdx = s.out.join("ours.cdx.json");
    s.image("ours.cdx.json", &["--format", "cyclonedx"]);
    let ours_spdx = s.out.join("ours.spdx.json");
    s.image("ours.spdx.json", &["--format", "spdx-json"]);
    let trivy_cdx = root().join("testdata/sbom/trivy-alpine-3.7.3.cdx.json");
    let trivy_spdx = root().join("testdata/sbom/trivy-alpine-3.7.3.spdx.json");
    for sbom in [&ours_cdx, &ours_spdx, &trivy_cdx, &trivy_spdx] {
        let out = s.out.join("from-sbom.json");
        let v = json(&scan(
            &out,
            &[
                "sbom",
                sbom.to_str().unwrap(),
                "--db",
                &s.db,
                "--format",
                "json",
                "--list-all-pkgs",
            ],
        ));
        assert_eq!(json_packages(&v), pk, "{}", sbom.display());
        assert_eq!(json_findings(&v), fi, "{}", sbom.display());
        assert_eq!(v["Metadata"]["OS"]["Family"], "alpine");
        assert_eq!(v["Metadata"]["OS"]["Name"], "3.7.3");
        // The image identity travels in the SBOM too.
        assert_eq!(v["Metadata"]["ImageID"], image["Metadata"]["ImageID"]);
        assert_eq!(v["Metadata"]["DiffIDs"], image["Metadata"]["DiffIDs"]);
    }

    // Malformed SBOMs stop before any report is written, with the file named.
    let bad = s.out.join("bad.json");
    for (content, says) in [
        (&b"{\"bomFormat\": \"CycloneDX\", \"components\": ["[..], "not a JSON document"),
        (&b"{\"SPDXID\": \"x\"}"[..], "neither CycloneDX JSON"),
        (&b"{\"bomFormat\": \"CycloneDX\", \"components\": [{\"type\": \"library\", \"name\": \"x\"}]}"[..], "1 without a package URL skipped"),
    ] {
        std::fs::write(&bad, content).unwrap();
        let out = s.out.join("never.json");
        let o = tollgate(&["sbom", bad.to_str().unwrap(), "--db", &s.db, "--output", out.to_str().unwrap()]);
        // A scan that cannot complete exits 2, apart from a gate's --exit-code.
        assert_eq!(code(&o), 2);
        assert!(stderr(&o).contains(says) && stderr(&o).contains("bad.json"), "{}", stderr(&o));
        assert!(!out.exists());
    }
}

#[test]
fn templates_github_snapshots_and_cosign_predicates() {
    let s = setup();
    let image = json(&s.image("j.json", &["--format", "json"]));
    let tpl = s.out.join("t.tpl");
    std::fs::write(
        &tpl,
        "{% for r in Results %}{{ r.Target }}|{% for v in r.Vulnerabilities %}{{ v.VulnerabilityID }}:{{ v.PkgName|escapeXML }} {% endfor %}\n{% endfor %}",
    )
    .unwrap();
    let at = format!("@{}", tpl.display());
    let out =
        String::from_utf8(s.image("t.txt", &["--format", "template", "--template", &at])).unwrap();
    let mut expect = String::new();
    for r in image["Results"].as_array().unwrap() {
        expect.push_str(r["Target"].as_str().unwrap());
        expect.push('|');
        for v in r["Vulnerabilities"].as_array().unwrap() {
            expect.push_str(&format!(
                "{}:{} ",
                v["VulnerabilityID"].as_str().unwrap(),
                v["PkgName"].as_str().unwrap()
            ));
        }
        expect.push('\n');
    }
    assert_eq!(out, expect);

    // A template that does not compile, an unknown format: refused before any scan.
    let o = tollgate(&[
        "image",
        "--input",
        "does-not-exist.tar",
        "--db",
        &s.db,
        "--format",
        "template",
        "--template",
        "{% for r in %}",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("template line 1"), "{}", stderr(&o));
    let o = tollgate(&["image", "--input", IMAGE, "--db", &s.db, "--format", "xml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("invalid value 'xml'"), "{}", stderr(&o));
    let o = tollgate(&[
        "image", "--input", IMAGE, "--db", &s.db, "--format", "template",
    ]);
    assert!(code(&o) == 2 && stderr(&o).contains("needs --template"));

    let gh = json(&s.image("g.json", &["--format", "github"]));
    let manifests = gh["manifests"].as_object().unwrap();
    let target = image["Results"][0]["Target"].as_str().unwrap();
    let resolved = manifests[target]["resolved"].as_object().unwrap();
    assert_eq!(resolved.len(), 13);
    assert_eq!(
        resolved["musl"]["package_url"],
        "pkg:apk/alpine/musl@1.1.18-r3?arch=x86_64&distro=3.7.3"
    );

    let cos = json(&s.image("c.json", &["--format", "cosign-vuln"]));
    assert_eq!(cos["scanner"]["result"]["Results"], image["Results"]);
    assert!(cos["scanner"]["db"]["version"]
        .as_str()
        .is_some_and(|v| v.len() >= 10));
    assert!(
        cos["metadata"]["scanStartedOn"].as_str().unwrap()
            <= cos["metadata"]["scanFinishedOn"].as_str().unwrap()
    );
}

#[test]
fn table_is_plain_when_piped_and_coloured_on_a_terminal() {
    let s = setup();
    let o = tollgate(&["image", "--input", IMAGE, "--db", &s.db, "--no-cache", "-q"]);
    assert_eq!(code(&o), 0);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("│ musl "), "{out}");
    assert!(!out.contains('\x1b'));

    // On a terminal (a pseudo-terminal from util-linux `script`) the severities are coloured,
    // and the table is otherwise the same.
    let cmd = format!(
        "{} image --input {IMAGE} --db {} --no-cache -q",
        env!("CARGO_BIN_EXE_tollgate"),
        s.db
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(root())
        .output()
        .expect("util-linux script");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tty = String::from_utf8(o.stdout).unwrap().replace("\r\n", "\n");
    assert!(tty.contains("┆ \x1b[36mUNKNOWN\x1b[0m  ┆"), "{tty}");
    assert_eq!(tty.replace("\x1b[36m", "").replace("\x1b[0m", ""), out);
}
