//! Compares the jar analyzer with Trivy 0.76 (empty Java DB) on the real jars installed on
//! the machine where `testdata/lang/gen-trivy-expected-java.py` ran (`/usr/share/java`, JDKs,
//! SDK jars: too big to copy into the repository).
//!
//! `cargo run -p tollgate-analyze --example java_host_jars [testdata/lang/java/host-jars-expected.json]`

use std::path::PathBuf;
use std::process::ExitCode;

use tollgate_analyze::{lang::java::jar::JarAnalyzer, Analyzer};

type Row = (String, String, String);

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/lang/java/host-jars-expected.json".into());
    let expected: serde_json::Value = match std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut differ = false;
    for root in expected["roots"].as_array().into_iter().flatten() {
        let dir = PathBuf::from(root["root"].as_str().unwrap_or_default());
        if !dir.is_dir() {
            println!("{}: not on this machine, not compared", dir.display());
            continue;
        }
        let mut ours: Vec<Row> = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(e.path());
                    continue;
                }
                let f = e.path();
                let rel = f
                    .strip_prefix(&dir)
                    .unwrap_or(&f)
                    .to_string_lossy()
                    .to_string();
                if !ft.is_file() || !JarAnalyzer.required(&rel) {
                    continue;
                }
                match std::fs::read(&f)
                    .map_err(|e| e.to_string())
                    .and_then(|b| JarAnalyzer.analyze(&rel, &b).map_err(|e| e.to_string()))
                {
                    Ok(res) => {
                        for a in res.applications {
                            for p in a.packages {
                                ours.push((p.name, p.version, p.file_path));
                            }
                        }
                    }
                    Err(e) => println!("{e}"),
                }
            }
        }
        ours.sort();
        let mut theirs: Vec<Row> = root["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let s = |i: usize| p[i].as_str().unwrap_or_default().to_string();
                (s(0), s(1), s(2))
            })
            .collect();
        theirs.sort();
        let same = ours == theirs;
        differ |= !same;
        println!(
            "{}: tollgate {} packages, Trivy {}: {}",
            dir.display(),
            ours.len(),
            theirs.len(),
            if same { "equal" } else { "DIFFERENT" }
        );
    }
    if differ {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
