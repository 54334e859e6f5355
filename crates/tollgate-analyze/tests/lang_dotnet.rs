//! .NET analyzers against Trivy 0.76 on Trivy's own testdata.
//!
//! `testdata/lang/dotnet/<case>/` holds Trivy's inputs laid out as Trivy's analyzers want them
//! and what `trivy fs` / `trivy rootfs` listed for them (`gen-trivy-expected-node.py`).
//! Every (case, mode) must give Trivy's (name, version) list, except the differences listed
//! in `KNOWN_DIFFERENCES`, each with its reason; a listed difference that disappears fails too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tollgate_analyze::lang::dotnet;
use tollgate_analyze::{Analyzer, Package};

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

#[derive(serde::Deserialize)]
struct Expected {
    #[serde(default)]
    results: Vec<ExpResult>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(serde::Deserialize)]
struct ExpResult {
    target: String,
    #[serde(rename = "type")]
    kind: String,
    packages: Vec<ExpPackage>,
}

#[derive(serde::Deserialize)]
struct ExpPackage {
    name: String,
    version: String,
    relationship: String,
    dev: bool,
    file_path: String,
    licenses: Vec<String>,
    depends_on: Vec<String>,
}

/// (analyzer type, target) -> sorted (name, version, file path).
type Lists = BTreeMap<(String, String), Vec<(String, String, String)>>;
/// Same keys -> sorted (name, version, relationship, dev, licenses).
type Details =
    BTreeMap<(String, String), Vec<(String, String, String, bool, Vec<String>, Vec<String>)>>;

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if !(rel.starts_with("trivy-") && rel.ends_with(".json")) {
                out.push((rel, p));
            }
        }
    }
}

/// Trivy's lists, without the project itself (`root`) and its workspaces, which our
/// `Application` does not list as packages.
fn expected(case: &Path, file: &str, types: &[&str]) -> Option<(Lists, Details)> {
    let e: Expected =
        serde_json::from_str(&std::fs::read_to_string(case.join(file)).unwrap()).unwrap();
    if let Some(err) = e.error {
        panic!("{}: Trivy failed: {err}", case.display());
    }
    let mut out = Lists::new();
    let mut details = Details::new();
    for r in e.results {
        if !types.contains(&r.kind.as_str()) {
            continue;
        }
        let key = if r.kind == "node-pkg" {
            (r.kind, String::new())
        } else {
            (r.kind, r.target)
        };
        let list = out.entry(key.clone()).or_default();
        let det = details.entry(key).or_default();
        for p in r.packages {
            if p.relationship == "root" || p.relationship == "workspace" {
                continue;
            }
            let mut lic = p.licenses;
            lic.sort();
            det.push((
                p.name.clone(),
                p.version.clone(),
                p.relationship,
                p.dev,
                lic,
                sorted(p.depends_on),
            ));
            list.push((p.name, p.version, p.file_path));
        }
    }
    out.retain(|_, v| !v.is_empty());
    out.values_mut().for_each(|v| v.sort());
    details.retain(|_, v| !v.is_empty());
    details.values_mut().for_each(|v| v.sort());
    Some((out, details))
}

/// (mode, expectation file, analyzers, Trivy types compared, dev packages included).
type Mode<'a> = (
    &'a str,
    &'a str,
    &'a Vec<Box<dyn Analyzer>>,
    &'a [&'a str],
    bool,
);

struct Ours {
    /// Files some analyzer took.
    analyzed: usize,
    lists: Lists,
    details: Details,
    errors: Vec<String>,
}

fn run(
    analyzers: &[Box<dyn Analyzer>],
    files: &[(String, PathBuf)],
    keep: impl Fn(&Package) -> bool,
) -> Ours {
    let mut lists = Lists::new();
    let mut details = Details::new();
    let mut errors = Vec::new();
    let mut analyzed = 0;
    for (rel, abs) in files {
        for a in analyzers {
            if !a.required(rel) {
                continue;
            }
            analyzed += 1;
            let content = std::fs::read(abs).unwrap();
            match a.analyze(rel, &content) {
                Ok(res) => {
                    for app in res.applications {
                        assert_eq!(app.kind, a.name());
                        assert_eq!(app.file_path, *rel);
                        let key = if app.kind == "node-pkg" {
                            (app.kind.clone(), String::new())
                        } else {
                            (app.kind.clone(), app.file_path.clone())
                        };
                        let list = lists.entry(key.clone()).or_default();
                        let det = details.entry(key).or_default();
                        for p in app.packages.iter().filter(|p| keep(p)) {
                            list.push((p.name.clone(), p.version.clone(), p.file_path.clone()));
                            let mut lic = p.licenses.clone();
                            lic.sort();
                            det.push((
                                p.name.clone(),
                                p.version.clone(),
                                p.relationship.clone(),
                                p.dev,
                                lic,
                                sorted(p.depends_on.clone()),
                            ));
                        }
                    }
                }
                Err(e) => {
                    assert_eq!(e.path, *rel);
                    errors.push(format!("{} {e}", a.name()));
                }
            }
        }
    }
    lists.retain(|_, v| !v.is_empty());
    lists.values_mut().for_each(|v| v.sort());
    details.retain(|_, v| !v.is_empty());
    details.values_mut().for_each(|v| v.sort());
    Ours {
        analyzed,
        lists,
        details,
        errors,
    }
}

