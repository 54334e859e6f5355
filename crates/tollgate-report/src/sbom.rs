//! The component graph that the SBOM writers (CycloneDX, SPDX, GitHub snapshots) share: the
//! scanned artifact, its OS and applications, and every package with a unique reference.

use std::collections::{BTreeSet, HashMap};

use tollgate_analyze::{InstalledPackage, AGGREGATED_KINDS};
use tollgate_match::Finding;

use crate::{purl, uid, Report, TargetResult};

/// What a node of the graph stands for.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// The scanned image or directory.
    Root,
    /// The operating system.
    Os {
        /// Family (`alpine`).
        family: String,
        /// Version (`3.7.3`).
        name: String,
    },
    /// An application: a lockfile, binary or archive holding language packages.
    App {
        /// Trivy's type (`npm`, `gobinary`).
        kind: String,
        /// The file.
        target: String,
    },
    /// A package of the report's target `target`.
    Package {
        /// Index into `Report::results`.
        target: usize,
        /// The package.
        package: Box<InstalledPackage>,
        /// Its package URL.
        purl: String,
    },
}

/// One node of the graph.
#[derive(Debug, Clone)]
pub struct Node {
    /// Reference unique in the document: the PURL of a package found once, else a UUID.
    pub bom_ref: String,
    /// What it is.
    pub kind: NodeKind,
    /// Indexes of the nodes it depends on or contains.
    pub depends_on: Vec<usize>,
}

/// The graph of one report; node 0 is the root.
pub struct Bom<'a> {
    /// The report.
    pub report: &'a Report,
    /// All nodes, the root first.
    pub nodes: Vec<Node>,
    /// `pkg:oci/...` of an image with a repository digest.
    pub root_purl: Option<String>,
    by_uid: HashMap<(usize, String), usize>,
}

/// The packages of a target: all of them when listed, else the vulnerable ones.
pub fn target_packages(r: &TargetResult) -> Vec<InstalledPackage> {
    if let Some(p) = &r.packages {
        return p.clone();
    }
    let mut seen = BTreeSet::new();
    r.findings
        .iter()
        .filter(|f| seen.insert(uid(&f.package, &f.package.file_path, &f.layer.diff_id)))
        .map(|f| InstalledPackage {
            package: f.package.clone(),
            file_path: f.package.file_path.clone(),
            layer: f.layer.clone(),
        })
        .collect()
}

/// `pkg:oci/alpine@sha256:...?arch=amd64&repository_url=index.docker.io/library/alpine`.
pub fn oci_purl(report: &Report) -> Option<String> {
    let m = &report.metadata;
    let (repo, digest) = m.repo_digests.first()?.split_once('@')?;
    let name = repo.rsplit('/').next()?.to_ascii_lowercase();
    let mut s = format!("pkg:oci/{name}@{}", digest.replace(':', "%3A"));
    let mut q = Vec::new();
    if let Some(a) = m.image_config.get("architecture").and_then(|a| a.as_str()) {
        q.push(format!("arch={a}"));
    }
    q.push(format!("repository_url={repo}"));
    s.push('?');
    s.push_str(&q.join("&"));
    Some(s)
}

