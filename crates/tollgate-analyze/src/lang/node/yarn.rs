//! `yarn.lock`: yarn classic (v1) and berry (v2+) (Trivy's `yarn`).
//!
//! A line-oriented reading that follows Trivy's parser: blocks are separated by blank lines,
//! a block's first line holds its patterns (`name@range, name@npm:range`), `version` its
//! version and `dependencies:` the ranges it needs. Only npm packages are listed: blocks
//! for `workspace:`, `patch:`, `file:`, `link:`, `portal:` and git sources are skipped.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{base_name, finish, in_dir, new_package, pkg_id};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// Reads `yarn.lock` outside `node_modules` and `.yarn` caches.
pub struct YarnAnalyzer;

impl Analyzer for YarnAnalyzer {
    fn name(&self) -> &'static str {
        "yarn"
    }
    fn version(&self) -> u32 {
        1
    }
    /// `yarn.lock`, except copies inside `node_modules` or `.yarn` (as Trivy).
    fn required(&self, path: &str) -> bool {
        base_name(path) == "yarn.lock" && !in_dir(path, "node_modules") && !in_dir(path, ".yarn")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let text = std::str::from_utf8(content)
            .map_err(|e| AnalyzeError::new(path, format!("yarn.lock is not UTF-8 text: {e}")))?;
        let packages = parse(text).map_err(|m| AnalyzeError::new(path, m))?;
        Ok(finish("yarn", path, packages))
    }
    fn siblings(&self) -> &'static [&'static str] {
        &["package.json"]
    }
    /// With the project's `package.json` (and those of the workspaces it names), packages are
    /// marked direct/indirect and dev as Trivy's yarn post-analyzer does; without one, or when
    /// it does not parse, the lockfile alone.
    fn analyze_with_siblings(
        &self,
        path: &str,
        content: &[u8],
        siblings: &[(&str, &[u8])],
    ) -> Result<AnalysisResult, AnalyzeError> {
        let Some(root) = crate::sibling_in_dir(path, "package.json", siblings) else {
            return self.analyze(path, content);
        };
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let root_path = if dir.is_empty() {
            "package.json".to_string()
        } else {
            format!("{dir}/package.json")
        };
        let mut jsons: Vec<(&str, &[u8])> = vec![(root_path.as_str(), root)];
        if let Some(set) = workspace_globs(root) {
            for (p, c) in siblings {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(p)
                    .trim_start_matches('/')
                    .trim_end_matches("/package.json");
                if *p != root_path && set.is_match(rel) {
                    jsons.push((p, c));
                }
            }
        }
        let mut r = match analyze_with_package_json(path, content, &jsons) {
            Ok(r) => r,
            Err(_) => return self.analyze(path, content),
        };
        // The project and its workspaces are listed too (Trivy's `root` and `workspace`).
        if let Some(app) = r.applications.first_mut() {
            for (i, (_, c)) in jsons.iter().enumerate() {
                let v: serde_json::Value = serde_json::from_slice(c).unwrap_or_default();
                let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                app.packages.push(Package {
                    name: field("name"),
                    version: field("version"),
                    relationship: if i == 0 { "root" } else { "workspace" }.to_string(),
                    ..Default::default()
                });
            }
        }
        Ok(r)
    }
}

/// The `workspaces` globs of a root package.json (`["packages/*"]` or `{"packages": [...]}`).
fn workspace_globs(root: &[u8]) -> Option<globset::GlobSet> {
    let v: serde_json::Value = serde_json::from_slice(root).ok()?;
    let list = match &v["workspaces"] {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => o.get("packages")?.as_array()?.clone(),
        _ => return None,
    };
    let mut b = globset::GlobSetBuilder::new();
    for g in list.iter().filter_map(|g| g.as_str()) {
        let g = g.trim_start_matches("./").trim_end_matches('/');
        if let Ok(glob) = globset::GlobBuilder::new(g).literal_separator(true).build() {
            b.add(glob);
        }
    }
    b.build().ok()
}

