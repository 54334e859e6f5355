//! Java analyzers against what Trivy 0.76 lists for the same files
//! (`testdata/lang/java/expected.json`, made by `testdata/lang/gen-trivy-expected-java.py`),
//! plus hostile archives made here.

mod common;

use std::io::{Cursor, Write};
use std::path::PathBuf;

use tollgate_analyze::lang::java::jar::{parse_archive, JarOptions};
use tollgate_analyze::lang::java::{GradleLockAnalyzer, JarAnalyzer, PomAnalyzer};
use tollgate_analyze::{Analyzer, Package};

fn data_dir() -> PathBuf {
    common::testdata("java")
}

/// Inputs where we deliberately differ from Trivy, and why. Each must really differ.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "pom/synthetic/props/pom.xml",
    "`${env.HOME}`: Trivy substitutes the scanner's own environment variable; we leave it \
     empty, because the machine running the scan says nothing about the scanned project",
)];

/// The analyzer for a case's `format`.
fn analyzer_for(fmt: &str) -> Box<dyn Analyzer> {
    match fmt {
        "jar" => Box::new(JarAnalyzer),
        "pom" => Box::new(PomAnalyzer),
        _ => Box::new(GradleLockAnalyzer),
    }
}

/// A package as compared: name, version, the file path (jar) or relationship (pom), and the
/// licenses.
type Row = (String, String, String, Vec<String>);

fn trivy_rows(case: &serde_json::Value, fmt: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for r in case["trivy"].as_array().into_iter().flatten() {
        for p in r["packages"].as_array().into_iter().flatten() {
            let s = |i: usize| p[i].as_str().unwrap_or_default().to_string();
            let third = if fmt == "jar" {
                s(2)
            } else if fmt == "pom" {
                s(4)
            } else {
                String::new()
            };
            let licenses = p[3]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect();
            rows.push((s(0), s(1), third, licenses));
        }
    }
    rows.sort();
    rows
}

