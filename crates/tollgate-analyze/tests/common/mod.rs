//! The harness the `lang_*` tests share: finding the fixtures under `testdata/lang/<eco>`,
//! reading what Trivy listed for them, turning Trivy's and our output into comparable rows,
//! comparing them with an explicit list of known differences, and the bad-input and
//! damaged-input loops.
//!
//! Trivy's expectations come in three shapes, each with its own comparison:
//! - one `trivy.json` per case directory, with `default` and `include_dev_deps` runs
//!   (python, ruby, php): [`TrivyJsonCases`];
//! - `trivy-fs.json`, `trivy-fs-dev.json` and `trivy-rootfs.json` per case directory
//!   (node, dotnet): [`assert_modes_equal_trivy`];
//! - `<input>.trivy.json` next to each input, (name, version, relationship) triples
//!   (go, rust): [`trivy_triples`], [`lockfiles_alone_equal_trivy`].

// Each test file includes this module and uses only its own part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use tollgate_analyze::{AnalysisResult, AnalyzeError, Analyzer, Package};

// ---------------------------------------------------------------- fixtures

/// `testdata/lang/<eco>` at the workspace root.
pub fn testdata(eco: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/lang")
        .join(eco)
}

/// Every file below `dir` as (path relative to `dir`, `/`-separated; absolute path), in
/// sorted walk order, except the relative paths `skip` names.
pub fn files_under(dir: &Path, skip: impl Fn(&str) -> bool) -> Vec<(String, PathBuf)> {
    fn walk(
        dir: &Path,
        base: &Path,
        skip: &dyn Fn(&str) -> bool,
        out: &mut Vec<(String, PathBuf)>,
    ) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, base, skip, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if !skip(&rel) {
                    out.push((rel, p));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &skip, &mut out);
    out
}

/// The entries of `root` that `keep` accepts, sorted.
pub fn case_dirs(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| keep(p))
        .collect();
    cases.sort();
    cases
}

/// The last component of a case directory.
pub fn case_name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().to_string()
}

/// `inline` inputs followed by the contents of every file directly in `dir` (Trivy's own
/// inputs, copied from its testdata), at least 9 in all.
pub fn inputs_and_files_in(mut inline: Vec<Vec<u8>>, dir: &Path) -> Vec<Vec<u8>> {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        inline.push(std::fs::read(e.path()).unwrap());
    }
    assert!(inline.len() >= 9, "Trivy's inputs are in {}", dir.display());
    inline
}

pub fn gunzip(p: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A deterministic xorshift64 sequence for the mutation loops.
pub fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

// ---------------------------------------------------------------- bad input

/// `a` rejects `content` at `path` with an error for `path` whose message starts with the
/// path and contains `want`.
pub fn assert_rejects(a: &dyn Analyzer, path: &str, content: &[u8], want: &str) {
    match a.analyze(path, content) {
        Ok(r) => panic!(
            "{} accepted bad input {:?} at {path}: {r:?}",
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

/// Each (path, content) goes to the first analyzer that wants the path, which must reject
/// it with an error naming the file.
pub fn bad_inputs_name_the_file(analyzers: &[Box<dyn Analyzer>], cases: &[(&str, &[u8])]) {
    for (path, bytes) in cases {
        let a = analyzers.iter().find(|a| a.required(path)).unwrap();
        assert_rejects(a.as_ref(), path, bytes, "");
    }
}

/// Truncated and bit-flipped copies of every file below `root` (but those `skip` names) go
/// to each analyzer that wants the file: an answer or an error, never a panic. Returns how
/// many copies were analysed.
pub fn damaged_copies_never_panic(
    root: &Path,
    analyzers: &[Box<dyn Analyzer>],
    skip: impl Fn(&str) -> bool,
) -> usize {
    let mut runs = 0;
    for (f, abs) in files_under(root, skip) {
        let bytes = std::fs::read(abs).unwrap();
        for a in analyzers.iter().filter(|a| a.required(&f)) {
            let step = (bytes.len() / 20).max(1);
            for cut in (0..bytes.len()).step_by(step) {
                let _ = a.analyze(&f, &bytes[..cut]);
                let mut flipped = bytes.clone();
                flipped[cut] ^= 0x5a;
                let _ = a.analyze(&f, &flipped);
                runs += 2;
            }
        }
    }
    runs
}

/// The names of the analyzers that want `path`, in order.
pub fn wanted_by(analyzers: &[Box<dyn Analyzer>], path: &str) -> Vec<&'static str> {
    analyzers
        .iter()
        .filter(|a| a.required(path))
        .map(|a| a.name())
        .collect()
}

// ---------------------------------------------------------------- one trivy.json per case

/// Calls an analyzer with the content of a file next to the analysed one (or `None`).
pub type WithSibling = fn(&str, &[u8], Option<&[u8]>) -> Result<AnalysisResult, AnalyzeError>;

/// Case directories under `root`, each with Trivy's `trivy.json` (runs `default` and
/// `include_dev_deps`, the latter `null` for `trivy rootfs`).
pub struct TrivyJsonCases<'a> {
    pub root: PathBuf,
    pub analyzers: fn() -> Vec<Box<dyn Analyzer>>,
    /// (analyzer name, sibling file name, call): analyzers that, like Trivy's, also read a
    /// file in the same directory.
    pub with_sibling: &'a [(&'a str, &'a str, WithSibling)],
    /// (case, why): Trivy logs an error and lists nothing, we return an `AnalyzeError`.
    pub expected_errors: &'a [(&'a str, &'a str)],
    /// (case, package, why): `depends_on` differs from Trivy's on purpose.
    pub known_depends_on_diffs: &'a [(&'a str, &'a str, &'a str)],
    /// (case, package, why): the licenses differ from Trivy's on purpose.
    pub known_license_diffs: &'a [(&'a str, &'a str, &'a str)],
}

