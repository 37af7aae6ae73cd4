//! TLS for the PostgreSQL sink over rustls, with libpq's `sslmode` semantics:
//!
//! | sslmode | encrypted | certificate chain checked | host name checked |
//! |---|---|---|---|
//! | `disable` | no | – | – |
//! | `prefer` (default) | if the server offers TLS | no | no |
//! | `require` | yes | only when a CA is given (then as `verify-ca`) | no |
//! | `verify-ca` | yes | yes | no |
//! | `verify-full` | yes | yes | yes |
//!
//! The CA is `sslrootcert` (a PEM file, or `system` for the operating system's store), else
//! `[warehouse.postgres] ca_file`; the verify modes without either use the system store.
//! The crypto provider is aws-lc-rs, as for the object stores' HTTPS clients. Channel binding
//! is not offered (SCRAM authentication works without it).

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use super::conninfo::{RootCert, SslMode, TlsParams};

/// Builds the rustls client configuration for `params`; `ca_file` is the configured CA,
/// used when the connection string names none. `None` for `sslmode=disable`.
pub(crate) fn client_config(
    params: &TlsParams,
    ca_file: Option<&Path>,
) -> Result<Option<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let root = params
        .root_cert
        .clone()
        .or_else(|| ca_file.map(|p| RootCert::File(p.to_path_buf())));
    let check = match (params.mode, &root) {
        (SslMode::Disable, _) => return Ok(None),
        (SslMode::Prefer, _) | (SslMode::Require, None) => Check::Nothing,
        (SslMode::Require | SslMode::VerifyCa, _) => Check::Chain,
        (SslMode::VerifyFull, _) => Check::ChainAndName,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        Check::Nothing => Arc::new(NoCheck(Arc::clone(&provider))),
        Check::Chain | Check::ChainAndName => {
            let roots = roots(root.as_ref().unwrap_or(&RootCert::System))?;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                .build()
                .map_err(|e| format!("cannot use the CA certificates: {e}"))?;
            if check == Check::Chain {
                Arc::new(ChainOnly(webpki))
            } else {
                webpki
            }
        }
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // PostgreSQL 17's direct TLS negotiation (`sslnegotiation=direct`) requires this ALPN.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(Some(config))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// The trusted CA certificates: every certificate of a PEM file, or the system store.
fn roots(root: &RootCert) -> Result<RootCertStore, String> {
    let (certs, source) = match root {
        RootCert::File(path) => {
            let shown = path.display();
            let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {shown}: {e}"))?;
            let certs = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("the CA file {shown} is not valid PEM: {e}"))?;
            (certs, format!("the CA file {shown}"))
        }
        RootCert::System => {
            let loaded = rustls_native_certs::load_native_certs();
            (loaded.certs, "the system trust store".to_string())
        }
    };
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certs);
    if added == 0 {
        let hint = match root {
            RootCert::File(_) => "",
            RootCert::System => "; set sslrootcert in the URL or [warehouse.postgres] ca_file",
        };
        return Err(format!("{source} holds no usable CA certificate{hint}"));
    }
    Ok(store)
}

/// `verify-ca`: the chain must lead to a trusted CA; any host name is accepted.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The name is checked after the chain: a name error means the chain was fine.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a CA: encrypted, the certificate not checked (libpq's
/// semantics); the handshake signatures still are.
#[derive(Debug)]
struct NoCheck(Arc<CryptoProvider>);

impl ServerCertVerifier for NoCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// tokio-postgres's TLS hook over tokio-rustls.
#[derive(Clone)]
pub(crate) struct MakeRustls(Arc<ClientConfig>);

impl MakeRustls {
    /// A connector using `config`.
    pub(crate) fn new(config: ClientConfig) -> Self {
        Self(Arc::new(config))
    }
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, Self::Error> {
        // An IP address host is checked against the certificate's IP addresses.
        let name = ServerName::try_from(domain.to_string())?;
        Ok(RustlsConnect {
            config: Arc::clone(&self.0),
            name,
        })
    }
}

/// One handshake with one server.
pub(crate) struct RustlsConnect {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.config);
        Box::pin(async move { connector.connect(self.name, stream).await.map(RustlsStream) })
    }
}

/// An encrypted connection to the server.
pub(crate) struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn params(mode: SslMode, root: Option<RootCert>) -> TlsParams {
        TlsParams {
            mode,
            root_cert: root,
        }
    }

    #[test]
    fn disable_builds_no_tls_and_prefer_needs_no_ca() {
        assert!(
            client_config(&params(SslMode::Disable, None), None)
                .expect("disable")
                .is_none()
        );
        let missing = Path::new("/nonexistent/ca.pem");
        // prefer never reads the CA (libpq does not check certificates in prefer mode).
        assert!(
            client_config(&params(SslMode::Prefer, None), Some(missing))
                .expect("prefer")
                .is_some()
        );
        let alpn = client_config(&params(SslMode::Require, None), None).expect("require");
        assert_eq!(alpn.map(|c| c.alpn_protocols), Some(vec![b"postgresql".to_vec()]));
    }

    #[test]
    fn unreadable_or_empty_ca_files_are_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("missing.pem");
        let err = client_config(&params(SslMode::VerifyFull, None), Some(&missing)).expect_err("missing");
        assert!(
            err.contains("cannot read the CA file") && err.contains("missing.pem"),
            "{err}"
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let root = Some(RootCert::File(PathBuf::from(&empty)));
        // The URL's sslrootcert wins over the configured file; require with a CA checks it.
        let err = client_config(&params(SslMode::Require, root), Some(&missing)).expect_err("empty");
        assert!(
            err.contains("empty.pem") && err.contains("no usable CA certificate"),
            "{err}"
        );
    }
}
