//! Go: binaries (the build info the Go linker embeds) and `go.mod` files, as Trivy reads them.

use std::collections::BTreeMap;

use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol};

use super::{is_executable, sorted_application};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// The Go analyzers, for the lead to wire in.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(GoBinaryAnalyzer), Box::new(GoModAnalyzer)]
}

fn pkg(name: &str, version: &str, relationship: &str) -> Package {
    Package {
        name: name.to_string(),
        version: version.to_string(),
        relationship: relationship.to_string(),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// gobinary
// ---------------------------------------------------------------------------------------------

/// Go executables (Trivy's `gobinary`): selected by the executable bits, as Trivy does.
pub struct GoBinaryAnalyzer;

impl Analyzer for GoBinaryAnalyzer {
    fn name(&self) -> &'static str {
        "gobinary"
    }
    fn version(&self) -> u32 {
        1
    }
    /// Without mode bits nothing can be said; the walker calls [`Analyzer::required_file`].
    fn required(&self, _path: &str) -> bool {
        false
    }
    fn required_file(&self, _path: &str, mode: u32, _size: u64) -> bool {
        is_executable(mode)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        match parse_go_binary(content) {
            Ok(None) => Ok(AnalysisResult::default()),
            Ok(Some(pkgs)) => Ok(sorted_application("gobinary", path, pkgs)),
            Err(e) => Err(AnalyzeError::new(path, format!("go binary: {e}"))),
        }
    }
}

const BUILDINFO_MAGIC: &[u8] = b"\xff Go buildinf:";
const BUILDINFO_ALIGN: usize = 16;
const BUILDINFO_HEADER: usize = 32;
/// Go reads at most this much of the data section when searching for the header.
const SEARCH_SIZE: u64 = 64 * 1024;
/// Longest string Go's pointer-format reader accepts.
const MAX_STRING: u64 = 1 << 20;

/// Executable formats Go's `debug/buildinfo` knows (others are "unrecognized", not errors).
fn known_exe_magic(data: &[u8]) -> bool {
    let m = |p: &[u8]| data.starts_with(p);
    m(b"\x7fELF")
        || m(b"MZ")
        || m(&[0xfe, 0xed, 0xfa, 0xce])
        || m(&[0xfe, 0xed, 0xfa, 0xcf])
        || m(&[0xce, 0xfa, 0xed, 0xfe])
        || m(&[0xcf, 0xfa, 0xed, 0xfe])
}

/// A region of the file mapped at a virtual address.
struct Mapping {
    addr: u64,
    offset: u64,
    size: u64,
}

struct Exe<'a> {
    data: &'a [u8],
    maps: Vec<Mapping>,
}

impl<'a> Exe<'a> {
    /// Bytes at virtual address `addr`, up to `size` of them (fewer if the mapping's file
    /// data ends first); Ok(None) when no mapping holds `addr`, Err when the file is cut
    /// short of what its headers promise.
    fn read(&self, addr: u64, size: u64) -> Result<Option<&'a [u8]>, String> {
        for m in &self.maps {
            if addr >= m.addr && addr - m.addr < m.size {
                let start = m.offset.saturating_add(addr - m.addr);
                let avail = m.size - (addr - m.addr);
                let end = start.saturating_add(size.min(avail));
                return match self.data.get(start as usize..end as usize) {
                    Some(b) => Ok(Some(b)),
                    None => Err(format!(
                        "truncated: data at offset {start}..{end} is past the end of the file ({} bytes)",
                        self.data.len()
                    )),
                };
            }
        }
        Ok(None)
    }
}

