//! End-to-end tests of the `tollgate` binary on the real fixtures in `testdata/`.

mod common;

use std::path::Path;
use std::process::Output;

use common::{build_db_from, code, root, stderr, tollgate, write};
use serde_json::Value;

const IMAGE: &str = "testdata/images/alpine/alpine-3.7.3.tar.gz";

/// Builds a DB from the shipped Alpine secdb, Debian OSV records and NVD sample.
fn build_db(dir: &Path) -> String {
    build_db_from(
        dir,
        &[
            "alpine-secdb=testdata/advisories/alpine-secdb",
            "osv=testdata/advisories/osv/debian",
            "nvd=testdata/advisories/nvd",
        ],
    )
}

fn scan_json(db: &str, cache: &Path, input: &str, extra: &[&str]) -> (Output, Value) {
    let out = cache.join("report.json");
    let mut args = vec![
        "image",
        "--input",
        input,
        "--db",
        db,
        "--cache-dir",
        cache.to_str().unwrap(),
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = tollgate(&args);
    let v = std::fs::read(&out)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (o, v)
}

#[test]
fn alpine_image_end_to_end_then_warm_from_the_layer_cache() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let cache = dir.path().join("cache");
    let (o, v) = scan_json(&db, &cache, IMAGE, &["--list-all-pkgs"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 read, 0 from cache"),
        "{}",
        stderr(&o)
    );
    assert_eq!(v["SchemaVersion"], 2);
    assert_eq!(v["ArtifactType"], "container_image");
    assert_eq!(v["Metadata"]["OS"]["Family"], "alpine");
    assert_eq!(v["Metadata"]["OS"]["Name"], "3.7.3");
    assert_eq!(v["Metadata"]["OS"]["EOSL"], true);
    let diff_id = v["Metadata"]["DiffIDs"][0].as_str().unwrap().to_string();
    let r = &v["Results"][0];
    assert_eq!(r["Target"], format!("{IMAGE} (alpine 3.7.3)"));
    assert_eq!(
        (r["Class"].as_str(), r["Type"].as_str()),
        (Some("os-pkgs"), Some("alpine"))
    );
    assert_eq!(r["Packages"].as_array().unwrap().len(), 13);
    let vulns = r["Vulnerabilities"].as_array().unwrap();
    let got: Vec<_> = vulns
        .iter()
        .map(|x| {
            (
                x["PkgName"].as_str().unwrap(),
                x["InstalledVersion"].as_str().unwrap(),
                x["VulnerabilityID"].as_str().unwrap(),
                x["FixedVersion"].as_str().unwrap(),
                x["Status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("musl", "1.1.18-r3", "CVE-2019-14697", "1.1.18-r4", "fixed"),
            (
                "musl-utils",
                "1.1.18-r3",
                "CVE-2019-14697",
                "1.1.18-r4",
                "fixed"
            ),
        ]
    );
    assert_eq!(vulns[0]["Layer"]["DiffID"], diff_id.as_str());
    // A finding names its package by the same UID as the package list.
    let musl = r["Packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["Name"] == "musl")
        .unwrap();
    assert_eq!(vulns[0]["PkgIdentifier"]["UID"], musl["Identifier"]["UID"]);
    assert_eq!(vulns[0]["DataSource"]["ID"], "alpine");
    assert_eq!(
        vulns[0]["PkgIdentifier"]["PURL"],
        "pkg:apk/alpine/musl@1.1.18-r3?arch=x86_64&distro=3.7.3"
    );

    // Second scan: the layer comes from the cache, the report is the same.
    let (o2, v2) = scan_json(&db, &cache, IMAGE, &["--list-all-pkgs"]);
    assert!(
        stderr(&o2).contains("0 read, 1 from cache"),
        "{}",
        stderr(&o2)
    );
    assert_eq!(v2["Results"], v["Results"]);
}

#[test]
fn gates_filters_and_ignore_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let cache = dir.path().join("cache");
    let (o, _) = scan_json(&db, &cache, IMAGE, &["--exit-code", "5"]);
    assert_eq!(code(&o), 5);
    // The findings are UNKNOWN (no NVD record for a 2019 CVE in these feeds).
    let (o, v) = scan_json(
        &db,
        &cache,
        IMAGE,
        &["--exit-code", "5", "--severity", "HIGH,CRITICAL"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(v["Results"][0]["Vulnerabilities"].is_null());
    let ignore = dir.path().join(".trivyignore");
    std::fs::write(&ignore, "# accepted until the rebuild\nCVE-2019-14697\n").unwrap();
    let (o, _) = scan_json(
        &db,
        &cache,
        IMAGE,
        &["--exit-code", "5", "--ignorefile", ignore.to_str().unwrap()],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let yaml = dir.path().join("ignore.yaml");
    std::fs::write(
        &yaml,
        "vulnerabilities:\n  - id: CVE-2019-14697\n    expired_at: 2020-01-01\n",
    )
    .unwrap();
    let (o, _) = scan_json(
        &db,
        &cache,
        IMAGE,
        &["--exit-code", "5", "--ignorefile", yaml.to_str().unwrap()],
    );
    assert_eq!(code(&o), 5, "an expired rule ignores nothing");

    // The table ends each target with its Total line.
    let o = tollgate(&[
        "image",
        "--input",
        IMAGE,
        "--db",
        &db,
        "--cache-dir",
        cache.to_str().unwrap(),
        "-q",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    let (tables, remediation) = out
        .split_once("\nRemediation: ")
        .expect("a remediation summary");
    assert!(
        tables
            .trim_end()
            .ends_with("Total: 2 (UNKNOWN: 2, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0)"),
        "{out}"
    );
    // After all targets: what to upgrade to clear the findings.
    assert_eq!(
        remediation.lines().collect::<Vec<_>>(),
        [
            "upgrading 2 package(s) clears 2 of 2 findings",
            "  musl 1.1.18-r3 -> 1.1.18-r4 (UNKNOWN 1)",
            "  musl-utils 1.1.18-r3 -> 1.1.18-r4 (UNKNOWN 1)"
        ],
        "{out}"
    );
    assert!(stderr(&o).is_empty(), "--quiet: {}", stderr(&o));
}

#[test]
fn debian_rootfs_matches_by_source_package() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let rootfs = dir.path().join("rootfs");
    write(&rootfs, "etc/debian_version", "12.5\n");
    write(
        &rootfs,
        "var/lib/dpkg/status",
        "Package: libexpat1\nStatus: install ok installed\nArchitecture: amd64\nSource: expat\nVersion: 2.5.0-1+deb12u1\n\nPackage: libexpat1-dev\nStatus: install ok installed\nArchitecture: amd64\nSource: expat\nVersion: 2.5.0-1+deb12u4\n\n",
    );
    let out = dir.path().join("r.json");
    let o = tollgate(&[
        "rootfs",
        rootfs.to_str().unwrap(),
        "--db",
        &db,
        "--cache-dir",
        dir.path().join("c").to_str().unwrap(),
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["ArtifactType"], "filesystem");
    let vulns = v["Results"][0]["Vulnerabilities"].as_array().unwrap();
    // Only the binary whose source version is below the fix is affected.
    assert_eq!(vulns.len(), 1, "{vulns:?}");
    assert_eq!(vulns[0]["PkgName"], "libexpat1");
    assert_eq!(vulns[0]["VulnerabilityID"], "CVE-2024-28757");
    assert_eq!(vulns[0]["FixedVersion"], "2.5.0-1+deb12u4");
    assert_eq!(
        vulns[0]["PkgIdentifier"]["PURL"],
        "pkg:deb/debian/libexpat1@2.5.0-1%2Bdeb12u1?arch=amd64&distro=debian-12.5"
    );
}

/// Every bad input: a one-line error naming what is wrong, a non-zero exit, no panic.
#[test]
fn bad_inputs_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let cache = dir.path().join("cache");
    let c = cache.to_str().unwrap();
    let check = |args: &[&str], needle: &str| {
        let o = tollgate(args);
        let e = stderr(&o);
        assert_eq!(code(&o), 2, "{args:?}: {e}");
        assert!(e.contains(needle), "{args:?}: want {needle:?} in {e}");
        assert!(!e.contains("panicked"), "{e}");
        assert_eq!(e.trim_end().lines().count(), 1, "one line: {e}");
    };
    check(
        &[
            "image",
            "--input",
            "no/such/image.tar",
            "--db",
            &db,
            "--cache-dir",
            c,
        ],
        "no/such/image.tar",
    );
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not an image at all\n").unwrap();
    check(
        &[
            "image",
            "--input",
            text.to_str().unwrap(),
            "--db",
            &db,
            "--cache-dir",
            c,
        ],
        "notes.txt",
    );
    check(
        &[
            "image",
            "--input",
            IMAGE,
            "--db",
            dir.path().join("nodb").to_str().unwrap(),
            "--cache-dir",
            c,
        ],
        "tollgate db build",
    );
    check(
        &[
            "image",
            "--input",
            IMAGE,
            "--db",
            &db,
            "--cache-dir",
            c,
            "--severity",
            "SEVERE",
        ],
        "--severity",
    );
    check(
        &[
            "db",
            "build",
            "--output",
            dir.path().join("x").to_str().unwrap(),
            "--source",
            "nosuch=path",
        ],
        "nosuch",
    );
    check(
        &[
            "db",
            "build",
            "--output",
            dir.path().join("x").to_str().unwrap(),
            "--source",
            "osv=testdata/does-not-exist",
        ],
        "does-not-exist",
    );
    let bad_ignore = dir.path().join("bad.yaml");
    std::fs::write(
        &bad_ignore,
        "vulnerabilities: [ {id: CVE-1, expired_at: soon} ]\n",
    )
    .unwrap();
    check(
        &[
            "image",
            "--input",
            IMAGE,
            "--db",
            &db,
            "--cache-dir",
            c,
            "--ignorefile",
            bad_ignore.to_str().unwrap(),
        ],
        "expired_at",
    );

    // A truncated image archive.
    let bytes = std::fs::read(root().join(IMAGE)).unwrap();
    let cut = dir.path().join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    check(
        &[
            "image",
            "--input",
            cut.to_str().unwrap(),
            "--db",
            &db,
            "--cache-dir",
            c,
        ],
        "cut.tar.gz",
    );

    // An advisory file that does not parse is a warning naming it; the build goes on.
    let adv = dir.path().join("osv");
    write(
        &adv,
        "good/DEBIAN-CVE-2024-28757.json",
        std::fs::read(root().join("testdata/advisories/osv/debian/DEBIAN-CVE-2024-28757.json"))
            .unwrap(),
    );
    write(&adv, "bad/broken.json", "{\"id\": \"X\", \"affected\": [");
    let o = tollgate(&[
        "db",
        "build",
        "--output",
        dir.path().join("db2").to_str().unwrap(),
        "--source",
        &format!("osv={}", adv.display()),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("broken.json"), "{}", stderr(&o));
}

/// A corrupt package DB is a warning and a partial result: the rest of the image is scanned.
#[test]
fn corrupt_package_db_is_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let rootfs = dir.path().join("rootfs");
    write(&rootfs, "etc/alpine-release", "3.7.3\n");
    write(
        &rootfs,
        "lib/apk/db/installed",
        "P:musl\nV:1.1.18-r3\nA:x86_64\no:musl\n\n",
    );
    write(
        &rootfs,
        "var/lib/rpm/Packages",
        "this is not a Berkeley DB file, only text of the wrong kind\n",
    );
    let out = dir.path().join("r.json");
    let o = tollgate(&[
        "rootfs",
        rootfs.to_str().unwrap(),
        "--db",
        &db,
        "--no-cache",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("var/lib/rpm/Packages"),
        "{}",
        stderr(&o)
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(
        v["Results"][0]["Vulnerabilities"][0]["VulnerabilityID"],
        "CVE-2019-14697"
    );
}

/// Language packages: `fs` reads lockfiles, `rootfs` reads installed packages, each matched
/// against the real OSV records shipped in testdata (PyPA, Go, RustSec).
#[test]
fn language_packages_in_fs_and_rootfs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let o = tollgate(&[
        "db",
        "build",
        "--output",
        db.to_str().unwrap(),
        "--source",
        "osv=testdata/advisories/osv/pypa",
        "--source",
        "osv=testdata/advisories/osv/go",
        "--source",
        "osv=testdata/advisories/osv/rustsec",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tree = dir.path().join("tree");
    write(&tree, "app/requirements.txt", "jw.util==1.4\nflask>=2\n");
    write(
        &tree,
        "app/Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"openssl\"\nversion = \"0.8.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    write(
        &tree,
        "app/go.mod",
        "module example.com/app\n\ngo 1.19\n\nrequire golang.org/x/net v0.0.0-20220805013720-a33c5aa5df48\n",
    );
    write(
        &tree,
        "usr/lib/python3/site-packages/jw.util-1.4.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: jw.util\nVersion: 1.4\nLicense: MIT\n",
    );
    let scan = |cmd: &str| -> Value {
        let out = dir.path().join(format!("{cmd}.json"));
        let o = tollgate(&[
            cmd,
            tree.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--no-cache",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
    };
    let rows = |v: &Value| -> Vec<(String, String, String, String, String)> {
        let mut r = Vec::new();
        for res in v["Results"].as_array().into_iter().flatten() {
            for x in res["Vulnerabilities"].as_array().into_iter().flatten() {
                r.push((
                    format!(
                        "{} {}",
                        res["Target"].as_str().unwrap(),
                        res["Type"].as_str().unwrap()
                    ),
                    x["PkgName"].as_str().unwrap().into(),
                    x["InstalledVersion"].as_str().unwrap().into(),
                    x["VulnerabilityID"].as_str().unwrap().into(),
                    x["FixedVersion"].as_str().unwrap().into(),
                ));
            }
        }
        r
    };
    let fs = scan("fs");
    let got = rows(&fs);
    assert!(
        got.contains(&(
            "app/Cargo.lock cargo".into(),
            "openssl".into(),
            "0.8.0".into(),
            "CVE-2016-10931".into(),
            "0.9.0".into()
        )),
        "{got:?}"
    );
    assert!(
        got.iter().any(|r| r.0 == "app/go.mod gomod"
            && r.1 == "golang.org/x/net"
            && r.3 == "CVE-2022-27664"),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|r| r.0 == "app/requirements.txt pip" && r.1 == "jw.util" && r.4 == "2.3"),
        "{got:?}"
    );
    // Installed packages are not read by fs; rootfs reads them and, as Trivy does, Cargo.lock
    // (Rust binaries may lack cargo-auditable data) but not requirements.txt or go.mod.
    assert!(!got.iter().any(|r| r.0.starts_with("Python")), "{got:?}");
    let rootfs = rows(&scan("rootfs"));
    assert!(!rootfs.is_empty());
    assert!(
        rootfs
            .iter()
            .all(|r| r.0 == "Python python-pkg" || r.0 == "app/Cargo.lock cargo"),
        "{rootfs:?}"
    );
    assert!(
        rootfs.iter().any(|r| r.1 == "jw.util" && r.2 == "1.4"),
        "{rootfs:?}"
    );
    let v = fs["Results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Type"] == "cargo")
        .unwrap()["Vulnerabilities"][0]
        .clone();
    assert_eq!(v["PkgIdentifier"]["PURL"], "pkg:cargo/openssl@0.8.0");
    assert_eq!(v["Status"], "fixed");
}

/// Lockfiles read with their sibling project files (yarn.lock + package.json and its
/// workspaces, poetry.lock + pyproject.toml, composer.lock + composer.json) through `fs`: the
/// package list with relationships equals what Trivy 0.76 lists for the same directories
/// (its answers recorded next to each fixture by testdata/lang/gen-trivy-expected*.py).
#[test]
fn lockfiles_with_sibling_files_equal_trivy() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    type Row = (String, String, String);
    let mut compared = 0;
    for eco in ["node", "python", "php"] {
        let base = root().join("testdata/lang").join(eco);
        let mut cases: Vec<_> = std::fs::read_dir(&base)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        cases.sort();
        for case in cases {
            let has = |f: &str| case.join(f).is_file();
            let (lock, expected) =
                if has("yarn.lock") && has("package.json") && has("trivy-fs.json") {
                    ("yarn.lock", "trivy-fs.json")
                } else if has("poetry.lock") && has("pyproject.toml") && has("trivy.json") {
                    ("poetry.lock", "trivy.json")
                } else if has("composer.lock") && has("composer.json") && has("trivy.json") {
                    ("composer.lock", "trivy.json")
                } else {
                    continue;
                };
            let d: Value =
                serde_json::from_slice(&std::fs::read(case.join(expected)).unwrap()).unwrap();
            let mut want: Vec<Row> = Vec::new();
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            if let Some(results) = d["results"].as_array() {
                for r in results {
                    for p in r["packages"].as_array().into_iter().flatten() {
                        want.push((s(&p["name"]), s(&p["version"]), s(&p["relationship"])));
                    }
                }
            } else {
                for r in d["default"]["results"].as_array().into_iter().flatten() {
                    for p in r["Packages"].as_array().into_iter().flatten() {
                        want.push((s(&p["Name"]), s(&p["Version"]), s(&p["Relationship"])));
                    }
                }
            }
            let out = dir.path().join("out.json");
            let o = tollgate(&[
                "fs",
                case.to_str().unwrap(),
                "--db",
                &db,
                "--no-cache",
                "-q",
                "--format",
                "json",
                "--list-all-pkgs",
                "--output",
                out.to_str().unwrap(),
            ]);
            assert_eq!(code(&o), 0, "{}: {}", case.display(), stderr(&o));
            let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
            let mut got: Vec<Row> = Vec::new();
            for r in v["Results"].as_array().into_iter().flatten() {
                if r["Target"].as_str().is_some_and(|t| t.ends_with(lock)) {
                    for p in r["Packages"].as_array().into_iter().flatten() {
                        got.push((s(&p["Name"]), s(&p["Version"]), s(&p["Relationship"])));
                    }
                }
            }
            want.sort();
            want.dedup();
            got.sort();
            got.dedup();
            assert_eq!(got, want, "{}", case.display());
            compared += 1;
        }
    }
    assert_eq!(compared, 17, "fixture directories compared");
}
