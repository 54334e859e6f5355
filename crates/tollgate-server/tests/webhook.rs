//! The server over real sockets: AdmissionReview requests as the API server sends them (HTTPS,
//! trusting only the CA that `tollgate cert` put in the webhook configuration), the scan API,
//! metrics and registry push events, on the real Alpine 3.7.3 and hello-world fixtures.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde_json::{json, Value};
use tokio_rustls::rustls;
use tollgate_server::{resolve::ImageDir, CertArgs, Config, Running};

const CRITICAL_CVE: &str = "CVE-2019-14697";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

fn read_json(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(rel)).unwrap()).unwrap()
}

/// Builds a DB from Alpine's secdb and NVD's record of CVE-2019-14697 (CRITICAL) when
/// `alpine`, else from the NVD sample alone (nothing in it matches Alpine 3.7.3).
fn build_db(out: &Path, alpine: bool) {
    use tollgate_db::import::{import, SourceKind};
    let sources = if alpine {
        vec![
            ("alpine-secdb", "advisories/alpine-secdb"),
            ("nvd", "server/nvd"),
        ]
    } else {
        vec![("nvd", "advisories/nvd")]
    };
    let mut batches = Vec::new();
    for (kind, rel) in &sources {
        let k: SourceKind = kind.parse().unwrap();
        batches.push(import(k, &fixture(rel)).unwrap());
    }
    let names = sources.iter().map(|(k, p)| format!("{k}={p}")).collect();
    tollgate_db::store::build(out, batches, names).unwrap();
}

/// An image directory with the Alpine archive and hello-world; returns both config digests.
fn image_dir(dir: &Path) -> (String, String) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(
        fixture("images/alpine/alpine-3.7.3.tar.gz"),
        dir.join("alpine.tar.gz"),
    )
    .unwrap();
    std::fs::copy(
        fixture("images/ggcr/tarball/hello-world-v25.tar"),
        dir.join("hello.tar"),
    )
    .unwrap();
    std::fs::write(
        dir.join("images.yaml"),
        "images:\n  - reference: registry.example/team/alpine:3.7.3\n    path: alpine.tar.gz\n  - reference: registry.example/team/hello:v25\n    path: hello.tar\n",
    )
    .unwrap();
    let id = |f: &str| {
        tollgate_image::open(&dir.join(f).to_string_lossy())
            .unwrap()
            .image()
            .id
            .clone()
    };
    (id("alpine.tar.gz"), id("hello.tar"))
}

struct Server {
    rt: tokio::runtime::Runtime,
    running: Option<Running>,
    addr: SocketAddr,
    agent: ureq::Agent,
    alpine: String,
    hello: String,
    cache: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.shutdown());
        }
    }
}

struct Opts {
    alpine_db: bool,
    workers: usize,
    queue: usize,
    cache: Option<PathBuf>,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            alpine_db: true,
            workers: 2,
            queue: 16,
            cache: None,
        }
    }
}

