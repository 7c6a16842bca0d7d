package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ip   string
		want string
	}{
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"93.184.216.34", ""},
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001:82a::200e", ""},
		{"0.0.0.0", ReasonUnspecified},
		{"0.1.2.3", ReasonUnspecified},
		{"::", ReasonUnspecified},
		{"127.0.0.1", ReasonLoopback},
		{"127.255.0.9", ReasonLoopback},
		{"::1", ReasonLoopback},
		{"10.1.2.3", ReasonPrivate},
		{"172.16.0.1", ReasonPrivate},
		{"172.31.255.255", ReasonPrivate},
		{"172.32.0.1", ""},
		{"192.168.1.1", ReasonPrivate},
		{"fc00::1", ReasonPrivate},
		{"fd12:3456::1", ReasonPrivate},
		{"100.64.0.1", ReasonSharedNAT},
		{"100.127.255.254", ReasonSharedNAT},
		{"100.128.0.1", ""},
		{"169.254.1.1", ReasonLinkLocal},
		{"fe80::1", ReasonLinkLocal},
		{"fe80::1%eth0", ReasonLinkLocal},
		{"169.254.169.254", ReasonMetadata},
		{"169.254.170.2", ReasonMetadata},
		{"100.100.100.200", ReasonMetadata},
		{"fd00:ec2::254", ReasonMetadata},
		{"224.0.0.1", ReasonMulticast},
		{"239.255.255.250", ReasonMulticast},
		{"ff02::1", ReasonMulticast},
		{"255.255.255.255", ReasonBroadcast},
		{"240.0.0.1", ReasonReserved},
		{"192.0.2.1", ReasonReserved},
		{"198.18.0.1", ReasonReserved},
		{"2001:db8::1", ReasonReserved},
		{"::7f00:1", ReasonReserved}, // IPv4-compatible ::127.0.0.1
		// IPv4-mapped forms are judged by the IPv4 address.
		{"::ffff:127.0.0.1", ReasonLoopback},
		{"::ffff:10.0.0.1", ReasonPrivate},
		{"::ffff:169.254.169.254", ReasonMetadata},
		{"::ffff:100.64.1.1", ReasonSharedNAT},
		{"::ffff:8.8.8.8", ""},
		// IPv4-translated (SIIT/NAT46, ::ffff:0:a.b.c.d), NAT64, 6to4 and
		// Teredo carry an IPv4 destination.
		{"::ffff:0:127.0.0.1", ReasonLoopback},
		{"::ffff:0:7f00:1", ReasonLoopback},
		{"::ffff:0:169.254.169.254", ReasonMetadata},
		{"::ffff:0:10.0.0.1", ReasonPrivate},
		{"::ffff:0:8.8.8.8", ""},
		{"64:ff9b::7f00:1", ReasonLoopback},
		{"64:ff9b::a9fe:a9fe", ReasonMetadata},
		{"64:ff9b::808:808", ""},
		{"2002:7f00:1::", ReasonLoopback},
		{"2002:c0a8:101::1", ReasonPrivate},
		{"2002:808:808::1", ""},
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", ReasonLoopback}, // client 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", ""},             // client 8.8.8.8
	}
	for _, c := range cases {
		got := Classify(netip.MustParseAddr(c.ip))
		require.Equal(t, c.want, got, "Classify(%s)", c.ip)
	}
	require.Equal(t, ReasonBadAddress, Classify(netip.Addr{}))
}

