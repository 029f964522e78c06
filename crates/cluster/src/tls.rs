//! TLS for nodes and drivers: certificates and keys from PEM files, the rustls configurations
//! built from them, and the node's accept loop.
//!
//! A node presents its certificate and, given a CA, requires drivers to present one signed by
//! it (mutual TLS). A driver always verifies the node's certificate against a CA it is given,
//! including that the certificate names the host it dialled, and presents its own when asked to.
//! The cookie challenge still runs inside the encrypted session.
//!
//! The node accepts TLS itself rather than through ractor_cluster's `IncomingEncryptionMode::Tls`:
//! that handshake runs inside ractor_cluster's accept loop with no deadline, so one peer that
//! connects and says nothing would stop every other connection. Here each handshake runs in a
//! task of its own under a deadline, and the encrypted stream goes to the node server as an
//! external transport (`NodeServerMessage::ConnectionOpenedExternal`), where ractor_cluster's
//! sessions run over it as over any socket.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ractor::ActorRef;
use ractor_cluster::{BoxRead, BoxWrite, ClusterBidiStream, NodeServerMessage};
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Largest PEM file read: a certificate chain or a CA bundle is kilobytes; more is a mistake.
pub const MAX_PEM_BYTES: u64 = 1 << 20;

/// TLS handshakes a node runs at once; connections past that are dropped at once, so a flood
/// of silent peers holds sockets for at most the handshake deadline and never starves the node.
pub const MAX_PENDING_HANDSHAKES: usize = 256;

/// What can go wrong reading certificates and keys.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    #[error("{what} {}: {source}", path.display())]
    Unreadable {
        /// What the file was to hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file holds nothing usable.
    #[error("{what} {}: {reason}", path.display())]
    Invalid {
        /// What the file was to hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A private key file that its group or others may access.
    #[error(
        "private key file {} is accessible by group or others (mode {mode:04o}); \
         allow its owner only: chmod 600 {}",
        path.display(),
        path.display()
    )]
    KeyExposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The certificate and the key do not belong together, or rustls refused them.
    #[error("certificate {} with key {}: {reason}", cert.display(), key.display())]
    Identity {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// Why.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// The crypto provider rustls runs on: aws-lc-rs, the one ractor_cluster's tokio-rustls brings.
/// Named explicitly so nothing depends on a process-wide default.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Reads at most [`MAX_PEM_BYTES`] of a regular file.
fn read_capped(what: &'static str, path: &Path, private: bool) -> Result<Vec<u8>, TlsError> {
    let unreadable = |source| TlsError::Unreadable {
        what,
        path: path.to_path_buf(),
        source,
    };
    let invalid = |reason: String| TlsError::Invalid {
        what,
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(invalid("not a regular file".to_string()));
    }
    if private {
        check_key_mode(path, &meta)?;
    }
    let mut bytes = Vec::new();
    file.take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_PEM_BYTES {
        return Err(invalid(format!("larger than {MAX_PEM_BYTES} bytes: not a PEM file")));
    }
    Ok(bytes)
}

const CERT: &str = "certificate file";
const KEY: &str = "private key file";
const CA: &str = "CA file";

/// pki-types' PEM errors quote raw bytes; say what they mean instead.
fn pem_problem(err: pem::Error) -> String {
    match err {
        pem::Error::MissingSectionEnd { .. } => "a PEM block has no END line (a truncated file?)".to_string(),
        pem::Error::IllegalSectionStart { .. } => "a malformed PEM BEGIN line".to_string(),
        pem::Error::Base64Decode(e) => format!("bad base64 in a PEM block: {e}"),
        pem::Error::SectionTooLarge => "a PEM block too large to be a certificate or key".to_string(),
        other => other.to_string(),
    }
}

/// Every certificate in a PEM file (at least one).
fn read_certs(what: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read_capped(what, path, false)?;
    let invalid = |reason: String| TlsError::Invalid {
        what,
        path: path.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(pem_problem(e)))?;
    if certs.is_empty() {
        return Err(invalid("no PEM CERTIFICATE block in it".to_string()));
    }
    Ok(certs)
}

/// The first private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read_capped(KEY, path, true)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::Invalid {
        what: KEY,
        path: path.to_path_buf(),
        reason: match e {
            pem::Error::NoItemsFound => "no unencrypted PEM private key in it (PRIVATE KEY, RSA PRIVATE KEY or \
                                         EC PRIVATE KEY); decrypt one with openssl pkey -in FILE -out FILE"
                .to_string(),
            other => pem_problem(other),
        },
    })
}

