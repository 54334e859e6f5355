//! .NET analyzers against Trivy 0.76 on Trivy's own testdata.
//!
//! `testdata/lang/dotnet/<case>/` holds Trivy's inputs laid out as Trivy's analyzers want them
//! and what `trivy fs` / `trivy rootfs` listed for them (`gen-trivy-expected-node.py`).
//! Every (case, mode) must give Trivy's (name, version) list, except the differences listed
//! in `KNOWN_DIFFERENCES`, each with its reason; a listed difference that disappears fails too.

mod common;

use std::path::Path;

use tollgate_analyze::lang::dotnet;
use tollgate_analyze::Analyzer;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/lang/dotnet");

/// (case, mode, why we differ from Trivy). Modes: `fs` (default: no dev dependencies),
/// `fs-dev` (`--include-dev-deps`), `rootfs` (installed packages).
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    // Trivy lists the app's own projects (type `project` in .deps.json) as packages. Where
    // it can tell the root it marks it `root` (and sub-projects `workspace`), which we leave
    // out like every root; here two projects are both candidates for root, so Trivy lists
    // Web/1.0.0 and Worker/1.0.0 with no relationship. They are the app's own code, not
    // NuGet packages, so we do not list them; Trivy's listing is harmless but not useful.
    (
        "deps-ambiguous-root_deps",
        "fs",
        "own projects are not packages",
    ),
    (
        "deps-ambiguous-root_deps",
        "fs-dev",
        "own projects are not packages",
    ),
    (
        "deps-ambiguous-root_deps",
        "rootfs",
        "own projects are not packages",
    ),
];

/// (case, mode) where names and versions agree but relationship, dev, licenses or
/// depends_on do not.
const KNOWN_DETAIL_DIFFERENCES: &[(&str, &str)] = &[];

#[test]
fn dotnet_analyzers_equal_trivy() {
    // Trivy runs both analyzers in `fs` and in `rootfs` scans.
    let lockfile = dotnet::analyzers();
    let installed = dotnet::analyzers();

    let types = ["dotnet-core", "nuget", "packages-props"];
    common::assert_modes_equal_trivy(
        Path::new(DIR),
        16,
        &common::fs_and_rootfs_modes(&lockfile, &types, &installed, &types),
        KNOWN_DIFFERENCES,
        KNOWN_DETAIL_DIFFERENCES,
    );
}

#[test]
fn required_rules_follow_trivy() {
    let core = dotnet::DotnetCoreAnalyzer;
    assert!(core.required("app/MyApp.deps.json"));
    assert!(core.required(
        "usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json"
    ));
    assert!(!core.required("app/MyApp.runtimeconfig.json"));
    assert!(!core.required("app/deps.json.bak"));
    let nuget = dotnet::NugetAnalyzer;
    assert!(nuget.required("src/App/packages.lock.json"));
    assert!(nuget.required("src/App/packages.config"));
    assert!(!nuget.required("src/App/Packages.props"));
    let props = dotnet::PackagesPropsAnalyzer;
    assert!(props.required("src/Directory.Packages.props"));
    assert!(props.required("src/packages.props"));
    assert!(props.required("src/Tools.PACKAGES.PROPS"));
    assert!(!props.required("src/Directory.Build.props"));
    let names: Vec<_> = dotnet::analyzers()
        .iter()
        .map(|a| (a.name(), a.version()))
        .collect();
    assert_eq!(
        names,
        [("dotnet-core", 1), ("nuget", 1), ("packages-props", 1)]
    );
}

