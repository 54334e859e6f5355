//! Go analyzers against Trivy 0.76 on Trivy's own testdata and on Go binaries built here
//! (expectations: testdata/lang/go/**/*.trivy.json, made by testdata/lang/gen-trivy-expected-go-rust.py).

mod common;

use std::path::{Path, PathBuf};

use common::{gunzip, triples, Triple};
use tollgate_analyze::lang::golang::{GoBinaryAnalyzer, GoModAnalyzer};
use tollgate_analyze::Analyzer;

fn dir() -> PathBuf {
    common::testdata("go")
}

/// Trivy's (name, version, relationship) list for an input, or None when Trivy reported nothing.
fn expected(input: &Path) -> Option<Vec<Triple>> {
    common::trivy_triples(input, "alone")
}

#[test]
fn gomod_equals_trivy_on_trivy_testdata() {
    // Where Trivy logs a parse error and reports nothing, we say what is wrong.
    let compared = common::lockfiles_alone_equal_trivy(&dir(), "go.mod", &GoModAnalyzer);
    assert_eq!(compared, 23);
}

/// Go's debug/buildinfo pointer format (before Go 1.18), made from a 1.19 binary the way the
/// generator script does: same strings, reached through Go string headers.
fn to_pointer_format(mut d: Vec<u8>) -> Vec<u8> {
    let u16at = |d: &[u8], o: usize| u16::from_le_bytes(d[o..o + 2].try_into().unwrap()) as usize;
    let u64at = |d: &[u8], o: usize| u64::from_le_bytes(d[o..o + 8].try_into().unwrap());
    let shoff = u64at(&d, 0x28) as usize;
    let (shentsize, shnum, shstrndx) = (u16at(&d, 0x3a), u16at(&d, 0x3c), u16at(&d, 0x3e));
    let sh = |d: &[u8], i: usize| {
        let o = shoff + i * shentsize;
        let name = u32::from_le_bytes(d[o..o + 4].try_into().unwrap()) as usize;
        (name, u64at(d, o + 16), u64at(d, o + 24) as usize)
    };
    let stroff = sh(&d, shstrndx).2;
    let (_, addr, off) = (0..shnum)
        .map(|i| sh(&d, i))
        .find(|(n, _, _)| d[stroff + n..].starts_with(b".go.buildinfo\0"))
        .unwrap();
    let uvar = |d: &[u8], mut p: usize| {
        let (mut x, mut s) = (0usize, 0);
        loop {
            let c = d[p];
            p += 1;
            x |= ((c & 0x7f) as usize) << s;
            s += 7;
            if c < 0x80 {
                return (x, p);
            }
        }
    };
    let (n, p) = uvar(&d, off + 32);
    let vers = d[p..p + n].to_vec();
    let (n, p) = uvar(&d, p + n);
    let modinfo = d[p..p + n].to_vec();
    d[off + 15] = 0;
    let mut put = |o: usize, v: u64| d[o..o + 8].copy_from_slice(&v.to_le_bytes());
    put(off + 16, addr + 32);
    put(off + 24, addr + 48);
    put(off + 32, addr + 64);
    put(off + 40, vers.len() as u64);
    put(off + 48, addr + 64 + vers.len() as u64);
    put(off + 56, modinfo.len() as u64);
    let s = off + 64;
    d[s..s + vers.len()].copy_from_slice(&vers);
    d[s + vers.len()..s + vers.len() + modinfo.len()].copy_from_slice(&modinfo);
    d
}

fn strip_section_headers(mut d: Vec<u8>) -> Vec<u8> {
    d[0x28..0x30].fill(0);
    d[0x3c..0x40].fill(0);
    d
}

#[test]
fn gobinary_equals_trivy_on_binaries_built_here() {
    let bin = dir().join("bin");
    let mut compared = 0;
    for e in std::fs::read_dir(&bin).unwrap() {
        let p = e.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) != Some("gz") {
            continue;
        }
        let data = gunzip(&p);
        let name = p.file_stem().unwrap().to_str().unwrap().to_string();
        let r = GoBinaryAnalyzer
            .analyze(&format!("bin/{name}"), &data)
            .unwrap();
        assert_eq!(triples(&r), expected(&bin.join(&name)), "{name}");
        compared += 1;
    }
    assert_eq!(compared, 4);

    let base = gunzip(&bin.join("hello-go119-stripped-ldflags.gz"));
    let want = expected(&bin.join("hello-go119-stripped-ldflags"));
    let ptr = GoBinaryAnalyzer
        .analyze("bin/p", &to_pointer_format(base.clone()))
        .unwrap();
    assert_eq!(triples(&ptr), expected(&bin.join("hello-go119-ptrfmt")));
    assert_eq!(triples(&ptr), want);

    // Deliberate difference: with the ELF section headers gone, Trivy 0.76 finds nothing
    // (its expectation file says so), while the build info is still in the writable
    // PT_LOAD segment, where Go's own `go version -m` (1.19) finds it. We report it.
    assert_eq!(expected(&bin.join("hello-go119-noshdr")), None);
    let sstripped = strip_section_headers(base);
    let r = GoBinaryAnalyzer.analyze("bin/s", &sstripped).unwrap();
    assert_eq!(triples(&r), want);
}