/// Where Go's linker puts the build info, as `debug/buildinfo`'s `DataStart` finds it.
fn data_start(file: &object::File) -> Option<(u64, u64)> {
    match file {
        object::File::Elf32(_) | object::File::Elf64(_) => {
            if let Some(s) = file.section_by_name(".go.buildinfo") {
                return Some((s.address(), s.size()));
            }
            for seg in file.segments() {
                if let object::SegmentFlags::Elf { p_flags, .. } = seg.flags() {
                    let p_flags = p_flags.0;
                    const PF_X: u32 = 1;
                    const PF_W: u32 = 2;
                    if p_flags & (PF_X | PF_W) == PF_W {
                        return Some((seg.address(), seg.size()));
                    }
                }
            }
            None
        }
        object::File::MachO32(_) | object::File::MachO64(_) => {
            if let Some(s) = file.section_by_name("__go_buildinfo") {
                return Some((s.address(), s.size()));
            }
            file.segments()
                .find(|s| s.name().ok().flatten() == Some("__DATA"))
                .map(|s| (s.address(), s.size()))
        }
        object::File::Pe32(_) | object::File::Pe64(_) => {
            const DATA_RW: u32 = 0x0000_0040 | 0x4000_0000 | 0x8000_0000;
            const ALIGN_32: u32 = 0x0060_0000;
            for s in file.sections() {
                if let object::SectionFlags::Coff { characteristics } = s.flags() {
                    let characteristics = characteristics.0;
                    if s.address() != 0 && s.size() != 0 && characteristics & !ALIGN_32 == DATA_RW {
                        return Some((s.address(), s.size()));
                    }
                }
            }
            None
        }
        _ => None,
    }
}

/// Go's build info as `runtime/debug.BuildInfo` holds it (only what Trivy uses).
#[derive(Debug, Default)]
struct BuildInfo {
    go_version: String,
    main: Option<Module>,
    deps: Vec<Module>,
    settings: Vec<(String, String)>,
}

#[derive(Debug, Default, Clone)]
struct Module {
    path: String,
    version: String,
    replace: Option<Box<Module>>,
}

