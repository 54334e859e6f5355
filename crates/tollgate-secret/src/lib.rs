//! Secret scanning with Trivy's habits: the same built-in rules and allow rules, the same
//! `trivy-secret.yaml` config, and findings shaped like Trivy's (`RuleID`, lines, masked
//! `Match` and `Code.Lines`).
//!
//! A [`Scanner`] is built once per scan. Every rule has keywords; one Aho-Corasick pass over a
//! file finds which keywords occur, and only the rules with a keyword present (or without
//! keywords) run their regex, so most files cost one linear pass.

use std::collections::HashSet;
use std::path::Path;

use aho_corasick::AhoCorasick;
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

mod rules;

/// Files bigger than this are not scanned (Trivy warns from 10 MiB on; logs and dumps that big
/// are rarely where keys are kept, and scanning them costs memory).
pub const MAX_FILE_SIZE: u64 = 10 << 20;

/// Files smaller than this cannot hold a secret (Trivy's bound).
const MIN_FILE_SIZE: u64 = 10;

/// Lines of context above and below a secret in [`Finding::code`].
const CONTEXT_LINES: usize = 2;

/// Bumped when rules or finding shapes change: it feeds the layer-cache key.
const ENGINE_VERSION: u32 = 1;

/// A config or rule that cannot be used; the message names the file and the rule.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id (`aws-access-key-id`).
    pub rule_id: String,
    /// Rule category (`AWS`).
    pub category: String,
    /// UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL.
    pub severity: String,
    /// Rule title.
    pub title: String,
    /// First line of the secret, 1-based.
    pub start_line: usize,
    /// Last line of the secret, 1-based.
    pub end_line: usize,
    /// The lines around the secret, every secret of the file masked.
    pub code: Vec<CodeLine>,
    /// The secret's line (a window of it when long), masked.
    pub match_line: String,
    /// Byte offset of the secret in the (line-ending normalised) file.
    pub offset: usize,
}

/// One line of [`Finding::code`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeLine {
    /// 1-based line number.
    pub number: usize,
    /// The masked text.
    pub content: String,
    /// Whether the secret is on this line.
    pub is_cause: bool,
    /// The first line of the secret.
    pub first_cause: bool,
    /// The last line of the secret.
    pub last_cause: bool,
}

struct Rule {
    id: String,
    category: String,
    title: String,
    severity: String,
    regex: Regex,
    /// Capture-group indices holding the secret; empty: the whole match is the secret.
    groups: Vec<usize>,
    keywords: Vec<String>,
    path: Option<Regex>,
    allow: Vec<AllowRule>,
    exclude: Vec<Regex>,
}

#[derive(Clone)]
struct AllowRule {
    id: String,
    path: Option<Regex>,
    regex: Option<Regex>,
}

fn allow_path(rules: &[AllowRule], path: &str) -> bool {
    rules
        .iter()
        .any(|r| r.path.as_ref().is_some_and(|p| p.is_match(path.as_bytes())))
}

fn allow_match(rules: &[AllowRule], m: &[u8]) -> bool {
    rules
        .iter()
        .any(|r| r.regex.as_ref().is_some_and(|x| x.is_match(m)))
}

// ---- trivy-secret.yaml ----

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default, rename = "enable-builtin-rules")]
    enable_builtin_rules: Vec<String>,
    #[serde(default, rename = "disable-rules")]
    disable_rules: Vec<String>,
    #[serde(default, rename = "disable-allow-rules")]
    disable_allow_rules: Vec<String>,
    #[serde(default)]
    rules: Vec<ConfigRule>,
    #[serde(default, rename = "allow-rules")]
    allow_rules: Vec<ConfigAllowRule>,
    #[serde(default, rename = "exclude-block")]
    exclude_block: ConfigExcludeBlock,
}

#[derive(Deserialize, Default)]
struct ConfigRule {
    #[serde(default)]
    id: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default, rename = "allow-rules")]
    allow_rules: Vec<ConfigAllowRule>,
    #[serde(default, rename = "exclude-block")]
    exclude_block: ConfigExcludeBlock,
    #[serde(default, rename = "secret-group-name")]
    secret_group_name: String,
}

#[derive(Deserialize, Default)]
struct ConfigAllowRule {
    #[serde(default)]
    id: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize, Default)]
struct ConfigExcludeBlock {
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    #[serde(default)]
    regexes: Vec<String>,
}

