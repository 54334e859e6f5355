//! RPM version order: `rpmvercmp` for one field, and epoch:version-release comparison as rpm's
//! `rpmverCmp` (also Python's `rpm.labelCompare`) does it.

use std::cmp::Ordering;

use crate::c_bytes;

/// Compares two version fields with rpm's `rpmvercmp` (alnum segments, `~` and `^`).
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    vercmp_bytes(c_bytes(a), c_bytes(b))
}

// Only ASCII letters and digits form segments; every other byte (including non-ASCII) separates.
fn is_sep(c: u8) -> bool {
    !c.is_ascii_alphanumeric() && c != b'~' && c != b'^'
}

fn vercmp_bytes(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let at = |i: usize| a.get(i).copied().unwrap_or(0);
    let bt = |j: usize| b.get(j).copied().unwrap_or(0);
    let (mut i, mut j) = (0usize, 0usize);

    while i < a.len() || j < b.len() {
        while i < a.len() && is_sep(a[i]) {
            i += 1;
        }
        while j < b.len() && is_sep(b[j]) {
            j += 1;
        }

        // `~` sorts before everything, even the end of the string.
        if at(i) == b'~' || bt(j) == b'~' {
            if at(i) != b'~' {
                return Ordering::Greater;
            }
            if bt(j) != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        // `^` sorts after the end of the string but before anything else.
        if at(i) == b'^' || bt(j) == b'^' {
            if i >= a.len() {
                return Ordering::Less;
            }
            if j >= b.len() {
                return Ordering::Greater;
            }
            if at(i) != b'^' {
                return Ordering::Greater;
            }
            if bt(j) != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        if i >= a.len() || j >= b.len() {
            break;
        }

        let isnum = a[i].is_ascii_digit();
        let class: fn(&u8) -> bool = if isnum {
            u8::is_ascii_digit
        } else {
            u8::is_ascii_alphabetic
        };
        let ae = i + a[i..].iter().take_while(|c| class(c)).count();
        let be = j + b[j..].iter().take_while(|c| class(c)).count();

        // A numeric segment is newer than an alpha one.
        if be == j {
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }

        let (mut sa, mut sb) = (&a[i..ae], &b[j..be]);
        if isnum {
            while let [b'0', rest @ ..] = sa {
                sa = rest;
            }
            while let [b'0', rest @ ..] = sb {
                sb = rest;
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            o => return o,
        }
        i = ae;
        j = be;
    }

    match (i < a.len(), j < b.len()) {
        (false, false) => Ordering::Equal,
        (true, _) => Ordering::Greater,
        (false, true) => Ordering::Less,
    }
}

/// An `[epoch:]version[-release]` string split the way rpm's `parseEVR` splits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Evr<'a> {
    /// The epoch digits, if a `digits:` prefix is present (`""` before the colon reads as `"0"`).
    pub epoch: Option<&'a str>,
    /// The version: after the epoch colon, up to the last `-`.
    pub version: &'a str,
    /// The release: after the last `-`, if there is one.
    pub release: Option<&'a str>,
}

/// Splits an EVR string as rpm does: leading digits then `:` are the epoch, the last `-` starts
/// the release.
pub fn parse_evr(s: &str) -> Evr<'_> {
    let bytes = c_bytes(s);
    let s = &s[..bytes.len()];
    let digits = bytes.iter().take_while(|c| c.is_ascii_digit()).count();
    // rpm searches for the release separator after the epoch digits only.
    let last_dash = s[digits..].rfind('-').map(|p| p + digits);
    let (epoch, vstart) = if bytes.get(digits) == Some(&b':') {
        let e = &s[..digits];
        (Some(if e.is_empty() { "0" } else { e }), digits + 1)
    } else {
        (None, 0)
    };
    match last_dash {
        Some(d) => Evr {
            epoch,
            version: &s[vstart..d],
            release: Some(&s[d + 1..]),
        },
        None => Evr {
            epoch,
            version: &s[vstart..],
            release: None,
        },
    }
}

fn compare_values(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (Some(a), Some(b)) => rpmvercmp(a, b),
    }
}

/// Compares `[epoch:]version[-release]` strings like rpm: a missing epoch is 0, and a missing
/// release sorts before any release (as rpm's `rpmverCmp` and `rpm.labelCompare` do).
pub fn compare_evr(a: &str, b: &str) -> Ordering {
    let (x, y) = (parse_evr(a), parse_evr(b));
    compare_values(Some(x.epoch.unwrap_or("0")), Some(y.epoch.unwrap_or("0")))
        .then_with(|| compare_values(Some(x.version), Some(y.version)))
        .then_with(|| compare_values(x.release, y.release))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evr_split() {
        assert_eq!(
            parse_evr("1:2.3-4.el9"),
            Evr {
                epoch: Some("1"),
                version: "2.3",
                release: Some("4.el9")
            }
        );
        assert_eq!(parse_evr(":1").epoch, Some("0"));
        assert_eq!(parse_evr("a:1-2-3").epoch, None);
        assert_eq!(parse_evr("a:1-2-3").version, "a:1-2");
        assert_eq!(parse_evr("1-2:3").release, Some("2:3"));
    }

    #[test]
    fn missing_release_sorts_first() {
        assert_eq!(compare_evr("1.0", "1.0-1"), Ordering::Less);
        assert_eq!(compare_evr("1.0", "1.0-"), Ordering::Less);
        assert_eq!(compare_evr("0:1.0", "1.0"), Ordering::Equal);
    }
}