struct Block {
    name: String,
    version: String,
    patterns: Vec<String>,
    deps: Vec<String>,
}

/// Splits on blank lines (`\n\n` or `\r\n\r\n`), like Trivy's block scanner.
fn blocks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (block, next) = if let Some(i) = rest.find("\n\n") {
            (&rest[..i], &rest[i + 2..])
        } else if let Some(i) = rest.find("\r\n\r\n") {
            (&rest[..i], &rest[i + 4..])
        } else {
            (rest, "")
        };
        rest = next;
        Some(block)
    })
}

fn parse(text: &str) -> Result<Vec<Package>, String> {
    parse_with_patterns(text).map(|(pkgs, _)| pkgs)
}

/// Package ID -> the `name@range` patterns that resolved to it.
type PatternsById = HashMap<String, Vec<String>>;

/// Packages, and for each package ID the `name@range` patterns that resolved to it.
fn parse_with_patterns(text: &str) -> Result<(Vec<Package>, PatternsById), String> {
    if text.contains('\0') {
        return Err("not a yarn.lock: binary content (NUL bytes)".to_string());
    }
    let mut parsed: Vec<Block> = Vec::new();
    let mut recognized = false;
    for block in blocks(text) {
        let (b, known) = parse_block(block);
        recognized |= known;
        parsed.extend(b);
    }
    // Trivy lists nothing for text with no yarn.lock entry; we say the file is not one.
    let has_content = text
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    if !recognized && has_content {
        return Err("not a yarn.lock: no `name@range:` entry or `__metadata` block".to_string());
    }
    // pattern (`name@range`) -> package ID, to resolve `dependencies`.
    let mut by_pattern: HashMap<&str, String> = HashMap::new();
    for b in &parsed {
        for p in &b.patterns {
            by_pattern.insert(p.as_str(), pkg_id(&b.name, &b.version));
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Package> = Vec::new();
    let mut patterns: HashMap<String, Vec<String>> = HashMap::new();
    for b in &parsed {
        let id = pkg_id(&b.name, &b.version);
        patterns
            .entry(id.clone())
            .or_default()
            .extend(b.patterns.iter().cloned());
        let deps = b
            .deps
            .iter()
            .filter_map(|d| by_pattern.get(d.as_str()).cloned());
        match seen.get(&id) {
            Some(&i) => out[i].depends_on.extend(deps),
            None => {
                let mut p = new_package(&b.name, &b.version);
                p.depends_on = deps.collect();
                seen.insert(id, out.len());
                out.push(p);
            }
        }
    }
    Ok((out, patterns))
}

#[derive(serde::Deserialize, Default)]
struct ProjectJson {
    #[serde(default)]
    dependencies: Option<BTreeMap<String, String>>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: Option<BTreeMap<String, String>>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: Option<BTreeMap<String, String>>,
}

/// `yarn.lock` read together with the project's `package.json` and those of its workspaces
/// (root first), as Trivy's yarn post-analyzer does: packages reached from `dependencies` /
/// `optionalDependencies` are production, those reached only from `devDependencies` are dev,
/// and the ones named in a package.json are `direct`. For a caller that can read the files
/// next to `yarn.lock`; [`YarnAnalyzer`] alone sees one file and marks nothing. A package.json
/// that does not parse is an error; Trivy then keeps the unmarked list, which
/// [`YarnAnalyzer`] gives.
pub fn analyze_with_package_json(
    path: &str,
    lock: &[u8],
    package_jsons: &[(&str, &[u8])],
) -> Result<AnalysisResult, AnalyzeError> {
    let text = std::str::from_utf8(lock)
        .map_err(|e| AnalyzeError::new(path, format!("yarn.lock is not UTF-8 text: {e}")))?;
    let (list, patterns) = parse_with_patterns(text).map_err(|m| AnalyzeError::new(path, m))?;
    let mut pkgs: BTreeMap<String, Package> = list
        .into_iter()
        .map(|p| (pkg_id(&p.name, &p.version), p))
        .collect();
    for (pj_path, content) in package_jsons {
        let pj: ProjectJson = super::pkgjson::first_json_value(content)
            .map_err(|e| AnalyzeError::new(pj_path, format!("invalid package.json: {e}")))?;
        // Dev first, so that production wins where both reach a package.
        let dev = pj.dev_dependencies.unwrap_or_default();
        walk(&mut pkgs, &patterns, &dev, true);
        let mut prod = pj.optional_dependencies.unwrap_or_default();
        prod.extend(pj.dependencies.unwrap_or_default());
        walk(&mut pkgs, &patterns, &prod, false);
    }
    Ok(finish("yarn", path, pkgs.into_values().collect()))
}

/// Marks the packages `direct` names (name -> constraint) and everything they pull in.
fn walk(
    pkgs: &mut BTreeMap<String, Package>,
    patterns: &HashMap<String, Vec<String>>,
    direct: &BTreeMap<String, String>,
    dev: bool,
) {
    // Resolve each declared dependency to the package(s) whose yarn.lock pattern it is.
    let mut roots: Vec<String> = Vec::new();
    for (declared, constraint) in direct {
        // `"alias": "npm:real@range"` points at `real`.
        let (name, range) = match constraint.strip_prefix("npm:") {
            Some(d) => match try_parse_descriptor(d) {
                Some((real, range)) => (real, range.to_string()),
                None => (declared.clone(), d.to_string()),
            },
            None => (declared.clone(), constraint.clone()),
        };
        let wanted = pkg_id(&name, &range);
        // The yarn.lock entry made for this very range; failing that (berry writes the
        // resolved version in its patterns), the versions of that name the range allows.
        let by_pattern: Vec<String> = pkgs
            .iter()
            .filter(|(id, p)| {
                p.name == name && patterns.get(*id).is_some_and(|ps| ps.contains(&wanted))
            })
            .map(|(id, _)| id.clone())
            .collect();
        if by_pattern.is_empty() {
            roots.extend(
                pkgs.iter()
                    .filter(|(_, p)| p.name == name && npm_satisfies(&p.version, &range))
                    .map(|(id, _)| id.clone()),
            );
        } else {
            roots.extend(by_pattern);
        }
    }
    let mut stack: Vec<(String, bool)> = Vec::new();
    for id in roots {
        if let Some(p) = pkgs.get_mut(&id) {
            if p.relationship.is_empty() || p.dev {
                p.dev = dev;
            }
            p.relationship = "direct".to_string();
            stack.push((id, p.dev));
        }
    }
    // Then everything reachable, each package once per walk.
    let mut seen: HashSet<String> = HashSet::new();
    while let Some((id, parent_dev)) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let deps = pkgs
            .get(&id)
            .map(|p| p.depends_on.clone())
            .unwrap_or_default();
        for dep in deps {
            if seen.contains(&dep) {
                continue;
            }
            if let Some(d) = pkgs.get_mut(&dep) {
                if d.relationship.is_empty() || d.dev {
                    d.dev = parent_dev;
                }
                if d.relationship != "direct" {
                    d.relationship = "indirect".to_string();
                }
                stack.push((dep, d.dev));
            }
        }
    }
}

fn valid_protocol(p: &str) -> bool {
    matches!(p, "npm" | "")
}

fn ignored_protocol(p: &str) -> bool {
    matches!(
        p,
        "workspace"
            | "patch"
            | "file"
            | "link"
            | "portal"
            | "github"
            | "git"
            | "git+ssh"
            | "git+http"
            | "git+https"
            | "git+file"
    )
}

/// One block; `None` when it holds no npm package (metadata, comments, other protocols).
/// The flag says whether the block looked like a yarn.lock entry at all.
fn parse_block(block: &str) -> (Option<Block>, bool) {
    let mut name = String::new();
    let mut version = String::new();
    let mut patterns = Vec::new();
    let mut deps = Vec::new();
    let mut skip = false;
    let mut unknown_protocol = false;
    let mut recognized = false;
    let mut lines = block.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    while let Some(raw) = lines.next() {
        if raw.is_empty() || raw.starts_with('#') || skip {
            continue;
        }
        if raw.starts_with("__metadata") {
            skip = true;
            recognized = true;
            continue;
        }
        let line = raw.trim();
        let line = line.strip_prefix('"').unwrap_or(line);
        if line.starts_with("version") {
            match get_version(line) {
                Some(v) => version = v.to_string(),
                None => skip = true,
            }
            continue;
        }
        if line.starts_with("dependencies:") {
            // The line that ends the list is consumed with it, as in Trivy.
            deps.clear();
            for l in lines.by_ref() {
                match get_dependency(l) {
                    Some(Some((n, v))) => deps.push(pkg_id(n, v)),
                    Some(None) => {}
                    None => break,
                }
            }
            continue;
        }
        if let Some((n, protocol, pats)) = parse_patterns(line) {
            recognized = true;
            if !valid_protocol(&protocol) {
                skip = true;
                if !ignored_protocol(&protocol) {
                    // Trivy warns and drops the block.
                    unknown_protocol = true;
                }
                continue;
            }
            name = n;
            patterns = pats;
        }
    }
    if unknown_protocol || name.is_empty() {
        return (None, recognized);
    }
    let block = Block {
        name,
        version,
        patterns,
        deps,
    };
    (Some(block), recognized)
}

/// `^"?version:?"?\s+"?(?P<version>[^"]+)"?` on a line already stripped of a leading quote.
fn get_version(line: &str) -> Option<&str> {
    let s = line.strip_prefix('"').unwrap_or(line);
    let s = s.strip_prefix("version")?;
    let s = s.strip_prefix(':').unwrap_or(s);
    let s = s.strip_prefix('"').unwrap_or(s);
    let t = s.trim_start();
    if t.len() == s.len() {
        return None;
    }
    let t = t.strip_prefix('"').unwrap_or(t);
    let v = t.split('"').next().unwrap_or("");
    if v.is_empty() {
        None
    } else {
        Some(v)
    }
}

/// A `dependencies:` entry (`    name "range"` or `    name: range`). `None` ends the list;
/// `Some(None)` is an entry for a non-npm protocol.
fn get_dependency(line: &str) -> Option<Option<(&str, &str)>> {
    // `\s{4,}` somewhere: in practice the indentation.
    let indent = line.len() - line.trim_start().len();
    if indent < 4 {
        return None;
    }
    let s = &line[indent..];
    let s = s.strip_prefix('"').unwrap_or(s);
    // The name ends at the first `"?:?\s` that leaves a version behind.
    for (i, c) in s.char_indices() {
        if i == 0 || !c.is_whitespace() {
            continue;
        }
        let mut name = &s[..i];
        name = name.strip_suffix(':').unwrap_or(name);
        name = name.strip_suffix('"').unwrap_or(name);
        if name.is_empty() {
            continue;
        }
        let rest = &s[i + c.len_utf8()..];
        let rest = rest.strip_prefix('"').unwrap_or(rest);
        let (protocol, version) = split_protocol(rest, |v| !v.is_empty() && !v.starts_with('"'));
        let version = version.split('"').next().unwrap_or("");
        if version.is_empty() {
            continue;
        }
        if !valid_protocol(protocol) {
            return Some(None);
        }
        return Some(Some((name, version)));
    }
    None
}

/// `(?:(?P<protocol>\S+?):)?` followed by something `rest_ok` accepts.
fn split_protocol(s: &str, rest_ok: impl Fn(&str) -> bool) -> (&str, &str) {
    for (j, c) in s.char_indices() {
        if c.is_whitespace() {
            break;
        }
        if c == ':' && j > 0 && rest_ok(&s[j + 1..]) {
            return (&s[..j], &s[j + 1..]);
        }
    }
    ("", s)
}

/// One pattern: `(name, protocol, range)`; npm aliases (`alias@npm:real@range`) give the
/// real package's name.
fn parse_pattern(seg: &str) -> Option<(String, String, String)> {
    let mut s = seg;
    if let Some(c) = s.chars().next() {
        if c.is_whitespace() {
            s = &s[c.len_utf8()..];
        }
    }
    s = s.strip_prefix('\\').unwrap_or(s);
    s = s.strip_prefix('"').unwrap_or(s);
    // package: the shortest non-blank run before an `@`, at least one character.
    let mut at = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            break;
        }
        if c == '@' && i > 0 {
            at = Some(i);
            break;
        }
    }
    let at = at?;
    let package = &s[..at];
    let rest = &s[at + 1..];
    if rest.is_empty() {
        return None;
    }
    let (protocol, range) = split_protocol(rest, |r| !r.is_empty());
    let mut range = range;
    for suffix in [':', '"', '\\'] {
        if range.len() > 1 {
            range = range.strip_suffix(suffix).unwrap_or(range);
        }
    }
    if protocol == "npm" {
        if let Some((real, real_range)) = try_parse_descriptor(range) {
            return Some((real, protocol.to_string(), real_range.to_string()));
        }
    }
    Some((package.to_string(), protocol.to_string(), range.to_string()))
}

