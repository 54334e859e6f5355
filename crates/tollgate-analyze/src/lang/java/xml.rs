//! A small element tree over quick-xml, enough to read Maven descriptors the way Go's
//! `encoding/xml` does for Trivy: names are matched by local name (namespaces ignored), the
//! text of an element is its direct character data, and decoding stops after the first
//! top-level element (what follows it is never read).

use quick_xml::events::Event;
use quick_xml::Reader;

/// One element: its local name, its direct text and its child elements.
#[derive(Debug, Default, Clone)]
pub struct Element {
    /// Local name (`project`, `dependency`).
    pub name: String,
    /// Character data directly inside this element, concatenated.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

/// Deepest element nesting accepted; real descriptors stay well under 20.
const MAX_DEPTH: usize = 256;

impl Element {
    /// First child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    /// Text of the last child named `name` (Go's decoder keeps the last value it saw);
    /// empty when there is none.
    pub fn child_text(&self, name: &str) -> String {
        self.children
            .iter()
            .rev()
            .find(|c| c.name == name)
            .map(|c| c.text.clone())
            .unwrap_or_default()
    }
    /// All children named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// Follows a path of child names, taking the first match at each step.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        let mut cur = self;
        for n in names {
            cur = cur.child(n)?;
        }
        Some(cur)
    }
}

fn local(name: &str) -> String {
    match name.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.to_string(),
    }
}

fn entity(name: &str) -> Result<String, String> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                None
            };
            return code
                .and_then(char::from_u32)
                .map(|c| c.to_string())
                .ok_or_else(|| format!("invalid character entity &{name};"));
        }
    };
    Ok(c.to_string())
}

/// Parses the first top-level element of `text`.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("XML syntax error at byte {}: {e}", reader.buffer_position()))?;
        match ev {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                }
                stack.push(Element {
                    name: local(e.name().as_ref()),
                    ..Default::default()
                });
            }
            Event::Empty(e) => {
                let el = Element {
                    name: local(e.name().as_ref()),
                    ..Default::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("unexpected end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::Text(t) => {
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let s = entity(&r.into_inner())?;
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&s);
                }
            }
            Event::Eof => {
                return Err(if stack.is_empty() {
                    "no XML element found".to_string()
                } else {
                    "unexpected end of XML: element not closed".to_string()
                })
            }
            _ => {}
        }
    }
}

/// Decodes bytes as UTF-8, or as Latin-1 when the XML declaration says ISO-8859-1 /
/// windows-1252 (Go's charset reader handles those too).
pub fn decode(content: &[u8]) -> Result<String, String> {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    match std::str::from_utf8(content) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let head =
                String::from_utf8_lossy(&content[..content.len().min(200)]).to_ascii_lowercase();
            if head.contains("iso-8859-1")
                || head.contains("latin1")
                || head.contains("windows-1252")
            {
                Ok(content.iter().map(|&b| b as char).collect())
            } else {
                Err(format!("not UTF-8 text: {e}"))
            }
        }
    }
}
