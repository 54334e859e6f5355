//! Expected rule ids and lines are Trivy 0.76.0's output on the same files (see
//! testdata/secrets/README.md).

use super::*;

fn sample(name: &str) -> Vec<u8> {
    let p = format!(
        "{}/../../testdata/secrets/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn config(name: &str) -> Scanner {
    let text = String::from_utf8(sample(name)).expect("utf-8 config");
    Scanner::from_yaml(name, &text).expect("config loads")
}

fn found(s: &Scanner, file: &str) -> Vec<(String, usize, usize)> {
    s.scan(file, &sample(file))
        .into_iter()
        .map(|f| (f.rule_id, f.start_line, f.end_line))
        .collect()
}

/// (rule id, start line, end line) as Trivy reported them.
type Expected<'a> = &'a [(&'a str, usize, usize)];

fn ids(v: Expected) -> Vec<(String, usize, usize)> {
    v.iter().map(|(r, a, b)| (r.to_string(), *a, *b)).collect()
}

#[test]
fn builtin_rules_compile_and_ids_are_unique() {
    let s = Scanner::builtin();
    let ids = s.rule_ids();
    assert!(ids.len() >= 90, "{}", ids.len());
    let set: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len());
    assert!(s.warnings().is_empty());
}

#[test]
fn default_rules_match_trivy() {
    let s = Scanner::builtin();
    let cases: &[(&str, Expected)] = &[
        (
            "alibaba-access-key-id.txt",
            &[("alibaba-access-key-id", 2, 2)],
        ),
        (
            "asymmetric-private-key.txt",
            &[("private-key", 2, 3), ("private-key", 9, 9)],
        ),
        (
            "aws-secrets.txt",
            &[
                ("aws-access-key-id", 2, 2),
                ("aws-secret-access-key", 1, 1),
                ("aws-secret-access-key", 5, 5),
            ],
        ),
        (
            "azure-entra-client-secret.txt",
            &[("azure-entra-client-secret", 1, 1)],
        ),
        ("azure-sas-token.txt", &[("azure-sas-token", 1, 1)]),
        (
            "builtin-rule-secret.txt",
            &[("aws-access-key-id", 2, 2), ("github-pat", 1, 1)],
        ),
        (
            "crlf-line-endings.txt",
            &[("aws-access-key-id", 2, 2), ("github-pat", 4, 4)],
        ),
        (
            "docker-secrets.txt",
            &[("dockerconfig-secret", 2, 2), ("dockerconfig-secret", 4, 4)],
        ),
        ("example-secret.txt", &[]),
        ("github-app-token.txt", &[("github-app-token", 1, 1)]),
        (
            "grafana-env.txt",
            &[("grafana-api-token", 1, 1), ("grafana-api-token", 2, 2)],
        ),
        (
            "hugging-face-secret.txt",
            &[("hugging-face-access-token", 1, 1)],
        ),
        ("invalid-utf8.txt", &[("github-pat", 1, 1)]),
        ("jwt-secret.txt", &[("jwt-token", 3, 3)]),
        ("long-line-secret.txt", &[("github-pat", 1, 1)]),
        ("multi-line.txt", &[]),
        ("openai-invalid.txt", &[]),
        (
            "openai-project-api-key.txt",
            &[("openai-project-api-key", 1, 1)],
        ),
        ("secret.md", &[]),
        ("secret.txt", &[]),
        ("settings-encrypted.xml", &[]),
        (
            "settings.xml",
            &[
                ("maven-settings-passphrase", 3, 3),
                ("maven-settings-password", 2, 2),
            ],
        ),
        ("wrapped-secrets.txt", &[]),
        (
            "wrapped-secrets-sensitive.txt",
            &[
                ("aws-secret-access-key", 1, 1),
                ("github-fine-grained-pat", 2, 2),
            ],
        ),
    ];
    for (file, want) in cases {
        assert_eq!(found(&s, file), ids(want), "{file}");
    }
}

#[test]
fn findings_are_masked_like_trivy() {
    let s = Scanner::builtin();
    let f = s.scan("aws-secrets.txt", &sample("aws-secrets.txt"));
    let key = &f[0];
    assert_eq!(key.rule_id, "aws-access-key-id");
    assert_eq!(key.match_line, "AWS_ACCESS_KEY_ID=********************");
    assert_eq!(key.offset, 78);
    let lines: Vec<(usize, &str, bool)> = key
        .code
        .iter()
        .map(|l| (l.number, l.content.as_str(), l.is_cause))
        .collect();
    // The other finding's secret on line 1 is masked too; the allowed example on line 4 is not.
    assert_eq!(
        lines,
        vec![
            (
                1,
                "'AWS_secret_KEY'=\"****************************************\"",
                false
            ),
            (2, "AWS_ACCESS_KEY_ID=********************", true),
            (3, "\"aws_account_ID\":'1234-5678-9123'", false),
        ]
    );
    assert_eq!(
        f[2].match_line,
        "  \"created_by\": \"ENV aws_sec_key \"****************************************\","
    );
    assert_eq!(f[2].offset, 200);

    // A long line is shown as a window: 30 bytes before, 20 after.
    let f = s.scan("long-line-secret.txt", &sample("long-line-secret.txt"));
    assert_eq!(
        f[0].match_line,
        "aaaaaaaaaaaaaaaaaa GITHUB_PAT=**************************************** bbbbbbbbbbbbbbbbbbb"
    );
    assert_eq!(f[0].code[0].content, f[0].match_line);

    // CRLF files report LF offsets and lines without '\r'.
    let f = s.scan("crlf-line-endings.txt", &sample("crlf-line-endings.txt"));
    assert_eq!(f[0].offset, 63);
    assert_eq!(
        f[1].match_line,
        "GitHub PAT: ****************************************12"
    );

    // A multi-line key: both lines are causes, first and last marked.
    let f = s.scan(
        "asymmetric-private-key.txt",
        &sample("asymmetric-private-key.txt"),
    );
    let c: Vec<(usize, bool, bool, bool)> = f[0]
        .code
        .iter()
        .map(|l| (l.number, l.is_cause, l.first_cause, l.last_cause))
        .collect();
    assert_eq!(
        c,
        vec![
            (1, false, false, false),
            (2, true, true, false),
            (3, true, false, true),
            (4, false, false, false)
        ]
    );
    assert_eq!(f[0].match_line.len(), 1539);
    assert!(f[0].match_line.bytes().all(|b| b == b'*'));
    assert_eq!(
        f[1].match_line,
        "-----BEGIN PRIVATE KEY-----********************************-----END PRIVATE KEY-----"
    );

    // Invalid UTF-8 becomes one replacement character per run.
    let f = s.scan("invalid-utf8.txt", &sample("invalid-utf8.txt"));
    assert_eq!(
        f[0].code[1].content,
        "# Comment with invalid UTF-8: \u{FFFD}"
    );
}

#[test]
fn configs_match_trivy() {
    let cases: &[(&str, &str, Expected)] = &[
        (
            "config.yaml",
            "secret.txt",
            &[("rule1", 2, 2), ("rule1", 4, 4)],
        ),
        ("exclude-block.yaml", "secret.txt", &[("rule1", 4, 4)]),
        (
            "global-exclude-block.yaml",
            "secret.txt",
            &[("rule1", 4, 4)],
        ),
        ("allow-regex.yaml", "secret.txt", &[("rule1", 2, 2)]),
        (
            "multiple-secret-groups.yaml",
            "secret.txt",
            &[("rule1", 5, 5), ("rule1", 5, 5)],
        ),
        (
            "multi-line-on.yaml",
            "multi-line.txt",
            &[("multi-line-secret", 2, 2)],
        ),
        ("multi-line-off.yaml", "multi-line.txt", &[]),
        (
            "config-enable-ghp.yaml",
            "builtin-rule-secret.txt",
            &[("github-pat", 1, 1)],
        ),
        (
            "config-disable-ghp.yaml",
            "builtin-rule-secret.txt",
            &[("aws-access-key-id", 2, 2)],
        ),
        (
            "config-happy-keywords.yaml",
            "secret.txt",
            &[("rule1", 2, 2), ("rule1", 4, 4)],
        ),
        ("config-sad-keywords.yaml", "secret.txt", &[]),
    ];
    for (cfg, file, want) in cases {
        assert_eq!(found(&config(cfg), file), ids(want), "{cfg} on {file}");
    }
    let s = config("multiple-secret-groups.yaml");
    let f = s.scan("secret.txt", &sample("secret.txt"));
    assert_eq!(
        f[0].match_line,
        "credentials: { user: \"********\" password: \"*********\" }"
    );
}

#[test]
fn severities_from_config() {
    let s = config("config-with-non-uppercase-severity.yaml");
    assert!(s.warnings().is_empty());
    let f = s.scan("secret.txt", &sample("secret.txt"));
    assert_eq!(f[0].severity, "UNKNOWN");
    let s = config("config-with-incorrect-severity.yaml");
    assert_eq!(s.warnings().len(), 1, "{:?}", s.warnings());
    assert_eq!(
        s.scan("secret.txt", &sample("secret.txt"))[0].severity,
        "UNKNOWN"
    );
    let s = config("config.yaml");
    assert_eq!(
        s.scan("secret.txt", &sample("secret.txt"))[0].severity,
        "HIGH"
    );
}

#[test]
fn bad_configs_are_clear_errors() {
    let e =
        Scanner::from_yaml("x.yaml", "rules:\n  - id: r\n    regex: '(unclosed'\n").unwrap_err();
    assert!(
        e.to_string().contains("x.yaml") || e.to_string().contains("\"r\""),
        "{e}"
    );
    assert!(e.to_string().contains("invalid regex"), "{e}");
    let e = Scanner::from_yaml("x.yaml", "rules: 3\n").unwrap_err();
    assert!(e.to_string().starts_with("secret config x.yaml"), "{e}");
    let e = Scanner::from_yaml(
        "x.yaml",
        "rules:\n  - id: r\n    regex: 'a(?P<s>b)'\n    secret-group-name: secret\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("no group named"), "{e}");
    let e = Scanner::load(Some(Path::new("/nonexistent/trivy-secret.yaml"))).unwrap_err();
    assert!(e.to_string().contains("--secret-config"), "{e}");
}

#[test]
fn which_files_are_read() {
    let s = Scanner::builtin();
    assert!(s.wants("app/.env", 100));
    assert!(!s.wants("app/.env", 5), "tiny");
    assert!(!s.wants("app/dump.sql", MAX_FILE_SIZE + 1), "huge");
    assert!(
        !s.wants("usr/share/doc/x/copyright", 100),
        "usr-dirs allow rule"
    );
    assert!(!s.wants("app/node_modules/a/index.js", 100));
    assert!(!s.wants("src/.git/config", 100));
    assert!(!s.wants("app/package-lock.json", 100));
    assert!(!s.wants("img/logo.png", 100));
    assert!(!s.wants("docs/README.md", 100), "markdown allow rule");
    assert!(!s.wants("src/test/keys.txt", 100), "tests allow rule");
    // Binary content is not scanned even when it holds a token.
    let mut bin = b"\x00\x01ELF".to_vec();
    bin.extend_from_slice(b" GITHUB_PAT=ghp_012345678901234567890123456789abcdef\n");
    assert!(s.scan("bin/tool", &bin).is_empty());
    assert_eq!(s.scan("bin/tool", &bin[2..]).len(), 1);
}

#[test]
fn duplicate_group_names_are_aliased() {
    assert_eq!(
        dedupe_group_names(r"(?P<secret>a)\(?P<x>(?P<secret>b)"),
        r"(?P<secret>a)\(?P<x>(?P<secret__tgdup1>b)"
    );
}
