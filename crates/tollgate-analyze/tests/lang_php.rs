//! PHP analyzers against the real Trivy 0.76 on Trivy's own testdata
//! (`testdata/lang/php/<case>/trivy.json`, made by `testdata/lang/gen-trivy-expected.py`).

mod common;

use common::TrivyJsonCases;
use tollgate_analyze::lang::php;
use tollgate_analyze::Analyzer;

/// Cases where Trivy logs an error and lists nothing, and we return an `AnalyzeError`.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    ("composer-fanal-sad", "composer.lock is `{`: truncated JSON"),
    (
        "composer-vendor-fanal-sad",
        "installed.json is `{`: truncated JSON",
    ),
];

/// Packages whose `depends_on` differs from Trivy's on purpose: (case, package, why).
const KNOWN_DEPENDS_ON_DIFFS: &[(&str, &str, &str)] = &[];

fn cases() -> TrivyJsonCases<'static> {
    TrivyJsonCases {
        root: common::testdata("php"),
        analyzers: php::analyzers,
        with_sibling: &[
            // Trivy's composer analyzer reads the sibling composer.json.
            ("composer", "composer.json", php::composer_with_json),
        ],
        expected_errors: EXPECTED_ERRORS,
        known_depends_on_diffs: KNOWN_DEPENDS_ON_DIFFS,
        known_license_diffs: &[],
    }
}

#[test]
fn equal_to_trivy_on_trivy_testdata() {
    cases().assert_equal_to_trivy(8);
}

#[test]
fn required_paths() {
    let a = php::analyzers();
    let wants = |p: &str| common::wanted_by(&a, p);
    assert_eq!(wants("app/composer.lock"), ["composer"]);
    assert_eq!(wants("composer.lock"), ["composer"]);
    assert_eq!(
        wants("var/www/vendor/composer/installed.json"),
        ["composer-vendor"]
    );
    assert!(wants("app/composer.json").is_empty());
    assert!(wants("app/installed.json").is_empty());
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let cases: &[(&str, &[u8])] = &[
        ("a/composer.lock", b"{"),
        ("a/composer.lock", b"{\"packages\": [{\"version\": \"1\"}]}"),
        ("a/composer.lock", b"\xff\xfe"),
        ("a/vendor/composer/installed.json", b"{\"packages\": 3}"),
        ("a/vendor/composer/installed.json", b"[1, 2"),
    ];
    common::bad_inputs_name_the_file(&php::analyzers(), cases);
}

#[test]
fn composer_v1_installed_json_and_string_license() {
    let v1 = br#"[{"name": "a/b", "version": "1.0.0", "license": "MIT", "require": {"php": ">=7", "c/d": "^2"}},
                  {"name": "c/d", "version": "v2.1.0"}]"#;
    let r = php::ComposerVendorAnalyzer
        .analyze("vendor/composer/installed.json", v1)
        .unwrap();
    let p = &r.applications[0].packages;
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].licenses, ["MIT"]);
    assert_eq!(p[0].depends_on, ["c/d@v2.1.0"]);
    assert_eq!(r.applications[0].kind, "composer-vendor");
}

#[test]
fn license_strings_are_split_like_trivy() {
    assert_eq!(
        tollgate_analyze::license::split("MIT or BSD-2-Clause"),
        ["MIT", "BSD-2-Clause"]
    );
    assert_eq!(
        tollgate_analyze::license::split("GPL-2.0 and MIT, Apache-2.0"),
        ["GPL-2.0", "MIT", "Apache-2.0"]
    );
    assert_eq!(
        tollgate_analyze::license::split("LGPL, version 2.1"),
        ["LGPL, version 2.1"]
    );
    assert_eq!(tollgate_analyze::license::split("Oracle"), ["Oracle"]);
    assert!(tollgate_analyze::license::split("").is_empty());
    // Trivy 0.76 prints these whole, as `text://...`.
    assert_eq!(
        tollgate_analyze::license::split("MIT or Apache 2.0; see http://example.com"),
        ["text://MIT or Apache 2.0; see http://example.com"]
    );
}

/// Truncated and bit-flipped copies of every testdata file: an answer or an error, never a panic.
#[test]
fn damaged_files_never_panic() {
    cases().assert_damaged_files_never_panic();
}
