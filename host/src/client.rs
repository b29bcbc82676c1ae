//! The client configuration both adapters share: one builder, one way from a request to a
//! signed [`Exchange`], the same stream items. An adapter adds only its I/O.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bedrock_core::catalog::Provider;
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::exchange::{Event, Exchange, ExchangeConfig, Operation};
use bedrock_core::model::{Request, Response, StreamEvent};
use bedrock_core::settings::{Route, RouteInputs, Settings, TimeoutSettings};
use bedrock_core::sigv4::Signer;

use crate::Host;
use crate::clock;
use crate::proxy::ProxyConfig;
use crate::setup::ClientSetup;
use crate::shared::{CredentialSource, HostCredentials};

/// Connection timeouts: the defaults, then a provider's `timeouts` in `settings.toml`
/// ([`with_settings`](Self::with_settings); [`ClientBuilder::from_setup`] applies the bedrock
/// provider's), then whatever the program sets ([`ClientBuilder::timeouts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// TCP connect plus TLS handshake (and a proxy's `CONNECT`). Default 30 s.
    pub connect: Duration,
    /// From the end of sending to the response head of a Converse, which Bedrock sends only
    /// once the whole answer is generated. Default 3600 s. ConverseStream and CountTokens wait
    /// the smaller of this and `idle` ([`ExchangeConfig::first_byte_timeout_for`]). A Converse
    /// that times out here is not retried (its answer may be generated and billed already).
    pub first_byte: Duration,
    /// Longest wait for more body bytes. Default 300 s (a long reasoning pause is normal).
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(30),
            first_byte: Duration::from_secs(3600),
            idle: Duration::from_secs(300),
        }
    }
}

impl Timeouts {
    /// The given timeouts.
    pub fn new(connect: Duration, first_byte: Duration, idle: Duration) -> Self {
        Self {
            connect,
            first_byte,
            idle,
        }
    }

    /// These timeouts with those a provider's `timeouts` in `settings.toml` sets.
    #[must_use]
    pub fn with_settings(mut self, settings: TimeoutSettings) -> Self {
        let secs = |s: u32| Duration::from_secs(u64::from(s));
        if let Some(s) = settings.connect_secs {
            self.connect = secs(s);
        }
        if let Some(s) = settings.first_byte_secs {
            self.first_byte = secs(s);
        }
        if let Some(s) = settings.idle_secs {
            self.idle = secs(s);
        }
        self
    }
}

/// What a ConverseStream yields: events, then the response. (Not `#[non_exhaustive]`: a stream
/// is increments and their sum, and callers match both.)
#[derive(Clone, Debug, PartialEq)]
pub enum StreamItem {
    /// An increment, as soon as its frame arrived.
    Event(StreamEvent),
    /// The accumulated response (the same value Converse returns); the last item. Boxed: it
    /// comes once per stream, and inline it would make every item 264 bytes instead of 72,
    /// moved (copied) at each layer on the way to the caller.
    Response(Box<Response>),
}

impl StreamItem {
    /// The item an exchange event gives a stream's caller, if any (`Head` and `Retry` are the
    /// driver's business; `TokenCount` never comes from a stream).
    ///
    /// Inline: it runs once per event, and inlined into an adapter's poll the item is built
    /// where the adapter returns it instead of being moved out of a call.
    #[inline]
    pub fn from_event(event: Event) -> Option<Self> {
        match event {
            Event::Stream(event) => Some(Self::Event(event)),
            Event::Response(response) => Some(Self::Response(response)),
            _ => None,
        }
    }
}

/// What one call returns, taken from the exchange's events.
pub trait Outcome: Sized {
    /// The operation that produces it.
    const OPERATION: Operation;

    /// This call's result, if `event` carries it.
    fn from_event(event: Event) -> Option<Self>;

    /// The error for a call that ended without it.
    fn missing() -> Error {
        Error::new(
            ErrorKind::Protocol,
            "the call ended without its result (a response or a token count)",
        )
    }
}

impl Outcome for Response {
    const OPERATION: Operation = Operation::Converse;

    fn from_event(event: Event) -> Option<Self> {
        match event {
            Event::Response(response) => Some(*response),
            _ => None,
        }
    }
}

/// CountTokens' result: input tokens.
impl Outcome for u64 {
    const OPERATION: Operation = Operation::CountTokens;

    fn from_event(event: Event) -> Option<Self> {
        match event {
            Event::TokenCount { input_tokens } => Some(input_tokens),
            _ => None,
        }
    }
}

