//! Runs every case of the public version test vectors in `testdata/version-vectors`.

use std::cmp::Ordering;
use std::path::PathBuf;

use tollgate_version::{
    apk, composer, dpkg, maven, nuget, pep440, rpm, rubygems, scheme_for_ecosystem, semver, Scheme,
};

fn read(rel: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "testdata",
        "version-vectors",
        rel,
    ]
    .iter()
    .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Counts of one vector file; `finish` prints them and asserts every case passed.
struct Tally {
    file: &'static str,
    checked: usize,
    failures: Vec<String>,
}

impl Tally {
    fn new(file: &'static str) -> Self {
        Tally {
            file,
            checked: 0,
            failures: Vec::new(),
        }
    }

    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checked += 1;
        if !ok {
            self.failures.push(what());
        }
    }

    fn finish(self) {
        let passed = self.checked - self.failures.len();
        eprintln!(
            "{}: {} cases checked, {} passed, {} failed",
            self.file,
            self.checked,
            passed,
            self.failures.len()
        );
        for f in self.failures.iter().take(20) {
            eprintln!("  FAIL {f}");
        }
        assert!(self.checked > 0, "{}: no cases found", self.file);
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} cases failed (first shown above)",
            self.file,
            self.failures.len(),
            self.checked
        );
    }
}

fn sym(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

// ---- apk-tools `apk vertest` format (test/unit/version.data) ----

/// One line of apk's vertest input, judged the way `app_vertest.c` judges it.
fn apk_vertest_line(line: &str) -> Option<bool> {
    // Everything from the first '#' is a comment; then trim.
    let line = line.split('#').next().unwrap_or("").trim();
    if line.is_empty() {
        return None;
    }
    let mut parts = line.splitn(3, ' ');
    let (v1, op, v2) = (parts.next(), parts.next(), parts.next());
    let ok = match (v1, op, v2) {
        (Some(v1), Some(op), Some(v2)) => {
            let (invert, op) = match op.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, op),
            };
            // apk_version_result_mask_blob: '<' '>' '=' bits, '~' = fuzzy|equal.
            let (mut less, mut equal, mut greater, mut fuzzy) = (false, false, false, false);
            let mut known = true;
            for c in op.chars() {
                match c {
                    '<' => less = true,
                    '>' => greater = true,
                    '=' => equal = true,
                    '~' => {
                        fuzzy = true;
                        equal = true
                    }
                    _ => known = false,
                }
            }
            let r = if fuzzy {
                apk::compare_fuzzy(v1, v2)
            } else {
                apk::compare(v1, v2)
            };
            let ok = known
                && match r {
                    Ordering::Less => less,
                    Ordering::Equal => equal,
                    Ordering::Greater => greater,
                };
            ok != invert
        }
        _ => match line.strip_prefix('!') {
            Some(v) => !apk::is_valid(v),
            None => apk::is_valid(line),
        },
    };
    Some(ok)
}

fn run_apk_vertest(file: &'static str) {
    let text = read(file);
    let mut t = Tally::new(file);
    for (n, line) in text.lines().enumerate() {
        if let Some(ok) = apk_vertest_line(line) {
            t.check(ok, || format!("line {}: {line}", n + 1));
        }
    }
    t.finish();
}

#[test]
fn apk_tools_version_data() {
    run_apk_vertest("apk-tools_version.data");
}

#[test]
fn go_apk_version_data() {
    run_apk_vertest("go-apk-version_version.data");
}

// ---- osv-scalibr `a op b` files, checked both ways like its compare_test.go ----

/// The `a op b` cases of an osv-scalibr file, with line numbers and wanted order.
fn osv_cases(file: &str) -> Vec<(usize, String, [String; 3], Ordering)> {
    let text = read(file);
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with("# ") || line.starts_with("// ") {
            continue;
        }
        let p: Vec<&str> = line.split(' ').collect();
        assert_eq!(p.len(), 3, "{file} line {}: malformed {line:?}", n + 1);
        let want = match p[1] {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            op => panic!("{file} line {}: unknown operator {op}", n + 1),
        };
        let p = [p[0].to_string(), p[1].to_string(), p[2].to_string()];
        out.push((n + 1, line.to_string(), p, want));
    }
    out
}

