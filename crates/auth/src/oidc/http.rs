//! The HTTP client Kurator reaches an organisation's identity provider with. An administrator
//! types the provider's address, so the client must not become a way into the deployment's own
//! network: it follows no redirects, ignores proxy settings, gives up after a timeout, and
//! refuses any host that resolves — every address it resolves to is checked — to a loopback,
//! private, link-local or otherwise internal address, unless the organisation's allowlist names
//! the host or the address.

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Largest provider answer read (discovery documents and key sets are a few kilobytes).
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ProviderHttpError {
    /// The host is internal and the organisation's allowlist does not name it.
    #[error("{0} is a loopback, private or link-local address the allowlist does not name")]
    AddressNotAllowed(String),
    #[error("provider request: {0}")]
    Request(String),
}

/// The organisation's allowlist: host names and IP addresses its provider may be reached at
/// even though they are internal.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    entries: Vec<String>,
}

impl Allowlist {
    pub fn new(entries: &[String]) -> Self {
        Self {
            entries: entries
                .iter()
                .map(|e| e.trim().trim_matches(['[', ']']).to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect(),
        }
    }

    fn names_host(&self, host: &str) -> bool {
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        self.entries.contains(&host)
    }

    fn names_address(&self, address: IpAddr) -> bool {
        self.entries
            .iter()
            .any(|e| e.parse::<IpAddr>().is_ok_and(|allowed| allowed == address))
    }

    /// Whether `address`, reached as `host`, may be used.
    pub fn permits(&self, host: &str, address: IpAddr) -> bool {
        is_public(address) || self.names_host(host) || self.names_address(address)
    }
}

/// Whether `address` is an ordinary public address.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24; benchmarking, 198.18.0.0/15; reserved, 240/4.
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, site-local fec0::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        // IPv4-compatible and NAT64 prefixes reach IPv4 space; documentation 2001:db8::/32.
        || ip.to_ipv4().is_some()
        || (first == 0x64 && ip.segments()[1] == 0xff9b)
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// Resolves a host name and refuses it when any of its addresses is internal and not allowed.
struct GuardedResolver {
    allowlist: Allowlist,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowlist = self.allowlist.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            check_addresses(&allowlist, &host, &addresses)?;
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

fn check_addresses(
    allowlist: &Allowlist,
    host: &str,
    addresses: &[SocketAddr],
) -> Result<(), ProviderHttpError> {
    if addresses.is_empty() {
        return Err(ProviderHttpError::Request(format!(
            "{host} does not resolve"
        )));
    }
    match addresses.iter().find(|a| !allowlist.permits(host, a.ip())) {
        Some(refused) => Err(ProviderHttpError::AddressNotAllowed(format!(
            "{host} ({})",
            refused.ip()
        ))),
        None => Ok(()),
    }
}

/// Checks `url`'s host before anything is sent: every address it resolves to (or the address
/// it is) must be public or allowed. The resolver checks again when the client connects.
pub async fn check_url(allowlist: &Allowlist, url: &url::Url) -> Result<(), ProviderHttpError> {
    let host = match url.host() {
        Some(url::Host::Domain(name)) => name.to_owned(),
        Some(url::Host::Ipv4(ip)) => {
            return check_addresses(allowlist, &ip.to_string(), &[SocketAddr::new(ip.into(), 0)]);
        }
        Some(url::Host::Ipv6(ip)) => {
            return check_addresses(allowlist, &ip.to_string(), &[SocketAddr::new(ip.into(), 0)]);
        }
        None => return Err(ProviderHttpError::Request("the address has no host".into())),
    };
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
        .await
        .map_err(|e| ProviderHttpError::Request(format!("{host}: {e}")))?
        .collect();
    check_addresses(allowlist, &host, &addresses)
}

/// The client for one organisation's provider.
#[derive(Clone)]
pub struct ProviderHttp {
    client: reqwest::Client,
    allowlist: Allowlist,
}

impl ProviderHttp {
    pub fn new(allowlist: Allowlist, timeout: Duration) -> Result<Self, ProviderHttpError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .dns_resolver(Arc::new(GuardedResolver {
                allowlist: allowlist.clone(),
            }))
            .build()
            .map_err(|e| ProviderHttpError::Request(e.to_string()))?;
        Ok(Self { client, allowlist })
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ProviderHttpError> {
        let failed = |e: reqwest::Error| ProviderHttpError::Request(e.to_string());
        let url = url::Url::parse(&request.uri().to_string())
            .map_err(|e| ProviderHttpError::Request(e.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(ProviderHttpError::Request(format!(
                "{} is not an http(s) address",
                url.scheme()
            )));
        }
        // Addresses written as IP literals never reach the resolver: check them here.
        check_url(&self.allowlist, &url).await?;
        let (parts, body) = request.into_parts();
        let mut builder = self.client.request(parts.method, url.as_str());
        for (name, value) in &parts.headers {
            builder = builder.header(name, value);
        }
        let mut response = builder.body(body).send().await.map_err(|e| {
            // The resolver's refusal comes back wrapped in the client's error.
            let text = format!("{e:?}");
            if text.contains("the allowlist does not name") {
                ProviderHttpError::AddressNotAllowed(url.host_str().unwrap_or_default().into())
            } else {
                failed(e)
            }
        })?;
        let mut answer = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(ProviderHttpError::Request(
                    "the provider's answer is too large".into(),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        answer
            .body(body)
            .map_err(|e| ProviderHttpError::Request(e.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = ProviderHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip(internal)), "{internal}");
        }
        for public in ["93.184.216.34", "2a00:1450:4001:80b::200e", "8.8.8.8"] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn the_allowlist_names_hosts_or_addresses() {
        let allow = Allowlist::new(&["idp.internal".into(), "10.0.0.5".into()]);
        assert!(allow.permits("IDP.internal", ip("10.9.9.9")));
        assert!(allow.permits("other", ip("10.0.0.5")));
        assert!(!allow.permits("other", ip("10.0.0.6")));
        assert!(Allowlist::default().permits("example.org", ip("93.184.216.34")));
    }

    #[tokio::test]
    async fn a_loopback_host_is_refused_unless_allowed() {
        let url = url::Url::parse("http://127.0.0.1:9/").unwrap();
        assert!(matches!(
            check_url(&Allowlist::default(), &url).await,
            Err(ProviderHttpError::AddressNotAllowed(_))
        ));
        assert!(
            check_url(&Allowlist::new(&["127.0.0.1".into()]), &url)
                .await
                .is_ok()
        );
        let named = url::Url::parse("http://localhost:9/").unwrap();
        assert!(matches!(
            check_url(&Allowlist::default(), &named).await,
            Err(ProviderHttpError::AddressNotAllowed(_))
        ));
    }
}
