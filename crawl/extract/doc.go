// Package extract finds the article in a news page: its title, body text and
// metadata (author, date, image, site, language hint), leaving out
// navigation, cookie banners, related links, comments and footers.
//
// [Extract] runs go-trafilatura (v1.12.2, F1 0.90 on its 983-page
// comparison set, the best of the Go extractors) and, when its text is
// shorter than Options.MinChars (default 1,000 characters, the length under
// which the pipeline would try the browser anyway), go-readability v2 as a
// fallback; the longer text wins and [Article.Method] says which. Trafilatura's
// own fallback mode is not used: it runs readability and DOM Distiller on
// every page, doubling the cost for about one point of F1, while this
// package pays for readability only on the pages trafilatura misses.
//
// The page is parsed once with golang.org/x/net/html (which refuses nesting
// deeper than 512 elements, [ErrMalformed]) and both libraries work on copies
// of that tree. Input that is not valid UTF-8 (a page saved to disk) is
// decoded first by package charset.
//
// Hostile pages: inputs over Options.MaxBytes (10 MiB) or with more than
// Options.MaxElements elements (100,000) are refused with [ErrTooLarge];
// panics inside either library are recovered into a [*PanicError] carrying
// the stack (errors.Is(err, [ErrPanic])). Neither library takes a context,
// so the size limits are what bound the time: extraction is roughly linear,
// about 1 s per MB of text on this machine, so a 10 MiB page of pure text
// costs about 10 s of one core (FuzzExtract and a set of pathological pages
// were used to check for worse).
//
// # Cost
//
// BenchmarkExtract measures the CPU per page on generated news pages
// (docs/performance.md); parsing is about a quarter of it, trafilatura's
// metadata pass (dates included) another quarter.
package extract
