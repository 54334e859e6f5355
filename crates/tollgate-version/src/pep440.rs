//! PyPI version order: PEP 440, as the `packaging` library implements it.
//!
//! A version matching PEP 440's canonical regular expression (case-insensitive, surrounding blanks
//! and a leading `v` allowed) is normalised — `alpha`/`beta`/`c`/`pre`/`preview` spell `a`/`b`/`rc`,
//! `rev`/`r` and `-N` spell a post-release, separators `-_.` are optional, a missing number is 0 —
//! and ordered by epoch, release (trailing zeros ignored), pre-release (a `.devN` of the release
//! itself first), post-release, dev-release, then local version (numeric local parts above
//! alphanumeric ones, more parts above fewer).
//!
//! Anything else is a legacy version (`packaging`'s `LegacyVersion`, as setuptools ordered them
//! before PEP 440): every legacy version sorts below every PEP 440 version, and legacy versions
//! compare by their setuptools part lists.

use std::cmp::Ordering;

use crate::num_cmp;
use crate::semver::strip_zeros;

/// A pre-release phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// `a`, `alpha`.
    Alpha,
    /// `b`, `beta`.
    Beta,
    /// `rc`, `c`, `pre`, `preview`.
    Rc,
}

/// A parsed PEP 440 version; numbers are digit strings without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The epoch (`N!`), `"0"` when absent.
    pub epoch: String,
    /// The release numbers.
    pub release: Vec<String>,
    /// The pre-release phase and number.
    pub pre: Option<(Phase, String)>,
    /// The post-release number.
    pub post: Option<String>,
    /// The dev-release number.
    pub dev: Option<String>,
    /// The local version parts, lowercased.
    pub local: Vec<String>,
}

/// Parses a PEP 440 version; `None` if it is not one (a legacy version).
pub fn parse(s: &str) -> Option<Version> {
    let lower = s.to_ascii_lowercase();
    let t = lower.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}');
    let t = t.strip_prefix('v').unwrap_or(t);
    let p = P { b: t.as_bytes() };
    let mut i = 0;
    let mut v = Version {
        epoch: "0".into(),
        release: Vec::new(),
        pre: None,
        post: None,
        dev: None,
        local: Vec::new(),
    };
    // Epoch: digits and '!'.
    let d = p.digits(i);
    if d > i && p.at(d) == Some(b'!') {
        v.epoch = strip_zeros(p.s(i, d)).into();
        i = d + 1;
    }
    // Release: digits ('.' digits)*.
    loop {
        let d = p.digits(i);
        if d == i {
            return None;
        }
        v.release.push(strip_zeros(p.s(i, d)).into());
        i = d;
        if p.at(i) == Some(b'.') && p.digits(i + 1) > i + 1 {
            i += 1;
        } else {
            break;
        }
    }
    p.rest(i, &mut v).then_some(v)
}

struct P<'a> {
    b: &'a [u8],
}

const SEP: &[u8] = b"-_.";
const PRE: &[(&str, Phase)] = &[
    ("preview", Phase::Rc),
    ("alpha", Phase::Alpha),
    ("beta", Phase::Beta),
    ("pre", Phase::Rc),
    ("rc", Phase::Rc),
    ("a", Phase::Alpha),
    ("b", Phase::Beta),
    ("c", Phase::Rc),
];
const POST: &[&str] = &["post", "rev", "r"];

