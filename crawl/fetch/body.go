package fetch

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// checkContentType accepts HTML, XHTML and XML media types. It returns the
// media type, or "" when the header is absent and the body must be sniffed.
func checkContentType(ct string) (string, error) {
	if strings.TrimSpace(ct) == "" {
		return "", nil
	}
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("%w: %q does not parse: %v", ErrContentType, ct, err)
	}
	if !acceptedType(media) {
		return "", fmt.Errorf("%w: %s (want HTML, XHTML or XML)", ErrContentType, media)
	}
	return media, nil
}

func acceptedType(media string) bool {
	switch media {
	case "text/html", "application/xhtml+xml", "text/xml", "application/xml":
		return true
	}
	return strings.HasPrefix(media, "application/") && strings.HasSuffix(media, "+xml")
}

// sniffContentType judges a body that came without a Content-Type, the way
// browsers do (net/http implements the WHATWG sniffing table).
func sniffContentType(body []byte) (string, error) {
	media, _, _ := mime.ParseMediaType(http.DetectContentType(body))
	if !acceptedType(media) {
		return "", fmt.Errorf("%w: no Content-Type and the body looks like %s (want HTML, XHTML or XML)", ErrContentType, media)
	}
	return media, nil
}

// readBody reads the body, undoing Content-Encoding, and fails with
// ErrTooLarge as soon as more than max decompressed bytes arrive, so a
// compression bomb costs at most max bytes of memory.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	return readBodyLimit(resp, max, false)
}

// readBodyLimit is readBody that, with truncate, keeps the first max bytes
// instead of failing.
func readBodyLimit(resp *http.Response, max int64, truncate bool) ([]byte, error) {
	encodings := contentEncodings(resp.Header)
	if len(encodings) == 0 && resp.ContentLength > max && !truncate {
		return nil, fmt.Errorf("%w: Content-Length %d, limit %d bytes", ErrTooLarge, resp.ContentLength, max)
	}
	r := io.Reader(resp.Body)
	// Codings are listed in the order they were applied; undo them in
	// reverse.
	for i := len(encodings) - 1; i >= 0; i-- {
		var err error
		switch encodings[i] {
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(r)
		case "deflate":
			r, err = newDeflateReader(r)
		default:
			return nil, fmt.Errorf("%w: %q (asked for gzip or deflate)", ErrContentEncoding, encodings[i])
		}
		if err != nil {
			return nil, decodeError(encodings[i], err)
		}
	}
	var buf bytes.Buffer
	if len(encodings) == 0 && resp.ContentLength > 0 {
		buf.Grow(int(min(resp.ContentLength, max)))
	}
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if n > max && truncate {
		return buf.Bytes()[:max], nil
	}
	if n > max {
		return nil, fmt.Errorf("%w: more than %d bytes after decompression", ErrTooLarge, max)
	}
	if err != nil {
		if len(encodings) > 0 {
			return nil, decodeError(strings.Join(encodings, ", "), err)
		}
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeError marks corrupt compressed data as permanent; a truncated
// stream (io.ErrUnexpectedEOF, a reset connection) stays retryable.
func decodeError(enc string, err error) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, zlib.ErrHeader) || errors.Is(err, zlib.ErrChecksum) || errors.As(err, &corrupt) ||
		err == io.EOF { // an empty body that claims to be compressed
		return fmt.Errorf("%w: decoding %s: %v", ErrContentEncoding, enc, err)
	}
	return fmt.Errorf("decoding %s body: %w", enc, err)
}

func contentEncodings(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Content-Encoding") {
		for _, e := range strings.Split(v, ",") {
			e = strings.ToLower(strings.TrimSpace(e))
			if e != "" && e != "identity" {
				out = append(out, e)
			}
		}
	}
	return out
}

// newDeflateReader reads "deflate" bodies, which should be zlib streams but
// from some servers are raw DEFLATE; the zlib header tells them apart.
func newDeflateReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil {
		return nil, err
	}
	if head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}
