//! Ruby analyzers against the real Trivy 0.76 on Trivy's own testdata
//! (`testdata/lang/ruby/<case>/trivy.json`, made by `testdata/lang/gen-trivy-expected.py`).

mod common;

use common::TrivyJsonCases;
use tollgate_analyze::lang::ruby;
use tollgate_analyze::Analyzer;

/// Cases where Trivy logs an error and lists nothing, and we return an `AnalyzeError`.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    (
        "bundler-Gemfile_malformed",
        "the word `malformed`, no Gemfile.lock section",
    ),
    (
        "gemspec-malformed00",
        "block variable is `spec`, assignments use `s.`: no name",
    ),
    ("gemspec-malformed01", "no version"),
    ("gemspec-fanal-empty_name", "name is \"\""),
];

/// Packages whose `depends_on` differs from Trivy's on purpose: (case, package, why).
const KNOWN_DEPENDS_ON_DIFFS: &[(&str, &str, &str)] = &[];

fn cases() -> TrivyJsonCases<'static> {
    TrivyJsonCases {
        root: common::testdata("ruby"),
        analyzers: ruby::analyzers,
        with_sibling: &[],
        expected_errors: EXPECTED_ERRORS,
        known_depends_on_diffs: KNOWN_DEPENDS_ON_DIFFS,
        known_license_diffs: &[],
    }
}

#[test]
fn equal_to_trivy_on_trivy_testdata() {
    cases().assert_equal_to_trivy(10);
}

#[test]
fn required_paths() {
    let a = ruby::analyzers();
    let wants = |p: &str| common::wanted_by(&a, p);
    assert_eq!(wants("app/Gemfile.lock"), ["bundler"]);
    assert_eq!(wants("Gemfile.lock"), ["bundler"]);
    assert_eq!(
        wants("usr/local/bundle/specifications/rake-13.0.3.gemspec"),
        ["gemspec"]
    );
    assert_eq!(
        wants("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"),
        ["gemspec"]
    );
    assert!(
        wants("specifications/x.gemspec").is_empty(),
        "Trivy wants a directory before specifications/"
    );
    assert!(wants("app/foo.gemspec").is_empty());
    assert!(wants("app/Gemfile").is_empty());
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let cases: &[(&str, &[u8])] = &[
        ("a/Gemfile.lock", b"\xff\xfe"),
        ("a/Gemfile.lock", b"{\"json\": true}"),
        (
            "x/specifications/a.gemspec",
            b"Gem::Specification.new do |s|\n  s.version = \"1\"\nend\n",
        ),
        ("x/specifications/a.gemspec", b"name = 'x'\n"),
        ("x/specifications/a.gemspec", b"\xc3\x28"),
    ];
    common::bad_inputs_name_the_file(&ruby::analyzers(), cases);
}

#[test]
fn bundler_platform_and_git_sections() {
    let lock = "GIT\n  remote: https://github.com/x/y.git\n  revision: abc\n  specs:\n    y (0.1.0)\n      rack\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.13.6-x86_64-linux)\n    rack (2.2.3)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri (~> 1.13)\n  y!\n\nBUNDLED WITH\n   2.3.7\n";
    let r = ruby::BundlerAnalyzer
        .analyze("Gemfile.lock", lock.as_bytes())
        .unwrap();
    let got: Vec<(String, String, String, Vec<String>)> = r.applications[0]
        .packages
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone(),
                p.relationship.clone(),
                p.depends_on.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("nokogiri".into(), "1.13.6".into(), "direct".into(), vec![]),
            ("rack".into(), "2.2.3".into(), "indirect".into(), vec![]),
            (
                "y".into(),
                "0.1.0".into(),
                "direct".into(),
                vec!["rack@2.2.3".to_string()]
            ),
        ]
    );
    let g = ruby::GemspecAnalyzer
        .analyze(
            "x/specifications/a.gemspec",
            b"Gem::Specification.new do |s|\n  s.name = 'a'.freeze # c\n  s.version = \"1.0\"\n  s.license = \"MIT\".freeze\nend\n",
        )
        .unwrap();
    let p = &g.applications[0].packages[0];
    assert_eq!(
        (p.name.as_str(), p.version.as_str(), p.licenses.clone()),
        ("a", "1.0", vec!["MIT".to_string()])
    );
}

/// Truncated and bit-flipped copies of every testdata file: an answer or an error, never a panic.
#[test]
fn damaged_files_never_panic() {
    cases().assert_damaged_files_never_panic();
}
