//! `secctx serve cert`: a CA and a serving certificate for a first install (rcgen, ECDSA
//! P-256 with ring). The serving certificate carries the DNS SANs the API server dials a
//! Service webhook by (`<svc>.<ns>.svc`, spec §1.1) and the short forms.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

/// Why certificates could not be made.
#[derive(Debug, thiserror::Error)]
#[error("making certificates: {0}")]
pub struct CertError(#[from] rcgen::Error);

/// PEM texts of a CA and a serving certificate signed by it.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The CA certificate: the webhook configurations' `caBundle`.
    pub ca_cert: String,
    /// The CA key (keep it offline, or delete it once the serving pair is made).
    pub ca_key: String,
    /// The serving certificate (`tls.crt`).
    pub cert: String,
    /// The serving key (`tls.key`).
    pub key: String,
    /// The SANs in the serving certificate.
    pub sans: Vec<String>,
}

/// The DNS names a Service `<service>` in `<namespace>` is reached by, most specific last.
pub fn service_sans(service: &str, namespace: &str) -> Vec<String> {
    vec![
        service.to_owned(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ]
}

/// Makes a CA valid for `ca_days` and a serving certificate for `sans` valid for `days`.
pub fn make(sans: &[String], days: i64, ca_days: i64) -> Result<Bundle, CertError> {
    let now = OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "secctx webhook CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = now - Duration::hours(1);
    ca.not_after = now + Duration::days(ca_days);
    let ca_cert = ca.self_signed(&ca_key)?;
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(sans.to_vec())?;
    let cn = sans.last().map(String::as_str).unwrap_or("secctx-webhook");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(days);
    let cert = params.signed_by(&key, &issuer)?;
    Ok(Bundle {
        ca_cert: ca_cert.pem(),
        ca_key: ca_key_pem,
        cert: cert.pem(),
        key: key.serialize_pem(),
        sans: sans.to_vec(),
    })
}
