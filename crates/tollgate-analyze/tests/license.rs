//! License normalization against what Trivy 0.76 prints for the same declared names
//! (`testdata/license/trivy-normalized.json`, made by `testdata/license/gen-trivy-expected.py`).

use tollgate_analyze::license::normalize;

#[test]
fn normalize_equals_trivy() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/license/trivy-normalized.json"
    );
    let text = std::fs::read_to_string(path).expect("trivy-normalized.json");
    let expected: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let cases = expected["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    for case in cases {
        let declared = case["declared"].as_str().unwrap_or_default();
        let theirs: Vec<&str> = case["trivy"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        let ours = normalize(declared);
        if theirs != [ours.as_str()] {
            failures.push(format!("{declared:?}: ours {ours:?}, trivy {theirs:?}"));
        }
    }
    eprintln!(
        "license names: {}/{} equal to Trivy",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(cases.len() > 1000, "too few cases: {}", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
