package demo

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/masx-ai/masx/news"
)

// SeenDateLayout is GDELT's seendate form, e.g. "20250611T074200Z".
const SeenDateLayout = "20060102T150405Z"

// Flashpoints returns the bundled site's flashpoints with their feed
// entries, every URL under baseURL (a [Server]'s URL). Broken links and
// pages meant to fail are included: [Expect] says how each must end. The
// result is a fresh copy the caller may change.
//
// Feed.Domain names the fictional outlet ("meridian-post.example") rather
// than the loopback host, so cluster top_domains read like a real run's;
// every page is still served by the one host in baseURL.
func Flashpoints(baseURL string) []news.Flashpoint {
	c := mustBundled()
	base := strings.TrimRight(baseURL, "/")
	out := make([]news.Flashpoint, 0, len(c.flashpoints))
	for _, fp := range c.flashpoints {
		f := news.Flashpoint{ID: fp.ID, Title: fp.Title, Description: fp.Description, Entities: slices.Clone(fp.Entities)}
		for _, e := range c.entries {
			if e.Story.fp != fp {
				continue
			}
			f.Feeds = append(f.Feeds, news.Feed{
				ID:            nameUUID(fp.ID, e.Slug),
				FlashpointID:  fp.ID,
				URL:           base + e.feedPath,
				Title:         e.Title,
				SeenDate:      e.Published.UTC().Format(SeenDateLayout),
				Domain:        e.Outlet.domain,
				Language:      c.ui[e.Lang].Language,
				SourceCountry: e.Outlet.Country,
				Description:   e.Description,
				Image:         base + "/images/" + e.Slug + ".png",
			})
			if !slices.Contains(f.Domains, e.Outlet.domain) {
				f.Domains = append(f.Domains, e.Outlet.domain)
			}
		}
		slices.Sort(f.Domains)
		out = append(out, f)
	}
	return out
}

// WriteJSONL writes one flashpoint per line as JSON (news.Flashpoint with
// its feeds), the form `masx run --input` reads.
func WriteJSONL(w io.Writer, fps []news.Flashpoint) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range fps {
		if err := enc.Encode(&fps[i]); err != nil {
			return fmt.Errorf("writing flashpoint %q: %w", fps[i].ID, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing flashpoints: %w", err)
	}
	return nil
}

// nameUUID derives a stable UUID (version 5 layout, SHA-1 of the joined
// parts) so feed IDs stay the same from run to run, as the MASX tables
// expect UUID keys.
func nameUUID(parts ...string) string {
	sum := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
