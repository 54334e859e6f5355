//! TLS: loading the serving certificate, and `tollgate cert`'s self-signed CA and serving
//! certificate for the webhook.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;

/// A rustls server configuration from PEM files (certificate chain, then private key).
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("--tls-cert {}: cannot read it", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("--tls-cert {}: not a PEM certificate chain", cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!("--tls-cert {}: no CERTIFICATE block in it", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| {
        format!(
            "--tls-key {}: not a PEM private key (PKCS#8, PKCS#1 or SEC1)",
            key.display()
        )
    })?;
    server_config_from(certs, key)
}

/// A rustls server configuration from DER values.
pub fn server_config_from(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS set-up")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the TLS certificate and key do not match or are unsupported")?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// A CA and a serving certificate signed by it, PEM-encoded.
#[derive(Debug, Clone)]
pub struct CertBundle {
    /// The CA certificate (the webhook configuration's `caBundle`, base64-encoded).
    pub ca_cert: String,
    /// The CA's private key.
    pub ca_key: String,
    /// The serving certificate.
    pub cert: String,
    /// The serving certificate's private key.
    pub key: String,
}

/// The DNS names a Service is reached by from the API server.
pub fn service_names(service: &str, namespace: &str) -> Vec<String> {
    vec![
        service.to_string(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ]
}

/// Generates a CA valid `ca_days` and a serving certificate for `names` (DNS names or IP
/// addresses) valid `days`.
pub fn generate(names: &[String], days: i64, ca_days: i64) -> Result<CertBundle> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let now = time::OffsetDateTime::now_utc();
    // A little slack so a clock slightly behind ours still accepts the certificates.
    let not_before = now - time::Duration::hours(1);

    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name
        .push(DnType::CommonName, "tollgate webhook CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = not_before;
    ca.not_after = now + time::Duration::days(ca_days);
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;

    let mut p = CertificateParams::new(names.to_vec())
        .with_context(|| format!("certificate names {names:?}"))?;
    p.distinguished_name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = not_before;
    p.not_after = now + time::Duration::days(days);
    let key = KeyPair::generate()?;
    let cert = p.signed_by(&key, &ca_cert, &ca_key)?;
    Ok(CertBundle {
        ca_cert: ca_cert.pem(),
        ca_key: ca_key.serialize_pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

/// Replaces the value of every `caBundle:` key in a YAML text (keeping its comments and
/// layout); returns the new text and how many were replaced.
pub fn patch_ca_bundle(yaml: &str, bundle_b64: &str) -> (String, usize) {
    let mut n = 0;
    let mut out = String::with_capacity(yaml.len() + bundle_b64.len());
    for line in yaml.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        let key = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        if let Some(rest) = key.strip_prefix("caBundle:") {
            let indent = &body[..body.len() - trimmed.len()];
            let dash = if trimmed.starts_with("- ") { "- " } else { "" };
            // A trailing comment stays; the old value (placeholder or stale bundle) goes.
            let comment = rest.find(" #").map(|i| &rest[i..]).unwrap_or("");
            out.push_str(&format!("{indent}{dash}caBundle: {bundle_b64}{comment}"));
            out.push_str(&line[body.len()..]);
            n += 1;
        } else {
            out.push_str(line);
        }
    }
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_bundle_lines_are_replaced_in_place() {
        let y = "webhooks:\n- name: a\n  clientConfig:\n    caBundle: <CA_BUNDLE> # set by tollgate cert\n    service: {name: s}\n- name: b\n  clientConfig:\n    caBundle: \"\"\n";
        let (out, n) = patch_ca_bundle(y, "QUJD");
        assert_eq!(n, 2);
        assert!(
            out.contains("    caBundle: QUJD # set by tollgate cert\n"),
            "{out}"
        );
        assert!(out.contains("    caBundle: QUJD\n"), "{out}");
        assert!(out.contains("    service: {name: s}\n"));
        assert_eq!(patch_ca_bundle("a: 1\n", "x"), ("a: 1\n".to_string(), 0));
    }

    #[test]
    fn generated_certificates_load_as_a_server_config() {
        let b = generate(
            &["tollgate.tollgate.svc".into(), "127.0.0.1".into()],
            30,
            365,
        )
        .unwrap();
        assert!(b.ca_cert.starts_with("-----BEGIN CERTIFICATE-----"));
        let certs = vec![CertificateDer::from_pem_slice(b.cert.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(b.key.as_bytes()).unwrap();
        server_config_from(certs, key).unwrap();
    }
}
