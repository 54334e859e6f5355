//! License names as packages declare them ("Apache License, Version 2.0", "MIT License",
//! `License :: OSI Approved :: BSD License`, a URL) turned into SPDX ids the way Trivy 0.76's
//! `licensing.Normalize` does, and Trivy's license categories for a license policy.
//!
//! A name is first standardized (whitespace collapsed, upper case, "licence" spelled
//! "license", a leading "The " and a trailing "License"/"Licensed" dropped, "+"/"or later"
//! and "only" suffixes taken off, a trailing version written `-N.N`), then looked up in
//! `aliases.txt`. A name not in the table is kept as written (trimmed). GNU licenses come out
//! with SPDX's `-only` / `-or-later` suffix, others with `+` when "or later" was said.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The alias table: standardized name -> (SPDX id, "or later").
fn aliases() -> &'static HashMap<String, (&'static str, bool)> {
    static TABLE: OnceLock<HashMap<String, (&'static str, bool)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("aliases.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split('|');
                let key = f.next()?;
                let id = f.next()?;
                Some((key.to_string(), (id, f.next() == Some("+"))))
            })
            .collect()
    })
}

/// GNU licenses, which SPDX always writes with `-only` or `-or-later`.
const GNU: &[&str] = &[
    "AGPL-1.0",
    "AGPL-3.0",
    "GFDL-1.1-invariants",
    "GFDL-1.1-no-invariants",
    "GFDL-1.1",
    "GFDL-1.2-invariants",
    "GFDL-1.2-no-invariants",
    "GFDL-1.2",
    "GFDL-1.3-invariants",
    "GFDL-1.3-no-invariants",
    "GFDL-1.3",
    "GPL-1.0",
    "GPL-2.0",
    "GPL-3.0",
    "LGPL-2.0",
    "LGPL-2.1",
    "LGPL-3.0",
];

/// The SPDX id for a declared license name, or the name itself (trimmed) when it is not
/// known. `"Apache License, Version 2.0"` -> `Apache-2.0`; `"GPLv2+"` -> `GPL-2.0-or-later`.
pub fn normalize(name: &str) -> String {
    let name = name.trim();
    let (key, plus) = standardize(name);
    let Some(&(id, always_plus)) = aliases().get(&key) else {
        return name.to_string();
    };
    let plus = plus || always_plus;
    if GNU.contains(&id) {
        format!("{id}{}", if plus { "-or-later" } else { "-only" })
    } else if plus {
        format!("{id}+")
    } else {
        id.to_string()
    }
}

/// The SPDX id a license URL stands for, when known: the URLs of the alias table
/// (`http://www.apache.org/licenses/LICENSE-2.0`, ...) and the Open Source Initiative's
/// `opensource.org/licenses/<id>` pages (Trivy looks URLs up in SPDX's `seeAlso` lists,
/// where these are the common ones).
pub fn id_by_url(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let (key, _) = standardize(url);
    if let Some(&(id, _)) = aliases().get(&key) {
        return Some(id.to_string());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let name = rest.strip_prefix("opensource.org/licenses/")?;
    let name = name.trim_end_matches('/');
    let name = [".php", ".html", ".txt"]
        .iter()
        .find_map(|e| name.strip_suffix(e))
        .unwrap_or(name);
    let name = name.strip_suffix("-license").unwrap_or(name);
    let (key, _) = standardize(name);
    aliases().get(&key).map(|&(id, _)| id.to_string())
}

/// Each of `names` normalized, duplicates after the first dropped.
pub fn normalize_all(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        let n = normalize(n);
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// The lookup key for a name, and whether it said "or later".
fn standardize(name: &str) -> (String, bool) {
    let mut s = name.split_whitespace().collect::<Vec<_>>().join(" ");
    s = s.to_uppercase();
    // URLs are looked up as they are.
    if s.starts_with("HTTP") {
        return (s, false);
    }
    s = s.replace("LICENCE", "LICENSE");
    if let Some(rest) = s.strip_prefix("THE ") {
        s = rest.to_string();
    }
    for suffix in [" LICENSE", " LICENSED", "-LICENSE", "-LICENSED"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.to_string();
        }
    }
    // "Unlicense" and "Unlicensed" are names, not a suffix.
    if s != "UNLICENSE" {
        if let Some(rest) = s.strip_suffix("LICENSE") {
            s = rest.to_string();
        }
    }
    if s != "UNLICENSED" {
        if let Some(rest) = s.strip_suffix("LICENSED") {
            s = rest.to_string();
        }
    }
    let mut plus = false;
    for suffix in ["+", "-OR-LATER", " OR LATER"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.to_string();
            plus = true;
        }
    }
    for suffix in ["-ONLY", " ONLY"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.to_string();
        }
    }
    (version_suffix(&s), plus)
}

