//! `tollgate server`: a scan service and Kubernetes admission webhook over HTTP(S).
//!
//! One process holds the advisory DB path, the layer cache and the results (by image
//! digest); scans run in a bounded background queue, so the admission path never waits
//! longer than the policy's deadline. Images are reached through a [`resolve::Resolver`]
//! (today an image directory; a registry client plugs in the same way).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, RawQuery, State as AxState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_rustls::rustls;

pub mod admission;
pub mod events;
pub mod metrics;
pub mod policy;
pub mod resolve;
pub mod scan;
pub mod scanner;
pub mod store;
pub mod tls;

use metrics::Metrics;
use policy::Policy;
use resolve::{Reference, Resolver};
use scanner::Scanner;
use store::Store;

/// Largest request body accepted; Kubernetes objects are at most ~1.5 MB.
const BODY_LIMIT: usize = 4 << 20;

/// What a running server shares between requests.
pub struct State {
    /// The admission policy.
    pub policy: Policy,
    /// Results by digest.
    pub store: Arc<Store>,
    /// The scan queue.
    pub scanner: Arc<Scanner>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    db_dir: PathBuf,
    scan_timeout: Duration,
}

/// How to run a server.
pub struct Config {
    /// Address to listen on (port 0 picks one).
    pub listen: SocketAddr,
    /// TLS, or plain HTTP when `None`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The advisory DB directory.
    pub db_dir: PathBuf,
    /// Layer cache and stored results go under it.
    pub cache_dir: PathBuf,
    /// Where images come from.
    pub resolver: Arc<dyn Resolver>,
    /// The admission policy.
    pub policy: Policy,
    /// Scans at once.
    pub scan_workers: usize,
    /// Scans queued or running before requests get 429.
    pub queue_size: usize,
    /// How long `POST /v1/scan` waits for a scan before answering 504.
    pub scan_timeout: Duration,
    /// Results held in memory (the rest are read back from disk on demand).
    pub max_reports_in_memory: usize,
}

/// A server accepting connections until [`Running::shutdown`] or until dropped with its runtime.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Checks the DB, opens the stores, binds and starts serving in the background.
pub async fn start(cfg: Config) -> Result<Running> {
    tollgate_db::store::Db::open(&cfg.db_dir).with_context(|| {
        format!(
            "advisory DB in {}: build one with `tollgate db build --output {}`",
            cfg.db_dir.display(),
            cfg.db_dir.display()
        )
    })?;
    let store = Arc::new(
        Store::open(&cfg.cache_dir, cfg.max_reports_in_memory).with_context(|| {
            format!(
                "--cache-dir {}: cannot create the report store",
                cfg.cache_dir.display()
            )
        })?,
    );
    let layer_cache = match tollgate_scan::LayerCache::open(&cfg.cache_dir) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!(
                "tollgate: warning: layer cache {} unusable ({e}): scanning without it",
                cfg.cache_dir.display()
            );
            None
        }
    };
    let metrics = Arc::new(Metrics::default());
    let scanner = Arc::new(Scanner::new(
        cfg.resolver,
        store.clone(),
        cfg.db_dir.clone(),
        layer_cache,
        cfg.scan_workers,
        cfg.queue_size,
        metrics.clone(),
    ));
    let state = Arc::new(State {
        policy: cfg.policy,
        store,
        scanner,
        metrics,
        db_dir: cfg.db_dir,
        scan_timeout: cfg.scan_timeout,
    });
    let listener = TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("--listen {}: cannot bind", cfg.listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let app = router(state);
    let task = tokio::spawn(accept_loop(listener, cfg.tls, app, stopped));
    Ok(Running { addr, stop, task })
}

/// The HTTP routes.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/v1/scan", post(scan_handler))
        .route("/v1/reports/{digest}", get(report_handler))
        .route("/v1/admit", post(admit_handler))
        .route("/v1/registry-events", post(events_handler))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = stopped.changed() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    eprintln!("tollgate: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                Some(a) => {
                    match tokio::time::timeout(Duration::from_secs(10), a.accept(tcp)).await {
                        Ok(Ok(s)) => serve_conn(s, app).await,
                        Ok(Err(e)) => eprintln!("tollgate: TLS handshake with {peer} failed: {e}"),
                        Err(_) => eprintln!("tollgate: TLS handshake with {peer} timed out"),
                    }
                }
                None => serve_conn(tcp, app).await,
            }
        });
    }
}

async fn serve_conn<I>(io: I, app: Router)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper_util::service::TowerToHyperService::new(app);
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        // A client that never finishes its headers does not hold a task forever.
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(hyper_util::rt::TokioIo::new(io), svc)
        .await;
}

fn json_response(code: u16, body: serde_json::Value) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

fn error(code: StatusCode, msg: impl Into<String>) -> Response {
    (code, axum::Json(json!({ "error": msg.into() }))).into_response()
}

async fn readyz(AxState(s): AxState<Arc<State>>) -> Response {
    let db = s.db_dir.join(tollgate_db::store::DB_FILE);
    if db.is_file() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("advisory DB {} is missing\n", db.display()),
        )
            .into_response()
    }
}

