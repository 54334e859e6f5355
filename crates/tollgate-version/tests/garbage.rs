//! Odd input never panics and always orders deterministically and antisymmetrically.

use std::cmp::Ordering;

use tollgate_version::{apk, compare, dpkg, rpm, Scheme};

const PIECES: &[&str] = &[
    "0",
    "1",
    "9",
    "00",
    "10",
    "a",
    "z",
    "A",
    "r",
    "p",
    ".",
    "_",
    "-",
    "-r",
    "~",
    "^",
    ":",
    "+",
    " ",
    "\t",
    "\0",
    "é",
    "α",
    "_p",
    "_rc",
    "_alpha",
    "~1a",
    "1:",
    "99999999999999999999999",
];

type Cmp = fn(&str, &str) -> Ordering;

/// A small xorshift generator so the loop is reproducible without extra dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn string(&mut self) -> String {
        let len = (self.next() % 8) as usize;
        (0..len)
            .map(|_| PIECES[(self.next() % PIECES.len() as u64) as usize])
            .collect()
    }
}

#[test]
fn garbage_orders_without_panicking() {
    let fns: [(&str, Cmp); 7] = [
        ("dpkg", dpkg::compare),
        ("apk", apk::compare),
        ("apk fuzzy", apk::compare_fuzzy),
        ("apk v2", apk::compare_v2),
        ("rpmvercmp", rpm::rpmvercmp),
        ("rpm evr", rpm::compare_evr),
        ("scheme rpm", |a, b| compare(Scheme::Rpm, a, b)),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let n = 20_000;
    for _ in 0..n {
        let (a, b) = (rng.string(), rng.string());
        let _ = dpkg::parse(&a);
        let _ = dpkg::validate(&a);
        let _ = apk::is_valid(&a);
        let _ = rpm::parse_evr(&a);
        for (name, f) in fns {
            let ab = f(&a, &b);
            assert_eq!(ab, f(&a, &b), "{name}: not deterministic on {a:?} {b:?}");
            if name != "apk fuzzy" {
                assert_eq!(
                    ab,
                    f(&b, &a).reverse(),
                    "{name}: not antisymmetric on {a:?} {b:?}"
                );
                assert_eq!(
                    f(&a, &a),
                    Ordering::Equal,
                    "{name}: {a:?} not equal to itself"
                );
            }
        }
    }
    eprintln!("garbage: {n} random pairs checked under 7 comparators");
}

/// Pieces for the language schemes: their separators, qualifiers and odd characters.
const LANG_PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "00",
    "10",
    "007",
    ".",
    ".",
    "-",
    "_",
    "+",
    "!",
    "#",
    "~",
    "=",
    "v",
    "V",
    " ",
    "\0",
    "é",
    "α",
    "a",
    "b",
    "c",
    "m",
    "p",
    "r",
    "alpha",
    "beta",
    "rc",
    "RC",
    "cr",
    "dev",
    "pre",
    "post",
    "rev",
    "pl",
    "patch",
    "ga",
    "final",
    "FINAL",
    "sp",
    "SNAPSHOT",
    "milestone",
    "x",
    "local",
    "#N#",
    "99999999999999999999999",
];

fn lang_string(rng: &mut Rng) -> String {
    let len = (rng.next() % 9) as usize;
    (0..len)
        .map(|_| LANG_PIECES[(rng.next() % LANG_PIECES.len() as u64) as usize])
        .collect()
}

#[test]
fn language_schemes_order_garbage_consistently() {
    let schemes = [
        Scheme::Semver,
        Scheme::Pep440,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Composer,
    ];
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let n = 20_000;
    for _ in 0..n {
        let (a, b) = (lang_string(&mut rng), lang_string(&mut rng));
        for s in schemes {
            let ab = compare(s, &a, &b);
            assert_eq!(
                ab,
                compare(s, &a, &b),
                "{s:?}: not deterministic on {a:?} {b:?}"
            );
            assert_eq!(
                ab,
                compare(s, &b, &a).reverse(),
                "{s:?}: not antisymmetric on {a:?} {b:?}"
            );
            assert_eq!(
                compare(s, &a, &a),
                Ordering::Equal,
                "{s:?}: {a:?} not equal to itself"
            );
        }
    }
    // Long inputs must not overflow the stack or take long.
    let long = "1.".repeat(50_000) + "a";
    let deep = "1-".repeat(50_000);
    for s in schemes {
        let _ = compare(s, &long, &deep);
        let _ = compare(s, &deep, &long);
    }
    eprintln!(
        "language garbage: {n} random pairs checked under {} schemes",
        schemes.len()
    );
}

/// Every triple of a random sample is checked for transitivity (`a <= b <= c` implies `a <= c`,
/// and equality is an equivalence), for the schemes whose native order is transitive. Maven's is
/// not (see `maven_is_intransitive_like_maven`), so it is left out.
#[test]
fn language_schemes_are_transitive_on_samples() {
    let schemes = [
        Scheme::Semver,
        Scheme::Pep440,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Composer,
    ];
    let mut rng = Rng(0x853c_49e6_748f_ea9b);
    let mut bad = Vec::new();
    for _ in 0..30 {
        let sample: Vec<String> = (0..24).map(|_| lang_string(&mut rng)).collect();
        for s in schemes {
            let m: Vec<Vec<Ordering>> = sample
                .iter()
                .map(|a| sample.iter().map(|b| compare(s, a, b)).collect())
                .collect();
            for i in 0..sample.len() {
                for j in 0..sample.len() {
                    for k in 0..sample.len() {
                        let (ij, jk, ik) = (m[i][j], m[j][k], m[i][k]);
                        if ij != Ordering::Greater && jk != Ordering::Greater {
                            let want = if ij == Ordering::Equal { jk } else { ij };
                            if ik != want && !(ik == Ordering::Less && want == Ordering::Equal) {
                                bad.push(format!(
                                    "{s:?}: {:?} {:?} {:?} then {:?} {:?} {:?} but {:?}",
                                    sample[i], ij, sample[j], jk, sample[k], ik, want
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    for b in bad.iter().take(10) {
        eprintln!("{b}");
    }
    assert!(bad.is_empty(), "{} intransitive triples", bad.len());
}

/// `ComparableVersion` compares a list with a missing item by the list's items, but a list with a
/// qualifier by kind alone, so odd versions can form a cycle. maven-artifact 3.8.7 prints exactly
/// this for `. patchalpha 00cr10-rpost .`; the port keeps it rather than invent an order.
#[test]
fn maven_is_intransitive_like_maven() {
    let cycle = [".", "patchalpha", "00cr10-rpost"];
    for i in 0..3 {
        let (a, b) = (cycle[i], cycle[(i + 1) % 3]);
        assert_eq!(compare(Scheme::Maven, a, b), Ordering::Less, "{a} < {b}");
    }
}
