//! `--scanners secret` end to end: fs scans of Trivy's secret samples (testdata/secrets) and an
//! image built here, checked against what Trivy 0.76.0 reported for the same inputs.

mod common;

use common::{root, tollgate};

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON report")
}

/// (Target, RuleID, StartLine) of every secret in a report.
fn secrets(v: &Value) -> Vec<(String, String, u64)> {
    let mut out = Vec::new();
    for r in v["Results"].as_array().into_iter().flatten() {
        assert_eq!(r["Class"], "secret");
        for s in r["Secrets"].as_array().into_iter().flatten() {
            out.push((
                r["Target"].as_str().unwrap_or("").to_string(),
                s["RuleID"].as_str().unwrap_or("").to_string(),
                s["StartLine"].as_u64().unwrap_or(0),
            ));
        }
    }
    out
}

fn sample_dir(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        std::fs::copy(root().join("testdata/secrets").join(f), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn fs_secret_scan_reports_like_trivy_and_gates() {
    let dir = sample_dir(&["aws-secrets.txt", "builtin-rule-secret.txt", "secret.md"]);
    let d = dir.path().to_str().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().to_str().unwrap();
    let v = json(&tollgate(&[
        "fs",
        "--scanners",
        "secret",
        "--cache-dir",
        c,
        "--format",
        "json",
        d,
    ]));
    let t = |f: &str, r: &str, l: u64| (f.to_string(), r.to_string(), l);
    assert_eq!(
        secrets(&v),
        [
            t("aws-secrets.txt", "aws-access-key-id", 2),
            t("aws-secrets.txt", "aws-secret-access-key", 1),
            t("aws-secrets.txt", "aws-secret-access-key", 5),
            t("builtin-rule-secret.txt", "aws-access-key-id", 2),
            t("builtin-rule-secret.txt", "github-pat", 1),
        ]
    );
    let s = &v["Results"][0]["Secrets"][0];
    assert_eq!(s["Match"], "AWS_ACCESS_KEY_ID=********************");
    assert_eq!(s["Code"]["Lines"][1]["IsCause"], true);
    assert!(s.get("Layer").is_none(), "fs findings have no layer");

    // --exit-code gates on secrets; --severity filters them.
    let o = tollgate(&[
        "fs",
        "--scanners",
        "secret",
        "--cache-dir",
        c,
        "--exit-code",
        "3",
        d,
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("aws-secrets.txt (secrets)"));
    let o = tollgate(&[
        "fs",
        "--scanners",
        "secret",
        "--cache-dir",
        c,
        "--exit-code",
        "3",
        "--severity",
        "LOW",
        d,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Secret rule ids in a .trivyignore-style file, as Trivy reads them.
    let ign = cache.path().join("ignore");
    std::fs::write(&ign, "aws-secret-access-key\n").unwrap();
    let v = json(&tollgate(&[
        "fs",
        "--scanners",
        "secret",
        "--cache-dir",
        c,
        "--format",
        "json",
        "--ignorefile",
        ign.to_str().unwrap(),
        d,
    ]));
    assert_eq!(
        secrets(&v),
        [
            t("aws-secrets.txt", "aws-access-key-id", 2),
            t("builtin-rule-secret.txt", "aws-access-key-id", 2),
            t("builtin-rule-secret.txt", "github-pat", 1),
        ]
    );

    // A config from Trivy's tests: only github-pat stays enabled.
    let cfg = root().join("testdata/secrets/config-enable-ghp.yaml");
    let v = json(&tollgate(&[
        "fs",
        "--scanners",
        "secret",
        "--cache-dir",
        c,
        "--format",
        "json",
        "--secret-config",
        cfg.to_str().unwrap(),
        d,
    ]));
    assert_eq!(secrets(&v), [t("builtin-rule-secret.txt", "github-pat", 1)]);
}

#[test]
fn bad_secret_configs_fail_before_scanning() {
    let dir = sample_dir(&["aws-secrets.txt"]);
    let cache = tempfile::tempdir().unwrap();
    let cfg = cache.path().join("trivy-secret.yaml");
    std::fs::write(&cfg, "rules:\n  - id: broken\n    regex: '(unclosed'\n").unwrap();
    let out = cache.path().join("out.json");
    let o = tollgate(&[
        "fs",
        "--scanners",
        "secret",
        "--cache-dir",
        cache.path().to_str().unwrap(),
        "--secret-config",
        cfg.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "a scan that cannot start exits 2");
    assert!(
        err.contains("\"broken\"") && err.contains("invalid regex"),
        "{err}"
    );
    assert!(!out.exists(), "no report for a scan that did not run");
    let o = tollgate(&[
        "fs",
        "--scanners",
        "vuln,license",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--scanners license: not supported"));
}

/// A two-layer docker-archive: layer 1 holds a token in `app/.env` and `root/gone.txt`, layer 2
/// deletes `root/gone.txt`; the config has the token in ENV and in a history command.
fn secret_image(dir: &Path) -> PathBuf {
    use sha2::Digest;
    fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }
    let pat: &[u8] = b"GITHUB_PAT=ghp_012345678901234567890123456789abcdef\n";
    let l1 = layer(&[("app/.env", pat), ("root/gone.txt", pat)]);
    let l2 = layer(&[("root/.wh.gone.txt", b"")]);
    let id = |b: &[u8]| format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)));
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin", "GITHUB_TOKEN=ghp_012345678901234567890123456789abcdef"]},
        "rootfs": {"type": "layers", "diff_ids": [id(&l1), id(&l2)]},
        "history": [{"created_by": "ENV GITHUB_TOKEN=ghp_012345678901234567890123456789abcdef"},
                    {"created_by": "RUN rm /root/gone.txt"}],
    });
    let cb = serde_json::to_vec(&config).unwrap();
    let cname = format!("{}.json", &id(&cb)[7..]);
    let manifest = serde_json::json!([{"Config": cname, "RepoTags": ["secimg:1"],
                                       "Layers": ["l1/layer.tar", "l2/layer.tar"]}]);
    let path = dir.join("secimg.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
    for (name, data) in [
        (cname.as_str(), cb),
        ("l1/layer.tar", l1),
        ("l2/layer.tar", l2),
        ("manifest.json", serde_json::to_vec(&manifest).unwrap()),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.finish().unwrap();
    path
}

#[test]
fn image_secrets_have_layers_and_the_config_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let img = secret_image(dir.path());
    let input = img.to_str().unwrap();
    let cache = dir.path().join("cache");
    let args = [
        "image",
        "--input",
        input,
        "--scanners",
        "secret",
        "--format",
        "json",
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    let v = json(&tollgate(&args));
    let t = |f: &str, l: u64| (f.to_string(), "github-pat".to_string(), l);
    // Trivy 0.76 reports the same, plus /root/gone.txt, which layer 2 deleted.
    assert_eq!(secrets(&v), [t("/app/.env", 1), t(input, 7), t(input, 25)]);
    let layer = &v["Results"][0]["Secrets"][0]["Layer"];
    assert_eq!(layer["DiffID"], v["Metadata"]["DiffIDs"][0]);
    assert_eq!(
        layer["CreatedBy"],
        "ENV GITHUB_TOKEN=ghp_012345678901234567890123456789abcdef"
    );
    assert_eq!(
        v["Results"][1]["Secrets"][1]["Match"],
        "  \"GITHUB_TOKEN=****************************************\""
    );
    // Warm from the layer cache: the same report.
    let again = json(&tollgate(&args));
    assert_eq!(secrets(&again), secrets(&v));
}
