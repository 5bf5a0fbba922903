package cloudconnexa

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// stallServer answers the token request and holds the first API request until the client
// closes its connection (Go's server cancels the request's context then), recording when.
type stallServer struct {
	*httptest.Server
	apiRequests atomic.Int32
	held        chan struct{} // closed when the first API request arrived
	closedAt    chan time.Time
}

func newStallServer(t *testing.T) *stallServer {
	s := &stallServer{held: make(chan struct{}), closedAt: make(chan time.Time, 1)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/oauth/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"go-stall","expires_in":3600}`))
			return
		}
		if s.apiRequests.Add(1) == 1 {
			close(s.held)
			<-r.Context().Done()
			s.closedAt <- time.Now()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"content":[],"totalElements":0,"totalPages":0,"numberOfElements":0,"page":0,"size":10,"success":true}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stallServer) client(t *testing.T) *Client {
	return newTestClient(t, Config{
		APIURL:            s.URL,
		ClientID:          "id",
		ClientSecret:      "secret",
		AllowInsecureHTTP: true,
		ConnectTimeout:    2 * time.Second,
		ReadTimeout:       30 * time.Second,
		CallTimeout:       60 * time.Second,
	})
}

// A context cancelled while the request is on the wire ends the call at once: the library
// shuts the socket down, the server sees it closed, and the next call does not stumble on
// a dead pooled connection.
func TestCancelWithTheRequestOnTheWire(t *testing.T) {
	s := newStallServer(t)
	c := s.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		_, err := c.Networks().List(ctx, 0, 10)
		done <- result{err, time.Now()}
	}()
	select {
	case <-s.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the request did not reach the server")
	}
	time.Sleep(200 * time.Millisecond)
	cancelledAt := time.Now()
	cancel()
	r := <-done
	if !errors.Is(r.err, ErrCanceled) || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v, want ErrCanceled and context.Canceled", r.err)
	}
	returned := r.at.Sub(cancelledAt)
	var seen time.Duration
	select {
	case at := <-s.closedAt:
		seen = at.Sub(cancelledAt)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not see the connection closed")
	}
	// generous bounds for a busy machine; the target (50 ms) is recorded in docs/FAULTS.md
	if returned > 2*time.Second || seen > 2*time.Second {
		t.Fatalf("returned %v and the server saw the close %v after the cancel", returned, seen)
	}
	t.Logf("cancel on the wire: returned in %v, the server saw the close in %v", returned, seen)
	if _, err := c.Networks().List(context.Background(), 0, 10); err != nil {
		t.Fatalf("the next call: %v", err)
	}
	js, err := c.MetricsJSON()
	if err != nil || !strings.Contains(string(js), `"stale_connection_retries":0`) {
		t.Fatalf("a dead pooled connection was tried: %v %s", err, js)
	}
}

// A context deadline bounds the call in the library: it ends as a timeout while the
// request is on the wire.
func TestContextDeadlineWithTheRequestOnTheWire(t *testing.T) {
	s := newStallServer(t)
	c := s.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Networks().List(ctx, 0, 10)
	took := time.Since(start)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrCanceled) {
		t.Fatalf("err = %v, want ErrTimeout and context.DeadlineExceeded", err)
	}
	if took < 250*time.Millisecond || took > 2300*time.Millisecond {
		t.Fatalf("the call returned after %v; want about 300 ms", took)
	}
}