func TestGuardAllowLists(t *testing.T) {
	t.Parallel()
	lo := netip.MustParseAddrPort("127.0.0.1:8080")
	meta := netip.MustParseAddr("169.254.169.254")

	var nilGuard *Guard
	require.ErrorIs(t, nilGuard.CheckAddrPort(lo), ErrBlocked, "a nil Guard blocks")
	require.ErrorIs(t, (&Guard{}).CheckIP(lo.Addr()), ErrBlocked)
	require.NoError(t, (&Guard{}).CheckIP(netip.MustParseAddr("8.8.8.8")))

	priv := &Guard{AllowPrivate: true}
	require.NoError(t, priv.CheckAddrPort(lo))
	require.NoError(t, priv.CheckIP(netip.MustParseAddr("10.0.0.1")))
	require.NoError(t, priv.CheckIP(netip.MustParseAddr("fe80::1")))
	err := priv.CheckIP(meta)
	require.ErrorIs(t, err, ErrBlocked, "AllowPrivate keeps metadata blocked")
	require.Contains(t, err.Error(), ReasonMetadata)
	require.ErrorIs(t, priv.CheckIP(netip.MustParseAddr("::ffff:169.254.169.254")), ErrBlocked)

	one := &Guard{AllowAddrs: []netip.AddrPort{lo}}
	require.NoError(t, one.CheckAddrPort(lo))
	require.NoError(t, one.CheckAddrPort(netip.MustParseAddrPort("[::ffff:127.0.0.1]:8080")), "mapped form matches")
	require.ErrorIs(t, one.CheckAddrPort(netip.MustParseAddrPort("127.0.0.1:8081")), ErrBlocked, "another port stays blocked")
	require.ErrorIs(t, one.CheckAddrPort(netip.MustParseAddrPort("127.0.0.2:8080")), ErrBlocked, "another address stays blocked")
	require.ErrorIs(t, one.CheckIP(lo.Addr()), ErrBlocked, "CheckIP ignores port-bound allowances")

	pfx := &Guard{AllowPrefixes: []netip.Prefix{netip.MustParsePrefix("169.254.169.254/32")}}
	require.NoError(t, pfx.CheckIP(meta), "an explicit prefix opens metadata")
	require.ErrorIs(t, pfx.CheckIP(netip.MustParseAddr("169.254.1.1")), ErrBlocked)
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	g := &Guard{AllowAddrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:80")}}
	cases := []struct {
		raw    string
		reason string // "" means allowed
	}{
		{"http://example.com/a", ""},
		{"HTTPS://example.com/a", ""},
		{"https://8.8.8.8/", ""},
		{"http://127.0.0.1/", ""}, // allowed by AllowAddrs on port 80
		{"http://127.0.0.1:81/", ReasonLoopback},
		{"https://127.0.0.1/", ReasonLoopback}, // port 443
		{"http://[::1]:8080/", ReasonLoopback},
		{"http://[::ffff:127.0.0.1]:9/", ReasonLoopback},
		{"http://169.254.169.254/latest/meta-data/", ReasonMetadata},
		{"http://[fd00:ec2::254]/", ReasonMetadata},
		{"http://10.0.0.1:8080/", ReasonPrivate},
		{"http://[fe80::1%25eth0]/", ReasonLinkLocal},
		{"ftp://example.com/f", ReasonScheme},
		{"file:///etc/passwd", ReasonScheme},
		{"javascript:alert(1)", ReasonScheme},
		{"gopher://127.0.0.1:25/", ReasonScheme},
		{"http:///path-only", ReasonNoHost},
	}
	for _, c := range cases {
		u, err := url.Parse(c.raw)
		require.NoError(t, err, c.raw)
		err = g.CheckURL(u)
		if c.reason == "" {
			require.NoError(t, err, c.raw)
			continue
		}
		var be *BlockedError
		require.ErrorAs(t, err, &be, c.raw)
		require.ErrorIs(t, err, ErrBlocked, c.raw)
		require.Equal(t, c.reason, be.Reason, c.raw)
	}
	require.ErrorIs(t, g.CheckURL(nil), ErrBlocked)
}

func TestBlockedErrorMessage(t *testing.T) {
	t.Parallel()
	err := (&Guard{}).CheckURL(mustURL(t, "http://169.254.169.254/latest"))
	require.EqualError(t, err, "netguard: refusing address 169.254.169.254:80: cloud metadata address")
	err = (&Guard{}).CheckURL(mustURL(t, "ftp://example.com/"))
	require.EqualError(t, err, `netguard: refusing scheme "ftp" for host "example.com": scheme not allowed (want http or https)`)
	err = (&BlockedError{Host: "news.example", Addr: netip.MustParseAddrPort("127.0.0.1:80"), Reason: ReasonLoopback})
	require.EqualError(t, err, `netguard: refusing host "news.example" at 127.0.0.1:80: loopback address`)
}

// staticResolver maps names to fixed addresses, standing in for DNS answers
// we cannot make a real resolver give (a public name pointing at loopback).
type staticResolver map[string][]netip.Addr

func (r staticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// listen opens a loopback listener and returns it with its address.
func listen(t *testing.T) (net.Listener, netip.AddrPort) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	return ln, netip.MustParseAddrPort(ln.Addr().String())
}

// requireFirstAcceptIs proves a refused dial never reached the listener: the
// first connection in its backlog is the allowed one made afterwards.
func requireFirstAcceptIs(t *testing.T, ln net.Listener, allowed net.Conn) {
	t.Helper()
	c, err := ln.Accept()
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, allowed.LocalAddr().String(), c.RemoteAddr().String(),
		"the listener saw a connection before the allowed one")
}

