//! The validating admission webhook: Kubernetes `AdmissionReview` in, a verdict out.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::policy::{Mode, Policy};
use crate::resolve::Reference;
use crate::scanner::{self, Pending};
use crate::State;

#[derive(Deserialize)]
struct Review {
    #[serde(rename = "apiVersion", default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    request: Option<Request>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    #[serde(default)]
    uid: String,
    kind: Option<Gvk>,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    operation: String,
    #[serde(default)]
    object: Option<Value>,
}

#[derive(Deserialize)]
struct Gvk {
    #[serde(default)]
    kind: String,
}

/// An HTTP status and a JSON body.
pub type Answer = (u16, Value);

/// Where a kind keeps its pod spec, as a JSON pointer into the object; `None` for kinds
/// that have none (the webhook configuration should not send them, and they are admitted).
fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "/spec",
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => return None,
    })
}

/// Every container image in a pod spec, in order, each once, with the first container
/// that uses it (`containers[0]`, `initContainers[1]`, `ephemeralContainers[0]`).
fn images(spec: &Value) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    if !spec.is_object() {
        return Err("the pod spec is not an object".to_string());
    }
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        let items = match &spec[list] {
            Value::Null => continue,
            Value::Array(a) => a,
            _ => return Err(format!("spec.{list} is not a list")),
        };
        for (i, c) in items.iter().enumerate() {
            let image = c["image"]
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| format!("spec.{list}[{i}] has no image"))?;
            if !out.iter().any(|(_, im)| im == image) {
                out.push((format!("{list}[{i}]"), image.to_string()));
            }
        }
    }
    Ok(out)
}

/// Reasons gathered for one request.
#[derive(Default)]
struct Verdict {
    deny: Vec<String>,
    warn: Vec<String>,
}

impl Verdict {
    fn add(&mut self, mode: Mode, msg: String) {
        match mode {
            Mode::Deny => self.deny.push(msg),
            Mode::Warn => self.warn.push(msg),
            Mode::Off => {}
        }
    }
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// Answers one `POST /v1/admit` body. `api_timeout` is the `?timeout=` the API server puts
/// on webhook calls (its `timeoutSeconds`): waiting for a scan stops well before it, whatever
/// the policy's deadline says, so the answer is the policy's and not the API server's
/// failurePolicy. Every outcome is logged with its reason.
pub async fn admit(state: &Arc<State>, body: &[u8], api_timeout: Option<Duration>) -> Answer {
    let started = Instant::now();
    let wait = match api_timeout {
        Some(t) => state.policy.deadline.min(t * 4 / 5),
        None => state.policy.deadline,
    };
    let answer = decide(state, body, started, wait).await;
    state.metrics.admit_took(started.elapsed());
    answer
}

fn invalid(state: &State, msg: String) -> Answer {
    state.metrics.admit_invalid.fetch_add(1, Relaxed);
    eprintln!("tollgate: admission: rejected request: {msg}");
    (400, json!({ "error": msg }))
}

async fn decide(state: &Arc<State>, body: &[u8], started: Instant, wait: Duration) -> Answer {
    let review: Review = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => return invalid(state, format!("the body is not an AdmissionReview: {e}")),
    };
    if review.kind != "AdmissionReview"
        || !matches!(
            review.api_version.as_str(),
            "admission.k8s.io/v1" | "admission.k8s.io/v1beta1"
        )
    {
        return invalid(
            state,
            format!(
                "expected kind AdmissionReview, apiVersion admission.k8s.io/v1; got kind {:?}, apiVersion {:?}",
                review.kind, review.api_version
            ),
        );
    }
    let Some(req) = review.request else {
        return invalid(state, "the AdmissionReview has no request".to_string());
    };
    if req.uid.is_empty() {
        return invalid(state, "the AdmissionReview request has no uid".to_string());
    }
    let kind = req.kind.map(|k| k.kind).unwrap_or_default();
    let what = format!(
        "uid={} {} {}/{} {}",
        req.uid, kind, req.namespace, req.name, req.operation
    );
    let policy = &state.policy;
    let today = today();

    let respond = |v: Verdict, note: &str| -> Answer {
        let allowed = v.deny.is_empty();
        let mut response = json!({ "uid": req.uid, "allowed": allowed });
        if !allowed {
            response["status"] = json!({ "code": 403, "message": v.deny.join("; ") });
        }
        if !v.warn.is_empty() {
            response["warnings"] = json!(v.warn);
        }
        let (label, counter) = if !allowed {
            ("denied", &state.metrics.admit_denied)
        } else if !v.warn.is_empty() {
            ("allowed with warnings", &state.metrics.admit_warned)
        } else {
            ("allowed", &state.metrics.admit_allowed)
        };
        counter.fetch_add(1, Relaxed);
        let mut reasons: Vec<&str> = v.deny.iter().chain(&v.warn).map(String::as_str).collect();
        if reasons.is_empty() {
            reasons.push(note);
        }
        eprintln!(
            "tollgate: admission {what}: {label} in {:.1}ms: {}",
            started.elapsed().as_secs_f64() * 1e3,
            reasons.join("; ")
        );
        (
            200,
            json!({
                "apiVersion": review.api_version,
                "kind": "AdmissionReview",
                "response": response,
            }),
        )
    };

    let Some(pointer) = pod_spec_pointer(&kind) else {
        return respond(
            Verdict::default(),
            &format!("kind {kind:?} has no pod template; nothing to check"),
        );
    };
    let Some(object) = req.object.as_ref().filter(|o| !o.is_null()) else {
        return respond(
            Verdict::default(),
            "no object (a DELETE or CONNECT); nothing to check",
        );
    };
    let found = object
        .pointer(pointer)
        .ok_or_else(|| format!("{kind} has no {pointer}"))
        .and_then(images);
    let imgs = match found {
        Ok(i) => i,
        Err(e) => {
            // Fail closed: an object of a gated kind whose images cannot be read is not admitted.
            let mut v = Verdict::default();
            v.deny
                .push(format!("cannot read the containers of this {kind}: {e}"));
            return respond(v, "");
        }
    };

