//! Alpine version order, as apk-tools 3 (src/version.c):
//! `digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}`.
//!
//! apk does not reject invalid versions when comparing: it compares token by token and stops at
//! the first token that breaks the grammar; a version that breaks it earlier sorts lower. This
//! module does the same, so invalid versions order exactly as `apk version -t` orders them.

use std::cmp::Ordering;

// The order is the semantics: it bounds which token may follow which, and an earlier-ending
// version (higher token) sorts lower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

// Suffix weights; `NONE` (no suffix) is the pivot between pre- and post-release suffixes.
const SUFFIX_NONE: u8 = 5;

fn suffix_value(s: &[u8]) -> Option<u8> {
    Some(match s {
        b"alpha" => 1,
        b"beta" => 2,
        b"pre" => 3,
        b"rc" => 4,
        b"cvs" => 6,
        b"svn" => 7,
        b"git" => 8,
        b"hg" => 9,
        b"p" => 10,
        _ => return None,
    })
}

struct Tokens<'a> {
    rest: &'a [u8],
    tok: Tok,
    suffix: u8,
    number: u64,
    value: &'a [u8],
}

impl<'a> Tokens<'a> {
    fn first(s: &'a [u8]) -> Self {
        let mut t = Tokens {
            rest: s,
            tok: Tok::InitialDigit,
            suffix: 0,
            number: 0,
            value: b"",
        };
        t.digits();
        t
    }

    // apk_blob_pull_uint: decimal, wrapping on overflow like the C uint64_t arithmetic.
    fn digits(&mut self) {
        let n = self.rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let (v, rest) = self.rest.split_at(n);
        self.number = v.iter().fold(0u64, |acc, &d| {
            acc.wrapping_mul(10).wrapping_add(u64::from(d - b'0'))
        });
        self.value = v;
        self.rest = rest;
        if n == 0 {
            self.tok = Tok::Invalid;
        }
    }