#[test]
fn not_go_executables_give_nothing() {
    // Trivy's own "not a Go binary" inputs (copied from its analyzer testdata).
    let trivy = dir().join("not-go");
    let inputs = common::inputs_and_files_in(
        vec![
            b"#!/bin/bash\necho hello\n".to_vec(),
            b"MZ".to_vec(),
            Vec::new(),
            b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_vec(),
        ],
        &trivy,
    );
    for data in inputs {
        let r = GoBinaryAnalyzer.analyze("bin/x", &data).unwrap();
        assert!(r.applications.is_empty());
    }
    // A Rust executable is an ELF without Go build info.
    let rust = gunzip(&dir().join("../rust/bin/rust-auditable.gz"));
    assert!(GoBinaryAnalyzer
        .analyze("bin/r", &rust)
        .unwrap()
        .applications
        .is_empty());
}

#[test]
fn selection_by_executable_bits() {
    assert!(GoBinaryAnalyzer.required_file("usr/bin/app", 0o100755, 10));
    assert!(GoBinaryAnalyzer.required_file("usr/bin/app", 0o100744, 10));
    assert!(!GoBinaryAnalyzer.required_file("usr/bin/app", 0o100644, 10));
    assert!(GoModAnalyzer.required("src/app/go.mod"));
    assert!(GoModAnalyzer.required("go.mod"));
    assert!(!GoModAnalyzer.required("src/app/go.sum"));
    assert!(!GoModAnalyzer.required("src/app/xgo.mod"));
}

/// Truncated and bit-flipped copies of real Go binaries: errors are fine, panics are not.
#[test]
fn fuzz_go_binaries_never_panic() {
    let bin = dir().join("bin");
    let mut next = common::xorshift(0x9e37_79b9_7f4a_7c15);
    for name in [
        "hello-go119-stripped-ldflags",
        "hello-go119.exe",
        "hello-go119.macho",
    ] {
        let data = gunzip(&bin.join(format!("{name}.gz")));
        let bi = data
            .windows(14)
            .position(|w| w == b"\xff Go buildinf:")
            .unwrap();
        let mut variants = vec![to_pointer_format_or_same(&data)];
        for cut in [
            16,
            64,
            1000,
            bi,
            bi + 20,
            bi + 40,
            bi + 300,
            data.len() / 2,
            data.len() - 1,
        ] {
            variants.push(data[..cut.min(data.len())].to_vec());
        }
        for _ in 0..150 {
            let mut d = data.clone();
            // Flip bytes in the headers or around the build info, where parsing happens.
            for _ in 0..(1 + next() % 8) {
                let at = if next().is_multiple_of(2) {
                    (next() % 4096) as usize
                } else {
                    bi + (next() % 700) as usize
                };
                if at < d.len() {
                    d[at] ^= 1 << (next() % 8);
                }
            }
            variants.push(d);
        }
        for v in variants {
            let _ = GoBinaryAnalyzer.analyze("bin/x", &v);
        }
    }
}

fn to_pointer_format_or_same(d: &[u8]) -> Vec<u8> {
    if d.starts_with(b"\x7fELF") {
        to_pointer_format(d.to_vec())
    } else {
        d.to_vec()
    }
}

#[test]
fn corrupt_go_binaries_are_errors() {
    let data = gunzip(&dir().join("bin/hello-go119-stripped-ldflags.gz"));
    let bi = data
        .windows(14)
        .position(|w| w == b"\xff Go buildinf:")
        .unwrap();
    // The file ends inside the data segment that holds the build info.
    let mut cut = data[..bi + 100].to_vec();
    cut = strip_section_headers(cut);
    assert!(GoBinaryAnalyzer.analyze("bin/x", &cut).is_err());
    // An ELF whose headers are cut off.
    assert!(GoBinaryAnalyzer.analyze("bin/x", &data[..40]).is_err());
    // A malformed modinfo line.
    let mut bad = data.clone();
    let at = bi + bad[bi..].windows(7).position(|w| w == b"build\t-").unwrap();
    bad[at + 6] = b'='; // "build\t=compiler=gc": a build line with no key

    assert!(GoBinaryAnalyzer.analyze("bin/x", &bad).is_err());
}