/// Rewrites a trailing version the way Trivy's `versionSuffixRegexp` does: a letter (not V)
/// or `)`, then optionally " LICENSE", a separator (`,`, `(`, `-`, spaces), a version word
/// (`V`, `V.`, `VER`, `VER.`, `VERSION`, `VERSION-`, `-`) and `N(.N)*` with an optional `)`
/// at the very end, becomes `<letter>-N(.N)*`: "APACHE 2.0" -> "APACHE-2.0",
/// "GPL V2" -> "GPL-2", "APACHE LICENSE, VERSION 2.0" -> "APACHE-2.0".
fn version_suffix(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    for start in 0..chars.len() {
        if let Some(version) = version_at(&chars, start) {
            let mut out: String = chars[..=start].iter().collect();
            out.push('-');
            out.push_str(&version);
            return out;
        }
    }
    s.to_string()
}

/// The version when a version suffix starts at `start` and runs to the end.
fn version_at(c: &[char], start: usize) -> Option<String> {
    let first = c[start];
    if !(first.is_ascii_uppercase() && first != 'V' || first == ')') {
        return None;
    }
    let ws = |mut i: usize| {
        while i < c.len() && matches!(c[i], ' ' | '\t' | '\n' | '\r' | '\x0c') {
            i += 1;
        }
        i
    };
    let starts = |i: usize, w: &str| {
        let w: Vec<char> = w.chars().collect();
        c.len() >= i + w.len() && c[i..i + w.len()] == w[..]
    };
    for license in [true, false] {
        let mut i = start + 1;
        if license {
            if !starts(i, " LICENSE") {
                continue;
            }
            i += 8;
        }
        let i = ws(i);
        for sep in [true, false] {
            let mut j = i;
            if sep {
                if j >= c.len() || !matches!(c[j], ',' | '(' | '-') {
                    continue;
                }
                j += 1;
            }
            let j = ws(j);
            for word in ["VERSION-", "VERSION", "VER.", "VER", "V.", "V", "-", ""] {
                if !starts(j, word) {
                    continue;
                }
                let k = ws(j + word.chars().count());
                if k >= c.len() || !('1'..='9').contains(&c[k]) {
                    continue;
                }
                let mut m = k + 1;
                while m + 1 < c.len() && c[m] == '.' && c[m + 1].is_ascii_digit() {
                    m += 2;
                }
                if m == c.len() || (m + 1 == c.len() && c[m] == ')') {
                    return Some(c[k..m].iter().collect());
                }
            }
        }
    }
    None
}

/// Splits `MIT or BSD-2-Clause` / `A, B` into names, like Trivy's `licensing.SplitLicenses`
/// (separator `(,?[_ ]+(?:or|and)[_ ]+)|(,[ ]*)`): a part starting with `ver`/`version` is
/// glued back to the previous one with ", ", one starting with `later` with " or ", and the
/// three Python classifiers that contain " or "/" and " are put back together. A license
/// text (a URL, "(c)", "hereby", ...) is one `text://<text>` entry.
pub fn split(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    // A license text rather than names is kept whole, marked as Trivy marks it.
    let lower = s.to_lowercase();
    if LICENSE_TEXT_WORDS.iter().any(|w| lower.contains(w)) {
        return vec![format!("text://{s}")];
    }
    let b = s.as_bytes();
    let sep_at = |i: usize| -> Option<usize> {
        // alternative 1: ,?[_ ]+(or|and)[_ ]+
        let mut j = i;
        if b.get(j) == Some(&b',') {
            j += 1;
        }
        let k = j;
        while matches!(b.get(j), Some(b'_' | b' ')) {
            j += 1;
        }
        if j > k {
            for w in [&b"or"[..], &b"and"[..]] {
                if b[j..].starts_with(w) {
                    let mut e = j + w.len();
                    let f = e;
                    while matches!(b.get(e), Some(b'_' | b' ')) {
                        e += 1;
                    }
                    if e > f {
                        return Some(e);
                    }
                }
            }
        }
        // alternative 2: ,[ ]*
        if b.get(i) == Some(&b',') {
            let mut e = i + 1;
            while b.get(e) == Some(&b' ') {
                e += 1;
            }
            return Some(e);
        }
        None
    };
    let mut parts: Vec<&str> = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        match sep_at(i) {
            Some(end) => {
                parts.push(&s[start..i]);
                start = end;
                i = end;
            }
            None => i += 1,
        }
    }
    if s.is_empty() {
        return Vec::new();
    }
    parts.push(&s[start..]);
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        let first = p.split(' ').next().unwrap_or("").to_lowercase();
        if let Some(last) = out.last_mut() {
            if first == "ver" || first == "version" {
                last.push_str(", ");
                last.push_str(p);
                continue;
            }
            if first == "later" {
                last.push_str(" or ");
                last.push_str(p);
                continue;
            }
            if let Some((_, whole)) = PYTHON_SPLIT_NAMES.iter().find(|(w, _)| *w == first) {
                // The part is dropped unless it completes the classifier name.
                if *whole == format!("{last} or {p}") || *whole == format!("{last} and {p}") {
                    *last = whole.to_string();
                }
                continue;
            }
        }
        out.push(p.to_string());
    }
    out
}

