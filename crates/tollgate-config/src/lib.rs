//! Misconfiguration checks written in Rego and evaluated with `regorus`: Dockerfiles,
//! Kubernetes manifests and image configs (their history read as a Dockerfile).
//!
//! Checks have Trivy's shape, so Trivy's custom checks work as they are: a package with a
//! `deny` rule whose results are messages or `{"msg", "startline", "endline"}` objects (Trivy's
//! `result.new(msg, cause)` is provided), described by a `# METADATA` annotation or a
//! `__rego_metadata__` rule, and selecting its input type with `custom.input.selector` or
//! `__rego_input__`. Built-in checks live in `checks/` and are compiled into the binary.

pub mod dockerfile;
mod metadata;
pub mod yamlpos;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

pub use metadata::Check;

/// Largest config file read (Dockerfiles and manifests are small; this bounds a hostile one).
pub const MAX_FILE: u64 = 2 << 20;

/// Longest one check may run on one input.
const CHECK_TIME_LIMIT: Duration = Duration::from_secs(5);

/// The built-in checks: (file name, Rego source).
const BUILTIN: &[(&str, &str)] = &[
    (
        "lib/kubernetes.rego",
        include_str!("../checks/lib/kubernetes.rego"),
    ),
    ("lib/docker.rego", include_str!("../checks/lib/docker.rego")),
    ("dockerfile.rego", include_str!("../checks/dockerfile.rego")),
    ("kubernetes.rego", include_str!("../checks/kubernetes.rego")),
];

/// What kind of file a config input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// A Dockerfile (or Containerfile), or an image config's history.
    Dockerfile,
    /// A Kubernetes manifest (one YAML document with `apiVersion` and `kind`).
    Kubernetes,
}

impl InputType {
    /// Trivy's name of the type (`dockerfile`, `kubernetes`).
    pub fn name(self) -> &'static str {
        match self {
            InputType::Dockerfile => "dockerfile",
            InputType::Kubernetes => "kubernetes",
        }
    }
}

/// One failed check on one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Misconfig {
    /// The check.
    pub check: Check,
    /// What the check says about this file.
    pub message: String,
    /// First line of the cause (0 when the check points at the whole file).
    pub start_line: usize,
    /// Last line of the cause.
    pub end_line: usize,
}

/// The checks run on one file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileResult {
    /// The file, relative to the scanned directory (or `image config`).
    pub path: String,
    /// Its type.
    pub kind: InputType,
    /// Failed checks, by check id then line.
    pub failures: Vec<Misconfig>,
    /// Checks that ran and passed.
    pub successes: usize,
    /// The file's lines, for showing causes.
    pub lines: Vec<String>,
}

/// A loaded set of checks.
pub struct Scanner {
    engine: regorus::Engine,
    checks: Vec<Check>,
}

