package render

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// The render pool's loopback egress proxy used to forward for anyone: any
// local user could use it, guard and all, while masx ran. It now answers
// only its own browser, which knows the per-process password.
func TestEgressProxyAnswersOnlyItsBrowser(t *testing.T) {
	s := newSite(t)
	p := startPool(t, Config{Guard: guardFor(s.Server)})
	_, err := p.Render(context.Background(), s.URL+"/article")
	require.NoError(t, err, "the browser authenticates to its proxy")

	get := func(user *url.Userinfo) int {
		proxy, err := url.Parse(p.proxy.URL())
		require.NoError(t, err)
		proxy.User = user
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
		defer c.CloseIdleConnections()
		resp, err := c.Get(s.URL + "/article")
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusProxyAuthRequired, get(nil), "a local client without the password")
	require.Equal(t, http.StatusProxyAuthRequired, get(url.UserPassword(proxyUser, "guess")), "a wrong password")
	require.Equal(t, http.StatusOK, get(url.UserPassword(proxyUser, p.proxy.secret)), "the browser's password")
}
