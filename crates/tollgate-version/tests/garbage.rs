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