/// (type, target or package file path, name, version, relationship, depends_on joined,
/// licenses joined).
type Row = (String, String, String, String, String, String, String);

impl TrivyJsonCases<'_> {
    fn known_dep_diff(&self, case: &str, name: &str) -> bool {
        self.known_depends_on_diffs
            .iter()
            .any(|(c, n, _)| *c == case && *n == name)
    }

    fn license_cell(&self, case: &str, name: &str, licenses: Vec<&str>) -> String {
        if self
            .known_license_diffs
            .iter()
            .any(|(c, n, _)| *c == case && *n == name)
        {
            "(known difference)".to_string()
        } else {
            licenses.join(",")
        }
    }

    fn deps_cell(&self, case: &str, name: &str, mut deps: Vec<&str>) -> String {
        deps.sort();
        if self.known_dep_diff(case, name) {
            "(known difference)".to_string()
        } else {
            deps.join(",")
        }
    }

    /// Runs every analyzer that wants a file of the case, the way the walker would.
    fn run_case(&self, dir: &Path) -> Vec<Result<AnalysisResult, AnalyzeError>> {
        let files = files_under(dir, |f| f == "trivy.json");
        let analyzers = (self.analyzers)();
        let mut out = Vec::new();
        for (f, abs) in &files {
            let bytes = std::fs::read(abs).unwrap();
            for a in analyzers.iter().filter(|a| a.required(f)) {
                match self.with_sibling.iter().find(|(n, _, _)| *n == a.name()) {
                    Some((_, sibling, call)) => {
                        let s = std::fs::read(abs.with_file_name(sibling)).ok();
                        out.push(call(f, &bytes, s.as_deref()));
                    }
                    None => out.push(a.analyze(f, &bytes)),
                }
            }
        }
        out
    }

    fn ours(&self, case: &str, results: &[AnalysisResult], include_dev: bool) -> BTreeSet<Row> {
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
                    let deps = p
                        .depends_on
                        .iter()
                        .filter(|d| kept.contains(*d))
                        .map(String::as_str)
                        .collect();
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
                        self.deps_cell(case, &p.name, deps),
                        self.license_cell(
                            case,
                            &p.name,
                            p.licenses.iter().map(String::as_str).collect(),
                        ),
                    ));
                }
            }
        }
        s
    }

    fn trivy(&self, case: &str, v: &serde_json::Value) -> BTreeSet<Row> {
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
                let deps = p["DependsOn"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| d.as_str().unwrap())
                    .collect();
                s.insert((
                    r["Type"].as_str().unwrap().to_string(),
                    target.to_string(),
                    name.to_string(),
                    p["Version"].as_str().unwrap_or("").to_string(),
                    p["Relationship"].as_str().unwrap_or("").to_string(),
                    self.deps_cell(case, name, deps),
                    self.license_cell(
                        case,
                        name,
                        p["Licenses"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|l| l.as_str())
                            .collect(),
                    ),
                ));
            }
        }
        s
    }

    /// At least `min_cases` cases; in each, an error exactly where `expected_errors` says,
    /// and in both runs the same rows as Trivy.
    pub fn assert_equal_to_trivy(&self, min_cases: usize) {
        let cases = case_dirs(&self.root, |p| p.join("trivy.json").exists());
        assert!(
            cases.len() >= min_cases,
            "testdata missing: {}",
            cases.len()
        );
        let mut failures = Vec::new();
        for dir in &cases {
            let name = case_name(dir);
            let expected: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join("trivy.json")).unwrap()).unwrap();
            let (ok, errs): (Vec<_>, Vec<_>) =
                self.run_case(dir).into_iter().partition(|r| r.is_ok());
            let ok: Vec<AnalysisResult> = ok.into_iter().map(Result::unwrap).collect();
            let errs: Vec<String> = errs
                .into_iter()
                .map(|e| e.unwrap_err().to_string())
                .collect();
            let want_err = self.expected_errors.iter().any(|(c, _)| *c == name);
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
                let want = self.trivy(&name, e);
                let got = self.ours(&name, &ok, dev);
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

    /// [`damaged_copies_never_panic`] on every input of every case.
    pub fn assert_damaged_files_never_panic(&self) {
        let runs = damaged_copies_never_panic(&self.root, &(self.analyzers)(), |f| {
            f.ends_with("trivy.json")
        });
        assert!(runs > 100, "{runs}");
    }
}

