//! Scan on push: the CNCF distribution registry's notification envelope
//! (`application/vnd.docker.distribution.events.v2+json`) at `POST /v1/registry-events`.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::resolve::Reference;
use crate::State;

#[derive(Deserialize)]
struct Envelope {
    events: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: Target,
    #[serde(default)]
    request: Req,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Target {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    repository: String,
    #[serde(default)]
    tag: String,
}

#[derive(Deserialize, Default)]
struct Req {
    #[serde(default)]
    host: String,
}

/// Whether a pushed target is an image manifest or index (blob pushes are ignored).
fn is_manifest(media_type: &str) -> bool {
    media_type.contains("manifest") || media_type.contains("image.index")
}

/// Answers one notification body. The registry retries non-2xx answers, so a readable
/// envelope always gets 200 with what became of each event; only an unreadable one is 400.
pub fn receive(state: &Arc<State>, body: &[u8]) -> (u16, Value) {
    let env: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("tollgate: registry event: unreadable envelope: {e}");
            return (
                400,
                json!({ "error": format!("not a registry notification envelope ({{\"events\": [...]}}): {e}") }),
            );
        }
    };
    let mut scans = Vec::new();
    let mut ignored = Vec::new();
    for ev in env.events {
        if ev.action != "push" || !is_manifest(&ev.target.media_type) {
            ignored.push(json!({ "id": ev.id, "reason": format!("{} of {}", ev.action, ev.target.media_type) }));
            continue;
        }
        let name = if ev.request.host.is_empty() {
            ev.target.repository.clone()
        } else {
            format!("{}/{}", ev.request.host, ev.target.repository)
        };
        // The digest names exactly what was pushed; the tag is the fallback for resolvers
        // that know images by tag only.
        let mut candidates = vec![format!("{name}@{}", ev.target.digest)];
        if !ev.target.tag.is_empty() {
            candidates.push(format!("{name}:{}", ev.target.tag));
        }
        let mut last_err = String::from("no usable reference in the event");
        let mut started = None;
        for c in &candidates {
            let Some(r) = Reference::parse(c) else {
                last_err = format!("{c:?} is not an image reference");
                continue;
            };
            match state.scanner.resolver().resolve(&r) {
                Ok(digest) => {
                    started = Some((r, digest));
                    break;
                }
                Err(e) => last_err = e.to_string(),
            }
        }
        let Some((r, digest)) = started else {
            eprintln!(
                "tollgate: registry event {}: not scanned: {last_err}",
                ev.id
            );
            ignored.push(json!({ "id": ev.id, "reason": last_err }));
            continue;
        };
        if state.store.get(&digest).is_some() {
            eprintln!(
                "tollgate: registry event {}: {} ({digest}) already scanned",
                ev.id,
                r.canonical()
            );
            scans.push(
                json!({ "id": ev.id, "image": r.canonical(), "digest": digest, "scan": "stored" }),
            );
            continue;
        }
        match state.scanner.submit(&r, &digest) {
            Ok(_) => {
                state.metrics.registry_events.fetch_add(1, Relaxed);
                eprintln!(
                    "tollgate: registry event {}: scanning {} ({digest})",
                    ev.id,
                    r.canonical()
                );
                scans.push(json!({ "id": ev.id, "image": r.canonical(), "digest": digest, "scan": "started" }));
            }
            Err(_) => {
                eprintln!(
                    "tollgate: registry event {}: {} not scanned: the scan queue is full",
                    ev.id,
                    r.canonical()
                );
                ignored.push(json!({ "id": ev.id, "reason": "the scan queue is full" }));
            }
        }
    }
    (200, json!({ "scans": scans, "ignored": ignored }))
}
