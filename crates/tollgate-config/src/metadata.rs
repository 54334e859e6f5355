//! What a check says about itself: a `# METADATA` annotation before its `package`, or
//! `__rego_metadata__` / `__rego_input__` rules.

use serde_json::Value;

use crate::InputType;

/// A check's description.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Check {
    /// Id as Trivy reports it (`DS-0002`, `KSV-0001`, or a custom check's own id).
    pub id: String,
    /// Aqua vulnerability DB id (`AVD-DS-0002`), when given.
    pub avd_id: String,
    /// Title.
    pub title: String,
    /// Why it matters.
    pub description: String,
    /// What to do.
    pub resolution: String,
    /// `LOW` .. `CRITICAL`.
    pub severity: String,
    /// Reference URLs.
    pub references: Vec<String>,
    /// Input types it applies to (empty: every type).
    pub input_types: Vec<String>,
    /// Rego package (`builtin.dockerfile.DS002`, `user.foo`).
    pub package: String,
    /// `Dockerfile`, `Kubernetes` or `Custom`.
    pub provider: String,
}

impl Check {
    /// Whether the check looks at inputs of this type.
    pub fn applies_to(&self, t: InputType) -> bool {
        self.input_types.is_empty() || self.input_types.iter().any(|x| x == t.name())
    }
}

fn s(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

fn selector_types(input: Option<&Value>) -> Vec<String> {
    input
        .and_then(|i| i.get("selector"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| x.get("type").and_then(Value::as_str))
        .map(String::from)
        .collect()
}

fn build(pkg: &str, fields: &Value, custom: &Value, input: Option<&Value>) -> Option<Check> {
    let raw_id = s(custom.get("id").or(fields.get("id")));
    if raw_id.is_empty() {
        return None;
    }
    let id = trivy_id(&raw_id);
    let mut references: Vec<String> = Vec::new();
    for r in fields
        .get("related_resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match r {
            Value::String(u) => references.push(u.clone()),
            o => references.extend(o.get("ref").and_then(Value::as_str).map(String::from)),
        }
    }
    if let Some(u) = fields.get("url").and_then(Value::as_str) {
        references.push(u.to_string());
    }
    let provider = s(custom.get("provider"));
    let input_types = selector_types(input);
    let provider = if pkg.starts_with("builtin.dockerfile") {
        "Dockerfile".to_string()
    } else if pkg.starts_with("builtin.kubernetes") {
        "Kubernetes".to_string()
    } else if provider.is_empty() {
        "Custom".to_string()
    } else {
        let mut c = provider.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    Some(Check {
        id,
        avd_id: s(custom.get("avd_id").or(fields.get("avd_id"))),
        title: s(fields.get("title")),
        description: s(fields.get("description")),
        resolution: s(custom
            .get("recommended_action")
            .or(custom.get("recommended_actions"))
            .or(fields.get("recommended_actions"))
            .or(fields.get("recommended_action"))),
        severity: s(custom.get("severity").or(fields.get("severity"))).to_ascii_uppercase(),
        references,
        input_types,
        package: pkg.to_string(),
        provider,
    })
}

/// `DS002` -> `DS-0002` and `KSV001` -> `KSV-0001`, as Trivy 0.76 shows built-in ids; other
/// ids as given.
fn trivy_id(id: &str) -> String {
    let letters: String = id.chars().take_while(|c| c.is_ascii_uppercase()).collect();
    let digits = &id[letters.len()..];
    if matches!(letters.as_str(), "DS" | "KSV")
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        format!("{letters}-{:0>4}", digits.trim_start_matches('0'))
    } else {
        id.to_string()
    }
}

/// From a `# METADATA` comment block right before `package` (OPA's annotation format).
pub fn from_annotations(text: &str, pkg: &str) -> Option<Check> {
    let mut block: Option<Vec<String>> = None;
    let mut found = None;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("package ") {
            found = block.take();
            break;
        }
        match (&mut block, t.strip_prefix('#')) {
            (None, Some(rest)) if rest.trim() == "METADATA" => block = Some(Vec::new()),
            (Some(b), Some(rest)) => b.push(rest.strip_prefix(' ').unwrap_or(rest).to_string()),
            (Some(_), None) if t.is_empty() => {}
            (Some(_), None) => block = None,
            _ => {}
        }
    }
    let yaml = found?.join("\n");
    let v: Value = serde_norway::from_str(&yaml).ok()?;
    let empty = Value::Null;
    let custom = v.get("custom").unwrap_or(&empty);
    build(pkg, &v, custom, custom.get("input"))
}

/// From `__rego_metadata__` and `__rego_input__` values.
pub fn from_rules(pkg: &str, meta: Option<&Value>, input: Option<&Value>) -> Option<Check> {
    let m = meta?;
    build(pkg, m, m, input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_annotations() {
        assert_eq!(trivy_id("DS002"), "DS-0002");
        assert_eq!(trivy_id("KSV104"), "KSV-0104");
        assert_eq!(trivy_id("AVD-FOO-0001"), "AVD-FOO-0001");
        let text = "# METADATA\n# title: Custom policy\n# description: For testing\n# custom:\n#   id: AVD-FOO-0001\n#   severity: low\n#   recommended_action: Fix it\n#   input:\n#     selector:\n#     - type: kubernetes\npackage user.foo\n";
        let c = from_annotations(text, "user.foo").unwrap();
        assert_eq!(c.id, "AVD-FOO-0001");
        assert_eq!(c.severity, "LOW");
        assert_eq!(c.resolution, "Fix it");
        assert_eq!(c.input_types, ["kubernetes"]);
        assert_eq!(c.provider, "Custom");
        assert!(from_annotations("package x\n", "x").is_none());
    }
}