/// Everything a client is configured with: settings, the credential source, timeouts, the
/// exchange settings (retry policy, limits, the shared retry quota), trusted roots, proxies.
#[derive(Clone)]
pub struct ClientConfig {
    /// Providers, models, credential lists.
    pub settings: Settings,
    /// The ambient region for providers without a `base_url`.
    pub region: Option<String>,
    /// Where credentials come from.
    pub credentials: Arc<dyn CredentialSource>,
    /// Connection timeouts (also the exchange's first-byte and idle deadlines).
    pub timeouts: Timeouts,
    /// Retry policy and quota, limits, the `User-Agent` suffix.
    pub exchange: ExchangeConfig,
    /// PEM certificates to trust instead of the OS trust store (as `AWS_CA_BUNDLE` does).
    pub ca_bundle: Option<Vec<u8>>,
    /// Forward proxies.
    pub proxy: ProxyConfig,
    /// The SigV4 signer the client's calls share (clones of the config share it too): its
    /// caches, the day's derived key and the last canonical request, make signing the next
    /// call of the same shape little more than hashing its body. Held only while a call signs.
    signer: Arc<Mutex<Signer>>,
}

/// The OS trust store ([`TrustRoots::platform_static`]), which a client trusts unless a CA
/// bundle ([`ClientConfig::ca_certificates`]) replaces it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustRoots {
    /// The OS trust store's DER certificates.
    Certificates(Vec<Vec<u8>>),
    /// The web roots built into the adapters (Mozilla's, from `webpki-roots`): the OS trust
    /// store held no certificate (a minimal container, say).
    WebRoots,
}

impl TrustRoots {
    /// The OS trust store, as the platform's own programs see it (on Linux and the BSDs the
    /// files OpenSSL reads, with `SSL_CERT_FILE` / `SSL_CERT_DIR`; the keychain on macOS; the
    /// certificate store on Windows), or [`WebRoots`](Self::WebRoots) when it holds none.
    /// Read once per process, at the first call (some hundred KiB and a few milliseconds: call
    /// it only when a TLS connection is to be made), and handed out by reference so that an
    /// adapter's TLS library can borrow the bytes.
    pub fn platform_static() -> &'static Self {
        static PLATFORM: std::sync::OnceLock<TrustRoots> = std::sync::OnceLock::new();
        PLATFORM.get_or_init(|| {
            // Unreadable entries are skipped, as OpenSSL does; what loads is trusted.
            let loaded = rustls_native_certs::load_native_certs();
            if loaded.certs.is_empty() {
                TrustRoots::WebRoots
            } else {
                TrustRoots::Certificates(loaded.certs.into_iter().map(|c| c.to_vec()).collect())
            }
        })
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("timeouts", &self.timeouts)
            .field("exchange", &self.exchange)
            .field("ca_bundle", &self.ca_bundle.as_ref().map(Vec::len))
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// The route for a model id.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Configuration`] for an unknown model, a disabled provider or a missing
    /// region.
    pub fn route(&self, model: &str) -> Result<Route, Error> {
        self.settings
            .route(model, &RouteInputs::with_region(self.region.as_deref()))
            .map_err(|e| Error::from(e).with_context(Some(model), None))
    }

    /// The DER certificates of [`ca_bundle`](Self::ca_bundle), when one is set (it replaces
    /// the OS store, [`TrustRoots::platform_static`], as in the AWS SDKs).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Configuration`] for a bundle that is not PEM or holds no certificate.
    pub fn ca_certificates(&self) -> Result<Option<Vec<Vec<u8>>>, Error> {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let Some(pem) = &self.ca_bundle else {
            return Ok(None);
        };
        let certificates = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Configuration,
                    format!("the CA bundle is not valid PEM: {e}"),
                )
            })?;
        if certificates.is_empty() {
            return Err(Error::new(
                ErrorKind::Configuration,
                "the CA bundle holds no certificate",
            ));
        }
        Ok(Some(certificates))
    }

    /// The exchange for one call, signed now with `auth` (SigV4 with the client's shared
    /// signer).
    ///
    /// # Errors
    ///
    /// Encoding and signing errors ([`Exchange::new`]).
    pub fn exchange(
        &self,
        route: &Route,
        request: &Request,
        operation: Operation,
        auth: bedrock_core::auth::Auth,
    ) -> Result<Exchange, Error> {
        let (now, entropy) = (clock::now(), clock::entropy());
        let sign = |signer: &mut Signer| {
            Exchange::new_with_signer(
                route,
                request,
                operation,
                auth,
                &self.exchange,
                now,
                entropy,
                signer,
            )
        };
        // Another thread signing right now (or one that panicked while signing): a fresh
        // signer rather than waiting or trusting half-updated caches.
        match self.signer.try_lock() {
            Ok(mut signer) => sign(&mut signer),
            Err(_) => sign(&mut Signer::new()),
        }
    }
}