/// yarn's loose descriptor `^(?:@([^/]+?)/)?([^@/]+?)(?:@(.+))?$`, rejecting version ranges
/// and dist-tags as names.
fn try_parse_descriptor(d: &str) -> Option<(String, &str)> {
    let (scope, rest) = match d.strip_prefix('@') {
        Some(r) => {
            let (scope, rest) = r.split_once('/')?;
            if scope.is_empty() {
                return None;
            }
            (Some(scope), rest)
        }
        None => (None, d),
    };
    let (name, range) = match rest.split_once('@') {
        Some((n, r)) => {
            if r.is_empty() {
                return None;
            }
            (n, r)
        }
        None => (rest, ""),
    };
    if name.is_empty() || name.contains('/') {
        return None;
    }
    let first = name.as_bytes()[0];
    if first.is_ascii_digit() || b"^~><=*".contains(&first) {
        return None;
    }
    if matches!(
        name,
        "latest" | "next" | "canary" | "beta" | "alpha" | "rc" | "stable" | "dev" | "experimental"
    ) {
        return None;
    }
    let full = match scope {
        Some(s) => format!("@{s}/{name}"),
        None => name.to_string(),
    };
    Some((full, range))
}

/// The block's header: `(name, protocol, pattern IDs)`. An alias pattern (`npm:` protocol)
/// decides the name.
fn parse_patterns(line: &str) -> Option<(String, String, Vec<String>)> {
    let segs: Vec<&str> = line.split(", ").collect();
    let mut chosen: Option<(String, String)> = None;
    for seg in &segs {
        let Some((n, proto, _)) = parse_pattern(seg) else {
            continue;
        };
        if proto == "npm" {
            chosen = Some((n, proto));
            break;
        }
        if chosen.is_none() {
            chosen = Some((n, proto));
        }
    }
    let (name, protocol) = chosen?;
    let patterns = segs
        .iter()
        .map(|seg| match parse_pattern(seg) {
            Some((n, _, v)) => pkg_id(&n, &v),
            None => pkg_id("", ""),
        })
        .collect();
    Some((name, protocol, patterns))
}