/// The CA certificates in a PEM file, as trust anchors.
fn read_roots(path: &Path) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    for (i, cert) in read_certs(CA, path)?.into_iter().enumerate() {
        roots.add(cert).map_err(|e| TlsError::Invalid {
            what: CA,
            path: path.to_path_buf(),
            reason: format!("certificate {} is no usable CA certificate: {e}", i + 1),
        })?;
    }
    Ok(Arc::new(roots))
}

#[cfg(unix)]
fn check_key_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), TlsError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(TlsError::KeyExposed {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_key_mode(_: &Path, _: &std::fs::Metadata) -> Result<(), TlsError> {
    Ok(())
}

/// A certificate chain and its key, checked to belong together.
fn read_identity(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let chain = read_certs(CERT, cert)?;
    let der = read_key(key)?;
    CertifiedKey::from_der(chain, der, &provider()).map_err(|e| TlsError::Identity {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        reason: match e {
            rustls::Error::InconsistentKeys(_) => "the key is not the certificate's key".to_string(),
            other => other.to_string(),
        },
    })
}

fn config_error(err: rustls::Error) -> TlsError {
    TlsError::Config(err.to_string())
}

/// A node's TLS: its certificate and key, and the CA its drivers' certificates must be signed
/// by, if any. `Debug` names no secret.
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<ServerConfig>,
    mutual: bool,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("mutual", &self.mutual).finish()
    }
}

impl ServerTls {
    /// Reads the node's certificate chain (`cert`, leaf first) and private key (`key`, a file
    /// only its owner may read). With `client_ca`, drivers must present a certificate signed by
    /// one of its certificates (mutual TLS); without, any driver may connect and the cookie alone
    /// authenticates it.
    pub fn load(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<ServerTls, TlsError> {
        let identity = read_identity(cert, key)?;
        let builder = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(config_error)?;
        let builder = match client_ca {
            Some(ca) => {
                let verifier = WebPkiClientVerifier::builder_with_provider(read_roots(ca)?, provider())
                    .build()
                    .map_err(|e| TlsError::Config(e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let config = builder.with_cert_resolver(Arc::new(One(Arc::new(identity))));
        Ok(ServerTls {
            config: Arc::new(config),
            mutual: client_ca.is_some(),
        })
    }

    /// Whether drivers must present a certificate signed by the node's CA.
    pub fn verifies_clients(&self) -> bool {
        self.mutual
    }

    fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.clone())
    }
}

/// One certificate for every client hello.
#[derive(Debug)]
struct One(Arc<CertifiedKey>);

impl ResolvesServerCert for One {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

impl ResolvesClientCert for One {
    fn resolve(&self, _: &[&[u8]], _: &[rustls::SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// A driver's TLS: the CA that signed its nodes' certificates, and the driver's own certificate
/// and key if it has them (nodes with a CA of their own require one). `Debug` names no secret.
#[derive(Clone)]
pub struct ClientTls {
    config: Arc<ClientConfig>,
    presents_certificate: bool,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("presents_certificate", &self.presents_certificate)
            .finish()
    }
}

impl ClientTls {
    /// Trusts the nodes whose certificates `ca` signed (and that name the host dialled: an IP
    /// address for `127.0.0.1:7001`, a DNS name for `node1:7001`), presenting `identity`
    /// (certificate chain, private key) when given.
    pub fn load(ca: &Path, identity: Option<(&Path, &Path)>) -> Result<ClientTls, TlsError> {
        let roots = read_roots(ca)?;
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(config_error)?
            .with_root_certificates(roots);
        let config = match identity {
            Some((cert, key)) => builder.with_client_cert_resolver(Arc::new(One(Arc::new(read_identity(cert, key)?)))),
            None => builder.with_no_client_auth(),
        };
        Ok(ClientTls {
            config: Arc::new(config),
            presents_certificate: identity.is_some(),
        })
    }

    /// Whether the driver presents a certificate of its own.
    pub fn presents_certificate(&self) -> bool {
        self.presents_certificate
    }

    pub(crate) fn connector(&self) -> TlsConnector {
        TlsConnector::from(self.config.clone())
    }
}

/// The name a node's certificate must hold: the host part of `HOST:PORT` as given (an IP
/// address or a DNS name).
pub(crate) fn server_name(addr: &str, resolved: SocketAddr) -> Result<ServerName<'static>, String> {
    if addr.parse::<SocketAddr>().is_ok() {
        return Ok(ServerName::IpAddress(resolved.ip().into()));
    }
    let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_string()).map_err(|e| format!("{host:?} cannot be checked against a certificate: {e}"))
}

/// A driver's failed handshake as an error that says what it likely means.
pub(crate) fn handshake_failed(addr: SocketAddr, err: std::io::Error) -> crate::ClusterError {
    let cause = err.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>());
    let hint = match cause {
        Some(rustls::Error::InvalidCertificate(_)) => {
            "the node's certificate is not signed by --tls-ca, has expired, or does not name the host dialled"
        }
        Some(rustls::Error::AlertReceived(_)) => "the node refused this driver's TLS",
        _ => "is the node running with TLS (--tls-cert, --tls-key)?",
    };
    crate::ClusterError::Handshake {
        addr,
        reason: err.to_string(),
        hint,
    }
}

/// An acceptor that completes no handshake: for the listener ractor_cluster's node server must
/// run, which no peer is meant to use once a node or driver does TLS itself (a peer could
/// otherwise skip TLS there with the cookie alone).
pub(crate) fn refusing() -> Result<ractor_cluster::IncomingEncryptionMode, TlsError> {
    #[derive(Debug)]
    struct NoCertificate;
    impl ResolvesServerCert for NoCertificate {
        fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
            None
        }
    }
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(config_error)?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(NoCertificate));
    Ok(ractor_cluster::IncomingEncryptionMode::Tls(TlsAcceptor::from(
        Arc::new(config),
    )))
}

/// A node's TLS listener: accepts, shakes hands under a deadline, and hands each encrypted
/// stream to the node server. Stops when dropped.
pub(crate) struct TlsListener {
    task: JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TlsListener {
    /// Binds `listen` now (so a busy port is an error of the node's start), then accepts in the
    /// background.
    pub(crate) async fn start(
        listen: SocketAddr,
        tls: &ServerTls,
        server: ActorRef<NodeServerMessage>,
        deadline: Duration,
    ) -> std::io::Result<TlsListener> {
        let listener = TcpListener::bind(listen).await?;
        let acceptor = tls.acceptor();
        let mutual = tls.verifies_clients();
        let pending = Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES));
        let task = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, most likely: back off rather than spin.
                        tracing::warn!("cannot accept a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Ok(permit) = pending.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, "connection dropped: {MAX_PENDING_HANDSHAKES} TLS handshakes already pending");
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let (acceptor, server) = (acceptor.clone(), server.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    handshake(stream, peer, acceptor, server, deadline, mutual).await;
                });
            }
        });
        Ok(TlsListener { task })
    }
}

async fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    server: ActorRef<NodeServerMessage>,
    deadline: Duration,
    mutual: bool,
) {
    match tokio::time::timeout(deadline, acceptor.accept(stream)).await {
        Err(_) => tracing::warn!(%peer, "connection dropped: no TLS handshake within {deadline:?}"),
        Ok(Err(e)) => {
            let hint = if mutual {
                "a peer without TLS, or without a certificate signed by this node's CA"
            } else {
                "a peer without TLS, or one that does not trust this node's certificate"
            };
            tracing::warn!(%peer, "TLS handshake failed: {e}: {hint}");
        }
        Ok(Ok(stream)) => {
            tracing::debug!(%peer, "TLS session established");
            let opened = server.cast(NodeServerMessage::ConnectionOpenedExternal {
                stream: Box::new(Encrypted { stream, peer }),
                is_server: true,
            });
            if opened.is_err() {
                tracing::debug!(%peer, "connection dropped: the node server has stopped");
            }
        }
    }
}

/// A node's end of an encrypted connection, as ractor_cluster takes external transports.
struct Encrypted {
    stream: tokio_rustls::server::TlsStream<TcpStream>,
    peer: SocketAddr,
}

impl ClusterBidiStream for Encrypted {
    fn split(self: Box<Self>) -> (BoxRead, BoxWrite) {
        let (read, write) = tokio::io::split(self.stream);
        (Box::new(read), Box::new(write))
    }

    /// The peer's address, so sessions are named and logged as over a plain socket.
    fn peer_label(&self) -> Option<String> {
        Some(self.peer.to_string())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };

    use super::*;

    /// A CA, and certificates it signs for 127.0.0.1, written as PEM files.
    struct Pki {
        dir: tempfile::TempDir,
        issuer: Issuer<'static, KeyPair>,
    }

    impl Pki {
        fn new(name: &str) -> Pki {
            let key = KeyPair::generate().expect("CA key");
            let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.distinguished_name.push(DnType::CommonName, name);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            let cert = params.self_signed(&key).expect("CA cert");
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(dir.path().join("ca.pem"), cert.pem()).expect("write CA");
            Pki {
                dir,
                issuer: Issuer::new(params, key),
            }
        }

