//! Damaged rpm databases: truncated, bit-flipped and hand-crafted hostile copies of the
//! fixtures. Nothing may panic; what is unreadable is an error with a message.

use std::path::PathBuf;

use tollgate_analyze::rpm::{parse_header_blob, parse_rpmdb, RpmAnalyzer};
use tollgate_analyze::Analyzer;

fn load(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/rpm")
        .join(name);
    let raw = std::fs::read(&path).unwrap();
    if name.ends_with(".zst") {
        zstd::decode_all(&raw[..]).unwrap()
    } else {
        raw
    }
}

/// Small deterministic PRNG so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Runs the analyzer; returns the package count, or None for an error (whose message
/// must name the file and say something).
fn run(content: &[u8]) -> Option<usize> {
    match RpmAnalyzer.analyze("var/lib/rpm/Packages", content) {
        Ok(r) => Some(r.package_infos[0].packages.len()),
        Err(e) => {
            assert_eq!(e.path, "var/lib/rpm/Packages");
            assert!(!e.message.is_empty());
            None
        }
    }
}

fn cut_points(len: usize) -> Vec<usize> {
    let mut v = vec![
        0, 1, 4, 8, 15, 16, 31, 32, 99, 100, 511, 512, 4095, 4096, 4097, 8192,
    ];
    v.extend([
        len / 5,
        len / 3,
        len / 2,
        len - len / 5,
        len - 4096,
        len - 17,
        len - 1,
    ]);
    v.retain(|&c| c < len);
    v
}

#[test]
fn rpm_truncated_bdb_is_an_error() {
    let db = load("libuuid-Packages");
    for cut in cut_points(db.len()) {
        assert_eq!(run(&db[..cut]), None, "cut at {cut}");
    }
    let err = RpmAnalyzer
        .analyze("var/lib/rpm/Packages", &db[..db.len() - 4096])
        .unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
}

#[test]
fn rpm_truncated_ndb_and_sqlite_never_panic() {
    for (name, full) in [
        ("sle15-bci-Packages.db.zst", 35),
        ("cbl-mariner-2.0-rpmdb.sqlite.zst", 129),
    ] {
        let db = load(name);
        for cut in cut_points(db.len()) {
            if let Some(n) = run(&db[..cut]) {
                assert!(n <= full, "{name} cut at {cut}: {n} packages");
            }
        }
    }
    // An ndb cut inside the blob area keeps the packages before the cut.
    let db = load("sle15-bci-Packages.db.zst");
    let res = parse_rpmdb(&db[..db.len() / 2]).unwrap();
    assert!(!res.packages.is_empty() && res.packages.len() < 35);
    assert!(res.skipped > 0);
    assert!(
        res.problems.iter().any(|p| p.contains("past the end")),
        "{:?}",
        res.problems
    );
}

#[test]
fn rpm_truncated_header_blob_is_an_error() {
    let blob = load("blob.bin");
    for cut in cut_points(blob.len()) {
        assert!(parse_header_blob(&blob[..cut]).is_err(), "cut at {cut}");
    }
}

fn flip_many(content: &[u8], seed: u64, flips: usize, region: usize) {
    let mut rng = Rng(seed);
    for _ in 0..flips {
        let mut c = content.to_vec();
        let at = rng.below(region.min(c.len()));
        c[at] ^= 1 << rng.below(8);
        run(&c);
    }
}

#[test]
fn rpm_bit_flips_never_panic() {
    let bdb = load("libuuid-Packages");
    flip_many(&bdb, 1, 300, bdb.len());
    flip_many(&bdb, 2, 300, 4096 * 2); // metadata and first pages
    let ndb = load("sle15-bci-Packages.db.zst");
    flip_many(&ndb, 3, 10, ndb.len());
    flip_many(&ndb, 4, 20, 4096); // header and slots
    let sqlite = load("cbl-mariner-2.0-rpmdb.sqlite.zst");
    flip_many(&sqlite, 5, 6, sqlite.len());
    let blob = load("blob.bin");
    let mut rng = Rng(6);
    for _ in 0..2000 {
        let mut c = blob.clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(c.len());
            c[at] ^= 1 << rng.below(8);
        }
        let _ = parse_header_blob(&c);
    }
}

fn put_be32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