fn db_age(db_dir: &Path) -> Option<Duration> {
    let meta = tollgate_db::store::Db::open(db_dir).ok()?.metadata();
    let built = time::OffsetDateTime::parse(
        &meta.built_at,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()?;
    (time::OffsetDateTime::now_utc() - built).try_into().ok()
}

async fn metrics_text(AxState(s): AxState<Arc<State>>) -> Response {
    let dir = s.db_dir.clone();
    let age = tokio::task::spawn_blocking(move || db_age(&dir))
        .await
        .ok()
        .flatten();
    let body = s
        .metrics
        .render(s.scanner.queued(), s.store.len_in_memory(), age);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        body,
    )
        .into_response()
}

/// `POST /v1/scan` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanRequest {
    /// Image reference.
    image: String,
    /// Severities to report (empty: all).
    #[serde(default)]
    severity: Vec<String>,
    /// Only findings with a fixed version.
    #[serde(default)]
    ignore_unfixed: bool,
}

async fn scan_handler(AxState(s): AxState<Arc<State>>, body: Bytes) -> Response {
    let req: ScanRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                "expected {{\"image\": REF, \"severity\": [..], \"ignore_unfixed\": bool}}: {e}"
            ),
            )
        }
    };
    let mut severities = Vec::new();
    for x in &req.severity {
        match tollgate_db::Severity::parse(x) {
            Some(v) => severities.push(v),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("severity {x:?}: use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL"),
                )
            }
        }
    }
    let Some(r) = Reference::parse(&req.image) else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("image {:?} is not an image reference", req.image),
        );
    };
    let digest = match s.scanner.resolver().resolve(&r) {
        Ok(d) => d,
        Err(e @ resolve::ResolveError::Unavailable(_)) => {
            return error(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
        Err(e) => return error(StatusCode::NOT_FOUND, e.to_string()),
    };
    let (entry, cache) = match s.store.get(&digest) {
        Some(e) => {
            s.metrics.cache_hits.fetch_add(1, Relaxed);
            (e, "hit")
        }
        None => {
            s.metrics.cache_misses.fetch_add(1, Relaxed);
            let Ok(p) = s.scanner.submit(&r, &digest) else {
                let mut resp = error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "the scan queue is full: retry later",
                );
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                return resp;
            };
            match scanner::wait(p, s.scan_timeout).await {
                Some(Ok(e)) => (e, "miss"),
                Some(Err(e)) => {
                    return error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("scan of {} failed: {e}", r.canonical()),
                    )
                }
                None => {
                    return error(
                        StatusCode::GATEWAY_TIMEOUT,
                        format!(
                            "the scan of {} is still running: GET /v1/reports/{digest} later",
                            r.canonical()
                        ),
                    )
                }
            }
        }
    };
    let body = store::filter_report(&entry.json, &severities, req.ignore_unfixed);
    let mut resp = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&digest) {
        h.insert("x-tollgate-digest", v);
    }
    h.insert("x-tollgate-cache", HeaderValue::from_static(cache));
    resp
}

async fn report_handler(
    AxState(s): AxState<Arc<State>>,
    UrlPath(digest): UrlPath<String>,
) -> Response {
    if !resolve::is_digest(&digest) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("{digest:?} is not a digest: expected sha256: and 64 lower-case hex digits"),
        );
    }
    match s.store.get(&digest) {
        Some(e) => {
            s.metrics.cache_hits.fetch_add(1, Relaxed);
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                e.json.as_ref().clone(),
            )
                .into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            format!("no report for {digest}: POST /v1/scan to scan it"),
        ),
    }
}

async fn admit_handler(
    AxState(s): AxState<Arc<State>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    // The API server calls `PATH?timeout=5s`; anything unreadable there is ignored.
    let api_timeout = query.as_deref().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("timeout="))
            .and_then(policy::parse_duration)
    });
    let (code, v) = admission::admit(&s, &body, api_timeout).await;
    json_response(code, v)
}

async fn events_handler(AxState(s): AxState<Arc<State>>, body: Bytes) -> Response {
    let (code, v) = events::receive(&s, &body);
    json_response(code, v)
}

/// `tollgate server` flags.
#[derive(clap::Args, Debug)]
pub struct ServerArgs {
    /// Address to listen on (Trivy's flag).
    #[arg(long, default_value = "127.0.0.1:4954")]
    pub listen: String,
    /// PEM certificate chain: serve HTTPS (required by Kubernetes for webhooks).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Advisory DB directory (default: CACHE_DIR/db).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Cache directory: layer cache and stored reports.
    #[arg(long, env = "TOLLGATE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Directory of images with an `images.yaml` index mapping references to archives or
    /// OCI layouts (registry resolution is not available yet).
    #[arg(long)]
    pub image_dir: Option<PathBuf>,
    /// Admission policy YAML (default: deny CRITICAL and KEV findings, warn on unscanned).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Scans at once.
    #[arg(long, default_value_t = 2)]
    pub scan_workers: usize,
    /// Scans queued or running before new scan requests get 429.
    #[arg(long, default_value_t = 32)]
    pub queue_size: usize,
    /// Seconds `POST /v1/scan` waits for a scan before answering 504.
    #[arg(long, default_value_t = 300)]
    pub scan_timeout: u64,
    /// Scan results held in memory; older ones are read back from the cache directory.
    #[arg(long, default_value_t = 2000)]
    pub max_reports_in_memory: usize,
}

