//! Dockerfile parsing into the input shape Trivy's Dockerfile checks read:
//! `{"Stages": [{"Name": ..., "Commands": [{"Cmd", "SubCmd", "Flags", "Value", "Original",
//! "JSON", "Stage", "Path", "StartLine", "EndLine"}]}]}`.

use serde_json::{json, Value};

/// One instruction.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruction {
    /// Lower-case instruction (`from`, `run`, ...).
    pub cmd: String,
    /// `--flag=value` arguments before the value.
    pub flags: Vec<String>,
    /// Arguments: the JSON array's elements, the rest of the line for shell forms, or
    /// whitespace-separated words.
    pub value: Vec<String>,
    /// The instruction as written (continuations joined).
    pub original: String,
    /// Whether the exec (JSON array) form was used.
    pub json: bool,
    /// First line, 1-based.
    pub start_line: usize,
    /// Last line, 1-based.
    pub end_line: usize,
}

/// Instructions whose argument is one shell string (or a JSON array).
fn shell_form(cmd: &str) -> bool {
    matches!(cmd, "run" | "cmd" | "entrypoint" | "shell" | "healthcheck")
}

/// Parses a Dockerfile. Unknown instructions are kept (checks may look at them); lines that
/// are not instructions (a stray word) are an error naming the line.
pub fn parse(text: &str) -> Result<Vec<Instruction>, String> {
    let mut out = Vec::new();
    let mut escape = '\\';
    let mut lines = text.lines().enumerate().peekable();
    let mut directives_done = false;
    while let Some((n, raw)) = lines.next() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            // Parser directives come first: `# escape=``.
            if !directives_done {
                if let Some(v) = line.trim_start_matches('#').trim().strip_prefix("escape=") {
                    escape = v.trim().chars().next().unwrap_or('\\');
                }
            }
            continue;
        }
        directives_done = true;
        let start = n + 1;
        let mut end = start;
        let mut joined = String::new();
        let mut cur = line.to_string();
        loop {
            let cont = cur.ends_with(escape);
            if cont {
                cur.pop();
            }
            joined.push_str(cur.trim_end());
            if !cont {
                break;
            }
            joined.push(' ');
            // Comment lines inside a continuation are dropped, as Docker does.
            let mut next = None;
            for (m, l) in lines.by_ref() {
                end = m + 1;
                let t = l.trim();
                if t.starts_with('#') {
                    continue;
                }
                next = Some(t.to_string());
                break;
            }
            match next {
                Some(t) if !t.is_empty() => cur = t,
                _ => break,
            }
        }
        let joined = joined.trim().to_string();
        let (word, rest) = match joined.split_once(char::is_whitespace) {
            Some((w, r)) => (w, r.trim()),
            None => (joined.as_str(), ""),
        };
        if !word.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!(
                "line {start}: {word:?} is not a Dockerfile instruction"
            ));
        }
        let cmd = word.to_ascii_lowercase();
        let mut rest = rest.to_string();
        let mut flags = Vec::new();
        while rest.starts_with("--") {
            let (f, r) = match rest.split_once(char::is_whitespace) {
                Some((f, r)) => (f.to_string(), r.trim_start().to_string()),
                None => (rest.clone(), String::new()),
            };
            flags.push(f);
            rest = r;
        }
        let mut is_json = false;
        let value = if rest.starts_with('[') {
            match serde_json::from_str::<Vec<String>>(&rest) {
                Ok(v) => {
                    is_json = true;
                    v
                }
                Err(_) => vec![rest.clone()],
            }
        } else if shell_form(&cmd) {
            if rest.is_empty() {
                vec![]
            } else {
                vec![rest.clone()]
            }
        } else {
            rest.split_whitespace().map(String::from).collect()
        };
        out.push(Instruction {
            cmd,
            flags,
            value,
            original: joined,
            json: is_json,
            start_line: start,
            end_line: end,
        });
    }
    Ok(out)
}

