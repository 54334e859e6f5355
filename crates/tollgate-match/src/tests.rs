use super::*;
use tollgate_db::Range;

struct Mem(Vec<Advisory>);
impl AdvisorySource for Mem {
    fn advisories(&self, ns: &str, pkg: &str) -> Result<Vec<Advisory>, String> {
        Ok(self
            .0
            .iter()
            .filter(|a| a.namespace == ns && a.package == pkg)
            .cloned()
            .collect())
    }
    fn detail(&self, id: &str) -> Result<Option<VulnDetail>, String> {
        Ok((id == "CVE-2019-14697").then(|| VulnDetail {
            id: id.into(),
            vendor_severity: [("nvd".to_string(), Severity::Critical)].into(),
            ..Default::default()
        }))
    }
    fn data_source(&self, _id: &str) -> Option<DataSource> {
        None
    }
}

fn fixed(ns: &str, pkg: &str, id: &str, v: &str, src: &str) -> Advisory {
    Advisory {
        vuln_id: id.into(),
        source: src.into(),
        namespace: ns.into(),
        package: pkg.into(),
        fixed_version: Some(v.into()),
        status: Status::Fixed,
        ..Default::default()
    }
}

fn inv(family: &str, ver: &str, pkgs: Vec<Package>) -> Inventory {
    Inventory {
        os: Some(OsInfo {
            family: family.into(),
            name: ver.into(),
            source_file: String::new(),
        }),
        packages: pkgs
            .into_iter()
            .map(|p| InstalledPackage {
                package: p,
                file_path: String::new(),
                layer: LayerId::default(),
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn alpine_by_origin_and_version_order() {
    let db = Mem(vec![
        fixed(
            "alpine 3.7",
            "musl",
            "CVE-2019-14697",
            "1.1.18-r4",
            "alpine",
        ),
        fixed(
            "alpine 3.7",
            "musl",
            "CVE-2017-15650",
            "1.1.18-r2",
            "alpine",
        ),
    ]);
    let p = Package {
        name: "musl-utils".into(),
        version: "1.1.18-r3".into(),
        src_name: "musl".into(),
        src_version: "1.1.18-r3".into(),
        ..Default::default()
    };
    let r = match_os(&inv("alpine", "3.7.3", vec![p]), &db).unwrap();
    assert_eq!(r.namespace, "alpine 3.7");
    assert_eq!(r.findings.len(), 1);
    let f = &r.findings[0];
    assert_eq!(
        (f.vuln_id.as_str(), f.fixed_version.as_str()),
        ("CVE-2019-14697", "1.1.18-r4")
    );
    assert_eq!(
        (f.severity, f.severity_source.as_str()),
        (Severity::Critical, "nvd")
    );
    assert_eq!(f.pkg_id, "musl-utils@1.1.18-r3");
}

#[test]
fn debian_by_source_with_highest_fix_and_unfixed() {
    let mut dla = fixed(
        "debian 11",
        "openssl",
        "CVE-2021-3711",
        "1.1.1k-1+deb11u1",
        "debian",
    );
    dla.vendor_ids = vec!["DSA-4963-1".into()];
    let mut dsa2 = fixed(
        "debian 11",
        "openssl",
        "CVE-2021-3711",
        "1.1.1n-0+deb11u1",
        "debian",
    );
    dsa2.vendor_ids = vec!["DSA-9999-1".into()];
    let unfixed = Advisory {
        vuln_id: "CVE-2024-0001".into(),
        source: "debian".into(),
        namespace: "debian 11".into(),
        package: "openssl".into(),
        status: Status::WillNotFix,
        severity: Some(Severity::Low),
        ..Default::default()
    };
    let db = Mem(vec![dla, dsa2, unfixed]);
    let p = Package {
        name: "libssl1.1".into(),
        version: "1.1.1n".into(),
        release: "0+deb11u0".into(),
        src_name: "openssl".into(),
        src_version: "1.1.1n".into(),
        src_release: "0+deb11u0".into(),
        ..Default::default()
    };
    let r = match_os(&inv("debian", "11.6", vec![p]), &db).unwrap();
    assert_eq!(r.namespace, "debian 11");
    let ids: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.vuln_id.as_str(),
                f.fixed_version.as_str(),
                f.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("CVE-2024-0001", "", "will_not_fix"),
            ("CVE-2021-3711", "1.1.1n-0+deb11u1", "fixed"),
        ]
    );
    assert_eq!(r.findings[1].vendor_ids, ["DSA-4963-1", "DSA-9999-1"]);
    assert_eq!(r.findings[0].severity_source, "debian");
}

#[test]
fn osv_ranges() {
    let adv = Advisory {
        ranges: vec![Range {
            introduced: Some("1.0".into()),
            fixed: Some("1.2".into()),
            last_affected: None,
        }],
        ..fixed("debian 12", "x", "CVE-1", "1.2", "osv")
    };
    assert!(is_affected(Scheme::Dpkg, "1.1", &adv));
    assert!(!is_affected(Scheme::Dpkg, "0.9", &adv));
    assert!(!is_affected(Scheme::Dpkg, "1.2", &adv));
    assert!(is_affected(Scheme::Dpkg, "1.0", &adv));
}

#[test]
fn unknown_os_is_a_warning() {
    let r = match_os(&inv("plan9", "4", vec![Package::default()]), &Mem(vec![])).unwrap();
    assert!(r.findings.is_empty());
    assert!(r.warnings[0].contains("unsupported"));
}

#[test]
fn osv_aliases_become_vendor_ids() {
    let mut adv = fixed(
        "go",
        "gopkg.in/yaml.v3",
        "CVE-2022-28948",
        "3.0.0-20220521103104-8f96da9f5d5e",
        "govulndb",
    );
    adv.aliases = vec![
        "GO-2022-0603".into(),
        "GHSA-hp87-p4gw-j4gq".into(),
        "CVE-2022-28948".into(),
    ];
    let ip = InstalledPackage {
        package: Package {
            name: "gopkg.in/yaml.v3".into(),
            version: "v3.0.0-20210107192922-496545a6307b".into(),
            ..Default::default()
        },
        file_path: String::new(),
        layer: LayerId::default(),
    };
    let db = Mem(vec![]);
    let f = Findings::new(&db)
        .make(&adv, &ip, ip.package.version.clone(), Status::Fixed)
        .unwrap();
    assert_eq!(f.vendor_ids, ["GHSA-hp87-p4gw-j4gq", "GO-2022-0603"]);
}

#[test]
fn risk_and_sort_orders() {
    let mk = |id: &str, sev: Severity, kev: bool, epss: Option<f64>, cvss: Option<f64>| Finding {
        vuln_id: id.into(),
        vendor_ids: vec![],
        package: Default::default(),
        pkg_id: String::new(),
        installed_version: String::new(),
        fixed_version: String::new(),
        status: Status::Fixed,
        layer: Default::default(),
        severity: sev,
        severity_source: "nvd".into(),
        data_source: None,
        detail: VulnDetail {
            id: id.into(),
            known_exploited: kev.then(|| tollgate_db::KnownExploited {
                date_added: "2021-11-03".into(),
                ..Default::default()
            }),
            epss: epss.map(|score| tollgate_db::Epss {
                score,
                percentile: 0.5,
            }),
            cvss: cvss
                .map(|s| {
                    [(
                        "nvd".to_string(),
                        tollgate_db::Cvss {
                            v3_score: Some(s),
                            ..Default::default()
                        },
                    )]
                    .into()
                })
                .unwrap_or_default(),
            ..Default::default()
        },
    };
    let mut v = vec![
        mk(
            "A-critical-unscored",
            Severity::Critical,
            false,
            None,
            Some(9.8),
        ),
        mk("B-kev", Severity::High, true, Some(0.2), Some(7.5)),
        mk("C-likely", Severity::Medium, false, Some(0.9), None),
    ];
    assert_eq!(v[0].risk(), 0.0);
    assert_eq!(v[1].risk(), 75.0);
    assert_eq!(v[2].risk(), 49.5);
    sort_by(&mut v, SortBy::Risk);
    let ids: Vec<_> = v.iter().map(|f| f.vuln_id.as_str()).collect();
    assert_eq!(ids, ["B-kev", "C-likely", "A-critical-unscored"]);
    sort_by(&mut v, SortBy::Epss);
    let ids: Vec<_> = v.iter().map(|f| f.vuln_id.as_str()).collect();
    assert_eq!(ids, ["C-likely", "B-kev", "A-critical-unscored"]);
}