fn result_new(args: Vec<regorus::Value>) -> anyhow::Result<regorus::Value> {
    // Trivy's `result.new(msg, cause)`: the lines come from the cause's metadata
    // (Kubernetes objects) or its StartLine/EndLine (Dockerfile commands).
    let mut it = args.into_iter();
    let msg = it.next().unwrap_or(regorus::Value::Undefined);
    let cause = it.next().unwrap_or(regorus::Value::Undefined);
    let cause: Value =
        serde_json::from_str(&cause.to_json_str().unwrap_or_default()).unwrap_or(Value::Null);
    let meta = cause.get(yamlpos::META).unwrap_or(&cause);
    let line = |a: &str, b: &str| {
        meta.get(a)
            .or_else(|| meta.get(b))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let msg_json = msg.to_json_str().unwrap_or_else(|_| "\"\"".into());
    let out = format!(
        "{{\"msg\": {msg_json}, \"startline\": {}, \"endline\": {}}}",
        line("startline", "StartLine"),
        line("endline", "EndLine")
    );
    regorus::Value::from_json_str(&out)
}

impl Scanner {
    /// The built-in checks plus the `.rego` files under `policy_dirs` (Trivy's
    /// `--config-policy`); a file that does not compile is an error naming it.
    pub fn new(policy_dirs: &[PathBuf]) -> Result<Scanner, String> {
        let mut engine = regorus::Engine::new();
        // Trivy's checks are written in Rego v0 (`deny[res] { ... }`); v1 modules say so
        // with `import rego.v1`.
        engine.set_rego_v0(true);
        engine
            .add_extension("result.new".into(), 2, Box::new(result_new))
            .map_err(|e| e.to_string())?;
        let mut sources: Vec<(String, String)> = Vec::new();
        for (n, text) in BUILTIN {
            for (i, chunk) in split_packages(text).into_iter().enumerate() {
                sources.push((format!("builtin/{n}#{}", i + 1), chunk));
            }
        }
        for dir in policy_dirs {
            if !dir.exists() {
                return Err(format!(
                    "--config-policy {}: no such directory",
                    dir.display()
                ));
            }
            let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "rego")
                        && !p.to_string_lossy().ends_with("_test.rego")
                })
                .collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f)
                    .map_err(|e| format!("{}: cannot read it: {e}", f.display()))?;
                sources.push((f.display().to_string(), text));
            }
        }
        let mut checks = Vec::new();
        for (name, text) in &sources {
            let pkg = engine.add_policy(name.clone(), text.clone()).map_err(|e| {
                format!(
                    "{name}: the check does not compile: {}",
                    first_line(&e.to_string())
                )
            })?;
            let pkg = pkg.trim_start_matches("data.").to_string();
            if let Some(c) = metadata::from_annotations(text, &pkg) {
                checks.push(c);
            }
        }
        // Checks described by `__rego_metadata__` rules instead of annotations.
        for pkg in engine.get_packages().map_err(|e| e.to_string())? {
            let pkg = pkg.trim_start_matches("data.").to_string();
            if checks.iter().any(|c| c.package == pkg) {
                continue;
            }
            let meta = eval_json(&mut engine, &format!("data.{pkg}.__rego_metadata__"));
            let input = eval_json(&mut engine, &format!("data.{pkg}.__rego_input__"));
            if let Some(c) = metadata::from_rules(&pkg, meta.as_ref(), input.as_ref()) {
                checks.push(c);
            }
        }
        checks.sort_by(|a, b| a.id.cmp(&b.id).then(a.package.cmp(&b.package)));
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: CHECK_TIME_LIMIT,
            check_interval: std::num::NonZeroU32::new(64).unwrap_or(std::num::NonZeroU32::MIN),
        });
        Ok(Scanner { engine, checks })
    }

    /// The loaded checks.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    fn run(
        &mut self,
        path: &str,
        kind: InputType,
        input: Value,
        text: &str,
    ) -> Result<FileResult, String> {
        self.engine.set_input(regorus::Value::from(input));
        let mut out = FileResult {
            path: path.to_string(),
            kind,
            failures: Vec::new(),
            successes: 0,
            lines: text.lines().map(String::from).collect(),
        };
        for c in &self.checks {
            if !c.applies_to(kind) {
                continue;
            }
            let v = self
                .engine
                .eval_rule(format!("data.{}.deny", c.package))
                .map_err(|e| {
                    format!(
                        "{path}: check {} failed to run: {}",
                        c.id,
                        first_line(&e.to_string())
                    )
                })?;
            let v: Value =
                serde_json::from_str(&v.to_json_str().unwrap_or_default()).unwrap_or(Value::Null);
            let results: Vec<Value> = match v {
                Value::Array(a) => a,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            if results.is_empty() {
                out.successes += 1;
            }
            for r in results {
                let (message, start, end) = match &r {
                    Value::String(s) => (s.clone(), 0, 0),
                    Value::Object(o) => (
                        o.get("msg")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        o.get("startline").and_then(Value::as_u64).unwrap_or(0) as usize,
                        o.get("endline").and_then(Value::as_u64).unwrap_or(0) as usize,
                    ),
                    other => (other.to_string(), 0, 0),
                };
                out.failures.push(Misconfig {
                    check: c.clone(),
                    message,
                    start_line: start,
                    end_line: end.max(start),
                });
            }
        }
        out.failures.sort_by(|a, b| {
            a.check
                .id
                .cmp(&b.check.id)
                .then(a.start_line.cmp(&b.start_line))
                .then(a.message.cmp(&b.message))
        });
        out.failures.dedup();
        Ok(out)
    }

    /// Checks one file's text; `Ok(None)` when it is no config file Tollgate checks.
    pub fn scan_file(&mut self, path: &str, text: &str) -> Result<Vec<FileResult>, String> {
        let name = path.rsplit('/').next().unwrap_or(path);
        if is_dockerfile(name) {
            let ins = dockerfile::parse(text).map_err(|e| format!("{path}: {e}"))?;
            let input = dockerfile::input(path, &ins);
            return Ok(vec![self.run(path, InputType::Dockerfile, input, text)?]);
        }
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json") {
            let docs = if lower.ends_with(".json") {
                match serde_json::from_str::<Value>(text) {
                    Ok(v) => vec![v],
                    Err(_) => return Ok(vec![]),
                }
            } else {
                yamlpos::parse(text).map_err(|e| format!("{path}: not valid YAML: {e}"))?
            };
            let mut out: Vec<FileResult> = Vec::new();
            for d in docs.into_iter().filter(is_kubernetes) {
                let r = self.run(path, InputType::Kubernetes, d, text)?;
                // Several documents of one file make one result, as Trivy reports them.
                match out.first_mut() {
                    Some(first) => {
                        first.failures.extend(r.failures);
                        first.successes += r.successes;
                    }
                    None => out.push(r),
                }
            }
            return Ok(out);
        }
        Ok(vec![])
    }

    /// Checks an image config: its history as a Dockerfile.
    pub fn scan_image_config(&mut self, config: &Value) -> Result<FileResult, String> {
        let ins = dockerfile::from_history(config);
        let text: Vec<String> = ins.iter().map(|i| i.original.clone()).collect();
        let input = dockerfile::input("image config", &ins);
        self.run(
            "image config",
            InputType::Dockerfile,
            input,
            &text.join("\n"),
        )
    }

    /// Checks every config file under `dir`; per-file errors are returned beside the results,
    /// and the walk goes on.
    pub fn scan_dir(&mut self, dir: &Path) -> Result<(Vec<FileResult>, Vec<String>), String> {
        if !dir.is_dir() {
            return Err(format!("{}: no such directory", dir.display()));
        }
        let mut results = Vec::new();
        let mut errors = Vec::new();
        let walk = walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !matches!(
                        e.file_name().to_str(),
                        Some(".git" | "node_modules" | "vendor")
                    )
            });
        for e in walk {
            let Ok(e) = e else { continue };
            if !e.file_type().is_file() {
                continue;
            }
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap_or(e.path())
                .to_string_lossy()
                .replace('\\', "/");
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            let wanted = is_dockerfile(&name)
                || name.ends_with(".yaml")
                || name.ends_with(".yml")
                || name.ends_with(".json");
            if !wanted {
                continue;
            }
            if e.metadata().map(|m| m.len()).unwrap_or(0) > MAX_FILE {
                errors.push(format!("{rel}: larger than {MAX_FILE} bytes, not checked"));
                continue;
            }
            let text = match std::fs::read(e.path()) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(err) => {
                    errors.push(format!("{rel}: cannot read it: {err}"));
                    continue;
                }
            };
            match self.scan_file(&rel, &text) {
                Ok(r) => results.extend(r),
                Err(err) => errors.push(err),
            }
        }
        Ok((results, errors))
    }
}