#[test]
fn dotnet_analyzers_equal_trivy() {
    // Trivy runs both analyzers in `fs` and in `rootfs` scans.
    let lockfile = dotnet::analyzers();
    let installed = dotnet::analyzers();

    let mut cases: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() > 15, "testdata missing: {}", cases.len());

    let mut differing: BTreeSet<(String, String)> = BTreeSet::new();
    let mut detail_diffs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut report = String::new();
    // "format mode" -> (cases, equal, empty on both sides)
    let mut tally: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let mut files = Vec::new();
        walk(case, case, &mut files);
        let modes: [Mode; 3] = [
            (
                "fs",
                "trivy-fs.json",
                &lockfile,
                &["dotnet-core", "nuget"],
                false,
            ),
            (
                "fs-dev",
                "trivy-fs-dev.json",
                &lockfile,
                &["dotnet-core", "nuget"],
                true,
            ),
            (
                "rootfs",
                "trivy-rootfs.json",
                &installed,
                &["dotnet-core", "nuget"],
                true,
            ),
        ];
        for (mode, file, analyzers, types, with_dev) in modes {
            let (want, want_details) = expected(case, file, types).unwrap();
            let ours = run(analyzers, &files, |p| with_dev || !p.dev);
            // An input we reject must be one Trivy lists nothing for.
            for e in &ours.errors {
                report.push_str(&format!("  [{name} {mode}] rejected: {e}\n"));
            }
            let fmt = case_format(&name);
            // Count a case in the modes whose analyzers take one of its files.
            if ours.analyzed == 0 && want.is_empty() {
                continue;
            }
            if mode != "fs" && ours.lists == want && ours.details != want_details {
                detail_diffs.insert((name.clone(), mode.to_string()));
                report.push_str(&format!(
                    "DETAIL [{name} {mode}] (relationship, dev, licenses, depends_on)\n  trivy: {want_details:?}\n  ours:  {:?}\n",
                    ours.details
                ));
            }
            let t = tally.entry(format!("{fmt} {mode}")).or_default();
            t.0 += 1;
            if want.is_empty() && ours.lists.is_empty() {
                t.2 += 1;
            }
            if ours.lists != want {
                differing.insert((name.clone(), mode.to_string()));
                report.push_str(&format!(
                    "DIFF [{name} {mode}]\n  trivy: {want:?}\n  ours:  {:?}\n",
                    ours.lists
                ));
            } else {
                t.1 += 1;
            }
        }
    }
    eprintln!("{report}");
    eprintln!("detail differences: {detail_diffs:?}");
    for (k, (n, eq, empty)) in &tally {
        eprintln!("{k}: {eq}/{n} equal ({empty} empty on both sides)");
    }
    let known: BTreeSet<(String, String)> = KNOWN_DIFFERENCES
        .iter()
        .map(|(c, m, _)| (c.to_string(), m.to_string()))
        .collect();
    let unexpected: Vec<_> = differing.difference(&known).collect();
    let vanished: Vec<_> = known.difference(&differing).collect();
    assert!(
        unexpected.is_empty(),
        "differences from Trivy not listed: {unexpected:?}"
    );
    assert!(
        vanished.is_empty(),
        "listed differences that no longer differ: {vanished:?}"
    );
    let known_details: BTreeSet<(String, String)> = KNOWN_DETAIL_DIFFERENCES
        .iter()
        .map(|(c, m)| (c.to_string(), m.to_string()))
        .collect();
    assert_eq!(
        detail_diffs, known_details,
        "relationship/dev/license differences changed"
    );
}

/// `deps`, `nugetlock`, `nugetconfig` (parser testdata) or `an-nuget`, ... (analyzer testdata).
fn case_format(name: &str) -> String {
    let mut parts = name.split('-');
    let first = parts.next().unwrap_or(name);
    match (first, parts.next()) {
        ("an" | "it", Some(second)) => format!("{first}-{second}"),
        _ => first.to_string(),
    }
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
    let names: Vec<_> = dotnet::analyzers()
        .iter()
        .map(|a| (a.name(), a.version()))
        .collect();
    assert_eq!(names, [("dotnet-core", 1), ("nuget", 1)]);
}

/// Malformed files give an error that names the file and says what is wrong; nothing panics.
#[test]
fn bad_input_is_an_error_not_a_panic() {
    let core = dotnet::DotnetCoreAnalyzer;
    let nuget = dotnet::NugetAnalyzer;
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
    ];
    for (a, path, content, want) in cases {
        match a.analyze(path, &content) {
            Ok(r) => panic!("{} accepted bad input: {r:?}", a.name()),
            Err(e) => {
                assert_eq!(e.path, path);
                let msg = e.to_string();
                assert!(msg.starts_with(path), "{msg}");
                assert!(
                    msg.contains(want),
                    "{}: {msg:?} does not say {want:?}",
                    a.name()
                );
            }
        }
    }
}

/// What each package carries besides name and version.
#[test]
fn package_fields() {
    let base = std::path::Path::new(DIR);
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
