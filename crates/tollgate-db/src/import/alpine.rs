//! Alpine secdb: `secfixes` maps a fixed version to the ids it fixes, per origin package.
//!
//! Reads the legacy YAML (`v3.10/main.yaml`), the current secdb JSON (same shape) and the
//! vuln-list per-package JSON (one `{name, secfixes, distroversion}` object per file).

use super::{file_name, has_ext, read_file, Ctx};
use crate::model::{Advisory, Status, VulnDetail};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Deserialize)]
struct SecDb {
    #[serde(default)]
    distroversion: Option<Scalar>,
    #[serde(default)]
    packages: Option<Packages>,
    #[serde(default)]
    reponame: Option<Scalar>,
    // vuln-list per-package layout
    #[serde(default)]
    name: Option<Scalar>,
    #[serde(default)]
    secfixes: Option<Secfixes>,
}

/// The package list; current secdb JSON writes an empty repository as `"packages": {}`.
struct Packages(Vec<Entry>);

impl<'de> Deserialize<'de> for Packages {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Packages;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of packages")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(e) = s.next_element::<Entry>()? {
                    out.push(e);
                }
                Ok(Packages(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Packages(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Packages(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    pkg: Option<Pkg>,
}

#[derive(Deserialize)]
struct Pkg {
    #[serde(default)]
    name: Option<Scalar>,
    #[serde(default)]
    secfixes: Option<Secfixes>,
}

/// `secfixes` is a map from version to a list of id strings; broken files have `{}` or null
/// values, which are read as "no ids". Not an untagged enum: buffering would turn YAML keys
/// such as `1.10` into numbers.
struct Secfixes(Vec<(String, IdList)>);

#[derive(Deserialize)]
#[serde(untagged)]
enum IdList {
    List(Vec<Scalar>),
    Other(IgnoredAny),
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum Scalar {
    S(String),
    I(i64),
    F(f64),
    Other(IgnoredAny),
}

impl Scalar {
    fn text(&self) -> Option<String> {
        match self {
            Scalar::S(s) => Some(s.clone()),
            Scalar::I(i) => Some(i.to_string()),
            Scalar::F(f) => Some(f.to_string()),
            Scalar::Other(_) => None,
        }
    }
}

// The map keeps the file's key order (the last key wins on duplicate ids, as in trivy-db).
impl<'de> Deserialize<'de> for Secfixes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Secfixes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of fixed version to ids")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                // Keys are read as strings so YAML `1.10:` stays "1.10" and `0:` stays "0".
                while let Some(k) = m.next_key::<String>()? {
                    let v: IdList = m.next_value()?;
                    out.push((k, v));
                }
                Ok(Secfixes(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Secfixes(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Secfixes(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Secfixes(Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Secfixes(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Secfixes(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Secfixes(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Secfixes(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Secfixes(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Picks the vulnerability id out of a secfixes string the way trivy-db does:
/// `CVE_2019_1` spelling is repaired, the first CVE token wins, else the last GHSA token;
/// strings with neither (`XSA-123`, bug numbers) give nothing.
pub(crate) fn pick_id(s: &str) -> Option<String> {
    let mut sel = None;
    for tok in s.split_whitespace() {
        let tok = tok.replace("CVE_", "CVE-");
        if tok.starts_with("CVE-") {
            return Some(tok);
        } else if tok.starts_with("GHSA-") {
            sel = Some(tok);
        }
    }
    sel
}

fn release_of(distroversion: Option<&Scalar>, path: &Path) -> Option<String> {
    let from_doc = distroversion.and_then(Scalar::text);
    let from_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .filter(|n| {
            n.starts_with('v') && n[1..].starts_with(|c: char| c.is_ascii_digit()) || *n == "edge"
        })
        .map(str::to_string);
    let v = from_doc.or(from_dir)?;
    let v = v.trim().trim_start_matches('v').to_string();
    (!v.is_empty()).then_some(v)
}

pub(crate) fn import(files: &[std::path::PathBuf], ctx: &mut Ctx) {
    // (namespace, package, vuln id) -> index in `advs`; the last fixed version wins.
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut advs: Vec<Advisory> = Vec::new();
    let mut detail_ids: BTreeMap<String, ()> = BTreeMap::new();
    for path in files {
        let is_yaml = has_ext(path, "yaml") || has_ext(path, "yml");
        if !is_yaml && !has_ext(path, "json") {
            continue;
        }
        let bytes = match read_file(path) {
            Ok(b) => b,
            Err(e) => {
                ctx.warn(path, e);
                continue;
            }
        };
        let doc: Result<SecDb, String> = if is_yaml {
            serde_norway::from_slice(&bytes).map_err(|e| e.to_string())
        } else {
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())
        };
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                ctx.warn(path, format!("not an Alpine secdb file: {e}"));
                continue;
            }
        };
        let mut pkgs: Vec<(Option<Scalar>, Option<Secfixes>)> = Vec::new();
        if let Some(list) = doc.packages {
            for pkg in list.0.into_iter().filter_map(|e| e.pkg) {
                pkgs.push((pkg.name, pkg.secfixes));
            }
        } else if doc.name.is_some() && doc.secfixes.is_some() {
            pkgs.push((doc.name, doc.secfixes));
        } else if doc.distroversion.is_some() && doc.reponame.is_some() {
            // A repository without security fixes (`packages:` empty), e.g. v3.3/community.
        } else {
            ctx.warn(
                path,
                "not an Alpine secdb file: no `packages` or `secfixes`",
            );
            continue;
        }
        let Some(release) = release_of(doc.distroversion.as_ref(), path) else {
            ctx.warn(
                path,
                format!(
                    "no `distroversion` and no vX.Y parent folder in {}",
                    file_name(path)
                ),
            );
            continue;
        };
        ctx.recognised += 1;
        let namespace = format!("alpine {release}");
        for (name, secfixes) in pkgs {
            let Some(name) = name.and_then(|n| n.text()).filter(|n| !n.is_empty()) else {
                continue;
            };
            let Some(Secfixes(map)) = secfixes else {
                continue;
            };
            for (fixed, ids) in map {
                let IdList::List(ids) = ids else { continue };
                for id in ids.iter().filter_map(Scalar::text) {
                    let Some(vid) = pick_id(&id) else { continue };
                    // The `0` key is Alpine's "never affected": the CVE was listed so that
                    // scanners stop reporting it for this package (e.g. it only affects another
                    // distro's build). trivy-db stores it as fixed version "0", which no
                    // installed version is below, so it never matches; we say so explicitly.
                    let status = if fixed.trim() == "0" {
                        Status::NotAffected
                    } else {
                        Status::Fixed
                    };
                    let adv = Advisory {
                        vuln_id: vid.clone(),
                        source: "alpine".to_string(),
                        namespace: namespace.clone(),
                        package: name.clone(),
                        fixed_version: Some(fixed.clone()),
                        status,
                        ..Default::default()
                    };
                    let key = (namespace.clone(), name.clone(), vid.clone());
                    match seen.get(&key) {
                        Some(&i) => advs[i] = adv,
                        None => {
                            seen.insert(key, advs.len());
                            advs.push(adv);
                        }
                    }
                    detail_ids.insert(vid, ());
                }
            }
        }
    }
    ctx.batch.advisories.extend(advs);
    // secdb has no titles or severities; an empty detail records that Alpine knows the id.
    ctx.batch
        .details
        .extend(detail_ids.into_keys().map(|id| VulnDetail {
            id,
            sources: vec!["alpine".to_string()],
            ..Default::default()
        }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_picked_like_trivy_db() {
        assert_eq!(pick_id("CVE-2019-14697").as_deref(), Some("CVE-2019-14697"));
        assert_eq!(
            pick_id("CVE-2017-2616 (+ regression fix)").as_deref(),
            Some("CVE-2017-2616")
        );
        assert_eq!(
            pick_id("CVE-2024-22195 GHSA-h5c8-rqwp-cp95").as_deref(),
            Some("CVE-2024-22195")
        );
        assert_eq!(
            pick_id("GHSA-h5c8-rqwp-cp95 CVE-2024-22195").as_deref(),
            Some("CVE-2024-22195")
        );
        assert_eq!(
            pick_id("GHSA-h6cc-rc6q-23j4 (+regression fix)").as_deref(),
            Some("GHSA-h6cc-rc6q-23j4")
        );
        // Only the first `CVE_` is repaired, as trivy-db does.
        assert_eq!(
            pick_id("CVE_2018_1000001").as_deref(),
            Some("CVE-2018_1000001")
        );
        assert_eq!(pick_id("XSA-248"), None);
    }
}
