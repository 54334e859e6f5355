//! Rust: `Cargo.lock` files and binaries built with `cargo auditable`, as Trivy reads them.

use std::io::Read;

use object::{Object, ObjectSection};
use serde::Deserialize;

use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// The Rust analyzers, for the lead to wire in.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(CargoAnalyzer), Box::new(RustBinaryAnalyzer)]
}

fn result(kind: &str, path: &str, mut packages: Vec<Package>) -> AnalysisResult {
    packages.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    AnalysisResult::application(kind, path, packages)
}

// ---------------------------------------------------------------------------------------------
// cargo
// ---------------------------------------------------------------------------------------------

/// `Cargo.lock` files, all lockfile versions (Trivy's `cargo`).
pub struct CargoAnalyzer;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}

impl Analyzer for CargoAnalyzer {
    fn name(&self) -> &'static str {
        "cargo"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        path.rsplit('/').next() == Some("Cargo.lock")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let pkgs = parse_cargo_lock(content).map_err(|e| AnalyzeError::new(path, e))?;
        if pkgs.is_empty() {
            return Ok(AnalysisResult::default());
        }
        Ok(result("cargo", path, pkgs))
    }
}

/// Every `[[package]]` of a Cargo.lock (v1 to v4 share this table), in file order. As in
/// Trivy, a crate locked twice at one version from two sources (registry and git) is listed
/// twice, and workspace members and the root crate are listed too: Trivy only tells them
/// apart with the Cargo.toml next to the lockfile, which a per-file analyzer does not see.
pub fn parse_cargo_lock(content: &[u8]) -> Result<Vec<Package>, String> {
    let text = std::str::from_utf8(content).map_err(|e| format!("Cargo.lock is not UTF-8: {e}"))?;
    let lock: Lockfile = toml::from_str(text).map_err(|e| format!("Cargo.lock: {e}"))?;
    Ok(lock
        .package
        .into_iter()
        .map(|p| Package {
            name: p.name,
            version: p.version,
            ..Default::default()
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// rustbinary
// ---------------------------------------------------------------------------------------------

/// Executables carrying `cargo auditable` dependency data (Trivy's `rustbinary`).
pub struct RustBinaryAnalyzer;

/// Decompressed audit data larger than this is refused (real ones are a few KiB).
const MAX_AUDIT_JSON: u64 = 16 << 20;

#[derive(Deserialize)]
struct AuditInfo {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<usize>,
    #[serde(default)]
    root: bool,
}

impl Analyzer for RustBinaryAnalyzer {
    fn name(&self) -> &'static str {
        "rustbinary"
    }
    fn version(&self) -> u32 {
        1
    }
    /// Without mode bits nothing can be said; the walker calls [`Analyzer::required_file`].
    fn required(&self, _path: &str) -> bool {
        false
    }
    fn required_file(&self, _path: &str, mode: u32, _size: u64) -> bool {
        mode & 0o111 != 0
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        match parse_rust_binary(content) {
            Ok(None) => Ok(AnalysisResult::default()),
            Ok(Some(pkgs)) if pkgs.is_empty() => Ok(AnalysisResult::default()),
            Ok(Some(pkgs)) => Ok(result("rustbinary", path, pkgs)),
            Err(e) => Err(AnalyzeError::new(path, format!("rust binary: {e}"))),
        }
    }
}

/// The compressed audit data: `.dep-v0` (ELF, PE) or `__DATA,__dep_v0` (Mach-O).
fn audit_section(data: &[u8]) -> Result<Option<&[u8]>, String> {
    let is_elf = data.starts_with(b"\x7fELF");
    let is_macho = [
        [0xfe, 0xed, 0xfa, 0xce],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xcf, 0xfa, 0xed, 0xfe],
    ]
    .iter()
    .any(|m| data.starts_with(m));
    if !is_elf && !is_macho && !data.starts_with(b"MZ") {
        return Ok(None);
    }
    let file = match object::File::parse(data) {
        Ok(f) => f,
        // The Go library Trivy uses reports an unparsable file as an unknown format.
        Err(_) => return Ok(None),
    };
    let name = if is_macho { "__dep_v0" } else { ".dep-v0" };
    let Some(sec) = file.section_by_name(name) else {
        return Ok(None);
    };
    sec.data()
        .map(Some)
        .map_err(|e| format!("unreadable {name} section: {e}"))
}

/// Trivy's packages for an auditable binary; None when the file carries no audit data.
fn parse_rust_binary(data: &[u8]) -> Result<Option<Vec<Package>>, String> {
    let Some(compressed) = audit_section(data)? else {
        return Ok(None);
    };
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_AUDIT_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("cannot decompress the .dep-v0 audit data: {e}"))?;
    if json.len() as u64 > MAX_AUDIT_JSON {
        return Err(format!("audit data larger than {MAX_AUDIT_JSON} bytes"));
    }
    let info: AuditInfo =
        serde_json::from_slice(&json).map_err(|e| format!("invalid audit data JSON: {e}"))?;
    for p in &info.packages {
        if p.dependencies.iter().any(|&i| i >= info.packages.len()) {
            return Err("audit data: dependency index out of range".into());
        }
    }
    let pkgs = info
        .packages
        .iter()
        // Build-time dependencies (build scripts, proc macros) are not in the binary.
        .filter(|p| p.kind.as_deref().unwrap_or("runtime") == "runtime")
        .map(|p| Package {
            name: p.name.clone(),
            version: p.version.clone(),
            relationship: if p.root { "root" } else { "" }.to_string(),
            ..Default::default()
        })
        .collect();
    Ok(Some(pkgs))
}
