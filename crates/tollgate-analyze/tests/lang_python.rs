//! Python analyzers against the real Trivy 0.76 on Trivy's own testdata
//! (`testdata/lang/python/<case>/trivy.json`, made by `testdata/lang/gen-trivy-expected.py`).

mod common;

use common::TrivyJsonCases;
use tollgate_analyze::lang::python;
use tollgate_analyze::Analyzer;

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

/// Packages whose licenses differ from Trivy's on purpose: (case, package, why).
const KNOWN_LICENSE_DIFFS: &[(&str, &str, &str)] = &[
    (
        "packaging-fanal-license-file-dist",
        "typing_extensions",
        "METADATA names only a License-File: Trivy classifies the file's text with its license \
         classifier; we read no license text, so no license",
    ),
    (
        "pip-fanal-happy",
        "annotated-types",
        "Trivy fills requirements.txt licenses from the site-packages of the Python it finds \
         on the scanning machine; the scanned project says nothing about them",
    ),
];

fn cases() -> TrivyJsonCases<'static> {
    TrivyJsonCases {
        root: common::testdata("python"),
        analyzers: python::analyzers,
        with_sibling: &[
            // Trivy's poetry and pylock analyzers read the sibling pyproject.toml.
            ("poetry", "pyproject.toml", python::poetry_with_pyproject),
            ("pylock", "pyproject.toml", python::pylock_with_pyproject),
        ],
        expected_errors: EXPECTED_ERRORS,
        known_depends_on_diffs: KNOWN_DEPENDS_ON_DIFFS,
        known_license_diffs: KNOWN_LICENSE_DIFFS,
    }
}

#[test]
fn equal_to_trivy_on_trivy_testdata() {
    cases().assert_equal_to_trivy(40);
}

#[test]
fn required_paths() {
    let a = python::analyzers();
    let wants = |p: &str| common::wanted_by(&a, p);
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
    common::bad_inputs_name_the_file(&python::analyzers(), cases);
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
    cases().assert_damaged_files_never_panic();
}