fn run_osv(file: &'static str, cmp: fn(&str, &str) -> Ordering) {
    let mut t = Tally::new(file);
    for (n, line, p, want) in osv_cases(file) {
        let fwd = cmp(&p[0], &p[2]);
        let rev = cmp(&p[2], &p[0]);
        t.check(fwd == want && rev == want.reverse(), || {
            format!(
                "line {n}: {line}  (got {} forward, {} reversed)",
                sym(fwd),
                sym(rev)
            )
        });
    }
    t.finish();
}

fn agrees(cmp: fn(&str, &str) -> Ordering, p: &[String; 3], want: Ordering) -> bool {
    cmp(&p[0], &p[2]) == want && cmp(&p[2], &p[0]) == want.reverse()
}

/// osv-scalibr's Alpine files were labelled by apk-tools 2 (the generated one by `apk version -t`
/// in alpine:3.10), and apk-tools 3 orders some versions differently. Every case must agree with
/// apk-tools 3 (`apk::compare`), except the lines pinned here, which must instead agree with
/// apk-tools 2 (`apk::compare_v2`); all of them involve versions apk-tools 3 calls invalid.
fn run_osv_apk(file: &'static str, apk2_only: &[usize]) {
    let mut t = Tally::new(file);
    let mut diverged = Vec::new();
    for (n, line, p, want) in osv_cases(file) {
        let ok3 = agrees(apk::compare, &p, want);
        let ok2 = agrees(apk::compare_v2, &p, want);
        if !ok3 && ok2 {
            diverged.push(n);
        }
        let pinned = apk2_only.contains(&n);
        t.check(if pinned { ok2 && !ok3 } else { ok3 }, || {
            format!(
                "line {n}: {line}  (apk3 {}, apk2 {}, pinned as apk2-only: {pinned})",
                sym(apk::compare(&p[0], &p[2])),
                sym(apk::compare_v2(&p[0], &p[2])),
            )
        });
    }
    eprintln!(
        "{file}: {} of the cases hold for apk-tools 2 but not apk-tools 3 (lines {:?})",
        diverged.len(),
        diverged
    );
    assert_eq!(diverged, apk2_only, "{file}: apk2-only lines changed");
    t.finish();
}

#[test]
fn osv_alpine() {
    // 1-r = 1-r0; 0..1..0 < 0..1..1 and the other `..`/`.r` lines; 6.6.2p1 < 6.6.2p2;
    // 1-r0-1 = 1-r-2; .2 > .1; a < b; c > b.
    let apk2_only = [2, 16, 17, 18, 19, 21, 22, 34, 43, 64, 65, 66];
    run_osv_apk("osv-scalibr/alpine-versions.txt", &apk2_only);
}

#[test]
fn osv_alpine_generated() {
    // All `<digits><letter><digits>-rN` versions, e.g. 6.0.2p1-r0 < 6.0.2p1-r1: apk-tools 3 stops
    // at the digit after the letter and calls them equal.
    let apk2_only = APK2_ONLY_GENERATED;
    run_osv_apk("osv-scalibr/alpine-versions-generated.txt", apk2_only);
}

const APK2_ONLY_GENERATED: &[usize] = &[
    6912, 12657, 12658, 12661, 12662, 12663, 12665, 12666, 12667, 12669, 12670, 12671, 12672,
    12673, 12674, 12675, 12676, 12678, 12679, 12680, 12681, 12683, 12684, 12686, 12687, 12688,
    12690, 12692, 12694, 13398, 13399, 13400,
];

/// go-apk-version's copy predates apk-tools 3 additions; it must hold for apk-tools 2 as well.
#[test]
fn go_apk_version_data_apk2() {
    let file = "go-apk-version_version.data";
    let text = read(file);
    let mut t = Tally::new("go-apk-version_version.data (apk-tools 2 order)");
    for (n, line) in text.lines().enumerate() {
        let l = line.split('#').next().unwrap_or("").trim();
        let p: Vec<&str> = l.split(' ').collect();
        if p.len() != 3 {
            continue;
        }
        let want = match p[1] {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            op => panic!("{file} line {}: unknown operator {op}", n + 1),
        };
        let got = apk::compare_v2(p[0], p[2]);
        t.check(got == want, || {
            format!("line {}: {l} (got {})", n + 1, sym(got))
        });
    }
    t.finish();
}