/// Go's regexp allows a group name twice (Trivy's configs use `(?P<secret>..)` for each of
/// several secrets); Rust's does not. Later uses of a name get a numbered alias, and every
/// group whose name or alias stems from `group` counts.
fn dedupe_group_names(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut seen: HashSet<String> = HashSet::new();
    let mut rest = src;
    let mut n = 0;
    while let Some(i) = rest.find("(?P<").or_else(|| rest.find("(?<")) {
        let open = if rest[i..].starts_with("(?P<") { 4 } else { 3 };
        // An escaped paren is a literal, not a group.
        let escaped = rest[..i].ends_with('\\') && !rest[..i].ends_with("\\\\");
        out.push_str(&rest[..i + open]);
        rest = &rest[i + open..];
        if escaped {
            continue;
        }
        let Some(end) = rest.find('>') else { break };
        let name = &rest[..end];
        if seen.insert(name.to_string()) {
            out.push_str(name);
        } else {
            n += 1;
            out.push_str(&format!("{name}__tgdup{n}"));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn compile(src: &str, what: &dyn Fn() -> String) -> Result<Regex, ConfigError> {
    regex::bytes::RegexBuilder::new(&dedupe_group_names(src))
        .size_limit(64 << 20)
        .build()
        .map_err(|e| {
            let first = e.to_string();
            let first = first.lines().last().unwrap_or("").trim().to_string();
            ConfigError(format!("{}: invalid regex {src:?}: {first}", what()))
        })
}

fn secret_groups(re: &Regex, group: &str) -> Vec<usize> {
    if group.is_empty() {
        return Vec::new();
    }
    let alias = format!("{group}__tgdup");
    re.capture_names()
        .enumerate()
        .filter(|(_, n)| n.is_some_and(|n| n == group || n.starts_with(&alias)))
        .map(|(i, _)| i)
        .collect()
}

/// The severity as reported; a value that is not a severity is reported as UNKNOWN with a
/// warning, as Trivy does, so a config that Trivy takes is taken here too.
fn normalize_severity(s: &str, what: &dyn Fn() -> String, warnings: &mut Vec<String>) -> String {
    let up = s.trim().to_ascii_uppercase();
    match up.as_str() {
        "" => "UNKNOWN".into(),
        "UNKNOWN" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL" => up,
        _ => {
            warnings.push(format!(
                "{}: incorrect severity {s:?} (use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL): reported as UNKNOWN",
                what()
            ));
            "UNKNOWN".into()
        }
    }
}

fn allow_rules(
    list: &[ConfigAllowRule],
    what: &dyn Fn() -> String,
) -> Result<Vec<AllowRule>, ConfigError> {
    list.iter()
        .enumerate()
        .map(|(i, a)| {
            let w = || format!("{}: allow rule {}", what(), display_id(&a.id, i));
            Ok(AllowRule {
                id: a.id.clone(),
                path: a.path.as_deref().map(|p| compile(p, &w)).transpose()?,
                regex: a.regex.as_deref().map(|p| compile(p, &w)).transpose()?,
            })
        })
        .collect()
}

fn display_id(id: &str, i: usize) -> String {
    if id.is_empty() {
        format!("#{}", i + 1)
    } else {
        format!("{id:?}")
    }
}

/// The secret scanner: rules, allow rules, exclude blocks and the keyword prefilter.
pub struct Scanner {
    rules: Vec<Rule>,
    allow: Vec<AllowRule>,
    exclude: Vec<Regex>,
    /// All keywords, lowercased; `keyword_rules[k]` are the rules keyword `k` enables.
    prefilter: Option<AhoCorasick>,
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords: they always run.
    unconditional: Vec<usize>,
    /// The config file's base name: the scan never reports the config itself.
    config_name: Option<String>,
    warnings: Vec<String>,
    fingerprint: String,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.rules.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl Scanner {
    /// The built-in rules and allow rules only.
    pub fn builtin() -> Scanner {
        // The built-in rules are tested to compile, so no config error can come out of this.
        Self::build(ConfigFile::default(), None, "builtin").unwrap_or_else(|e| {
            unreachable!("built-in secret rules must compile: {e}");
        })
    }

    /// Builds the scanner from a `trivy-secret.yaml` text (`name` names it in errors).
    pub fn from_yaml(name: &str, text: &str) -> Result<Scanner, ConfigError> {
        let cfg: ConfigFile = if text.trim().is_empty() {
            ConfigFile::default()
        } else {
            serde_norway::from_str(text)
                .map_err(|e| ConfigError(format!("secret config {name}: {e}")))?
        };
        let base = Path::new(name)
            .file_name()
            .map(|b| b.to_string_lossy().into_owned());
        Self::build(cfg, base, &format!("config:{name}\n{text}"))
    }

    /// Loads `path` when given (an error if it cannot be read), else `trivy-secret.yaml` in
    /// the current directory when present (as Trivy does), else the built-in rules.
    pub fn load(path: Option<&Path>) -> Result<Scanner, ConfigError> {
        let (p, must) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (Path::new("trivy-secret.yaml").to_path_buf(), false),
        };
        match std::fs::read_to_string(&p) {
            Ok(text) => Self::from_yaml(&p.display().to_string(), &text),
            Err(e) if !must && e.kind() == std::io::ErrorKind::NotFound => Ok(Self::builtin()),
            Err(e) => Err(ConfigError(format!(
                "cannot read secret config {}: {e} (give an existing file to --secret-config)",
                p.display()
            ))),
        }
    }

    fn build(
        cfg: ConfigFile,
        config_name: Option<String>,
        ident: &str,
    ) -> Result<Scanner, ConfigError> {
        let mut rules = Vec::new();
        let mut warnings = Vec::new();
        for b in rules::BUILTIN {
            if !cfg.enable_builtin_rules.is_empty()
                && !cfg.enable_builtin_rules.iter().any(|e| e == b.id)
            {
                continue;
            }
            let what = || format!("built-in secret rule {}", b.id);
            let regex = compile(&b.pat.source(), &what)?;
            let groups = secret_groups(&regex, "secret");
            rules.push(Rule {
                id: b.id.into(),
                category: b.category.into(),
                title: b.title.into(),
                severity: normalize_severity(b.severity, &what, &mut warnings),
                groups,
                regex,
                keywords: b.keywords.iter().map(|k| k.to_string()).collect(),
                path: b.path.map(|p| compile(p, &what)).transpose()?,
                allow: match b.allow {
                    Some((id, re)) => vec![AllowRule {
                        id: id.into(),
                        path: None,
                        regex: Some(compile(re, &what)?),
                    }],
                    None => Vec::new(),
                },
                exclude: Vec::new(),
            });
        }
        for (i, r) in cfg.rules.iter().enumerate() {
            let what = || format!("secret config rule {}", display_id(&r.id, i));
            let Some(src) = r.regex.as_deref() else {
                return Err(ConfigError(format!("{}: no regex", what())));
            };
            let regex = compile(src, &what)?;
            let groups = secret_groups(&regex, &r.secret_group_name);
            if !r.secret_group_name.is_empty() && groups.is_empty() {
                return Err(ConfigError(format!(
                    "{}: the regex has no group named {:?} (secret-group-name)",
                    what(),
                    r.secret_group_name
                )));
            }
            rules.push(Rule {
                id: r.id.clone(),
                category: r.category.clone(),
                title: r.title.clone(),
                severity: normalize_severity(&r.severity, &what, &mut warnings),
                regex,
                groups,
                keywords: r.keywords.clone(),
                path: r.path.as_deref().map(|p| compile(p, &what)).transpose()?,
                allow: allow_rules(&r.allow_rules, &what)?,
                exclude: r
                    .exclude_block
                    .regexes
                    .iter()
                    .map(|x| compile(x, &what))
                    .collect::<Result<_, _>>()?,
            });
        }
        rules.retain(|r| !cfg.disable_rules.contains(&r.id));

        let mut allow: Vec<AllowRule> = Vec::new();
        for a in rules::BUILTIN_ALLOW {
            let what = || format!("built-in allow rule {} ({})", a.id, a.description);
            allow.push(AllowRule {
                id: a.id.into(),
                path: a.path.map(|p| compile(p, &what)).transpose()?,
                regex: a.regex.map(|p| compile(p, &what)).transpose()?,
            });
        }
        allow.extend(allow_rules(&cfg.allow_rules, &|| {
            "secret config allow-rules".to_string()
        })?);
        allow.retain(|a| !cfg.disable_allow_rules.contains(&a.id));
        let exclude = cfg
            .exclude_block
            .regexes
            .iter()
            .map(|x| compile(x, &|| "secret config exclude-block".to_string()))
            .collect::<Result<Vec<_>, _>>()?;

        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut unconditional = Vec::new();
        for (ri, r) in rules.iter().enumerate() {
            if r.keywords.is_empty() {
                unconditional.push(ri);
            }
            for k in &r.keywords {
                let k = k.to_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(i) => keyword_rules[i].push(ri),
                    None => {
                        keywords.push(k);
                        keyword_rules.push(vec![ri]);
                    }
                }
            }
        }
        let prefilter = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(&keywords)
                    .map_err(|e| ConfigError(format!("secret rule keywords: {e}")))?,
            )
        };
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(format!("tollgate-secret-v{ENGINE_VERSION}\n{ident}"));
        Ok(Scanner {
            rules,
            allow,
            exclude,
            prefilter,
            keyword_rules,
            unconditional,
            config_name,
            warnings,
            fingerprint: hex::encode(&h.finalize()[..16]),
        })
    }

    /// What in the config was taken with a correction (e.g. an unknown severity).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Identifies the rule set (engine version and config) for cache keys.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Ids of the enabled rules, in order.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.id.as_str()).collect()
    }

    /// Whether a file is worth reading (Trivy's secret analyzer `Required`): not tiny, not
    /// over [`MAX_FILE_SIZE`], not a lockfile, VCS or dependency dir, or known binary format,
    /// not allowed by a path allow rule, not the config itself. `path` is relative, no
    /// leading '/'.
    pub fn wants(&self, path: &str, size: u64) -> bool {
        if !(MIN_FILE_SIZE..=MAX_FILE_SIZE).contains(&size) {
            return false;
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        if self.config_name.as_deref() == Some(path) {
            return false;
        }
        if rules::SKIP_FILES.contains(&base) {
            return false;
        }
        if path.split('/').any(|c| rules::SKIP_DIRS.contains(&c)) {
            return false;
        }
        if let Some((_, ext)) = base.rsplit_once('.') {
            if rules::SKIP_EXTS.contains(&ext) {
                return false;
            }
        }
        !allow_path(&self.allow, path)
    }

    /// Scans one file's content. `path` is what path rules and path allow rules see. Binary
    /// content (control bytes in the first 300 bytes) yields nothing.
    pub fn scan(&self, path: &str, content: &[u8]) -> Vec<Finding> {
        if is_binary(content) || allow_path(&self.allow, path) {
            return Vec::new();
        }
        let text = normalize(content);
        let content: &[u8] = &text;

        let mut active = vec![false; self.rules.len()];
        for &i in &self.unconditional {
            active[i] = true;
        }
        if let Some(ac) = &self.prefilter {
            let mut seen = vec![false; self.keyword_rules.len()];
            let mut left = seen.len();
            for m in ac.find_overlapping_iter(content) {
                let k = m.pattern().as_usize();
                if !seen[k] {
                    seen[k] = true;
                    for &ri in &self.keyword_rules[k] {
                        active[ri] = true;
                    }
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
        }

        let mut global_blocks: Option<Vec<(usize, usize)>> = None;
        let mut matched: Vec<(usize, usize, usize)> = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            if !active[ri] {
                continue;
            }
            if rule
                .path
                .as_ref()
                .is_some_and(|p| !p.is_match(path.as_bytes()))
            {
                continue;
            }
            if allow_path(&rule.allow, path) {
                continue;
            }
            let locs = self.locations(rule, content);
            if locs.is_empty() {
                continue;
            }
            let global = global_blocks.get_or_insert_with(|| blocks(&self.exclude, content));
            let local = blocks(&rule.exclude, content);
            for (s, e) in locs {
                let inside = |b: &[(usize, usize)]| b.iter().any(|&(bs, be)| bs <= s && e <= be);
                if inside(global) || inside(&local) {
                    continue;
                }
                matched.push((ri, s, e));
            }
        }
        if matched.is_empty() {
            return Vec::new();
        }
        // Every secret is masked in every finding's lines, newlines kept so lines stay lines.
        let mut censored = content.to_vec();
        for &(_, s, e) in &matched {
            for b in &mut censored[s..e] {
                if *b != b'\n' {
                    *b = b'*';
                }
            }
        }
        let mut out: Vec<Finding> = matched
            .iter()
            .map(|&(ri, s, e)| finding(&self.rules[ri], s, e, &censored))
            .collect();
        out.sort_by(|a, b| (&a.rule_id, a.offset).cmp(&(&b.rule_id, b.offset)));
        out
    }

    /// Where `rule` finds secrets: the named groups of each allowed match, or the match.
    fn locations(&self, rule: &Rule, content: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        if rule.groups.is_empty() {
            for m in rule.regex.find_iter(content) {
                if !self.allowed(rule, m.as_bytes()) {
                    out.push((m.start(), m.end()));
                }
            }
            return out;
        }
        for caps in rule.regex.captures_iter(content) {
            let Some(m) = caps.get(0) else { continue };
            if self.allowed(rule, m.as_bytes()) {
                continue;
            }
            for &g in &rule.groups {
                if let Some(c) = caps.get(g) {
                    out.push((c.start(), c.end()));
                }
            }
        }
        out
    }

    fn allowed(&self, rule: &Rule, m: &[u8]) -> bool {
        allow_match(&self.allow, m) || allow_match(&rule.allow, m)
    }

    /// Ids of the enabled allow rules.
    pub fn allow_rule_ids(&self) -> Vec<&str> {
        self.allow.iter().map(|a| a.id.as_str()).collect()
    }
}

fn blocks(regexes: &[Regex], content: &[u8]) -> Vec<(usize, usize)> {
    regexes
        .iter()
        .flat_map(|r| r.find_iter(content).map(|m| (m.start(), m.end())))
        .collect()
}

/// Trivy's (and file(1)'s) test: a control byte other than text ones in the first 300 bytes.
pub fn is_binary(content: &[u8]) -> bool {
    content
        .iter()
        .take(300)
        .any(|&b| b < 7 || b == 11 || (13 < b && b < 27) || (27 < b && b < 0x20) || b == 0x7f)
}

/// CRLF line ends become LF (Trivy reports CRLF files' lines and offsets that way), and runs of
/// bytes that are not UTF-8 become one U+FFFD each, so reports are valid text.
fn normalize(content: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(content.len());
    let mut rest = content;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                v.extend_from_slice(s.as_bytes());
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                v.extend_from_slice(&rest[..good]);
                if !v.ends_with("\u{FFFD}".as_bytes()) || good > 0 {
                    v.extend_from_slice("\u{FFFD}".as_bytes());
                }
                let bad = e.error_len().unwrap_or(rest.len() - good);
                rest = &rest[good + bad..];
            }
        }
    }
    if v.contains(&b'\r') {
        let mut o = Vec::with_capacity(v.len());
        let mut i = 0;
        while i < v.len() {
            if v[i] == b'\r' && v.get(i + 1) == Some(&b'\n') {
                i += 1;
                continue;
            }
            o.push(v[i]);
            i += 1;
        }
        return o;
    }
    v
}