/// The Rego input for a parsed Dockerfile at `path`.
pub fn input(path: &str, instructions: &[Instruction]) -> Value {
    let mut stages: Vec<(String, Vec<Value>)> = Vec::new();
    for ins in instructions {
        if ins.cmd == "from" || stages.is_empty() {
            let name = if ins.cmd == "from" {
                ins.value.join(" ")
            } else {
                String::new()
            };
            stages.push((name, Vec::new()));
        }
        let idx = stages.len() - 1;
        stages[idx].1.push(json!({
            "Cmd": ins.cmd,
            "SubCmd": "",
            "Flags": ins.flags,
            "Value": ins.value,
            "Original": ins.original,
            "JSON": ins.json,
            "Stage": idx,
            "Path": path,
            "StartLine": ins.start_line,
            "EndLine": ins.end_line,
        }));
    }
    json!({
        "Stages": stages
            .into_iter()
            .map(|(name, cmds)| json!({"Name": name, "Commands": cmds}))
            .collect::<Vec<_>>()
    })
}

/// The Dockerfile an image's history describes, for the same checks: `created_by` lines
/// of classic builders (`/bin/sh -c #(nop)  USER app`, `/bin/sh -c apt-get ...`) and of
/// BuildKit (`RUN /bin/sh -c ...`, `USER app`), one instruction per history entry.
pub fn from_history(config: &Value) -> Vec<Instruction> {
    let mut out = Vec::new();
    let history = config
        .get("history")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, h) in history.iter().enumerate() {
        let c = h
            .get("created_by")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim();
        if c.is_empty() {
            continue;
        }
        let line = if let Some(rest) = c.strip_prefix("/bin/sh -c #(nop)") {
            rest.trim().to_string()
        } else if let Some(rest) = c.strip_prefix("/bin/sh -c ") {
            format!("RUN {rest}")
        } else if c.starts_with("|") {
            // `|2 ARG=x /bin/sh -c cmd`: a RUN with build args.
            match c.split_once("/bin/sh -c ") {
                Some((_, cmd)) => format!("RUN {cmd}"),
                None => continue,
            }
        } else {
            c.to_string()
        };
        let line = line.replace('\n', " ");
        if let Ok(mut ins) = parse(&line) {
            for x in &mut ins {
                x.start_line = i + 1;
                x.end_line = i + 1;
            }
            out.extend(ins);
        }
    }
    // The config's own USER is the effective one even where history does not show it.
    if let Some(u) = config
        .pointer("/config/User")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    {
        if !out.iter().any(|i| i.cmd == "user") {
            out.push(Instruction {
                cmd: "user".into(),
                flags: vec![],
                value: vec![u.to_string()],
                original: format!("USER {u}"),
                json: false,
                start_line: history.len() + 1,
                end_line: history.len() + 1,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_json_flags_and_stages() {
        let df = "# escape=\\\nFROM golang:1.22 AS build\nRUN apt-get update && \\\n    # a comment\n    apt-get install -y curl\nCOPY --from=build /out /app\nCMD [\"/app\", \"--serve\"]\nFROM scratch\nUSER 1000\n";
        let ins = parse(df).unwrap();
        assert_eq!(ins.len(), 6);
        assert_eq!(ins[1].cmd, "run");
        assert_eq!(ins[1].value, ["apt-get update && apt-get install -y curl"]);
        assert_eq!((ins[1].start_line, ins[1].end_line), (3, 5));
        assert_eq!(ins[2].flags, ["--from=build"]);
        assert_eq!(ins[2].value, ["/out", "/app"]);
        assert!(ins[3].json);
        assert_eq!(ins[3].value, ["/app", "--serve"]);
        let v = input("Dockerfile", &ins);
        assert_eq!(v["Stages"].as_array().unwrap().len(), 2);
        assert_eq!(v["Stages"][0]["Name"], "golang:1.22 AS build");
        assert_eq!(v["Stages"][1]["Commands"][1]["Cmd"], "user");
        assert!(parse("FROM x\n???\n").unwrap_err().contains("line 2"));
    }

    #[test]
    fn history_becomes_instructions() {
        let cfg = json!({"config": {"User": ""}, "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
            {"created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": true},
            {"created_by": "/bin/sh -c apt-get update && apt-get install -y sudo"},
            {"created_by": "RUN /bin/sh -c pip install x # buildkit"},
            {"created_by": "EXPOSE map[22/tcp:{}]", "empty_layer": true}
        ]});
        let ins = from_history(&cfg);
        let cmds: Vec<_> = ins.iter().map(|i| i.cmd.as_str()).collect();
        assert_eq!(cmds, ["add", "cmd", "run", "run", "expose"]);
        assert_eq!(ins[2].start_line, 3);
    }
}