#[test]
fn osv_debian() {
    run_osv("osv-scalibr/debian-versions.txt", dpkg::compare);
}

#[test]
fn osv_debian_generated() {
    run_osv("osv-scalibr/debian-versions-generated.txt", dpkg::compare);
}

#[test]
fn osv_redhat() {
    run_osv("osv-scalibr/redhat-versions.txt", rpm::compare_evr);
}

// ---- dpkg ----

#[test]
fn dpkg_oracle_pairs() {
    let file = "dpkg_oracle_pairs.tsv";
    let text = read(file);
    let mut t = Tally::new(file);
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let p: Vec<&str> = line.split('\t').collect();
        assert_eq!(p.len(), 4, "{file} line {}: malformed {line:?}", n + 1);
        let want = match p[3] {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            r => panic!("{file} line {}: unknown result {r}", n + 1),
        };
        let fwd = dpkg::compare(p[1], p[2]);
        let rev = dpkg::compare(p[2], p[1]);
        t.check(fwd == want && rev == want.reverse(), || {
            format!(
                "line {}: {} {} {} (got {})",
                n + 1,
                p[1],
                p[3],
                p[2],
                sym(fwd)
            )
        });
    }
    t.finish();
}

#[test]
fn go_deb_version_lessthan() {
    let file = "go-deb-version_lessthan.tsv";
    let text = read(file);
    let mut t = Tally::new(file);
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let p: Vec<&str> = line.split('\t').collect();
        assert_eq!(p.len(), 3, "{file} line {}: malformed {line:?}", n + 1);
        let want: bool = p[2].parse().expect("true/false");
        let got = dpkg::compare(p[0], p[1]) == Ordering::Less;
        t.check(got == want, || {
            format!("line {}: {line} (got {got})", n + 1)
        });
    }
    t.finish();
}

// ---- rpm ----

fn int_ord(s: &str) -> Ordering {
    match s.trim() {
        "-1" => Ordering::Less,
        "0" => Ordering::Equal,
        "1" => Ordering::Greater,
        r => panic!("unknown rpmvercmp result {r:?}"),
    }
}

#[test]
fn rpm_rpmvercmp_tsv() {
    let file = "rpm_rpmvercmp.tsv";
    let text = read(file);
    let mut t = Tally::new(file);
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let p: Vec<&str> = line.split('\t').collect();
        assert_eq!(p.len(), 3, "{file} line {}: malformed {line:?}", n + 1);
        let got = rpm::rpmvercmp(p[0], p[1]);
        t.check(got == int_ord(p[2]), || {
            format!("line {}: {line} (got {})", n + 1, sym(got))
        });
    }
    t.finish();
}

/// rpm's own autotest file: every `RPMVERCMP(a, b, r)` line, including the `dnl` ones that
/// document rpm's odd-but-current behaviour (non-ASCII bytes, `1b.fc17`).
#[test]
fn rpm_rpmvercmp_at() {
    let file = "rpm_rpmvercmp.at";
    let text = read(file);
    let mut t = Tally::new(file);
    let mut disabled = 0;
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        let (l, dnl) = match l.strip_prefix("dnl ") {
            Some(rest) => (rest.trim(), true),
            None => (l, false),
        };
        let Some(args) = l
            .strip_prefix("RPMVERCMP(")
            .and_then(|r| r.strip_suffix(')'))
        else {
            continue;
        };
        let p: Vec<&str> = args.split(", ").collect();
        assert_eq!(p.len(), 3, "{file} line {}: malformed {line:?}", n + 1);
        disabled += usize::from(dnl);
        let got = rpm::rpmvercmp(p[0], p[1]);
        t.check(got == int_ord(p[2]), || {
            format!("line {}: {line} (got {})", n + 1, sym(got))
        });
    }
    eprintln!("{file}: {disabled} of the cases are rpm's `dnl`-disabled oddity cases");
    t.finish();
}

// ---- language ecosystems: osv-scalibr's files, every case both ways ----

#[test]
fn osv_semver() {
    run_osv("osv-scalibr/semver-versions.txt", semver::compare);
}

