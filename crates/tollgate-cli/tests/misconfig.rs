//! Misconfiguration checks through the CLI: `config DIR`, `fs --scanners misconfig`, and an
//! image's config history with `image --scanners misconfig`.

mod common;

use common::{code, stderr, tollgate};
use serde_json::Value;

fn ids(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in v["Results"].as_array().into_iter().flatten() {
        if r["Class"] != "config" {
            continue;
        }
        for m in r["Misconfigurations"].as_array().into_iter().flatten() {
            out.push((
                r["Target"].as_str().unwrap().to_string(),
                m["ID"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

#[test]
fn config_fs_and_image_config() {
    // Trivy's integration Dockerfile: its golden report has DS-0002 only (26 other checks pass).
    let o = tollgate(&["config", "-f", "json", "testdata/config/trivy/dockerfile"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(ids(&v), [("Dockerfile".to_string(), "DS-0002".to_string())]);
    let r = &v["Results"][0];
    assert_eq!(r["Type"], "dockerfile");
    assert_eq!(r["MisconfSummary"]["Failures"], 1);
    assert_eq!(
        r["Misconfigurations"][0]["Query"],
        "data.builtin.dockerfile.DS002.deny"
    );

    // The same checks inside an fs scan, and the gate.
    let o = tollgate(&[
        "fs",
        "--scanners",
        "misconfig",
        "-f",
        "json",
        "--exit-code",
        "3",
        "--severity",
        "CRITICAL",
        "testdata/config/own",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let got = ids(&v);
    assert!(
        got.contains(&("Dockerfile".into(), "DS-0010".into())),
        "{got:?}"
    );
    assert!(
        got.iter()
            .all(|(_, id)| id == "DS-0010" || id == "KSV-0017" || id == "KSV-0005"),
        "CRITICAL only: {got:?}"
    );

    // The Alpine image's history (`ADD file ... in /`, `CMD ["/bin/sh"]`): no USER, no
    // HEALTHCHECK. No DB is needed without `vuln`.
    let o = tollgate(&[
        "image",
        "--input",
        "testdata/images/alpine/alpine-3.7.3.tar.gz",
        "--scanners",
        "misconfig",
        "--no-cache",
        "-f",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        ids(&v),
        [
            ("image config".to_string(), "DS-0002".to_string()),
            ("image config".to_string(), "DS-0026".to_string())
        ]
    );

    // A custom check that does not compile stops the scan before it starts.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.rego"), "package user.bad\ndeny[x] {\n").unwrap();
    let o = tollgate(&[
        "config",
        "--config-policy",
        dir.path().to_str().unwrap(),
        "testdata/config/own",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("bad.rego: the check does not compile"),
        "{}",
        stderr(&o)
    );
}
