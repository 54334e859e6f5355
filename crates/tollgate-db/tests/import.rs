//! Importers over the real fixtures in `testdata/advisories` (see its README for provenance).

use std::path::PathBuf;
use tollgate_db::{import, Advisory, ImportBatch, ImportError, Severity, SourceKind, Status};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/advisories")
        .join(rel)
}

fn find<'a>(b: &'a ImportBatch, ns: &str, pkg: &str, id: &str) -> Vec<&'a Advisory> {
    b.advisories
        .iter()
        .filter(|a| a.namespace == ns && a.package == pkg && a.vuln_id == id)
        .collect()
}

fn one<'a>(b: &'a ImportBatch, ns: &str, pkg: &str, id: &str) -> &'a Advisory {
    let v = find(b, ns, pkg, id);
    assert_eq!(v.len(), 1, "{ns} / {pkg} / {id}: {v:?}");
    v[0]
}

#[test]
fn alpine_legacy_yaml() {
    let b = import(SourceKind::AlpineSecdb, &fixture("alpine-secdb")).unwrap();
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    let a = one(&b, "alpine 3.10", "musl", "CVE-2019-14697");
    assert_eq!(a.fixed_version.as_deref(), Some("1.1.22-r3"));
    assert_eq!(a.status, Status::Fixed);
    assert_eq!(a.source, "alpine");
    assert_eq!(
        one(&b, "alpine 3.10", "musl", "CVE-2016-8859")
            .fixed_version
            .as_deref(),
        Some("1.1.15-r4")
    );
    assert_eq!(
        one(&b, "alpine 3.10", "ansible", "CVE-2019-10206")
            .fixed_version
            .as_deref(),
        Some("2.8.4-r0")
    );
    // The directory holds v3.7 (the README's main job) and v3.10; each file keys its own release.
    assert!(b
        .advisories
        .iter()
        .all(|a| a.namespace == "alpine 3.10" || a.namespace == "alpine 3.7"));
    assert_eq!(
        one(&b, "alpine 3.7", "musl", "CVE-2019-14697")
            .fixed_version
            .as_deref(),
        Some("1.1.18-r4")
    );
    assert_eq!(b.sources.len(), 1);
    assert_eq!(b.sources[0].name, "Alpine Secdb");
}

#[test]
fn alpine_secdb_json_and_vuln_list() {
    // 312-main.json: "2.8.0-r0": {} has no ids; edge-community.json has "packages": {}.
    let b = import(SourceKind::AlpineSecdb, &fixture("alpine-secdb-json")).unwrap();
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    assert_eq!(b.advisories.len(), 1);
    let a = one(&b, "alpine 3.12", "ansible", "CVE-2018-16876");
    assert_eq!(a.fixed_version.as_deref(), Some("2.7.9-r0"));

    let b = import(SourceKind::AlpineSecdb, &fixture("alpine-vuln-list")).unwrap();
    let fixed = |id: &str| {
        one(&b, "alpine 3.12", "ansible", id)
            .fixed_version
            .clone()
            .unwrap()
    };
    assert_eq!(fixed("CVE-2024-22195"), "2.9.3-r0"); // "CVE-2024-22195 GHSA-h5c8-rqwp-cp95"
    assert_eq!(fixed("CVE-2017-2616"), "2.9.3-r0"); // "CVE-2017-2616 (+ regression fix)"
    assert_eq!(fixed("GHSA-h6cc-rc6q-23j4"), "2.9.3-r0");
    assert_eq!(fixed("CVE-2020-1737"), "2.9.6-r0");
    assert_eq!(b.advisories.len(), 7);
    // The sad fixture (trailing comma) is a warning naming the file; the good one still counts.
    assert_eq!(b.warnings.len(), 1, "{:?}", b.warnings);
    assert!(
        b.warnings[0].contains("broken-ansible.json"),
        "{}",
        b.warnings[0]
    );
}

#[test]
fn alpine_zero_key_is_not_affected() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v3.18");
    std::fs::create_dir(&v).unwrap();
    std::fs::write(
        v.join("main.yaml"),
        "distroversion: v3.18\nreponame: main\npackages:\n  - pkg:\n      name: zlib\n      secfixes:\n        0:\n          - CVE-2018-25032\n        1.10:\n          - CVE_2022-37434 XSA-1\n",
    )
    .unwrap();
    let b = import(SourceKind::AlpineSecdb, dir.path()).unwrap();
    let a = one(&b, "alpine 3.18", "zlib", "CVE-2018-25032");
    assert_eq!(a.status, Status::NotAffected);
    assert_eq!(a.fixed_version.as_deref(), Some("0"));
    // YAML key `1.10` stays a string, not the number 1.1.
    assert_eq!(
        one(&b, "alpine 3.18", "zlib", "CVE-2022-37434")
            .fixed_version
            .as_deref(),
        Some("1.10")
    );
}

