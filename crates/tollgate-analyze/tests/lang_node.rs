//! Node.js analyzers against Trivy 0.76 on Trivy's own testdata.
//!
//! `testdata/lang/node/<case>/` holds Trivy's inputs laid out as Trivy's analyzers want them
//! and what `trivy fs` / `trivy rootfs` listed for them (`gen-trivy-expected-node.py`).
//! Every (case, mode) must give Trivy's (name, version) list, except the differences listed
//! in `KNOWN_DIFFERENCES`, each with its reason; a listed difference that disappears fails too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tollgate_analyze::lang::node;
use tollgate_analyze::{Analyzer, Package};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/lang/node");

/// (case, mode, why we differ from Trivy). Modes: `fs` (default: no dev dependencies),
/// `fs-dev` (`--include-dev-deps`), `rootfs` (installed packages).
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    ("an-yarn-alias", "fs", YARN_DEV),
    ("an-yarn-happy", "fs", YARN_DEV),
    ("an-yarn-latest-version", "fs", YARN_DEV),
    ("an-yarn-monorepo", "fs", YARN_DEV),
    ("it-yarn", "fs", YARN_DEV),
];

/// Trivy's yarn post-analyzer reads the package.json next to yarn.lock to find the direct
/// dependencies and to drop packages only dev dependencies reach. Our analyzers see one file
/// at a time, so every yarn.lock package is listed (as Trivy does when there is no
/// package.json). Trivy is right. `node::yarn_with_package_json` does Trivy's marking when
/// the caller hands over those package.json files (`yarn_with_package_json_equals_trivy`);
/// the scan pipeline has no step yet that reads sibling files.
const YARN_DEV: &str = "yarn dev deps need the sibling package.json";

/// (case, mode) where names and versions agree but relationship, dev, licenses or
/// depends_on do not.
/// All come from files other than the one analysed, which Trivy's post-analyzers read:
/// licenses from `node_modules/*/package.json` (npm, pnpm, yarn) and direct/dev marking
/// from the project's `package.json` (yarn). Trivy is right; needs a cross-file step.
const KNOWN_DETAIL_DIFFERENCES: &[(&str, &str)] = &[
    ("an-npm-happy", "fs-dev"),
    ("an-pnpm-happy", "fs-dev"),
    ("an-pnpm-happy-v9", "fs-dev"),
    ("an-yarn-alias", "fs-dev"),
    ("an-yarn-happy", "fs-dev"),
    ("an-yarn-latest-version", "fs-dev"),
    ("an-yarn-monorepo", "fs-dev"),
    ("an-yarn-project-with-workspace-in-subdir", "fs-dev"),
    ("an-yarn-yarn-berry-node-modules", "fs-dev"),
    ("an-yarn-yarn-classic-licenses", "fs-dev"),
    ("an-yarn-yarn-licenses", "fs-dev"),
    ("it-npm", "fs-dev"),
    ("it-pnpm", "fs-dev"),
    ("it-yarn", "fs-dev"),
];

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
fn node_analyzers_equal_trivy() {
    let all = node::analyzers();
    let lockfile: Vec<Box<dyn Analyzer>> =
        all.into_iter().filter(|a| a.name() != "node-pkg").collect();
    let installed: Vec<Box<dyn Analyzer>> = vec![Box::new(node::NodePkgAnalyzer)];

    let mut cases: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() > 50, "testdata missing: {}", cases.len());

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
                &["npm", "yarn", "pnpm"],
                false,
            ),
            (
                "fs-dev",
                "trivy-fs-dev.json",
                &lockfile,
                &["npm", "yarn", "pnpm"],
                true,
            ),
            (
                "rootfs",
                "trivy-rootfs.json",
                &installed,
                &["node-pkg"],
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

/// `npm`, `yarn`, `pnpm`, `pkgjson`, `nodepkg` (parser testdata) or `an-npm`, `an-yarn`, ...
/// (analyzer testdata).
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
    let npm = node::NpmAnalyzer;
    assert!(npm.required("app/package-lock.json"));
    assert!(npm.required("package-lock.json"));
    assert!(!npm.required("app/node_modules/x/package-lock.json"));
    assert!(!npm.required("app/package.json"));
    let yarn = node::YarnAnalyzer;
    assert!(yarn.required("srv/yarn.lock"));
    assert!(!yarn.required("srv/node_modules/x/yarn.lock"));
    assert!(!yarn.required("srv/.yarn/cache/yarn.lock"));
    let pnpm = node::PnpmAnalyzer;
    assert!(pnpm.required("a/b/pnpm-lock.yaml"));
    assert!(!pnpm.required("a/node_modules/.pnpm/pnpm-lock.yaml"));
    let pkg = node::NodePkgAnalyzer;
    assert!(pkg.required("usr/lib/node_modules/npm/package.json"));
    assert!(pkg.required("app/package.json"));
    assert!(!pkg.required("app/package.json.bak"));
    let names: Vec<_> = node::analyzers()
        .iter()
        .map(|a| (a.name(), a.version()))
        .collect();
    assert_eq!(
        names,
        [("node-pkg", 1), ("npm", 1), ("yarn", 1), ("pnpm", 1)]
    );
}

