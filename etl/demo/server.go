package demo

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server serves a handler (the bundled [Site], a [SyntheticSite], or any
// other) on a loopback port until Close or Stop. It owns the accept loop
// and waits for every handler it started before Close or Stop returns.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:PORT", without a trailing
	// slash.
	URL string

	srv    *http.Server
	cancel context.CancelFunc // ends the handlers' base context
	served chan struct{}      // closed when Serve has returned

	mu       sync.RWMutex // guards closed against handlers entering
	closed   bool
	handlers sync.WaitGroup

	stopOnce sync.Once
	stopErr  error
}

// Start serves the bundled demo site on 127.0.0.1 at a free port. ctx
// bounds starting only; the server runs until Close or Stop.
func Start(ctx context.Context) (*Server, error) {
	return Serve(ctx, NewSite())
}

// Serve serves h on 127.0.0.1 at a free port. ctx bounds starting only;
// the server runs until Close or Stop. Requests see a context that ends
// when the server closes, so slow handlers (a [SyntheticSite] with
// Latency) return promptly.
func Serve(ctx context.Context, h http.Handler) (*Server, error) {
	if h == nil {
		return nil, errors.New("demo: Serve: handler is nil")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("starting demo server: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on loopback: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	s := &Server{URL: "http://" + ln.Addr().String(), cancel: cancel, served: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           s.track(h),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		// The reset page aborts connections on purpose; that is not
		// worth a line on stderr.
		ErrorLog: log.New(discard{}, "", 0),
	}
	go func() {
		defer close(s.served)
		s.srv.Serve(ln) // returns ErrServerClosed after Close or Shutdown
	}()
	return s, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// track counts running handlers, so Close can wait for them; once closed,
// new requests get 503.
func (s *Server) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			http.Error(w, "server closing", http.StatusServiceUnavailable)
			return
		}
		s.handlers.Add(1)
		s.mu.RUnlock()
		defer s.handlers.Done()
		h.ServeHTTP(w, r)
	})
}

// Close stops the server at once: it closes the listener and every
// connection, cancels running requests, and waits for their handlers to
// return. Calls after the first (of Close or Stop) return the first's
// result.
func (s *Server) Close() error {
	s.stop(context.Background(), false)
	return s.stopErr
}

// Stop stops accepting connections and waits for running requests to
// finish (net/http's Shutdown). If ctx ends first it closes what is left as
// Close does and returns ctx's error. Calls after the first (of Close or
// Stop) return the first's result.
func (s *Server) Stop(ctx context.Context) error {
	s.stop(ctx, true)
	return s.stopErr
}

func (s *Server) stop(ctx context.Context, drain bool) {
	s.stopOnce.Do(func() {
		if drain {
			if err := s.srv.Shutdown(ctx); err != nil {
				s.stopErr = fmt.Errorf("stopping demo server %s: %w", s.URL, err)
			}
		}
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		// Connections first, so a handler that returns because its
		// context ended cannot get an answer out; then the handlers'
		// base context, for those that do not watch the connection.
		if err := s.srv.Close(); err != nil && s.stopErr == nil {
			s.stopErr = fmt.Errorf("closing demo server %s: %w", s.URL, err)
		}
		s.cancel()
		<-s.served
		s.handlers.Wait()
	})
}
