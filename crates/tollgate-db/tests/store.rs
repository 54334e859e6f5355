//! The DB file: build/open roundtrip, concurrent readers during a rebuild, bad DB files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tollgate_db::store::{merge_details, DB_FILE};
use tollgate_db::{
    build, import, Advisory, Cvss, Db, DbError, ImportBatch, Severity, SourceKind, Status,
    VulnDetail, SCHEMA_VERSION,
};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/advisories")
        .join(rel)
}

fn batches() -> Vec<ImportBatch> {
    vec![
        import(SourceKind::AlpineSecdb, &fixture("alpine-secdb")).unwrap(),
        import(SourceKind::DebianTracker, &fixture("debian-lists/data")).unwrap(),
        import(SourceKind::Osv, &fixture("osv")).unwrap(),
        import(SourceKind::Nvd, &fixture("nvd")).unwrap(),
    ]
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn build_then_open_roundtrip() {
    let dir = tempfile::tempdir().unwrap();
    let summary = build(
        dir.path(),
        batches(),
        vec!["alpine-secdb:x".into(), "nvd:y".into()],
    )
    .unwrap();
    assert_eq!(summary.path, dir.path().join(DB_FILE));
    assert!(summary.bytes > 0);
    // The older RustSec record from the zip differs only in aliases; nothing identical is kept twice.
    assert_eq!(files_in(dir.path()), [DB_FILE], "no temp files left");

    let db = Db::open(dir.path()).unwrap();
    let m = db.metadata();
    assert_eq!(m.schema_version, SCHEMA_VERSION);
    assert_eq!(m.sources, ["alpine-secdb:x", "nvd:y"]);
    assert!(
        m.built_at.ends_with('Z') && m.built_at.len() == 20,
        "{}",
        m.built_at
    );
    assert_eq!(m.counts["advisories"], summary.advisories);
    assert_eq!(m.counts["details"], summary.details);
    assert!(db.namespaces().contains(&"alpine 3.10".to_string()));
    assert!(db.namespaces().contains(&"debian 12".to_string()));
    assert!(db.namespaces().contains(&"pip".to_string()));

    let musl = db.advisories("alpine 3.10", "musl").unwrap();
    let ids: Vec<&str> = musl.iter().map(|a| a.vuln_id.as_str()).collect();
    assert_eq!(ids, ["CVE-2016-8859", "CVE-2019-14697"]);
    assert_eq!(musl[1].fixed_version.as_deref(), Some("1.1.22-r3"));
    assert!(db
        .advisories("alpine 3.10", "no-such-package")
        .unwrap()
        .is_empty());
    // Lookups normalise the name the way the namespace keys it.
    assert_eq!(db.advisories("pip", "Apache_Airflow").unwrap().len(), 1);

    // Details merged over sources: NVD's description and CVSS, Alpine listed as a source.
    let d = db.detail("CVE-2016-8859").unwrap().unwrap();
    assert_eq!(d.sources, ["nvd", "alpine"]);
    assert_eq!(d.vendor_severity["nvd"], Severity::Critical);
    assert_eq!(d.severity(), Severity::Critical);
    assert!(d.description.unwrap().contains("musl"));
    // NVD records no advisory refers to are not stored.
    assert_eq!(db.detail("CVE-2020-0001").unwrap(), None);
    assert_eq!(
        db.detail("DSA-5356-2").unwrap().unwrap().title.as_deref(),
        Some("sox - regression update")
    );

    let ds = db.data_source("pypa").unwrap();
    assert_eq!(
        (ds.id.as_str(), ds.name.as_str()),
        ("osv", "Python Packaging Advisory Database")
    );
    assert_eq!(
        db.data_source("alpine").unwrap().url,
        "https://secdb.alpinelinux.org/"
    );
    assert!(db.data_source("nope").is_none());
}

fn adv(id: &str, pkg: &str) -> Advisory {
    Advisory {
        vuln_id: id.into(),
        source: "alpine".into(),
        namespace: "alpine 3.17".into(),
        package: pkg.into(),
        fixed_version: Some("1.0-r0".into()),
        status: Status::Fixed,
        ..Default::default()
    }
}

#[test]
fn rejected_and_duplicate_advisories_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let distro = ImportBatch {
        advisories: vec![
            adv("CVE-2017-0605", "a"),
            adv("CVE-2017-1000", "a"),
            adv("CVE-2017-1000", "a"),
        ],
        ..Default::default()
    };
    let nvd = import(SourceKind::Nvd, &fixture("nvd")).unwrap();
    let s = build(dir.path(), vec![distro, nvd], vec![]).unwrap();
    assert_eq!(
        (s.advisories, s.duplicates_dropped, s.rejected_dropped),
        (1, 1, 1)
    );
    let db = Db::open(dir.path()).unwrap();
    let got = db.advisories("alpine 3.17", "a").unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].vuln_id, "CVE-2017-1000");
}

