//! Answering a registry's `WWW-Authenticate` challenge: basic, or a bearer token from the
//! realm it names; credentials from the options or Docker's config file.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::{Client, Reference, RegistryError};

/// A user name and password (or identity token).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ***)", self.username)
    }
}

impl Credentials {
    fn basic(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.username, self.password))
        )
    }
}

/// Parses `Scheme k="v",k2="v2"` into the scheme and its parameters.
pub(crate) fn parse_challenge(h: &str) -> (String, Vec<(String, String)>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((k, after)) = rest.split_once('=') else {
            break;
        };
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (&q[..end], &q[end + 1..]),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        params.push((k, v.to_string()));
        rest = next.trim_start_matches([',', ' ']);
    }
    (scheme.to_ascii_lowercase(), params)
}

fn docker_config_path(given: &Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = given {
        return Some(p.clone());
    }
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// Credentials for `registry` from Docker's config: `auths` (base64 `auth`, or
/// `username`/`password`), then `credHelpers`/`credsStore` helpers.
pub(crate) fn from_docker_config(given: &Option<PathBuf>, registry: &str) -> Option<Credentials> {
    let path = docker_config_path(given)?;
    let data = std::fs::read(path).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&data).ok()?;
    let keys: Vec<String> = if registry == crate::reference::DOCKER_HUB {
        vec![
            "https://index.docker.io/v1/".into(),
            "index.docker.io".into(),
            "docker.io".into(),
            "registry-1.docker.io".into(),
        ]
    } else {
        vec![
            registry.to_string(),
            format!("https://{registry}"),
            format!("http://{registry}"),
            format!("https://{registry}/v1/"),
            format!("https://{registry}/v2/"),
        ]
    };
    if let Some(auths) = v.get("auths").and_then(|a| a.as_object()) {
        for k in &keys {
            let Some(e) = auths.get(k) else { continue };
            if let Some(a) = e.get("auth").and_then(|a| a.as_str()) {
                let decoded = STANDARD.decode(a.trim()).ok()?;
                let s = String::from_utf8(decoded).ok()?;
                let (u, p) = s.split_once(':')?;
                return Some(Credentials {
                    username: u.into(),
                    password: p.into(),
                });
            }
            let u = e.get("username").and_then(|a| a.as_str());
            let p = e.get("password").and_then(|a| a.as_str());
            if let (Some(u), Some(p)) = (u, p) {
                return Some(Credentials {
                    username: u.into(),
                    password: p.into(),
                });
            }
        }
    }
    let helper = v
        .get("credHelpers")
        .and_then(|h| keys.iter().find_map(|k| h.get(k)?.as_str()))
        .or_else(|| v.get("credsStore").and_then(|s| s.as_str()))?;
    credential_helper(helper, &keys[0])
}