/// Reads the version and modinfo strings; Ok(None) when this is not a Go executable.
fn read_raw_build_info(data: &[u8]) -> Result<Option<(String, String, object::File<'_>)>, String> {
    if !known_exe_magic(data) {
        return Ok(None);
    }
    let file = match object::File::parse(data) {
        Ok(f) => f,
        // Go's debug/buildinfo calls any unparsable file "unrecognized" and Trivy skips it;
        // we say so for ELF and Mach-O, whose magic leaves no doubt, and skip the rest ("MZ"
        // also starts plain text).
        Err(e) if !data.starts_with(b"MZ") => return Err(format!("unreadable executable: {e}")),
        Err(_) => return Ok(None),
    };
    let mut maps = Vec::new();
    for seg in file.segments() {
        let (offset, fsize) = seg.file_range();
        maps.push(Mapping {
            addr: seg.address(),
            offset,
            size: fsize,
        });
    }
    for s in file.sections() {
        if let Some((offset, fsize)) = s.file_range() {
            maps.push(Mapping {
                addr: s.address(),
                offset,
                size: fsize,
            });
        }
    }
    let exe = Exe { data, maps };
    let Some((addr, size)) = data_start(&file) else {
        return Ok(None);
    };
    let Some(mut region) = exe.read(addr, size.min(SEARCH_SIZE))? else {
        return Ok(None);
    };
    // The header is 16-byte aligned relative to the start of the data.
    loop {
        let Some(i) = find(region, BUILDINFO_MAGIC) else {
            return Ok(None);
        };
        if region.len() - i < BUILDINFO_HEADER {
            return Ok(None);
        }
        if i % BUILDINFO_ALIGN == 0 {
            region = &region[i..];
            break;
        }
        region = &region[((i + BUILDINFO_ALIGN - 1) & !(BUILDINFO_ALIGN - 1)).min(region.len())..];
    }
    let ptr_size = region[14] as usize;
    let flags = region[15];
    let (vers, modinfo) = if flags & 2 != 0 {
        let (vers, rest) = decode_string(&region[BUILDINFO_HEADER..]);
        let (modinfo, _) = decode_string(rest);
        (vers.to_vec(), modinfo.to_vec())
    } else {
        let big = flags & 1 != 0;
        if ptr_size != 4 && ptr_size != 8 {
            return Ok(None);
        }
        let read_ptr = |b: &[u8]| -> Option<u64> {
            Some(match (ptr_size, big) {
                (4, false) => u32::from_le_bytes(b.get(..4)?.try_into().ok()?) as u64,
                (4, true) => u32::from_be_bytes(b.get(..4)?.try_into().ok()?) as u64,
                (_, false) => u64::from_le_bytes(b.get(..8)?.try_into().ok()?),
                (_, true) => u64::from_be_bytes(b.get(..8)?.try_into().ok()?),
            })
        };
        let read_string = |hdr_addr: u64| -> Vec<u8> {
            let Ok(Some(hdr)) = exe.read(hdr_addr, 2 * ptr_size as u64) else {
                return Vec::new();
            };
            if hdr.len() < 2 * ptr_size {
                return Vec::new();
            }
            let (Some(saddr), Some(len)) = (read_ptr(hdr), read_ptr(&hdr[ptr_size..])) else {
                return Vec::new();
            };
            if len > MAX_STRING {
                return Vec::new();
            }
            match exe.read(saddr, len) {
                Ok(Some(b)) if b.len() as u64 == len => b.to_vec(),
                _ => Vec::new(),
            }
        };
        let v = read_ptr(&region[16..]).map(read_string).unwrap_or_default();
        let m = read_ptr(&region[16 + ptr_size..])
            .map(read_string)
            .unwrap_or_default();
        (v, m)
    };
    if vers.is_empty() {
        return Ok(None);
    }
    // The modinfo string is framed by 16-byte sentinels.
    let b = &modinfo;
    let modinfo = if b.len() >= 33 && b[b.len() - 17] == b'\n' {
        String::from_utf8_lossy(&b[16..b.len() - 16]).into_owned()
    } else {
        String::new()
    };
    Ok(Some((
        String::from_utf8_lossy(&vers).into_owned(),
        modinfo,
        file,
    )))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A uvarint-length-prefixed string; empty (and nothing consumed) when malformed.
fn decode_string(data: &[u8]) -> (&[u8], &[u8]) {
    let mut len: u64 = 0;
    let mut shift = 0;
    for (i, &c) in data.iter().enumerate().take(10) {
        len |= ((c & 0x7f) as u64) << shift;
        shift += 7;
        if c < 0x80 {
            let n = i + 1;
            let rest = &data[n..];
            if len > rest.len() as u64 {
                return (&[], &[]);
            }
            let len = len as usize;
            return (&rest[..len], &rest[len..]);
        }
    }
    (&[], &[])
}

/// `runtime/debug.ParseBuildInfo`: the modinfo text, line by line.
fn parse_modinfo(text: &str) -> Result<BuildInfo, String> {
    let mut bi = BuildInfo::default();
    // Index of the module the next `=>` line replaces: usize::MAX = main, else deps index.
    let mut last: Option<usize> = None;
    let mut rest = text;
    let mut line_num = 1;
    let module_line = |cols: Vec<&str>| -> Result<Module, String> {
        if cols.len() != 2 && cols.len() != 3 {
            return Err(format!("expected 2 or 3 columns; got {}", cols.len()));
        }
        Ok(Module {
            path: cols[0].to_string(),
            version: cols[1].to_string(),
            replace: None,
        })
    };
    while let Some((line, tail)) = rest.split_once('\n') {
        rest = tail;
        let err = |m: String| format!("could not parse Go build info: line {line_num}: {m}");
        if let Some(v) = line.strip_prefix("mod\t") {
            bi.main = Some(module_line(v.split('\t').collect()).map_err(err)?);
            last = Some(usize::MAX);
        } else if let Some(v) = line.strip_prefix("dep\t") {
            bi.deps
                .push(module_line(v.split('\t').collect()).map_err(err)?);
            last = Some(bi.deps.len() - 1);
        } else if let Some(v) = line.strip_prefix("=>\t") {
            let cols: Vec<&str> = v.split('\t').collect();
            if cols.len() != 3 {
                return Err(err(format!(
                    "expected 3 columns for replacement; got {}",
                    cols.len()
                )));
            }
            let rep = Module {
                path: cols[0].to_string(),
                version: cols[1].to_string(),
                replace: None,
            };
            let target = match last.take() {
                None => return Err(err("replacement with no module on previous line".into())),
                Some(usize::MAX) => bi.main.as_mut(),
                Some(i) => bi.deps.get_mut(i),
            };
            if let Some(m) = target {
                m.replace = Some(Box::new(rep));
            }
        } else if let Some(kv) = line.strip_prefix("build\t") {
            let (key, raw) = parse_build_kv(kv).map_err(err)?;
            let value = if raw.starts_with('"') || raw.starts_with('`') {
                go_unquote(raw).ok_or_else(|| err("invalid quoted value in build line".into()))?
            } else {
                raw.to_string()
            };
            bi.settings.push((key, value));
        }
        line_num += 1;
    }
    Ok(bi)
}

fn parse_build_kv(kv: &str) -> Result<(String, &str), String> {
    match kv.as_bytes().first() {
        None => Err("build line missing '='".into()),
        Some(b'=') => Err("build line with missing key".into()),
        Some(b'"') | Some(b'`') => {
            let end = quoted_prefix_len(kv).ok_or("invalid quoted key in build line")?;
            let key = go_unquote(&kv[..end]).ok_or("invalid quoted key in build line")?;
            match kv[end..].strip_prefix('=') {
                Some(v) => Ok((key, v)),
                None => Err("build line missing '=' after quoted key".into()),
            }
        }
        Some(_) => match kv.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v)),
            None => Err("build line missing '=' after key".into()),
        },
    }
}