#[test]
fn rpm_hostile_header_counts_and_offsets() {
    let blob = load("blob.bin");
    // Absurd index-entry count and data length.
    for (il, dl) in [
        (u32::MAX, 0),
        (0, 0),
        (0xffff, u32::MAX),
        (70, 0x7fff_ffff),
        (0x10000, 16),
    ] {
        let mut c = blob.clone();
        put_be32(&mut c, 0, il);
        put_be32(&mut c, 4, dl);
        let err = parse_header_blob(&c).unwrap_err().to_string();
        assert!(err.contains("header"), "{err}");
    }
    // The NAME entry (index 1) pointing past the data store, with a huge count, or typeless.
    for (field, value) in [(8, u32::MAX), (8, 0x7fff_fff0), (12, u32::MAX), (4, 77)] {
        let mut c = blob.clone();
        put_be32(&mut c, 8 + 16 + field, value);
        assert!(parse_header_blob(&c).is_err(), "field {field} = {value:#x}");
    }
}

/// libuuid's first overflow page with a successor, made to point back at itself.
#[test]
fn rpm_bdb_overflow_loop_is_detected() {
    let mut db = load("libuuid-Packages");
    let page_size = 4096;
    let looped = (1..db.len() / page_size).find(|&p| {
        let page = &db[p * page_size..(p + 1) * page_size];
        page[25] == 7 && u32::from_le_bytes(page[16..20].try_into().unwrap()) != 0
    });
    let p = looped.expect("an overflow chain of two pages or more");
    db[p * page_size + 16..p * page_size + 20].copy_from_slice(&(p as u32).to_le_bytes());
    let res = parse_rpmdb(&db).unwrap();
    assert!(res.packages.is_empty());
    assert!(
        res.problems.iter().any(|m| m.contains("loops")),
        "{:?}",
        res.problems
    );
    // Its only package unreadable: the analyzer says so.
    let err = RpmAnalyzer
        .analyze("var/lib/rpm/Packages", &db)
        .unwrap_err();
    assert!(err.message.contains("no readable package"), "{err}");
}

#[test]
fn rpm_bdb_bad_metadata() {
    let db = load("libuuid-Packages");
    let mut c = db.clone();
    c[24] = 1; // encryption algorithm
    assert!(RpmAnalyzer
        .analyze("p", &c)
        .unwrap_err()
        .message
        .contains("encrypted"));
    let mut c = db.clone();
    c[20..24].copy_from_slice(&1000u32.to_le_bytes()); // page size
    assert!(RpmAnalyzer
        .analyze("p", &c)
        .unwrap_err()
        .message
        .contains("page size"));
    let mut c = db.clone();
    c[32..36].copy_from_slice(&u32::MAX.to_le_bytes()); // last page number
    assert!(RpmAnalyzer
        .analyze("p", &c)
        .unwrap_err()
        .message
        .contains("truncated"));
    let mut c = db.clone();
    c[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes()); // btree magic
    assert!(RpmAnalyzer
        .analyze("p", &c)
        .unwrap_err()
        .message
        .contains("btree"));
}

/// The libuuid database rewritten in big-endian page order (as written on s390x or ppc64):
/// metadata, page headers, item offsets and off-page references swapped.
#[test]
fn rpm_bdb_big_endian() {
    let mut db = load("libuuid-Packages");
    let ps = 4096;
    let swap32 = |b: &mut [u8], at: usize| b[at..at + 4].reverse();
    let swap16 = |b: &mut [u8], at: usize| b[at..at + 2].reverse();
    for at in [8, 12, 16, 20, 28, 32] {
        swap32(&mut db, at);
    }
    for p in 1..db.len() / ps {
        let page = &mut db[p * ps..(p + 1) * ps];
        let typ = page[25];
        let entries = u16::from_le_bytes([page[20], page[21]]) as usize;
        for at in [8, 12, 16] {
            swap32(page, at);
        }
        swap16(page, 20);
        swap16(page, 22);
        if typ == 2 || typ == 13 {
            for i in 0..entries {
                let off = u16::from_le_bytes([page[26 + 2 * i], page[27 + 2 * i]]) as usize;
                if page[off] == 3 {
                    swap32(page, off + 4);
                    swap32(page, off + 8);
                }
                swap16(page, 26 + 2 * i);
            }
        }
    }
    let res = parse_rpmdb(&db).unwrap();
    assert_eq!(res.packages.len(), 1, "{:?}", res.problems);
    assert_eq!(res.packages[0].full_version(), "2.32.1-42.el8_8");
}