/// Malformed files give an error that names the file and says what is wrong; nothing panics.
#[test]
fn bad_input_is_an_error_not_a_panic() {
    let npm = node::NpmAnalyzer;
    let yarn = node::YarnAnalyzer;
    let pnpm = node::PnpmAnalyzer;
    let pkg = node::NodePkgAnalyzer;
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_deps = format!(
        "{{\"lockfileVersion\":1,\"dependencies\":{}{}}}",
        "{\"a\":{\"version\":\"1\",\"dependencies\":".repeat(5_000),
        "{}}}".repeat(5_000)
    );
    let cases: Vec<(&dyn Analyzer, &str, Vec<u8>, &str)> = vec![
        (&npm, "app/package-lock.json", b"".to_vec(), "package-lock.json"),
        (&npm, "app/package-lock.json", b"{\"lockfileVersion\": 3, \"packages\": {".to_vec(), "EOF"),
        (&npm, "app/package-lock.json", b"[1, 2]".to_vec(), "invalid"),
        (&npm, "app/package-lock.json", b"{\"lockfileVersion\": \"3\"}".to_vec(), "lockfileVersion"),
        (&npm, "app/package-lock.json", b"{\"packages\": {\"node_modules/a\": {\"version\": 1}}}".to_vec(), "invalid"),
        (&npm, "app/package-lock.json", deep_json.clone().into_bytes(), "invalid package-lock.json"),
        (&npm, "app/package-lock.json", deep_deps.into_bytes(), "recursion limit"),
        (&npm, "app/package-lock.json", vec![0xff, 0xfe, 0, 1], "invalid"),
        (&yarn, "app/yarn.lock", vec![0xff, 0xfe, 0x00], "UTF-8"),
        (&yarn, "app/yarn.lock", b"\x00\x01binary".to_vec(), "binary"),
        (&yarn, "app/yarn.lock", b"<html>not a lockfile</html>\n".to_vec(), "not a yarn.lock"),
        (&pnpm, "app/pnpm-lock.yaml", b"lockfileVersion: '9.0'\npackages: [".to_vec(), "invalid pnpm-lock.yaml"),
        (&pnpm, "app/pnpm-lock.yaml", b"- just\n- a list\n".to_vec(), "not a mapping"),
        (&pnpm, "app/pnpm-lock.yaml", b"a: &a [x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n".to_vec(), "invalid pnpm-lock.yaml"),
        (&pkg, "node_modules/a/package.json", b"{\"name\": \"a\",".to_vec(), "invalid package.json"),
        (&pkg, "node_modules/a/package.json", b"{\"name\": 7, \"version\": \"1.0.0\"}".to_vec(), "invalid package.json"),
        (&pkg, "node_modules/a/package.json", deep_json.into_bytes(), "invalid package.json"),
    ];
    for (a, path, content, want) in cases {
        match a.analyze(path, &content) {
            Ok(r) => panic!(
                "{} accepted bad input {:?}: {r:?}",
                a.name(),
                String::from_utf8_lossy(&content[..content.len().min(60)])
            ),
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

/// Inputs Trivy reads without complaint and lists nothing for stay errors-free and empty.
#[test]
fn odd_but_valid_input_lists_nothing() {
    let pnpm = node::PnpmAnalyzer;
    let r = pnpm
        .analyze("pnpm-lock.yaml", b"lockfileVersion: [1]\npackages: {}\n")
        .unwrap();
    assert!(r.applications[0].packages.is_empty());
    let pkg = node::NodePkgAnalyzer;
    for body in [
        &b"{\"version\": \"1.0.0\"}"[..],
        b"{\"name\": \"x\"}",
        b"{\"name\": \"@bad/name/\", \"version\": \"1.0.0\"}",
    ] {
        let r = pkg.analyze("node_modules/x/package.json", body).unwrap();
        assert!(r.applications[0].packages.is_empty());
    }
    let yarn = node::YarnAnalyzer;
    let r = yarn
        .analyze("yarn.lock", b"# yarn lockfile v1\n\n")
        .unwrap();
    assert!(r.applications[0].packages.is_empty());
}

/// Windows line endings give the same packages.
#[test]
fn crlf_lockfiles() {
    let base = Path::new(DIR);
    for (a, case, file) in [
        (
            &node::YarnAnalyzer as &dyn Analyzer,
            "yarn-yarn_happy",
            "yarn.lock",
        ),
        (&node::YarnAnalyzer, "yarn-yarn_v2_happy", "yarn.lock"),
        (&node::PnpmAnalyzer, "pnpm-pnpm-lock_v9", "pnpm-lock.yaml"),
        (
            &node::NpmAnalyzer,
            "npm-package-lock_v3",
            "package-lock.json",
        ),
    ] {
        let lf = std::fs::read_to_string(base.join(case).join(file)).unwrap();
        let crlf = lf.replace("\r\n", "\n").replace('\n', "\r\n");
        let a1 = a.analyze(file, lf.as_bytes()).unwrap();
        let a2 = a.analyze(file, crlf.as_bytes()).unwrap();
        assert!(!a1.applications[0].packages.is_empty(), "{case}");
        assert_eq!(a1, a2, "{case}");
    }
}

/// Path-segment glob (`*`, `?`), enough for workspace patterns in the testdata.
fn seg_glob(pattern: &str, path: &str) -> bool {
    let (p, s): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    fn one(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => one(&p[1..], s) || (!s.is_empty() && one(p, &s[1..])),
            (Some(b'?'), Some(_)) => one(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => one(&p[1..], &s[1..]),
            _ => false,
        }
    }
    p.len() == s.len()
        && p.iter()
            .zip(&s)
            .all(|(a, b)| one(a.as_bytes(), b.as_bytes()))
}

/// With the sibling package.json (and its workspaces' ones) handed over, yarn's dev and
/// direct marking is Trivy's: the `fs` differences above go away.
#[test]
fn yarn_with_package_json_equals_trivy() {
    let mut compared = 0;
    let mut cases: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in &cases {
        let mut files = Vec::new();
        walk(case, case, &mut files);
        for (rel, abs) in &files {
            if !node::YarnAnalyzer.required(rel) {
                continue;
            }
            let dir = rel
                .rsplit_once('/')
                .map(|(d, _)| format!("{d}/"))
                .unwrap_or_default();
            let Some((_, root_abs)) = files
                .iter()
                .find(|(r, _)| *r == format!("{dir}package.json"))
            else {
                continue;
            };
            let root = std::fs::read(root_abs).unwrap();
            let Ok(root_json) = serde_json::from_slice::<serde_json::Value>(&root) else {
                continue; // Trivy gives up on a broken package.json too
            };
            let ws: Vec<String> = match root_json.get("workspaces") {
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                Some(serde_json::Value::Object(o)) => o
                    .get("packages")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let mut contents: Vec<(String, Vec<u8>)> = vec![(format!("{dir}package.json"), root)];
            for (r, a) in &files {
                let Some(inner) = r.strip_prefix(&dir) else {
                    continue;
                };
                let Some(pkg_dir) = inner.strip_suffix("/package.json") else {
                    continue;
                };
                let parts: Vec<&str> = pkg_dir.split('/').collect();
                let under = (1..=parts.len()).any(|n| {
                    ws.iter()
                        .any(|w| seg_glob(w.trim_end_matches('/'), &parts[..n].join("/")))
                });
                if under {
                    contents.push((r.clone(), std::fs::read(a).unwrap()));
                }
            }
            let pjs: Vec<(&str, &[u8])> = contents
                .iter()
                .map(|(p, c)| (p.as_str(), c.as_slice()))
                .collect();
            let res =
                node::yarn_with_package_json(rel, &std::fs::read(abs).unwrap(), &pjs).unwrap();
            for (file, with_dev) in [("trivy-fs-dev.json", true), ("trivy-fs.json", false)] {
                let (_, want) = expected(case, file, &["yarn"]).unwrap();
                let want: Vec<_> = want
                    .get(&("yarn".to_string(), rel.clone()))
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(n, v, r, d, _, _)| (n, v, r, d))
                    .collect();
                let mut ours: Vec<_> = res.applications[0]
                    .packages
                    .iter()
                    .filter(|p| with_dev || !p.dev)
                    .map(|p| {
                        (
                            p.name.clone(),
                            p.version.clone(),
                            p.relationship.clone(),
                            p.dev,
                        )
                    })
                    .collect();
                ours.sort();
                compared += 1;
                if ours != want {
                    failures.push(format!(
                        "{} {file}\n  trivy: {want:?}\n  ours:  {ours:?}",
                        case.display()
                    ));
                }
            }
        }
    }
    eprintln!("yarn + package.json: {compared} comparisons");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