/// Runs `tollgate server` until SIGINT or SIGTERM.
pub fn run(a: ServerArgs, cache_dir: PathBuf, db_dir: PathBuf) -> Result<u8> {
    let listen: SocketAddr = a.listen.parse().with_context(|| {
        format!(
            "--listen {:?}: expected ADDRESS:PORT, e.g. 0.0.0.0:4954",
            a.listen
        )
    })?;
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some(tls::server_config(c, k)?),
        _ => None,
    };
    let policy = match &a.policy {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("--policy {}: cannot read it", p.display()))?;
            Policy::parse(&p.display().to_string(), &text)?
        }
        None => Policy::default(),
    };
    let resolver: Arc<dyn Resolver> = match &a.image_dir {
        Some(d) => {
            let dir = resolve::ImageDir::open(d)?;
            eprintln!(
                "tollgate: {} image reference(s) from {}",
                dir.len(),
                d.display()
            );
            Arc::new(dir)
        }
        None => {
            eprintln!("tollgate: warning: no --image-dir: every image is unscanned (registry resolution is not available yet)");
            Arc::new(resolve::NoImages)
        }
    };
    let cfg = Config {
        listen,
        tls: tls.clone(),
        db_dir,
        cache_dir,
        resolver,
        policy,
        scan_workers: a.scan_workers,
        queue_size: a.queue_size,
        scan_timeout: Duration::from_secs(a.scan_timeout),
        max_reports_in_memory: a.max_reports_in_memory,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let running = start(cfg).await?;
        eprintln!(
            "tollgate: listening on {}://{}",
            if tls.is_some() { "https" } else { "http" },
            running.addr
        );
        shutdown_signal().await;
        eprintln!("tollgate: shutting down");
        running.shutdown().await;
        Ok(0)
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `tollgate cert` flags.
#[derive(clap::Args, Debug)]
pub struct CertArgs {
    /// Directory to write ca.crt, ca.key, tls.crt and tls.key into (created if missing).
    #[arg(long)]
    pub out_dir: PathBuf,
    /// The webhook's Service name.
    #[arg(long, default_value = "tollgate")]
    pub service: String,
    /// The Service's namespace.
    #[arg(long, default_value = "tollgate")]
    pub namespace: String,
    /// More names (DNS or IP) for the serving certificate; repeatable.
    #[arg(long = "san")]
    pub sans: Vec<String>,
    /// Days the serving certificate is valid.
    #[arg(long, default_value_t = 365)]
    pub days: i64,
    /// Days the CA is valid.
    #[arg(long, default_value_t = 3650)]
    pub ca_days: i64,
    /// A ValidatingWebhookConfiguration YAML whose `caBundle:` values are set in place.
    #[arg(long)]
    pub patch: Option<PathBuf>,
}

/// Runs `tollgate cert`: prints the base64 CA bundle on standard output.
pub fn run_cert(a: &CertArgs) -> Result<u8> {
    use base64::Engine;
    if a.days <= 0 || a.ca_days < a.days {
        anyhow::bail!("--days must be positive and at most --ca-days");
    }
    let mut names = tls::service_names(&a.service, &a.namespace);
    names.extend(a.sans.iter().cloned());
    let b = tls::generate(&names, a.days, a.ca_days)?;
    std::fs::create_dir_all(&a.out_dir)
        .with_context(|| format!("--out-dir {}: cannot create it", a.out_dir.display()))?;
    for (file, text, secret) in [
        ("ca.crt", &b.ca_cert, false),
        ("ca.key", &b.ca_key, true),
        ("tls.crt", &b.cert, false),
        ("tls.key", &b.key, true),
    ] {
        write_file(&a.out_dir.join(file), text.as_bytes(), secret)?;
    }
    let bundle = base64::engine::general_purpose::STANDARD.encode(b.ca_cert.as_bytes());
    if let Some(p) = &a.patch {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("--patch {}: cannot read it", p.display()))?;
        let (patched, n) = tls::patch_ca_bundle(&text, &bundle);
        if n == 0 {
            anyhow::bail!(
                "--patch {}: no `caBundle:` key in it; add `caBundle: \"\"` under each webhook's clientConfig",
                p.display()
            );
        }
        write_file(p, patched.as_bytes(), false)?;
        eprintln!("tollgate: set {n} caBundle value(s) in {}", p.display());
    }
    eprintln!(
        "tollgate: wrote ca.crt, ca.key, tls.crt, tls.key to {} for {}",
        a.out_dir.display(),
        names.join(", ")
    );
    println!("{bundle}");
    Ok(0)
}

fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = o
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // `mode` applies only to a new file: an old key file keeps its bits unless reset here.
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    std::io::Write::write_all(&mut f, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}
