//! Packagist (Composer) version order: PHP's `version_compare`, after dropping a leading `v`/`V`.
//!
//! `version_compare` canonicalises each version — `-`, `_`, `+` and other non-alphanumerics become
//! `.`, and a `.` is put between digits and non-digits (`1.0rc1` is `1.0.rc.1`) — then compares the
//! dot-separated parts in turn: numbers numerically, words by their stability as a prefix
//! (`dev` < `alpha` = `a` < `beta` = `b` < `RC` = `rc` < number < `pl` = `p`, any other word below
//! `dev`). When one version runs out, a following number makes the longer one greater
//! (`1.0.0` > `1.0`), and a following word is compared against a number (`1.0-beta` < `1.0`,
//! `1.0-patch1` > `1.0`). This covers Composer's stability suffixes `-dev`, `-alpha`, `-beta`,
//! `-RC`, `-patch`/`-pl` and their short forms.
//!
//! This is `version_compare`, not Composer's `VersionParser::normalize` followed by it: Composer
//! would also pad to four numbers (`1.0` = `1.0.0.0`), drop `-stable` and map `x-dev` branches.
//! osv-scalibr's vectors follow `version_compare` (`1.0.0` > `1.0`, and its generated line 5313,
//! `5.1.0-stable < 5.1.0-beta2`, which Composer would reverse), and so does this module.
//!
//! Two deliberate departures from PHP, both so that the result is a consistent order: numbers have
//! no size limit (PHP's `strtol` saturates, making all numbers above 2^63-1 equal; osv-scalibr's
//! vectors expect the unlimited order), and a version ending in a dot after canonicalisation
//! (`1.0.`, `1.0-`) equals itself (PHP compares it below every version with the same parts, itself
//! included; here it is below every other one, as PHP has it whenever PHP is consistent). A third only touches `#`, which PHP reserves for an
//! internal marker (a version starting with `#` equals every number there, so PHP's order is not
//! transitive): here `#` is just another separator.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::num_cmp;
use crate::semver::strip_zeros;

/// `php_canonicalize_version`.
fn canonicalize(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * 2);
    let Some((&first, rest)) = v.split_first() else {
        return out;
    };
    let isdig = |c: u8| c.is_ascii_digit();
    let isndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    out.push(first);
    let mut lp = first;
    for &c in rest {
        let last = out.last().copied().unwrap_or(0);
        if c == b'-' || c == b'_' || c == b'+' {
            if last != b'.' {
                out.push(b'.');
            }
        } else if (isndig(lp) && isdig(c)) || (isdig(lp) && isndig(c)) {
            if last != b'.' {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if last != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    out
}

/// `compare_special_version_forms`: the rank of the first form the part starts with.
fn special(part: &[u8]) -> i32 {
    const FORMS: &[(&[u8], i32)] = &[
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(f, _)| part.starts_with(f))
        .map_or(-1, |&(_, o)| o)
}

/// `strtol` of a part starting with a digit, as a digit string without leading zeros.
fn leading_number(part: &[u8]) -> &str {
    let n = part.iter().take_while(|c| c.is_ascii_digit()).count();
    strip_zeros(std::str::from_utf8(&part[..n]).unwrap_or("0"))
}

const NUM: &[u8] = b"#N#";

/// `php_version_compare`, with its tail call turned into a loop.
fn version_compare(a: &[u8], b: &[u8]) -> Ordering {
    let (mut a, mut b): (Cow<[u8]>, Cow<[u8]>) = (Cow::Borrowed(a), Cow::Borrowed(b));
    loop {
        if a.is_empty() || b.is_empty() {
            return a.len().min(1).cmp(&b.len().min(1));
        }
        let v1: Vec<u8> = if a[0] == b'#' {
            a.to_vec()
        } else {
            canonicalize(&a)
        };
        let v2: Vec<u8> = if b[0] == b'#' {
            b.to_vec()
        } else {
            canonicalize(&b)
        };
        let (mut p1, mut p2) = (0usize, 0usize);
        // `n1`/`n2`: where the current part's dot is, if any (`Some` before the first split).
        let (mut n1, mut n2) = (Some(0usize), Some(0usize));
        let mut compare = Ordering::Equal;
        while p1 < v1.len() && p2 < v2.len() && n1.is_some() && n2.is_some() {
            n1 = v1[p1..].iter().position(|&c| c == b'.').map(|k| p1 + k);
            n2 = v2[p2..].iter().position(|&c| c == b'.').map(|k| p2 + k);
            let s1 = &v1[p1..n1.unwrap_or(v1.len())];
            let s2 = &v2[p2..n2.unwrap_or(v2.len())];
            let d1 = s1.first().is_some_and(|c| c.is_ascii_digit());
            let d2 = s2.first().is_some_and(|c| c.is_ascii_digit());
            compare = match (d1, d2) {
                (true, true) => num_cmp(leading_number(s1), leading_number(s2)),
                (false, false) => special(s1).cmp(&special(s2)),
                (true, false) => special(NUM).cmp(&special(s2)),
                (false, true) => special(s1).cmp(&special(NUM)),
            };
            if compare != Ordering::Equal {
                break;
            }
            if let Some(n) = n1 {
                p1 = n + 1;
            }
            if let Some(n) = n2 {
                p2 = n + 1;
            }
        }
        if compare != Ordering::Equal {
            return compare;
        }
        // A dot with nothing after it (`1.0.`, also from `1.0-` or `1.0~`): PHP then compares ""
        // with "#N#" and answers -1 whichever side it is on, so `1.0.` is below itself. Here such
        // an empty last part sorts below anything else in its place, and equals another one.
        let trail1 = n1.is_some() && p1 >= v1.len();
        let trail2 = n2.is_some() && p2 >= v2.len();
        match (trail1, trail2) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        if n1.is_some() && p1 < v1.len() {
            if v1[p1].is_ascii_digit() {
                return Ordering::Greater;
            }
            a = Cow::Owned(v1[p1..].to_vec());
            b = Cow::Borrowed(NUM);
        } else if n2.is_some() && p2 < v2.len() {
            if v2.get(p2).is_some_and(|c| c.is_ascii_digit()) {
                return Ordering::Less;
            }
            a = Cow::Borrowed(NUM);
            b = Cow::Owned(v2[p2..].to_vec());
        } else {
            return Ordering::Equal;
        }
    }
}

fn strip_v(s: &str) -> &str {
    let s = s.strip_prefix('v').unwrap_or(s);
    s.strip_prefix('V').unwrap_or(s)
}

/// PHP reserves a leading `#` for its internal "any number" marker `#N#`, which makes `#…`
/// versions equal to every number and the order intransitive. Here `#` is an ordinary separator.
fn hash_as_dot(s: &str) -> Vec<u8> {
    crate::c_bytes(s)
        .iter()
        .map(|&c| if c == b'#' { b'.' } else { c })
        .collect()
}

/// Compares two Packagist versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    version_compare(&hash_as_dot(strip_v(a)), &hash_as_dot(strip_v(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stability_suffixes() {
        let seq = [
            "1.0.0-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta1",
            "1.0.0-RC1",
            "1.0.0",
            "1.0.0-patch1",
            "1.0.1",
        ];
        for w in seq.windows(2) {
            assert_eq!(compare(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(compare("v1.0.0", "1.0.0"), Ordering::Equal);
        assert_eq!(compare("1.0.0-b1", "1.0.0-beta1"), Ordering::Equal);
        assert_eq!(compare("1.0.0-pl1", "1.0.0-p1"), Ordering::Equal);
    }
}