impl P<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }
    fn s(&self, i: usize, j: usize) -> &str {
        // Only ASCII positions are ever passed.
        std::str::from_utf8(&self.b[i..j]).unwrap_or("")
    }
    fn digits(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        i
    }
    fn word(&self, i: usize, w: &str) -> bool {
        self.b.get(i..i + w.len()) == Some(w.as_bytes())
    }
    /// Where an optional separator may end: with it first (greedy), then without.
    fn opt_sep(&self, i: usize) -> Vec<usize> {
        if self.at(i).is_some_and(|c| SEP.contains(&c)) {
            vec![i + 1, i]
        } else {
            vec![i]
        }
    }
    /// `[sep]? [digits]?` after a keyword: (end, number) choices, greedy first.
    fn opt_num(&self, i: usize) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for j in self.opt_sep(i) {
            let d = self.digits(j);
            if d > j {
                out.push((d, strip_zeros(self.s(j, d)).to_string()));
            }
            out.push((j, "0".to_string()));
        }
        out
    }

    /// Pre, post, dev and local segments from `i` to the end, with the regex's preferences.
    fn rest(&self, i: usize, v: &mut Version) -> bool {
        // Pre-release (optional, preferred when present).
        for j in self.opt_sep(i) {
            for &(w, ph) in PRE {
                if self.word(j, w) {
                    for (k, n) in self.opt_num(j + w.len()) {
                        if self.post_dev_local(k, v) {
                            v.pre = Some((ph, n));
                            return true;
                        }
                    }
                }
            }
        }
        self.post_dev_local(i, v)
    }

    fn post_dev_local(&self, i: usize, v: &mut Version) -> bool {
        // Implicit post-release `-N`.
        if self.at(i) == Some(b'-') {
            let d = self.digits(i + 1);
            if d > i + 1 && self.dev_local(d, v) {
                v.post = Some(strip_zeros(self.s(i + 1, d)).into());
                return true;
            }
        }
        for j in self.opt_sep(i) {
            for w in POST {
                if self.word(j, w) {
                    for (k, n) in self.opt_num(j + w.len()) {
                        if self.dev_local(k, v) {
                            v.post = Some(n);
                            return true;
                        }
                    }
                }
            }
        }
        self.dev_local(i, v)
    }

    fn dev_local(&self, i: usize, v: &mut Version) -> bool {
        for j in self.opt_sep(i) {
            if self.word(j, "dev") {
                for (k, n) in self.opt_num(j + 3) {
                    if self.local(k, v) {
                        v.dev = Some(n);
                        return true;
                    }
                }
            }
        }
        self.local(i, v)
    }

    fn local(&self, i: usize, v: &mut Version) -> bool {
        if i == self.b.len() {
            return true;
        }
        if self.at(i) != Some(b'+') {
            return false;
        }
        let body = &self.b[i + 1..];
        let mut parts = Vec::new();
        for part in body.split(|c| SEP.contains(c)) {
            if part.is_empty() || !part.iter().all(|c| c.is_ascii_alphanumeric()) {
                return false;
            }
            parts.push(String::from_utf8_lossy(part).into_owned());
        }
        v.local = parts;
        true
    }
}

/// A bound below or above every value, as `packaging` uses `-Infinity`/`Infinity`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Bound<T> {
    Min,
    Val(T),
    Max,
}

#[derive(Debug, PartialEq, Eq)]
struct Num<'a>(&'a str);

impl Ord for Num<'_> {
    fn cmp(&self, o: &Self) -> Ordering {
        num_cmp(self.0, o.0)
    }
}
impl PartialOrd for Num<'_> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// A local part: alphanumeric below numeric.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LocalPart<'a> {
    Str(&'a str),
    Num(Num<'a>),
}

/// Compares two parsed PEP 440 versions.
pub fn compare_parsed(a: &Version, b: &Version) -> Ordering {
    num_cmp(&a.epoch, &b.epoch)
        .then_with(|| {
            let trim = |r: &[String]| r.len() - r.iter().rev().take_while(|x| *x == "0").count();
            let (ra, rb) = (
                &a.release[..trim(&a.release)],
                &b.release[..trim(&b.release)],
            );
            ra.iter().map(|x| Num(x)).cmp(rb.iter().map(|x| Num(x)))
        })
        .then_with(|| pre_key(a).cmp(&pre_key(b)))
        .then_with(|| post_key(a).cmp(&post_key(b)))
        .then_with(|| dev_key(a).cmp(&dev_key(b)))
        .then_with(|| local_key(a).cmp(&local_key(b)))
}

fn pre_key(v: &Version) -> Bound<(Phase, Num<'_>)> {
    match &v.pre {
        None if v.post.is_none() && v.dev.is_some() => Bound::Min,
        None => Bound::Max,
        Some((ph, n)) => Bound::Val((*ph, Num(n))),
    }
}

fn post_key(v: &Version) -> Bound<Num<'_>> {
    v.post.as_deref().map_or(Bound::Min, |n| Bound::Val(Num(n)))
}

fn dev_key(v: &Version) -> Bound<Num<'_>> {
    v.dev.as_deref().map_or(Bound::Max, |n| Bound::Val(Num(n)))
}