#[test]
fn details_merge_by_precedence() {
    let part = |src: &str, title: Option<&str>, desc: Option<&str>, refs: &[&str]| VulnDetail {
        id: "CVE-1".into(),
        title: title.map(str::to_string),
        description: desc.map(str::to_string),
        references: refs.iter().map(|r| r.to_string()).collect(),
        sources: vec![src.into()],
        ..Default::default()
    };
    let mut osv = part(
        "osv",
        Some("osv title"),
        Some("osv desc"),
        &["https://b", "https://a"],
    );
    osv.vendor_severity.insert("osv".into(), Severity::High);
    osv.cvss.insert(
        "osv".into(),
        Cvss {
            v3_score: Some(7.5),
            ..Default::default()
        },
    );
    let mut nvd = part("nvd", None, Some("nvd desc"), &["https://a"]);
    nvd.vendor_severity.insert("nvd".into(), Severity::Medium);
    nvd.published = Some("2020-01-01T00:00:00Z".into());
    let debian = part("debian", Some("debian title"), None, &["https://c"]);
    let m = merge_details("CVE-1", vec![osv, debian, nvd]);
    assert_eq!(m.title.as_deref(), Some("debian title"));
    assert_eq!(m.description.as_deref(), Some("nvd desc"));
    assert_eq!(m.references, ["https://a", "https://b", "https://c"]);
    assert_eq!(m.sources, ["nvd", "debian", "osv"]);
    assert_eq!(m.vendor_severity.len(), 2);
    assert_eq!(m.cvss["osv"].v3_score, Some(7.5));
    assert_eq!(m.published.as_deref(), Some("2020-01-01T00:00:00Z"));
    assert_eq!(m.severity(), Severity::Medium); // NVD first
}

#[test]
fn readers_survive_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let alpine = || vec![import(SourceKind::AlpineSecdb, &fixture("alpine-secdb")).unwrap()];
    build(dir.path(), alpine(), vec!["alpine".into()]).unwrap();
    let old = Db::open(dir.path()).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (path, stop) = (dir.path().to_path_buf(), stop.clone());
            std::thread::spawn(move || {
                let mut opened = 0;
                while !stop.load(Ordering::Relaxed) || opened == 0 {
                    // Every open sees a whole DB, old or new, never a partial one.
                    let db = Db::open(&path).expect("open during rebuild");
                    let m = db.metadata();
                    let n = db.advisories("alpine 3.10", "musl").unwrap().len();
                    match m.sources[0].as_str() {
                        "alpine" => assert_eq!(n, 2),
                        "debian" => assert_eq!(n, 0),
                        other => panic!("unexpected source {other}"),
                    }
                    opened += 1;
                }
                opened
            })
        })
        .collect();
    for i in 0..6 {
        let (b, name) = if i % 2 == 0 {
            (
                vec![import(SourceKind::DebianTracker, &fixture("debian-lists/data")).unwrap()],
                "debian",
            )
        } else {
            (alpine(), "alpine")
        };
        build(dir.path(), b, vec![name.into()]).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        assert!(r.join().unwrap() > 0);
    }
    // The handle opened before the rebuilds still reads the file it opened.
    assert_eq!(old.metadata().sources, ["alpine"]);
    assert_eq!(old.advisories("alpine 3.10", "musl").unwrap().len(), 2);
    assert_eq!(files_in(dir.path()), [DB_FILE]);
}