/// Length of the Go quoted string at the start of `s` (`strconv.QuotedPrefix`).
fn quoted_prefix_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let q = *b.first()?;
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            c if c == q => return Some(i + 1),
            b'\\' if q == b'"' => i += 2,
            b'\n' if q == b'"' => return None,
            _ => i += 1,
        }
    }
    None
}

/// `strconv.Unquote` for the double-quoted and raw strings Go writes in build settings.
fn go_unquote(s: &str) -> Option<String> {
    if s.len() >= 2 && s.starts_with('`') && s.ends_with('`') {
        let inner = &s[1..s.len() - 1];
        return (!inner.contains('`')).then(|| inner.replace('\r', ""));
    }
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        match c {
            '"' | '\n' => return None,
            '\\' => {
                let e = it.next()?;
                match e {
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'v' => out.push('\x0b'),
                    '\\' | '"' | '\'' => out.push(e),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = (0..n).filter_map(|_| it.next()).collect();
                        if hex.len() != n {
                            return None;
                        }
                        let v = u32::from_str_radix(&hex, 16).ok()?;
                        out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    }
                    '0'..='7' => {
                        let mut v = e.to_digit(8)?;
                        for _ in 0..2 {
                            v = v * 8 + it.next()?.to_digit(8)?;
                        }
                        out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    }
                    _ => return None,
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// Trivy's packages for a Go executable; None when it is not one (or carries no build info).
fn parse_go_binary(data: &[u8]) -> Result<Option<Vec<Package>>, String> {
    let Some((vers, modinfo, file)) = read_raw_build_info(data)? else {
        return Ok(None);
    };
    let mut bi = parse_modinfo(&modinfo)?;
    bi.go_version = vers;
    // "go1.22.3 X:boringcrypto" (<= 1.25) and "go1.26.0-X:nodwarf5" (>= 1.26) -> "v1.22.3".
    let v = bi.go_version.strip_prefix("go").unwrap_or(&bi.go_version);
    let v = v.split(' ').next().unwrap_or_default();
    let v = v.split("-X:").next().unwrap_or_default();
    let mut pkgs = vec![pkg("stdlib", &format!("v{v}"), "direct")];
    for dep in &bi.deps {
        // Old Go versions may list the main module as a dep with an empty path.
        if dep.path.is_empty() {
            continue;
        }
        let m = dep.replace.as_deref().unwrap_or(dep);
        pkgs.push(pkg(&m.path, devel_to_empty(&m.version), ""));
    }
    if let Some(main) = bi.main.as_ref().filter(|m| !m.path.is_empty()) {
        let version = devel_to_empty(&main.version);
        // `(devel)` and pseudo-versions give way to a version stamped with `-X`: from the
        // recorded -ldflags, else (for -trimpath builds, which do not record them) from the
        // ELF symbol table.
        let version = if version.is_empty() || version.starts_with("v0.0.0") {
            let mut v = ldflags_version(&main.path, &bi.settings);
            if v.is_empty() {
                v = elf_symbol_version(&file, &main.path);
            }
            if v.is_empty() {
                version.to_string()
            } else {
                v
            }
        } else {
            version.to_string()
        };
        pkgs.push(pkg(&main.path, &version, "root"));
    }
    Ok(Some(pkgs))
}

fn devel_to_empty(v: &str) -> &str {
    if v == "(devel)" {
        ""
    } else {
        v
    }
}

/// The main module's version from `-X key=value` flags in the recorded `-ldflags`.
fn ldflags_version(module: &str, settings: &[(String, String)]) -> String {
    let Some((_, flags)) = settings.iter().find(|(k, _)| k == "-ldflags") else {
        return String::new();
    };
    let Some(words) = shell_words(flags) else {
        return String::new();
    };
    let mut xs: BTreeMap<String, String> = BTreeMap::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let val = if w == "-X" {
            i += 1;
            words.get(i).cloned()
        } else {
            // `-X=key=value` and `-Xkey=value`, as pflag reads a shorthand flag.
            w.strip_prefix("-X")
                .map(|v| v.strip_prefix('=').unwrap_or(v).to_string())
        };
        i += 1;
        // pflag's StringToString splits the value on commas into several key=value pairs.
        if let Some(val) = val {
            for kv in val.split(',') {
                if let Some((k, v)) = kv.split_once('=') {
                    xs.insert(k.to_string(), v.to_string());
                }
            }
        }
    }
    let mut found: [Vec<String>; 3] = Default::default();
    for (key, val) in &xs {
        let key = key.trim_start_matches('\'');
        let val = val.trim_end_matches('\'');
        classify_version(module, key, val, &mut found);
    }
    choose_version(&found)
}

fn classify_version(module: &str, key: &str, val: &str, found: &mut [Vec<String>; 3]) {
    if !is_version_key(key) || !(is_semver(val) || is_semver(&format!("v{val}"))) {
        return;
    }
    let cat = if key.starts_with(&format!("{module}/cmd/")) {
        0
    } else if ["main", "common", "version", "cmd"].contains(&version_prefix(key).as_str()) {
        1
    } else {
        2
    };
    found[cat].push(val.to_string());
}

fn choose_version(found: &[Vec<String>; 3]) -> String {
    for f in found {
        match f.len() {
            0 => continue,
            1 => return f[0].clone(),
            _ => return String::new(),
        }
    }
    String::new()
}

fn is_version_key(key: &str) -> bool {
    let k = key.to_lowercase();
    k.ends_with(".version") || k.ends_with(".ver")
}

/// `github.com/x/y/internal/version/app.ver` -> `app`... the segment before the first dot of
/// the last path element, lowercased.
fn version_prefix(key: &str) -> String {
    let s = match key.rfind('/') {
        Some(i) if i > 0 => &key[i + 1..],
        _ => key,
    };
    s.split('.').next().unwrap_or_default().to_lowercase()
}

/// `golang.org/x/mod/semver.IsValid`: `vMAJOR[.MINOR[.PATCH[-pre][+build]]]`.
pub fn is_semver(v: &str) -> bool {
    let Some(v) = v.strip_prefix('v') else {
        return false;
    };
    let num = |s: &str| {
        !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let (core, build) = match v.split_once('+') {
        Some((c, b)) => (c, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (core, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || !parts.iter().all(|p| num(p)) {
        return false;
    }
    if parts.len() < 3 && (pre.is_some() || build.is_some()) {
        return false;
    }
    let ident_ok = |s: &str, numeric_rule: bool| {
        s.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && (!numeric_rule || !id.bytes().all(|c| c.is_ascii_digit()) || num(id))
        })
    };
    pre.is_none_or(|p| ident_ok(p, true)) && build.is_none_or(|b| ident_ok(b, false))
}

/// mattn/go-shellwords-style splitting: whitespace, quotes and backslashes; None if unbalanced.
fn shell_words(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut it = s.chars();
    let (mut sq, mut dq) = (false, false);
    while let Some(c) = it.next() {
        match c {
            '\\' if !sq => {
                if let Some(n) = it.next() {
                    cur.push(n);
                    have = true;
                }
            }
            '\'' if !dq => {
                sq = !sq;
                have = true;
            }
            '"' if !sq => {
                dq = !dq;
                have = true;
            }
            c if c.is_whitespace() && !sq && !dq => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            c => {
                cur.push(c);
                have = true;
            }
        }
    }
    if sq || dq {
        return None;
    }
    if have {
        out.push(cur);
    }
    Some(out)
}

/// Trivy's fallback for `-trimpath` builds (whose build info lacks `-ldflags`): the
/// `<key>.str` symbols the linker makes for `-X key=value`, in an unstripped ELF.
fn elf_symbol_version(file: &object::File, module: &str) -> String {
    if !matches!(file, object::File::Elf32(_) | object::File::Elf64(_)) {
        return String::new();
    }
    let mut found: [Vec<String>; 3] = Default::default();
    for sym in file.symbols() {
        let Ok(name) = sym.name() else { continue };
        let Some(key) = name.strip_suffix(".str") else {
            continue;
        };
        if sym.size() == 0 || !is_version_key(key) {
            continue;
        }
        let Some(idx) = sym.section_index() else {
            continue;
        };
        let Ok(sec) = file.section_by_index(idx) else {
            continue;
        };
        let Ok(data) = sec.data() else { continue };
        let Some(off) = sym.address().checked_sub(sec.address()) else {
            continue;
        };
        let Some(end) = off.checked_add(sym.size()) else {
            continue;
        };
        let Some(bytes) = data.get(off as usize..end.min(data.len() as u64) as usize) else {
            continue;
        };
        if end > data.len() as u64 {
            continue;
        }
        let val = String::from_utf8_lossy(bytes);
        let val = val.trim_end_matches('\0');
        if val.is_empty() {
            continue;
        }
        classify_version(module, key, val, &mut found);
    }
    choose_version(&found)
}

// ---------------------------------------------------------------------------------------------
// gomod
// ---------------------------------------------------------------------------------------------

/// `go.mod` files (Trivy's `gomod`).
pub struct GoModAnalyzer;

impl Analyzer for GoModAnalyzer {
    fn name(&self) -> &'static str {
        "gomod"
    }
    /// 2: reads its sibling file(s) too.
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        path.rsplit('/').next() == Some("go.mod")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let text = std::str::from_utf8(content)
            .map_err(|e| AnalyzeError::new(path, format!("go.mod is not UTF-8 text: {e}")))?;
        let pkgs = parse_go_mod(text).map_err(|e| AnalyzeError::new(path, e))?;
        if pkgs.is_empty() {
            return Ok(AnalysisResult::default());
        }
        Ok(sorted_application("gomod", path, pkgs))
    }
    /// Trivy's `gomod` post-analyzer also reads the `go.sum` beside a go.mod.
    fn siblings(&self) -> &'static [&'static str] {
        &["go.sum"]
    }
    fn analyze_with_siblings(
        &self,
        path: &str,
        content: &[u8],
        siblings: &[(&str, &[u8])],
    ) -> Result<AnalysisResult, AnalyzeError> {
        let Some(sum) = crate::sibling_in_dir(path, "go.sum", siblings) else {
            return self.analyze(path, content);
        };
        let text = std::str::from_utf8(content)
            .map_err(|e| AnalyzeError::new(path, format!("go.mod is not UTF-8 text: {e}")))?;
        let m = parse_go_mod_file(text).map_err(|e| AnalyzeError::new(path, e))?;
        let old_go = m.go.as_deref().is_none_or(|v| go_less_than(v, 1, 17));
        let mut pkgs = go_mod_packages(&m);
        if old_go {
            // Trivy: go.sum is a parse error only when it is not text; its modules that go.mod
            // does not name (after replaces) are added as indirect.
            let sum = std::str::from_utf8(sum).map_err(|e| {
                AnalyzeError::new(path, format!("go.sum beside it is not UTF-8 text: {e}"))
            })?;
            merge_go_sum(&mut pkgs, sum);
        }
        let pkgs: Vec<Package> = pkgs.into_values().collect();
        if pkgs.is_empty() {
            return Ok(AnalysisResult::default());
        }
        Ok(sorted_application("gomod", path, pkgs))
    }
}

/// The modules of a go.sum as Trivy's parser reads them: one per module path, the version of
/// its last line (go.sum is sorted, the newest version last), `/go.mod` hash lines included
/// (with that suffix removed); lines with fewer than two fields are ignored.
pub fn parse_go_sum(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let (Some(name), Some(ver)) = (f.next(), f.next()) else {
            continue;
        };
        out.insert(
            name.to_string(),
            ver.strip_suffix("/go.mod").unwrap_or(ver).to_string(),
        );
    }
    out
}

