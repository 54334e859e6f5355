//! `tollgate server` and `tollgate cert` through the binary: flags, errors, a real socket,
//! and a clean exit on SIGTERM.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use common::{build_db_from, code, root, stderr, tollgate};

fn build_db(dir: &std::path::Path) -> String {
    build_db_from(dir, &["nvd=testdata/advisories/nvd"])
}

#[test]
fn cert_writes_a_ca_and_serving_cert_and_patches_the_webhook() {
    let tmp = tempfile::tempdir().unwrap();
    let hook = tmp.path().join("webhook.yaml");
    std::fs::copy(root().join("deploy/webhook.yaml"), &hook).unwrap();
    let out = tmp.path().join("certs");
    let o = tollgate(&[
        "cert",
        "--out-dir",
        out.to_str().unwrap(),
        "--patch",
        hook.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let bundle = String::from_utf8(o.stdout.clone()).unwrap();
    let bundle = bundle.trim();
    assert!(bundle.len() > 100 && !bundle.contains(char::is_whitespace));
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains(&format!("caBundle: {bundle}")));
    for f in ["ca.crt", "tls.crt"] {
        let pem = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{f}");
    }
    assert!(stderr(&o).contains("tollgate.tollgate.svc"));
}

#[test]
fn server_refuses_a_bad_setup_with_one_clear_line() {
    let tmp = tempfile::tempdir().unwrap();
    let db = build_db(tmp.path());
    let cache = tmp.path().join("cache");
    let cache = cache.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--db", "/nonexistent/db", "--cache-dir", cache],
            "tollgate db build",
        ),
        (
            vec!["--db", &db, "--cache-dir", cache, "--listen", "nowhere"],
            "--listen \"nowhere\": expected ADDRESS:PORT",
        ),
        (
            vec!["--db", &db, "--cache-dir", cache, "--image-dir", cache],
            "no images.yaml or images.json index",
        ),
        (
            vec!["--db", &db, "--cache-dir", cache, "--policy", "Cargo.toml"],
            "policy Cargo.toml",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["server"];
        all.extend(args.iter().copied());
        let o = tollgate(&all);
        assert_eq!(code(&o), 2, "{all:?}");
        let e = stderr(&o);
        assert!(e.contains(want), "{all:?}: {e}");
        assert!(!e.contains("panicked"), "{e}");
    }
    let o = tollgate(&["server", "--tls-cert", "x.pem"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--tls-key"), "{}", stderr(&o));
}

#[test]
fn server_answers_on_a_socket_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let db = build_db(tmp.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db,
            "--cache-dir",
        ])
        .arg(tmp.path().join("cache"))
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut seen = String::new();
    for _ in 0..10 {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
        if let Some(a) = line.trim().strip_prefix("tollgate: listening on http://") {
            addr = Some(a.to_string());
            break;
        }
    }
    let Some(addr) = addr else {
        let _ = child.kill();
        panic!("server did not start: {seen}");
    };
    let get = |path: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: tollgate\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).unwrap();
        buf
    };
    let health = get("/healthz");
    let ready = get("/readyz");
    let metrics = get("/metrics");
    // An image with no image directory configured: a defined answer naming what to do.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    let body = r#"{"image":"registry.example/app:1.0"}"#;
    write!(
        s,
        "POST /v1/scan HTTP/1.1\r\nHost: tollgate\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut scan = String::new();
    s.read_to_string(&mut scan).unwrap();

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();

    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok\n"),
        "{health}"
    );
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(metrics.contains("tollgate_db_age_seconds "), "{metrics}");
    assert!(scan.starts_with("HTTP/1.1 503"), "{scan}");
    assert!(scan.contains("--image-dir"), "{scan}");
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(rest.contains("shutting down"), "{rest}");
}
