package crawl

import (
	"errors"
	"fmt"
	"strings"
)

// Method is a way to get a page.
type Method string

// The methods. Auto is the ETL's default chain: HTTP first, then the
// browser when the fetch fails or its article is too short.
const (
	MethodHTTP    Method = "http"
	MethodBrowser Method = "browser"
	MethodAuto    Method = "auto"
)

// ErrBadMethod: a method name other than http, browser or auto.
var ErrBadMethod = errors.New("unknown fetch method")

// ParseMethod reads a method name (case-insensitive); "" means auto.
func ParseMethod(s string) (Method, error) {
	switch m := Method(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return MethodAuto, nil
	case MethodHTTP, MethodBrowser, MethodAuto:
		return m, nil
	}
	return "", fmt.Errorf("%w %q: want http, browser or auto", ErrBadMethod, s)
}

// chain is the ordered list of methods a request tries.
func (m Method) chain() ([]Method, error) {
	switch m {
	case MethodHTTP, MethodBrowser:
		return []Method{m}, nil
	case MethodAuto, "":
		return []Method{MethodHTTP, MethodBrowser}, nil
	}
	return nil, fmt.Errorf("%w %q: want http, browser or auto", ErrBadMethod, string(m))
}
