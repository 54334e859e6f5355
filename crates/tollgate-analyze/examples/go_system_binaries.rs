//! Compares the gobinary analyzer with Trivy 0.76 on Go binaries installed on the machine
//! where `testdata/lang/gen-trivy-expected-go-rust.py` ran (Debian's Go toolchain, CNI
//! plugins, umoci, Trivy itself: too big to copy into the repository).
//!
//! `cargo run -p tollgate-analyze --example go_system_binaries [testdata/lang/go/system-binaries.trivy.json]`
//! Binaries that are missing or changed size since are reported as not compared.

use std::process::ExitCode;

use tollgate_analyze::{lang::golang::GoBinaryAnalyzer, Analyzer};

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/lang/go/system-binaries.trivy.json".into());
    let v: serde_json::Value = match std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut same, mut differ, mut missing) = (0, 0, 0);
    for (bin, e) in v.as_object().into_iter().flatten() {
        let data = match std::fs::read(bin) {
            Ok(d) if Some(d.len() as u64) == e["size"].as_u64() => d,
            _ => {
                missing += 1;
                continue;
            }
        };
        let mut want: Vec<(String, String)> = e["trivy"]["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                (
                    t[0].as_str().unwrap_or("").into(),
                    t[1].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        want.sort();
        let mut got: Vec<(String, String)> = match GoBinaryAnalyzer.analyze("bin/x", &data) {
            Ok(r) => r
                .applications
                .iter()
                .flat_map(|a| {
                    a.packages
                        .iter()
                        .map(|p| (p.name.clone(), p.version.clone()))
                })
                .collect(),
            Err(err) => {
                println!("{bin}: error {err}");
                Vec::new()
            }
        };
        got.sort();
        if got == want {
            same += 1;
        } else {
            differ += 1;
            println!("{bin}: tollgate {got:?} trivy {want:?}");
        }
    }
    println!("{same} equal, {differ} different, {missing} not compared (missing or changed)");
    if differ > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
