package netguard

import "net/netip"

type rule struct {
	prefix netip.Prefix
	reason string
}

// metadataAddrs are instance-metadata endpoints of the large clouds. They are
// reported as such and stay blocked under AllowPrivate.
var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true, // AWS, GCP, Azure, OpenStack, DigitalOcean
	netip.MustParseAddr("169.254.170.2"):   true, // AWS ECS task metadata
	netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
	netip.MustParseAddr("192.0.0.192"):     true, // Oracle Cloud (legacy)
	netip.MustParseAddr("fd00:ec2::254"):   true, // AWS over IPv6
}

// v4Rules and v6Rules follow IANA's special-purpose address registries.
// Order matters only for the reason reported; any match refuses.
var v4Rules = []rule{
	{netip.MustParsePrefix("0.0.0.0/8"), ReasonUnspecified},
	{netip.MustParsePrefix("10.0.0.0/8"), ReasonPrivate},
	{netip.MustParsePrefix("100.64.0.0/10"), ReasonSharedNAT},
	{netip.MustParsePrefix("127.0.0.0/8"), ReasonLoopback},
	{netip.MustParsePrefix("169.254.0.0/16"), ReasonLinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), ReasonPrivate},
	{netip.MustParsePrefix("192.0.0.0/24"), ReasonReserved},
	{netip.MustParsePrefix("192.0.2.0/24"), ReasonReserved},
	{netip.MustParsePrefix("192.88.99.0/24"), ReasonReserved},
	{netip.MustParsePrefix("192.168.0.0/16"), ReasonPrivate},
	{netip.MustParsePrefix("198.18.0.0/15"), ReasonReserved},
	{netip.MustParsePrefix("198.51.100.0/24"), ReasonReserved},
	{netip.MustParsePrefix("203.0.113.0/24"), ReasonReserved},
	{netip.MustParsePrefix("224.0.0.0/4"), ReasonMulticast},
	{netip.MustParsePrefix("255.255.255.255/32"), ReasonBroadcast},
	{netip.MustParsePrefix("240.0.0.0/4"), ReasonReserved},
}

var v6Rules = []rule{
	{netip.MustParsePrefix("::/128"), ReasonUnspecified},
	{netip.MustParsePrefix("::1/128"), ReasonLoopback},
	{netip.MustParsePrefix("::/96"), ReasonReserved}, // IPv4-compatible, deprecated
	{netip.MustParsePrefix("64:ff9b:1::/48"), ReasonReserved},
	{netip.MustParsePrefix("100::/64"), ReasonReserved},
	{netip.MustParsePrefix("2001:db8::/32"), ReasonReserved},
	{netip.MustParsePrefix("fc00::/7"), ReasonPrivate},
	{netip.MustParsePrefix("fe80::/10"), ReasonLinkLocal},
	{netip.MustParsePrefix("fec0::/10"), ReasonReserved},
	{netip.MustParsePrefix("ff00::/8"), ReasonMulticast},
}

var (
	// siit is the IPv4-translated form ::ffff:0:a.b.c.d (RFC 2765, SIIT and
	// NAT46): a translator forwards it to the IPv4 host a.b.c.d.
	siit   = netip.MustParsePrefix("::ffff:0:0.0.0.0/96")
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
	teredo = netip.MustParsePrefix("2001::/32")
)

// Classify returns why ip is special (one of the Reason constants), or ""
// for an ordinary public address. It ignores any Guard's allow lists. IPv6
// forms that carry an IPv4 address are classified by that address.
func Classify(ip netip.Addr) string {
	if !ip.IsValid() {
		return ReasonBadAddress
	}
	ip = ip.Unmap().WithZone("")
	rules := v4Rules
	if !ip.Is4() {
		if v4, ok := embeddedV4(ip); ok {
			return Classify(v4)
		}
		rules = v6Rules
	}
	for _, r := range rules {
		if r.prefix.Contains(ip) {
			// Every metadata address lies inside a blocked range, so
			// public addresses never pay for this lookup.
			if metadataAddrs[ip] {
				return ReasonMetadata
			}
			return r.reason
		}
	}
	return ""
}

// embeddedV4 extracts the IPv4 address that IPv4-translated (SIIT), NAT64,
// 6to4 and Teredo addresses route to; a request to them reaches that IPv4
// host.
func embeddedV4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case siit.Contains(ip), nat64.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixTo4.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	case teredo.Contains(ip):
		// The Teredo client address is stored with every bit flipped.
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}
