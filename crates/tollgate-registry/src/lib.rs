//! A synchronous client for OCI distribution registries (Docker Registry HTTP API v2).
//!
//! Anonymous, basic and bearer-token auth (the `WWW-Authenticate` challenge flow), credentials
//! from flags or `~/.docker/config.json`, plain HTTP for loopback registries, retries with
//! backoff on 429/5xx/connection errors, digests checked on everything read whole. Layer blobs
//! are handed out as streams; their digests are checked by whoever reads them to the end.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest, Sha256};

mod auth;
pub mod reference;

pub use auth::Credentials;
pub use reference::Reference;

/// Manifest media types asked for, in order of preference.
pub const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// Manifests bigger than this are refused (the distribution spec suggests 4 MiB).
pub const MAX_MANIFEST: u64 = 4 << 20;

/// What can go wrong talking to a registry; each message is one line saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The reference cannot be parsed.
    #[error("invalid image reference '{input}': {reason}")]
    InvalidReference { input: String, reason: String },
    /// The registry has no such repository, tag or blob.
    #[error("{what}: not found in the registry (HTTP 404): check the image name and tag")]
    NotFound { what: String },
    /// Credentials were refused or are needed.
    #[error("{host}: {reason}: check --username/--password (or TOLLGATE_USERNAME/TOLLGATE_PASSWORD, or `docker login {host}`)")]
    Unauthorized { host: String, reason: String },
    /// Connection refused, reset, timed out, DNS...
    #[error("{url}: {reason}: check that the registry is reachable (raise --timeout for a slow one; use --insecure for a plain-HTTP registry)")]
    Network { url: String, reason: String },
    /// Any other HTTP error status.
    #[error("{url}: HTTP {status}{body}")]
    Http {
        url: String,
        status: u16,
        body: String,
    },
    /// Content does not hash to the digest that names it.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}: the registry or a proxy altered it; retry, or tell the registry's operator")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    /// A response that is not what the API promises.
    #[error("{what}: {reason}")]
    Invalid { what: String, reason: String },
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// How the client connects and authenticates.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Credentials for every registry (flags or environment); else `~/.docker/config.json`.
    pub credentials: Option<Credentials>,
    /// Plain HTTP for every registry, not only loopback ones.
    pub insecure: bool,
    /// Connect and per-read timeout.
    pub timeout: Duration,
    /// Retries after the first attempt on 429, 5xx and connection errors.
    pub retries: u32,
    /// First backoff delay; doubled on each retry.
    pub backoff: Duration,
    /// Print each request to stderr.
    pub debug: bool,
    /// Docker's config file (default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`).
    pub docker_config: Option<PathBuf>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            credentials: None,
            insecure: false,
            timeout: Duration::from_secs(60),
            retries: 3,
            backoff: Duration::from_millis(250),
            debug: false,
            docker_config: None,
        }
    }
}

/// What a request sends as its body.
pub enum Body<'a> {
    /// Nothing.
    Empty,
    /// Bytes in memory.
    Bytes(&'a [u8]),
    /// A file, re-opened on each attempt.
    File(&'a Path),
}

/// A manifest or index as fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The raw bytes (what the digest covers).
    pub data: Vec<u8>,
    /// `Content-Type`, or the document's own `mediaType`.
    pub media_type: String,
    /// `sha256:` of `data`.
    pub digest: String,
}

/// A registry client; cheap to share between threads (tokens are cached per repository).
pub struct Client {
    agent: ureq::Agent,
    opts: ClientOptions,
    /// `host repo actions` -> Authorization header value.
    auth: Mutex<HashMap<String, String>>,
    requests: AtomicU64,
}

