package netguard_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/masx-ai/masx/crawl/netguard"
)

// A transport whose every connection, redirects included, goes through the
// guard. Proxy stays nil: a proxy would be dialled instead of the target.
func ExampleGuard_DialContext() {
	g := &netguard.Guard{}
	client := &http.Client{Transport: &http.Transport{DialContext: g.DialContext}}
	_, err := client.Get("http://169.254.169.254/latest/meta-data/")
	fmt.Println(errors.Is(err, netguard.ErrBlocked))
	// Output: true
}

func ExampleGuard_CheckURL() {
	g := &netguard.Guard{AllowPrivate: true}
	for _, raw := range []string{
		"https://example.com/news",
		"http://10.0.0.7:8080/admin",
		"http://169.254.169.254/latest/meta-data/",
		"file:///etc/passwd",
	} {
		u, _ := url.Parse(raw)
		fmt.Println(raw, "→", g.CheckURL(u))
	}
	// Output:
	// https://example.com/news → <nil>
	// http://10.0.0.7:8080/admin → <nil>
	// http://169.254.169.254/latest/meta-data/ → netguard: refusing address 169.254.169.254:80: cloud metadata address
	// file:///etc/passwd → netguard: refusing scheme "file": scheme not allowed (want http or https)
}