func TestDialContextRefusesBeforeConnecting(t *testing.T) {
	t.Parallel()
	ln, ap := listen(t)
	ctx := context.Background()

	g := &Guard{Resolver: staticResolver{
		"news.example": {ap.Addr()},
	}}
	_, err := g.DialContext(ctx, "tcp", ap.String())
	var be *BlockedError
	require.ErrorAs(t, err, &be)
	require.Equal(t, ReasonLoopback, be.Reason)

	_, err = g.DialContext(ctx, "tcp", net.JoinHostPort("news.example", itoa(ap.Port())))
	require.ErrorAs(t, err, &be, "a public-looking name resolving to loopback is refused at dial time")
	require.Equal(t, "news.example", be.Host)
	require.Equal(t, ap, be.Addr)

	_, err = g.DialContext(ctx, "tcp", net.JoinHostPort("localhost", itoa(ap.Port())))
	require.Error(t, err, "localhost through the static resolver does not resolve")

	sys := &Guard{}
	_, err = sys.DialContext(ctx, "tcp4", net.JoinHostPort("localhost", itoa(ap.Port())))
	require.ErrorIs(t, err, ErrBlocked, "localhost through the system resolver is refused")

	allowed := &Guard{AllowAddrs: []netip.AddrPort{ap}}
	conn, err := allowed.DialContext(ctx, "tcp", ap.String())
	require.NoError(t, err)
	defer conn.Close()
	requireFirstAcceptIs(t, ln, conn)
}

func TestDialContextSkipsBlockedAddresses(t *testing.T) {
	t.Parallel()
	ln, ap := listen(t)
	g := &Guard{
		AllowAddrs: []netip.AddrPort{ap},
		Resolver: staticResolver{
			"mixed.example":   {netip.MustParseAddr("169.254.169.254"), ap.Addr()},
			"blocked.example": {netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("10.0.0.1")},
		},
	}
	conn, err := g.DialContext(context.Background(), "tcp", net.JoinHostPort("mixed.example", itoa(ap.Port())))
	require.NoError(t, err, "the permitted address is used, the blocked one skipped")
	defer conn.Close()
	requireFirstAcceptIs(t, ln, conn)

	_, err = g.DialContext(context.Background(), "tcp", net.JoinHostPort("blocked.example", "80"))
	var be *BlockedError
	require.ErrorAs(t, err, &be)
	require.Equal(t, ReasonMetadata, be.Reason, "the first refusal is reported")

	_, err = g.DialContext(context.Background(), "tcp", "no-port")
	require.ErrorIs(t, err, ErrBlocked)
	_, err = g.DialContext(context.Background(), "tcp", "missing.example:80")
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr)
}

func TestControlHookOnPlainDialer(t *testing.T) {
	t.Parallel()
	ln, ap := listen(t)
	var prevCalls int
	base := &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		prevCalls++
		return nil
	}}

	d := (&Guard{}).WrapDialer(base)
	_, err := d.DialContext(context.Background(), "tcp", ap.String())
	require.ErrorIs(t, err, ErrBlocked, "the socket-level hook refuses loopback")
	require.Zero(t, prevCalls, "the wrapped hook does not run after a refusal")

	d = (&Guard{AllowAddrs: []netip.AddrPort{ap}}).WrapDialer(base)
	conn, err := d.DialContext(context.Background(), "tcp", ap.String())
	require.NoError(t, err)
	defer conn.Close()
	require.Equal(t, 1, prevCalls, "the wrapped hook runs after the guard allows")
	requireFirstAcceptIs(t, ln, conn)

	require.ErrorIs(t, (&Guard{}).Control("unix", "/tmp/sock", nil), ErrBlocked)
	require.ErrorIs(t, (&Guard{}).Control("tcp", "garbage", nil), ErrBlocked)
	require.NoError(t, (&Guard{}).Control("tcp4", "8.8.8.8:443", nil))
}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	g := &Guard{Resolver: staticResolver{
		"public.example": {netip.MustParseAddr("8.8.8.8")},
		"mixed.example":  {netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("10.1.1.1")},
	}}
	require.NoError(t, g.CheckHost(context.Background(), "public.example", 443))
	err := g.CheckHost(context.Background(), "mixed.example", 443)
	require.ErrorIs(t, err, ErrBlocked, "any blocked address refuses the host")
	require.True(t, strings.Contains(err.Error(), "mixed.example"), err.Error())
	err = g.CheckHost(context.Background(), "nowhere.example", 80)
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrBlocked))
}

func BenchmarkCheckIP(b *testing.B) {
	g := &Guard{}
	for _, ip := range []string{"93.184.216.34", "2606:4700::1111", "::ffff:10.0.0.1", "169.254.169.254"} {
		addr := netip.MustParseAddr(ip)
		b.Run(ip, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = g.CheckIP(addr)
			}
		})
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }
