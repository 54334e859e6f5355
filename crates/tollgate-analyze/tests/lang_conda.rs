//! Conda analyzers against the real Trivy 0.76 on Trivy's own testdata
//! (`testdata/lang/conda/<case>/trivy.json`, made by `testdata/lang/gen-trivy-expected.py`).

mod common;

use common::TrivyJsonCases;
use tollgate_analyze::lang::conda;

/// Cases where Trivy logs an error and lists nothing, and we return an `AnalyzeError`.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    ("meta-invalid_json", "not JSON"),
    ("meta-invalid_package", "no version"),
    ("meta-fanal-invalid", "not JSON"),
    ("environment-invalid", "not YAML"),
    ("environment-wrong-deps-type", "`dependencies` is a map"),
    ("environment-wrong-nested-dep-type", "a pip entry is a map"),
    ("environment-wrong-nested-type", "`pip:` holds a string"),
    ("environment-fanal-invalid", "not YAML"),
];

fn cases() -> TrivyJsonCases<'static> {
    TrivyJsonCases {
        root: common::testdata("conda"),
        analyzers: conda::analyzers,
        with_sibling: &[],
        expected_errors: EXPECTED_ERRORS,
        known_depends_on_diffs: &[],
        known_license_diffs: &[],
    }
}

#[test]
fn equal_to_trivy_on_trivy_testdata() {
    cases().assert_equal_to_trivy(15);
}

#[test]
fn required_paths() {
    let a = conda::analyzers();
    let wants = |p: &str| common::wanted_by(&a, p);
    assert_eq!(
        wants("opt/conda/envs/app/conda-meta/pip-22.2.2-py38h06a4308_0.json"),
        ["conda-pkg"]
    );
    assert!(
        wants("opt/conda/conda-meta/pip-22.2.2-py38h06a4308_0.json").is_empty(),
        "Trivy reads environments under envs/ only"
    );
    assert!(wants("opt/conda/envs/app/conda-meta/history").is_empty());
    assert_eq!(wants("proj/environment.yml"), ["conda-environment"]);
    assert_eq!(wants("environment.yaml"), ["conda-environment"]);
    assert!(wants("proj/environment.json").is_empty());
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let meta = "x/envs/e/conda-meta/a-1-b.json";
    let cases: &[(&str, &[u8])] = &[
        (meta, b"\xff\xfe"),
        (meta, b"[1, 2]"),
        (meta, b"{\"name\": \"a\"}"),
        ("environment.yml", b"dependencies: {a: 1}"),
        ("environment.yml", b"dependencies:\n  - pip: x\n"),
        ("environment.yml", b"\tnot: [yaml"),
    ];
    common::bad_inputs_name_the_file(&conda::analyzers(), cases);
}

/// Truncated and bit-flipped copies of every testdata file: an answer or an error, never a panic.
#[test]
fn damaged_files_never_panic() {
    cases().assert_damaged_files_never_panic();
}