impl<'a> Bom<'a> {
    /// Builds the graph of a report.
    pub fn new(report: &'a Report) -> Bom<'a> {
        let root_purl = if report.artifact_type == "container_image" {
            oci_purl(report)
        } else {
            None
        };
        let root_ref = root_purl
            .clone()
            .unwrap_or_else(|| crate::uuid(&[&report.artifact_name, &report.created_at, "root"]));
        let mut bom = Bom {
            report,
            nodes: vec![Node {
                bom_ref: root_ref,
                kind: NodeKind::Root,
                depends_on: Vec::new(),
            }],
            root_purl,
            by_uid: HashMap::new(),
        };
        let mut purls: HashMap<String, usize> = HashMap::new();
        for (t, r) in report.results.iter().enumerate() {
            let aggregated = AGGREGATED_KINDS.iter().any(|(k, _)| *k == r.kind);
            let parent = if r.class == "os-pkgs" {
                let name = report
                    .metadata
                    .os
                    .as_ref()
                    .map(|o| o.name.clone())
                    .unwrap_or_default();
                bom.push(
                    crate::uuid(&[&report.artifact_name, &report.created_at, &r.target]),
                    NodeKind::Os {
                        family: r.kind.clone(),
                        name,
                    },
                )
            } else if aggregated {
                0
            } else {
                bom.push(
                    crate::uuid(&[&report.artifact_name, &report.created_at, &r.target]),
                    NodeKind::App {
                        kind: r.kind.clone(),
                        target: r.target.clone(),
                    },
                )
            };
            if parent != 0 {
                bom.nodes[0].depends_on.push(parent);
            }
            let first = bom.nodes.len();
            for ip in target_packages(r) {
                let u = uid(&ip.package, &ip.package.file_path, &ip.layer.diff_id);
                if bom.by_uid.contains_key(&(t, u.clone())) {
                    continue;
                }
                let p = purl(&r.kind, &r.purl_distro, &ip.package);
                *purls.entry(p.clone()).or_insert(0) += 1;
                let i = bom.push(
                    p.clone(),
                    NodeKind::Package {
                        target: t,
                        package: Box::new(ip),
                        purl: p,
                    },
                );
                bom.by_uid.insert((t, u), i);
            }
            bom.link(first, parent);
        }
        // A PURL found more than once (the same jar in two places) cannot name either
        // occurrence: each gets a UUID of its own, as in Trivy.
        for n in &mut bom.nodes {
            if let NodeKind::Package {
                target,
                package,
                purl,
            } = &n.kind
            {
                if purls.get(purl).is_some_and(|&c| c > 1) {
                    let p = &package.package;
                    let u = uid(p, &p.file_path, &package.layer.diff_id);
                    n.bom_ref =
                        crate::uuid(&[&report.artifact_name, purl, &u, &target.to_string()]);
                }
            }
        }
        bom
    }

    fn push(&mut self, bom_ref: String, kind: NodeKind) -> usize {
        self.nodes.push(Node {
            bom_ref,
            kind,
            depends_on: Vec::new(),
        });
        self.nodes.len() - 1
    }

    /// Resolves `DependsOn` among the packages `first..` and hangs them under `parent`, as
    /// Trivy does: the OS or application depends on the packages nothing else in it depends on
    /// (and on any a cycle leaves unreachable).
    fn link(&mut self, first: usize, parent: usize) {
        let range = first..self.nodes.len();
        let mut keys: HashMap<String, Option<usize>> = HashMap::new();
        for i in range.clone() {
            if let NodeKind::Package { package, .. } = &self.nodes[i].kind {
                let p = &package.package;
                let v = p.full_version();
                for k in [
                    format!("{}@{}", p.name, v),
                    format!("{}@{}", p.name, p.version),
                    format!("{}/{}", p.name, v),
                ] {
                    keys.entry(k).or_insert(Some(i));
                }
                // A bare name resolves only when one package has it.
                keys.entry(p.name.clone())
                    .and_modify(|e| {
                        if *e != Some(i) {
                            *e = None
                        }
                    })
                    .or_insert(Some(i));
            }
        }
        let mut depended = vec![false; self.nodes.len()];
        for i in range.clone() {
            let deps: Vec<usize> = match &self.nodes[i].kind {
                NodeKind::Package { package, .. } => package
                    .package
                    .depends_on
                    .iter()
                    .filter_map(|d| keys.get(d.as_str()).copied().flatten())
                    .filter(|&j| j != i)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            };
            for &j in &deps {
                depended[j] = true;
            }
            self.nodes[i].depends_on = deps;
        }
        let mut tops: Vec<usize> = range.clone().filter(|&i| !depended[i]).collect();
        let mut reached = vec![false; self.nodes.len()];
        let mut stack = tops.clone();
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut reached[i], true) {
                stack.extend(self.nodes[i].depends_on.iter().copied());
            }
        }
        // One member of each unreachable cycle is enough to reach the rest.
        for i in range {
            if !reached[i] {
                tops.push(i);
                let mut stack = vec![i];
                while let Some(j) = stack.pop() {
                    if !std::mem::replace(&mut reached[j], true) {
                        stack.extend(self.nodes[j].depends_on.iter().copied());
                    }
                }
            }
        }
        self.nodes[parent].depends_on.extend(tops);
    }

    /// The reference of the package a finding is about.
    pub fn finding_ref(&self, target: usize, f: &Finding) -> Option<&str> {
        let u = uid(&f.package, &f.package.file_path, &f.layer.diff_id);
        self.by_uid
            .get(&(target, u))
            .map(|&i| self.nodes[i].bom_ref.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_analyze::Package;

    fn jar(name: &str, path: &str) -> InstalledPackage {
        InstalledPackage {
            package: Package {
                name: name.into(),
                version: "1.15".into(),
                file_path: path.into(),
                ..Default::default()
            },
            file_path: String::new(),
            layer: Default::default(),
        }
    }

    #[test]
    fn a_purl_found_twice_names_neither_occurrence() {
        let report = Report {
            artifact_name: "img".into(),
            results: vec![TargetResult {
                target: "Java".into(),
                class: "lang-pkgs".into(),
                kind: "jar".into(),
                packages: Some(vec![
                    jar("commons-codec:commons-codec", "a/x.jar"),
                    jar("commons-codec:commons-codec", "b/x.jar"),
                    jar("org.a:b", "c/b.jar"),
                ]),
                ..Default::default()
            }],
            ..Default::default()
        };
        let bom = Bom::new(&report);
        let refs: Vec<&str> = bom.nodes[1..].iter().map(|n| n.bom_ref.as_str()).collect();
        assert_eq!(refs.len(), 3);
        assert!(refs[0].len() == 36 && refs[1].len() == 36 && refs[0] != refs[1]);
        assert_eq!(refs[2], "pkg:maven/org.a/b@1.15");
        // Aggregated Java packages hang from the root.
        assert_eq!(bom.nodes[0].depends_on, vec![1, 2, 3]);
    }
}
