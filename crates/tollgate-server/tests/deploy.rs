//! The manifests in `deploy/` hold together: the policy they ship parses, its deadline is
//! below the webhook timeout, the webhook spares kube-system and its own namespace, the pod
//! runs as non-root on a read-only root filesystem, and `tollgate cert --patch` fills them.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(file)
}

fn yaml(file: &str) -> Value {
    let text = std::fs::read_to_string(deploy(file)).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn webhook_policy_and_workload_agree() {
    let hook = yaml("webhook.yaml");
    let w = &hook["webhooks"][0];
    assert_eq!(w["failurePolicy"], "Fail");
    assert_eq!(w["sideEffects"], "None");
    assert_eq!(w["clientConfig"]["service"]["path"], "/v1/admit");
    let excluded = &w["namespaceSelector"]["matchExpressions"][0];
    assert_eq!(excluded["key"], "kubernetes.io/metadata.name");
    assert_eq!(excluded["operator"], "NotIn");
    let values = excluded["values"].to_string();
    assert!(values.contains("kube-system") && values.contains("\"tollgate\""));
    let resources: Vec<String> = w["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["resources"].as_array().unwrap().clone())
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    for r in [
        "pods",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
    ] {
        assert!(resources.iter().any(|x| x == r), "{r} not gated");
    }

    let cm = yaml("policy.yaml");
    let policy = tollgate_server::policy::Policy::parse(
        "deploy/policy.yaml",
        cm["data"]["policy.yaml"].as_str().unwrap(),
    )
    .unwrap();
    let timeout = w["timeoutSeconds"].as_u64().unwrap();
    assert!(
        policy.deadline.as_secs_f64() + 1.0 <= timeout as f64,
        "deadline {:?} leaves no room under timeoutSeconds {timeout}",
        policy.deadline
    );

    let d = yaml("deployment.yaml");
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let c = &pod["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
    let args = c["args"].to_string();
    assert!(args.contains("--tls-cert") && args.contains("--policy"));
    assert_eq!(yaml("pdb.yaml")["spec"]["minAvailable"], 1);
}

#[test]
fn cert_patches_the_shipped_webhook_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let hook = tmp.path().join("webhook.yaml");
    std::fs::copy(deploy("webhook.yaml"), &hook).unwrap();
    let code = tollgate_server::run_cert(&tollgate_server::CertArgs {
        out_dir: tmp.path().join("certs"),
        service: "tollgate".into(),
        namespace: "tollgate".into(),
        sans: vec![],
        days: 365,
        ca_days: 3650,
        patch: Some(hook.clone()),
    })
    .unwrap();
    assert_eq!(code, 0);
    let v: Value = serde_norway::from_str(&std::fs::read_to_string(&hook).unwrap()).unwrap();
    let bundle = v["webhooks"][0]["clientConfig"]["caBundle"]
        .as_str()
        .unwrap();
    use base64::Engine;
    let pem = base64::engine::general_purpose::STANDARD
        .decode(bundle)
        .unwrap();
    let ca = std::fs::read(tmp.path().join("certs/ca.crt")).unwrap();
    assert_eq!(pem, ca);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmp.path().join("certs/tls.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "private key readable by others");
    }
    // A file with nothing to patch is an error, not a silent success.
    let plain = tmp.path().join("plain.yaml");
    std::fs::write(&plain, "kind: Service\n").unwrap();
    let err = tollgate_server::run_cert(&tollgate_server::CertArgs {
        out_dir: tmp.path().join("certs2"),
        service: "tollgate".into(),
        namespace: "tollgate".into(),
        sans: vec![],
        days: 365,
        ca_days: 3650,
        patch: Some(plain),
    })
    .unwrap_err();
    assert!(err.to_string().contains("no `caBundle:` key"), "{err}");
}
