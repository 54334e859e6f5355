//! Language-ecosystem analyzers: lockfiles, installed-package metadata, binaries, archives.
//! Each module is one ecosystem; each analyzer returns [`crate::Application`]s.

pub mod conda;
pub mod dotnet;
pub mod golang;
pub mod java;
pub mod node;
pub mod php;
pub mod python;
pub mod ruby;
pub mod rust;

use crate::{AnalysisResult, AnalyzeError, Package};

/// Larger lockfiles and metadata files are refused: real ones are far smaller.
pub(crate) const MAX_FILE: usize = 64 << 20;

/// Last path component.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A text file's content: at most [`MAX_FILE`] bytes, UTF-8, a leading BOM dropped.
pub(crate) fn text<'a>(path: &str, content: &'a [u8], what: &str) -> Result<&'a str, AnalyzeError> {
    if content.len() > MAX_FILE {
        return Err(AnalyzeError::new(
            path,
            format!(
                "{what} is {} bytes, more than the {MAX_FILE}-byte limit",
                content.len()
            ),
        ));
    }
    let content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
    std::str::from_utf8(content)
        .map_err(|e| AnalyzeError::new(path, format!("{what} is not UTF-8 text: {e}")))
}

/// One application with its packages sorted by name and version.
pub(crate) fn sorted_application(
    kind: &str,
    path: &str,
    mut packages: Vec<Package>,
) -> AnalysisResult {
    packages.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    AnalysisResult::application(kind, path, packages)
}

/// Trivy's `IsExecutable`: any of the 0o111 bits; binaries analyzers select files by it.
pub(crate) fn is_executable(mode: u32) -> bool {
    mode & 0o111 != 0
}
