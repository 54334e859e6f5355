//! Debian version order, as `dpkg --compare-versions` (lib/dpkg/version.c, parsehelp.c).

use std::cmp::Ordering;
use std::fmt;

use crate::{c_bytes, VersionError};

/// A parsed Debian version: `[epoch:]upstream[-revision]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DebVersion {
    /// The epoch; 0 when absent.
    pub epoch: u32,
    /// The upstream version: after the epoch colon, up to the last hyphen.
    pub upstream: String,
    /// The Debian revision after the last hyphen; empty when absent.
    pub revision: String,
}

impl DebVersion {
    /// Compares two parsed versions as dpkg does.
    pub fn cmp_dpkg(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl fmt::Display for DebVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.upstream)?;
        if !self.revision.is_empty() {
            write!(f, "-{}", self.revision)?;
        }
        Ok(())
    }
}

struct Parts<'a> {
    epoch: u32,
    upstream: &'a [u8],
    revision: &'a [u8],
}

/// dpkg's `c_isblank`: space and tab only.
fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Splits a version like dpkg's `parseversion`. On a hard error it still returns the best-effort
/// split `compare` uses, so garbage orders deterministically instead of failing.
fn split(s: &[u8]) -> (Parts<'_>, Option<VersionError>) {
    let start = s.iter().position(|&c| !is_blank(c)).unwrap_or(s.len());
    let s = &s[start..];
    if s.is_empty() {
        let p = Parts {
            epoch: 0,
            upstream: b"",
            revision: b"",
        };
        return (p, Some(VersionError::Empty));
    }
    let end = s.iter().position(|&c| is_blank(c)).unwrap_or(s.len());
    let mut err = None;
    let mut s = if s[end..].iter().all(|&c| is_blank(c)) {
        &s[..end]
    } else {
        err = Some(VersionError::EmbeddedSpaces);
        // Best effort: keep the blanks, they order like other punctuation.
        let last = s.iter().rposition(|&c| !is_blank(c)).unwrap_or(0);
        &s[..=last]
    };

    let mut epoch = 0u32;
    if let Some(colon) = s.iter().position(|&c| c == b':') {
        match parse_epoch(&s[..colon]) {
            Ok(e) if colon + 1 == s.len() => {
                epoch = e;
                s = &s[colon + 1..];
                err = err.or(Some(VersionError::NothingAfterColon));
            }
            Ok(e) => {
                epoch = e;
                s = &s[colon + 1..];
            }
            Err((e, best)) => {
                // Best effort: a too-big epoch saturates; any other bad epoch is kept as
                // part of the upstream version.
                if let Some(best) = best {
                    epoch = best;
                    s = &s[colon + 1..];
                }
                err = err.or(Some(e));
            }
        }
    }

    let (upstream, revision) = match s.iter().rposition(|&c| c == b'-') {
        Some(h) => {
            if h + 1 == s.len() {
                err = err.or(Some(VersionError::RevisionEmpty));
            }
            (&s[..h], &s[h + 1..])
        }
        None => (s, &b""[..]),
    };
    if upstream.is_empty() {
        err = err.or(Some(VersionError::UpstreamEmpty));
    }
    let p = Parts {
        epoch,
        upstream,
        revision,
    };
    (p, err)
}

