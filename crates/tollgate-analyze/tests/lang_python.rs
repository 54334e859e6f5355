//! Python analyzers against the real Trivy 0.76 on Trivy's own testdata
//! (`testdata/lang/python/<case>/trivy.json`, made by `testdata/lang/gen-trivy-expected.py`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tollgate_analyze::lang::python::{self, poetry_with_pyproject, pylock_with_pyproject};
use tollgate_analyze::{AnalysisResult, AnalyzeError, Analyzer};

/// Cases where Trivy logs an error and lists nothing, and we return an `AnalyzeError`.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    (
        "packaging-invalid",
        "not core metadata (a JSON file named METADATA)",
    ),
    ("poetry-fanal-sad", "poetry.lock is not TOML"),
    ("uv-uv_multiple_roots", "two root packages"),
    ("uv-fanal-broken-lock", "uv.lock is not TOML"),
    ("pylock-sad", "pylock.toml is not TOML"),
    ("pylock-fanal-broken", "pylock.toml is not TOML"),
];

/// Packages whose `depends_on` differs from Trivy's on purpose: (case, package, why).
const KNOWN_DEPENDS_ON_DIFFS: &[(&str, &str, &str)] = &[(
    "poetry-poetry_flask",
    "pytest",
    "poetry 1.x lock, dev package: Trivy resolves dependencies only to `category = \"main\"` \
     packages, so pytest -> attrs, py, ... (all dev) is lost; we keep every locked edge",
)];

/// (type, target or package file path, name, version, relationship, depends_on joined).
type Row = (String, String, String, String, String, String);