/// Trivy's `mergeGoSum`: go.sum modules whose path is not already listed (the main module,
/// the requirements after replaces) are added as `indirect`.
fn merge_go_sum(pkgs: &mut BTreeMap<String, Package>, sum: &str) {
    for (name, version) in parse_go_sum(sum) {
        pkgs.entry(name.clone())
            .or_insert_with(|| pkg(&name, &version, "indirect"));
    }
}

#[derive(Default)]
struct GoMod {
    module: Option<String>,
    go: Option<String>,
    require: Vec<(String, String, bool)>,
    /// (old path, old version or "", new path, new version or "").
    replace: Vec<(String, String, String, String)>,
}

/// Splits a go.mod line into tokens and its trailing `//` comment.
fn tokenize(line: &str) -> Result<(Vec<String>, Option<&str>), String> {
    let mut toks = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
        } else if line[i..].starts_with("//") {
            return Ok((toks, Some(line[i + 2..].trim())));
        } else if c == b'"' || c == b'`' {
            let n = quoted_prefix_len(&line[i..]).ok_or("unterminated quoted string")?;
            toks.push(go_unquote(&line[i..i + n]).ok_or("invalid quoted string")?);
            i += n;
        } else if c == b'(' || c == b')' {
            toks.push((c as char).to_string());
            i += 1;
        } else if line[i..].starts_with("=>") {
            toks.push("=>".into());
            i += 2;
        } else {
            let start = i;
            while i < b.len()
                && !matches!(b[i], b' ' | b'\t' | b'\r' | b'"' | b'`' | b'(' | b')')
                && !line[i..].starts_with("//")
                && !line[i..].starts_with("=>")
            {
                i += 1;
            }
            toks.push(line[start..i].to_string());
        }
    }
    Ok((toks, None))
}

