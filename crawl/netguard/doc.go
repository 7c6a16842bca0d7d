// Package netguard refuses connections to addresses a news fetcher has no
// business reaching: loopback, private networks, link-local ranges, cloud
// metadata endpoints and the other special-purpose blocks of IANA's
// registries. It exists because every URL masx fetches comes from outside
// (feeds, GDELT rows, redirects chosen by the remote server), which makes the
// fetcher a server-side request forgery (SSRF) vector: a feed entry pointing
// at http://169.254.169.254/latest/meta-data/ must not hand a cloud
// credential to whoever wrote the feed.
//
// # Where the check runs
//
// Checking a URL's host name before fetching is not enough: the name can
// resolve to a public address when checked and to 127.0.0.1 a moment later
// (DNS rebinding), and a redirect can point anywhere. So a [Guard] checks at
// dial time, on the address the socket is about to connect to:
//
//   - [Guard.DialContext] resolves the host itself, refuses blocked
//     addresses before connecting, and dials the permitted IP literally with
//     a [net.Dialer] whose Control hook checks the address once more at the
//     socket level. Use it as http.Transport.DialContext; every connection,
//     and so every redirect hop, goes through it.
//   - [Guard.Control] is that hook on its own, for a net.Dialer you build
//     yourself ([Guard.WrapDialer] chains it with an existing hook).
//   - [Guard.CheckURL] refuses schemes other than http and https and IP
//     literals in blocked ranges before anything is sent. Call it on the
//     initial URL and on each redirect target.
//   - [Guard.CheckHost] resolves a name and checks every address, for
//     callers that cannot hook the dial (a browser's request interception);
//     it is a best effort there, because the browser resolves again.
//
// NOTE: the guard only protects connections that go through it. An
// http.Transport with a Proxy set dials the proxy, not the target, so the
// transport that uses DialContext must have Proxy nil.
//
// # What is refused
//
// IPv4: 0.0.0.0/8, 10/8, 100.64/10 (carrier-grade NAT, also Alibaba's
// metadata 100.100.100.200), 127/8, 169.254/16 (169.254.169.254 reported as
// metadata), 172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15,
// 198.51.100/24, 203.0.113/24, 224/4, 240/4 and 255.255.255.255.
// IPv6: ::, ::1, the IPv4-compatible ::/96, 64:ff9b:1::/48, 100::/64,
// 2001:db8::/32, fc00::/7 (fd00:ec2::254 reported as metadata), fe80::/10,
// fec0::/10 and ff00::/8. Forms that embed an IPv4 address (IPv4-mapped
// ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d (SIIT/NAT46), NAT64
// 64:ff9b::/96, 6to4 2002::/16 and Teredo 2001::/32)
// are judged by the IPv4 address inside them.
//
// [Guard.AllowPrivate] (MASX_ALLOW_PRIVATE) lifts every rule except the
// metadata addresses, which are only reachable through an explicit
// [Guard.AllowPrefixes] or [Guard.AllowAddrs] entry: the demo and tests need
// loopback, nobody needs an instance's credentials by accident.
// [Guard.AllowAddrs] opens exact address:port pairs, which is how tests allow
// one httptest server while a redirect to another loopback port stays
// refused.
//
// Every refusal is a [*BlockedError] naming the host, the address and the
// rule; errors.Is(err, [ErrBlocked]) matches all of them.
//
// # Cost
//
// A check is a scan of a dozen or so prefixes; a public address allocates
// nothing, a refusal allocates its error. That is nothing next to a TCP
// handshake (BenchmarkCheckIP, docs/performance.md).
package netguard