/// Words that mark a license string as a license text (Trivy's `licenseTextKeywords`).
const LICENSE_TEXT_WORDS: &[&str] = &[
    "http://",
    "https://",
    "(c)",
    "as-is",
    ";",
    "hereby",
    "permission to use",
    "permission is",
    "use in source",
    "use, copy, modify",
    "using",
];

/// Python license classifiers that the separators cut: the first word of the cut-off part,
/// and the whole name.
const PYTHON_SPLIT_NAMES: &[(&str, &str)] = &[
    (
        "lesser",
        "GNU Library or Lesser General Public License (LGPL)",
    ),
    (
        "distribution",
        "Common Development and Distribution License 1.0 (CDDL-1.0)",
    ),
    (
        "disclaimer",
        "Historical Permission Notice and Disclaimer (HPND)",
    ),
];

/// Trivy's license categories, from the most to the least constraining.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Not to be used at all (AGPL, non-commercial Creative Commons, WTFPL, ...).
    Forbidden,
    /// Shipping requires the source (GPL, LGPL, CC-BY-SA, OSL, ...).
    Restricted,
    /// Modified files must be published (MPL, EPL, CDDL, ...).
    Reciprocal,
    /// A notice must be kept (MIT, Apache, BSD, ISC, ...).
    Notice,
    /// Even fewer conditions than notice (Trivy lists none).
    Permissive,
    /// Free for any use (CC0, Unlicense, 0BSD).
    Unencumbered,
    /// Not in any list.
    Unknown,
}

impl Category {
    /// Trivy's name for the category (`forbidden`, `notice`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Forbidden => "forbidden",
            Category::Restricted => "restricted",
            Category::Reciprocal => "reciprocal",
            Category::Notice => "notice",
            Category::Permissive => "permissive",
            Category::Unencumbered => "unencumbered",
            Category::Unknown => "unknown",
        }
    }
}

const FORBIDDEN: &[&str] = &[
    "AGPL-1.0",
    "AGPL-3.0",
    "CC-BY-NC-1.0",
    "CC-BY-NC-2.0",
    "CC-BY-NC-2.5",
    "CC-BY-NC-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-ND-1.0",
    "CC-BY-NC-ND-2.0",
    "CC-BY-NC-ND-2.5",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-1.0",
    "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-2.5",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
    "Commons-Clause",
    "Facebook-2-Clause",
    "Facebook-3-Clause",
    "Facebook-Examples",
    "WTFPL",
];

const RESTRICTED: &[&str] = &[
    "BCL",
    "CC-BY-ND-1.0",
    "CC-BY-ND-2.0",
    "CC-BY-ND-2.5",
    "CC-BY-ND-3.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-1.0",
    "CC-BY-SA-2.0",
    "CC-BY-SA-2.5",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "GPL-1.0",
    "GPL-2.0",
    "GPL-2.0-with-autoconf-exception",
    "GPL-2.0-with-bison-exception",
    "GPL-2.0-with-classpath-exception",
    "GPL-2.0-with-font-exception",
    "GPL-2.0-with-GCC-exception",
    "GPL-3.0",
    "GPL-3.0-with-autoconf-exception",
    "GPL-3.0-with-GCC-exception",
    "LGPL-2.0",
    "LGPL-2.1",
    "LGPL-3.0",
    "NPL-1.0",
    "NPL-1.1",
    "OSL-1.0",
    "OSL-1.1",
    "OSL-2.0",
    "OSL-2.1",
    "OSL-3.0",
    "QPL-1.0",
    "Sleepycat",
];

const RECIPROCAL: &[&str] = &[
    "APSL-1.0",
    "APSL-1.1",
    "APSL-1.2",
    "APSL-2.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CPL-1.0",
    "EPL-1.0",
    "EPL-2.0",
    "FreeImage",
    "IPL-1.0",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "Ruby",
];

