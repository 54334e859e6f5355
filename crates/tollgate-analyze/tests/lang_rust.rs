//! Rust analyzers against Trivy 0.76 on Trivy's own Cargo.lock testdata and on auditable
//! binaries built here (expectations: testdata/lang/rust/**/*.trivy.json, made by
//! testdata/lang/gen-trivy-expected-go-rust.py).

mod common;

use std::io::Write;
use std::path::PathBuf;

use common::{gunzip, triples, trivy_triples};
use tollgate_analyze::lang::rust::{CargoAnalyzer, RustBinaryAnalyzer};
use tollgate_analyze::Analyzer;

fn dir() -> PathBuf {
    common::testdata("rust")
}

/// Trivy 0.76 on each Cargo.lock alone (the input a per-file analyzer sees): equal, name,
/// version and relationship. Trivy's answer with the Cargo.toml files beside it is
/// `whole_tree`, compared in `cargo_with_cargo_toml_equals_trivy_whole_tree`.
#[test]
fn cargo_lock_equals_trivy_on_trivy_testdata() {
    // Where Trivy logs the TOML error and reports nothing, we report the error.
    let compared = common::lockfiles_alone_equal_trivy(&dir(), "Cargo.lock", &CargoAnalyzer);
    assert_eq!(compared, 18);
}

#[test]
fn rustbinary_equals_trivy_on_auditable_binaries() {
    let bin = dir().join("bin");
    for name in ["rust-auditable", "rust-auditable-dups"] {
        let data = gunzip(&bin.join(format!("{name}.gz")));
        let r = RustBinaryAnalyzer.analyze("bin/x", &data).unwrap();
        assert_eq!(
            triples(&r),
            trivy_triples(&bin.join(name), "alone"),
            "{name}"
        );
        assert_eq!(r.applications[0].kind, "rustbinary");
        // The dependency graph: Trivy's DependsOn of each package (`<name>.depends-on.json`).
        let text = std::fs::read_to_string(bin.join(format!("{name}.depends-on.json")))
            .expect("depends-on.json");
        let want: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let want: std::collections::BTreeMap<String, Vec<String>> =
            serde_json::from_value(want["depends_on"].clone()).expect("name@version -> ids");
        let ours: std::collections::BTreeMap<String, Vec<String>> = r.applications[0]
            .packages
            .iter()
            .map(|p| {
                let mut d = p.depends_on.clone();
                d.sort();
                (format!("{}@{}", p.name, p.version), d)
            })
            .collect();
        assert_eq!(ours, want, "{name} depends_on");
    }
}

#[test]
fn not_auditable_executables_give_nothing() {
    // Trivy's own "not an auditable binary" inputs (copied from its analyzer testdata).
    let trivy = dir().join("not-auditable");
    let mut inputs = common::inputs_and_files_in(
        vec![
            b"#!/bin/bash\necho hi\n".to_vec(),
            b"MZ".to_vec(),
            Vec::new(),
        ],
        &trivy,
    );
    // A Go executable: an ELF without `.dep-v0`.
    inputs.push(gunzip(
        &dir().join("../go/bin/hello-go119-stripped-ldflags.gz"),
    ));
    for data in inputs {
        assert!(RustBinaryAnalyzer
            .analyze("bin/x", &data)
            .unwrap()
            .applications
            .is_empty());
    }
}

#[test]
fn selection() {
    assert!(RustBinaryAnalyzer.required_file("usr/bin/app", 0o100755, 1));
    assert!(!RustBinaryAnalyzer.required_file("usr/bin/app", 0o100644, 1));
    assert!(CargoAnalyzer.required("src/app/Cargo.lock"));
    assert!(!CargoAnalyzer.required("src/app/Cargo.toml"));
}

/// Replaces the compressed payload of `.dep-v0` in place (same size or smaller, zero padded).
fn with_payload(data: &[u8], payload: &[u8]) -> Vec<u8> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(data).unwrap();
    let (off, size) = file
        .section_by_name(".dep-v0")
        .unwrap()
        .file_range()
        .unwrap();
    let (off, size) = (off as usize, size as usize);
    assert!(payload.len() <= size);
    let mut out = data.to_vec();
    out[off..off + size].fill(0);
    out[off..off + payload.len()].copy_from_slice(payload);
    out
}

fn zlib(b: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(b).unwrap();
    z.finish().unwrap()
}

