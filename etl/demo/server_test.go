package demo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServeNilHandler(t *testing.T) {
	if _, err := Serve(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Fatalf("got %v; want an error about the nil handler", err)
	}
}

func TestStartCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if srv, err := Start(ctx); err == nil {
		srv.Close()
		t.Fatal("Start with a cancelled context succeeded")
	}
}

func TestServerServesConcurrently(t *testing.T) {
	t.Parallel()
	srv := startSite(t)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || strings.HasSuffix(srv.URL, "/") {
		t.Fatalf("URL %q; want http://127.0.0.1:PORT", srv.URL)
	}
	c := testClient(t)
	feeds := Flashpoints(srv.URL)[0].Feeds
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(feeds))
	for range 8 {
		wg.Go(func() {
			for _, f := range feeds {
				if x, _ := Expect(srv.URL).Lookup(f.URL); x.HTTPStatus == 0 {
					continue
				}
				resp, err := c.Get(f.URL)
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// held is a handler that signals when a request arrives and answers when
// released or when the request's context ends.
type held struct {
	arrived chan struct{}
	release chan struct{}
	ended   chan error
}

func newHeld() *held {
	return &held{arrived: make(chan struct{}, 1), release: make(chan struct{}), ended: make(chan error, 1)}
}

func (h *held) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.arrived <- struct{}{}
	select {
	case <-h.release:
		io.WriteString(w, "released")
		h.ended <- nil
	case <-r.Context().Done():
		h.ended <- r.Context().Err()
	}
}

func TestStopDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	h := newHeld()
	srv, err := Serve(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	c := testClient(t)
	body := make(chan string, 1)
	go func() {
		resp, err := c.Get(srv.URL)
		if err != nil {
			body <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body <- string(b)
	}()
	<-h.arrived
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned %v while a request was in flight", err)
	case <-h.ended:
		t.Fatal("the request was cancelled by a graceful Stop")
	default:
	}
	close(h.release)
	if err := <-stopped; err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if got := <-body; got != "released" {
		t.Errorf("in-flight request got %q; want its full answer", got)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close after Stop: %v", err)
	}
	if _, err := c.Get(srv.URL); err == nil {
		t.Error("the server still answers after Stop")
	}
}

func TestStopDeadlineCancelsRequests(t *testing.T) {
	t.Parallel()
	h := newHeld()
	srv, err := Serve(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		resp, err := testClient(t).Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-h.arrived
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the drain deadline has already passed
	if err := srv.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Stop: got %v; want context.Canceled", err)
	}
	// Stop forced the close, so the handler saw its context end and
	// returned before Stop did.
	select {
	case err := <-h.ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("handler ended with %v; want context.Canceled", err)
		}
	default:
		t.Error("Stop returned before the handler did")
	}
	if err := <-done; err == nil {
		t.Error("the cancelled request succeeded")
	}
	if err := srv.Stop(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("second Stop: got %v; want the first result", err)
	}
}

func TestCloseCancelsSlowSyntheticRequests(t *testing.T) {
	t.Parallel()
	site, err := Synthetic(SyntheticOptions{Articles: 10, Latency: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan struct{}, 1)
	srv, err := Serve(context.Background(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		site.ServeHTTP(w, r)
	}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		resp, err := testClient(t).Get(site.ArticleURL(srv.URL, 3))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-arrived
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("a request held by an hour of latency succeeded after Close")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestConcurrentCloseAndStop(t *testing.T) {
	t.Parallel()
	srv := startSite(t)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if i%2 == 0 {
				srv.Close()
			} else {
				srv.Stop(context.Background())
			}
		})
	}
	wg.Wait()
}