        fn ca(&self) -> PathBuf {
            self.dir.path().join("ca.pem")
        }

        /// `name.pem` and `name.key` (mode 0600) for 127.0.0.1, for servers and clients.
        fn issue(&self, name: &str) -> (PathBuf, PathBuf) {
            let key = KeyPair::generate().expect("key");
            let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
            let cert = params.signed_by(&key, &self.issuer).expect("sign");
            let (cert_path, key_path) = (
                self.dir.path().join(format!("{name}.pem")),
                self.dir.path().join(format!("{name}.key")),
            );
            std::fs::write(&cert_path, cert.pem()).expect("write cert");
            std::fs::write(&key_path, key.serialize_pem()).expect("write key");
            std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
            (cert_path, key_path)
        }

        fn file(&self, name: &str, content: &[u8]) -> PathBuf {
            let path = self.dir.path().join(name);
            std::fs::write(&path, content).expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
            path
        }
    }

    #[test]
    fn generated_files_load_for_nodes_and_drivers() {
        let pki = Pki::new("test CA");
        let (cert, key) = pki.issue("node");
        assert!(!ServerTls::load(&cert, &key, None).expect("one-way").verifies_clients());
        assert!(ServerTls::load(&cert, &key, Some(&pki.ca()))
            .expect("mutual")
            .verifies_clients());
        assert!(!ClientTls::load(&pki.ca(), None)
            .expect("no identity")
            .presents_certificate());
        let driver = ClientTls::load(&pki.ca(), Some((&cert, &key))).expect("identity");
        assert!(driver.presents_certificate());
        assert!(!format!("{driver:?}").contains("PRIVATE"));
    }

    #[test]
    fn a_missing_file_names_itself_and_what_it_was_for() {
        let pki = Pki::new("test CA");
        let (cert, key) = pki.issue("node");
        let missing = pki.dir.path().join("nope.pem");
        for (err, what) in [
            (ServerTls::load(&missing, &key, None).expect_err("no cert"), CERT),
            (ServerTls::load(&cert, &missing, None).expect_err("no key"), KEY),
            (ServerTls::load(&cert, &key, Some(&missing)).expect_err("no CA"), CA),
            (ClientTls::load(&missing, None).expect_err("no CA"), CA),
        ] {
            let text = err.to_string();
            assert!(matches!(err, TlsError::Unreadable { .. }), "{text}");
            assert!(text.starts_with(what) && text.contains("nope.pem"), "{text}");
        }
    }

    #[test]
    fn files_of_the_wrong_kind_say_what_is_missing() {
        let pki = Pki::new("test CA");
        let (cert, key) = pki.issue("node");
        // A key where the certificate goes, and the other way round.
        let err = ServerTls::load(&key, &key, None).expect_err("key as cert").to_string();
        assert!(err.contains("no PEM CERTIFICATE block"), "{err}");
        let cert_as_key = pki.file("cert-as-key.pem", &std::fs::read(&cert).expect("read"));
        let err = ServerTls::load(&cert, &cert_as_key, None)
            .expect_err("cert as key")
            .to_string();
        assert!(err.contains("no unencrypted PEM private key"), "{err}");
        let garbage = pki.file("garbage.pem", b"not PEM at all\n");
        let err = ClientTls::load(&garbage, None).expect_err("garbage CA").to_string();
        assert!(
            err.contains("garbage.pem") && err.contains("no PEM CERTIFICATE"),
            "{err}"
        );
        // Cut after its BEGIN line and a little base64.
        let pem = std::fs::read_to_string(pki.ca()).expect("read");
        let truncated = pki.file(
            "truncated.pem",
            pem.lines().take(3).collect::<Vec<_>>().join("\n").as_bytes(),
        );
        let err = ClientTls::load(&truncated, None).expect_err("truncated").to_string();
        assert!(err.contains("no END line"), "{err}");
    }

    #[test]
    fn a_large_file_is_not_read() {
        let pki = Pki::new("test CA");
        let big = pki.file("big.pem", &vec![b'A'; MAX_PEM_BYTES as usize + 1]);
        let err = ClientTls::load(&big, None).expect_err("too big").to_string();
        assert!(err.contains("larger than"), "{err}");
    }