#[test]
fn debian_lists() {
    let b = import(SourceKind::DebianTracker, &fixture("debian-lists/data")).unwrap();
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    let a = one(&b, "debian 11", "xorg-server", "CVE-2023-1393");
    assert_eq!(a.fixed_version.as_deref(), Some("2:1.20.11-1+deb11u6"));
    assert_eq!(a.vendor_ids, ["DSA-5380-1"]);
    assert_eq!(a.status, Status::Fixed);
    // A DSA without CVE ids is known by its own id, titled from its header.
    let a = one(&b, "debian 11", "sox", "DSA-5356-2");
    assert_eq!(
        a.fixed_version.as_deref(),
        Some("14.4.2+git20190427-2+deb11u2")
    );
    assert_eq!(a.vendor_ids, ["DSA-5356-2"]);
    let d = b.details.iter().find(|d| d.id == "DSA-5356-2").unwrap();
    assert_eq!(d.title.as_deref(), Some("sox - regression update"));
    // Two DSAs for one CVE: the newer fixed version wins, both ids are kept.
    let a = one(&b, "debian 10", "apache2", "CVE-2019-10092");
    assert_eq!(a.fixed_version.as_deref(), Some("2.4.38-3+deb10u3"));
    assert_eq!(a.vendor_ids, ["DSA-4509-1", "DSA-4509-3"]);
    assert_eq!(
        one(&b, "debian 9", "redis", "CVE-2019-10193")
            .fixed_version
            .as_deref(),
        Some("3:3.2.6-3+deb9u3")
    );
    // DLA: the first joblib update named no CVE, the second did.
    assert_eq!(
        one(&b, "debian 10", "joblib", "DLA-3193-1")
            .fixed_version
            .as_deref(),
        Some("0.13.0-2+deb10u1")
    );
    assert_eq!(
        one(&b, "debian 10", "joblib", "CVE-2022-21797").vendor_ids,
        ["DLA-3193-2"]
    );
    // Releases before wheezy (lenny, squeeze) are dropped.
    assert!(b
        .advisories
        .iter()
        .all(|a| a.namespace != "debian 5" && a.namespace != "debian 6"));

    // data/CVE/list: per-release states and the sid line.
    let a = one(&b, "debian 12", "foot", "CVE-2023-XXXX");
    assert_eq!(
        (a.status, a.fixed_version.as_deref()),
        (Status::Fixed, Some("1.13.1-2+deb12u1"))
    );
    let a = one(&b, "debian 11", "foot", "CVE-2023-XXXX");
    assert_eq!(
        (a.status, a.fixed_version.as_deref()),
        (Status::Affected, None)
    );
    let a = one(&b, "debian 13", "foot", "CVE-2023-XXXX");
    assert_eq!(
        (a.status, a.fixed_version.as_deref()),
        (Status::Fixed, Some("1.15.3-2"))
    );
    let a = one(&b, "debian 12", "wordpress", "CVE-2023-XXXX");
    assert_eq!(a.status, Status::Affected);
    let a = one(&b, "debian 11", "putty", "CVE-2021-36367");
    assert_eq!(
        (a.status, a.severity),
        (Status::Affected, Some(Severity::Low))
    );
    let a = one(&b, "debian 12", "ant", "CVE-2021-36373");
    assert_eq!(
        (a.status, a.severity),
        (Status::Affected, Some(Severity::Low))
    );
}