/// Asks `docker-credential-NAME get` (the Docker credential-helper protocol).
fn credential_helper(name: &str, server: &str) -> Option<Credentials> {
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let mut child = Command::new(format!("docker-credential-{name}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(server.as_bytes()).ok()?;
    let mut out = Vec::new();
    child.stdout.take()?.read_to_end(&mut out).ok()?;
    if !child.wait().ok()?.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out).ok()?;
    Some(Credentials {
        username: v.get("Username")?.as_str()?.into(),
        password: v.get("Secret")?.as_str()?.into(),
    })
}

impl Client {
    fn credentials_for(&self, r: &Reference) -> Option<Credentials> {
        self.opts
            .credentials
            .clone()
            .or_else(|| from_docker_config(&self.opts.docker_config, &r.registry))
    }

    /// The Authorization header value that answers `challenge`.
    pub(crate) fn authorize(
        &self,
        r: &Reference,
        actions: &str,
        challenge: &str,
    ) -> Result<String, RegistryError> {
        let creds = self.credentials_for(r);
        let unauthorized = |reason: String| RegistryError::Unauthorized {
            host: r.registry.clone(),
            reason,
        };
        let (scheme, params) = parse_challenge(challenge);
        let param = |k: &str| {
            params
                .iter()
                .find(|(pk, _)| pk == k)
                .map(|(_, v)| v.as_str())
        };
        match scheme.as_str() {
            "basic" => match creds {
                Some(c) => Ok(c.basic()),
                None => Err(unauthorized(
                    "the registry asks for a user name and password".into(),
                )),
            },
            "bearer" => {
                let realm = param("realm")
                    .filter(|r| r.starts_with("http://") || r.starts_with("https://"))
                    .ok_or_else(|| {
                        unauthorized(format!(
                            "bearer challenge without a usable realm: {challenge:?}"
                        ))
                    })?;
                let scope = format!("repository:{}:{actions}", r.repository);
                let mut req = self
                    .agent
                    .get(realm)
                    .query("scope", &scope)
                    .query("service", param("service").unwrap_or(""));
                if let Some(c) = &creds {
                    req = req.set("Authorization", &c.basic());
                }
                let n = self
                    .requests
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    + 1;
                let res = req.call();
                if self.opts.debug {
                    let status = match &res {
                        Ok(resp) => resp.status().to_string(),
                        Err(ureq::Error::Status(s, _)) => s.to_string(),
                        Err(e) => e.to_string(),
                    };
                    eprintln!("tollgate: debug: registry request {n}: GET {realm} (token for {scope}) -> {status}");
                }
                let resp = match res {
                    Ok(resp) => resp,
                    Err(ureq::Error::Status(s @ (401 | 403), _)) => {
                        return Err(unauthorized(if creds.is_some() {
                            format!("the token server {realm} refused the user name and password (HTTP {s}): wrong credentials")
                        } else {
                            format!("the token server {realm} needs a user name and password (HTTP {s})")
                        }))
                    }
                    Err(ureq::Error::Status(s, _)) => {
                        return Err(RegistryError::Http {
                            url: realm.to_string(),
                            status: s,
                            body: " from the token server".into(),
                        })
                    }
                    Err(ureq::Error::Transport(t)) => {
                        return Err(RegistryError::Network {
                            url: realm.to_string(),
                            reason: crate::transport_reason(&t),
                        })
                    }
                };
                let mut body = Vec::new();
                resp.into_reader()
                    .take(1 << 20)
                    .read_to_end(&mut body)
                    .map_err(|e| RegistryError::Network {
                        url: realm.to_string(),
                        reason: e.to_string(),
                    })?;
                let v: serde_json::Value =
                    serde_json::from_slice(&body).map_err(|e| RegistryError::Invalid {
                        what: format!("token from {realm}"),
                        reason: format!("invalid JSON: {e}"),
                    })?;
                let token = v
                    .get("token")
                    .or_else(|| v.get("access_token"))
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| RegistryError::Invalid {
                        what: format!("token from {realm}"),
                        reason: "no token in the response".into(),
                    })?;
                Ok(format!("Bearer {token}"))
            }
            _ => Err(unauthorized(format!(
                "unsupported authentication challenge {challenge:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        );
        assert_eq!(s, "bearer");
        assert_eq!(
            p[0],
            ("realm".into(), "https://auth.docker.io/token".into())
        );
        assert_eq!(p[1].1, "registry.docker.io");
        assert_eq!(p[2].1, "repository:library/alpine:pull");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!((s.as_str(), p[0].1.as_str()), ("basic", "Registry Realm"));
    }

    #[test]
    fn docker_config_auths() {
        let dir = std::env::temp_dir().join(format!("tg-reg-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("config.json");
        std::fs::write(
            &p,
            r#"{"auths":{"127.0.0.1:5000":{"auth":"dXNlcjpzM2NyZXQ="},"https://index.docker.io/v1/":{"auth":"aHViOnB3"}}}"#,
        )
        .unwrap();
        let given = Some(p);
        let c = from_docker_config(&given, "127.0.0.1:5000").unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("user", "s3cret")
        );
        let c = from_docker_config(&given, "docker.io").unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("hub", "pw"));
        assert!(from_docker_config(&given, "ghcr.io").is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
