//! SemVer 2.0 order, as OSV's `SEMVER` range type uses it (npm, crates.io, Go, Pub, Hex, Swift).
//!
//! Strict SemVer versions order exactly as the specification's precedence rules say: numeric
//! major.minor.patch, then a version with a pre-release sorts before the same version without one,
//! pre-release identifiers compare numerically when all digits and in ASCII order otherwise
//! (numeric before alphanumeric, more identifiers after fewer), and build metadata is ignored.
//! Numbers have no size limit.
//!
//! Non-strict input is accepted rather than rejected, since scanners meet it in lock files and
//! advisories:
//!
//! - surrounding blanks, leading `=` and one leading `v`/`V` are dropped (Go's `v1.2.3` is `1.2.3`,
//!   so a Go pseudo-version `v0.0.0-20191109021931-daa7c04131f5` is a pre-release of `0.0.0`);
//! - missing minor or patch numbers are zero (`1.2` is `1.2.0`, `1` is `1.0.0`);
//! - further dot-separated numbers are compared after the patch number (`1.2.3.4` > `1.2.3`,
//!   `1.2.3.0` = `1.2.3`);
//! - anything else that follows the numbers starts the pre-release (`1.0.0beta` is `1.0.0-beta`),
//!   and an empty pre-release (`1.0.0-`) counts as none.

use std::cmp::Ordering;

use crate::num_cmp;

/// A parsed, possibly non-strict SemVer version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version<'a> {
    /// Numeric components without leading zeros (`"0"` for zero), at least three.
    pub release: Vec<&'a str>,
    /// Pre-release identifiers; empty when there is no pre-release.
    pub pre: Vec<&'a str>,
    /// Build metadata (ignored in comparisons); empty when absent.
    pub build: &'a str,
}

/// Parses a version leniently; never fails, whatever the input.
pub fn parse(s: &str) -> Version<'_> {
    parse_with(s, 3)
}

/// Parses with at least `min_parts` numeric components (SemVer 3, NuGet 4).
pub(crate) fn parse_with(s: &str, min_parts: usize) -> Version<'_> {
    let mut s = s.trim();
    s = s.trim_start_matches('=').trim_start();
    if let Some(rest) = s.strip_prefix(['v', 'V']) {
        s = rest;
    }
    let b = s.as_bytes();
    let mut release = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            // No number here: a dot before it belongs to what follows.
            if start > 0 && b[start - 1] == b'.' {
                i = start - 1;
            }
            break;
        }
        release.push(strip_zeros(&s[start..i]));
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
        } else {
            break;
        }
    }
    while release.len() < min_parts {
        release.push("0");
    }
    let rest = &s[i..];
    let (pre, build) = match rest.find('+') {
        Some(p) => (&rest[..p], &rest[p + 1..]),
        None => (rest, ""),
    };
    let pre = pre
        .strip_prefix('-')
        .or_else(|| pre.strip_prefix('.'))
        .unwrap_or(pre);
    let pre = if pre.is_empty() {
        Vec::new()
    } else {
        pre.split('.').collect()
    };
    Version {
        release,
        pre,
        build,
    }
}

/// `"007"` → `"7"`, `"000"` → `"0"`.
pub(crate) fn strip_zeros(d: &str) -> &str {
    let t = d.trim_start_matches('0');
    if t.is_empty() && !d.is_empty() {
        "0"
    } else {
        t
    }
}

fn is_numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit())
}

pub(crate) fn cmp_release(a: &[&str], b: &[&str]) -> Ordering {
    let n = a.len().max(b.len());
    for k in 0..n {
        let x = a.get(k).copied().unwrap_or("0");
        let y = b.get(k).copied().unwrap_or("0");
        match num_cmp(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

/// Compares pre-release identifier lists by SemVer precedence (an empty list is no pre-release);
/// `fold` ignores ASCII case (NuGet).
pub(crate) fn cmp_pre(a: &[&str], b: &[&str], fold: bool) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.iter().zip(b) {
        let o = match (is_numeric(x), is_numeric(y)) {
            (true, true) => num_cmp(strip_zeros(x), strip_zeros(y)),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            // .NET's OrdinalIgnoreCase: upper-case both, then compare code units.
            (false, false) if fold => x
                .bytes()
                .map(|c| c.to_ascii_uppercase())
                .cmp(y.bytes().map(|c| c.to_ascii_uppercase())),
            (false, false) => x.as_bytes().cmp(y.as_bytes()),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// Compares two versions by SemVer precedence (build metadata ignored).
pub fn compare(a: &str, b: &str) -> Ordering {
    let (x, y) = (parse(a), parse(b));
    cmp_release(&x.release, &y.release).then_with(|| cmp_pre(&x.pre, &y.pre, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_forms() {
        assert_eq!(compare("1.2", "1.2.0"), Ordering::Equal);
        assert_eq!(compare("=v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(compare(" 1 ", "1.0.0"), Ordering::Equal);
        assert_eq!(compare("1.0.0beta", "1.0.0-beta"), Ordering::Equal);
        assert_eq!(compare("1.0.0-", "1.0.0"), Ordering::Equal);
        assert_eq!(compare("1.2.3.4", "1.2.3"), Ordering::Greater);
        assert_eq!(compare("1.2.3.0", "1.2.3"), Ordering::Equal);
        assert_eq!(compare("1.2.3.beta", "1.2.3-beta"), Ordering::Equal);
        assert_eq!(compare("1.2.3+incompatible", "1.2.3"), Ordering::Equal);
    }

    #[test]
    fn go_pseudo_versions() {
        let pseudo = "v0.0.0-20191109021931-daa7c04131f5";
        assert_eq!(compare(pseudo, "v0.0.0"), Ordering::Less);
        assert_eq!(
            compare(pseudo, "v0.0.0-20200101000000-aaaaaaaaaaaa"),
            Ordering::Less
        );
        assert_eq!(
            compare("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"),
            Ordering::Greater
        );
        assert_eq!(
            compare("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"),
            Ordering::Less
        );
        assert_eq!(compare("v2.0.0+incompatible", "v2.0.1"), Ordering::Less);
    }
}
