//! The client's IP address behind trusted reverse proxies, for sign-in throttling per address.
//!
//! Without trusted proxies the address is the TCP peer's. When the peer is a trusted proxy,
//! `X-Forwarded-For` is read from the right, skipping trusted addresses, so a client cannot
//! choose its own address by sending the header itself.

use std::net::{IpAddr, SocketAddr};

use app::api::server::ClientAddress;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// Networks of the reverse proxies whose `X-Forwarded-For` header the server trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn contains(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&address))
    }

    /// Returns the client address of a request from `peer` with the given `X-Forwarded-For`
    /// values: the rightmost address that is not a trusted proxy. A peer outside the trusted
    /// networks is the client itself, whatever the header contains.
    pub fn client_of(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = forwarded_for.iter().flat_map(|value| value.split(',')).rev();
        for hop in hops {
            let Ok(address) = hop.trim().parse::<IpAddr>() else {
                // An entry that is not an address ends the chain that the proxies vouch for.
                return client;
            };
            client = address;
            if !self.contains(address) {
                return client;
            }
        }
        client
    }
}

impl TrustedProxies {
    /// Parses `GUARDIAN_TRUSTED_PROXIES`: comma-separated addresses (`10.0.0.5`) or networks
    /// (`10.0.0.0/8`). An empty value trusts no proxy.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',').map(str::trim).filter(|entry| !entry.is_empty()).map(parse_entry).collect::<Result<_, _>>().map(Self)
    }
}

fn parse_entry(entry: &str) -> Result<IpNet, String> {
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{entry:?} is neither an IP address nor a network such as 10.0.0.0/8"))
}

/// Puts the [`ClientAddress`] of the request into its extensions, where the sign-in throttle
/// reads it. Requests without a TCP peer (in-process tests) get none.
pub async fn resolve_client_address(State(trusted): State<TrustedProxies>, mut request: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let forwarded_for: Vec<&str> =
            request.headers().get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok()).collect();
        let client = trusted.client_of(peer.ip(), &forwarded_for);
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&entries.join(",")).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn untrusted_peer_is_client() {
        let proxies = trusted(&["10.0.0.0/8"]);

        assert_eq!(proxies.client_of(ip("203.0.113.9"), &["198.51.100.1"]), ip("203.0.113.9"));
        assert_eq!(TrustedProxies::default().client_of(ip("10.0.0.5"), &["198.51.100.1"]), ip("10.0.0.5"));
    }

    #[test]
    fn trusted_peer_forwards_client() {
        let proxies = trusted(&["10.0.0.0/8", "192.0.2.7"]);

        assert_eq!(proxies.client_of(ip("10.0.0.5"), &["198.51.100.1"]), ip("198.51.100.1"));
        assert_eq!(proxies.client_of(ip("10.0.0.5"), &["198.51.100.1, 192.0.2.7"]), ip("198.51.100.1"));
        assert_eq!(proxies.client_of(ip("10.0.0.5"), &["198.51.100.1", "10.1.1.1"]), ip("198.51.100.1"));
    }

    #[test]
    fn spoofed_left_entries_are_ignored() {
        let proxies = trusted(&["10.0.0.0/8"]);

        // The client sent "1.2.3.4" itself; the proxy appended the address it saw.
        assert_eq!(proxies.client_of(ip("10.0.0.5"), &["1.2.3.4, 198.51.100.1"]), ip("198.51.100.1"));
    }

    #[test]
    fn missing_or_bad_header_keeps_last_hop() {
        let proxies = trusted(&["10.0.0.0/8"]);

        assert_eq!(proxies.client_of(ip("10.0.0.5"), &[]), ip("10.0.0.5"));
        assert_eq!(proxies.client_of(ip("10.0.0.5"), &["unknown"]), ip("10.0.0.5"));
        assert_eq!(proxies.client_of(ip("10.0.0.5"), &["198.51.100.1, garbage, 10.2.2.2"]), ip("10.2.2.2"));
    }

    #[test]
    fn entries_parse_as_address_or_network() {
        let parsed = TrustedProxies::parse(" 10.0.0.5 ,fd00::/8,").unwrap();

        assert_eq!(parsed.0, vec!["10.0.0.5/32".parse::<IpNet>().unwrap(), "fd00::/8".parse::<IpNet>().unwrap()]);
        assert_eq!(TrustedProxies::parse("").unwrap(), TrustedProxies::default());
        let error = TrustedProxies::parse("10.0.0.5, proxy.internal").unwrap_err();
        assert!(error.contains("proxy.internal"), "{error}");
    }
}