/// Splits a file holding several packages into one source per package (a Rego module
/// has one package); comments before a `package` line stay with it.
fn split_packages(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut has_pkg = false;
    for line in text.lines() {
        if line.starts_with("package ") && has_pkg {
            // The comment lines just above belong to the next package.
            let mut lines: Vec<&str> = cur.lines().collect();
            let mut lead = Vec::new();
            while lines.last().is_some_and(|l| l.starts_with('#')) {
                lead.push(lines.pop().unwrap_or_default());
            }
            lead.reverse();
            out.push(lines.join("\n"));
            cur = lead.join("\n");
            if !cur.is_empty() {
                cur.push('\n');
            }
        }
        if line.starts_with("package ") {
            has_pkg = true;
        }
        cur.push_str(line);
        cur.push('\n');
    }
    if has_pkg {
        out.push(cur);
    }
    out
}

/// A regorus error on one line: its lines joined, the source excerpt markers dropped.
fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with('|') && !l.chars().all(|c| c == '^' || c == ' ')
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn eval_json(engine: &mut regorus::Engine, rule: &str) -> Option<Value> {
    let v = engine.eval_rule(rule.to_string()).ok()?;
    let v: Value = serde_json::from_str(&v.to_json_str().ok()?).ok()?;
    (!v.is_null()).then_some(v)
}

/// `Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`.
pub fn is_dockerfile(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l == "dockerfile"
        || l == "containerfile"
        || l.starts_with("dockerfile.")
        || l.ends_with(".dockerfile")
        || l.starts_with("containerfile.")
}

fn is_kubernetes(v: &Value) -> bool {
    v.get("apiVersion").is_some_and(Value::is_string) && v.get("kind").is_some_and(Value::is_string)
}