    let mut v = Verdict::default();
    match policy.namespace_exemption(&req.namespace, &today) {
        (Some(n), _) => {
            let note = format!(
                "namespace {} is allow-listed{}{}",
                n.name,
                n.expires
                    .as_deref()
                    .map(|e| format!(" until {e}"))
                    .unwrap_or_default(),
                n.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
            return respond(v, &note);
        }
        (None, Some(n)) => v.warn.push(format!(
            "the allow-list entry of namespace {} expired on {}; the rules apply",
            n.name,
            n.expires.as_deref().unwrap_or("")
        )),
        (None, None) => {}
    }

    let mut waiting: Vec<(String, String, Option<Pending>)> = Vec::new();
    let mut exempt: Vec<String> = Vec::new();
    for (_, image) in &imgs {
        let Some(r) = Reference::parse(image) else {
            v.deny
                .push(format!("image {image:?} is not a valid image reference"));
            continue;
        };
        match policy.image_exemption(image, &r.canonical(), &today) {
            (Some(a), _) => {
                exempt.push(format!(
                    "image {image} allow-listed by {}{}",
                    a.pattern,
                    a.expires
                        .as_deref()
                        .map(|e| format!(" until {e}"))
                        .unwrap_or_default()
                ));
                continue;
            }
            (None, Some(a)) => v.warn.push(format!(
                "image {image}: allow-list entry {} expired on {}",
                a.pattern,
                a.expires.as_deref().unwrap_or("")
            )),
            (None, None) => {}
        }
        if r.digest.is_none() {
            v.add(
                policy.unpinned.mode,
                format!(
                    "image {image} is not pinned by digest (use {}@sha256:...)",
                    r.name()
                ),
            );
        }
        let digest = match state.scanner.resolver().resolve(&r) {
            Ok(d) => d,
            Err(e) => {
                v.add(
                    policy.unscanned.mode,
                    format!("image {image} is unscanned: {e}"),
                );
                continue;
            }
        };
        if let Some(entry) = state.store.get(&digest) {
            state.metrics.cache_hits.fetch_add(1, Relaxed);
            judge(policy, &mut v, image, &entry);
            continue;
        }
        state.metrics.cache_misses.fetch_add(1, Relaxed);
        match state.scanner.submit(&r, &digest) {
            Ok(p) => waiting.push((image.clone(), digest, Some(p))),
            Err(scanner::Busy) => waiting.push((image.clone(), digest, None)),
        }
    }
    // Scans of several images run side by side; the deadline bounds the whole request.
    let deadline = started + wait;
    for (image, digest, pending) in waiting {
        let outcome = match pending {
            Some(p) => scanner::wait(p, deadline.saturating_duration_since(Instant::now())).await,
            None => Some(Err("the scan queue is full".to_string())),
        };
        match outcome {
            Some(Ok(entry)) => judge(policy, &mut v, &image, &entry),
            Some(Err(e)) => v.add(
                policy.unscanned.mode,
                format!("image {image} ({}) is unscanned: {e}", short(&digest)),
            ),
            None => v.add(
                policy.unscanned.mode,
                format!(
                    "image {image} ({}) has not been scanned yet: the scan runs in the background, retry in a moment",
                    short(&digest)
                ),
            ),
        }
    }
    let note = if exempt.is_empty() {
        format!("{} image(s) pass the policy", imgs.len())
    } else {
        format!(
            "{} image(s) pass the policy; {}",
            imgs.len(),
            exempt.join("; ")
        )
    };
    respond(v, &note)
}

fn judge(policy: &Policy, v: &mut Verdict, image: &str, entry: &crate::store::Entry) {
    let sv = entry
        .verdict
        .get_or_init(|| Arc::new(policy.judge_scan(&entry.summary)));
    let tag = format!("image {image} ({})", short(&entry.digest));
    v.deny.extend(sv.deny.iter().map(|m| format!("{tag}: {m}")));
    v.warn.extend(sv.warn.iter().map(|m| format!("{tag}: {m}")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_come_from_every_container_list_once() {
        let spec = json!({
            "initContainers": [{"name": "i", "image": "busybox:1"}],
            "containers": [{"name": "a", "image": "app:1"}, {"name": "b", "image": "busybox:1"}],
            "ephemeralContainers": [{"name": "d", "image": "debug@sha256:00"}],
        });
        let got = images(&spec).unwrap();
        let names: Vec<&str> = got.iter().map(|(_, i)| i.as_str()).collect();
        assert_eq!(names, ["app:1", "busybox:1", "debug@sha256:00"]);
        assert_eq!(got[1].0, "containers[1]");
        assert!(images(&json!({"containers": [{"name": "x"}]}))
            .unwrap_err()
            .contains("containers[0] has no image"));
        assert!(images(&json!({"containers": "x"})).is_err());
        assert!(images(&json!([])).is_err());
    }

    #[test]
    fn every_workload_kind_has_its_pod_template() {
        let cron = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": "a:1"}]}}}}}});
        let p = pod_spec_pointer("CronJob").unwrap();
        assert_eq!(images(cron.pointer(p).unwrap()).unwrap()[0].1, "a:1");
        for k in [
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "Job",
        ] {
            assert_eq!(pod_spec_pointer(k), Some("/spec/template/spec"));
        }
        assert_eq!(pod_spec_pointer("Scale"), None);
    }
}
