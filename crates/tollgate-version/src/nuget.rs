//! NuGet version order (`NuGetVersion` with SemVer 2.0 rules).
//!
//! Four numeric parts (`Major.Minor.Patch.Revision`, missing ones zero, so `1.0` = `1.0.0.0`),
//! then the release label compared identifier by identifier as SemVer does but ignoring ASCII case,
//! with build metadata ignored. Leniency as in [`crate::semver`] (leading `v`, blanks, more parts,
//! text right after the numbers starting the label).

use std::cmp::Ordering;

use crate::semver::{cmp_pre, cmp_release, parse_with};

/// Compares two NuGet versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (x, y) = (parse_with(a, 4), parse_with(b, 4));
    cmp_release(&x.release, &y.release).then_with(|| cmp_pre(&x.pre, &y.pre, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_parts_and_case() {
        assert_eq!(compare("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(compare("1.0.0.1", "1.0.0"), Ordering::Greater);
        assert_eq!(compare("1.0.0-RC.1", "1.0.0-rc.1"), Ordering::Equal);
        assert_eq!(compare("1.0.0-rc.2", "1.0.0-RC.10"), Ordering::Less);
        assert_eq!(compare("1.0.0+meta", "1.0.0"), Ordering::Equal);
    }
}