/// Parses an epoch as dpkg does with `strtol`: optional sign, decimal digits, range of C `int`.
/// On error, also returns the epoch to use for a best-effort comparison, if any.
fn parse_epoch(e: &[u8]) -> Result<u32, (VersionError, Option<u32>)> {
    let (neg, digits) = match e.first() {
        Some(b'+') => (false, &e[1..]),
        Some(b'-') => (true, &e[1..]),
        _ => (false, e),
    };
    if digits.is_empty() {
        return Err((VersionError::EpochEmpty, None));
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        // strtol stops at the first non-digit; dpkg then sees the colon is not where it stopped.
        let err = if digits[0].is_ascii_digit() {
            VersionError::EpochNotNumber
        } else {
            VersionError::EpochEmpty
        };
        return Err((err, None));
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    if neg && v != 0 {
        return Err((VersionError::EpochNegative, None));
    }
    if v > i32::MAX as u64 {
        return Err((VersionError::EpochTooBig, Some(u32::MAX)));
    }
    Ok(v as u32)
}

/// The warnings dpkg prints but still compares through.
fn check_chars(p: &Parts<'_>) -> Option<VersionError> {
    if let Some(&c) = p.upstream.first() {
        if !c.is_ascii_digit() {
            return Some(VersionError::UpstreamNotDigit);
        }
    }
    if p.upstream
        .iter()
        .any(|&c| !c.is_ascii_alphanumeric() && !b".-+~:".contains(&c))
    {
        return Some(VersionError::UpstreamBadChar);
    }
    if p.revision
        .iter()
        .any(|&c| !c.is_ascii_alphanumeric() && !b".+~".contains(&c))
    {
        return Some(VersionError::RevisionBadChar);
    }
    None
}

fn to_owned(p: Parts<'_>) -> DebVersion {
    DebVersion {
        epoch: p.epoch,
        upstream: String::from_utf8_lossy(p.upstream).into_owned(),
        revision: String::from_utf8_lossy(p.revision).into_owned(),
    }
}

/// Parses a Debian version; errors where dpkg refuses the version, accepts what it only warns about.
pub fn parse(v: &str) -> Result<DebVersion, VersionError> {
    match split(c_bytes(v)) {
        (_, Some(e)) => Err(e),
        (p, None) => Ok(to_owned(p)),
    }
}

/// Checks a Debian version strictly: also rejects what dpkg only warns about (bad characters).
pub fn validate(v: &str) -> Result<(), VersionError> {
    let (p, err) = split(c_bytes(v));
    match err.or_else(|| check_chars(&p)) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Compares two Debian versions as `dpkg --compare-versions`; unparsable input gets a best-effort
/// split (never a panic), so every pair of strings orders deterministically.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (x, _) = split(c_bytes(a));
    let (y, _) = split(c_bytes(b));
    x.epoch
        .cmp(&y.epoch)
        .then_with(|| verrevcmp(x.upstream, y.upstream))
        .then_with(|| verrevcmp(x.revision, y.revision))
}

/// dpkg's character weight: `~` first, then the end of a part and digits, then letters, then
/// everything else. dpkg reads `char`, signed on the x86 builds the oracle ran on, so bytes
/// >= 0x80 weigh `c - 256 + 256`, i.e. between ASCII letters and ASCII punctuation.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) if c >= 0x80 => i32::from(c as i8) + 256,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp` on one part (upstream or revision).
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0usize, 0usize);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_parts() {
        let v = parse("1:2.3-4-5").unwrap();
        assert_eq!((v.epoch, &*v.upstream, &*v.revision), (1, "2.3-4", "5"));
        assert_eq!(v.to_string(), "1:2.3-4-5");
        let v = parse(" 2.3 ").unwrap();
        assert_eq!((v.epoch, &*v.upstream, &*v.revision), (0, "2.3", ""));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(parse(""), Err(VersionError::Empty));
        assert_eq!(parse("1 2"), Err(VersionError::EmbeddedSpaces));
        assert_eq!(parse(":1"), Err(VersionError::EpochEmpty));
        assert_eq!(parse("a:1"), Err(VersionError::EpochEmpty));
        assert_eq!(parse("1a:1"), Err(VersionError::EpochNotNumber));
        assert_eq!(parse("-1:1"), Err(VersionError::EpochNegative));
        assert_eq!(parse("9999999999:1"), Err(VersionError::EpochTooBig));
        assert_eq!(parse("1:"), Err(VersionError::NothingAfterColon));
        assert_eq!(parse("1.0-"), Err(VersionError::RevisionEmpty));
        assert_eq!(parse("-1"), Err(VersionError::UpstreamEmpty));
        assert!(parse("a1.0_x-1").is_ok());
        assert_eq!(validate("a1.0"), Err(VersionError::UpstreamNotDigit));
        assert_eq!(validate("1.0_x"), Err(VersionError::UpstreamBadChar));
        assert_eq!(validate("1.0-1_x"), Err(VersionError::RevisionBadChar));
        assert_eq!(validate("1:1.0~rc1+dfsg-1ubuntu0.1"), Ok(()));
    }

    #[test]
    fn order_basics() {
        assert_eq!(compare("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(compare("1.0", "1.0-0"), Ordering::Equal);
        assert_eq!(compare("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(compare("1:0.1", "2.0"), Ordering::Greater);
        assert_eq!(compare("1.00", "1.0"), Ordering::Equal);
    }
}