fn our_rows(fmt: &str, pkgs: &[Package]) -> Vec<Row> {
    let mut rows: Vec<Row> = pkgs
        .iter()
        .filter(|p| !p.dev) // Trivy leaves development dependencies out of its report
        .map(|p| {
            let third = match fmt {
                "jar" => p.file_path.clone(),
                "pom" => p.relationship.clone(),
                _ => String::new(),
            };
            (p.name.clone(), p.version.clone(), third, p.licenses.clone())
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn equal_to_trivy_on_its_testdata() {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).expect("expected.json");
    let expected: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let mut per_format: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut failures = Vec::new();
    for case in expected["cases"].as_array().expect("cases") {
        let fmt = case["format"].as_str().unwrap_or_default();
        let input = case["input"].as_str().unwrap_or_default();
        let path = case["path"].as_str().unwrap_or_default();
        let content = std::fs::read(data_dir().join(input)).expect("input file");
        let analyzer = analyzer_for(fmt);
        assert!(
            analyzer.required(path),
            "{input}: {path} not required by {}",
            analyzer.name()
        );
        let ours = match analyzer.analyze(path, &content) {
            Ok(res) => {
                let pkgs: Vec<Package> = res
                    .applications
                    .iter()
                    .flat_map(|a| a.packages.clone())
                    .collect();
                for a in &res.applications {
                    assert_eq!(a.file_path, path);
                }
                our_rows(fmt, &pkgs)
            }
            // An input Trivy cannot read either gives it no packages.
            Err(e) => {
                assert!(e.to_string().contains(path), "error names the file: {e}");
                Vec::new()
            }
        };
        let theirs = trivy_rows(case, fmt);
        let entry = per_format.entry(fmt.to_string()).or_default();
        entry.0 += 1;
        let known = KNOWN_DIFFERENCES.iter().find(|(i, _)| *i == input);
        if ours == theirs {
            entry.1 += 1;
            assert!(
                known.is_none(),
                "{input} is listed as a known difference but is equal"
            );
        } else if known.is_none() {
            failures.push(format!("{input}:\n  ours:  {ours:?}\n  trivy: {theirs:?}"));
        }
    }
    for (fmt, (n, eq)) in &per_format {
        eprintln!("{fmt}: {eq}/{n} equal to Trivy");
    }
    assert!(
        failures.is_empty(),
        "differences from Trivy:\n{}",
        failures.join("\n")
    );
}

/// Case directories (scanned as a whole) where we deliberately differ from Trivy, and why.
const KNOWN_TREE_DIFFERENCES: &[(&str, &str)] = &[];

#[test]
fn pom_trees_equal_to_trivy() {
    // Each of Trivy's pom case directories scanned as a whole: every pom.xml is analyzed with
    // the directory's pom.xml files as siblings (parents and modules), as `tollgate fs` does.
    let text = std::fs::read_to_string(data_dir().join("pom-tree-expected.json"))
        .expect("pom-tree-expected.json");
    let expected: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let (mut files, mut equal) = (0, 0);
    let mut failures = Vec::new();
    for case in expected["cases"].as_array().expect("cases") {
        let name = case["case"].as_str().unwrap_or_default();
        let dir = data_dir().join(name);
        if !dir.exists() {
            // A case directory without any pom.xml was not copied; Trivy lists nothing there.
            let targets = case["targets"].as_object().map(|t| t.len()).unwrap_or(0);
            assert_eq!(
                targets, 0,
                "{name}: Trivy lists packages but nothing was copied"
            );
            continue;
        }
        let poms: Vec<(String, Vec<u8>)> = common::files_under(&dir, |_| false)
            .into_iter()
            .filter(|(rel, _)| rel.ends_with("pom.xml"))
            .map(|(rel, p)| (rel, std::fs::read(p).expect("pom")))
            .collect();
        assert!(!poms.is_empty(), "{name}: no pom.xml copied");
        let tree: Vec<(&str, &[u8])> = poms
            .iter()
            .map(|(r, c)| (r.as_str(), c.as_slice()))
            .collect();
        let mut case_ok = true;
        for (rel, content) in &poms {
            files += 1;
            let ours = match PomAnalyzer.analyze_with_siblings(rel, content, &tree) {
                Ok(res) => {
                    let pkgs: Vec<Package> = res
                        .applications
                        .iter()
                        .flat_map(|a| a.packages.clone())
                        .collect();
                    our_rows("pom", &pkgs)
                }
                Err(_) => Vec::new(),
            };
            let mut theirs: Vec<Row> = case["targets"][rel.as_str()]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    let s = |i: usize| r[i].as_str().unwrap_or_default().to_string();
                    let licenses = r[3]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|l| l.as_str().map(str::to_string))
                        .collect();
                    (s(0), s(1), s(2), licenses)
                })
                .collect();
            theirs.sort();
            if ours == theirs {
                equal += 1;
            } else {
                case_ok = false;
                failures.push(format!(
                    "{name}/{rel}:\n  ours:  {ours:?}\n  trivy: {theirs:?}"
                ));
            }
        }
        let known = KNOWN_TREE_DIFFERENCES.iter().any(|(c, _)| *c == name);
        if known {
            assert!(
                !case_ok,
                "{name} is listed as a known difference but is equal"
            );
            failures.retain(|f| !f.starts_with(&format!("{name}/")));
        }
    }
    eprintln!("pom trees: {equal}/{files} pom.xml equal to Trivy");
    assert!(
        failures.is_empty(),
        "differences from Trivy:\n{}",
        failures.join("\n")
    );
}

#[test]
fn licenses_are_read_raw() {
    // The archive parser gives the names as written; the analyzer normalizes them, as Trivy
    // does for every language package.
    let content = std::fs::read(data_dir().join("jar/licensed-1.0.jar")).unwrap();
    let pkgs = parse_archive("licensed-1.0.jar", &content, &JarOptions::default()).unwrap();
    assert_eq!(
        pkgs[0].licenses,
        vec!["MIT License".to_string(), "EPL-2.0".to_string()]
    );
    let content = std::fs::read(data_dir().join("pom/parser/happy/pom.xml")).unwrap();
    let res = PomAnalyzer.analyze("pom.xml", &content).unwrap();
    let root = &res.applications[0].packages[0];
    assert_eq!(
        (root.name.as_str(), root.licenses.clone()),
        ("com.example:happy", vec!["BSD-3-Clause".to_string()])
    );
}

