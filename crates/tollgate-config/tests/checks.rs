//! The built-in checks and Trivy-style custom checks on real inputs.

use std::path::{Path, PathBuf};

use tollgate_config::{FileResult, Scanner};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/config")
        .join(rel)
}

fn scan(dir: &str, policies: &[&str]) -> Vec<FileResult> {
    let dirs: Vec<PathBuf> = policies.iter().map(|p| fixture(p)).collect();
    let mut s = Scanner::new(&dirs).unwrap();
    let (r, errors) = s.scan_dir(&fixture(dir)).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    r
}

fn ids(r: &FileResult) -> Vec<(String, usize)> {
    r.failures
        .iter()
        .map(|m| (m.check.id.clone(), m.start_line))
        .collect()
}

/// Trivy 0.76's report on the same Dockerfile (integration/testdata/dockerfile.json.golden)
/// has one failure, DS-0002 with its message and no line; `HEALTHCHECK NONE` is a healthcheck.
#[test]
fn trivy_dockerfile_golden() {
    let r = scan("trivy/dockerfile", &[]);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].path, "Dockerfile");
    assert_eq!(ids(&r[0]), [("DS-0002".to_string(), 0)]);
    let m = &r[0].failures[0];
    assert_eq!(
        m.message,
        "Specify at least 1 USER command in Dockerfile with non-root user as argument"
    );
    assert_eq!(m.check.severity, "HIGH");
    assert_eq!(m.check.title, "Image user should not be 'root'");
    assert_eq!(m.check.package, "builtin.dockerfile.DS002");
}

/// Trivy's custom-policy golden: the two `user.*` checks (METADATA annotations, Rego v0)
/// fail with their messages beside DS-0002; the Dockerfile has `USER nobody`, so no DS-0002.
#[test]
fn trivy_custom_checks() {
    let r = scan("trivy/custom-policy", &["trivy/custom-policy/policy"]);
    let df = r.iter().find(|x| x.path == "Dockerfile").unwrap();
    let got: Vec<(&str, &str, &str)> = df
        .failures
        .iter()
        .map(|m| {
            (
                m.check.id.as_str(),
                m.message.as_str(),
                m.check.provider.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("AVD-BAR-0001", "something bad: bar", "Custom"),
            ("AVD-FOO-0001", "something bad: foo", "Custom")
        ]
    );
    let c = &df.failures[0].check;
    assert_eq!(
        (c.severity.as_str(), c.resolution.as_str()),
        ("LOW", "Custom policy for testing")
    );
    assert_eq!(c.package, "user.bar");
}

/// A custom Kubernetes check with its own result helper: one failure per evil container,
/// with the container's lines.
#[test]
fn trivy_kubernetes_custom_check() {
    let r = scan("trivy/k8s-custom/src", &["trivy/k8s-custom"]);
    let f: Vec<_> = r[0]
        .failures
        .iter()
        .filter(|m| m.check.id == "TEST001")
        .map(|m| (m.message.as_str(), m.start_line, m.end_line))
        .collect();
    assert_eq!(
        f,
        [
            ("No evil containers allowed!", 7, 9),
            ("No evil containers allowed!", 10, 12)
        ]
    );
}

/// The nginx Deployment Trivy checks in helm.json.golden: of the ids Tollgate also has,
/// the same fail, with the same messages.
#[test]
fn nginx_deployment_like_trivy() {
    let r = scan("trivy/k8s", &[]);
    let got: Vec<String> = r[0].failures.iter().map(|m| m.check.id.clone()).collect();
    assert_eq!(
        got,
        [
            "KSV-0001",
            "KSV-0003",
            "KSV-0011",
            "KSV-0012",
            "KSV-0014",
            "KSV-0015",
            "KSV-0016",
            "KSV-0018",
            "KSV-0030",
            "TG-K8S-001"
        ]
    );
    let golden: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("trivy/helm.json.golden")).unwrap()).unwrap();
    let trivy = golden["Results"][0]["Misconfigurations"]
        .as_array()
        .unwrap();
    for m in &r[0].failures {
        if let Some(t) = trivy.iter().find(|t| t["ID"] == m.check.id.as_str()) {
            assert_eq!(t["Message"], m.message.as_str(), "{}", m.check.id);
            assert_eq!(t["Severity"], m.check.severity.as_str(), "{}", m.check.id);
            assert_eq!(t["Title"], m.check.title.as_str(), "{}", m.check.id);
        }
    }
    // The container's lines in this file (the chart's are offset by its two header lines).
    assert_eq!(r[0].failures[0].start_line, 18);
}

#[test]
fn own_fixtures_fail_each_check_once() {
    let r = scan("own", &[]);
    let df = r.iter().find(|x| x.path == "Dockerfile").unwrap();
    assert_eq!(
        ids(df),
        [
            ("DS-0001".to_string(), 6),
            ("DS-0002".to_string(), 14),
            ("DS-0004".to_string(), 12),
            ("DS-0005".to_string(), 10),
            ("DS-0010".to_string(), 9),
            ("DS-0013".to_string(), 8),
            ("DS-0016".to_string(), 16),
            ("DS-0017".to_string(), 7),
            ("DS-0021".to_string(), 8),
            ("DS-0025".to_string(), 9),
            ("DS-0026".to_string(), 0),
            ("DS-0029".to_string(), 8),
        ]
    );
    let pod = r.iter().find(|x| x.path == "pod.yaml").unwrap();
    let mut got: Vec<&str> = pod.failures.iter().map(|m| m.check.id.as_str()).collect();
    got.dedup();
    // The hardened Pod passes everything; the CronJob fails these.
    assert_eq!(
        got,
        [
            "KSV-0001",
            "KSV-0003",
            "KSV-0005",
            "KSV-0006",
            "KSV-0009",
            "KSV-0010",
            "KSV-0011",
            "KSV-0012",
            "KSV-0013",
            "KSV-0014",
            "KSV-0015",
            "KSV-0016",
            "KSV-0017",
            "KSV-0018",
            "KSV-0023",
            "KSV-0030",
            "TG-K8S-001"
        ]
    );
    assert!(pod
        .failures
        .iter()
        .all(|m| m.message.contains("'risky'") || m.check.id == "KSV-0030"));
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.rego"),
        "package user.x\n\ndeny[res] {\n",
    )
    .unwrap();
    let e = Scanner::new(&[dir.path().to_path_buf()]).err().unwrap();
    assert!(e.contains("bad.rego: the check does not compile"), "{e}");
    let e = Scanner::new(&[dir.path().join("none")]).err().unwrap();
    assert!(e.contains("no such directory"), "{e}");

    let tree = tempfile::tempdir().unwrap();
    std::fs::write(tree.path().join("Dockerfile"), "FROM x\n!!! nonsense\n").unwrap();
    std::fs::write(tree.path().join("k.yaml"), "a: [unclosed\n").unwrap();
    std::fs::write(
        tree.path().join("ok.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n",
    )
    .unwrap();
    let mut s = Scanner::new(&[]).unwrap();
    let (r, errors) = s.scan_dir(tree.path()).unwrap();
    assert_eq!(r.len(), 1, "the valid file is still checked");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.starts_with("Dockerfile: line 2")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("k.yaml: not valid YAML")),
        "{errors:?}"
    );
}
