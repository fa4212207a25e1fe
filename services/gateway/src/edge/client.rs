//! The client's address: the socket peer, or — when the peer is one of the configured trusted
//! proxies (`server.trusted_proxies`) — the address the proxies recorded in `X-Forwarded-For`.
//!
//! `X-Forwarded-For` is read from the right: each trusted proxy appends the address it received
//! the request from, so the first address from the right that is not a trusted proxy is the
//! client. Whatever a client writes into the header itself stays to the left and is never
//! believed.

use axum::extract::ConnectInfo;
use axum::http::Request;
use std::net::{IpAddr, SocketAddr};

pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address for `request`; `None` when the server was not given the peer addresses
/// (it always is when served by [`crate::Application`]).
pub fn address<B>(request: &Request<B>, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| canonical(addr.ip()))?;
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded = request
        .headers()
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in forwarded.iter().rev().take(32) {
        match hop.parse::<IpAddr>().map(canonical) {
            Ok(addr) if trusted_proxies.contains(&addr) => client = addr,
            Ok(addr) => return Some(addr),
            // A malformed entry: nothing left of it can be believed.
            Err(_) => return Some(client),
        }
    }
    Some(client)
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> Request<()> {
        let mut builder = Request::builder();
        if let Some(forwarded) = forwarded {
            builder = builder.header(X_FORWARDED_FOR, forwarded);
        }
        let mut request = builder.body(()).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        request
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let r = request("203.0.113.7:5000", Some("198.51.100.1"));
        assert_eq!(address(&r, &[]), Some(ip("203.0.113.7")));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let proxies = [ip("10.0.0.2"), ip("10.0.0.3")];
        // The client forged the first entry; the proxies appended the real one.
        let r = request("10.0.0.2:443", Some("192.0.2.66, 198.51.100.9, 10.0.0.3"));
        assert_eq!(address(&r, &proxies), Some(ip("198.51.100.9")));
        let r = request("10.0.0.2:443", None);
        assert_eq!(address(&r, &proxies), Some(ip("10.0.0.2")));
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address_with_the_header() {
        let r = request("198.51.100.9:1234", Some("10.0.0.2"));
        assert_eq!(address(&r, &[ip("10.0.0.2")]), Some(ip("198.51.100.9")));
    }

    #[test]
    fn ipv4_mapped_peers_count_as_ipv4() {
        let r = request("[::ffff:203.0.113.7]:80", None);
        assert_eq!(address(&r, &[]), Some(ip("203.0.113.7")));
    }
}