#[test]
fn manifest_rule_when_asked() {
    // Trivy's offline-parser rule: `org.springframework:Spring Framework` from the manifest.
    let content = std::fs::read(data_dir().join("jar/test.jar")).unwrap();
    let limits = JarOptions {
        use_manifest: true,
        ..JarOptions::default()
    };
    let pkgs = parse_archive("test.jar", &content, &limits).unwrap();
    assert_eq!(pkgs.len(), 1);
    assert_eq!(
        (pkgs[0].name.as_str(), pkgs[0].version.as_str()),
        ("org.springframework:Spring Framework", "2.5.6.SEC03")
    );
}

// ---------------------------------------------------------------- hostile input

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn zeros_entry(name: &str, size: usize) -> Vec<u8> {
    zeros_entry_with(name, size, zip::CompressionMethod::Deflated)
}

fn zeros_entry_with(name: &str, size: usize, method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(size as u64 >= u32::MAX as u64);
    w.start_file(name, opts).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        w.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    w.finish().unwrap().into_inner()
}

const PROPS: &[u8] = b"groupId=g\nartifactId=a\nversion=1\n";

#[test]
fn corrupt_and_truncated_archives_are_errors_naming_the_file() {
    for (name, bytes) in [
        ("app/invalid.jar", b"123".to_vec()),
        ("app/empty.jar", Vec::new()),
        ("app/trunc.war", {
            let full = std::fs::read(data_dir().join("jar/maven.war")).unwrap();
            full[..full.len() / 2].to_vec()
        }),
    ] {
        let err = JarAnalyzer.analyze(name, &bytes).expect_err(name);
        assert_eq!(err.path, name);
        assert!(err.to_string().contains(name), "{err}");
    }
    // A nested archive that is corrupt is skipped (as Trivy does); the rest is listed.
    let outer = zip_of(&[
        ("META-INF/maven/g/a/pom.properties", PROPS),
        ("lib/bad.jar", b"PK\x03\x04junk"),
    ]);
    let res = JarAnalyzer.analyze("ok.jar", &outer).unwrap();
    assert_eq!(res.applications[0].packages.len(), 1);
}

#[test]
fn zip_bomb_in_metadata_is_refused() {
    // 11 MiB of zeros deflate to ~11 KiB: above the 10 MiB cap for a MANIFEST.MF.
    let bomb = zeros_entry("META-INF/MANIFEST.MF", 11 << 20);
    assert!(bomb.len() < 100_000);
    let err = JarAnalyzer.analyze("bomb.jar", &bomb).expect_err("bomb");
    assert!(err.message.contains("zip bomb"), "{err}");
    assert!(err.message.contains("MANIFEST.MF"), "{err}");
}

#[test]
fn nested_bomb_and_total_budget_are_refused() {
    let inner = zeros_entry("x/pom.properties", 2 << 20);
    let outer = zip_of(&[("lib/inner.jar", &inner)]);
    let small = JarOptions {
        max_metadata_size: 1 << 20,
        ..JarOptions::default()
    };
    let err = parse_archive("outer.jar", &outer, &small).expect_err("inner bomb");
    assert!(err.message.contains("outer.jar/lib/inner.jar"), "{err}");

    // A 3 MiB inner jar (stored zeros) that deflates to a few KiB in the outer one.
    let big_inner = zeros_entry_with("x.class", 3 << 20, zip::CompressionMethod::Stored);
    let outer = zip_of(&[("lib/a.jar", &big_inner)]);
    let tight = JarOptions {
        max_nested_size: 1 << 20,
        ..JarOptions::default()
    };
    let err = parse_archive("o.war", &outer, &tight).expect_err("nested size");
    assert!(err.message.contains("nested archive"), "{err}");

    let outer = zip_of(&[("a.jar", &big_inner), ("b.jar", &big_inner)]);
    let budget = JarOptions {
        max_total_inflated: 5 << 20,
        ..JarOptions::default()
    };
    let err = parse_archive("o.ear", &outer, &budget).expect_err("budget");
    assert!(err.message.contains("in total"), "{err}");
}