fn check_version(v: &str, lineno: usize) -> Result<(), String> {
    if is_semver(v) {
        Ok(())
    } else {
        Err(format!(
            "go.mod:{lineno}: invalid version {v:?}: must be of the form v1.2.3"
        ))
    }
}

fn parse_go_mod_file(text: &str) -> Result<GoMod, String> {
    let mut m = GoMod::default();
    let mut block: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let lineno = n + 1;
        let (mut toks, comment) = tokenize(line)?;
        if toks.is_empty() {
            continue;
        }
        let verb = if let Some(b) = &block {
            if toks == [")"] {
                block = None;
                continue;
            }
            b.clone()
        } else {
            let v = toks.remove(0);
            if toks == ["("] {
                block = Some(v);
                continue;
            }
            v
        };
        let indirect = comment.is_some_and(|c| {
            let c = c.trim();
            c == "indirect" || c.starts_with("indirect;")
        });
        match verb.as_str() {
            "module" => m.module = toks.first().cloned(),
            "go" => m.go = toks.first().cloned(),
            "require" => {
                if toks.len() != 2 {
                    return Err(format!(
                        "go.mod:{lineno}: usage: require module/path v1.2.3"
                    ));
                }
                check_version(&toks[1], lineno)?;
                m.require.push((toks[0].clone(), toks[1].clone(), indirect));
            }
            "replace" => {
                let Some(arrow) = toks.iter().position(|t| t == "=>") else {
                    return Err(format!("go.mod:{lineno}: replacement must have =>"));
                };
                let (old, new) = (&toks[..arrow], &toks[arrow + 1..]);
                if old.is_empty() || old.len() > 2 || new.is_empty() || new.len() > 2 {
                    return Err(format!(
                        "go.mod:{lineno}: usage: replace module/path [v1.2.3] => other/module v1.4"
                    ));
                }
                let old_v = old.get(1).cloned().unwrap_or_default();
                let new_v = new.get(1).cloned().unwrap_or_default();
                if !old_v.is_empty() {
                    check_version(&old_v, lineno)?;
                }
                if !new_v.is_empty() {
                    check_version(&new_v, lineno)?;
                }
                m.replace
                    .push((old[0].clone(), old_v, new[0].clone(), new_v));
            }
            "exclude" | "retract" | "toolchain" | "godebug" | "tool" | "ignore" => {}
            other => {
                return Err(format!("go.mod:{lineno}: unknown directive: {other}"));
            }
        }
    }
    if block.is_some() {
        return Err("go.mod: unterminated block".into());
    }
    Ok(m)
}