/// Malformed files give an error that names the file and says what is wrong; nothing panics.
#[test]
fn bad_input_is_an_error_not_a_panic() {
    let core = dotnet::DotnetCoreAnalyzer;
    let nuget = dotnet::NugetAnalyzer;
    let props = dotnet::PackagesPropsAnalyzer;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_xml = format!(
        "<packages>{}{}</packages>",
        "<a>".repeat(100_000),
        "</a>".repeat(99_999)
    );
    let cases: Vec<(&dyn Analyzer, &str, Vec<u8>, &str)> = vec![
        (&core, "app/a.deps.json", b"".to_vec(), "invalid .deps.json"),
        (
            &core,
            "app/a.deps.json",
            b"{\"libraries\": {\"A/1.0\": ".to_vec(),
            "invalid .deps.json",
        ),
        (
            &core,
            "app/a.deps.json",
            b"{\"libraries\": []}".to_vec(),
            "invalid .deps.json",
        ),
        (
            &core,
            "app/a.deps.json",
            deep.clone().into_bytes(),
            "invalid .deps.json",
        ),
        (
            &nuget,
            "app/packages.lock.json",
            b"{\"dependencies\": 5}".to_vec(),
            "invalid packages.lock.json",
        ),
        (
            &nuget,
            "app/packages.lock.json",
            deep.into_bytes(),
            "invalid packages.lock.json",
        ),
        (
            &nuget,
            "app/packages.config",
            b"<packages><package id=\"a\" version=\"1\">".to_vec(),
            "unexpected end of file",
        ),
        (
            &nuget,
            "app/packages.config",
            b"<configuration/>".to_vec(),
            "expected element <packages>",
        ),
        (
            &nuget,
            "app/packages.config",
            b"not xml at all".to_vec(),
            "no <packages> element",
        ),
        (
            &nuget,
            "app/packages.config",
            b"<packages><package id=\"a\"></pkg></packages>".to_vec(),
            "invalid packages.config",
        ),
        (
            &nuget,
            "app/packages.config",
            b"<packages><package id=\"a\" developmentDependency=\"maybe\"/></packages>".to_vec(),
            "not a boolean",
        ),
        (
            &nuget,
            "app/packages.config",
            deep_xml.into_bytes(),
            "ill-formed document",
        ),
        (
            &props,
            "Directory.Packages.props",
            b"<Project><ItemGroup><PackageVersion Include=\"a\" Version=\"1\">".to_vec(),
            "unexpected end of file",
        ),
        (
            &props,
            "Directory.Packages.props",
            b"<Packages/>".to_vec(),
            "expected element <Project>",
        ),
        (
            &props,
            "Directory.Packages.props",
            b"\xff\xfe<".to_vec(),
            "invalid packages.props",
        ),
    ];
    for (a, path, content, want) in cases {
        common::assert_rejects(a, path, &content, want);
    }
}

/// What each package carries besides name and version.
#[test]
fn package_fields() {
    let base = Path::new(DIR);
    let core = dotnet::DotnetCoreAnalyzer;
    let r = core
        .analyze(
            "app/without-runtime.deps.json",
            &std::fs::read(base.join("deps-without-runtime_deps/without-runtime.deps.json"))
                .unwrap(),
        )
        .unwrap();
    let app = &r.applications[0];
    assert_eq!(
        (app.kind.as_str(), app.file_path.as_str()),
        ("dotnet-core", "app/without-runtime.deps.json")
    );
    let j = app
        .packages
        .iter()
        .find(|p| p.name == "JsonDiffPatch")
        .unwrap();
    assert_eq!(
        (j.version.as_str(), j.relationship.as_str()),
        ("2.0.61", "direct")
    );
    assert!(
        j.depends_on.is_empty(),
        "Microsoft.NETCore.App/1.1.2 has no assets and is not listed"
    );
    let d = r.applications[0]
        .packages
        .iter()
        .find(|p| p.name == "Libuv")
        .unwrap();
    assert_eq!(d.relationship, "indirect");
    let nuget = dotnet::NugetAnalyzer;
    let r = nuget
        .analyze(
            "packages.config",
            &std::fs::read(base.join("nugetconfig-dev_dependency/packages.config")).unwrap(),
        )
        .unwrap();
    let names: Vec<_> = r.applications[0]
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(
        names,
        [("Newtonsoft.Json", "8.0.3")],
        "developmentDependency packages are left out"
    );
}