#[test]
fn deep_nesting_and_entry_count_are_bounded() {
    let nest = |levels: usize| {
        let mut cur = zip_of(&[("META-INF/maven/g/a/pom.properties", PROPS)]);
        for _ in 0..levels {
            cur = zip_of(&[("n.jar", &cur)]);
        }
        cur
    };
    let ok = JarAnalyzer.analyze("d.jar", &nest(5)).unwrap();
    let pkgs = &ok.applications[0].packages;
    assert_eq!(pkgs.len(), 1);
    assert_eq!(pkgs[0].file_path, format!("d.jar{}", "/n.jar".repeat(5)));
    let err = JarAnalyzer
        .analyze("deep.jar", &nest(20))
        .expect_err("too deep");
    assert!(err.message.contains("nested deeper"), "{err}");

    let names: Vec<String> = (0..50).map(|i| format!("f{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let many = zip_of(&entries);
    let few = JarOptions {
        max_entries: 10,
        ..JarOptions::default()
    };
    let err = parse_archive("many.jar", &many, &few).expect_err("entries");
    assert!(err.message.contains("entries"), "{err}");
}

#[test]
fn pom_and_lockfile_bad_input() {
    for bad in [
        &b"{}"[..],
        b"<project><dependencies>",
        b"\xff\xfe<project/>",
        b"",
    ] {
        let err = PomAnalyzer.analyze("x/pom.xml", bad).expect_err("bad pom");
        assert_eq!(err.path, "x/pom.xml");
    }
    // A property loop and a huge property tree end quickly with empty values.
    let mut pom = String::from("<project><groupId>g</groupId><artifactId>a</artifactId><version>${p0}</version><properties>");
    for i in 0..40 {
        pom.push_str(&format!("<p{i}>${{p{n}}}${{p{n}}}</p{i}>", n = i + 1));
    }
    pom.push_str("<p40>${p0}</p40></properties></project>");
    let res = PomAnalyzer.analyze("pom.xml", pom.as_bytes()).unwrap();
    assert_eq!(res.applications[0].packages[0].name, "g:a");
    let res = GradleLockAnalyzer
        .analyze(
            "gradle.lockfile",
            b"a:b:1=compileClasspath\nc:d:2=testRuntimeClasspath\nempty=\n",
        )
        .unwrap();
    let p = &res.applications[0].packages;
    assert_eq!(p.len(), 2);
    assert!(!p[0].dev && p[1].dev);
    assert!(GradleLockAnalyzer
        .analyze("gradle.lockfile", b"\xff")
        .is_err());
}

/// Deterministic byte mutations of every fixture: analyzers must return, never panic.
#[test]
fn mutated_inputs_never_panic() {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut next = common::xorshift(0x9E37_79B9_7F4A_7C15);
    for case in expected["cases"].as_array().unwrap() {
        let fmt = case["format"].as_str().unwrap();
        let path = case["path"].as_str().unwrap();
        let original = std::fs::read(data_dir().join(case["input"].as_str().unwrap())).unwrap();
        if original.is_empty() {
            continue;
        }
        let analyzer = analyzer_for(fmt);
        let rounds = if fmt == "jar" { 300 } else { 60 };
        for _ in 0..rounds {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 8 {
                let i = (next() as usize) % bytes.len();
                match next() % 4 {
                    0 => bytes[i] = next() as u8,
                    1 => bytes[i] ^= 0x80,
                    2 => bytes.truncate(i.max(1)),
                    _ => bytes.insert(i, b'<'),
                }
            }
            let _ = analyzer.analyze(path, &bytes);
        }
    }
}