/// Trivy's answer for a case with the files beside the go.mod present (`with_go_sum` for the
/// parser cases, `whole_tree` for the txtar ones), or None when the case has neither or
/// Trivy reported nothing.
fn expected_with_siblings(input: &Path) -> Option<Option<Vec<Triple>>> {
    let p = PathBuf::from(format!("{}.trivy.json", input.display()));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    let pk = if v.get("with_go_sum").is_some() {
        &v["with_go_sum"]["packages"]
    } else if v.get("whole_tree").is_some() {
        &v["whole_tree"]["go.mod"]["packages"]
    } else {
        return None;
    };
    let Some(pk) = pk.as_array() else {
        return Some(None);
    };
    let mut out: Vec<Triple> = pk
        .iter()
        .map(|t| {
            let s = |i: usize| t[i].as_str().unwrap().to_string();
            (s(0), s(1), s(2))
        })
        .collect();
    out.sort();
    Some(Some(out))
}

/// Trivy 0.76 with the go.sum beside the go.mod (below Go 1.17 its modules are added as
/// indirect): every case that has a `with_go_sum` or `whole_tree` answer, run through
/// `analyze_with_siblings` with all the files of the case directory as siblings. Equal, no
/// known difference (Trivy's `$GOPATH/pkg/mod` lookups are empty in these runs).
#[test]
fn gomod_with_go_sum_equals_trivy_whole_tree() {
    let mut compared = 0;
    let mut merged = 0;
    for case in common::case_dirs(&dir(), |p| p.join("go.mod").exists()) {
        let input = case.join("go.mod");
        let Some(want) = expected_with_siblings(&input) else {
            continue;
        };
        let files = common::files_under(&case, |rel| rel == "go.mod" || rel.ends_with(".json"));
        let contents: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(rel, p)| (format!("app/{rel}"), std::fs::read(p).unwrap()))
            .collect();
        let siblings: Vec<(&str, &[u8])> = contents
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_slice()))
            .collect();
        if siblings.iter().any(|(p, _)| *p == "app/go.sum") {
            merged += 1;
        }
        let got = GoModAnalyzer.analyze_with_siblings(
            "app/go.mod",
            &std::fs::read(&input).unwrap(),
            &siblings,
        );
        match (&want, got) {
            (None, Err(_)) => {}
            (None, Ok(r)) => assert!(r.applications.is_empty(), "{}", case.display()),
            (Some(w), Ok(r)) => {
                assert_eq!(triples(&r).as_ref(), Some(w), "{}", case.display());
                // Without the sibling, the answer is the single-file one.
                let alone = GoModAnalyzer
                    .analyze_with_siblings("app/go.mod", &std::fs::read(&input).unwrap(), &[])
                    .unwrap();
                assert_eq!(triples(&alone), expected(&input), "{}", case.display());
            }
            (Some(_), Err(e)) => panic!("{}: {e}", case.display()),
        }
        compared += 1;
    }
    assert_eq!((compared, merged), (18, 13));
}

#[test]
fn gomod_go_sum_rules() {
    let go_mod = b"module example.org/app\n\ngo 1.16\n\nrequire (\n\ta.org/x v1.0.0\n\tb.org/old v1.1.0\n)\n\nreplace b.org/old => b.org/new v1.2.0\n";
    let go_sum = b"a.org/x v0.9.0 h1:aa=\na.org/x v1.0.0 h1:bb=\nb.org/old v1.1.0/go.mod h1:cc=\nb.org/new v1.2.0 h1:dd=\nc.org/y v0.1.0 h1:ee=\nc.org/y v0.2.0/go.mod h1:ff=\nexample.org/app v0.0.1/go.mod h1:gg=\njunk\n";
    let sib: [(&str, &[u8]); 1] = [("src/go.sum", go_sum)];
    let r = GoModAnalyzer
        .analyze_with_siblings("src/go.mod", go_mod, &sib)
        .unwrap();
    let t = |n: &str, v: &str, r: &str| (n.to_string(), v.to_string(), r.to_string());
    assert_eq!(
        triples(&r).unwrap(),
        vec![
            t("a.org/x", "v1.0.0", "direct"),
            // The pre-replace path is not in the list any more: Trivy adds it from go.sum.
            t("b.org/new", "v1.2.0", "direct"),
            t("b.org/old", "v1.1.0", "indirect"),
            // The last line of a module wins, `/go.mod` lines included.
            t("c.org/y", "v0.2.0", "indirect"),
            t("example.org/app", "", "root"),
        ]
    );
    // A go.sum in another directory is not this go.mod's.
    let other: [(&str, &[u8]); 1] = [("src/sub/go.sum", go_sum)];
    let r = GoModAnalyzer
        .analyze_with_siblings("src/go.mod", go_mod, &other)
        .unwrap();
    assert_eq!(triples(&r).unwrap().len(), 3);
    // Go 1.17 and later: go.mod is complete, go.sum is not read.
    let go117 = String::from_utf8_lossy(go_mod).replace("go 1.16", "go 1.17");
    let r = GoModAnalyzer
        .analyze_with_siblings("src/go.mod", go117.as_bytes(), &sib)
        .unwrap();
    assert_eq!(triples(&r).unwrap().len(), 3);
    assert_eq!(GoModAnalyzer.siblings(), &["go.sum"]);
}
