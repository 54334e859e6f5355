//! Java: archives (`.jar`, `.war`, `.ear`, `.par`), Maven `pom.xml` and `gradle.lockfile`.
//!
//! Each analyzer follows Trivy 0.76 as it behaves offline with an empty Java DB (no SHA-1
//! lookup, no Maven Central, no local `~/.m2` or Gradle cache): see each module for its rules
//! and for what is deliberately left out.

pub mod gradle;
pub mod jar;
pub mod pom;
mod xml;

pub use gradle::GradleLockAnalyzer;
pub use jar::JarAnalyzer;
pub use pom::PomAnalyzer;

/// The Java analyzers, for the lead to add to the default set.
pub fn analyzers() -> Vec<Box<dyn crate::Analyzer>> {
    vec![
        Box::new(JarAnalyzer),
        Box::new(PomAnalyzer),
        Box::new(GradleLockAnalyzer),
    ]
}
