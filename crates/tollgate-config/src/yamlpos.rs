//! YAML documents as JSON values whose mappings carry their lines, as Trivy's Kubernetes
//! checks expect: `{"__defsec_metadata": {"startline": 3, "endline": 9}, ...}`.
//!
//! Aliases are expanded under a node budget, so a "billion laughs" document is an error,
//! not an out-of-memory.

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Most nodes one file may expand to (aliases included).
const MAX_NODES: usize = 1_000_000;

/// The key holding a mapping's lines.
pub const META: &str = "__defsec_metadata";

enum Frame {
    Seq(Vec<Value>, usize),
    Map(Map<String, Value>, Option<String>, usize, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Value>,
    anchors: std::collections::HashMap<usize, Value>,
    pending_anchor: Vec<usize>,
    nodes: usize,
    last_line: usize,
    error: Option<String>,
}

fn scalar(s: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(s);
    }
    match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(i) = s.parse::<i64>() {
                Value::Number(i.into())
            } else if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
                if s.chars().any(|c| c.is_ascii_digit()) {
                    Value::Number(n)
                } else {
                    Value::String(s)
                }
            } else {
                Value::String(s)
            }
        }
    }
}

fn count(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(count).sum::<usize>(),
        _ => 1,
    }
}

impl Builder {
    fn add(&mut self, v: Value, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, v.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(v),
            Some(Frame::Seq(items, _)) => items.push(v),
            Some(Frame::Map(m, key, _, _)) => match key.take() {
                None => {
                    // A key: scalars become strings; complex keys are written as JSON text.
                    let k = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    *key = Some(k);
                }
                Some(k) => {
                    m.insert(k, v);
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.error = Some(format!("more than {MAX_NODES} YAML nodes (an alias bomb?)"));
            return;
        }
        match ev {
            Event::Scalar(s, style, anchor, _) => {
                self.last_line = mark.line();
                self.add(scalar(s, style), anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq(Vec::new(), anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack
                    .push(Frame::Map(Map::new(), None, anchor, mark.line()));
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items, anchor)) = self.stack.pop() {
                    self.add(Value::Array(items), anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(mut m, _, anchor, start)) = self.stack.pop() {
                    let end = self.last_line.max(start);
                    m.insert(
                        META.to_string(),
                        serde_json::json!({"startline": start, "endline": end}),
                    );
                    self.add(Value::Object(m), anchor);
                }
            }
            Event::Alias(id) => {
                let v = self.anchors.get(&id).cloned().unwrap_or(Value::Null);
                self.nodes += count(&v);
                if self.nodes > MAX_NODES {
                    self.error = Some(format!("more than {MAX_NODES} YAML nodes (an alias bomb?)"));
                    return;
                }
                self.add(v, 0);
            }
            _ => {}
        }
        let _ = &self.pending_anchor;
    }
}

/// Parses every document of a YAML stream.
pub fn parse(text: &str) -> Result<Vec<Value>, String> {
    let mut b = Builder::default();
    let mut p = Parser::new_from_str(text);
    p.load(&mut b, true).map_err(|e| e.to_string())?;
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_types_and_bombs() {
        let y = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    image: nginx\n    securityContext:\n      privileged: true\n---\nkind: Service\nport: 80\n";
        let docs = parse(y).unwrap();
        assert_eq!(docs.len(), 2);
        let c = &docs[0]["spec"]["containers"][0];
        assert_eq!(c["securityContext"]["privileged"], true);
        assert_eq!(c[META]["startline"], 7);
        assert_eq!(c[META]["endline"], 10);
        assert_eq!(docs[1]["port"], 80);
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert!(parse(bomb).unwrap_err().contains("alias bomb"));
        assert!(parse("a: [unclosed").is_err());
    }
}
