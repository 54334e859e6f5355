//! Registry tests against a real registry: Debian's `docker-registry` (CNCF distribution)
//! started on a loopback port, images pushed with `skopeo`, basic auth through htpasswd and
//! bearer tokens from a token server these tests run. `.ci/run` installs the packages.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use tollgate_registry::{Body, Client, ClientOptions, Reference};

const INSTALL: &str =
    "apt-get install -y docker-registry skopeo apache2-utils openssl (the install line of .ci/run)";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn need(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    assert!(found, "{tool} is not installed: run {INSTALL}");
}

fn run_ok(cmd: &mut Command) -> Output {
    let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `docker-registry` process on a loopback port, killed when dropped.
struct Registry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    /// `user:password` skopeo pushes with, when the registry needs one.
    push_creds: Option<String>,
}

enum Auth {
    None,
    Htpasswd,
    Token { realm: String, cert: PathBuf },
}

const USER: &str = "tester";
const PASSWORD: &str = "s3cret-pw";
const SERVICE: &str = "tollgate-test-registry";
const ISSUER: &str = "tollgate-test-token-issuer";

impl Registry {
    fn start(auth: Auth) -> Registry {
        need("docker-registry");
        need("skopeo");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let auth_yaml = match &auth {
            Auth::None => String::new(),
            Auth::Htpasswd => {
                need("htpasswd");
                let o = run_ok(Command::new("htpasswd").args(["-Bbn", USER, PASSWORD]));
                let file = dir.path().join("htpasswd");
                std::fs::write(&file, &o.stdout).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: tollgate-test\n    path: {}\n",
                    file.display()
                )
            }
            Auth::Token { realm, cert } => format!(
                "auth:\n  token:\n    realm: {realm}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                cert.display()
            ),
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth_yaml}",
            dir.path().join("data").display()
        );
        let cfg = dir.path().join("config.yml");
        std::fs::write(&cfg, config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let reg = Registry {
            child,
            port,
            dir,
            push_creds: (!matches!(auth, Auth::None)).then(|| format!("{USER}:{PASSWORD}")),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {port}: {}",
                std::fs::read_to_string(reg.dir.path().join("registry.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        reg
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Pushes a docker-archive (gzip-compressed ones are unpacked first) as `repo:tag`.
    fn push_archive(&self, archive: &str, target: &str) {
        let mut src = root().join(archive);
        if archive.ends_with(".gz") {
            let plain = self
                .dir
                .path()
                .join(format!("{}.tar", target.replace([':', '/'], "_")));
            let mut gz = flate2::read::GzDecoder::new(std::fs::File::open(&src).unwrap());
            let mut out = std::fs::File::create(&plain).unwrap();
            std::io::copy(&mut gz, &mut out).unwrap();
            src = plain;
        }
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "-q", "--dest-tls-verify=false"]);
        if let Some(c) = &self.push_creds {
            cmd.args(["--dest-creds", c]);
        }
        cmd.arg(format!("docker-archive:{}", src.display()))
            .arg(format!("docker://{}/{target}", self.host()));
        run_ok(&mut cmd);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tollgate(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("TOLLGATE_CACHE_DIR")
        .env_remove("TOLLGATE_USERNAME")
        .env_remove("TOLLGATE_PASSWORD")
        .env("DOCKER_CONFIG", "/nonexistent-tollgate-test");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run tollgate")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The one `tollgate: error:` line of a failed run.
fn error_line(o: &Output) -> String {
    assert_ne!(
        o.status.code(),
        Some(0),
        "expected a failure: {}",
        stderr(o)
    );
    let s = stderr(o);
    let lines: Vec<&str> = s
        .lines()
        .filter(|l| l.starts_with("tollgate: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line expected: {s}");
    lines[0].to_string()
}

fn build_db(dir: &Path) -> String {
    let db = dir.join("db");
    let o = tollgate(
        &[
            "db",
            "build",
            "--output",
            db.to_str().unwrap(),
            "--source",
            "alpine-secdb=testdata/advisories/alpine-secdb",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    db.to_str().unwrap().to_string()
}

/// Scans `target` (`--input X` when `input`, else a registry name) into JSON.
fn scan(
    db: &str,
    cache: &Path,
    target: &str,
    input: bool,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Output, Value) {
    let out = cache.with_extension("json");
    let _ = std::fs::remove_file(&out);
    let mut args = vec!["image"];
    if input {
        args.push("--input");
    }
    args.extend_from_slice(&[
        target,
        "--db",
        db,
        "--cache-dir",
        cache.to_str().unwrap(),
        "--format",
        "json",
        "--list-all-pkgs",
        "--output",
        out.to_str().unwrap(),
    ]);
    args.extend_from_slice(extra);
    let o = tollgate(&args, env);
    let v = std::fs::read(&out)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (o, v)
}

/// Results without what names the storage: the target (archive path or reference) and the
/// layers' stored-blob digests (absent for a docker-archive's uncompressed layers; the gzip
/// blob's digest in a registry). Diff-ids stay.
fn results(v: &Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(layer)) = m.get_mut("Layer") {
                    layer.remove("Digest");
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut r = v["Results"].clone();
    for t in r.as_array_mut().into_iter().flatten() {
        t.as_object_mut().unwrap().remove("Target");
    }
    strip(&mut r);
    r
}

fn count_packages(v: &Value) -> usize {
    v["Results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["Packages"].as_array().map_or(0, Vec::len))
        .sum()
}

fn registry_requests(o: &Output) -> u64 {
    let s = stderr(o);
    let line = s
        .lines()
        .find(|l| l.ends_with("registry request(s)"))
        .unwrap_or_else(|| panic!("no request count: {s}"));
    line.split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad count line {line}"))
}

#[test]
fn registry_scan_equals_archive_scan_and_warm_rescan_fetches_manifest_and_config_only() {
    let reg = Registry::start(Auth::None);
    reg.push_archive("testdata/images/trivy/alpine-310.tar.gz", "alpine:3.10");
    reg.push_archive("testdata/images/alpine/alpine-3.7.3.tar.gz", "alpine:3.7.3");
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    for (archive, tag, packages) in [
        ("testdata/images/trivy/alpine-310.tar.gz", "3.10", 14),
        ("testdata/images/alpine/alpine-3.7.3.tar.gz", "3.7.3", 13),
    ] {
        let (o, from_archive) = scan(
            &db,
            &dir.path().join(format!("a{tag}")),
            archive,
            true,
            &[],
            &[],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let name = format!("{}/alpine:{tag}", reg.host());
        let cache = dir.path().join(format!("r{tag}"));
        let (o, from_registry) = scan(&db, &cache, &name, false, &["--debug"], &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(results(&from_registry), results(&from_archive), "{tag}");
        assert_eq!(count_packages(&from_registry), packages, "{tag}");
        assert_eq!(
            from_registry["Metadata"]["ImageID"],
            from_archive["Metadata"]["ImageID"]
        );
        assert_eq!(
            from_registry["Metadata"]["DiffIDs"],
            from_archive["Metadata"]["DiffIDs"]
        );
        assert_eq!(from_registry["ArtifactName"], name.as_str());
        // Cold: manifest, config, one layer.
        assert_eq!(registry_requests(&o), 3, "{}", stderr(&o));
        // Warm layer cache: the layer is not fetched at all.
        let (o, again) = scan(&db, &cache, &name, false, &["--debug"], &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(registry_requests(&o), 2, "{}", stderr(&o));
        assert!(stderr(&o).contains("1 from cache"), "{}", stderr(&o));
        assert_eq!(results(&again), results(&from_archive));
    }
    // Alpine 3.7.3's musl is affected: the equal results above are not two empty lists.
    let (_, v) = scan(
        &db,
        &dir.path().join("r3.7.3"),
        &format!("{}/alpine:3.7.3", reg.host()),
        false,
        &[],
        &[],
    );
    assert!(v.to_string().contains("CVE-2019-14697"));

    // Pinned by digest: the same image.
    let client = Client::new(ClientOptions::default());
    let r = Reference::parse(&format!("{}/alpine:3.10", reg.host())).unwrap();
    let digest = client.manifest(&r, "3.10").unwrap().digest;
    let (o, v) = scan(
        &db,
        &dir.path().join("d"),
        &format!("{}/alpine@{digest}", reg.host()),
        false,
        &[],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count_packages(&v), 14);
}

#[test]
fn multi_platform_index_picks_the_platform_asked_for() {
    let reg = Registry::start(Auth::None);
    reg.push_archive("testdata/images/trivy/alpine-310.tar.gz", "multi:amd64");
    reg.push_archive(
        "testdata/images/ggcr/tarball/hello-world-v25.tar",
        "multi:arm64",
    );
    let client = Client::new(ClientOptions::default());
    let r = Reference::parse(&format!("{}/multi", reg.host())).unwrap();
    let mut entries = Vec::new();
    for arch in ["amd64", "arm64"] {
        let m = client.manifest(&r, arch).unwrap();
        entries.push(json!({
            "mediaType": m.media_type,
            "digest": m.digest,
            "size": m.data.len(),
            "platform": {"os": "linux", "architecture": arch},
        }));
    }
    let list_type = "application/vnd.docker.distribution.manifest.list.v2+json";
    let list = json!({"schemaVersion": 2, "mediaType": list_type, "manifests": entries});
    client
        .push_manifest(&r, "latest", list_type, list.to_string().as_bytes())
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let name = format!("{}/multi:latest", reg.host());
    let (o, v) = scan(
        &db,
        &dir.path().join("c1"),
        &name,
        false,
        &["--platform", "linux/arm64"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v["Metadata"]["ImageConfig"]["architecture"], "arm64");
    assert_eq!(count_packages(&v), 0, "hello-world has no packages");
    let (o, v) = scan(
        &db,
        &dir.path().join("c2"),
        &name,
        false,
        &["--platform", "linux/amd64"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v["Metadata"]["ImageConfig"]["architecture"], "amd64");
    assert_eq!(count_packages(&v), 14);
    assert_eq!(v["Metadata"]["OS"]["Family"], "alpine");

    let (o, _) = scan(
        &db,
        &dir.path().join("c3"),
        &name,
        false,
        &["--platform", "linux/s390x"],
        &[],
    );
    let e = error_line(&o);
    assert!(e.contains("platform linux/s390x"), "{e}");
    assert!(e.contains("linux/amd64, linux/arm64"), "{e}");
    assert!(e.contains("--platform"), "{e}");
}

#[test]
fn basic_auth_registry_with_flags_env_and_docker_config() {
    let reg = Registry::start(Auth::Htpasswd);
    reg.push_archive(
        "testdata/images/trivy/alpine-310.tar.gz",
        "private/alpine:3.10",
    );
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let name = format!("{}/private/alpine:3.10", reg.host());

    let (o, v) = scan(
        &db,
        &dir.path().join("c1"),
        &name,
        false,
        &["--username", USER, "--password", PASSWORD],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count_packages(&v), 14);

    let env = [("TOLLGATE_USERNAME", USER), ("TOLLGATE_PASSWORD", PASSWORD)];
    let (o, v) = scan(&db, &dir.path().join("c2"), &name, false, &[], &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count_packages(&v), 14);

    let docker = dir.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    let auth = STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let cfg = json!({"auths": {reg.host(): {"auth": auth}}});
    std::fs::write(docker.join("config.json"), cfg.to_string()).unwrap();
    let (o, v) = scan(
        &db,
        &dir.path().join("c3"),
        &name,
        false,
        &[],
        &[("DOCKER_CONFIG", docker.to_str().unwrap())],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count_packages(&v), 14);

    let (o, _) = scan(
        &db,
        &dir.path().join("c4"),
        &name,
        false,
        &["--username", USER, "--password", "wrong"],
        &[],
    );
    let e = error_line(&o);
    assert!(
        e.contains("denied") && e.contains("with the credentials given"),
        "{e}"
    );
    assert!(e.contains("--username/--password"), "{e}");

    let (o, _) = scan(&db, &dir.path().join("c5"), &name, false, &[], &[]);
    let e = error_line(&o);
    assert!(e.contains("asks for a user name and password"), "{e}");
}

/// A token server for the bearer flow: checks basic credentials and signs an ES256 JWT whose
/// `x5c` certificate the registry trusts.
fn start_token_server(dir: &Path) -> (String, PathBuf) {
    need("openssl");
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    run_ok(
        Command::new("openssl")
            .args([
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
            ])
            .arg(&key),
    );
    let p8 = run_ok(
        Command::new("openssl")
            .args(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in"])
            .arg(&key),
    )
    .stdout;
    run_ok(
        Command::new("openssl")
            .args([
                "req",
                "-new",
                "-x509",
                "-days",
                "2",
                "-subj",
                "/CN=tollgate-test-token",
                "-key",
            ])
            .arg(&key)
            .arg("-out")
            .arg(&cert),
    );
    let der = run_ok(
        Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&cert),
    )
    .stdout;
    let rng = ring::rand::SystemRandom::new();
    let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &p8,
        &rng,
    )
    .expect("test key");
    let pair = Arc::new(pair);
    let x5c = STANDARD.encode(der);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let realm = format!("http://{}/token", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer_token(stream, &pair, &rng, &x5c);
        }
    });
    (realm, cert)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn answer_token(
    stream: TcpStream,
    pair: &ring::signature::EcdsaKeyPair,
    rng: &ring::rand::SystemRandom,
    x5c: &str,
) -> std::io::Result<()> {
    let mut r = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut authorized = false;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                let want = format!("Basic {}", STANDARD.encode(format!("{USER}:{PASSWORD}")));
                authorized = v.trim() == want;
            }
        }
    }
    let mut w = stream;
    if !authorized {
        let body = r#"{"details":"wrong user name or password"}"#;
        write!(w, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
        return Ok(());
    }
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let mut access = Vec::new();
    for kv in query.split('&') {
        if let Some(scope) = kv.strip_prefix("scope=") {
            let scope = percent_decode(scope);
            for one in scope.split(' ') {
                let parts: Vec<&str> = one.splitn(2, ':').collect();
                if parts.len() == 2 && parts[0] == "repository" {
                    if let Some((name, actions)) = parts[1].rsplit_once(':') {
                        access.push(json!({"type": "repository", "name": name, "actions": actions.split(',').collect::<Vec<_>>()}));
                    }
                }
            }
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = json!({"alg": "ES256", "typ": "JWT", "x5c": [x5c]});
    let claims = json!({"iss": ISSUER, "sub": USER, "aud": SERVICE, "exp": now + 600, "nbf": now - 10, "iat": now, "jti": format!("{now}-{}", access.len()), "access": access});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = pair.sign(rng, signing_input.as_bytes()).expect("sign");
    let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
    let body = json!({"token": token, "access_token": token, "expires_in": 600}).to_string();
    write!(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
    Ok(())
}

#[test]
fn token_auth_registry_and_wrong_password() {
    let tokens = tempfile::tempdir().unwrap();
    let (realm, cert) = start_token_server(tokens.path());
    let reg = Registry::start(Auth::Token {
        realm: realm.clone(),
        cert,
    });
    reg.push_archive(
        "testdata/images/trivy/alpine-310.tar.gz",
        "team/alpine:3.10",
    );
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let name = format!("{}/team/alpine:3.10", reg.host());
    let (o, v) = scan(
        &db,
        &dir.path().join("c1"),
        &name,
        false,
        &["--username", USER, "--password", PASSWORD, "--debug"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count_packages(&v), 14);
    assert!(
        stderr(&o).contains("(token for repository:team/alpine:pull) -> 200"),
        "{}",
        stderr(&o)
    );

    let (o, _) = scan(
        &db,
        &dir.path().join("c2"),
        &name,
        false,
        &["--username", USER, "--password", "wrong"],
        &[],
    );
    let e = error_line(&o);
    assert!(e.contains(&realm) && e.contains("wrong credentials"), "{e}");
    assert!(e.contains("--username/--password"), "{e}");
}

/// Pushes a hand-made DB artifact (for the bad-artifact cases).
fn push_artifact(client: &Client, r: &Reference, config: &Value, layer: &[u8]) {
    let cfg = config.to_string().into_bytes();
    let cd = tollgate_registry::sha256_digest(&cfg);
    let ld = tollgate_registry::sha256_digest(layer);
    client.push_blob(r, &cd, Body::Bytes(&cfg)).unwrap();
    client.push_blob(r, &ld, Body::Bytes(layer)).unwrap();
    let m = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": tollgate_db::distribute::ARTIFACT_TYPE,
        "config": {"mediaType": tollgate_db::distribute::CONFIG_MEDIA_TYPE, "digest": cd, "size": cfg.len()},
        "layers": [{"mediaType": tollgate_db::distribute::LAYER_MEDIA_TYPE, "digest": ld, "size": layer.len()}],
    });
    client
        .push_manifest(
            r,
            r.manifest_ref(),
            "application/vnd.oci.image.manifest.v1+json",
            m.to_string().as_bytes(),
        )
        .unwrap();
}

#[test]
fn db_push_then_update_into_a_clean_cache_then_offline_scan() {
    let reg = Registry::start(Auth::None);
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let good = format!("{}/tollgate/db:1", reg.host());
    let o = tollgate(&["db", "push", &db, &good], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("pushed"), "{}", stderr(&o));

    // The first repository does not exist: the next one is tried.
    let cache = dir.path().join("cache");
    let repos = format!("{}/tollgate/missing:1,{good}", reg.host());
    let o = tollgate(
        &[
            "db",
            "update",
            "--db-repository",
            &repos,
            "--cache-dir",
            cache.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("DB updated from"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("tried the next repository"),
        "{}",
        stderr(&o)
    );
    let pulled = std::fs::read(cache.join("db/tollgate.db")).unwrap();
    assert_eq!(
        pulled,
        std::fs::read(Path::new(&db).join("tollgate.db")).unwrap()
    );
    // Nothing but the DB and its marker is left beside it.
    let mut names: Vec<String> = std::fs::read_dir(cache.join("db"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["artifact.json", "tollgate.db"]);

    let o = tollgate(
        &[
            "db",
            "update",
            "--db-repository",
            &good,
            "--cache-dir",
            cache.to_str().unwrap(),
            "--debug",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("is already"), "{}", stderr(&o));
    assert_eq!(
        registry_requests(&o),
        2,
        "manifest and config only: {}",
        stderr(&o)
    );

    // Offline scan with the pulled DB (default DB location in the cache dir).
    let out = dir.path().join("report.json");
    let o = tollgate(
        &[
            "image",
            "--input",
            "testdata/images/alpine/alpine-3.7.3.tar.gz",
            "--cache-dir",
            cache.to_str().unwrap(),
            "--skip-db-update",
            "--offline-scan",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(report.contains("CVE-2019-14697"), "{report}");

    // Bad artifacts: the old DB stays in place, byte for byte, and nothing partial is left.
    let client = Client::new(ClientOptions::default());
    let packed = zstd::encode_all(pulled.as_slice(), 3).unwrap();
    let digest = tollgate_registry::sha256_digest(&pulled);
    let cases = [
        (
            "schema",
            json!({"schemaVersion": 99, "dbDigest": digest, "dbSize": pulled.len()}),
            "holds a DB of schema 99, this tollgate reads schema 1",
        ),
        (
            "digest",
            json!({"schemaVersion": 1, "dbDigest": format!("sha256:{}", "0".repeat(64)), "dbSize": pulled.len()}),
            "file digest mismatch",
        ),
    ];
    for (tag, config, message) in cases {
        let r = Reference::parse(&format!("{}/tollgate/db:{tag}", reg.host())).unwrap();
        push_artifact(&client, &r, &config, &packed);
        let o = tollgate(
            &[
                "db",
                "update",
                "--db-repository",
                &r.to_string(),
                "--cache-dir",
                cache.to_str().unwrap(),
            ],
            &[],
        );
        let e = error_line(&o);
        assert!(e.contains(message), "{e}");
        assert_eq!(std::fs::read(cache.join("db/tollgate.db")).unwrap(), pulled);
        assert_eq!(std::fs::read_dir(cache.join("db")).unwrap().count(), 2);
    }
    // An image is not a DB.
    let o = tollgate(&["db", "push", "/nonexistent-db", &good], &[]);
    assert!(error_line(&o).contains("no advisory DB"));
}

/// A one-route HTTP server that answers every connection with `respond`.
fn fake_server(respond: fn(TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || respond(s));
        }
    });
    port
}

#[test]
fn bad_input_gives_one_line_errors() {
    let reg = Registry::start(Auth::None);
    reg.push_archive("testdata/images/trivy/alpine-310.tar.gz", "alpine:3.10");
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path());
    let c = dir.path().join("c");

    let (o, _) = scan(
        &db,
        &c,
        &format!("{}/alpine:9.9", reg.host()),
        false,
        &[],
        &[],
    );
    let e = error_line(&o);
    assert!(
        e.contains("alpine:9.9")
            && e.contains("not found")
            && e.contains("check the image name and tag"),
        "{e}"
    );
    let (o, _) = scan(
        &db,
        &c,
        &format!("{}/nosuch/image", reg.host()),
        false,
        &[],
        &[],
    );
    assert!(error_line(&o).contains("not found"));
    let (o, _) = scan(&db, &c, "Not_A/Valid:ref:", false, &[], &[]);
    assert!(error_line(&o).contains("invalid image reference"));

    // Connection refused, reset, and a registry that never answers.
    let closed = free_port();
    let (o, _) = scan(
        &db,
        &c,
        &format!("127.0.0.1:{closed}/alpine"),
        false,
        &[],
        &[],
    );
    let e = error_line(&o);
    assert!(
        e.contains("check that the registry is reachable") && e.contains("4 attempts"),
        "{e}"
    );
    let reset = fake_server(drop);
    let (o, _) = scan(
        &db,
        &c,
        &format!("127.0.0.1:{reset}/alpine"),
        false,
        &[],
        &[],
    );
    assert!(error_line(&o).contains("check that the registry is reachable"));
    let silent = fake_server(|s| {
        std::thread::sleep(Duration::from_secs(30));
        drop(s)
    });
    let started = Instant::now();
    let (o, _) = scan(
        &db,
        &c,
        &format!("127.0.0.1:{silent}/alpine"),
        false,
        &["--timeout", "1s"],
        &[],
    );
    let e = error_line(&o);
    assert!(e.contains("timed out") || e.contains("Timeout"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(20));
    let (o, _) = scan(
        &db,
        &c,
        &format!("{}/alpine:3.10", reg.host()),
        false,
        &["--timeout", "soon"],
        &[],
    );
    assert!(error_line(&o).contains("--timeout"));

    // A registry whose blobs do not match their digests: the config of tag `config`, the
    // layer of tag `layer` (an empty tar announced under another digest).
    let bad = fake_server(|s| {
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut line = String::new();
        let _ = r.read_line(&mut line);
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                break;
            }
        }
        let layer = vec![0u8; 1024];
        let wrong = format!("sha256:{}", "1".repeat(64));
        let config = json!({"os": "linux", "architecture": "amd64",
            "rootfs": {"type": "layers", "diff_ids": [tollgate_registry::sha256_digest(&layer)]}})
        .to_string();
        let config_digest = tollgate_registry::sha256_digest(config.as_bytes());
        let manifest = |config: &str, layer: &str| {
            json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
                   "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": 1024}]})
            .to_string()
        };
        let body = if line.contains("/manifests/config") {
            manifest(&wrong, &wrong).into_bytes()
        } else if line.contains("/manifests/layer") {
            manifest(&config_digest, &wrong).into_bytes()
        } else if line.contains(&config_digest) {
            config.into_bytes()
        } else if line.contains("/blobs/") {
            layer
        } else {
            b"{}".to_vec()
        };
        let mut w = s;
        let _ = write!(w, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        let _ = w.write_all(&body);
        let _ = w.flush();
        let mut rest = Vec::new();
        let _ = r.read_to_end(&mut rest);
    });
    let (o, _) = scan(
        &db,
        &c,
        &format!("127.0.0.1:{bad}/alpine:layer"),
        false,
        &[],
        &[],
    );
    let err = stderr(&o);
    assert!(
        err.contains("layer 1 (sha256:1111") && err.contains("digest mismatch"),
        "{err}"
    );
    let (o, _) = scan(
        &db,
        &c,
        &format!("127.0.0.1:{bad}/alpine:config"),
        false,
        &[],
        &[],
    );
    let e = error_line(&o);
    assert!(
        e.contains("digest mismatch") && e.contains("the registry or a proxy altered it"),
        "{e}"
    );
}