#[test]
fn debian_tracker_json_matches_trivy_db() {
    // Expected values are those of trivy-db's own test over the same fixture.
    let b = import(SourceKind::DebianTracker, &fixture("debian-tracker-json")).unwrap();
    let a = one(&b, "debian 9", "libgcrypt20", "CVE-2021-33560");
    assert_eq!(a.fixed_version.as_deref(), Some("1.7.6-2+deb9u4"));
    assert_eq!(a.vendor_ids, ["DLA-2691-1"]);
    assert_eq!(
        one(&b, "debian 10", "libgcrypt20", "CVE-2021-33560")
            .fixed_version
            .as_deref(),
        Some("1.8.4-5+deb10u1")
    );
    // bullseye ships the sid fix (updates-source 1.8.7-6).
    assert_eq!(
        one(&b, "debian 11", "libgcrypt20", "CVE-2021-33560")
            .fixed_version
            .as_deref(),
        Some("1.8.7-6")
    );
    let a = one(&b, "debian 10", "dacs", "CVE-2021-29629");
    assert_eq!(
        (a.status, a.severity),
        (Status::WillNotFix, Some(Severity::Low))
    );
    assert!(find(&b, "debian 9", "dacs", "CVE-2021-29629").is_empty()); // not-affected in stretch
    let a = one(&b, "debian 8", "akonadi", "DSA-3714-1");
    assert_eq!(a.fixed_version.as_deref(), Some("1.13.0-2+deb8u2"));
    assert_eq!(a.vendor_ids, ["DSA-3714-1"]);
    // A wrong no-dsa: bullseye already has the sid fix.
    let a = one(&b, "debian 11", "cloud-init", "CVE-2020-8631");
    assert_eq!(
        (a.status, a.fixed_version.as_deref()),
        (Status::Fixed, Some("19.4-2"))
    );
    assert!(b.advisories.iter().all(|a| a.vuln_id != "CVE-2016-4606")); // not-affected in sid
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
}

#[test]
fn osv_records() {
    let b = import(SourceKind::Osv, &fixture("osv")).unwrap();
    // pip: PEP 503 names, ranges, CVSS v3 computed from the vector.
    let a = one(&b, "pip", "apache-airflow", "CVE-2023-45348");
    assert_eq!(a.source, "pypa");
    assert_eq!(a.aliases, ["PYSEC-2023-204"]);
    assert_eq!(a.fixed_version.as_deref(), Some("2.7.2"));
    assert_eq!(a.ranges[0].introduced.as_deref(), Some("2.7.0"));
    assert_eq!(a.ranges[0].fixed.as_deref(), Some("2.7.2"));
    assert!(a.versions.contains(&"2.7.1rc2".to_string()));
    let d = b.details.iter().find(|d| d.id == "CVE-2023-45348").unwrap();
    assert_eq!(d.sources, ["osv"]);
    assert_eq!(d.cvss["osv"].v3_score, Some(4.3));
    assert_eq!(d.vendor_severity["osv"], Severity::Medium);
    assert_eq!(d.published.as_deref(), Some("2023-10-14T10:15:00Z"));
    let a = one(&b, "pip", "jw-util", "CVE-2020-13388");
    assert_eq!(a.ranges[0].introduced, None); // introduced "0"
                                              // Withdrawn records are skipped.
    assert!(b
        .advisories
        .iter()
        .all(|a| !a.aliases.contains(&"PYSEC-2020-221".to_string())));
    // Go: one advisory per CVE alias (trivy-db keeps only the first).
    for cve in ["CVE-2020-15106", "CVE-2020-15112"] {
        let a = one(&b, "go", "go.etcd.io/etcd", cve);
        assert_eq!(a.source, "govulndb");
        assert!(a.aliases.contains(&"GO-2020-0005".to_string()));
        assert!(a.aliases.contains(&"GHSA-m332-53r6-2w93".to_string()));
        assert_eq!(
            a.fixed_version.as_deref(),
            Some("0.5.0-alpha.5.0.20200423152442-f4b650b51dc4")
        );
    }
    // Several fixed events are kept as ranges and joined for display.
    let a = one(&b, "go", "stdlib", "CVE-2022-27664");
    assert_eq!(a.fixed_version.as_deref(), Some("1.18.6, 1.19.1"));
    assert_eq!(a.ranges.len(), 2);
    assert_eq!(a.ranges[1].introduced.as_deref(), Some("1.19.0-0"));
    let d = b
        .details
        .iter()
        .find(|d| d.id == "CVE-2022-27664" && d.sources == ["govulndb"])
        .unwrap();
    assert!(d
        .references
        .contains(&"https://pkg.go.dev/vuln/GO-2022-0969".to_string()));
    // Rust, loose and zipped.
    assert_eq!(
        find(&b, "cargo", "openssl", "CVE-2016-10931").len(),
        2,
        "one from crates/, one from the older copy in the zip"
    );
    let a = one(&b, "cargo", "smallvec", "CVE-2019-15551");
    assert_eq!(a.source, "rustsec");
    // Debian changelog OSV: DEBIAN-CVE-X is CVE-X in "debian 12".
    let a = one(&b, "debian 12", "expat", "CVE-2024-28757");
    assert_eq!(a.fixed_version.as_deref(), Some("2.5.0-1+deb12u4"));
    assert_eq!(a.source, "debian");
    // The broken folder: a truncated file is a warning naming it; its good neighbour is read.
    assert_eq!(b.warnings.len(), 1, "{:?}", b.warnings);
    assert!(b.warnings[0].contains("truncated.json"));
    assert_eq!(
        find(&b, "go", "github.com/dhowden/tag", "CVE-2020-29245").len(),
        1
    );
}

