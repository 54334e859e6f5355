//! PHP packages: `composer.lock` (Trivy's `composer`) and Composer's installed-packages
//! file `vendor/composer/installed.json` (Trivy's `composer-vendor`), as Trivy 0.76 lists
//! them (checked against its own testdata in `tests/lang_php.rs`).
//! `packages-dev` entries are returned with `dev = true`; as in Trivy, the scan drops them
//! unless asked to include dev dependencies.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::text;
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// All PHP analyzers.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(ComposerAnalyzer), Box::new(ComposerVendorAnalyzer)]
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Vec<LockPkg>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<LockPkg>,
}

#[derive(Deserialize)]
struct LockPkg {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    license: Licenses,
    #[serde(default)]
    require: HashMap<String, serde_json::Value>,
}

/// Composer writes `license` as a list; a few old files have a single string.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Licenses {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl Licenses {
    fn to_vec(&self) -> Vec<String> {
        match self {
            Licenses::None => Vec::new(),
            Licenses::One(s) => crate::license::split(s),
            Licenses::Many(v) => v.clone(),
        }
    }
}

/// Turns locked packages into [`Package`]s with `depends_on` resolved to `name@version`.
fn to_packages(prod: &[LockPkg], dev: &[LockPkg]) -> Vec<Package> {
    let ids: HashMap<String, String> = prod
        .iter()
        .chain(dev)
        .map(|p| {
            (
                p.name.to_ascii_lowercase(),
                format!("{}@{}", p.name, p.version),
            )
        })
        .collect();
    let one = |p: &LockPkg, is_dev: bool| {
        let mut deps: Vec<String> = p
            .require
            .keys()
            .filter_map(|n| ids.get(&n.to_ascii_lowercase()).cloned())
            .collect();
        deps.sort();
        deps.dedup();
        Package {
            name: p.name.clone(),
            version: p.version.clone(),
            licenses: p.license.to_vec(),
            depends_on: deps,
            dev: is_dev,
            ..Default::default()
        }
    };
    prod.iter()
        .map(|p| one(p, false))
        .chain(dev.iter().map(|p| one(p, true)))
        .collect()
}

// ---------------------------------------------------------------- composer

/// `composer.lock` (Trivy's `composer`). With the sibling `composer.json`, use
/// [`composer_with_json`] to get direct/indirect as Trivy does.
pub struct ComposerAnalyzer;

impl Analyzer for ComposerAnalyzer {
    fn name(&self) -> &'static str {
        "composer"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        path.rsplit('/').next() == Some("composer.lock")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        composer_with_json(path, content, None)
    }
    fn siblings(&self) -> &'static [&'static str] {
        &["composer.json"]
    }
    fn analyze_with_siblings(
        &self,
        path: &str,
        content: &[u8],
        siblings: &[(&str, &[u8])],
    ) -> Result<AnalysisResult, AnalyzeError> {
        crate::with_sibling(path, content, siblings, "composer.json", composer_with_json)
    }
}

/// Parses `composer.lock` and, when given, its `composer.json`: packages named in
/// `require` / `require-dev` are `direct`, the others `indirect`. An unreadable
/// composer.json is ignored, as Trivy does.
pub fn composer_with_json(
    path: &str,
    lock: &[u8],
    composer_json: Option<&[u8]>,
) -> Result<AnalysisResult, AnalyzeError> {
    let t = text(path, lock, "composer.lock")?;
    let lock: Lock = serde_json::from_str(t)
        .map_err(|e| AnalyzeError::new(path, format!("composer.lock is not valid: {e}")))?;
    let mut packages = to_packages(&lock.packages, &lock.packages_dev);
    if let Some(direct) = composer_json.and_then(direct_deps) {
        for p in &mut packages {
            p.relationship = if direct.contains(&p.name.to_ascii_lowercase()) {
                "direct"
            } else {
                "indirect"
            }
            .into();
        }
    }
    Ok(AnalysisResult::application("composer", path, packages))
}

/// Lower-cased names in `require` and `require-dev` of a composer.json.
fn direct_deps(b: &[u8]) -> Option<HashSet<String>> {
    #[derive(Deserialize)]
    struct ComposerJson {
        #[serde(default)]
        require: HashMap<String, serde_json::Value>,
        #[serde(default, rename = "require-dev")]
        require_dev: HashMap<String, serde_json::Value>,
    }
    let j: ComposerJson = serde_json::from_slice(b).ok()?;
    Some(
        j.require
            .keys()
            .chain(j.require_dev.keys())
            .map(|k| k.to_ascii_lowercase())
            .collect(),
    )
}

// ---------------------------------------------------------------- composer-vendor

/// `vendor/composer/installed.json` (Trivy's `composer-vendor`): Composer 2's
/// `{"packages": [...]}` or Composer 1's top-level array.
pub struct ComposerVendorAnalyzer;

impl Analyzer for ComposerVendorAnalyzer {
    fn name(&self) -> &'static str {
        "composer-vendor"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        path.ends_with("vendor/composer/installed.json")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Installed {
            V2 { packages: Vec<LockPkg> },
            V1(Vec<LockPkg>),
        }
        let t = text(path, content, "installed.json")?;
        let pkgs = match serde_json::from_str::<Installed>(t) {
            Ok(Installed::V2 { packages }) | Ok(Installed::V1(packages)) => packages,
            Err(_) => {
                // Untagged errors say nothing useful; report the JSON error itself.
                let why = serde_json::from_str::<serde_json::Value>(t)
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| {
                        "neither {\"packages\": [...]} nor a list of packages".into()
                    });
                return Err(AnalyzeError::new(
                    path,
                    format!("installed.json is not valid: {why}"),
                ));
            }
        };
        Ok(AnalysisResult::application(
            "composer-vendor",
            path,
            to_packages(&pkgs, &[]),
        ))
    }
}
