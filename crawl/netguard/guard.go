package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// ErrBlocked matches every refusal by a [Guard] (errors.Is).
var ErrBlocked = errors.New("blocked by SSRF guard")

// Reasons a [BlockedError] gives. Callers that branch on the kind of refusal
// compare BlockedError.Reason with these.
const (
	ReasonScheme      = "scheme not allowed (want http or https)"
	ReasonNoHost      = "URL has no host"
	ReasonBadAddress  = "address does not parse"
	ReasonNetwork     = "network not allowed (want tcp or udp)"
	ReasonUnspecified = "unspecified address"
	ReasonLoopback    = "loopback address"
	ReasonPrivate     = "private address"
	ReasonSharedNAT   = "carrier-grade NAT address"
	ReasonLinkLocal   = "link-local address"
	ReasonMetadata    = "cloud metadata address"
	ReasonMulticast   = "multicast address"
	ReasonBroadcast   = "broadcast address"
	ReasonReserved    = "reserved or special-purpose address"
)

// BlockedError is a refusal: what was refused and why.
type BlockedError struct {
	// Host is the host name or literal being reached, when known. The
	// socket-level Control hook sees only the address, so it leaves Host
	// empty.
	Host string
	// Scheme is set for scheme refusals.
	Scheme string
	// Addr is the refused address and port; invalid for scheme and
	// missing-host refusals.
	Addr netip.AddrPort
	// Reason is one of the Reason constants.
	Reason string
}

func (e *BlockedError) Error() string {
	var b strings.Builder
	b.WriteString("netguard: refusing ")
	switch {
	case e.Scheme != "":
		fmt.Fprintf(&b, "scheme %q", e.Scheme)
		if e.Host != "" {
			fmt.Fprintf(&b, " for host %q", e.Host)
		}
	case e.Host != "" && e.Addr.IsValid() && e.Host != e.Addr.Addr().String():
		fmt.Fprintf(&b, "host %q at %s", e.Host, e.Addr)
	case e.Addr.IsValid():
		fmt.Fprintf(&b, "address %s", e.Addr)
	default:
		fmt.Fprintf(&b, "host %q", e.Host)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// Resolver looks up the addresses of a host; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard decides which addresses may be reached. The zero value, and a nil
// *Guard, refuse every special-purpose range; a Guard is safe for concurrent
// use and must not be changed after first use.
type Guard struct {
	// AllowPrivate lifts every rule except the cloud metadata addresses
	// (MASX_ALLOW_PRIVATE). Default false.
	AllowPrivate bool
	// AllowAddrs are exact address:port pairs allowed despite the rules,
	// e.g. one httptest server. IPv4-mapped IPv6 forms match their IPv4
	// address. Default none.
	AllowAddrs []netip.AddrPort
	// AllowPrefixes are address ranges allowed despite the rules, metadata
	// addresses included. Default none.
	AllowPrefixes []netip.Prefix
	// Resolver resolves host names in DialContext and CheckHost; nil means
	// net.DefaultResolver. Tests point names at chosen addresses with it.
	Resolver Resolver
}

// CheckURL refuses a URL whose scheme is not http or https, which has no
// host, or whose host is an IP literal in a blocked range. Host names are
// not resolved here; the dial-time check covers them.
func (g *Guard) CheckURL(u *url.URL) error {
	if u == nil {
		return &BlockedError{Reason: ReasonNoHost}
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return &BlockedError{Host: u.Hostname(), Scheme: u.Scheme, Reason: ReasonScheme}
	}
	host := u.Hostname()
	if host == "" {
		return &BlockedError{Reason: ReasonNoHost}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil // a name: checked when it is dialled
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return &BlockedError{Host: u.Host, Reason: ReasonBadAddress}
	}
	return g.check(host, netip.AddrPortFrom(ip, uint16(p)))
}

// CheckIP reports whether ip may be reached on any port: nil, or a
// [*BlockedError]. AllowAddrs entries, being bound to a port, do not count.
func (g *Guard) CheckIP(ip netip.Addr) error {
	if reason := g.refuse(ip); reason != "" {
		return &BlockedError{Host: ip.String(), Addr: netip.AddrPortFrom(ip, 0), Reason: reason}
	}
	return nil
}

// CheckAddrPort reports whether ap may be reached: nil, or a
// [*BlockedError].
func (g *Guard) CheckAddrPort(ap netip.AddrPort) error {
	return g.check("", ap)
}

// CheckHost resolves host and checks every address it has, refusing the host
// if any one is blocked. It is for callers that cannot hook the dial, such
// as a browser's request interception; the browser resolves again, so this
// is not rebinding-safe the way [Guard.DialContext] is.
func (g *Guard) CheckHost(ctx context.Context, host string, port uint16) error {
	addrs, err := g.lookup(ctx, "ip", host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := g.check(host, netip.AddrPortFrom(a, port)); err != nil {
			return err
		}
	}
	return nil
}

// Control is a net.Dialer Control hook: it refuses the connection before
// connect(2) when the address is blocked.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	if !strings.HasPrefix(network, "tcp") && !strings.HasPrefix(network, "udp") {
		return &BlockedError{Host: address, Reason: ReasonNetwork}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Host: address, Reason: ReasonBadAddress}
	}
	return g.check("", ap)
}

