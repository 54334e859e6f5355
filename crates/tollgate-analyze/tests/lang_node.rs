//! Node.js analyzers against Trivy 0.76 on Trivy's own testdata.
//!
//! `testdata/lang/node/<case>/` holds Trivy's inputs laid out as Trivy's analyzers want them
//! and what `trivy fs` / `trivy rootfs` listed for them (`gen-trivy-expected-node.py`).
//! Every (case, mode) must give Trivy's (name, version) list, except the differences listed
//! in `KNOWN_DIFFERENCES`, each with its reason; a listed difference that disappears fails too.

mod common;

use std::path::Path;

use tollgate_analyze::lang::node;
use tollgate_analyze::Analyzer;

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
    ("an-bun-happy", "fs-dev"),
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

#[test]
fn node_analyzers_equal_trivy() {
    let all = node::analyzers();
    let lockfile: Vec<Box<dyn Analyzer>> =
        all.into_iter().filter(|a| a.name() != "node-pkg").collect();
    let installed: Vec<Box<dyn Analyzer>> = vec![Box::new(node::NodePkgAnalyzer)];

    let lock_types = ["npm", "yarn", "pnpm", "bun"];
    common::assert_modes_equal_trivy(
        Path::new(DIR),
        51,
        &common::fs_and_rootfs_modes(&lockfile, &lock_types, &installed, &["node-pkg"]),
        KNOWN_DIFFERENCES,
        KNOWN_DETAIL_DIFFERENCES,
    );
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
        [
            ("node-pkg", 2),
            ("npm", 2),
            ("yarn", 1),
            ("pnpm", 1),
            ("bun", 1)
        ]
    );
}

/// Malformed files give an error that names the file and says what is wrong; nothing panics.
#[test]
fn bad_input_is_an_error_not_a_panic() {
    let npm = node::NpmAnalyzer;
    let yarn = node::YarnAnalyzer;
    let pnpm = node::PnpmAnalyzer;
    let pkg = node::NodePkgAnalyzer;
    let bun = node::BunAnalyzer;
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_deps = format!(
        "{{\"lockfileVersion\":1,\"dependencies\":{}{}}}",
        "{\"a\":{\"version\":\"1\",\"dependencies\":".repeat(5_000),
        "{}}}".repeat(5_000)
    );
    let cases: Vec<(&dyn Analyzer, &str, Vec<u8>, &str)> = vec![
        (&bun, "app/bun.lock", b"{\"packages\": {\"a\": [1]}}".to_vec(), "not a string"),
        (
            &bun,
            "app/bun.lock",
            b"{\"packages\": {\"a\": [\"a@1\", \"\"]}}".to_vec(),
            "not an object",
        ),
        (&bun, "app/bun.lock", b"{\"packages\": ".to_vec(), "invalid bun.lock"),
        (&bun, "app/bun.lock", deep_json.clone().into_bytes(), "invalid bun.lock"),
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
        common::assert_rejects(a, path, &content, want);
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
    let mut failures = Vec::new();
    for case in &common::case_dirs(Path::new(DIR), |p| p.is_dir()) {
        let files = common::mode_case_files(case);
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
                let (_, want) = common::trivy_lists(case, file, &["yarn"]);
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
