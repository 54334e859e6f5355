//! The built-in rules and allow rules, following Trivy 0.76's set (ids, categories, titles,
//! severities and what each matches), so reports and `trivy-secret.yaml` files that name rule
//! ids keep working.

/// How a built-in rule's regex is built.
pub(crate) enum Pat {
    /// Used as written.
    Raw(&'static str),
    /// Must not follow a word character: `([^0-9a-zA-Z_]|^)(...)`.
    Word(&'static str),
    /// Word-bounded on both sides.
    Bounded(&'static str),
    /// `NAME ... = "SECRET"` assignments: (key name, secret character class and length).
    Kv(&'static str, &'static str),
}

/// A built-in rule before compilation.
pub(crate) struct Builtin {
    pub id: &'static str,
    pub category: &'static str,
    pub title: &'static str,
    pub severity: &'static str,
    pub pat: Pat,
    pub keywords: &'static [&'static str],
    pub path: Option<&'static str>,
    /// A rule-level allow rule: (id, regex over the whole match).
    pub allow: Option<(&'static str, &'static str)>,
}

const START_WORD: &str = r"([^0-9a-zA-Z_]|^)";
const END_WORD: &str = r"([^0-9a-zA-Z_]|$)";

impl Pat {
    /// The regex source.
    pub(crate) fn source(&self) -> String {
        match self {
            Pat::Raw(s) => (*s).to_string(),
            Pat::Word(s) => format!("{START_WORD}({s})"),
            Pat::Bounded(s) => format!("{START_WORD}({s}){END_WORD}"),
            Pat::Kv(key, class) => format!(
                r#"(?i)(?P<key>{key}[a-z0-9_ .\-,]{{0,25}})(=|>|:=|\|\|:|<=|=>|:).{{0,5}}['"](?P<secret>{class})['"]"#
            ),
        }
    }
}

macro_rules! rule {
    ($id:literal, $cat:literal, $sev:literal, $title:literal, $pat:expr, [$($kw:literal),* $(,)?]) => {
        Builtin { id: $id, category: $cat, title: $title, severity: $sev, pat: $pat, keywords: &[$($kw),*], path: None, allow: None }
    };
    ($id:literal, $cat:literal, $sev:literal, $title:literal, $pat:expr, [$($kw:literal),* $(,)?], path = $path:literal) => {
        Builtin { id: $id, category: $cat, title: $title, severity: $sev, pat: $pat, keywords: &[$($kw),*], path: Some($path), allow: None }
    };
    ($id:literal, $cat:literal, $sev:literal, $title:literal, $pat:expr, [$($kw:literal),* $(,)?], allow = ($aid:literal, $are:literal)) => {
        Builtin { id: $id, category: $cat, title: $title, severity: $sev, pat: $pat, keywords: &[$($kw),*], path: None, allow: Some(($aid, $are)) }
    };
}

use Pat::{Bounded, Kv, Raw, Word};

/// Trivy's built-in rules, in Trivy's order.
pub(crate) const BUILTIN: &[Builtin] = &[
    rule!(
        "aws-access-key-id",
        "AWS",
        "CRITICAL",
        "AWS Access Key ID",
        Raw(
            r#"([^0-9a-zA-Z_]|^)(?P<secret>(A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16})["']?[.,]?(\s+|$)"#
        ),
        ["AKIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ASIA"]
    ),
    rule!(
        "aws-secret-access-key",
        "AWS",
        "CRITICAL",
        "AWS Secret Access Key",
        Raw(
            r#"(?i)["']?aws_?(sec(ret)?)?_?(access)?_?key["']?\s*(:|=>|=)?\s*["']?(?P<secret>[A-Za-z0-9/+=]{40})["']?[.,]?(\s+|$)"#
        ),
        ["key"]
    ),
    rule!(
        "github-pat",
        "GitHub",
        "CRITICAL",
        "GitHub Personal Access Token",
        Word(r"?P<secret>ghp_[0-9a-zA-Z]{36}"),
        ["ghp_"]
    ),
    rule!(
        "github-oauth",
        "GitHub",
        "CRITICAL",
        "GitHub OAuth Access Token",
        Word(r"?P<secret>gho_[0-9a-zA-Z]{36}"),
        ["gho_"]
    ),
    rule!(
        "github-app-token",
        "GitHub",
        "CRITICAL",
        "GitHub App Token",
        Word(r"?P<secret>(?:ghu_[0-9a-zA-Z]{36}|ghs_[0-9a-zA-Z._-]{36,})"),
        ["ghu_", "ghs_"]
    ),
    rule!(
        "github-refresh-token",
        "GitHub",
        "CRITICAL",
        "GitHub Refresh Token",
        Word(r"?P<secret>ghr_[0-9a-zA-Z]{76}"),
        ["ghr_"]
    ),
    rule!(
        "github-fine-grained-pat",
        "GitHub",
        "CRITICAL",
        "GitHub Fine-grained personal access tokens",
        Raw(r"github_pat_[a-zA-Z0-9]{22}_[a-zA-Z0-9]{59}"),
        ["github_pat_"]
    ),
    rule!(
        "gitlab-pat",
        "GitLab",
        "CRITICAL",
        "GitLab Personal Access Token",
        Word(r"?P<secret>glpat-[0-9a-zA-Z\-_]{20}"),
        ["glpat-"]
    ),
    rule!(
        "hugging-face-access-token",
        "HuggingFace",
        "CRITICAL",
        "Hugging Face Access Token",
        Bounded(r"?P<secret>hf_[A-Za-z0-9]{34,40}"),
        ["hf_"]
    ),
    rule!(
        "private-key",
        "AsymmetricPrivateKey",
        "HIGH",
        "Asymmetric Private Key",
        Raw(
            r"(?i)-----\s*?BEGIN[ A-Z0-9_-]*?PRIVATE KEY( BLOCK)?\s*?-----[\s]*?(?P<secret>[A-Za-z0-9=+/\\][A-Za-z0-9=+/\\\s]{30,}[A-Za-z0-9=+/\\])[\s]*?-----\s*?END[ A-Z0-9_-]*? PRIVATE KEY( BLOCK)?\s*?-----"
        ),
        ["-----"]
    ),
    rule!(
        "shopify-token",
        "Shopify",
        "HIGH",
        "Shopify token",
        Raw(r"shp(ss|at|ca|pa)_[a-fA-F0-9]{32}"),
        ["shpss_", "shpat_", "shpca_", "shppa_"]
    ),
    rule!(
        "slack-access-token",
        "Slack",
        "HIGH",
        "Slack token",
        Word(r"?P<secret>xox[baprs]-([0-9a-zA-Z]{10,48})"),
        ["xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"]
    ),
    rule!(
        "stripe-publishable-token",
        "Stripe",
        "LOW",
        "Stripe Publishable Key",
        Word(r"?P<secret>(?i)pk_(test|live)_[0-9a-z]{10,32}"),
        ["pk_test_", "pk_live_"]
    ),
    rule!(
        "stripe-secret-token",
        "Stripe",
        "CRITICAL",
        "Stripe Secret Key",
        Word(r"?P<secret>(?i)sk_(test|live)_[0-9a-z]{10,32}"),
        ["sk_test_", "sk_live_"]
    ),
    rule!(
        "pypi-upload-token",
        "PyPI",
        "HIGH",
        "PyPI upload token",
        Raw(r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9\-_]{50,1000}"),
        ["pypi-AgEIcHlwaS5vcmc"]
    ),
    rule!(
        "gcp-service-account",
        "Google",
        "CRITICAL",
        "Google (GCP) Service-account",
        Raw(r#""type": "service_account""#),
        [r#""type": "service_account""#]
    ),
    rule!(
        "heroku-api-key",
        "Heroku",
        "HIGH",
        "Heroku API Key",
        Raw(
            r#" (?i)(?P<key>heroku[a-z0-9_ .\-,]{0,25})(=|>|:=|\|\|:|<=|=>|:).{0,5}['"](?P<secret>[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})['"]"#
        ),
        ["heroku"]
    ),
    rule!(
        "slack-web-hook",
        "Slack",
        "MEDIUM",
        "Slack Webhook",
        Raw(r"https://hooks.slack.com/services/[A-Za-z0-9+/]{44,48}"),
        ["hooks.slack.com"]
    ),
    rule!(
        "twilio-api-key",
        "Twilio",
        "MEDIUM",
        "Twilio API Key",
        Raw(r"SK[0-9a-fA-F]{32}"),
        ["SK"]
    ),
    rule!(
        "age-secret-key",
        "Age",
        "MEDIUM",
        "Age secret key",
        Raw(r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
        ["AGE-SECRET-KEY-1"]
    ),
    rule!(
        "facebook-token",
        "Facebook",
        "LOW",
        "Facebook token",
        Kv("facebook", "[a-f0-9]{32}"),
        ["facebook"]
    ),
    rule!(
        "twitter-token",
        "Twitter",
        "LOW",
        "Twitter token",
        Kv("twitter", "[a-f0-9]{35,44}"),
        ["twitter"]
    ),
    rule!(
        "adobe-client-id",
        "Adobe",
        "LOW",
        "Adobe Client ID (Oauth Web)",
        Kv("adobe", "[a-f0-9]{32}"),
        ["adobe"]
    ),
    rule!(
        "adobe-client-secret",
        "Adobe",
        "LOW",
        "Adobe Client Secret",
        Raw(r"(p8e-)(?i)[a-z0-9]{32}"),
        ["p8e-"]
    ),
    rule!(
        "alibaba-access-key-id",
        "Alibaba",
        "HIGH",
        "Alibaba AccessKey ID",
        Raw(r"([^0-9A-Za-z]|^)(?P<secret>(LTAI)(?i)[a-z0-9]{20})([^0-9A-Za-z]|$)"),
        ["LTAI"]
    ),
    rule!(
        "alibaba-secret-key",
        "Alibaba",
        "HIGH",
        "Alibaba Secret Key",
        Kv("alibaba", "[a-z0-9]{30}"),
        ["alibaba"]
    ),
    rule!(
        "asana-client-id",
        "Asana",
        "MEDIUM",
        "Asana Client ID",
        Kv("asana", "[0-9]{16}"),
        ["asana"]
    ),
    rule!(
        "asana-client-secret",
        "Asana",
        "MEDIUM",
        "Asana Client Secret",
        Kv("asana", "[a-z0-9]{32}"),
        ["asana"]
    ),
    rule!(
        "atlassian-api-token",
        "Atlassian",
        "HIGH",
        "Atlassian API token",
        Kv("atlassian", "[a-z0-9]{24}"),
        ["atlassian"]
    ),
    rule!(
        "bitbucket-client-id",
        "Bitbucket",
        "HIGH",
        "Bitbucket client ID",
        Kv("bitbucket", "[a-z0-9]{32}"),
        ["bitbucket"]
    ),
    rule!(
        "bitbucket-client-secret",
        "Bitbucket",
        "HIGH",
        "Bitbucket client secret",
        Kv("bitbucket", r"[a-z0-9_\-]{64}"),
        ["bitbucket"]
    ),
    rule!(
        "beamer-api-token",
        "Beamer",
        "LOW",
        "Beamer API token",
        Kv("beamer", r"b_[a-z0-9=_\-]{44}"),
        ["beamer"]
    ),
    rule!(
        "clojars-api-token",
        "Clojars",
        "MEDIUM",
        "Clojars API token",
        Raw(r"(CLOJARS_)(?i)[a-z0-9]{60}"),
        ["CLOJARS_"]
    ),
    rule!(
        "contentful-delivery-api-token",
        "ContentfulDelivery",
        "LOW",
        "Contentful delivery API token",
        Kv("contentful", r"[a-z0-9\-=_]{43}"),
        ["contentful"]
    ),
    rule!(
        "databricks-api-token",
        "Databricks",
        "MEDIUM",
        "Databricks API token",
        Raw(r"dapi[a-h0-9]{32}"),
        ["dapi"]
    ),
    rule!(
        "discord-api-token",
        "Discord",
        "MEDIUM",
        "Discord API key",
        Kv("discord", "[a-h0-9]{64}"),
        ["discord"]
    ),
    rule!(
        "discord-client-id",
        "Discord",
        "MEDIUM",
        "Discord client ID",
        Kv("discord", "[0-9]{18}"),
        ["discord"]
    ),
    rule!(
        "discord-client-secret",
        "Discord",
        "MEDIUM",
        "Discord client secret",
        Kv("discord", r"[a-z0-9=_\-]{32}"),
        ["discord"]
    ),
    rule!(
        "doppler-api-token",
        "Doppler",
        "MEDIUM",
        "Doppler API token",
        Raw(r#"['"](dp\.pt\.)(?i)[a-z0-9]{43}['"]"#),
        ["dp.pt."]
    ),
    rule!(
        "dropbox-api-secret",
        "Dropbox",
        "HIGH",
        "Dropbox API secret/key",
        Raw(
            r#"(?i)(dropbox[a-z0-9_ .\-,]{0,25})(=|>|:=|\|\|:|<=|=>|:).{0,5}['"]([a-z0-9]{15})['"]"#
        ),
        ["dropbox"]
    ),
    rule!(
        "dropbox-short-lived-api-token",
        "Dropbox",
        "HIGH",
        "Dropbox short lived API token",
        Raw(
            r#"(?i)(dropbox[a-z0-9_ .\-,]{0,25})(=|>|:=|\|\|:|<=|=>|:).{0,5}['"](sl\.[a-z0-9\-=_]{135})['"]"#
        ),
        ["dropbox"]
    ),
    rule!(
        "dropbox-long-lived-api-token",
        "Dropbox",
        "HIGH",
        "Dropbox long lived API token",
        Raw(
            r#"(?i)(dropbox[a-z0-9_ .\-,]{0,25})(=|>|:=|\|\|:|<=|=>|:).{0,5}['"][a-z0-9]{11}(AAAAAAAAAA)[a-z0-9\-_=]{43}['"]"#
        ),
        ["dropbox"]
    ),
    rule!(
        "duffel-api-token",
        "Duffel",
        "LOW",
        "Duffel API token",
        Raw(r#"['"]duffel_(test|live)_(?i)[a-z0-9_-]{43}['"]"#),
        ["duffel_test_", "duffel_live_"]
    ),
    rule!(
        "dynatrace-api-token",
        "Dynatrace",
        "MEDIUM",
        "Dynatrace API token",
        Raw(r#"['"]dt0c01\.(?i)[a-z0-9]{24}\.[a-z0-9]{64}['"]"#),
        ["dt0c01."]
    ),
    rule!(
        "easypost-api-token",
        "Easypost",
        "LOW",
        "EasyPost API token",
        Raw(r#"['"]EZ[AT]K(?i)[a-z0-9]{54}['"]"#),
        ["EZAK", "EZAT"]
    ),
    rule!(
        "fastly-api-token",
        "Fastly",
        "MEDIUM",
        "Fastly API token",
        Kv("fastly", r"[a-z0-9\-=_]{32}"),
        ["fastly"]
    ),
    rule!(
        "finicity-client-secret",
        "Finicity",
        "MEDIUM",
        "Finicity client secret",
        Kv("finicity", "[a-z0-9]{20}"),
        ["finicity"]
    ),
    rule!(
        "finicity-api-token",
        "Finicity",
        "MEDIUM",
        "Finicity API token",
        Kv("finicity", "[a-f0-9]{32}"),
        ["finicity"]
    ),
    rule!(
        "flutterwave-public-key",
        "Flutterwave",
        "MEDIUM",
        "Flutterwave public/secret key",
        Word(r"?P<secret>FLW(PUB|SEC)K_TEST-(?i)[a-h0-9]{32}-X"),
        ["FLWSECK_TEST-", "FLWPUBK_TEST-"]
    ),
    rule!(
        "flutterwave-enc-key",
        "Flutterwave",
        "MEDIUM",
        "Flutterwave encrypted key",
        Word(r"?P<secret>FLWSECK_TEST[a-h0-9]{12}"),
        ["FLWSECK_TEST"]
    ),
    rule!(
        "frameio-api-token",
        "Frameio",
        "LOW",
        "Frame.io API token",
        Raw(r"fio-u-(?i)[a-z0-9\-_=]{64}"),
        ["fio-u-"]
    ),
    rule!(
        "gocardless-api-token",
        "GoCardless",
        "MEDIUM",
        "GoCardless API token",
        Raw(r#"['"]live_(?i)[a-z0-9\-_=]{40}['"]"#),
        ["live_"]
    ),
    rule!(
        "grafana-api-token",
        "Grafana",
        "MEDIUM",
        "Grafana API token",
        Raw(r#"['"]?eyJrIjoi(?i)[a-z0-9\-_=]{72,92}['"]?"#),
        ["eyJrIjoi"]
    ),
    rule!(
        "hashicorp-tf-api-token",
        "HashiCorp",
        "MEDIUM",
        "HashiCorp Terraform user/org API token",
        Raw(r#"['"](?i)[a-z0-9]{14}\.atlasv1\.[a-z0-9\-_=]{60,70}['"]"#),
        ["atlasv1."]
    ),
    rule!(
        "hubspot-api-token",
        "HubSpot",
        "LOW",
        "HubSpot API token",
        Kv(
            "hubspot",
            "[a-h0-9]{8}-[a-h0-9]{4}-[a-h0-9]{4}-[a-h0-9]{4}-[a-h0-9]{12}"
        ),
        ["hubspot"]
    ),
    rule!(
        "intercom-api-token",
        "Intercom",
        "LOW",
        "Intercom API token",
        Kv("intercom", "[a-z0-9=_]{60}"),
        ["intercom"]
    ),
    rule!(
        "intercom-client-secret",
        "Intercom",
        "LOW",
        "Intercom client secret/ID",
        Kv(
            "intercom",
            "[a-h0-9]{8}-[a-h0-9]{4}-[a-h0-9]{4}-[a-h0-9]{4}-[a-h0-9]{12}"
        ),
        ["intercom"]
    ),
    rule!(
        "ionic-api-token",
        "Ionic",
        "",
        "Ionic API token",
        Raw(
            r#"(?i)(ionic[a-z0-9_ .\-,]{0,25})(=|>|:=|\|\|:|<=|=>|:).{0,5}['"](ion_[a-z0-9]{42})['"]"#
        ),
        ["ionic"]
    ),
    rule!(
        "jwt-token",
        "JWT",
        "MEDIUM",
        "JWT token",
        // The JWT inside a stateless `ghs_` GitHub App token is that token's finding.
        Raw(
            r"(?:ghs_[0-9]+_)?(?P<secret>ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\.(?:[a-zA-Z0-9/\\_-]{10,}={0,2})?)"
        ),
        [".eyJ"],
        allow = ("stateless-ghs-jwt", "^ghs_")
    ),
    rule!(
        "linear-api-token",
        "Linear",
        "MEDIUM",
        "Linear API token",
        Raw(r"lin_api_(?i)[a-z0-9]{40}"),
        ["lin_api_"]
    ),
    rule!(
        "linear-client-secret",
        "Linear",
        "MEDIUM",
        "Linear client secret/ID",
        Kv("linear", "[a-f0-9]{32}"),
        ["linear"]
    ),
    rule!(
        "lob-api-key",
        "Lob",
        "LOW",
        "Lob API Key",
        Kv("lob", "(live|test)_[a-f0-9]{35}"),
        ["lob"]
    ),
    rule!(
        "lob-pub-api-key",
        "Lob",
        "LOW",
        "Lob Publishable API Key",
        Kv("lob", "(test|live)_pub_[a-f0-9]{31}"),
        ["lob"]
    ),
    rule!(
        "mailchimp-api-key",
        "Mailchimp",
        "MEDIUM",
        "Mailchimp API key",
        Kv("mailchimp", "[a-f0-9]{32}-us20"),
        ["mailchimp"]
    ),
    rule!(
        "mailgun-token",
        "Mailgun",
        "MEDIUM",
        "Mailgun private API token",
        Kv("mailgun", "(pub)?key-[a-f0-9]{32}"),
        ["mailgun"]
    ),
    rule!(
        "mailgun-signing-key",
        "Mailgun",
        "MEDIUM",
        "Mailgun webhook signing key",
        Kv("mailgun", "[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}"),
        ["mailgun"]
    ),
    rule!(
        "mapbox-api-token",
        "Mapbox",
        "MEDIUM",
        "Mapbox API token",
        Raw(r"(?i)(pk\.[a-z0-9]{60}\.[a-z0-9]{22})"),
        ["pk."]
    ),
    rule!(
        "messagebird-api-token",
        "MessageBird",
        "MEDIUM",
        "MessageBird API token",
        Kv("messagebird", "[a-z0-9]{25}"),
        ["messagebird"]
    ),
    rule!(
        "messagebird-client-id",
        "MessageBird",
        "MEDIUM",
        "MessageBird API client ID",
        Kv(
            "messagebird",
            "[a-h0-9]{8}-[a-h0-9]{4}-[a-h0-9]{4}-[a-h0-9]{4}-[a-h0-9]{12}"
        ),
        ["messagebird"]
    ),
    rule!(
        "new-relic-user-api-key",
        "NewRelic",
        "MEDIUM",
        "New Relic user API Key",
        Raw(r#"['"](NRAK-[A-Z0-9]{27})['"]"#),
        ["NRAK-"]
    ),
    rule!(
        "new-relic-user-api-id",
        "NewRelic",
        "MEDIUM",
        "New Relic user API ID",
        Kv("newrelic", "[A-Z0-9]{64}"),
        ["newrelic"]
    ),
    rule!(
        "new-relic-browser-api-token",
        "NewRelic",
        "MEDIUM",
        "New Relic ingest browser API token",
        Raw(r#"['"](NRJS-[a-f0-9]{19})['"]"#),
        ["NRJS-"]
    ),
    rule!(
        "npm-access-token",
        "Npm",
        "CRITICAL",
        "npm access token",
        Raw(r#"['"](npm_(?i)[a-z0-9]{36})['"]"#),
        ["npm_"]
    ),
    rule!(
        "planetscale-password",
        "Planetscale",
        "MEDIUM",
        "PlanetScale password",
        Raw(r"pscale_pw_(?i)[a-z0-9\-_\.]{43}"),
        ["pscale_pw_"]
    ),
    rule!(
        "planetscale-api-token",
        "Planetscale",
        "MEDIUM",
        "PlanetScale API token",
        Raw(r"pscale_tkn_(?i)[a-z0-9\-_\.]{43}"),
        ["pscale_tkn_"]
    ),
    rule!(
        "private-packagist-token",
        "Private Packagist",
        "HIGH",
        "Private Packagist token",
        Raw(r"packagist_[ou][ru]t_(?i)[a-f0-9]{68}"),
        ["packagist_uut_", "packagist_ort_", "packagist_out_"]
    ),
    rule!(
        "postman-api-token",
        "Postman",
        "MEDIUM",
        "Postman API token",
        Raw(r"PMAK-(?i)[a-f0-9]{24}\-[a-f0-9]{34}"),
        ["PMAK-"]
    ),
    rule!(
        "pulumi-api-token",
        "Pulumi",
        "HIGH",
        "Pulumi API token",
        Raw(r"pul-[a-f0-9]{40}"),
        ["pul-"]
    ),
    rule!(
        "rubygems-api-token",
        "RubyGems",
        "MEDIUM",
        "Rubygem API token",
        Raw(r"rubygems_[a-f0-9]{48}"),
        ["rubygems_"]
    ),
    rule!(
        "sendgrid-api-token",
        "SendGrid",
        "MEDIUM",
        "SendGrid API token",
        Raw(r"SG\.(?i)[a-z0-9_\-\.]{66}"),
        ["SG."]
    ),
    rule!(
        "sendinblue-api-token",
        "Sendinblue",
        "LOW",
        "Sendinblue API token",
        Raw(r"xkeysib-[a-f0-9]{64}\-(?i)[a-z0-9]{16}"),
        ["xkeysib-"]
    ),
    rule!(
        "shippo-api-token",
        "Shippo",
        "LOW",
        "Shippo API token",
        Raw(r"shippo_(live|test)_[a-f0-9]{40}"),
        ["shippo_live_", "shippo_test_"]
    ),
    rule!(
        "linkedin-client-secret",
        "LinkedIn",
        "LOW",
        "LinkedIn Client secret",
        Kv("linkedin", "[a-z]{16}"),
        ["linkedin"]
    ),
    rule!(
        "linkedin-client-id",
        "LinkedIn",
        "LOW",
        "LinkedIn Client ID",
        Kv("linkedin", "[a-z0-9]{14}"),
        ["linkedin"]
    ),
    rule!(
        "twitch-api-token",
        "Twitch",
        "LOW",
        "Twitch API token",
        Kv("twitch", "[a-z0-9]{30}"),
        ["twitch"]
    ),
    rule!(
        "typeform-api-token",
        "Typeform",
        "LOW",
        "Typeform API token",
        Raw(
            r"(?i)(?P<key>typeform[a-z0-9_ .\-,]{0,25})(=|>|:=|\|\|:|<=|=>|:).{0,5}(?P<secret>tfp_[a-z0-9\-_\.=]{59})"
        ),
        ["typeform"]
    ),
    rule!(
        "dockerconfig-secret",
        "Docker",
        "HIGH",
        "Dockerconfig secret exposed",
        Raw(r"(?i)(\.(dockerconfigjson|dockercfg):\s*\|*\s*(?P<secret>(ey|ew)+[A-Za-z0-9/\+=]+))"),
        ["dockerc"]
    ),
    rule!(
        "azure-storage-account-key",
        "Azure",
        "CRITICAL",
        "Azure Storage Account Key",
        Raw(r"(?i)AccountKey\s*=\s*(?P<secret>[A-Za-z0-9+/]{86}==)"),
        ["AccountKey"]
    ),
    rule!(
        "azure-entra-client-secret",
        "Azure",
        "CRITICAL",
        "Azure Entra ID Client Secret",
        Raw(
            r"(?:[^a-zA-Z0-9_~.\-]|\A)(?P<secret>[a-zA-Z0-9_~.\-]{3}8Q~[a-zA-Z0-9_~.\-]{34})(?:[^a-zA-Z0-9_~.\-]|\z)"
        ),
        ["8Q~"]
    ),
    rule!(
        "azure-sas-token",
        "Azure",
        "HIGH",
        "Azure Shared Access Signature Token",
        Raw(
            r#"sv=\d{4}-\d{2}-\d{2}(?:[&;][a-z]+=[^&\s'"]*){1,12}[&;]sig=(?P<secret>[A-Za-z0-9%+/=]{40,})"#
        ),
        ["sig="]
    ),
    rule!(
        "azure-container-registry-password",
        "Azure",
        "CRITICAL",
        "Azure Container Registry Password",
        Raw(
            r#"(?i)azurecr\.io[^\n]{0,100}(?:password|pwd)\s*[:=]\s*["']?(?P<secret>[a-zA-Z0-9+/]{32})["']?"#
        ),
        ["azurecr.io"]
    ),
    rule!(
        "azure-container-registry-credential",
        "Azure",
        "CRITICAL",
        "Azure Container Registry Credential",
        Raw(r"(?P<secret>[A-Za-z0-9+/]{52}JQQJ99C[A-Z]ACYeBjFEqg7NAAA[A-Z]AZCR[A-Za-z0-9+/]{4})"),
        ["ACYeBjFEqg7NAAA"]
    ),
    rule!(
        "azure-ai-services-key",
        "Azure",
        "HIGH",
        "Azure AI Services Key",
        Raw(
            r"(?P<secret>[A-Za-z0-9+/]{52}JQQJ99C[A-Z][A-Za-z0-9+/]{7}XJ3w3[A-Za-z0-9+/]{4}ACOG[A-Za-z0-9+/]{4})"
        ),
        ["XJ3w3"]
    ),
    rule!(
        "azure-devops-pat",
        "Azure",
        "HIGH",
        "Azure DevOps Personal Access Token",
        Raw(
            r#"(?i)(?:azure[_\-]?devops|ado)[_\-]?(?:pat|token|personal.?access.?token)\s*[:=]\s*["']?(?P<secret>[a-z2-7]{52})["']?"#
        ),
        [
            "azure_devops",
            "azure-devops",
            "azuredevops",
            "ado_token",
            "ado-token",
            "ado_pat",
            "ado-pat"
        ]
    ),
    rule!(
        "azure-app-config-connection-string",
        "Azure",
        "CRITICAL",
        "Azure App Configuration Connection String",
        Raw(
            r"(?i)Endpoint\s*=\s*https://[a-zA-Z0-9\-]+\.azconfig\.io\s*;\s*Id\s*=\s*[a-zA-Z0-9+/=:\-]+\s*;\s*Secret\s*=\s*(?P<secret>[a-zA-Z0-9+/=~]{32,88})"
        ),
        ["azconfig.io"]
    ),
    rule!(
        "openai-legacy-api-key",
        "OpenAI",
        "HIGH",
        "OpenAI Legacy User API Key",
        Word(r"?P<secret>sk-(?:None-)?[A-Za-z0-9]{20,42}T3BlbkFJ[A-Za-z0-9]{20,42}"),
        ["T3BlbkFJ"]
    ),
    rule!(
        "openai-project-api-key",
        "OpenAI",
        "CRITICAL",
        "OpenAI Project API Key",
        Word(r"?P<secret>sk-proj-[A-Za-z0-9_-]{20,100}T3BlbkFJ[A-Za-z0-9_-]{20,100}"),
        ["T3BlbkFJ"]
    ),
    rule!(
        "openai-admin-api-key",
        "OpenAI",
        "CRITICAL",
        "OpenAI Admin API Key",
        Word(r"?P<secret>sk-admin-[A-Za-z0-9_-]{20,100}T3BlbkFJ[A-Za-z0-9_-]{20,100}"),
        ["T3BlbkFJ"]
    ),
    rule!(
        "openai-service-account-key",
        "OpenAI",
        "CRITICAL",
        "OpenAI Service Account Key",
        Word(r"?P<secret>sk-svcacct-[A-Za-z0-9_-]{20,100}T3BlbkFJ[A-Za-z0-9_-]{20,100}"),
        ["T3BlbkFJ"]
    ),
    rule!(
        "openai-service-api-key",
        "OpenAI",
        "HIGH",
        "OpenAI Service API Key",
        Word(r"?P<secret>sk-service-[A-Za-z0-9-]+-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
        ["T3BlbkFJ"]
    ),
    rule!(
        "openai-realtime-client-secret",
        "OpenAI",
        "MEDIUM",
        "OpenAI Realtime Client Secret",
        Word(r"?P<secret>ek_[a-f0-9]{32}"),
        ["ek_"]
    ),
    rule!(
        "maven-settings-password",
        "Maven",
        "HIGH",
        "Maven settings.xml password",
        Raw(r"(?i)<\s*password\s*>\s*(?P<secret>[^<\s{][^<{]+[^<\s])\s*<\s*/\s*password\s*>"),
        ["password"],
        path = r"(?i)(^|[/\\])settings\.xml$"
    ),
    rule!(
        "maven-settings-passphrase",
        "Maven",
        "HIGH",
        "Maven settings.xml passphrase",
        Raw(r"(?i)<\s*passphrase\s*>\s*(?P<secret>[^<\s{][^<{]+[^<\s])\s*<\s*/\s*passphrase\s*>"),
        ["passphrase"],
        path = r"(?i)(^|[/\\])settings\.xml$"
    ),
    rule!(
        "maven-settings-security-master",
        "Maven",
        "HIGH",
        "Maven settings-security.xml master password",
        Raw(r"(?i)<\s*master\s*>\s*(?P<secret>[^<\s][^<]+[^<\s])\s*<\s*/\s*master\s*>"),
        ["master"],
        path = r"(?i)(^|[/\\])settings-security\.xml$"
    ),
    rule!(
        "symfony-default-secret",
        "Symfony",
        "HIGH",
        "Symfony Default Secret",
        Raw(r"ThisTokenIsNotSoSecretChangeIt|ThisEzPlatformTokenIsNotSoSecret_PleaseChangeIt"),
        ["TokenIsNotSoSecret"]
    ),
];

/// A built-in allow rule: a path regex, a match regex, or both.
pub(crate) struct BuiltinAllow {
    pub id: &'static str,
    pub description: &'static str,
    pub path: Option<&'static str>,
    pub regex: Option<&'static str>,
}

/// Trivy's built-in allow rules: test, example, vendor and system paths, markdown.
pub(crate) const BUILTIN_ALLOW: &[BuiltinAllow] = &[
    BuiltinAllow {
        id: "tests",
        description: "Avoid test files and paths",
        path: Some(r"(^(?i)test|/test|-test|_test|\.test)"),
        regex: None,
    },
    BuiltinAllow {
        id: "examples",
        description: "Avoid example files and paths",
        path: Some("example"),
        regex: Some("(?i)example"),
    },
    BuiltinAllow {
        id: "vendor",
        description: "Vendor dirs",
        path: Some(r"/vendor/"),
        regex: None,
    },
    BuiltinAllow {
        id: "usr-dirs",
        description: "System dirs",
        path: Some(r"^usr/(?:share|include|lib)/"),
        regex: None,
    },
    BuiltinAllow {
        id: "locale-dir",
        description: "Locales directory contains locales file",
        path: Some(r"/locales?/"),
        regex: None,
    },
    BuiltinAllow {
        id: "markdown",
        description: "Markdown files",
        path: Some(r"\.md$"),
        regex: None,
    },
    BuiltinAllow {
        id: "node.js",
        description: "Node container images",
        path: Some(r"^opt/yarn-v[\d.]+/"),
        regex: None,
    },
    BuiltinAllow {
        id: "golang",
        description: "Go container images",
        path: Some(r"^usr/local/go/"),
        regex: None,
    },
    BuiltinAllow {
        id: "python",
        description: "Python container images",
        path: Some(r"^usr/local/lib/python[\d.]+/"),
        regex: None,
    },
    BuiltinAllow {
        id: "rubygems",
        description: "Ruby container images",
        path: Some(r"^usr/lib/gems/"),
        regex: None,
    },
    BuiltinAllow {
        id: "wordpress",
        description: "Wordpress container images",
        path: Some(r"^usr/src/wordpress/"),
        regex: None,
    },
    BuiltinAllow {
        id: "anaconda-log",
        description: "Anaconda CI Logs in container images",
        path: Some(r"^var/log/anaconda/"),
        regex: None,
    },
];

/// Paths Trivy's secret analyzer never reads: lockfiles, VCS and dependency dirs, and
/// binary formats by extension.
pub(crate) const SKIP_FILES: &[&str] = &[
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Pipfile.lock",
    "Gemfile.lock",
    "go.mod",
    "go.sum",
];
pub(crate) const SKIP_DIRS: &[&str] = &[".git", "node_modules"];
pub(crate) const SKIP_EXTS: &[&str] = &[
    "jpg", "png", "gif", "doc", "pdf", "bin", "svg", "socket", "deb", "rpm", "zip", "gz", "gzip",
    "tar",
];