/// Whether a `go` line's version is below `major.minor` (`1.16`, `1.16.1`: below 1.17).
/// Trivy compares the two numbers separately (`major <= 1 && minor < 17`); unparsable -> false.
fn go_less_than(ver: &str, major: u32, minor: u32) -> bool {
    let mut it = ver.split('.');
    let (Some(a), Some(b)) = (it.next(), it.next()) else {
        return false;
    };
    // `1.21rc1`: the minor number ends where the digits do.
    let b = b
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap_or_default();
    match (a.parse::<u32>(), b.parse::<u32>()) {
        (Ok(a), Ok(b)) => a <= major && b < minor,
        _ => false,
    }
}

/// Packages of a `go.mod` as Trivy lists them (the main module included, as `root`).
fn parse_go_mod(text: &str) -> Result<Vec<Package>, String> {
    let m = parse_go_mod_file(text)?;
    Ok(go_mod_packages(&m).into_values().collect())
}

/// The packages of a parsed go.mod by module path.
fn go_mod_packages(m: &GoMod) -> BTreeMap<String, Package> {
    // Before Go 1.17 go.mod does not list all indirect dependencies; Trivy drops those it lists.
    let skip_indirect = m.go.as_deref().is_none_or(|v| go_less_than(v, 1, 17));
    let mut pkgs: BTreeMap<String, Package> = BTreeMap::new();
    if let Some(path) = &m.module {
        pkgs.insert(path.clone(), pkg(path, "", "root"));
    }
    for (path, version, indirect) in &m.require {
        if skip_indirect && *indirect {
            continue;
        }
        let rel = if *indirect { "indirect" } else { "direct" };
        pkgs.insert(path.clone(), pkg(path, version, rel));
    }
    for (old_path, old_v, new_path, new_v) in &m.replace {
        let Some(old) = pkgs.get(old_path) else {
            continue;
        };
        if !old_v.is_empty() && &old.version != old_v {
            continue;
        }
        let old = pkgs.remove(old_path).unwrap_or_default();
        if new_v.is_empty() {
            continue; // a local directory now
        }
        pkgs.insert(new_path.clone(), pkg(new_path, new_v, &old.relationship));
    }
    pkgs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_rules() {
        for v in [
            "v1",
            "v1.2",
            "v1.2.3",
            "v1.2.3-rc.1",
            "v0.0.0-20200804184101-5ec99f83aff1",
        ] {
            assert!(is_semver(v), "{v}");
        }
        for v in [
            "1.2.3",
            "v1.2.3.4",
            "v01.2.3",
            "v1.2-rc1",
            "dev",
            "v1.2.3-01",
        ] {
            assert!(!is_semver(v), "{v}");
        }
    }

    #[test]
    fn ldflags_x() {
        let s = |v: &str| vec![("-ldflags".to_string(), v.to_string())];
        assert_eq!(
            ldflags_version("m", &s("-s -w -X main.version=1.2.3")),
            "1.2.3"
        );
        assert_eq!(
            ldflags_version("m", &s("-X='main.version=v1.0.0'")),
            "v1.0.0"
        );
        assert_eq!(
            ldflags_version(
                "github.com/a/b",
                &s("-X github.com/a/b/cmd/x.Version=1.0.0 -X main.version=2.0.0")
            ),
            "1.0.0"
        );
        assert_eq!(
            ldflags_version("m", &s("-X main.version=1.0.0 -X common.version=2.0.0")),
            ""
        );
        assert_eq!(ldflags_version("m", &s("-X main.version=dev")), "");
    }

    #[test]
    fn modinfo_replace_and_settings() {
        let t = "path\tx\nmod\tx\t(devel)\t\ndep\ta\tv1.0.0\th1:x\n=>\tb\tv2.0.0\th1:y\nbuild\t-ldflags=\"-X main.version=1.2.3\"\n";
        let bi = parse_modinfo(t).unwrap();
        assert_eq!(bi.deps[0].replace.as_ref().unwrap().path, "b");
        assert_eq!(bi.settings[0].1, "-X main.version=1.2.3");
        assert!(parse_modinfo("=>\ta\tb\tc\n").is_err());
    }
}
