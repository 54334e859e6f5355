//! Version orders of package ecosystems.
//!
//! Each module reproduces the ordering of the native tool byte for byte, including how it treats
//! versions the tool itself calls invalid, so a scan agrees with what the package manager would do;
//! where the native order is not an order at all (PHP's `version_compare` on a trailing dot), the
//! module documents the consistent rule it uses instead. No function here panics, whatever the
//! input. [`scheme_for_ecosystem`] picks the order for a Tollgate namespace name.

use std::cmp::Ordering;

pub mod apk;
pub mod composer;
pub mod dpkg;
pub mod maven;
pub mod nuget;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;

/// Why a version string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The version string is empty (or only blanks).
    #[error("version string is empty")]
    Empty,
    /// The version string contains blanks between non-blank characters.
    #[error("version string has embedded spaces")]
    EmbeddedSpaces,
    /// A colon is present but nothing numeric precedes it.
    #[error("epoch in version is empty")]
    EpochEmpty,
    /// The part before the colon is not a number.
    #[error("epoch in version is not number")]
    EpochNotNumber,
    /// The epoch is negative.
    #[error("epoch in version is negative")]
    EpochNegative,
    /// The epoch does not fit in a C `int`.
    #[error("epoch in version is too big")]
    EpochTooBig,
    /// The version ends right after the epoch colon.
    #[error("nothing after colon in version number")]
    NothingAfterColon,
    /// The version ends with a hyphen, so the revision is empty.
    #[error("revision number is empty")]
    RevisionEmpty,
    /// The upstream part is empty.
    #[error("upstream version is empty")]
    UpstreamEmpty,
    /// The upstream part does not start with a digit (dpkg only warns about this).
    #[error("version number does not start with digit")]
    UpstreamNotDigit,
    /// The upstream part contains a character outside `[A-Za-z0-9.+~:-]` (dpkg only warns).
    #[error("invalid character in version number")]
    UpstreamBadChar,
    /// The revision contains a character outside `[A-Za-z0-9.+~]` (dpkg only warns).
    #[error("invalid character in revision number")]
    RevisionBadChar,
}

/// A version ordering scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Debian and Ubuntu packages, ordered as `dpkg --compare-versions`.
    Dpkg,
    /// Alpine packages, ordered as apk-tools 3 (Alpine 3.23 and later).
    Apk,
    /// Alpine packages, ordered as apk-tools 2 (Alpine up to 3.22, and what Trivy uses).
    ApkV2,
    /// RPM packages (`[epoch:]version[-release]`), ordered as rpm.
    Rpm,
    /// SemVer 2.0 (npm, crates.io, Go, Pub, Hex, Swift), leniently parsed; see [`semver`].
    Semver,
    /// PyPI: PEP 440, with legacy versions below all others; see [`pep440`].
    Pep440,
    /// Maven's `ComparableVersion`; see [`maven`].
    Maven,
    /// RubyGems' `Gem::Version`; see [`rubygems`].
    RubyGems,
    /// NuGet (four numeric parts, case-insensitive release labels); see [`nuget`].
    NuGet,
    /// Packagist/Composer (PHP `version_compare`); see [`composer`].
    Composer,
}

/// Compares two versions under the given scheme.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Ordering {
    match scheme {
        Scheme::Dpkg => dpkg::compare(a, b),
        Scheme::Apk => apk::compare(a, b),
        Scheme::ApkV2 => apk::compare_v2(a, b),
        Scheme::Rpm => rpm::compare_evr(a, b),
        Scheme::Semver => semver::compare(a, b),
        Scheme::Pep440 => pep440::compare(a, b),
        Scheme::Maven => maven::compare(a, b),
        Scheme::RubyGems => rubygems::compare(a, b),
        Scheme::NuGet => nuget::compare(a, b),
        Scheme::Composer => composer::compare(a, b),
    }
}

/// The version order of a Tollgate namespace (advisory ecosystem) name: the language ones
/// (`pip`, `npm`, `cargo`, `go`, `pub`, `hex`, `swift`, `maven`, `rubygems`, `nuget`, `packagist`)
/// and the OS families (`debian`, `ubuntu`, `alpine`, the rpm distributions). Case-insensitive.
///
/// Alpine maps to [`Scheme::Apk`] (apk-tools 3); callers wanting apk-tools 2 pick
/// [`Scheme::ApkV2`] themselves.
pub fn scheme_for_ecosystem(eco: &str) -> Option<Scheme> {
    Some(match eco.trim().to_ascii_lowercase().as_str() {
        "pip" | "pypi" => Scheme::Pep440,
        "npm" | "cargo" | "crates.io" | "go" | "pub" | "hex" | "swift" => Scheme::Semver,
        "maven" => Scheme::Maven,
        "rubygems" => Scheme::RubyGems,
        "nuget" => Scheme::NuGet,
        "packagist" | "composer" => Scheme::Composer,
        "debian" | "ubuntu" => Scheme::Dpkg,
        "alpine" | "wolfi" | "chainguard" => Scheme::Apk,
        "redhat"
        | "centos"
        | "rocky"
        | "alma"
        | "almalinux"
        | "oracle"
        | "fedora"
        | "amazon"
        | "cbl-mariner"
        | "azurelinux"
        | "photon"
        | "opensuse.leap"
        | "opensuse.tumbleweed"
        | "suse linux enterprise server"
        | "rpm" => Scheme::Rpm,
        _ => return None,
    })
}

/// Compares two unsigned decimal digit strings by value (leading zeros ignored, any length).
pub(crate) fn num_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The bytes a C tool would see: the native tools take C strings, so a NUL ends the input.
pub(crate) fn c_bytes(s: &str) -> &[u8] {
    let b = s.as_bytes();
    match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    }
}
