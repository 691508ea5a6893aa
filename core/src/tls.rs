//! Trust for a zone's `ca_cert`: the CA that signed the server's
//! certificate, or the server's own self-signed certificate.
//!
//! A default HestiaCP install serves a self-signed certificate that is
//! marked as a CA. webpki refuses a CA certificate used as a server's own
//! certificate even when it is the configured trust anchor, so adding it as
//! a root is not enough: a certificate the server presents that is exactly
//! one of the configured ones is trusted as it is (pinned), and anything
//! else must chain to them as usual, host name included.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

/// How a zone's server is trusted: verified or not, and the one
/// certificate to trust instead of the system's roots.
#[derive(Clone, Copy, Debug)]
pub struct Tls<'z> {
    pub verify: bool,
    pub ca_cert: Option<&'z str>,
}
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// Said by the verifier when a server presents a certificate that is not
/// the pinned one and does not chain to it either.
pub const NOT_PINNED: &str = "certificate not in ca_cert nor signed by it";

/// The client TLS settings that trust `pem` and nothing else.
pub fn config_trusting(pem: &str) -> Result<ClientConfig, String> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("ca_cert is not a usable PEM certificate: {e}"))?;
    if certs.is_empty() {
        return Err("ca_cert holds no PEM certificate".to_owned());
    }
    let mut roots = RootCertStore::empty();
    for cert in &certs {
        roots
            .add(cert.clone())
            .map_err(|e| format!("ca_cert is not a usable certificate: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chained = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("ca_cert cannot be used to verify servers: {e}"))?;
    let verifier = PinnedOrChained {
        pinned: certs,
        chained,
        provider: provider.clone(),
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // The HTTP client here speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

struct PinnedOrChained {
    pinned: Vec<CertificateDer<'static>>,
    chained: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
}

impl fmt::Debug for PinnedOrChained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PinnedOrChained({} certificates)", self.pinned.len())
    }
}

impl ServerCertVerifier for PinnedOrChained {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The admin pasted this very certificate: it is the server, whatever
        // name or flags it carries. The handshake signature is still
        // checked against it below, so only the key's holder gets through.
        if self
            .pinned
            .iter()
            .any(|cert| cert.as_ref() == end_entity.as_ref())
        {
            return Ok(ServerCertVerified::assertion());
        }
        self.chained
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| match e {
                // Which of webpki's reasons does not matter here: the
                // server is not the one the admin pasted a certificate of.
                rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer | rustls::CertificateError::Other(_),
                ) => rustls::Error::General(NOT_PINNED.to_owned()),
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_a_certificate_is_refused_with_a_reason() {
        assert_eq!(
            config_trusting("not a certificate").err().as_deref(),
            Some("ca_cert holds no PEM certificate")
        );
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let error = config_trusting(broken).err().unwrap_or_default();
        assert!(
            error.starts_with("ca_cert is not a usable certificate"),
            "{error}"
        );
    }
}