/// Starts a server with `policy` over HTTPS. The certificates come from `tollgate cert`,
/// which also patches the docs' webhook configuration; the client trusts only the CA read
/// back from that configuration's caBundle, as the API server does.
fn start(policy: &str, o: Opts) -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    build_db(&db, o.alpine_db);
    let (alpine, hello) = image_dir(&tmp.path().join("images"));
    let certs = tmp.path().join("certs");
    let webhook = tmp.path().join("webhook.yaml");
    std::fs::copy(
        fixture("kubernetes/validatingwebhookconfiguration-example.yaml"),
        &webhook,
    )
    .unwrap();
    let code = tollgate_server::run_cert(&CertArgs {
        out_dir: certs.clone(),
        service: "tollgate".into(),
        namespace: "tollgate".into(),
        sans: vec!["127.0.0.1".into()],
        days: 30,
        ca_days: 365,
        patch: Some(webhook.clone()),
    })
    .unwrap();
    assert_eq!(code, 0);
    let cfg: Value = serde_norway::from_str(&std::fs::read_to_string(&webhook).unwrap()).unwrap();
    let bundle = cfg["webhooks"][0]["clientConfig"]["caBundle"]
        .as_str()
        .expect("caBundle patched");
    let ca_pem = base64::engine::general_purpose::STANDARD
        .decode(bundle)
        .unwrap();

    let cache = o.cache.unwrap_or_else(|| tmp.path().join("cache"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tls = tollgate_server::tls::server_config(&certs.join("tls.crt"), &certs.join("tls.key"))
        .unwrap();
    let running = rt
        .block_on(tollgate_server::start(Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            tls: Some(tls),
            db_dir: db,
            cache_dir: cache.clone(),
            resolver: Arc::new(ImageDir::open(&tmp.path().join("images")).unwrap()),
            policy: tollgate_server::policy::Policy::parse("test policy", policy).unwrap(),
            scan_workers: o.workers,
            queue_size: o.queue,
            scan_timeout: Duration::from_secs(120),
            max_reports_in_memory: 100,
        }))
        .unwrap();
    let addr = running.addr;

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(&ca_pem).unwrap())
        .unwrap();
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let agent = ureq::AgentBuilder::new()
        .tls_config(Arc::new(client))
        .timeout(Duration::from_secs(120))
        .build();
    Server {
        rt,
        running: Some(running),
        addr,
        agent,
        alpine,
        hello,
        cache,
        _tmp: tmp,
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    fn send(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
        let req = self
            .agent
            .request(method, &self.url(path))
            .set("Content-Type", "application/json");
        let res = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let code = resp.status();
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut resp.into_reader(), &mut buf).unwrap();
        (code, buf)
    }

    fn get_json(&self, path: &str) -> (u16, Value) {
        let (c, b) = self.send("GET", path, None);
        (c, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let (c, b) = self.send("POST", path, Some(&serde_json::to_vec(body).unwrap()));
        (c, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    /// Sends an AdmissionReview and checks the envelope of the answer; returns its `response`.
    fn admit(&self, review: &Value) -> Value {
        let (code, v) = self.post_json("/v1/admit", review);
        assert_eq!(code, 200, "{v}");
        assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(v["kind"], "AdmissionReview");
        assert_eq!(v["response"]["uid"], review["request"]["uid"], "uid echoed");
        v["response"].clone()
    }

    fn metrics(&self) -> String {
        let (c, b) = self.send("GET", "/metrics", None);
        assert_eq!(c, 200);
        String::from_utf8(b).unwrap()
    }

    /// Waits until the report of `digest` is stored (a background scan finished).
    fn wait_report(&self, digest: &str) -> Value {
        let start = Instant::now();
        loop {
            let (c, v) = self.get_json(&format!("/v1/reports/{digest}"));
            if c == 200 {
                return v;
            }
            assert_eq!(c, 404, "{v}");
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "scan never finished"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn alpine_pinned(&self) -> String {
        format!("registry.example/team/alpine@{}", self.alpine)
    }

    fn hello_pinned(&self) -> String {
        format!("registry.example/team/hello@{}", self.hello)
    }
}

fn metric(text: &str, line_start: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(line_start)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {line_start} in\n{text}"))
}

static UID: AtomicU64 = AtomicU64::new(1);

fn containers(images: &[&str]) -> Value {
    Value::Array(
        images
            .iter()
            .enumerate()
            .map(|(i, im)| json!({"name": format!("c{i}"), "image": im}))
            .collect(),
    )
}

fn pod_spec(images: &[&str]) -> Value {
    json!({"containers": containers(images), "restartPolicy": "Always"})
}

/// A workload object of `kind` whose pod template runs `images`.
fn workload(kind: &str, images: &[&str]) -> Value {
    let spec = pod_spec(images);
    let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": spec});
    let (api, spec) = match kind {
        "Pod" => ("v1", spec),
        "Job" => ("batch/v1", json!({"template": template})),
        "CronJob" => (
            "batch/v1",
            json!({"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}),
        ),
        _ => (
            "apps/v1",
            json!({"selector": {"matchLabels": {"app": "web"}}, "template": template}),
        ),
    };
    json!({"apiVersion": api, "kind": kind, "metadata": {"name": "web"}, "spec": spec})
}

/// The docs' AdmissionReview request, made into a CREATE of `object` in `namespace`.
fn review(namespace: &str, object: Value) -> Value {
    let mut r = read_json("kubernetes/admissionreview-v1-request.json");
    let kind = object["kind"].as_str().unwrap().to_string();
    let (group, version) = match object["apiVersion"].as_str().unwrap().split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), "v1".to_string()),
    };
    let resource = format!("{}s", kind.to_lowercase());
    let req = r["request"].as_object_mut().unwrap();
    req.insert(
        "uid".into(),
        json!(format!("uid-{}", UID.fetch_add(1, Ordering::Relaxed))),
    );
    let gvk = json!({"group": group, "version": version, "kind": kind});
    let gvr = json!({"group": group, "version": version, "resource": resource});
    req.insert("kind".into(), gvk.clone());
    req.insert("requestKind".into(), gvk);
    req.insert("resource".into(), gvr.clone());
    req.insert("requestResource".into(), gvr);
    req.remove("subResource");
    req.remove("requestSubResource");
    req.insert("name".into(), object["metadata"]["name"].clone());
    req.insert("namespace".into(), json!(namespace));
    req.insert("operation".into(), json!("CREATE"));
    req.insert("object".into(), object);
    req.insert("oldObject".into(), Value::Null);
    req.insert(
        "options".into(),
        json!({"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}),
    );
    r
}

const STRICT: &str = "deadline: 60s
severity: {threshold: CRITICAL, mode: deny}
kev: {mode: deny}
unpinned: {mode: deny}
unscanned: {mode: deny}
allow:
  namespaces:
    - {name: sandbox, expires: '2999-12-31', reason: team trial}
    - {name: legacy, expires: '2020-01-01'}
";

#[test]
fn clean_image_is_allowed() {
    // The same Alpine image against a DB with no Alpine advisories: its packages are real,
    // none matches.
    let s = start(
        STRICT,
        Opts {
            alpine_db: false,
            ..Opts::default()
        },
    );
    let r = s.admit(&review("prod", workload("Pod", &[&s.alpine_pinned()])));
    assert_eq!(r["allowed"], true, "{r}");
    assert!(
        r.get("status").is_none() && r.get("warnings").is_none(),
        "{r}"
    );
    let report = s.wait_report(&s.alpine);
    assert_eq!(report["Metadata"]["OS"]["Name"], "3.7.3");
}

#[test]
fn image_with_criticals_is_denied_naming_counts_and_fixable_cves() {
    let s = start(STRICT, Opts::default());
    let image = s.alpine_pinned();
    let r = s.admit(&review("prod", workload("Deployment", &[&image])));
    assert_eq!(r["allowed"], false, "{r}");
    assert_eq!(r["status"]["code"], 403);
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(msg.contains(&image), "{msg}");
    assert!(
        msg.contains("2 vulnerabilities at or above CRITICAL (CRITICAL: 2, HIGH: 0,"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!(
            "top fixable: {CRITICAL_CVE} CRITICAL (musl 1.1.18-r3 -> 1.1.18-r4)"
        )),
        "{msg}"
    );
    // A threshold above its findings admits the same image.
    let lenient = start(
        "severity: {threshold: CRITICAL, fixable_only: true, mode: warn}\nunscanned: {mode: deny}\ndeadline: 60s\n",
        Opts::default(),
    );
    let r = lenient.admit(&review("prod", workload("Deployment", &[&image])));
    assert_eq!(r["allowed"], true, "{r}");
    let w = r["warnings"].as_array().unwrap();
    assert!(
        w.iter().any(|x| x.as_str().unwrap().contains(CRITICAL_CVE)),
        "{r}"
    );
}

#[test]
fn unpinned_tag_is_denied_under_a_digest_only_rule_and_warned_in_warn_mode() {
    let s = start(STRICT, Opts::default());
    let r = s.admit(&review(
        "prod",
        workload("Pod", &["registry.example/team/hello:v25"]),
    ));
    assert_eq!(r["allowed"], false, "{r}");
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("image registry.example/team/hello:v25 is not pinned by digest"),
        "{msg}"
    );
    assert!(
        !msg.contains("CRITICAL"),
        "only the pinning rule denies: {msg}"
    );
    // The same image by digest passes.
    let r = s.admit(&review("prod", workload("Pod", &[&s.hello_pinned()])));
    assert_eq!(r["allowed"], true, "{r}");

    let warn = start(
        "unpinned: {mode: warn}\nunscanned: {mode: deny}\ndeadline: 60s\n",
        Opts::default(),
    );
    let r = warn.admit(&review(
        "prod",
        workload("Pod", &["registry.example/team/hello:v25"]),
    ));
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r["warnings"][0]
        .as_str()
        .unwrap()
        .contains("is not pinned by digest"));
}

#[test]
fn allow_listed_namespace_is_admitted_until_its_entry_expires() {
    let s = start(STRICT, Opts::default());
    let bad = "registry.example/team/alpine:3.7.3";
    let r = s.admit(&review("sandbox", workload("Deployment", &[bad])));
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r.get("warnings").is_none(), "{r}");
    // Nothing was scanned for an exempt namespace.
    assert_eq!(metric(&s.metrics(), "tollgate_cache_misses_total"), 0.0);
    let r = s.admit(&review("legacy", workload("Deployment", &[bad])));
    assert_eq!(r["allowed"], false, "{r}");
    assert!(r["warnings"][0]
        .as_str()
        .unwrap()
        .contains("namespace legacy expired on 2020-01-01"));
}

#[test]
fn unscanned_image_past_the_deadline_is_warned_then_judged_instantly_on_retry() {
    let s = start(
        "deadline: 0s\nunscanned: {mode: warn}\nunpinned: {mode: deny}\n",
        Opts::default(),
    );
    let rev = review("prod", workload("Pod", &[&s.alpine_pinned()]));
    let r = s.admit(&rev);
    assert_eq!(r["allowed"], true, "{r}");
    let w = r["warnings"][0].as_str().unwrap();
    assert!(w.contains("has not been scanned yet"), "{w}");
    // The scan ran in the background; the retry is answered from the stored result.
    s.wait_report(&s.alpine);
    let t = Instant::now();
    let r = s.admit(&rev);
    let took = t.elapsed();
    assert_eq!(r["allowed"], false, "{r}");
    assert!(r["status"]["message"]
        .as_str()
        .unwrap()
        .contains(CRITICAL_CVE));
    assert!(took < Duration::from_secs(1), "retry took {took:?}");
    let m = s.metrics();
    // One hit for the report fetched above, one for the retry.
    assert_eq!(metric(&m, "tollgate_cache_hits_total"), 2.0);
    assert_eq!(metric(&m, "tollgate_cache_misses_total"), 1.0);
    assert_eq!(
        metric(&m, "tollgate_admission_verdicts_total{result=\"warned\"}"),
        1.0
    );
    assert_eq!(
        metric(&m, "tollgate_admission_verdicts_total{result=\"denied\"}"),
        1.0
    );

    // The API server's own `?timeout=` caps the policy's 60 s deadline: the answer comes
    // before the API server would give up, and it is the policy's (unscanned: deny).
    let patient = start(STRICT, Opts::default());
    let rev = review("prod", workload("Pod", &[&patient.alpine_pinned()]));
    let t = Instant::now();
    let (code, v) = patient.post_json("/v1/admit?timeout=1ms", &rev);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(code, 200);
    assert_eq!(v["response"]["allowed"], false, "{v}");
    assert!(v["response"]["status"]["message"]
        .as_str()
        .unwrap()
        .contains("has not been scanned yet"));

    // Under `unscanned: deny` the same situation is a denial naming the image.
    let strict = start("deadline: 0s\nunscanned: {mode: deny}\n", Opts::default());
    let r = strict.admit(&review("prod", workload("Pod", &[&strict.hello_pinned()])));
    assert_eq!(r["allowed"], false, "{r}");
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains(&strict.hello_pinned()) && msg.contains("not been scanned yet"),
        "{msg}"
    );
    // An image nobody can resolve is unscanned too.
    let r = strict.admit(&review(
        "prod",
        workload("Pod", &["registry.example/nope:1"]),
    ));
    assert_eq!(r["allowed"], false);
    assert!(r["status"]["message"]
        .as_str()
        .unwrap()
        .contains("registry.example/nope:1 not found in the image directory"));
}

#[test]
fn every_workload_kind_and_container_list_is_checked() {
    let s = start(STRICT, Opts::default());
    let (bad, good) = (s.alpine_pinned(), s.hello_pinned());
    for kind in [
        "Pod",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
    ] {
        let r = s.admit(&review("prod", workload(kind, &[&good, &bad])));
        assert_eq!(r["allowed"], false, "{kind}: {r}");
        let r = s.admit(&review("prod", workload(kind, &[&good])));
        assert_eq!(r["allowed"], true, "{kind}: {r}");
    }
    for list in ["initContainers", "ephemeralContainers"] {
        let mut pod = workload("Pod", &[&good]);
        pod["spec"][list] = json!([{"name": "x", "image": bad}]);
        let r = s.admit(&review("prod", pod));
        assert_eq!(r["allowed"], false, "{list}: {r}");
        assert!(r["status"]["message"].as_str().unwrap().contains(&bad));
    }
}

#[test]
fn malformed_reviews_and_unknown_kinds_get_defined_answers() {
    let s = start(STRICT, Opts::default());
    let (c, v) = s.send("POST", "/v1/admit", Some(b"{not json"));
    assert_eq!(c, 400);
    let v: Value = serde_json::from_slice(&v).unwrap();
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("not an AdmissionReview"));
    let (c, _) = s.post_json(
        "/v1/admit",
        &json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}),
    );
    assert_eq!(c, 400);
    let (c, _) = s.post_json("/v1/admit", &json!({"apiVersion": "v1", "kind": "Pod"}));
    assert_eq!(c, 400);

    // The docs' request (a Scale subresource) and kubernetes/api's every-field fixture
    // (kind "kindValue") carry no pod template: admitted, uid echoed.
    let docs = read_json("kubernetes/admissionreview-v1-request.json");
    assert_eq!(s.admit(&docs)["allowed"], true);
    let full = read_json("kubernetes/admission.k8s.io.v1.AdmissionReview.json");
    assert_eq!(s.admit(&full)["allowed"], true);

    // A gated kind whose containers cannot be read is denied, not waved through.
    let mut pod = workload("Pod", &["x"]);
    pod["spec"]["containers"] = json!([{"name": "noimage"}]);
    let r = s.admit(&review("prod", pod));
    assert_eq!(r["allowed"], false);
    assert!(r["status"]["message"]
        .as_str()
        .unwrap()
        .contains("containers[0] has no image"));
    let mut pod = workload("Pod", &["x"]);
    pod["spec"] = json!("nonsense");
    assert_eq!(s.admit(&review("prod", pod))["allowed"], false);
    let r = s.admit(&review("prod", workload("Pod", &["UPPER CASE/bad image"])));
    assert_eq!(r["allowed"], false);
    // A DELETE carries no object.
    let mut del = review("prod", workload("Pod", &[&s.alpine_pinned()]));
    del["request"]["operation"] = json!("DELETE");
    del["request"]["object"] = Value::Null;
    assert_eq!(s.admit(&del)["allowed"], true);
    assert_eq!(
        metric(
            &s.metrics(),
            "tollgate_admission_verdicts_total{result=\"invalid\"}"
        ),
        3.0
    );
}