// ---------------------------------------------------------------- trivy fs / fs-dev / rootfs

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
pub type Lists = BTreeMap<(String, String), Vec<(String, String, String)>>;
/// Same keys -> sorted (name, version, relationship, dev, licenses, depends_on).
pub type Details =
    BTreeMap<(String, String), Vec<(String, String, String, bool, Vec<String>, Vec<String>)>>;

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Installed packages (`node-pkg`) are one list per scan; the others one per lockfile.
fn list_key(kind: String, target: String) -> (String, String) {
    if kind == "node-pkg" {
        (kind, String::new())
    } else {
        (kind, target)
    }
}

fn sort_and_drop_empty<T: Ord>(m: &mut BTreeMap<(String, String), Vec<T>>) {
    m.retain(|_, v| !v.is_empty());
    m.values_mut().for_each(|v| v.sort());
}

/// The inputs of a case: every file but Trivy's `trivy-<mode>.json` expectations.
pub fn mode_case_files(case: &Path) -> Vec<(String, PathBuf)> {
    files_under(case, |rel| {
        rel.starts_with("trivy-") && rel.ends_with(".json")
    })
}

/// Trivy's lists in `case/file` for `types`, without the project itself (`root`) and its
/// workspaces, which our `Application` does not list as packages.
pub fn trivy_lists(case: &Path, file: &str, types: &[&str]) -> (Lists, Details) {
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
        let key = list_key(r.kind, r.target);
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
    sort_and_drop_empty(&mut out);
    sort_and_drop_empty(&mut details);
    (out, details)
}

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
                        let key = list_key(app.kind.clone(), app.file_path.clone());
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
    sort_and_drop_empty(&mut lists);
    sort_and_drop_empty(&mut details);
    Ours {
        analyzed,
        lists,
        details,
        errors,
    }
}

/// One Trivy run to compare with: `trivy-<name>.json`, made by these analyzers, compared on
/// these Trivy types, with or without dev packages.
pub struct Mode<'a> {
    pub name: &'static str,
    pub analyzers: &'a [Box<dyn Analyzer>],
    pub types: &'a [&'a str],
    pub with_dev: bool,
}

/// `fs` (default: no dev dependencies) and `fs-dev` (`--include-dev-deps`) with the lockfile
/// analyzers, `rootfs` (installed packages) with the installed-package ones.
pub fn fs_and_rootfs_modes<'a>(
    lockfile: &'a [Box<dyn Analyzer>],
    lockfile_types: &'a [&'a str],
    installed: &'a [Box<dyn Analyzer>],
    installed_types: &'a [&'a str],
) -> [Mode<'a>; 3] {
    [
        Mode {
            name: "fs",
            analyzers: lockfile,
            types: lockfile_types,
            with_dev: false,
        },
        Mode {
            name: "fs-dev",
            analyzers: lockfile,
            types: lockfile_types,
            with_dev: true,
        },
        Mode {
            name: "rootfs",
            analyzers: installed,
            types: installed_types,
            with_dev: true,
        },
    ]
}

