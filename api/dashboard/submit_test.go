package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
)

// multipartForm builds the submit form's body with an optional file.
func multipartForm(t *testing.T, fields map[string]string, fileName string, file []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		require.NoError(t, w.WriteField(k, v))
	}
	if fileName != "" {
		fw, err := w.CreateFormFile("file", fileName)
		require.NoError(t, err)
		_, err = fw.Write(file)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return &b, w.FormDataContentType()
}

func flashpointsJSON(n, feeds int) []byte {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"title": "Flashpoint %d", "feeds": [`, i)
		for j := range feeds {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"url": "https://site%d.example/story/%d", "title": "Story %d"}`, j, i, j)
		}
		b.WriteString("]}")
	}
	b.WriteString("]")
	return []byte(b.String())
}

// The form goes through the API's Submit: the same validation, the same
// queue bound, the same messages; and its body has the API's size cap.
func TestSubmitFormIsTheAPIsSubmit(t *testing.T) {
	h := newHarness(t, harnessOptions{queueMax: 2, cfg: Config{MaxUploadBytes: 64 << 10}})
	csrf := field(t, csrfField, h.do("GET", "/submit", nil).body)
	post := func(fields map[string]string, name string, file []byte) answer {
		t.Helper()
		fields["csrf"] = csrf
		body, ct := multipartForm(t, fields, name, file)
		return h.do("POST", "/submit", body, "Content-Type", ct)
	}

	// A JSON upload: queued, and the browser goes to the run's page.
	a := post(map[string]string{"run_id": "from-form"}, "fps.json", flashpointsJSON(1, 3))
	require.Equal(t, http.StatusSeeOther, a.code, a.body)
	require.Equal(t, "/runs/from-form", a.header.Get("Location"))
	run, err := h.st.GetRun(context.Background(), "from-form")
	require.NoError(t, err)
	require.Equal(t, news.RunRunning, run.State)
	require.Equal(t, http.StatusOK, h.do("GET", "/runs/from-form", nil).code)

	// An RSS upload is detected as a feed.
	rss := `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>One</title><link>https://wire.example/1</link></item></channel></rss>`
	a = post(map[string]string{"run_id": "from-rss"}, "wire.xml", []byte(rss))
	require.Equal(t, http.StatusSeeOther, a.code, a.body)

	// The queue holds two unfinished flashpoints: a third is refused
	// with the API's 429 and Retry-After, and nothing is stored.
	a = post(map[string]string{"run_id": "too-many"}, "fps.json", flashpointsJSON(1, 1))
	require.Equal(t, http.StatusTooManyRequests, a.code, a.body)
	require.NotEmpty(t, a.header.Get("Retry-After"))
	require.Contains(t, a.body, "The run was not submitted")
	_, err = h.st.GetRun(context.Background(), "too-many")
	require.Error(t, err)

	// Bad input, in the API's words, with what was typed kept.
	for _, c := range []struct {
		fields map[string]string
		file   []byte
		want   string
	}{
		{map[string]string{}, nil, `give one of &#34;date&#34;`},
		{map[string]string{"date": "2025-01-01"}, flashpointsJSON(1, 1), `give &#34;date&#34; or &#34;input&#34;, not both`},
		{map[string]string{"run_id": "bad id!"}, flashpointsJSON(1, 1), "run_id"},
		{map[string]string{"date": "01/02/2025"}, nil, "01/02/2025"},
		{map[string]string{"flashpoint_ids": "nope"}, flashpointsJSON(1, 1), "nope"},
	} {
		var name string
		if c.file != nil {
			name = "in.json"
		}
		a := post(c.fields, name, c.file)
		require.Equal(t, http.StatusBadRequest, a.code, "%v: %s", c.fields, a.body)
		require.Contains(t, a.body, c.want)
		require.Contains(t, a.body, `role="alert"`)
	}

	// Over the size cap: 413, nothing read.
	a = post(map[string]string{}, "big.json", bytes.Repeat([]byte(" "), 70<<10))
	require.Equal(t, http.StatusRequestEntityTooLarge, a.code, a.body)
}