#[test]
fn scan_api_keeps_reports_by_digest_across_restarts() {
    let s = start(STRICT, Opts::default());
    let (c, b) = s.send("GET", "/healthz", None);
    assert_eq!((c, b.as_slice()), (200, b"ok\n".as_slice()));
    assert_eq!(s.send("GET", "/readyz", None).0, 200);

    let req = json!({"image": "registry.example/team/alpine:3.7.3"});
    let (c, report) = s.post_json("/v1/scan", &req);
    assert_eq!(c, 200, "{report}");
    assert_eq!(report["SchemaVersion"], 2);
    assert_eq!(report["Metadata"]["ImageID"], s.alpine.as_str());
    let ids: Vec<&str> = report["Results"][0]["Vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["VulnerabilityID"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&CRITICAL_CVE), "{ids:?}");
    let (c, low) = s.post_json(
        "/v1/scan",
        &json!({"image": "registry.example/team/alpine:3.7.3", "severity": ["LOW"]}),
    );
    assert_eq!(c, 200);
    assert!(!low.to_string().contains(CRITICAL_CVE));
    let (c, stored) = s.get_json(&format!("/v1/reports/{}", s.alpine));
    assert_eq!(c, 200);
    assert_eq!(stored, report);

    assert_eq!(s.get_json("/v1/reports/sha256:..%2F..%2Fetc").0, 400);
    assert_eq!(
        s.get_json(&format!("/v1/reports/sha256:{}", "0".repeat(64)))
            .0,
        404
    );
    assert_eq!(
        s.post_json("/v1/scan", &json!({"image": "registry.example/none:1"}))
            .0,
        404
    );
    assert_eq!(s.post_json("/v1/scan", &json!({"img": "x"})).0, 400);
    assert_eq!(
        s.post_json(
            "/v1/scan",
            &json!({"image": "registry.example/team/alpine:3.7.3", "severity": ["SEVERE"]})
        )
        .0,
        400
    );

    let m = s.metrics();
    assert_eq!(metric(&m, "tollgate_scans_total{result=\"ok\"}"), 1.0);
    assert_eq!(metric(&m, "tollgate_cache_hits_total"), 2.0);
    assert_eq!(metric(&m, "tollgate_scan_duration_seconds_count"), 1.0);
    assert!(metric(&m, "tollgate_db_age_seconds") < 3600.0);

    // A second server on the same cache directory answers from disk without scanning.
    let again = start(
        STRICT,
        Opts {
            cache: Some(s.cache.clone()),
            ..Opts::default()
        },
    );
    let (c, v) = again.get_json(&format!("/v1/reports/{}", s.alpine));
    assert_eq!(c, 200);
    assert_eq!(v["Metadata"]["ImageID"], s.alpine.as_str());
    assert_eq!(
        metric(&again.metrics(), "tollgate_scans_total{result=\"ok\"}"),
        0.0
    );
}

#[test]
fn registry_push_event_starts_a_scan_and_a_full_queue_says_so() {
    let s = start(
        STRICT,
        Opts {
            workers: 1,
            queue: 1,
            ..Opts::default()
        },
    );
    let mut env = read_json("kubernetes/event-envelope-push.json");
    let manifest = &mut env["events"][0];
    manifest["request"]["host"] = json!("registry.example");
    manifest["target"]["repository"] = json!("team/alpine");
    manifest["target"]["digest"] = json!(s.alpine);
    let mut second = manifest.clone();
    second["id"] = json!("second-manifest");
    second["target"]["repository"] = json!("team/hello");
    second["target"]["digest"] = json!(s.hello);
    env["events"].as_array_mut().unwrap().push(second);

    let (c, v) = s.post_json("/v1/registry-events", &env);
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["scans"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["scans"][0]["scan"], "started");
    assert_eq!(v["scans"][0]["digest"], s.alpine.as_str());
    let ignored = v["ignored"].to_string();
    assert!(
        ignored.contains("push of application/vnd.docker.container.image.rootfs.diff+x-gtar"),
        "{ignored}"
    );
    assert!(ignored.contains("the scan queue is full"), "{ignored}");
    let report = s.wait_report(&s.alpine);
    assert!(report.to_string().contains(CRITICAL_CVE));
    let m = s.metrics();
    assert_eq!(metric(&m, "tollgate_registry_events_total"), 1.0);
    assert_eq!(metric(&m, "tollgate_scans_rejected_total"), 1.0);
    assert_eq!(s.send("POST", "/v1/registry-events", Some(b"[]")).0, 400);
}

#[test]
fn a_client_without_the_ca_cannot_talk_to_the_webhook() {
    let s = start(STRICT, Opts::default());
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let agent = ureq::AgentBuilder::new()
        .tls_config(Arc::new(client))
        .build();
    let err = agent.get(&s.url("/healthz")).call().unwrap_err();
    assert!(matches!(err, ureq::Error::Transport(_)), "{err}");
}