#[test]
fn missing_db_says_how_to_build_one() {
    let dir = tempfile::tempdir().unwrap();
    let e = Db::open(dir.path()).unwrap_err();
    assert!(matches!(e, DbError::NotFound(_)));
    assert!(e.to_string().contains("tollgate db build"), "{e}");
}

#[test]
fn schema_mismatch_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), vec![], vec![]).unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute(
            "UPDATE metadata SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    }
    let e = Db::open(dir.path()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "DB at {} has schema 99, this tollgate reads {SCHEMA_VERSION}: rebuild it with `tollgate db build`",
            path.display()
        )
    );
}

#[test]
fn corrupt_db_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    std::fs::write(
        &path,
        b"this is not an sqlite file, just text that is long enough to look like a header",
    )
    .unwrap();
    let e = Db::open(dir.path()).unwrap_err();
    assert!(matches!(e, DbError::Corrupt { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("rebuild it with `tollgate db build`"),
        "{e}"
    );

    // A real DB cut short (e.g. a partial copy).
    let good = tempfile::tempdir().unwrap();
    build(good.path(), batches(), vec![]).unwrap();
    let bytes = std::fs::read(good.path().join(DB_FILE)).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    match Db::open(dir.path()) {
        Err(e) => assert!(e.to_string().contains("tollgate db build"), "{e}"),
        // SQLite may open a truncated file if the pages it touches survive; queries must still not panic.
        Ok(db) => {
            let _ = db.advisories("alpine 3.10", "musl");
            let _ = db.detail("CVE-2016-8859");
        }
    }

    // Another SQLite file without our tables.
    std::fs::remove_file(&path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let e = Db::open(dir.path()).unwrap_err();
    assert!(matches!(e, DbError::Corrupt { .. }), "{e:?}");
}

/// CISA KEV (JSON and CSV give the same entries) and EPSS scores land in the details of the
/// ids advisories reference; scores of ids no advisory names are not kept.
#[test]
fn kev_and_epss_join_the_details() {
    let kev_json = import(
        SourceKind::Kev,
        &fixture("kev/known_exploited_vulnerabilities.json"),
    )
    .unwrap();
    let kev_csv = import(
        SourceKind::Kev,
        &fixture("kev/known_exploited_vulnerabilities.csv"),
    )
    .unwrap();
    assert_eq!(kev_json.details.len(), 4);
    assert_eq!(kev_json.details, kev_csv.details);
    let epss = import(SourceKind::Epss, &fixture("epss")).unwrap();
    assert_eq!(epss.details.len(), 5);

    let dir = tempfile::tempdir().unwrap();
    let mut b = batches();
    b.push(kev_json);
    b.push(epss);
    build(dir.path(), b, vec![]).unwrap();
    let db = Db::open(dir.path()).unwrap();
    // Apache httpd "CARPE (DIEM)": in KEV, and named by Alpine 3.7's secdb.
    let d = db.detail("CVE-2019-0211").unwrap().unwrap();
    let k = d.known_exploited.unwrap();
    assert_eq!(k.date_added, "2021-11-03");
    assert_eq!(k.vendor_project, "Apache");
    assert_eq!(d.epss.unwrap().score, 0.65005);
    assert_eq!(d.epss.unwrap().percentile, 0.99183);
    // musl's CVE-2019-14697: scored, not in KEV; its NVD-free detail still carries the score.
    let d = db.detail("CVE-2019-14697").unwrap().unwrap();
    assert!(d.known_exploited.is_none());
    assert_eq!(d.epss.unwrap().score, 0.02704);
    // Log4Shell: in KEV and EPSS, but no advisory in these fixtures names it.
    assert!(db.detail("CVE-2021-44228").unwrap().is_none());

    let e = import(SourceKind::Kev, &fixture("epss")).unwrap_err();
    assert!(e.to_string().contains("no CISA KEV data found"), "{e}");
    let e = import(SourceKind::Epss, &fixture("alpine-secdb")).unwrap_err();
    assert!(e.to_string().contains("no EPSS data found"), "{e}");
}