    fn next(&mut self) {
        let Some(&c) = self.rest.first() else {
            self.tok = Tok::End;
            return;
        };
        match c {
            b'a'..=b'z' if self.tok <= Tok::Digit => {
                self.value = &self.rest[..1];
                self.rest = &self.rest[1..];
                self.tok = Tok::Letter;
            }
            b'.' | b'0'..=b'9' => {
                if c == b'.' {
                    if self.tok > Tok::Digit {
                        self.tok = Tok::Invalid;
                        return;
                    }
                    self.rest = &self.rest[1..];
                }
                self.tok = match self.tok {
                    Tok::InitialDigit | Tok::Digit => Tok::Digit,
                    Tok::Suffix => Tok::SuffixNo,
                    _ => {
                        self.tok = Tok::Invalid;
                        return;
                    }
                };
                self.digits();
            }
            b'_' if self.tok <= Tok::SuffixNo => {
                let s = &self.rest[1..];
                let n = s.iter().take_while(|c| c.is_ascii_lowercase()).count();
                self.value = &s[..n];
                self.rest = &s[n..];
                match suffix_value(self.value) {
                    Some(v) => {
                        self.suffix = v;
                        self.tok = Tok::Suffix;
                    }
                    None => self.tok = Tok::Invalid,
                }
            }
            b'~' if self.tok < Tok::CommitHash => {
                let s = &self.rest[1..];
                let n = s
                    .iter()
                    .take_while(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                    .count();
                self.value = &s[..n];
                self.rest = &s[n..];
                self.tok = if n == 0 {
                    Tok::Invalid
                } else {
                    Tok::CommitHash
                };
            }
            b'-' if self.tok < Tok::RevisionNo && self.rest.get(1) == Some(&b'r') => {
                self.rest = &self.rest[2..];
                self.tok = Tok::RevisionNo;
                self.digits();
            }
            _ => self.tok = Tok::Invalid,
        }
    }
}

// Compares the current tokens of two versions, which have the same token type.
fn token_cmp(a: &Tokens<'_>, b: &Tokens<'_>) -> Ordering {
    match a.tok {
        // A leading zero in a non-initial number means string order (Gentoo's rule).
        Tok::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Tok::Digit | Tok::InitialDigit | Tok::SuffixNo | Tok::RevisionNo => a.number.cmp(&b.number),
        Tok::Letter => a.value.first().cmp(&b.value.first()),
        Tok::Suffix => a.suffix.cmp(&b.suffix),
        _ => a.value.cmp(b.value),
    }
}

fn compare_impl(a: &str, b: &str, fuzzy: bool) -> Ordering {
    let mut ta = Tokens::first(a.as_bytes());
    let mut tb = Tokens::first(b.as_bytes());
    while ta.tok == tb.tok && ta.tok < Tok::End {
        match token_cmp(&ta, &tb) {
            Ordering::Equal => {}
            o => return o,
        }
        ta.next();
        tb.next();
    }
    if ta.tok == tb.tok || (fuzzy && tb.tok == Tok::End) {
        return Ordering::Equal;
    }
    // Equal so far: the longer version is newer unless what it has next is a pre-release suffix.
    if ta.tok == Tok::Suffix && ta.suffix < SUFFIX_NONE {
        return Ordering::Less;
    }
    if tb.tok == Tok::Suffix && tb.suffix < SUFFIX_NONE {
        return Ordering::Greater;
    }
    tb.tok.cmp(&ta.tok)
}

/// Compares two Alpine versions as apk-tools does (invalid versions included, never panics).
pub fn compare(a: &str, b: &str) -> Ordering {
    compare_impl(a, b, false)
}

/// apk's fuzzy comparison (the `~` operator): `Equal` when `b` is a token-wise prefix of `a`.
pub fn compare_fuzzy(a: &str, b: &str) -> Ordering {
    compare_impl(a, b, true)
}

/// Whether apk-tools accepts `v` as a valid version.
pub fn is_valid(v: &str) -> bool {
    let mut t = Tokens::first(v.as_bytes());
    while t.tok < Tok::End {
        t.next();
    }
    t.tok == Tok::End
}

// ---- apk-tools 2 ----
//
// The tokenizer apk-tools 2 used before the rewrite (Alpine 3.10's apk 2.10 is what generated
// osv-scalibr's Alpine vectors). It differs from apk-tools 3 on valid versions too: leading
// zeros weigh by their count (`8.2.0 > 8.2.001`), `6.0_pre1 > 6.0`, and on invalid ones it
// reads a digit after a letter (`6.0.2p1-r1`) and an empty `-r`.

// The order is the semantics, as above; `V2Invalid` sorts below everything here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum V2 {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

// Advances past a separator and works out the next token type.
fn v2_next(t: V2, s: &[u8], p: &mut usize) -> V2 {
    let mut n = V2::Invalid;
    match s.get(*p) {
        None => n = V2::End,
        Some(c) if matches!(t, V2::Digit | V2::DigitOrZero) && c.is_ascii_lowercase() => {
            n = V2::Letter
        }
        Some(c) if t == V2::Letter && c.is_ascii_digit() => n = V2::Digit,
        Some(c) if t == V2::Suffix && c.is_ascii_digit() => n = V2::SuffixNo,
        Some(&c) => {
            match c {
                b'.' => n = V2::DigitOrZero,
                b'_' => n = V2::Suffix,
                b'-' if s.get(*p + 1) == Some(&b'r') => {
                    n = V2::RevisionNo;
                    *p += 1;
                }
                _ => {}
            }
            *p += 1;
        }
    }
    let allowed_back = matches!(
        (n, t),
        (V2::DigitOrZero, V2::Digit) | (V2::Suffix, V2::SuffixNo) | (V2::Digit, V2::Letter)
    );
    if n < t && !allowed_back {
        n = V2::Invalid;
    }
    n
}

// Reads the token at `p` of type `t`; returns its value and sets `t` to the next type.
fn v2_get(t: &mut V2, s: &[u8], p: &mut usize) -> i64 {
    const PRE: [&[u8]; 4] = [b"alpha", b"beta", b"pre", b"rc"];
    const POST: [&[u8]; 5] = [b"cvs", b"svn", b"git", b"hg", b"p"];
    if *p >= s.len() {
        *t = V2::End;
        return 0;
    }
    let r = &s[*p..];
    let mut i = 0usize;
    let mut v: i64 = 0;
    let mut nt = None;
    match *t {
        V2::DigitOrZero if r[0] == b'0' => {
            // Leading zeros weigh by how many there are.
            i = r.iter().take_while(|&&c| c == b'0').count();
            v = -(i as i64);
            nt = Some(V2::Digit);
        }
        V2::DigitOrZero | V2::Digit | V2::SuffixNo | V2::RevisionNo => {
            // C int arithmetic; wrapping keeps garbage deterministic instead of panicking.
            for &c in r.iter().take_while(|c| c.is_ascii_digit()) {
                v = v.wrapping_mul(10).wrapping_add(i64::from(c - b'0')) as i32 as i64;
                i += 1;
            }
        }
        V2::Letter => {
            v = i64::from(r[0]);
            i = 1;
        }
        V2::Suffix => {
            if let Some(k) = PRE.iter().position(|x| r.starts_with(x)) {
                v = k as i64 - PRE.len() as i64;
                i = PRE[k].len();
            } else if let Some(k) = POST.iter().position(|x| r.starts_with(x)) {
                v = k as i64;
                i = POST[k].len();
            } else {
                *t = V2::Invalid;
                return -1;
            }
        }
        V2::Invalid | V2::End => {
            *t = V2::Invalid;
            return -1;
        }
    }
    *p += i;
    if *p >= s.len() {
        *t = V2::End;
    } else if let Some(nt) = nt {
        *t = nt;
    } else {
        *t = v2_next(*t, s, p);
    }
    v
}

/// Compares two Alpine versions as apk-tools 2 did before its version rewrite (the order that
/// Alpine 3.10's apk 2.10 used); prefer [`compare`] unless matching that older apk.
pub fn compare_v2(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut at, mut bt) = (V2::Digit, V2::Digit);
    let (mut av, mut bv) = (0i64, 0i64);
    let (mut pa, mut pb) = (0usize, 0usize);
    while at == bt && at != V2::End && at != V2::Invalid && av == bv {
        av = v2_get(&mut at, a, &mut pa);
        bv = v2_get(&mut bt, b, &mut pb);
    }
    match av.cmp(&bv) {
        Ordering::Equal => {}
        o => return o,
    }
    if at == bt {
        return Ordering::Equal;
    }
    // A pre-release suffix next makes the longer version the older one.
    let (mut tt, mut pp) = (at, pa);
    if at == V2::Suffix && v2_get(&mut tt, a, &mut pp) < 0 {
        return Ordering::Less;
    }
    let (mut tt, mut pp) = (bt, pb);
    if bt == V2::Suffix && v2_get(&mut tt, b, &mut pp) < 0 {
        return Ordering::Greater;
    }
    bt.cmp(&at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert_eq!(compare("1.2.3-r1", "1.2.3-r0"), Ordering::Greater);
        assert_eq!(compare("1.2_rc1", "1.2"), Ordering::Less);
        assert_eq!(compare("1.2_p1", "1.2"), Ordering::Greater);
        assert_eq!(compare("1.2", "1.2-r0"), Ordering::Less);
        assert_eq!(compare("", ""), Ordering::Equal);
        assert_eq!(compare("", "1"), Ordering::Less);
        assert_eq!(compare_fuzzy("3.6.9", "3.6"), Ordering::Equal);
        assert!(is_valid("1.0_pre2~1234abcd-r3"));
        assert!(!is_valid("1.0a1"));
        assert!(!is_valid("1.0\0"));
        assert_eq!(compare("1.0\0", "1.0"), Ordering::Less);
    }

    #[test]
    fn v2_differs_where_apk_did() {
        assert_eq!(compare_v2("8.2.0", "8.2.001"), Ordering::Greater);
        assert_eq!(compare("8.2.0", "8.2.001"), Ordering::Less);
        assert_eq!(compare_v2("6.0.2p1-r0", "6.0.2p1-r1"), Ordering::Less);
        assert_eq!(compare("6.0.2p1-r0", "6.0.2p1-r1"), Ordering::Equal);
        assert_eq!(
            compare_v2("99999999999999999999", "1"),
            compare_v2("99999999999999999999", "1")
        );
    }

    #[test]
    fn huge_numbers_wrap_like_apk() {
        // 2^64 wraps to 0 in apk's uint64_t arithmetic.
        assert_eq!(compare("18446744073709551616", "0"), Ordering::Equal);
    }
}
