//! The scan queue: a bounded number of scans at once, a bounded queue behind them, one scan
//! per digest however many requests ask for it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Semaphore};

use crate::metrics::Metrics;
use crate::resolve::{Reference, Resolver};
use crate::store::{Entry, Store};

/// The outcome of a scan: the stored result, or why there is none.
pub type Outcome = Result<Arc<Entry>, String>;

/// A scan somebody can wait for.
pub type Pending = watch::Receiver<Option<Outcome>>;

/// Runs scans in the background, bounded.
pub struct Scanner {
    resolver: Arc<dyn Resolver>,
    store: Arc<Store>,
    db_dir: PathBuf,
    layer_cache: Option<Arc<tollgate_scan::LayerCache>>,
    workers: Arc<Semaphore>,
    queued: AtomicUsize,
    max_queued: usize,
    inflight: Mutex<HashMap<String, Pending>>,
    metrics: Arc<Metrics>,
}

/// The queue is full: retry later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl Scanner {
    /// A scanner running at most `workers` scans at once with at most `max_queued` scans
    /// queued or running.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        resolver: Arc<dyn Resolver>,
        store: Arc<Store>,
        db_dir: PathBuf,
        layer_cache: Option<tollgate_scan::LayerCache>,
        workers: usize,
        max_queued: usize,
        metrics: Arc<Metrics>,
    ) -> Scanner {
        Scanner {
            resolver,
            store,
            db_dir,
            layer_cache: layer_cache.map(Arc::new),
            workers: Arc::new(Semaphore::new(workers.max(1))),
            queued: AtomicUsize::new(0),
            max_queued: max_queued.max(1),
            inflight: Mutex::new(HashMap::new()),
            metrics,
        }
    }

    /// The resolver scans go through.
    pub fn resolver(&self) -> &dyn Resolver {
        self.resolver.as_ref()
    }

    /// Scans queued or running.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Starts a scan of `digest` (or joins the one already running); [`Busy`] when the
    /// queue is full.
    pub fn submit(self: &Arc<Self>, reference: &Reference, digest: &str) -> Result<Pending, Busy> {
        let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = inflight.get(digest) {
            return Ok(p.clone());
        }
        // Reserve a slot before spawning so a flood cannot overshoot the bound.
        let slot = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                (q < self.max_queued).then_some(q + 1)
            });
        if slot.is_err() {
            self.metrics.scans_rejected.fetch_add(1, Ordering::Relaxed);
            return Err(Busy);
        }
        let (tx, rx) = watch::channel(None);
        inflight.insert(digest.to_string(), rx.clone());
        drop(inflight);
        let me = self.clone();
        let reference = reference.clone();
        let digest = digest.to_string();
        tokio::spawn(async move {
            let outcome = me.run(reference, &digest).await;
            me.inflight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&digest);
            me.queued.fetch_sub(1, Ordering::AcqRel);
            let _ = tx.send(Some(outcome));
        });
        Ok(rx)
    }

    async fn run(self: &Arc<Self>, reference: Reference, digest: &str) -> Outcome {
        let Ok(_permit) = self.workers.clone().acquire_owned().await else {
            return Err("the server is shutting down".to_string());
        };
        let me = self.clone();
        let d = digest.to_string();
        let r = reference.clone();
        let started = Instant::now();
        let res = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, Vec<String>), String> {
            let source = me.resolver.open(&r, &d).map_err(|e| e.to_string())?;
            crate::scan::scan_to_json(
                source.as_ref(),
                &r.canonical(),
                &me.db_dir,
                me.layer_cache.as_deref(),
            )
            .map_err(|e| format!("{e:#}"))
        })
        .await
        .unwrap_or_else(|e| Err(format!("the scan stopped: {e}")));
        let took = started.elapsed();
        self.metrics.scan_took(took);
        match res.and_then(|(json, notes)| {
            for n in notes {
                eprintln!("tollgate: scan {}: {n}", reference.canonical());
            }
            self.store.put(digest, json)
        }) {
            Ok(entry) => {
                self.metrics.scans_ok.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "tollgate: scanned {} ({digest}) in {:.2}s: {}",
                    reference.canonical(),
                    took.as_secs_f64(),
                    entry.summary.counts_text()
                );
                Ok(entry)
            }
            Err(e) => {
                self.metrics.scans_failed.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "tollgate: scan of {} ({digest}) failed: {e}",
                    reference.canonical()
                );
                Err(e)
            }
        }
    }
}

/// Waits for a scan until `timeout`; `None` when it is still running then.
pub async fn wait(mut p: Pending, timeout: Duration) -> Option<Outcome> {
    let done = tokio::time::timeout(timeout, p.wait_for(Option::is_some)).await;
    match done {
        Ok(Ok(v)) => v.clone(),
        // The sender is gone only if the task died without a result.
        Ok(Err(_)) => Some(Err("the scan stopped without a result".to_string())),
        Err(_) => None,
    }
}