/// An adapter's client, made from a [`ClientConfig`].
pub trait FromConfig: Sized {
    /// The adapter's name and version for the `User-Agent`, e.g. `bedrock-blocking/0.1.0`.
    const USER_AGENT: &'static str;

    /// The client.
    ///
    /// # Errors
    ///
    /// A TLS configuration that cannot be built (an unusable CA bundle).
    fn from_config(config: ClientConfig) -> Result<Self, Error>;

    /// The host that resolves this client's credentials: the adapter adds its HTTPS client for
    /// credential services when the host must make those requests (the blocking adapter); an
    /// adapter that answers HTTP itself returns it unchanged.
    fn credential_host(host: Host, timeouts: &Timeouts) -> Host {
        let _ = timeouts;
        host
    }
}

/// Builds an adapter's client (`bedrock_blocking::Client::builder()`,
/// `bedrock_async::Client::builder()`).
pub struct ClientBuilder<C> {
    settings: Settings,
    region: Option<String>,
    credentials: Option<Arc<dyn CredentialSource>>,
    host: Option<Host>,
    timeouts: Timeouts,
    exchange: ExchangeConfig,
    ca_bundle: Option<Vec<u8>>,
    /// `AWS_CA_BUNDLE` / the profile's `ca_bundle` from the setup, read by [`build`](Self::build) unless
    /// [`ca_bundle`](Self::ca_bundle) gave the certificates.
    ca_bundle_path: Option<String>,
    proxy: ProxyConfig,
    client: std::marker::PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            region: None,
            credentials: None,
            host: None,
            timeouts: Timeouts::default(),
            exchange: ExchangeConfig::default(),
            ca_bundle: None,
            ca_bundle_path: None,
            proxy: ProxyConfig::none(),
            client: std::marker::PhantomData,
        }
    }
}

impl<C: FromConfig> ClientBuilder<C> {
    /// A builder with default settings (both providers disabled), no credentials, default
    /// timeouts and retry policy, the OS trust store, no proxy.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder configured like the AWS SDKs and the `bedrock` CLI ([`ClientSetup::from_env`]):
    /// the settings file, the vault, the region, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, proxies,
    /// and each route's credential list (bearer keys from the environment or the vault, then
    /// the full SigV4 chain).
    ///
    /// # Errors
    ///
    /// An unreadable or invalid settings file, endpoint override or proxy.
    pub fn from_env() -> Result<Self, Error> {
        Ok(Self::from_setup(ClientSetup::from_env()?))
    }

    /// A builder from a [`ClientSetup`]: its settings, region and proxies, credentials resolved
    /// through its host (bearer keys, the vault, the SigV4 chain) unless
    /// [`credentials`](Self::credentials) says otherwise.
    pub fn from_setup(setup: ClientSetup) -> Self {
        let timeouts = Timeouts::default()
            .with_settings(setup.settings.provider(Provider::Bedrock).timeouts());
        // `AWS_CA_BUNDLE` or the profile's `ca_bundle`: read when the client is built.
        let ca_bundle_path = setup.ca_bundle.clone();
        Self {
            timeouts,
            ca_bundle_path,
            settings: setup.settings,
            region: setup.region,
            host: Some(setup.host),
            proxy: setup.proxy,
            ..Self::default()
        }
    }

    /// A builder on an explicit [`Host`] (environment, vault) and settings, as
    /// [`ClientSetup::with_settings`] composes them.
    ///
    /// # Errors
    ///
    /// A malformed shared AWS config (for the region), an invalid endpoint override or proxy.
    pub fn from_host(host: Host, settings: Settings) -> Result<Self, Error> {
        let setup = ClientSetup::with_settings(host, settings, &crate::Overrides::default())?;
        Ok(Self::from_setup(setup))
    }

    /// The parsed settings (providers, models, credential lists).
    #[must_use]
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The ambient region (`AWS_REGION` and friends) for providers without a `base_url`.
    #[must_use]
    pub fn region(mut self, region: Option<String>) -> Self {
        self.region = region.filter(|r| !r.is_empty());
        self
    }

    /// Where credentials come from.
    #[must_use]
    pub fn credentials(mut self, source: Arc<dyn CredentialSource>) -> Self {
        self.credentials = Some(source);
        self
    }