/// A parsed `major.minor.patch[-pre]`; missing or `x`/`*` parts are `None`.
type Partial = (Option<u64>, Option<u64>, Option<u64>, String);

fn parse_partial(v: &str) -> Option<Partial> {
    let v = v.trim().trim_start_matches(['v', '=']);
    let v = v.split('+').next().unwrap_or("");
    let (core, pre) = v.split_once('-').unwrap_or((v, ""));
    let mut parts = core.split('.');
    let num = |s: Option<&str>| -> Option<Option<u64>> {
        match s {
            None | Some("x") | Some("X") | Some("*") => Some(None),
            Some(n) => n.parse().ok().map(Some),
        }
    };
    let major = num(parts.next())?;
    let minor = num(parts.next())?;
    let patch = num(parts.next())?;
    if parts.next().is_some() || core.is_empty() && !v.is_empty() {
        return None;
    }
    Some((major, minor, patch, pre.to_string()))
}

type Full = (u64, u64, u64, String);

/// A range end: the version and whether it is included; `None` is unbounded.
type Bound = Option<(Full, bool)>;

fn cmp_full(a: &Full, b: &Full) -> std::cmp::Ordering {
    (a.0, a.1, a.2)
        .cmp(&(b.0, b.1, b.2))
        .then_with(|| match (a.3.is_empty(), b.3.is_empty()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            (false, false) => a.3.cmp(&b.3),
        })
}