fn known_dep_diff(case: &str, name: &str) -> bool {
    KNOWN_DEPENDS_ON_DIFFS
        .iter()
        .any(|(c, n, _)| *c == case && *n == name)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/lang/python")
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            out.push(
                p.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// Runs every analyzer that wants a file of the case, the way the walker would.
fn run_case(dir: &Path) -> Vec<Result<AnalysisResult, AnalyzeError>> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.retain(|f| f != "trivy.json");
    files.sort();
    let mut out = Vec::new();
    for f in &files {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        for a in python::analyzers() {
            if !a.required(f) {
                continue;
            }
            if a.name() == "poetry" {
                // Trivy's poetry analyzer reads the sibling pyproject.toml.
                let pp = std::fs::read(dir.join(f).with_file_name("pyproject.toml")).ok();
                out.push(poetry_with_pyproject(f, &bytes, pp.as_deref()));
            } else if a.name() == "pylock" {
                let pp = std::fs::read(dir.join(f).with_file_name("pyproject.toml")).ok();
                out.push(pylock_with_pyproject(f, &bytes, pp.as_deref()));
            } else {
                out.push(a.analyze(f, &bytes));
            }
        }
    }
    out
}

fn ours(case: &str, results: &[AnalysisResult], include_dev: bool) -> BTreeSet<Row> {
    let mut s = BTreeSet::new();
    for r in results {
        for a in &r.applications {
            // Trivy drops edges to dev packages together with the packages.
            let kept: BTreeSet<String> = a
                .packages
                .iter()
                .filter(|p| include_dev || !p.dev)
                .map(|p| format!("{}@{}", p.name, p.version))
                .collect();
            for p in a.packages.iter().filter(|p| include_dev || !p.dev) {
                let mut deps: Vec<&str> = p
                    .depends_on
                    .iter()
                    .filter(|d| kept.contains(*d))
                    .map(String::as_str)
                    .collect();
                deps.sort();
                let deps = if known_dep_diff(case, &p.name) {
                    "(known difference)".to_string()
                } else {
                    deps.join(",")
                };
                let target = if p.file_path.is_empty() {
                    &a.file_path
                } else {
                    &p.file_path
                };
                s.insert((
                    a.kind.clone(),
                    target.clone(),
                    p.name.clone(),
                    p.version.clone(),
                    p.relationship.clone(),
                    deps,
                ));
            }
        }
    }
    s
}

fn trivy(case: &str, v: &serde_json::Value) -> BTreeSet<Row> {
    let mut s = BTreeSet::new();
    for r in v["results"].as_array().into_iter().flatten() {
        for p in r["Packages"].as_array().into_iter().flatten() {
            let fp = p["FilePath"].as_str().unwrap_or("");
            let target = if fp.is_empty() {
                r["Target"].as_str().unwrap()
            } else {
                fp
            };
            let name = p["Name"].as_str().unwrap();
            let mut deps: Vec<&str> = p["DependsOn"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| d.as_str().unwrap())
                .collect();
            deps.sort();
            let deps = if known_dep_diff(case, name) {
                "(known difference)".to_string()
            } else {
                deps.join(",")
            };
            s.insert((
                r["Type"].as_str().unwrap().to_string(),
                target.to_string(),
                p["Name"].as_str().unwrap().to_string(),
                p["Version"].as_str().unwrap_or("").to_string(),
                p["Relationship"].as_str().unwrap_or("").to_string(),
                deps,
            ));
        }
    }
    s
}

#[test]
fn equal_to_trivy_on_trivy_testdata() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("trivy.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "testdata missing: {}", cases.len());
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("trivy.json")).unwrap()).unwrap();
        let results = run_case(dir);
        let (ok, errs): (Vec<_>, Vec<_>) = results.into_iter().partition(|r| r.is_ok());
        let ok: Vec<AnalysisResult> = ok.into_iter().map(Result::unwrap).collect();
        let errs: Vec<String> = errs
            .into_iter()
            .map(|e| e.unwrap_err().to_string())
            .collect();
        let want_err = EXPECTED_ERRORS.iter().any(|(c, _)| *c == name);
        if want_err == errs.is_empty() {
            failures.push(format!(
                "{name}: errors {errs:?}, expected error: {want_err}"
            ));
        }
        for (mode, dev) in [("default", false), ("include_dev_deps", true)] {
            // `trivy rootfs` has no --include-dev-deps (null): installed packages are never dev.
            let e = if expected[mode].is_null() {
                &expected["default"]
            } else {
                &expected[mode]
            };
            let want = trivy(&name, e);
            let got = ours(&name, &ok, dev);
            if want != got {
                failures.push(format!(
                    "{name} [{mode}]\n  only trivy: {:?}\n  only ours:  {:?}",
                    want.difference(&got).collect::<Vec<_>>(),
                    got.difference(&want).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn required_paths() {
    let a = python::analyzers();
    let wants = |p: &str| -> Vec<&str> {
        a.iter()
            .filter(|x| x.required(p))
            .map(|x| x.name())
            .collect()
    };
    assert_eq!(
        wants("usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"),
        ["python-pkg"]
    );
    assert_eq!(wants("x/distlib-0.3.1.egg-info/PKG-INFO"), ["python-pkg"]);
    assert_eq!(wants("x/distlib-0.3.1-py3.9.egg-info"), ["python-pkg"]);
    assert_eq!(wants("x/foo-1.0.egg"), ["python-pkg"]);
    assert_eq!(wants("x/foo.egg/EGG-INFO/PKG-INFO"), ["python-pkg"]);
    assert_eq!(wants("app/requirements.txt"), ["pip"]);
    assert_eq!(wants("app/Pipfile.lock"), ["pipenv"]);
    assert_eq!(wants("app/poetry.lock"), ["poetry"]);
    assert_eq!(wants("uv.lock"), ["uv"]);
    assert_eq!(wants("app/pylock.toml"), ["pylock"]);
    assert_eq!(wants("app/pylock.dev.toml"), ["pylock"]);
    assert!(wants("app/pylock.a.b.toml").is_empty());
    assert!(wants("app/requirements-dev.txt").is_empty());
    assert!(wants("app/METADATA").is_empty());
    assert!(wants("app/pyproject.toml").is_empty());
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let cases: &[(&str, &[u8])] = &[
        ("a/x.dist-info/METADATA", b"Version: 1.0\n"),
        ("a/x.dist-info/METADATA", b"\xff\xfe\x00garbage"),
        ("a/x.dist-info/METADATA", b"not a header line\n"),
        ("a/x.egg", b"PK\x03\x04 truncated"),
        ("a/Pipfile.lock", b"{\"default\": ["),
        ("a/poetry.lock", b"[[package]]\nname = 1\n"),
        ("a/uv.lock", b"[[package]\n"),
        ("a/pylock.toml", b"[[packages]]\nname = 7\n"),
        ("a/requirements.txt", b"\xc3\x28 invalid utf-8"),
    ];
    for (path, bytes) in cases {
        let a = python::analyzers()
            .into_iter()
            .find(|a| a.required(path))
            .unwrap();
        let e = a.analyze(path, bytes).expect_err(path);
        assert_eq!(e.path, *path);
        assert!(e.to_string().starts_with(path), "{e}");
    }
}

#[test]
fn egg_zip_and_pipenv_and_names() {
    // A zipped .egg with EGG-INFO/PKG-INFO.
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file(
            "EGG-INFO/PKG-INFO",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        std::io::Write::write_all(
            &mut z,
            b"Metadata-Version: 1.1\nName: foo\nVersion: 1.2\nLicense: MIT\n",
        )
        .unwrap();
        z.finish().unwrap();
    }
    let r = python::PythonPkgAnalyzer
        .analyze("lib/foo-1.2-py3.egg", buf.get_ref())
        .unwrap();
    let p = &r.applications[0].packages[0];
    assert_eq!(
        (p.name.as_str(), p.version.as_str(), p.licenses.clone()),
        ("foo", "1.2", vec!["MIT".to_string()])
    );
    assert_eq!(p.file_path, "lib/foo-1.2-py3.egg");
    assert_eq!(python::normalize_name("Foo__Bar.baz"), "foo-bar-baz");
}

/// Truncated and bit-flipped copies of every testdata file: an answer or an error, never a panic.
#[test]
fn damaged_files_never_panic() {
    let mut files = Vec::new();
    walk(&root(), &root(), &mut files);
    let analyzers = python::analyzers();
    let mut runs = 0;
    for f in files.iter().filter(|f| !f.ends_with("trivy.json")) {
        let bytes = std::fs::read(root().join(f)).unwrap();
        for a in analyzers.iter().filter(|a| a.required(f)) {
            let step = (bytes.len() / 20).max(1);
            for cut in (0..bytes.len()).step_by(step) {
                let _ = a.analyze(f, &bytes[..cut]);
                let mut flipped = bytes.clone();
                flipped[cut] ^= 0x5a;
                let _ = a.analyze(f, &flipped);
                runs += 2;
            }
        }
    }
    assert!(runs > 100, "{runs}");
}