#[test]
fn corrupt_audit_data_is_an_error() {
    let data = gunzip(&dir().join("bin/rust-auditable.gz"));
    for bad in [
        b"not zlib at all".to_vec(),
        zlib(b"{\"packages\": 3}"),
        zlib(br#"{"packages":[{"name":"a","version":"1","dependencies":[7]}]}"#),
    ] {
        let d = with_payload(&data, &bad);
        assert!(RustBinaryAnalyzer.analyze("bin/x", &d).is_err());
    }
}

/// Truncated and bit-flipped copies of a real auditable binary: errors are fine, panics not.
#[test]
fn fuzz_rust_binaries_never_panic() {
    let data = gunzip(&dir().join("bin/rust-auditable.gz"));
    let mut next = common::xorshift(0x2545_f491_4f6c_dd1d);
    let sec = data.len() - 0x1000; // section headers and `.dep-v0` sit near the end
    let mut variants: Vec<Vec<u8>> = [
        16,
        64,
        4096,
        data.len() / 2,
        sec,
        data.len() - 100,
        data.len() - 1,
    ]
    .iter()
    .map(|&c| data[..c].to_vec())
    .collect();
    for _ in 0..300 {
        let mut d = data.clone();
        for _ in 0..(1 + next() % 8) {
            let at = match next() % 3 {
                0 => (next() % 64) as usize,
                1 => sec + (next() % 0x1000) as usize,
                _ => (next() as usize) % d.len(),
            };
            d[at] ^= 1 << (next() % 8);
        }
        variants.push(d);
    }
    for v in variants {
        let _ = RustBinaryAnalyzer.analyze("bin/x", &v);
    }
}

/// Trivy's `whole_tree` answer for a txtar case (the lockfile with the txtar's Cargo.toml
/// files beside it), or None when the case has none.
fn whole_tree(input: &std::path::Path) -> Option<Option<Vec<common::Triple>>> {
    let p = PathBuf::from(format!("{}.trivy.json", input.display()));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    let w = v.get("whole_tree")?;
    let Some(pk) = w["Cargo.lock"]["packages"].as_array() else {
        return Some(None);
    };
    let mut out: Vec<common::Triple> = pk
        .iter()
        .map(|t| {
            let s = |i: usize| t[i].as_str().unwrap().to_string();
            (s(0), s(1), s(2))
        })
        .collect();
    out.sort();
    Some(Some(out))
}

/// Trivy 0.76 with the Cargo.toml files of Trivy's txtar cases beside the lockfile (root,
/// workspace members found through `members` and globs, direct / indirect, unreachable and
/// dev-only crates dropped; a virtual workspace gets a nameless `root` entry, as in Trivy):
/// `analyze_with_siblings` with every file of the case directory gives Trivy's `whole_tree`
/// answer. No known difference.
#[test]
fn cargo_with_cargo_toml_equals_trivy_whole_tree() {
    let mut compared = Vec::new();
    for case in common::case_dirs(&dir(), |p| p.join("Cargo.lock").exists()) {
        let input = case.join("Cargo.lock");
        let Some(want) = whole_tree(&input) else {
            continue;
        };
        let files = common::files_under(&case, |rel| rel == "Cargo.lock" || rel.ends_with(".json"));
        let contents: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(rel, p)| (format!("src/app/{rel}"), std::fs::read(p).unwrap()))
            .collect();
        let siblings: Vec<(&str, &[u8])> = contents
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_slice()))
            .collect();
        let lock = std::fs::read(&input).unwrap();
        let got = CargoAnalyzer.analyze_with_siblings("src/app/Cargo.lock", &lock, &siblings);
        match (&want, got) {
            (None, Err(_)) => {}
            (None, Ok(r)) => assert!(r.applications.is_empty(), "{}", case.display()),
            (Some(w), Ok(r)) => assert_eq!(triples(&r).as_ref(), Some(w), "{}", case.display()),
            (Some(_), Err(e)) => panic!("{}: {e}", case.display()),
        }
        // Without the siblings, the single-file answer.
        if let Ok(r) = CargoAnalyzer.analyze_with_siblings("src/app/Cargo.lock", &lock, &[]) {
            assert_eq!(
                triples(&r),
                trivy_triples(&input, "alone"),
                "{}",
                case.display()
            );
        }
        compared.push(common::case_name(&case));
    }
    assert_eq!(
        compared,
        [
            "newer-txtar-root-package-and-workspace",
            "newer-txtar-versionless-direct-deps",
            "newer-txtar-workspace-member-dev-dependency",
            "sib-req-kinds",
            "sib-ws-exclude",
            "txtar-happy",
            "txtar-no-cargo-toml",
            "txtar-sad",
            "txtar-toml-only-workspace-deps",
            "txtar-toml-workspace-glob",
            "txtar-toml-workspace-members",
            "txtar-version-workspace-inherit",
            "txtar-wrong-cargo-toml",
        ]
    );
}

#[test]
fn cargo_version_requirements() {
    use tollgate_analyze::lang::rust::cargo_req_matches as m;
    for (req, v, want) in [
        ("1.5", "1.7.0", true),
        ("1.5", "2.0.0", false),
        ("0.7", "0.7.6", true),
        ("0.7", "0.8.0", false),
        ("0.0.3", "0.0.4", false),
        ("=1.7.3", "1.7.3", true),
        ("=1.7.3", "1.7.4", false),
        ("<0.6", "0.5.6", true),
        ("<0.6", "0.6.29", false),
        ("1.*", "1.0.2", true),
        ("1.*", "2.5.0", false),
        ("*", "0.3.9", true),
        ("~1.2", "1.2.9", true),
        ("~1.2", "1.3.0", false),
        (">=1, <2", "1.9.0", true),
        (">=1, <2", "2.0.0", false),
        (">1.2", "1.2.9", false),
        ("<=1.2", "1.2.9", true),
        ("1", "1.0.0-rc.1", false),
        ("1.0.0-rc.1", "1.0.0-rc.1", true),
        ("1", "not-a-version", false),
    ] {
        assert_eq!(m(req, v), want, "{req} {v}");
    }
}
