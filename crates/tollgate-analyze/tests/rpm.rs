//! rpm databases in all three backends against lists made by the real `rpm` tool
//! (`testdata/rpm/gen-expected.sh`) and, for the RHEL database, scancode's expected output.

use std::path::PathBuf;

use tollgate_analyze::rpm::{detect_backend, parse_header_blob, parse_rpmdb, Backend, RpmAnalyzer};
use tollgate_analyze::{Analyzer, Package};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/rpm")
        .join(name)
}

fn load(name: &str) -> Vec<u8> {
    let raw = std::fs::read(testdata(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    if name.ends_with(".zst") {
        zstd::decode_all(&raw[..]).unwrap()
    } else {
        raw
    }
}

/// One row of `rpm -qa --qf` output as gen-expected.sh writes it.
struct Row {
    name: String,
    epoch: u32,
    version: String,
    release: String,
    arch: String,
    sourcerpm: String,
    sigmd5: String,
    vendor: String,
    license: String,
    modularity: String,
    files: usize,
}

fn none(s: &str) -> String {
    if s == "(none)" {
        String::new()
    } else {
        s.to_string()
    }
}

fn expected(name: &str) -> Vec<Row> {
    let text =
        String::from_utf8(std::fs::read(testdata(&format!("expected/{name}"))).unwrap()).unwrap();
    text.lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        // Trivy leaves the imported signing keys out; so does the analyzer.
        .filter(|f| f[0] != "gpg-pubkey")
        .map(|f| Row {
            name: f[0].to_string(),
            epoch: f[1].parse().unwrap(),
            version: f[2].to_string(),
            release: f[3].to_string(),
            arch: if f[4] == "(none)" {
                "None".to_string()
            } else {
                f[4].to_string()
            },
            sourcerpm: none(f.get(5).unwrap_or(&"")),
            sigmd5: none(f.get(6).unwrap_or(&"")),
            vendor: none(f.get(7).unwrap_or(&"")),
            license: none(f.get(8).unwrap_or(&"")),
            modularity: none(f.get(9).unwrap_or(&"")),
            files: none(f.get(10).unwrap_or(&"")).parse().unwrap_or(0),
        })
        .collect()
}

fn nevra(p: &Package) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        p.name, p.epoch, p.version, p.release, p.arch
    )
}

fn analyze(path: &str, content: &[u8]) -> Vec<Package> {
    let res = RpmAnalyzer.analyze(path, content).unwrap();
    assert_eq!(res.package_infos.len(), 1);
    assert_eq!(res.package_infos[0].file_path, path);
    res.package_infos[0].packages.clone()
}

/// Same packages (name, epoch, version, release, arch) as the oracle, and the same
/// source rpm, digest, vendor, license, modularity label and file count.
fn check(pkgs: &[Package], rows: &[Row], what: &str) {
    let mut got: Vec<String> = pkgs.iter().map(nevra).collect();
    let mut want: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                r.name, r.epoch, r.version, r.release, r.arch
            )
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{what}: package lists differ");
    for r in rows {
        let p = pkgs
            .iter()
            .find(|p| {
                p.name == r.name
                    && p.version == r.version
                    && p.release == r.release
                    && p.arch == r.arch
            })
            .unwrap();
        let srpm = format!("{}-{}-{}.src.rpm", p.src_name, p.src_version, p.src_release);
        assert_eq!(srpm, r.sourcerpm, "{what} {}: source rpm", r.name);
        assert_eq!(p.src_epoch, p.epoch);
        assert_eq!(
            p.digest,
            format!("md5:{}", r.sigmd5),
            "{what} {}: digest",
            r.name
        );
        assert_eq!(p.maintainer, r.vendor, "{what} {}: vendor", r.name);
        assert_eq!(
            p.licenses,
            vec![r.license.clone()],
            "{what} {}: license",
            r.name
        );
        assert_eq!(
            p.modularity_label, r.modularity,
            "{what} {}: modularity label",
            r.name
        );
        assert_eq!(
            p.installed_files.len(),
            r.files,
            "{what} {}: installed files",
            r.name
        );
    }
}

#[test]
fn rpm_sqlite_cbl_mariner() {
    let db = load("cbl-mariner-2.0-rpmdb.sqlite.zst");
    assert_eq!(detect_backend(&db), Some(Backend::Sqlite));
    let pkgs = analyze("var/lib/rpm/rpmdb.sqlite", &db);
    let rows = expected("cbl-mariner-2.0-sqlite.tsv");
    assert_eq!(rows.len(), 129);
    check(&pkgs, &rows, "cbl-mariner sqlite");
}

#[test]
fn rpm_ndb_sle15_bci() {
    let db = load("sle15-bci-Packages.db.zst");
    assert_eq!(detect_backend(&db), Some(Backend::Ndb));
    let pkgs = analyze("usr/lib/sysimage/rpm/Packages.db", &db);
    let rows = expected("sle15-bci-ndb.tsv");
    assert_eq!(rows.len(), 35);
    check(&pkgs, &rows, "sle15-bci ndb");
    let bash = pkgs.iter().find(|p| p.name == "bash").unwrap();
    let files = std::fs::read_to_string(testdata("expected/sle15-bci-bash-files.txt")).unwrap();
    assert_eq!(bash.installed_files, files.lines().collect::<Vec<_>>());
}