/// `[lower, upper)` bounds of one comparator; `None` bound means unbounded.
fn comparator_bounds(c: &str) -> Option<(Bound, Bound)> {
    let ops = [">=", "<=", ">", "<", "^", "~", "="];
    let (op, rest) = ops
        .iter()
        .find_map(|op| c.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("", c));
    let rest = rest.trim_start_matches('=');
    let (ma, mi, pa, pre) = parse_partial(rest)?;
    let lo = |ma: Option<u64>, mi: Option<u64>, pa: Option<u64>| -> Full {
        (
            ma.unwrap_or(0),
            mi.unwrap_or(0),
            pa.unwrap_or(0),
            pre.clone(),
        )
    };
    let next_up = |ma: Option<u64>, mi: Option<u64>| -> Option<Full> {
        match (ma, mi) {
            (None, _) => None,
            (Some(m), None) => Some((m + 1, 0, 0, "0".into())),
            (Some(m), Some(n)) => Some((m, n + 1, 0, "0".into())),
        }
    };
    let incl = |f: Full| Some((f, true));
    let excl = |f: Option<Full>| f.map(|f| (f, false));
    Some(match op {
        "" | "=" => match (ma, mi, pa) {
            (Some(_), Some(_), Some(_)) => (incl(lo(ma, mi, pa)), incl(lo(ma, mi, pa))),
            _ => (incl(lo(ma, mi, pa)), excl(next_up(ma, mi))),
        },
        ">=" => (incl(lo(ma, mi, pa)), None),
        ">" => match (ma, mi, pa) {
            (Some(_), Some(_), Some(_)) => (Some((lo(ma, mi, pa), false)), None),
            _ => (next_up(ma, mi).and_then(incl), None),
        },
        "<" => (None, excl(Some(lo(ma, mi, pa)))),
        "<=" => match (ma, mi, pa) {
            (Some(_), Some(_), Some(_)) => (None, incl(lo(ma, mi, pa))),
            _ => (None, excl(next_up(ma, mi))),
        },
        "~" => match (ma, mi) {
            (Some(_), Some(_)) => (incl(lo(ma, mi, pa)), excl(next_up(ma, mi))),
            _ => (incl(lo(ma, mi, pa)), excl(next_up(ma, None))),
        },
        _ => {
            // ^: the leftmost non-zero part may not change.
            let upper = match (ma, mi, pa) {
                (None, _, _) => None,
                (Some(m), _, _) if m > 0 => next_up(Some(m), None),
                (Some(m), None, _) => next_up(Some(m), None),
                (Some(m), Some(n), _) if n > 0 => next_up(Some(m), Some(n)),
                (Some(m), Some(n), None) => next_up(Some(m), Some(n)),
                (Some(m), Some(n), Some(p)) => Some((m, n, p + 1, "0".into())),
            };
            (incl(lo(ma, mi, pa)), excl(upper))
        }
    })
}