/// Over this many bytes, a line is shown as a window around the secret.
const LONG_LINE: usize = 100;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn finding(rule: &Rule, start: usize, end: usize, censored: &[u8]) -> Finding {
    let start_line = censored[..start].iter().filter(|&&b| b == b'\n').count();
    let end_line = start_line + censored[start..end].iter().filter(|&&b| b == b'\n').count();
    let line_bounds = |at: usize| {
        let ls = censored[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let le = censored[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(censored.len(), |i| i + at);
        (ls, le)
    };
    // A long line is cut to 30 bytes before and 20 after the secret, within the line.
    let window = |ls: usize, le: usize| {
        if le - ls > LONG_LINE {
            (ls.max(start.saturating_sub(30)), le.min(end + 20))
        } else {
            (ls, le)
        }
    };
    let (ls, le) = line_bounds(start);
    let (ms, me) = window(ls, le);
    let match_line = text(&censored[ms..me]);

    let lines: Vec<&[u8]> = censored.split(|&b| b == b'\n').collect();
    let from = start_line.saturating_sub(CONTEXT_LINES);
    let to = (end_line + CONTEXT_LINES).min(lines.len());
    let offset_of_line = ls;
    // Offsets of the context lines, for windowing long cause lines.
    let mut starts = Vec::new();
    {
        let mut o = offset_of_line;
        for i in (from..start_line).rev() {
            o -= lines[i].len() + 1;
            starts.push((i, o));
        }
        starts.reverse();
        o = offset_of_line;
        for (i, l) in lines.iter().enumerate().take(to).skip(start_line) {
            starts.push((i, o));
            o += l.len() + 1;
        }
    }
    let mut code = Vec::new();
    for (i, ofs) in starts {
        let raw = lines[i];
        let cause = i >= start_line && i <= end_line;
        let content = if cause {
            let (ws, we) = window(ofs, ofs + raw.len());
            text(&censored[ws..we])
        } else {
            text(raw)
        };
        code.push(CodeLine {
            number: i + 1,
            content,
            is_cause: cause,
            first_cause: i == start_line,
            last_cause: false,
        });
    }
    if let Some(l) = code.iter_mut().rev().find(|l| l.is_cause) {
        l.last_cause = true;
    }
    Finding {
        rule_id: rule.id.clone(),
        category: rule.category.clone(),
        severity: rule.severity.clone(),
        title: rule.title.clone(),
        start_line: start_line + 1,
        end_line: end_line + 1,
        code,
        match_line,
        offset: start,
    }
}

#[cfg(test)]
mod tests;