#[test]
fn rpm_ndb_hostile_slots() {
    let db = load("sle15-bci-Packages.db.zst");
    // First slot's block offset past the end of the file.
    let mut c = db.clone();
    c[32 + 8..32 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let res = parse_rpmdb(&c).unwrap();
    assert_eq!(res.packages.len(), 34);
    assert_eq!(res.skipped, 1);
    // Slot-page count larger than the file.
    let mut c = db.clone();
    c[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(parse_rpmdb(&c)
        .unwrap_err()
        .to_string()
        .contains("slot pages"));
    // Unsupported version.
    let mut c = db.clone();
    c[4] = 9;
    assert!(parse_rpmdb(&c).unwrap_err().to_string().contains("version"));
}

fn sqlite_image(setup: &str, blobs: &[&[u8]]) -> Vec<u8> {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(setup).unwrap();
    for b in blobs {
        conn.execute("INSERT INTO Packages(blob) VALUES (?1)", [b])
            .unwrap();
    }
    conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
}

#[test]
fn rpm_sqlite_without_packages_table() {
    let db = sqlite_image(
        "CREATE TABLE Names(x); CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob);",
        &[],
    );
    assert_eq!(run(&db), Some(0)); // an empty rpmdb is not an error
    let db = sqlite_image("CREATE TABLE Names(x); CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob); DROP TABLE Packages;", &[]);
    let err = RpmAnalyzer
        .analyze("var/lib/rpm/rpmdb.sqlite", &db)
        .unwrap_err();
    assert!(
        err.message.contains("sqlite") && err.message.contains("Packages"),
        "{err}"
    );
}

#[test]
fn rpm_sqlite_bad_rows_are_skipped() {
    let good = load("blob.bin");
    let db = sqlite_image(
        "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob);",
        &[&good, b"\0\0\0\x05\0\0\0\x10garbage", &good[..100]],
    );
    let res = parse_rpmdb(&db).unwrap();
    assert_eq!(res.packages.len(), 1);
    assert_eq!(res.skipped, 2, "{:?}", res.problems);
    // Only bad rows: an error naming the first problem.
    let db = sqlite_image("CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob); INSERT INTO Packages(blob) VALUES ('text');", &[]);
    let err = RpmAnalyzer.analyze("p", &db).unwrap_err();
    assert!(
        err.message.contains("no readable package") && err.message.contains("not a blob"),
        "{err}"
    );
}

#[test]
fn rpm_empty_and_foreign_input() {
    for c in [
        &b""[..],
        b"SQLite format 3\0",
        b"RpmP",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\0",
    ] {
        assert_eq!(run(c), None);
    }
}

/// Builds a header blob from (tag, type, count, data) entries.
fn header(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (tag, typ, count, bytes) in entries {
        while *typ == 4 && data.len() % 4 != 0 {
            data.push(0);
        }
        for v in [*tag, *typ, data.len() as u32, *count] {
            index.extend_from_slice(&v.to_be_bytes());
        }
        data.extend_from_slice(bytes);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend(index);
    out.extend(data);
    out
}

fn string(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

#[test]
fn rpm_file_list_expansion_is_capped() {
    let n = 5000u32;
    let long_dir = format!("/{}/", "d".repeat(60_000));
    let blob = header(&[
        (1000, 6, 1, string("bomb")),
        (1001, 6, 1, string("1")),
        (1002, 6, 1, string("1")),
        (1011, 6, 1, string("Red Hat, Inc.")),
        (1116, 4, n, vec![0; 4 * n as usize]),
        (1117, 8, n, "a\0".repeat(n as usize).into_bytes()),
        (1118, 8, 1, string(&long_dir)),
    ]);
    let p = parse_header_blob(&blob).unwrap().unwrap();
    assert_eq!(p.name, "bomb");
    assert!(p.installed_files.is_empty());
    // The same shape with a short directory is listed in full.
    let blob = header(&[
        (1000, 6, 1, string("ok")),
        (1011, 6, 1, string("Red Hat, Inc.")),
        (1116, 4, 2, vec![0, 0, 0, 0, 0, 0, 0, 1]),
        (1117, 8, 2, b"a\0b\0".to_vec()),
        (1118, 8, 2, b"/x/\0/y/\0".to_vec()),
    ]);
    let p = parse_header_blob(&blob).unwrap().unwrap();
    assert_eq!(p.installed_files, ["/x/a", "/y/b"]);
    assert_eq!(p.arch, "None"); // no ARCH tag, as Trivy reports it
}

#[test]
fn rpm_ndb_slots_sharing_a_blob() {
    let mut db = load("sle15-bci-Packages.db.zst");
    // Slot 3 points at slot 2's blob (and claims its package index).
    let first: Vec<u8> = db[32..48].to_vec();
    db[48..64].copy_from_slice(&first);
    let res = parse_rpmdb(&db).unwrap();
    assert_eq!(res.packages.len(), 34);
    assert!(
        res.problems.iter().any(|p| p.contains("overlaps")),
        "{:?}",
        res.problems
    );
}