    /// Timeouts (replacing the defaults and those from the settings file).
    #[must_use]
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Exchange settings (retry policy, limits). Its timeouts are overwritten by
    /// [`timeouts`](Self::timeouts).
    #[must_use]
    pub fn exchange_config(mut self, config: ExchangeConfig) -> Self {
        self.exchange = config;
        self
    }

    /// Whether a stream's final response repeats the text its events delivered (default: yes).
    /// Off, for a caller that prints or forwards text as it arrives: the final response's text
    /// parts are empty and a stream's memory no longer grows with the answer
    /// ([`ExchangeConfig::keep_streamed_text`]).
    #[must_use]
    pub fn keep_streamed_text(mut self, keep: bool) -> Self {
        self.exchange.keep_streamed_text = keep;
        self
    }

    /// Trusts the certificates in `pem` instead of the OS trust store, as `AWS_CA_BUNDLE`
    /// does for the AWS SDKs (a private CA, a TLS-inspecting proxy, a test server).
    #[must_use]
    pub fn ca_bundle(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_bundle = Some(pem.into());
        self
    }

    /// Forward proxies (default: none; [`ClientSetup`] reads `HTTPS_PROXY` / `NO_PROXY`).
    #[must_use]
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = proxy;
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NoCredentials`] when no credential source was given; an unusable CA
    /// bundle.
    pub fn build(self) -> Result<C, Error> {
        let credentials = match (self.credentials, self.host) {
            (Some(credentials), _) => credentials,
            (None, Some(host)) => Arc::new(HostCredentials::new(C::credential_host(
                host,
                &self.timeouts,
            ))),
            (None, None) => return Err(Error::no_credentials("no credential source configured")),
        };
        let ca_bundle = match (self.ca_bundle, &self.ca_bundle_path) {
            (Some(pem), _) => Some(pem),
            (None, Some(path)) => Some(std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorKind::Configuration,
                    format!("the CA bundle {path} (AWS_CA_BUNDLE / ca_bundle) cannot be read: {e}"),
                )
            })?),
            (None, None) => None,
        };
        let mut exchange = self.exchange;
        exchange.first_byte_timeout = self.timeouts.first_byte;
        exchange.idle_timeout = self.timeouts.idle;
        exchange.user_agent_suffix = Some(C::USER_AGENT.into());
        C::from_config(ClientConfig {
            settings: self.settings,
            region: self.region,
            credentials,
            timeouts: self.timeouts,
            exchange,
            ca_bundle,
            proxy: self.proxy,
            signer: Arc::default(),
        })
    }
}

/// What a caller of either adapter needs, re-exported by both (`use bedrock_blocking::{…}` or
/// `use bedrock_async::{…}` suffices): the request and response model, errors, settings, the
/// setup and credential types.
pub mod exports {
    pub use bedrock_core::auth::Auth;
    pub use bedrock_core::error::{Error, ErrorKind, Origin};
    pub use bedrock_core::exchange::ExchangeConfig;
    pub use bedrock_core::model::{
        Content, Message, Part, Request, Response, Role, StopReason, StreamEvent, Tool, ToolChoice,
    };
    pub use bedrock_core::settings::Settings;

    pub use crate::{
        ClientConfig, ClientSetup, CredentialSource, Env, Host, HostCredentials, Overrides,
        ProxyConfig, StaticCredentials, StreamItem, Timeouts,
    };
}

#[cfg(test)]
mod tests {
    use core::mem::size_of;

    use super::*;

    /// Every item is moved through each layer between the exchange's queue and the caller
    /// (the adapter's poll, the caller's future, its match): it stays the size of an event,
    /// not of the response that comes once.
    #[test]
    fn a_stream_item_is_the_size_of_an_event() {
        assert!(size_of::<Response>() > 2 * size_of::<StreamEvent>());
        assert_eq!(size_of::<StreamItem>(), size_of::<StreamEvent>());
        assert_eq!(
            size_of::<Option<Result<StreamItem, Error>>>(),
            size_of::<StreamEvent>()
        );
    }

    #[test]
    fn from_event_passes_stream_events_and_drops_a_token_count() {
        let delta = StreamEvent::TextDelta {
            index: 0,
            text: "hi".into(),
        };
        assert_eq!(
            StreamItem::from_event(Event::Stream(delta.clone())),
            Some(StreamItem::Event(delta))
        );
        let count = Event::TokenCount { input_tokens: 7 };
        assert_eq!(StreamItem::from_event(count), None);
    }
}