// WrapDialer returns a copy of d (nil means a zero net.Dialer) whose
// ControlContext runs [Guard.Control] first and then d's own hook, if any.
func (g *Guard) WrapDialer(d *net.Dialer) *net.Dialer {
	var nd net.Dialer
	if d != nil {
		nd = *d
	}
	prevCtx, prev := nd.ControlContext, nd.Control
	nd.Control = nil
	nd.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if err := g.Control(network, address, c); err != nil {
			return err
		}
		switch {
		case prevCtx != nil:
			return prevCtx(ctx, network, address, c)
		case prev != nil:
			return prev(network, address, c)
		}
		return nil
	}
	return &nd
}

// DialContext dials address like net.Dialer.DialContext, but resolves the
// host itself, skips blocked addresses and connects to the permitted ones by
// IP, in the resolver's order, with the Control hook as a second check. When
// every address is blocked it returns the first [*BlockedError]; when some
// were permitted but none connected, the last dial error.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return g.DialContextWith(ctx, nil, network, address)
}

// DialContextWith is [Guard.DialContext] with a base dialer for timeouts and
// keep-alive settings (nil means a zero net.Dialer).
func (g *Guard) DialContextWith(ctx context.Context, d *net.Dialer, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &BlockedError{Host: address, Reason: ReasonBadAddress}
	}
	p, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, &BlockedError{Host: address, Reason: ReasonBadAddress}
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		ipNet := "ip"
		switch network {
		case "tcp4", "udp4":
			ipNet = "ip4"
		case "tcp6", "udp6":
			ipNet = "ip6"
		}
		if addrs, err = g.lookup(ctx, ipNet, host); err != nil {
			return nil, err
		}
	}
	dialer := g.WrapDialer(d)
	var blocked, lastErr error
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a, uint16(p))
		if err := g.check(host, ap); err != nil {
			if blocked == nil {
				blocked = err
			}
			continue
		}
		conn, err := dialer.DialContext(ctx, network, ap.String())
		if err == nil {
			return conn, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	if lastErr != nil {
		return nil, lastErr
	}
	if blocked != nil {
		return nil, blocked
	}
	return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
}

func (g *Guard) lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	var r Resolver = net.DefaultResolver
	if g != nil && g.Resolver != nil {
		r = g.Resolver
	}
	addrs, err := r.LookupNetIP(ctx, network, host)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
	}
	return addrs, nil
}

// check applies the allow lists and then the rules to one address:port.
func (g *Guard) check(host string, ap netip.AddrPort) error {
	ip := ap.Addr().Unmap().WithZone("")
	if g != nil {
		for _, a := range g.AllowAddrs {
			if a.Addr().Unmap() == ip && a.Port() == ap.Port() {
				return nil
			}
		}
	}
	if reason := g.refuse(ip); reason != "" {
		return &BlockedError{Host: host, Addr: netip.AddrPortFrom(ip, ap.Port()), Reason: reason}
	}
	return nil
}

// refuse returns why ip is refused, or "" when it may be reached.
func (g *Guard) refuse(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if g != nil {
		for _, p := range g.AllowPrefixes {
			if p.Contains(ip) {
				return ""
			}
		}
	}
	reason := Classify(ip)
	if reason == "" || reason == ReasonMetadata {
		return reason
	}
	if g != nil && g.AllowPrivate {
		return ""
	}
	return reason
}