/// `npm`, `deps`, ... (parser testdata) or `an-npm`, `it-yarn`, ... (analyzer and
/// integration testdata): the first part of a case name, two for `an-` and `it-`.
fn case_format(name: &str) -> String {
    let mut parts = name.split('-');
    let first = parts.next().unwrap_or(name);
    match (first, parts.next()) {
        ("an" | "it", Some(second)) => format!("{first}-{second}"),
        _ => first.to_string(),
    }
}

/// Every case directory under `dir` (at least `min_cases`), in every mode whose analyzers
/// take one of its files or where Trivy lists something, gives Trivy's (name, version, file
/// path) lists, except the (case, mode, why) in `known_differences`; and where the lists are
/// equal, Trivy's relationship, dev, licenses and depends_on, except the (case, mode) in
/// `known_detail_differences` (not compared in `fs`). A listed difference that disappears
/// fails too.
pub fn assert_modes_equal_trivy(
    dir: &Path,
    min_cases: usize,
    modes: &[Mode],
    known_differences: &[(&str, &str, &str)],
    known_detail_differences: &[(&str, &str)],
) {
    let cases = case_dirs(dir, |p| p.is_dir());
    assert!(
        cases.len() >= min_cases,
        "testdata missing: {}",
        cases.len()
    );

    let mut differing: BTreeSet<(String, String)> = BTreeSet::new();
    let mut detail_diffs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut report = String::new();
    // "format mode" -> (cases, equal, empty on both sides)
    let mut tally: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    for case in &cases {
        let name = case_name(case);
        let files = mode_case_files(case);
        for m in modes {
            let mode = m.name;
            let (want, want_details) = trivy_lists(case, &format!("trivy-{mode}.json"), m.types);
            let ours = run(m.analyzers, &files, |p| m.with_dev || !p.dev);
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
    let known: BTreeSet<(String, String)> = known_differences
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
    let known_details: BTreeSet<(String, String)> = known_detail_differences
        .iter()
        .map(|(c, m)| (c.to_string(), m.to_string()))
        .collect();
    assert_eq!(
        detail_diffs, known_details,
        "relationship/dev/license differences changed"
    );
}

// ---------------------------------------------------------------- <input>.trivy.json triples

/// (name, version, relationship).
pub type Triple = (String, String, String);

/// Trivy's (name, version, relationship) list for an input, run `key` of
/// `<input>.trivy.json` (`alone`: the file by itself), or None when Trivy reported nothing.
pub fn trivy_triples(input: &Path, key: &str) -> Option<Vec<Triple>> {
    let p = PathBuf::from(format!("{}.trivy.json", input.display()));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    let pk = v[key]["packages"].as_array()?;
    let mut out: Vec<Triple> = pk
        .iter()
        .map(|t| {
            let s = |i: usize| t[i].as_str().unwrap().to_string();
            (s(0), s(1), s(2))
        })
        .collect();
    out.sort();
    Some(out)
}

/// Our (name, version, relationship) list: the first application's, or None without one.
pub fn triples(r: &AnalysisResult) -> Option<Vec<Triple>> {
    let app = r.applications.first()?;
    let mut out: Vec<Triple> = app
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.relationship.clone()))
        .collect();
    out.sort();
    Some(out)
}

/// For every case directory under `dir` holding `file`: `a` on that file alone gives Trivy's
/// `alone` list; where Trivy logged a parse error and reported nothing, we report nothing or
/// say what is wrong. Returns how many cases were compared.
pub fn lockfiles_alone_equal_trivy(dir: &Path, file: &str, a: &dyn Analyzer) -> usize {
    let mut compared = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let case = e.unwrap().path();
        let input = case.join(file);
        if !input.exists() {
            continue;
        }
        let want = trivy_triples(&input, "alone");
        let got = a.analyze(file, &std::fs::read(&input).unwrap());
        match (&want, got) {
            (None, Err(_)) => {}
            (None, Ok(r)) => assert!(r.applications.is_empty(), "{}", case.display()),
            (Some(w), Ok(r)) => assert_eq!(triples(&r).as_ref(), Some(w), "{}", case.display()),
            (Some(_), Err(e)) => panic!("{}: {e}", case.display()),
        }
        compared += 1;
    }
    compared
}
