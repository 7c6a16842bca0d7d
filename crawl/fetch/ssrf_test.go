package fetch

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/crawl/netguard"
)

// staticResolver answers chosen names with chosen addresses: the DNS
// answers an attacker would control, which no real resolver here gives.
type staticResolver map[string][]netip.Addr

func (r staticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestSSRFLoopbackLiteralIsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	s := newSite(t, htmlHandler(simplePage))
	f := newFetcher(t, Config{Guard: &netguard.Guard{}}) // nothing allowed
	_, err := f.Fetch(context.Background(), s.URL+"/secret")
	require.ErrorIs(t, err, ErrBlocked)
	var be *netguard.BlockedError
	require.ErrorAs(t, err, &be)
	require.Equal(t, netguard.ReasonLoopback, be.Reason)
	require.Zero(t, s.hitsOf("/secret")+s.hitsOf("/robots.txt"), "the server saw no request at all")
	require.Equal(t, int64(1), f.Stats().Blocked)
}

func TestSSRFNameResolvingToLoopbackIsRefusedAtDial(t *testing.T) {
	t.Parallel()
	s := newSite(t, htmlHandler(simplePage))
	port := strconv.Itoa(int(s.addrPort().Port()))
	g := &netguard.Guard{Resolver: staticResolver{"news.example.com": {netip.MustParseAddr("127.0.0.1")}}}
	f := newFetcher(t, Config{Guard: g})
	_, err := f.Fetch(context.Background(), "http://news.example.com:"+port+"/article")
	var be *netguard.BlockedError
	require.ErrorAs(t, err, &be)
	require.Equal(t, "news.example.com", be.Host)
	require.Equal(t, s.addrPort(), be.Addr)

	// The same through the system resolver with a name that is loopback.
	f2 := newFetcher(t, Config{IgnoreRobots: true, Guard: &netguard.Guard{}})
	_, err = f2.Fetch(context.Background(), "http://localhost:"+port+"/article")
	require.ErrorIs(t, err, ErrBlocked)
	require.Zero(t, s.total()+s.hitsOf("/robots.txt"), "the server saw no request at all")
}

func TestSSRFRedirectsToBlockedAddressesAreRefused(t *testing.T) {
	t.Parallel()
	private := newSite(t, htmlHandler("<p>internal admin page</p>"))
	targets := map[string]string{
		"/to-other-port":   private.URL + "/admin",
		"/to-metadata":     "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"/to-metadata-v6":  "http://[fd00:ec2::254]/latest/meta-data/",
		"/to-mapped":       "http://[::ffff:127.0.0.1]:" + strconv.Itoa(int(private.addrPort().Port())) + "/admin",
		"/to-rebound-name": "http://metadata.attacker.example/latest/meta-data/",
		"/to-private-name": "http://intranet.attacker.example:" + strconv.Itoa(int(private.addrPort().Port())) + "/admin",
		"/to-file":         "file:///etc/passwd",
		"/to-gopher":       "gopher://127.0.0.1:6379/_FLUSHALL",
	}
	public := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, targets[r.URL.Path], http.StatusFound)
	})
	g := &netguard.Guard{
		AllowAddrs: []netip.AddrPort{public.addrPort()}, // only the "public" server
		Resolver: staticResolver{
			"metadata.attacker.example": {netip.MustParseAddr("169.254.169.254")},
			"intranet.attacker.example": {netip.MustParseAddr("127.0.0.1")},
		},
	}
	f := newFetcher(t, Config{Guard: g})
	wantReason := map[string]string{
		"/to-other-port":   netguard.ReasonLoopback,
		"/to-metadata":     netguard.ReasonMetadata,
		"/to-metadata-v6":  netguard.ReasonMetadata,
		"/to-mapped":       netguard.ReasonLoopback,
		"/to-rebound-name": netguard.ReasonMetadata,
		"/to-private-name": netguard.ReasonLoopback,
		"/to-file":         netguard.ReasonScheme,
		"/to-gopher":       netguard.ReasonScheme,
	}
	for path, reason := range wantReason {
		_, err := f.Fetch(context.Background(), public.URL+path)
		var be *netguard.BlockedError
		require.ErrorAs(t, err, &be, path)
		require.Equal(t, reason, be.Reason, path)
		require.Equal(t, 1, public.hitsOf(path), "the allowed server answered once, not retried: %s", path)
	}
	require.Zero(t, private.total()+private.hitsOf("/robots.txt"), "the private server saw no request at all")
}

func TestAllowPrivateReachesLoopback(t *testing.T) {
	t.Parallel()
	s := newSite(t, htmlHandler(simplePage))
	f := newFetcher(t, Config{AllowPrivate: true})
	p, err := f.Fetch(context.Background(), s.URL)
	require.NoError(t, err)
	require.Equal(t, simplePage, string(p.HTML))
}
