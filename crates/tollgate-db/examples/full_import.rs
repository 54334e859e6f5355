//! Imports every advisory feed under DATA_DIR (laid out as the shared advisories folder:
//! `alpine-secdb-legacy`, `debian-security-tracker-2023/data`, `nvd-json-1.1-feeds`, ...) and
//! builds a DB in OUT_DIR (default: a temp folder), printing per-source counts and timings.
//! Run in release mode:
//! `cargo run --release -p tollgate-db --example full_import -- DATA_DIR [OUT_DIR]`.

use std::path::PathBuf;
use std::time::Instant;
use tollgate_db::{build, import, Db, SourceKind};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(data) = args.next().map(PathBuf::from) else {
        eprintln!("usage: full_import DATA_DIR [OUT_DIR]");
        std::process::exit(2);
    };
    let out = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tollgate-full-import"));
    let sources = [
        (SourceKind::AlpineSecdb, "alpine-secdb-legacy"),
        (
            SourceKind::DebianTracker,
            "debian-security-tracker-2023/data",
        ),
        (SourceKind::Osv, "debian-bookworm-changelog-osv"),
        (SourceKind::Osv, "pypa-advisory-database/vulns"),
        (SourceKind::Osv, "golang-vulndb/data/osv"),
        (SourceKind::Osv, "rustsec-osv/crates"),
        (SourceKind::Nvd, "nvd-json-1.1-feeds"),
    ];
    let total = Instant::now();
    let mut batches = Vec::new();
    let mut names = Vec::new();
    for (kind, rel) in sources {
        let path = data.join(rel);
        let t = Instant::now();
        match import(kind, &path) {
            Ok(b) => {
                println!(
                    "{kind:15} {rel:40} advisories {:7} details {:7} rejected {:5} warnings {:3}  {:.2}s",
                    b.advisories.len(),
                    b.details.len(),
                    b.rejected.len(),
                    b.warnings.len(),
                    t.elapsed().as_secs_f64()
                );
                for w in b.warnings.iter().take(5) {
                    println!("    warning: {w}");
                }
                names.push(format!("{kind}:{rel}"));
                batches.push(b);
            }
            Err(e) => println!("{kind:15} {rel:40} ERROR {e}"),
        }
    }
    let import_secs = total.elapsed().as_secs_f64();
    let t = Instant::now();
    let summary = match build(&out, batches, names) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("build failed: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "import {import_secs:.2}s, build {:.2}s: {} advisories ({} duplicates, {} rejected dropped), {} details ({} unreferenced dropped), {} namespaces, {} bytes at {}",
        t.elapsed().as_secs_f64(),
        summary.advisories,
        summary.duplicates_dropped,
        summary.rejected_dropped,
        summary.details,
        summary.unreferenced_details_dropped,
        summary.namespaces,
        summary.bytes,
        summary.path.display()
    );
    let db = Db::open(&out).expect("open");
    let m = db.metadata();
    for (k, v) in &m.counts {
        println!("  {k}: {v}");
    }
}
