//! The HTTPS side: a throwaway certificate authority made at start, a server certificate for
//! `127.0.0.1`, `::1` and `localhost` signed by it, and the rustls server configuration
//! (rustls 0.23 with ring, TLS 1.2 and 1.3, ALPN `http/1.1`).
//!
//! Nothing is written to disk and the keys die with the emulator: a client trusts the run's CA
//! through [`EmulatorHandle::ca_pem`](super::EmulatorHandle::ca_pem).

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the server certificate is valid for.
pub(crate) const SERVER_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// A run's TLS material.
pub(crate) struct Tls {
    /// The CA certificate, PEM: what a client must trust.
    pub(crate) ca_pem: String,
    /// The server side, shared by every TLS connection.
    pub(crate) config: Arc<ServerConfig>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The PEM is public, the key inside the config is not: neither is printed.
        f.debug_struct("Tls")
            .field("ca_pem_len", &self.ca_pem.len())
            .finish_non_exhaustive()
    }
}

fn other(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{what}: {e}"))
}

/// Makes a fresh CA (ECDSA P-256), a server certificate signed by it, and the server config.
///
/// # Errors
///
/// Key generation, signing or configuration failed (none does with these fixed inputs).
pub(crate) fn generate() -> io::Result<Tls> {
    let mut ca =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| other("CA parameters", e))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(|e| other("CA key", e))?;
    // A name of its own per run (from the key): another run's CA, trusted by mistake, is then an
    // unknown issuer rather than a look-alike whose signature fails.
    let id: String = ca
        .key_identifier(&ca_key)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    ca.distinguished_name.push(
        DnType::CommonName,
        format!("Bedrock emulator throwaway CA {id}"),
    );
    let ca_cert = ca
        .self_signed(&ca_key)
        .map_err(|e| other("CA certificate", e))?;
    let issuer = Issuer::new(ca, ca_key);

    let names: Vec<String> = SERVER_NAMES.iter().map(|n| (*n).to_string()).collect();
    let mut server = CertificateParams::new(names).map_err(|e| other("server parameters", e))?;
    server
        .distinguished_name
        .push(DnType::CommonName, "Bedrock emulator");
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().map_err(|e| other("server key", e))?;
    let server_cert = server
        .signed_by(&server_key, &issuer)
        .map_err(|e| other("server certificate", e))?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| other("TLS versions", e))?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone()], key)
        .map_err(|e| other("TLS certificate", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}