fn local_key(v: &Version) -> Bound<Vec<LocalPart<'_>>> {
    if v.local.is_empty() {
        return Bound::Min;
    }
    Bound::Val(
        v.local
            .iter()
            .map(|p| {
                if p.bytes().all(|c| c.is_ascii_digit()) {
                    LocalPart::Num(Num(strip_zeros(p)))
                } else {
                    LocalPart::Str(p)
                }
            })
            .collect(),
    )
}

/// The comparison key of a legacy version: setuptools' part list (`packaging`'s `_legacy_cmpkey`).
pub fn legacy_parts(s: &str) -> Vec<String> {
    let lower = s.to_lowercase();
    let mut parts: Vec<String> = Vec::new();
    let mut push = |part: String| {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    };
    for raw in legacy_split(&lower) {
        let part = match raw {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            p => p,
        };
        if part.is_empty() || part == "." {
            continue;
        }
        if part.as_bytes()[0].is_ascii_digit() {
            push(format!("{part:0>8}"));
        } else {
            push(format!("*{part}"));
        }
    }
    push("*final".into());
    parts
}

/// `re.split(r"(\d+|[a-z]+|\.|-)", s)`: the matches and the text between them, in order.
fn legacy_split(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut gap) = (0, 0);
    while i < b.len() {
        let c = b[i];
        let end = if c.is_ascii_digit() {
            i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count()
        } else if c.is_ascii_lowercase() {
            i + b[i..].iter().take_while(|c| c.is_ascii_lowercase()).count()
        } else if c == b'.' || c == b'-' {
            i + 1
        } else {
            i += 1;
            continue;
        };
        out.push(&s[gap..i]);
        out.push(&s[i..end]);
        i = end;
        gap = end;
    }
    out.push(&s[gap..]);
    out
}

/// Compares two PyPI versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => compare_parsed(&x, &y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => legacy_parts(a).cmp(&legacy_parts(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        for (a, b) in [
            ("1.0ALPHA1", "1.0a1"),
            ("1.0-beta.2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0preview", "1.0rc0"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev", "1.0.post0"),
            ("1.0_r_3", "1.0.post3"),
            ("1.0dev", "1.0.dev0"),
            (" v1.0 ", "1.0"),
            ("1.0.0", "1"),
            ("1!1.0", "1!1"),
            ("1.0+Ubuntu-1", "1.0+ubuntu.1"),
            ("1.0a.", "1.0a0"),
        ] {
            assert!(parse(a).is_some(), "{a} should parse");
            assert_eq!(compare(a, b), Ordering::Equal, "{a} = {b}");
        }
    }

    #[test]
    fn order() {
        let seq = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.1.dev1",
            "1!0.1",
        ];
        for w in seq.windows(2) {
            assert_eq!(compare(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(compare("not a version", "0.0.0.dev0"), Ordering::Less);
    }

    #[test]
    fn legacy() {
        assert_eq!(legacy_parts("1.0-dev"), ["00000001", "*@", "*final"]);
        assert_eq!(compare("0.1-bulbasaur", "0.1-charmander"), Ordering::Less);
    }
}