const NOTICE: &[&str] = &[
    "AFL-1.1",
    "AFL-1.2",
    "AFL-2.0",
    "AFL-2.1",
    "AFL-3.0",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-1.0-cl8",
    "Artistic-1.0-Perl",
    "Artistic-1.0",
    "Artistic-2.0",
    "BSL-1.0",
    "BSD-2-Clause-FreeBSD",
    "BSD-2-Clause-NetBSD",
    "BSD-2-Clause",
    "BSD-3-Clause-Attribution",
    "BSD-3-Clause-Clear",
    "BSD-3-Clause-LBNL",
    "BSD-3-Clause",
    "BSD-4-Clause",
    "BSD-4-Clause-UC",
    "BSD-Protection",
    "CC-BY-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "FTL",
    "ISC",
    "ImageMagick",
    "Libpng",
    "Lil-1.0",
    "Linux-OpenIB",
    "LPL-1.02",
    "LPL-1.0",
    "MS-PL",
    "MIT",
    "NCSA",
    "OpenSSL",
    "PHP-3.01",
    "PHP-3.0",
    "PIL",
    "Python-2.0",
    "Python-2.0-complete",
    "PostgreSQL",
    "SGI-B-1.0",
    "SGI-B-1.1",
    "SGI-B-2.0",
    "Unicode-DFS-2015",
    "Unicode-DFS-2016",
    "Unicode-TOU",
    "UPL-1.0",
    "W3C-19980720",
    "W3C-20150513",
    "W3C",
    "X11",
    "Xnet",
    "Zend-2.0",
    "zlib-acknowledgement",
    "Zlib",
    "ZPL-1.1",
    "ZPL-2.0",
    "ZPL-2.1",
];

const UNENCUMBERED: &[&str] = &["CC0-1.0", "Unlicense", "0BSD"];

/// The category of a license, by its normalized name (as [`normalize`] gives it; other
/// names are normalized first). SPDX's `-only`, `-or-later` and `+` do not change it.
pub fn category(license: &str) -> Category {
    let id = normalize(license);
    let base = ["-only", "-or-later", "+"]
        .iter()
        .find_map(|s| id.strip_suffix(s))
        .unwrap_or(&id);
    let lists: [(&[&str], Category); 5] = [
        (FORBIDDEN, Category::Forbidden),
        (RESTRICTED, Category::Restricted),
        (RECIPROCAL, Category::Reciprocal),
        (NOTICE, Category::Notice),
        (UNENCUMBERED, Category::Unencumbered),
    ];
    for (list, cat) in lists {
        if list.contains(&base) {
            return cat;
        }
    }
    Category::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardized_keys_of_the_table_are_their_own_key() {
        // Every key must survive standardization unchanged, or it could never be found.
        for key in aliases().keys() {
            assert_eq!(&standardize(key).0, key, "{key}");
        }
    }

    #[test]
    fn common_declared_names() {
        for (raw, want) in [
            ("Apache 2.0", "Apache-2.0"),
            ("Apache License, Version 2.0", "Apache-2.0"),
            ("The Apache Software License, Version 2.0", "Apache-2.0"),
            ("MIT License", "MIT"),
            ("  mit  ", "MIT"),
            ("BSD", "BSD-3-Clause"),
            ("GPLv2+", "GPL-2.0-or-later"),
            ("GPL-2", "GPL-2.0-only"),
            ("LGPL", "LGPL-2.0-or-later"),
            (
                "http://www.apache.org/licenses/LICENSE-2.0.txt",
                "Apache-2.0",
            ),
            ("Eclipse Public License - v 1.0", "EPL-1.0"),
            ("Unlicense", "Unlicense"),
            ("Some Custom License", "Some Custom License"),
            ("", ""),
        ] {
            assert_eq!(normalize(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn license_urls() {
        assert_eq!(
            id_by_url("https://opensource.org/licenses/MIT").as_deref(),
            Some("MIT")
        );
        assert_eq!(
            id_by_url("http://www.opensource.org/licenses/mit-license.php").as_deref(),
            Some("MIT")
        );
        assert_eq!(
            id_by_url("https://www.apache.org/licenses/LICENSE-2.0").as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(id_by_url("https://example.com/LICENSE"), None);
        assert_eq!(id_by_url(""), None);
    }

    #[test]
    fn version_suffixes() {
        assert_eq!(version_suffix("APACHE 2.0"), "APACHE-2.0");
        assert_eq!(version_suffix("GPL V2"), "GPL-2");
        assert_eq!(version_suffix("MPL (2.0)"), "MPL-2.0");
        assert_eq!(version_suffix("LPL-1.02"), "LPL-1.02");
        assert_eq!(version_suffix("X"), "X");
    }

    #[test]
    fn categories() {
        assert_eq!(category("GPL-2.0-only"), Category::Restricted);
        assert_eq!(category("AGPL-3.0-or-later"), Category::Forbidden);
        assert_eq!(category("MPL-2.0"), Category::Reciprocal);
        assert_eq!(category("MIT License"), Category::Notice);
        assert_eq!(category("CC0-1.0"), Category::Unencumbered);
        assert_eq!(category("Proprietary"), Category::Unknown);
        assert_eq!(Category::Notice.as_str(), "notice");
    }
}