#[test]
fn rpm_bdb_libuuid() {
    let db = load("libuuid-Packages");
    assert_eq!(detect_backend(&db), Some(Backend::BerkeleyDb));
    let pkgs = analyze("var/lib/rpm/Packages", &db);
    check(&pkgs, &expected("libuuid-bdb.tsv"), "libuuid bdb");
    let files = std::fs::read_to_string(testdata("expected/libuuid-files.txt")).unwrap();
    assert_eq!(pkgs[0].installed_files, files.lines().collect::<Vec<_>>());
    assert_eq!(pkgs[0].src_name, "util-linux");
    assert_eq!(pkgs[0].full_src_version(), "2.32.1-42.el8_8");
}

/// scancode's rpm_installed/rootfs/var-lib-rpm.tar.xz (RHEL 8, BerkeleyDB).
#[test]
fn rpm_bdb_rhel8_matches_rpm_and_scancode() {
    let pkgs = analyze("var/lib/rpm/Packages", &load("rhel8-Packages.zst"));
    let rows = expected("rhel8-bdb.tsv");
    assert_eq!(rows.len(), 99); // 101 entries, 2 of them gpg-pubkey
    check(&pkgs, &rows, "rhel8 bdb");
    // scancode's own expected output lists the same NEVRAs.
    let mut scancode: Vec<String> =
        std::fs::read_to_string(testdata("expected/rhel8-scancode.tsv"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("gpg-pubkey\t"))
            .map(str::to_string)
            .collect();
    let mut got: Vec<String> = pkgs.iter().map(nevra).collect();
    scancode.sort();
    got.sort();
    assert_eq!(got, scancode);
}

/// scancode's rpm_installed/end-to-end/bdb-fedora-rootfs.tar.xz (Fedora 26 modular, BerkeleyDB).
#[test]
fn rpm_bdb_fedora() {
    let pkgs = analyze("var/lib/rpm/Packages", &load("fedora-Packages.zst"));
    let rows = expected("fedora-bdb.tsv");
    assert_eq!(rows.len(), 113);
    check(&pkgs, &rows, "fedora bdb");
}

#[test]
fn rpm_header_blob() {
    let p = parse_header_blob(&load("blob.bin")).unwrap().unwrap();
    check(std::slice::from_ref(&p), &expected("blob.tsv"), "blob.bin");
    assert_eq!(p.full_version(), "20210518-2.fc35");
}

#[test]
fn rpm_depends_on_resolved_through_provides() {
    let pkgs = analyze(
        "var/lib/rpm/rpmdb.sqlite",
        &load("cbl-mariner-2.0-rpmdb.sqlite.zst"),
    );
    let bash = pkgs.iter().find(|p| p.name == "bash").unwrap();
    assert!(
        bash.depends_on.iter().any(|d| d.starts_with("glibc@")),
        "bash should depend on glibc: {:?}",
        bash.depends_on
    );
    assert!(
        bash.depends_on.windows(2).all(|w| w[0] < w[1]),
        "sorted and unique"
    );
    assert!(
        !bash.depends_on.iter().any(|d| d.starts_with("bash@")),
        "no self dependency"
    );
}

#[test]
fn rpm_required_paths() {
    for p in [
        "var/lib/rpm/Packages",
        "var/lib/rpm/Packages.db",
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/Packages",
        "usr/lib/sysimage/rpm/Packages.db",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
    ] {
        assert!(RpmAnalyzer.required(p), "{p}");
    }
    for p in [
        "var/lib/rpm/Name",
        "/var/lib/rpm/Packages",
        "var/lib/rpm/Packages.bak",
        "lib/apk/db/installed",
    ] {
        assert!(!RpmAnalyzer.required(p), "{p}");
    }
    assert_eq!(RpmAnalyzer.name(), "rpm");
    assert_eq!(RpmAnalyzer.version(), 1);
}

#[test]
fn rpm_backend_from_content_not_name() {
    // An ndb file under the BerkeleyDB name is still read as ndb.
    let pkgs = analyze("var/lib/rpm/Packages", &load("sle15-bci-Packages.db.zst"));
    assert_eq!(pkgs.len(), 35);
    let err = parse_rpmdb(b"not a database at all, just some text....").unwrap_err();
    assert!(err.to_string().contains("not an rpm database"), "{err}");
}

#[test]
fn rpm_split_source_file_name() {
    use tollgate_analyze::rpm::split_file_name;
    assert_eq!(
        split_file_name("bash-5.1.8-6.el9.src.rpm"),
        Some(("bash", "5.1.8", "6.el9"))
    );
    assert_eq!(
        split_file_name("foo-1.0-1.i386.rpm"),
        Some(("foo", "1.0", "1"))
    );
    assert_eq!(
        split_file_name("python3-rpm-macros-3.9-52.el9.src.rpm"),
        Some(("python3-rpm-macros", "3.9", "52.el9"))
    );
    assert_eq!(split_file_name("nodash.src.rpm"), None);
    assert_eq!(split_file_name("name-only.rpm"), None);
    assert_eq!(split_file_name(""), None);
}