    #[test]
    fn a_key_others_can_read_is_refused() {
        let pki = Pki::new("test CA");
        let (cert, key) = pki.issue("node");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = ServerTls::load(&cert, &key, None).expect_err("exposed");
        assert!(matches!(err, TlsError::KeyExposed { mode: 0o644, .. }), "{err}");
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let pki = Pki::new("test CA");
        let (cert, _) = pki.issue("one");
        let (_, other_key) = pki.issue("two");
        for err in [
            ServerTls::load(&cert, &other_key, None).expect_err("server"),
            ClientTls::load(&pki.ca(), Some((&cert, &other_key))).expect_err("client"),
        ] {
            assert!(matches!(err, TlsError::Identity { .. }), "{err}");
            assert!(err.to_string().contains("not the certificate's key"), "{err}");
        }
    }

    #[test]
    fn the_server_name_is_the_host_dialled() {
        let at = |s: &str| s.parse::<SocketAddr>().expect("addr");
        assert_eq!(
            server_name("127.0.0.1:7001", at("127.0.0.1:7001")).expect("ip"),
            ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into())
        );
        assert_eq!(
            server_name("[::1]:7001", at("[::1]:7001")).expect("ipv6"),
            ServerName::IpAddress(std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST).into())
        );
        assert_eq!(
            server_name("node-1.example:7001", at("10.0.0.2:7001")).expect("dns"),
            ServerName::try_from("node-1.example").expect("name")
        );
    }

    /// A handshake between `server` and `client` over loopback: the client's result, and the
    /// server's.
    async fn shake(server: &ServerTls, client: &ClientTls) -> (std::io::Result<()>, std::io::Result<()>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let acceptor = server.acceptor();
        let served = tokio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let mut tls = acceptor.accept(stream).await?;
            tls.write_all(b"ok").await?;
            tls.flush().await
        });
        let name = server_name("127.0.0.1:0", addr).expect("name");
        let stream = TcpStream::connect(addr).await.expect("connect");
        let client = async {
            let mut tls = client.connector().connect(name, stream).await?;
            // Under TLS 1.3 the server judges the client's certificate after the client is done:
            // a refusal shows on the first read.
            let mut buf = [0u8; 2];
            tls.read_exact(&mut buf).await.map(drop)
        }
        .await;
        let server = served.await.expect("server task");
        (client, server)
    }

    #[tokio::test]
    async fn mutual_tls_admits_its_own_ca_only() {
        let pki = Pki::new("cluster CA");
        let other = Pki::new("another CA");
        let (node_cert, node_key) = pki.issue("node");
        let (driver_cert, driver_key) = pki.issue("driver");
        let (stranger_cert, stranger_key) = other.issue("stranger");
        let mutual = ServerTls::load(&node_cert, &node_key, Some(&pki.ca())).expect("node");

        let member = ClientTls::load(&pki.ca(), Some((&driver_cert, &driver_key))).expect("driver");
        let (client, server) = shake(&mutual, &member).await;
        assert!(client.is_ok() && server.is_ok(), "{client:?} {server:?}");

        let stranger = ClientTls::load(&pki.ca(), Some((&stranger_cert, &stranger_key))).expect("stranger");
        let (client, server) = shake(&mutual, &stranger).await;
        assert!(client.is_err(), "a certificate of another CA got in");
        let server = server.expect_err("the node refuses it").to_string();
        assert!(server.contains("invalid peer certificate"), "{server}");

        let anonymous = ClientTls::load(&pki.ca(), None).expect("anonymous");
        let (client, server) = shake(&mutual, &anonymous).await;
        assert!(
            client.is_err() && server.is_err(),
            "no certificate got in: {client:?} {server:?}"
        );

        // Without a CA of its own, the node takes drivers without certificates.
        let one_way = ServerTls::load(&node_cert, &node_key, None).expect("node");
        let (client, server) = shake(&one_way, &anonymous).await;
        assert!(client.is_ok() && server.is_ok(), "{client:?} {server:?}");
    }

    #[tokio::test]
    async fn a_driver_refuses_a_node_its_ca_did_not_sign() {
        let pki = Pki::new("cluster CA");
        let other = Pki::new("another CA");
        let (cert, key) = other.issue("impostor");
        let impostor = ServerTls::load(&cert, &key, None).expect("node");
        let driver = ClientTls::load(&pki.ca(), None).expect("driver");
        let (client, _) = shake(&impostor, &driver).await;
        let err = client.expect_err("the driver trusts its CA only");
        let addr: SocketAddr = "127.0.0.1:7001".parse().expect("addr");
        let text = handshake_failed(addr, err).to_string();
        assert!(text.contains("127.0.0.1:7001: TLS handshake failed"), "{text}");
        assert!(text.contains("not signed by --tls-ca"), "{text}");
    }
}