/// Whether `version` satisfies an npm range (`^1.2.0`, `~1.2`, `>=1 <2`, `1.x || 2.x`,
/// `1.0.0 - 2.0.0`). Unknown forms (tags, URLs) do not match.
fn npm_satisfies(version: &str, range: &str) -> bool {
    let Some((Some(a), Some(b), Some(c), pre)) = parse_partial(version) else {
        return false;
    };
    let v: Full = (a, b, c, pre);
    range.split("||").any(|alt| {
        let alt = alt.trim();
        if alt.is_empty() || alt == "*" || alt == "x" {
            return true;
        }
        let comparators: Vec<String> = match alt.split_once(" - ") {
            Some((from, to)) => vec![format!(">={}", from.trim()), format!("<={}", to.trim())],
            None => {
                // `>= 1.2` is written with a space sometimes: glue operators to their version.
                let mut out: Vec<String> = Vec::new();
                for tok in alt.split_whitespace() {
                    match out.last_mut() {
                        Some(last) if last.chars().all(|c| "<>=^~".contains(c)) => {
                            last.push_str(tok)
                        }
                        _ => out.push(tok.to_string()),
                    }
                }
                out
            }
        };
        comparators.iter().all(|c| match comparator_bounds(c) {
            None => false,
            Some((lower, upper)) => {
                let lower_ok = lower.is_none_or(|(b, inclusive)| {
                    let o = cmp_full(&v, &b);
                    o.is_gt() || (inclusive && o.is_eq())
                });
                let upper_ok = upper.is_none_or(|(b, inclusive)| {
                    let o = cmp_full(&v, &b);
                    o.is_lt() || (inclusive && o.is_eq())
                });
                lower_ok && upper_ok
            }
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn npm_ranges() {
        for (v, r, want) in [
            ("3.0.1", "^3.0.1", true),
            ("3.1.0", "^3.0.1", true),
            ("4.0.0", "^3.0.1", false),
            ("0.2.5", "^0.2.3", true),
            ("0.3.0", "^0.2.3", false),
            ("0.0.3", "^0.0.3", true),
            ("0.0.4", "^0.0.3", false),
            ("1.2.9", "~1.2.3", true),
            ("1.3.0", "~1.2.3", false),
            ("1.9.0", "~1", true),
            ("1.2.7", "1.2.7", true),
            ("1.2.8", "1.2.7", false),
            ("1.5.0", "1.x", true),
            ("2.0.0", "1.x || 2.x", true),
            ("1.5.0", ">=1.2 <2", true),
            ("2.0.0", ">=1.2 <2", false),
            ("1.5.0", ">= 1.2", true),
            ("1.5.0", "1.0.0 - 2.0.0", true),
            ("2.0.0-beta.1", "^2.0.0", false),
            ("5.0.0", "*", true),
            ("5.0.0", "latest", false),
        ] {
            assert_eq!(super::npm_satisfies(v, r), want, "{v} {r}");
        }
    }

    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(
            parse_pattern("@babel/code-frame@^7.0.0\""),
            Some(("@babel/code-frame".into(), "".into(), "^7.0.0".into()))
        );
        assert_eq!(
            parse_pattern("\"foo-json@npm:@types/jsonstream@0.8.33\":"),
            Some(("@types/jsonstream".into(), "npm".into(), "0.8.33".into()))
        );
        assert_eq!(
            parse_pattern("lodash@npm:^4.17.0\":"),
            Some(("lodash".into(), "npm".into(), "^4.17.0".into()))
        );
        assert_eq!(
            parse_pattern("asap@~2.0.3:").map(|p| p.2),
            Some("~2.0.3".into())
        );
        assert_eq!(parse_pattern("resolution: \"a@npm:1\""), None);
    }

    #[test]
    fn dependency_lines() {
        assert_eq!(
            get_dependency("    \"@babel/highlight\" \"^7.0.0\""),
            Some(Some(("@babel/highlight", "^7.0.0")))
        );
        assert_eq!(get_dependency("    ms: 2.1.2"), Some(Some(("ms", "2.1.2"))));
        assert_eq!(
            get_dependency("    js-tokens \"^3.0.0 || ^4.0.0\""),
            Some(Some(("js-tokens", "^3.0.0 || ^4.0.0")))
        );
        assert_eq!(get_dependency("  languageName: node"), None);
    }

    #[test]
    fn versions() {
        assert_eq!(get_version("version \"1.2.3\""), Some("1.2.3"));
        assert_eq!(get_version("version: 1.2.3"), Some("1.2.3"));
        assert_eq!(get_version("versions@1.0:"), None);
    }
}