/// Pub's own file: SemVer, except that Pub orders build metadata (`1.0.0+build` > `1.0.0`),
/// which OSV's SEMVER type ignores. Only the cases that do not depend on build order are run.
#[test]
fn osv_pub_without_build_order() {
    let mut t = Tally::new("osv-scalibr/pub-versions.txt");
    let mut skipped = 0;
    for (n, line, p, want) in osv_cases("osv-scalibr/pub-versions.txt") {
        if p[0].contains('+') || p[2].contains('+') {
            skipped += 1;
            continue;
        }
        t.check(agrees(semver::compare, &p, want), || {
            format!("line {n}: {line}")
        });
    }
    eprintln!("osv-scalibr/pub-versions.txt: {skipped} build-metadata cases not run");
    t.finish();
}

#[test]
fn osv_pypi() {
    run_osv("osv-scalibr/pypi-versions.txt", pep440::compare);
}

#[test]
fn osv_pypi_generated() {
    run_osv("osv-scalibr/pypi-versions-generated.txt", pep440::compare);
}

/// Runs an osv-scalibr file in which some lines disagree with the native tool: each pinned line
/// (number, exact text, native order of its left version against its right one) must give the
/// native order instead of the file's, and every other line must pass as written.
fn run_osv_pinned(
    file: &'static str,
    cmp: fn(&str, &str) -> Ordering,
    pins: &[(usize, &str, Ordering)],
) {
    let mut t = Tally::new(file);
    let mut seen = 0;
    for (n, line, p, want) in osv_cases(file) {
        let want = match pins.iter().find(|pin| pin.0 == n) {
            Some(&(_, text, native)) => {
                assert_eq!(line, text, "{file} line {n} changed; re-check the pin");
                seen += 1;
                eprintln!(
                    "{file} line {n}: `{line}` pinned to the native `{} {} {}`",
                    p[0],
                    sym(native),
                    p[2]
                );
                native
            }
            None => want,
        };
        t.check(agrees(cmp, &p, want), || format!("line {n}: {line}"));
    }
    assert_eq!(seen, pins.len(), "{file}: a pinned line was not found");
    t.finish();
}

/// Line 100 is an example from the Maven POM reference's description of the version order
/// ("1-sp-1" < "1-ga-1" = "1-1"), but `ComparableVersion` does not implement it: `1-ga-1` parses
/// as `[1, [[1]]]` (the `ga` is dropped, the sub-list after it kept) and `1-1` as `[1, [1]]`, and
/// a list sorts below a number, so `1-ga-1` < `1-1` (checked with maven-artifact 3.8.7's own
/// `ComparableVersion` main; the parse is the same in 3.8.6).
#[test]
fn osv_maven() {
    run_osv_pinned(
        "osv-scalibr/maven-versions.txt",
        maven::compare,
        &[(100, "1-1 = 1-ga-1", Ordering::Greater)],
    );
}

#[test]
fn osv_maven_generated() {
    run_osv("osv-scalibr/maven-versions-generated.txt", maven::compare);
}

/// The generated Maven file was labelled by maven-artifact 3.8.6; 3.8.7 (MNG-7644) orders 18 of its
/// lines differently (checked with 3.8.7's `ComparableVersion`), and `compare_387` agrees.
#[test]
fn osv_maven_generated_under_387() {
    let file = "osv-scalibr/maven-versions-generated.txt";
    let differ: Vec<String> = osv_cases(file)
        .into_iter()
        .filter(|(_, _, p, want)| !agrees(maven::compare_387, p, *want))
        .map(|(n, line, _, _)| format!("{n}: {line}"))
        .collect();
    eprintln!(
        "{file}: {} lines ordered differently by 3.8.7",
        differ.len()
    );
    for d in &differ {
        eprintln!("  {d}");
    }
    assert_eq!(differ.len(), 18);
}

#[test]
fn osv_nuget() {
    run_osv("osv-scalibr/nuget-versions.txt", nuget::compare);
}

/// Lines 94 and 96 treat `#` as a number placeholder, as osv-scalibr's own code does, but PHP's
/// `version_compare` canonicalises `#` inside a version to `.`: `1.2.3.#` is `1.2.3.`, which PHP
/// (8.2, checked) puts below both `1.2.3` and `1.2.3.1` (`-1` one way, `1` the other). Line 95
/// (`1.2.3.# = 1.2.3.#`) passes here although PHP answers `-1` both ways; see `composer`'s docs.
#[test]
fn osv_packagist() {
    run_osv_pinned(
        "osv-scalibr/packagist-versions.txt",
        composer::compare,
        &[
            (94, "1.2.3.# = 1.2.3", Ordering::Less),
            (96, "1.2.3.# = 1.2.3.1", Ordering::Less),
        ],
    );
}

