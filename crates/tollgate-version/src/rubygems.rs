//! RubyGems version order: `Gem::Version#<=>`.
//!
//! The version is stripped, every `-` becomes `.pre.`, and segments are the runs of digits and of
//! ASCII letters (anything else only separates). Segments up to the first letter run form the
//! release, the rest the pre-release part; trailing zero numbers are dropped from each. Segments
//! then compare in turn, missing ones as 0: numbers numerically (no size limit), letter runs
//! bytewise (case-sensitive), and a letter run below any number — so `1.0.a` < `1.0` and
//! `1.0.a2` = `1.0.a.2`. Strings `Gem::Version` would reject are ordered the same way rather than
//! refused; an empty version is `0`.

use std::cmp::Ordering;

use crate::num_cmp;
use crate::semver::strip_zeros;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg<'a> {
    Num(&'a str),
    Str(&'a str),
}

fn segments(s: &str) -> Vec<Seg<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            let j = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            out.push(Seg::Num(strip_zeros(&s[i..j])));
            i = j;
        } else if c.is_ascii_alphabetic() {
            let j = i + b[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            out.push(Seg::Str(&s[i..j]));
            i = j;
        } else if c == b'-' {
            // `gsub("-", ".pre.")`
            out.push(Seg::Str("pre"));
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// `canonical_segments`: release and pre-release parts, each without trailing zeros.
fn canonical(s: &str) -> Vec<Seg<'_>> {
    let segs = segments(s.trim());
    let split = segs
        .iter()
        .position(|x| matches!(x, Seg::Str(_)))
        .unwrap_or(segs.len());
    let (rel, pre) = segs.split_at(split);
    let trim =
        |p: &[Seg<'_>]| p.len() - p.iter().rev().take_while(|x| **x == Seg::Num("0")).count();
    let mut out = rel[..trim(rel)].to_vec();
    out.extend_from_slice(&pre[..trim(pre)]);
    out
}

/// Compares two RubyGems versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (x, y) = (canonical(a), canonical(b));
    for k in 0..x.len().max(y.len()) {
        let l = x.get(k).copied().unwrap_or(Seg::Num("0"));
        let r = y.get(k).copied().unwrap_or(Seg::Num("0"));
        let o = match (l, r) {
            (Seg::Num(p), Seg::Num(q)) => num_cmp(p, q),
            (Seg::Str(p), Seg::Str(q)) => p.as_bytes().cmp(q.as_bytes()),
            (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
            (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gem_version_order() {
        let seq = [
            "1.0.a", "1.0.a1", "1.0.b1", "1.0-1", "1.0", "1.0.0.1", "1.1",
        ];
        for w in seq.windows(2) {
            assert_eq!(compare(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(compare("1.0-1", "1.0.pre.1"), Ordering::Equal);
        assert_eq!(compare("1.0.0", "1"), Ordering::Equal);
        assert_eq!(compare("1.0.a.0", "1.0.a"), Ordering::Equal);
        assert_eq!(compare("", "0"), Ordering::Equal);
    }
}