/// `sha256:` digest of bytes.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// A reader that hashes what it reads, for callers that check a digest at the end.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    /// Bytes read so far.
    pub count: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }
    /// The `sha256:` digest of everything read.
    pub fn digest(self) -> String {
        format!("sha256:{}", hex::encode(self.hasher.finalize()))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

impl Client {
    /// A client with these options.
    pub fn new(opts: ClientOptions) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(opts.timeout)
            .timeout_read(opts.timeout)
            .timeout_write(opts.timeout)
            .user_agent(concat!("tollgate/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent,
            opts,
            auth: Mutex::new(HashMap::new()),
            requests: AtomicU64::new(0),
        }
    }

    /// HTTP requests sent so far (token requests and retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn base(&self, r: &Reference) -> String {
        let scheme = if self.opts.insecure || r.is_loopback() {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{}", r.api_host())
    }

    /// Sends one request to `r`'s registry (`path` from `/v2/...`, or an absolute URL the
    /// registry gave), authenticating on a 401 challenge and retrying transient failures.
    /// Statuses >= 400 come back as errors; 404 as [`RegistryError::NotFound`] naming `what`.
    #[allow(clippy::too_many_arguments)] // each is one part of the HTTP request
    pub fn send(
        &self,
        r: &Reference,
        push: bool,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
        what: &str,
    ) -> Result<ureq::Response, RegistryError> {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base(r))
        };
        let actions = if push { "pull,push" } else { "pull" };
        let key = format!("{} {} {actions}", r.api_host(), r.repository);
        let mut authorization = self.auth.lock().ok().and_then(|m| m.get(&key).cloned());
        let mut challenged = false;
        let mut attempt = 0;
        loop {
            let mut req = self.agent.request(method, &url);
            for (k, v) in headers {
                req = req.set(k, v);
            }
            if let Some(a) = &authorization {
                req = req.set("Authorization", a);
            }
            let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
            let res = match &body {
                Body::Empty => req.call(),
                Body::Bytes(b) => req.send_bytes(b),
                Body::File(p) => {
                    let f = std::fs::File::open(p).map_err(|e| RegistryError::Io {
                        path: p.display().to_string(),
                        source: e,
                    })?;
                    req.send(f)
                }
            };
            if self.opts.debug {
                let status = match &res {
                    Ok(resp) => resp.status().to_string(),
                    Err(ureq::Error::Status(s, _)) => s.to_string(),
                    Err(e) => e.to_string(),
                };
                eprintln!("tollgate: debug: registry request {n}: {method} {url} -> {status}");
            }
            let retry = match res {
                Ok(resp) => return Ok(resp),
                Err(ureq::Error::Status(401, resp)) if !challenged => {
                    challenged = true;
                    let challenge = resp.header("www-authenticate").unwrap_or("").to_string();
                    let a = self.authorize(r, actions, &challenge)?;
                    if let Ok(mut m) = self.auth.lock() {
                        m.insert(key.clone(), a.clone());
                    }
                    authorization = Some(a);
                    continue;
                }
                Err(ureq::Error::Status(s @ (401 | 403), resp)) => {
                    let detail = error_detail(resp);
                    return Err(RegistryError::Unauthorized {
                        host: r.registry.clone(),
                        reason: if authorization.is_some() {
                            format!("access to {} {actions} denied (HTTP {s}{detail}) with the credentials given", r.repository)
                        } else {
                            format!("authentication required (HTTP {s}{detail})")
                        },
                    });
                }
                Err(ureq::Error::Status(404, _)) => {
                    return Err(RegistryError::NotFound {
                        what: what.to_string(),
                    })
                }
                Err(ureq::Error::Status(s, resp)) if s == 429 || s >= 500 => {
                    let wait = resp
                        .header("retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(|s| Duration::from_secs(s.min(30)));
                    if attempt >= self.opts.retries {
                        return Err(RegistryError::Http {
                            url,
                            status: s,
                            body: format!("{} after {} attempts", error_detail(resp), attempt + 1),
                        });
                    }
                    wait
                }
                Err(ureq::Error::Status(s, resp)) => {
                    return Err(RegistryError::Http {
                        url,
                        status: s,
                        body: error_detail(resp),
                    })
                }
                Err(ureq::Error::Transport(t)) => {
                    if attempt >= self.opts.retries {
                        return Err(RegistryError::Network {
                            url,
                            reason: format!(
                                "{} after {} attempts",
                                transport_reason(&t),
                                attempt + 1
                            ),
                        });
                    }
                    None
                }
            };
            std::thread::sleep(retry.unwrap_or(self.opts.backoff * 2u32.pow(attempt)));
            attempt += 1;
        }
    }

    /// Fetches a manifest or index by tag or digest and checks its digest (against the
    /// digest asked for, else the registry's `Docker-Content-Digest`).
    pub fn manifest(&self, r: &Reference, reference: &str) -> Result<Fetched, RegistryError> {
        let accept = MANIFEST_TYPES.join(", ");
        let what = format!("manifest {}/{}:{reference}", r.registry, r.repository)
            .replace(":sha256:", "@sha256:");
        let path = format!("/v2/{}/manifests/{reference}", r.repository);
        let resp = self.send(
            r,
            false,
            "GET",
            &path,
            &[("Accept", &accept)],
            Body::Empty,
            &what,
        )?;
        let header_digest = resp.header("docker-content-digest").map(str::to_string);
        let content_type = resp
            .header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let data = read_limited(resp.into_reader(), MAX_MANIFEST, &what)?;
        let digest = sha256_digest(&data);
        let expected = if reference.starts_with("sha256:") {
            Some(reference.to_string())
        } else {
            header_digest.filter(|d| d.starts_with("sha256:"))
        };
        if let Some(e) = expected {
            if e != digest {
                return Err(RegistryError::DigestMismatch {
                    what,
                    expected: e,
                    actual: digest,
                });
            }
        }
        let media_type = serde_json::from_slice::<serde_json::Value>(&data)
            .ok()
            .and_then(|v| v.get("mediaType")?.as_str().map(str::to_string))
            .unwrap_or(content_type);
        Ok(Fetched {
            data,
            media_type,
            digest,
        })
    }

    /// Opens a blob as a stream; the caller checks the digest when it has read it all.
    pub fn blob_reader(
        &self,
        r: &Reference,
        digest: &str,
    ) -> Result<Box<dyn Read + Send + Sync>, RegistryError> {
        let what = format!("blob {digest} of {}/{}", r.registry, r.repository);
        let path = format!("/v2/{}/blobs/{digest}", r.repository);
        let resp = self.send(r, false, "GET", &path, &[], Body::Empty, &what)?;
        Ok(resp.into_reader())
    }

    /// Reads a small blob whole and checks its digest.
    pub fn blob_bytes(
        &self,
        r: &Reference,
        digest: &str,
        max: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let what = format!("blob {digest} of {}/{}", r.registry, r.repository);
        let data = read_limited(self.blob_reader(r, digest)?, max, &what)?;
        let actual = sha256_digest(&data);
        if actual != digest {
            return Err(RegistryError::DigestMismatch {
                what,
                expected: digest.to_string(),
                actual,
            });
        }
        Ok(data)
    }

    /// Uploads a blob unless the registry has it (monolithic upload: POST then PUT).
    pub fn push_blob(
        &self,
        r: &Reference,
        digest: &str,
        body: Body<'_>,
    ) -> Result<(), RegistryError> {
        let what = format!("blob {digest} of {}/{}", r.registry, r.repository);
        let path = format!("/v2/{}/blobs/{digest}", r.repository);
        match self.send(r, true, "HEAD", &path, &[], Body::Empty, &what) {
            Ok(_) => return Ok(()),
            Err(RegistryError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let start = format!("/v2/{}/blobs/uploads/", r.repository);
        let resp = self.send(r, true, "POST", &start, &[], Body::Empty, &what)?;
        let location = resp
            .header("location")
            .ok_or_else(|| RegistryError::Invalid {
                what: what.clone(),
                reason: "upload started without a Location header".into(),
            })?;
        let mut url = if location.starts_with('/') {
            format!("{}{location}", self.base(r))
        } else {
            location.to_string()
        };
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("digest=");
        url.push_str(digest);
        self.send(
            r,
            true,
            "PUT",
            &url,
            &[("Content-Type", "application/octet-stream")],
            body,
            &what,
        )?;
        Ok(())
    }

    /// Uploads a manifest under a tag or digest; returns its digest.
    pub fn push_manifest(
        &self,
        r: &Reference,
        reference: &str,
        media_type: &str,
        data: &[u8],
    ) -> Result<String, RegistryError> {
        let what = format!("manifest {}/{}:{reference}", r.registry, r.repository);
        let path = format!("/v2/{}/manifests/{reference}", r.repository);
        self.send(
            r,
            true,
            "PUT",
            &path,
            &[("Content-Type", media_type)],
            Body::Bytes(data),
            &what,
        )?;
        Ok(sha256_digest(data))
    }
}

/// The registry's error message from a JSON error body, as ": CODE message".
fn error_detail(resp: ureq::Response) -> String {
    let mut body = Vec::new();
    let _ = resp.into_reader().take(16 << 10).read_to_end(&mut body);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let errs = v.get("errors").and_then(|e| e.as_array());
    match errs.and_then(|e| e.first()) {
        Some(e) => format!(
            ": {} {}",
            e.get("code").and_then(|c| c.as_str()).unwrap_or(""),
            e.get("message").and_then(|c| c.as_str()).unwrap_or("")
        )
        .trim_end()
        .to_string(),
        None => String::new(),
    }
}

fn transport_reason(t: &ureq::Transport) -> String {
    use std::error::Error;
    let mut s = t.kind().to_string();
    let mut src = t.source();
    while let Some(e) = src {
        s = format!("{s}: {e}");
        src = e.source();
    }
    if let Some(m) = t.message() {
        s = format!("{s}: {m}");
    }
    s
}

fn read_limited(r: impl Read, max: u64, what: &str) -> Result<Vec<u8>, RegistryError> {
    let mut data = Vec::new();
    r.take(max + 1)
        .read_to_end(&mut data)
        .map_err(|e| RegistryError::Network {
            url: what.to_string(),
            reason: format!("reading the response: {e}"),
        })?;
    if data.len() as u64 > max {
        return Err(RegistryError::Invalid {
            what: what.to_string(),
            reason: format!("larger than the {max}-byte limit"),
        });
    }
    Ok(data)
}

/// Parses a Go-style duration (`90s`, `5m`, `1m30s`, `1h`) or a number of seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return (n.is_finite() && n > 0.0).then(|| Duration::from_secs_f64(n));
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            0.001
        } else {
            match c {
                'h' => 3600.0,
                'm' => 60.0,
                's' => 1.0,
                _ => return None,
            }
        };
        total += num.parse::<f64>().ok()? * unit;
        num.clear();
        any = true;
    }
    (any && num.is_empty() && total > 0.0).then(|| Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("10"), Some(Duration::from_secs(10)));
    }
}