#[test]
fn osv_packagist_generated() {
    run_osv(
        "osv-scalibr/packagist-versions-generated.txt",
        composer::compare,
    );
}

#[test]
fn osv_rubygems() {
    run_osv("osv-scalibr/rubygems-versions.txt", rubygems::compare);
}

#[test]
fn osv_rubygems_generated() {
    run_osv(
        "osv-scalibr/rubygems-versions-generated.txt",
        rubygems::compare,
    );
}

/// The same files through `scheme_for_ecosystem` and `compare`, as the matcher will call them.
#[test]
fn osv_files_through_ecosystem_names() {
    let files: [(&str, &str); 8] = [
        ("npm", "osv-scalibr/semver-versions.txt"),
        ("cargo", "osv-scalibr/semver-versions.txt"),
        ("go", "osv-scalibr/semver-versions.txt"),
        ("pip", "osv-scalibr/pypi-versions.txt"),
        ("maven", "osv-scalibr/maven-versions-generated.txt"),
        ("nuget", "osv-scalibr/nuget-versions.txt"),
        ("packagist", "osv-scalibr/packagist-versions-generated.txt"),
        ("rubygems", "osv-scalibr/rubygems-versions.txt"),
    ];
    for (eco, file) in files {
        let scheme = scheme_for_ecosystem(eco).unwrap_or_else(|| panic!("no scheme for {eco}"));
        for (n, line, p, want) in osv_cases(file) {
            let got = tollgate_version::compare(scheme, &p[0], &p[2]);
            assert_eq!(got, want, "{eco} via {scheme:?}, {file} line {n}: {line}");
        }
    }
    assert_eq!(scheme_for_ecosystem("debian"), Some(Scheme::Dpkg));
    assert_eq!(scheme_for_ecosystem("alpine"), Some(Scheme::Apk));
    assert_eq!(scheme_for_ecosystem("rocky"), Some(Scheme::Rpm));
    assert_eq!(scheme_for_ecosystem("hex"), Some(Scheme::Semver));
    assert_eq!(scheme_for_ecosystem("nonsense"), None);
}

// ---- pairs labelled by the native implementations (see the README for how) ----

/// `a<TAB>b<TAB>op` lines, checked both ways.
fn run_oracle_tsv(file: &'static str, cmp: fn(&str, &str) -> Ordering) {
    let text = read(file);
    let mut t = Tally::new(file);
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let p: Vec<&str> = line.split('\t').collect();
        assert_eq!(p.len(), 3, "{file} line {}: malformed {line:?}", n + 1);
        let want = match p[2] {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            op => panic!("{file} line {}: unknown operator {op}", n + 1),
        };
        let (fwd, rev) = (cmp(p[0], p[1]), cmp(p[1], p[0]));
        t.check(fwd == want && rev == want.reverse(), || {
            format!(
                "line {}: {:?} {} {:?}  (got {} forward, {} reversed)",
                n + 1,
                p[0],
                p[2],
                p[1],
                sym(fwd),
                sym(rev)
            )
        });
    }
    t.finish();
}

#[test]
fn maven_oracle_pairs() {
    run_oracle_tsv("maven_oracle_pairs.tsv", maven::compare_387);
}

#[test]
fn packagist_oracle_pairs() {
    run_oracle_tsv("packagist_oracle_pairs.tsv", composer::compare);
}

#[test]
fn rubygems_oracle_pairs() {
    run_oracle_tsv("rubygems_oracle_pairs.tsv", rubygems::compare);
}

#[test]
fn pypi_oracle_pairs() {
    run_oracle_tsv("pypi_oracle_pairs.tsv", pep440::compare);
}

#[test]
fn semver_npm_oracle_pairs() {
    run_oracle_tsv("semver_npm_oracle_pairs.tsv", semver::compare);
}

#[test]
fn semver_go_oracle_pairs() {
    run_oracle_tsv("semver_go_oracle_pairs.tsv", semver::compare);
}