#[test]
fn nvd_feeds_and_api() {
    let b = import(SourceKind::Nvd, &fixture("nvd")).unwrap();
    assert!(b.advisories.is_empty());
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    let d = b.details.iter().find(|d| d.id == "CVE-2016-8859").unwrap();
    let c = &d.cvss["nvd"];
    assert_eq!(
        c.v3_vector.as_deref(),
        Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
    assert_eq!((c.v3_score, c.v2_score), (Some(9.8), Some(7.5)));
    assert_eq!(d.vendor_severity["nvd"], Severity::Critical);
    assert_eq!(d.cwe_ids, ["CWE-190"]);
    assert_eq!(d.published.as_deref(), Some("2017-02-13T18:59:00Z"));
    assert!(d.description.as_deref().unwrap().contains("musl"));
    let d = b.details.iter().find(|d| d.id == "CVE-2017-3735").unwrap();
    assert_eq!(d.vendor_severity["nvd"], Severity::Medium);
    // API 2.0, single CVE: NVD's Primary v3.1 metric, v2 and v4 too.
    let d = b.details.iter().find(|d| d.id == "CVE-2024-5732").unwrap();
    let c = &d.cvss["nvd"];
    assert_eq!(
        (c.v3_score, c.v2_score, c.v40_score),
        (Some(9.8), Some(7.5), Some(6.9))
    );
    assert_eq!(d.vendor_severity["nvd"], Severity::Critical);
    assert_eq!(d.cwe_ids, ["CWE-287"]);
    let d = b.details.iter().find(|d| d.id == "CVE-2020-0001").unwrap();
    assert_eq!(d.vendor_severity["nvd"], Severity::High);
    assert_eq!(d.last_modified.as_deref(), Some("2021-07-21T11:39:23Z"));
    // API 2.0 result page.
    assert!(b.details.iter().any(|d| d.id == "CVE-2021-22903"));
    // Rejected ids: dropped, and listed so the build drops their advisories too.
    for id in ["CVE-2017-0605", "CVE-2024-0069"] {
        assert!(b.details.iter().all(|d| d.id != id));
        assert!(b.rejected.contains(&id.to_string()));
    }
    assert_eq!(b.sources[0].id, "nvd");
}

#[test]
fn errors_are_one_line() {
    let e = import(SourceKind::Nvd, &fixture("nothing-here")).unwrap_err();
    assert!(matches!(e, ImportError::NotFound(_)));
    // A folder with nothing of the kind.
    let e = import(SourceKind::Nvd, &fixture("alpine-secdb")).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("no NVD data found"), "{msg}");
    assert!(!msg.contains('\n'));
    let e = import(SourceKind::AlpineSecdb, &fixture("nvd/api")).unwrap_err();
    assert!(e.to_string().contains("no Alpine secdb data found"), "{e}");
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let junk: &[(&str, &[u8])] = &[
        ("a.json", b"\xff\xfe\x00garbage"),
        ("b.yaml", b"- [unbalanced"),
        ("c.json", b"[]"),
        ("d.json", b"{\"id\": 5, \"affected\": \"x\"}"),
        ("e.json.gz", b"not gzip"),
        ("f.zip", b"PK\x03\x04 not really"),
        ("g.json", b"{\"CVE_Items\": [{\"cve\": 1}]}"),
        ("h.yaml", b"packages: 7\ndistroversion: [1]\n"),
        ("list", b"[x] DSA-\n\t- \n"),
        ("k.csv", b"cveID,dateAdded\n\"unterminated"),
        ("epss.csv", b"CVE-1;x;y\n"),
        ("epss2.csv.gz", b"not gzip"),
    ];
    for (n, bytes) in junk {
        std::fs::write(dir.path().join(n), bytes).unwrap();
    }
    for kind in SourceKind::ALL {
        // An error or warnings, never a panic.
        match import(kind, dir.path()) {
            Ok(b) => assert!(!b.warnings.is_empty()),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}
