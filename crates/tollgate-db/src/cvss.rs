//! CVSS v2 and v3.x scores computed from vectors (OSV records carry vectors only).

use std::collections::HashMap;

fn metrics(parts: &[&str]) -> Option<HashMap<String, String>> {
    let mut m = HashMap::new();
    for p in parts {
        let (k, v) = p.split_once(':')?;
        m.insert(k.to_string(), v.to_string());
    }
    Some(m)
}

/// CVSS v3.0/v3.1 score of a vector, `None` when the vector is malformed.
///
/// This is the environmental score with absent temporal/environmental metrics read as `X`,
/// which is what trivy-db stores for OSV vectors (via go-cvss `EnvironmentalScore`); for a
/// base-only vector it equals the base score (v3.1 differs from the base formula only in the
/// 13th decimal of the scope-changed impact, which never moves a rounded score in practice).
pub fn cvss3_score(vector: &str) -> Option<f64> {
    let vector = vector.trim().trim_end_matches('/');
    let mut parts = vector.split('/');
    let v31 = match parts.next()? {
        "CVSS:3.1" => true,
        "CVSS:3.0" => false,
        _ => return None,
    };
    let parts: Vec<&str> = parts.collect();
    let m = metrics(&parts)?;
    for k in ["AV", "AC", "PR", "UI", "S", "C", "I", "A"] {
        if !m.contains_key(k) {
            return None;
        }
    }
    let get = |k: &str| -> String {
        match m.get(&format!("M{k}")).map(String::as_str) {
            Some(v) if v != "X" => v.to_string(),
            _ => m.get(k).cloned().unwrap_or_default(),
        }
    };
    let opt = |k: &str| m.get(k).cloned().unwrap_or_else(|| "X".to_string());
    let changed = match get("S").as_str() {
        "C" => true,
        "U" => false,
        _ => return None,
    };
    let cia = |v: &str| -> Option<f64> {
        Some(match v {
            "H" => 0.56,
            "L" => 0.22,
            "N" => 0.0,
            _ => return None,
        })
    };
    let req = |v: &str| -> Option<f64> {
        Some(match v {
            "X" | "M" => 1.0,
            "H" => 1.5,
            "L" => 0.5,
            _ => return None,
        })
    };
    let av = match get("AV").as_str() {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match get("AC").as_str() {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (get("PR").as_str(), changed) {
        ("N", _) => 0.85,
        ("L", true) => 0.68,
        ("L", false) => 0.62,
        ("H", true) => 0.5,
        ("H", false) => 0.27,
        _ => return None,
    };
    let ui = match get("UI").as_str() {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let e = match opt("E").as_str() {
        "X" | "H" => 1.0,
        "F" => 0.97,
        "P" => 0.94,
        "U" => 0.91,
        _ => return None,
    };
    let rl = match opt("RL").as_str() {
        "X" | "U" => 1.0,
        "W" => 0.97,
        "T" => 0.96,
        "O" => 0.95,
        _ => return None,
    };
    let rc = match opt("RC").as_str() {
        "X" | "C" => 1.0,
        "R" => 0.96,
        "U" => 0.92,
        _ => return None,
    };
    let (cr, ir, ar) = (req(&opt("CR"))?, req(&opt("IR"))?, req(&opt("AR"))?);
    let (c, i, a) = (cia(&get("C"))?, cia(&get("I"))?, cia(&get("A"))?);
    let miss = (1.0 - (1.0 - cr * c) * (1.0 - ir * i) * (1.0 - ar * a)).min(0.915);
    let impact = if !changed {
        6.42 * miss
    } else if v31 {
        7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02).powi(13)
    } else {
        7.52 * (miss - 0.029) - 3.25 * (miss - 0.02).powi(15)
    };
    let expl = 8.22 * av * ac * pr * ui;
    let ru = |x: f64| if v31 { roundup31(x) } else { roundup30(x) };
    if impact <= 0.0 {
        return Some(0.0);
    }
    let base = if changed {
        ru((1.08 * (impact + expl)).min(10.0))
    } else {
        ru((impact + expl).min(10.0))
    };
    Some(ru(base * e * rl * rc))
}

fn roundup31(x: f64) -> f64 {
    let i = (x * 100_000.0).round() as i64;
    if i % 10_000 == 0 {
        i as f64 / 100_000.0
    } else {
        ((i / 10_000) + 1) as f64 / 10.0
    }
}

fn roundup30(x: f64) -> f64 {
    (x * 10.0).ceil() / 10.0
}

/// CVSS v2 base score of a vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally in parentheses
/// or with a `CVSS:2.0/` prefix), `None` when malformed.
pub fn cvss2_score(vector: &str) -> Option<f64> {
    let v = vector.trim().trim_start_matches('(').trim_end_matches(')');
    let v = v.strip_prefix("CVSS:2.0/").unwrap_or(v);
    let parts: Vec<&str> = v.split('/').collect();
    let m = metrics(&parts)?;
    let av = match m.get("AV")?.as_str() {
        "L" => 0.395,
        "A" => 0.646,
        "N" => 1.0,
        _ => return None,
    };
    let ac = match m.get("AC")?.as_str() {
        "H" => 0.35,
        "M" => 0.61,
        "L" => 0.71,
        _ => return None,
    };
    let au = match m.get("Au")?.as_str() {
        "M" => 0.45,
        "S" => 0.56,
        "N" => 0.704,
        _ => return None,
    };
    let cia = |k: &str| -> Option<f64> {
        Some(match m.get(k)?.as_str() {
            "N" => 0.0,
            "P" => 0.275,
            "C" => 0.660,
            _ => return None,
        })
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let expl = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let score = (0.6 * impact + 0.4 * expl - 1.5) * f;
    Some(((score * 10.0).round() / 10.0).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_scores_match_nvd() {
        // Scores as published by NVD for these vectors.
        assert_eq!(
            cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(9.8)
        );
        assert_eq!(
            cvss3_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"),
            Some(7.8)
        );
        assert_eq!(
            cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
            Some(6.1)
        );
        assert_eq!(
            cvss3_score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            Some(10.0)
        );
        assert_eq!(
            cvss3_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:L"),
            Some(3.7)
        );
        assert_eq!(
            cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"),
            Some(0.0)
        );
        assert_eq!(
            cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C"),
            Some(8.8)
        );
        assert_eq!(cvss3_score("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(cvss3_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), None);
        assert_eq!(
            cvss3_score("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
    }

    #[test]
    fn v2_scores_match_nvd() {
        assert_eq!(cvss2_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        assert_eq!(cvss2_score("AV:L/AC:L/Au:N/C:C/I:C/A:C"), Some(7.2));
        assert_eq!(cvss2_score("AV:N/AC:M/Au:N/C:N/I:P/A:N"), Some(4.3));
        assert_eq!(cvss2_score("AV:N/AC:L/Au:N/C:N/I:N/A:N"), Some(0.0));
        assert_eq!(cvss2_score("AV:N/AC:L"), None);
    }
}
