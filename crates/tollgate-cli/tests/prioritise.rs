//! Prioritisation and gating end to end: KEV/EPSS in the report, `--sort-by`, VEX,
//! `--ignore-status`, `--exit-on-eol` and the exit code of a scan that could not complete.

mod common;

use common::{build_db_from, code, stderr, tollgate, write};
use serde_json::Value;

/// A source tree with findings in three ecosystems, and a DB of the real OSV records for them.
fn tree_and_db(dir: &std::path::Path) -> (String, String) {
    let db = build_db_from(
        dir,
        &[
            "osv=testdata/advisories/osv/pypa",
            "osv=testdata/advisories/osv/go",
            "osv=testdata/advisories/osv/rustsec",
        ],
    );
    let tree = dir.join("tree");
    write(&tree, "app/requirements.txt", "jw.util==1.4\n");
    write(
        &tree,
        "app/Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"openssl\"\nversion = \"0.8.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    write(
        &tree,
        "app/go.mod",
        "module example.com/app\n\ngo 1.19\n\nrequire golang.org/x/net v0.0.0-20220805013720-a33c5aa5df48\n",
    );
    (db, tree.to_str().unwrap().to_string())
}

fn findings(db: &str, tree: &str, extra: &[&str]) -> (i32, String, Vec<(String, String)>) {
    let mut args = vec!["fs", tree, "--db", db, "--no-cache", "--format", "json"];
    args.extend_from_slice(extra);
    let o = tollgate(&args);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    let mut out = Vec::new();
    for r in v["Results"].as_array().into_iter().flatten() {
        for x in r["Vulnerabilities"].as_array().into_iter().flatten() {
            out.push((
                x["VulnerabilityID"].as_str().unwrap().to_string(),
                x["PkgIdentifier"]["PURL"].as_str().unwrap().to_string(),
            ));
        }
    }
    (code(&o), stderr(&o), out)
}

/// A VEX file marking two findings `not_affected` removes exactly those two; an `affected`
/// statement and a statement for another version remove nothing.
#[test]
fn vex_removes_exactly_the_findings_it_marks_not_affected() {
    let dir = tempfile::tempdir().unwrap();
    let (db, tree) = tree_and_db(dir.path());
    let (c, e, all) = findings(&db, &tree, &[]);
    assert_eq!(c, 0, "{e}");
    assert_eq!(all.len(), 3, "{all:?}");
    let go = all
        .iter()
        .find(|f| f.1.starts_with("pkg:golang/golang.org/x/net@"))
        .unwrap()
        .clone();
    let rust = all
        .iter()
        .find(|f| f.1 == "pkg:cargo/openssl@0.8.0")
        .unwrap()
        .clone();
    let py = all
        .iter()
        .find(|f| f.1.starts_with("pkg:pypi/"))
        .unwrap()
        .clone();
    let vex = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/1",
        "author": "tollgate tests",
        "timestamp": "2026-11-25T00:00:00Z",
        "version": 1,
        "statements": [
            {"vulnerability": {"name": go.0}, "products": [{"@id": go.1}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
            {"vulnerability": {"name": rust.0}, "products": [{"@id": "pkg:cargo/openssl"}],
             "status": "not_affected", "justification": "vulnerable_code_not_present"},
            {"vulnerability": {"name": py.0}, "products": [{"@id": py.1}], "status": "affected"},
            {"vulnerability": {"name": py.0}, "products": [{"@id": "pkg:pypi/jw.util@9.9"}],
             "status": "not_affected", "justification": "component_not_present"}
        ]
    });
    let vex_path = dir.path().join("vex.json");
    std::fs::write(&vex_path, vex.to_string()).unwrap();
    let (c, e, kept) = findings(&db, &tree, &["--vex", vex_path.to_str().unwrap()]);
    assert_eq!(c, 0, "{e}");
    let mut want = all.clone();
    want.retain(|f| *f != go && *f != rust);
    assert_eq!(kept, want);
    assert_eq!(all.len() - kept.len(), 2);
    assert!(
        e.contains("2 finding(s) not reported: marked not_affected by VEX"),
        "{e}"
    );

    // A VEX file that is not one is an error before scanning, with the scan-failure code.
    std::fs::write(&vex_path, "{\"hello\": 1}").unwrap();
    let (c, e, _) = findings(&db, &tree, &["--vex", vex_path.to_str().unwrap()]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("not a VEX document"), "{e}");
}

#[test]
fn ignore_status_sort_and_gates() {
    let dir = tempfile::tempdir().unwrap();
    let (db, tree) = tree_and_db(dir.path());
    let (_, _, all) = findings(&db, &tree, &[]);
    let (c, e, none) = findings(&db, &tree, &["--ignore-status", "fixed,affected"]);
    assert_eq!(c, 0, "{e}");
    assert!(none.is_empty(), "{none:?}");
    let (c, _, _) = findings(&db, &tree, &["--ignore-status", "broken"]);
    assert_eq!(c, 2);
    // Same findings in another order; a gate on findings still gates.
    let (c, e, mut risk) = findings(&db, &tree, &["--sort-by", "risk", "--exit-code", "7"]);
    assert_eq!(c, 7, "{e}");
    risk.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(risk, sorted);
}

/// Alpine 3.7 is past its end of life: `--exit-on-eol` gates on it, findings or not.
#[test]
fn exit_on_eol_and_kev_in_reports() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db_from(
        dir.path(),
        &[
            "alpine-secdb=testdata/advisories/alpine-secdb",
            "cisa-kev=testdata/advisories/kev",
            "epss=testdata/advisories/epss",
        ],
    );
    let db = db.as_str();
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "image",
            "--input",
            "testdata/images/alpine/alpine-3.7.3.tar.gz",
            "--db",
            db,
            "--no-cache",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        tollgate(&args)
    };
    let o = scan(&["--exit-on-eol", "4"]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    let o = scan(&["--exit-on-eol", "4", "--exit-code", "9"]);
    assert_eq!(code(&o), 9, "the findings gate first: {}", stderr(&o));
    let o = scan(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["Results"][0]["Vulnerabilities"][0];
    assert_eq!(f["VulnerabilityID"], "CVE-2019-14697");
    // The real EPSS score of CVE-2019-14697 (not in KEV): risk = score x severity band.
    assert_eq!(f["EPSS"]["Score"], 0.02704);
    assert!(f.get("KnownExploited").is_none());
    assert!(f["RiskScore"].as_f64().unwrap() > 0.0);
}
