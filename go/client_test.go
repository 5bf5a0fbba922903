package cloudconnexa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	if v := Version(); !strings.HasPrefix(v, "cloudconnexa ") {
		t.Fatalf("Version() = %q", v)
	}
	if n := VersionNum(); n != headerVersionNum || n == 0 {
		t.Fatalf("VersionNum() = %#x, the header says %#x", n, headerVersionNum)
	}
	if s := CodeCancelled.String(); s != "cancelled" {
		t.Fatalf("CodeCancelled.String() = %q", s)
	}
	if s := CodeProtocol.String(); s != "malformed HTTP response" {
		t.Fatalf("CodeProtocol.String() = %q", s)
	}
	if e := (&Error{Code: CodeProtocol}); !errors.Is(e, ErrProtocol) || errors.Is(e, ErrTimeout) {
		t.Fatalf("errors.Is(%v, ErrProtocol) is wrong", e)
	}
}

func TestNetworkCRUD(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	nets := c.Networks()

	page, err := nets.List(ctx, 0, 5)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if page.Size != 5 || len(page.Content) == 0 || page.TotalElements < int64(len(page.Content)) {
		t.Fatalf("List page: %+v", page)
	}

	created, err := nets.Create(ctx, &NetworkCreateRequest{
		Name:        "go-test-net",
		Description: "from Go",
		Egress:      Ptr(false),
		Routes:      []NetworkRouteRequest{{Value: "10.66.0.0/24", Description: "r1"}},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if created.ID == "" || created.Name != "go-test-net" || created.Egress || len(created.Routes) != 1 {
		t.Fatalf("Create answer: %+v", created)
	}

	got, err := nets.Get(ctx, created.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.ID != created.ID || got.Description != "from Go" || got.Routes[0].Subnet != "10.66.0.0/24" {
		t.Fatalf("Get answer: %+v", got)
	}

	upd, err := nets.Update(ctx, created.ID, &NetworkUpdateRequest{Name: "go-test-net-2", Description: "updated"})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if upd.Name != "go-test-net-2" || upd.Description != "updated" {
		t.Fatalf("Update answer: %+v", upd)
	}

	all, err := nets.ListAll(ctx)
	if err != nil {
		t.Fatalf("ListAll: %v", err)
	}
	found := false
	for _, n := range all {
		found = found || n.ID == created.ID
	}
	if !found {
		t.Fatalf("ListAll (%d networks) misses %s", len(all), created.ID)
	}

	// The raw JSON views: a child route under the network.
	routes := c.ChildCollection(FamilyNetworkRoutes)
	rb, err := routes.Create(ctx, created.ID, []byte(`{"value":"10.66.1.0/24","description":"r2"}`))
	if err != nil {
		t.Fatalf("route Create: %v", err)
	}
	var route NetworkRoute
	if err := json.Unmarshal(rb, &route); err != nil || route.ID == "" {
		t.Fatalf("route Create answer %s: %v", rb, err)
	}
	lb, err := routes.ListAll(ctx, created.ID)
	if err != nil || !bytes.Contains(lb, []byte(route.ID)) {
		t.Fatalf("route ListAll = %s, %v", lb, err)
	}

	if err := nets.Delete(ctx, created.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = nets.Get(ctx, created.ID)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	// The route went with its network.
	if _, err := routes.Get(ctx, route.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("route Get after network Delete: %v, want ErrNotFound", err)
	}
}

func TestNotFoundMapsToErrNotFound(t *testing.T) {
	c := newTestClient(t, testConfig())
	const id = "00000000-0000-0000-0000-000000000000"
	_, err := c.Networks().Get(context.Background(), id)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err is %T, want *Error", err)
	}
	if e.Code != CodeHTTPStatus || e.Status != 404 || e.Retryable || !strings.Contains(e.Message, id) {
		t.Fatalf("error fields: %+v", e)
	}
	var body struct {
		ErrorMessage string `json:"errorMessage"`
		StatusError  string `json:"statusError"`
	}
	if err := json.Unmarshal(e.Body, &body); err != nil || body.StatusError != "NOT_FOUND" {
		t.Fatalf("error body %q: %v", e.Body, err)
	}
	if errors.Is(err, ErrCanceled) || errors.Is(err, ErrRateLimited) || errors.Is(err, ErrTimeout) {
		t.Fatalf("404 matches another sentinel: %v", err)
	}

	// The same through Do.
	_, err = c.Do(context.Background(), "GET", "/networks/"+id, nil, nil)
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.Status != 404 {
		t.Fatalf("Do 404: %v", err)
	}
}

func TestInvalidInput(t *testing.T) {
	c := newTestClient(t, testConfig())
	col := c.Collection(FamilyNetworks)
	_, err := col.Create(context.Background(), []byte(`{"description":"no name"}`))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalidJSON || !strings.Contains(e.Message, "name") {
		t.Fatalf("create without name: %v", err)
	}
	_, err = col.Create(context.Background(), nil)
	if !errors.As(err, &e) || e.Code != CodeInvalidJSON {
		t.Fatalf("create with no body: %v", err)
	}
	// An empty id goes to C as (NULL, 0); the library reports NULL_PARAMETER for it
	// (a non-NULL empty id would be INVALID_PARAMETER).
	_, err = col.Get(context.Background(), "")
	if !errors.As(err, &e) || (e.Code != CodeNullParameter && e.Code != CodeInvalidParameter) {
		t.Fatalf("get with empty id: %v", err)
	}
	_, err = c.Do(context.Background(), "PATCH", "/networks", nil, nil)
	if !errors.As(err, &e) || e.Code != CodeInvalidParameter {
		t.Fatalf("Do PATCH: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	cfg := testConfig()
	cfg.ClientID = ""
	_, err := NewClient(cfg)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalidParameter || e.Message == "" {
		t.Fatalf("no client id: %v", err)
	}
	cfg = testConfig()
	cfg.AllowInsecureHTTP = false
	if _, err := NewClient(cfg); !errors.As(err, &e) || e.Code != CodeInvalidParameter {
		t.Fatalf("http:// without AllowInsecureHTTP: %v", err)
	}
	cfg = testConfig()
	cfg.TLSRoots = 9
	if _, err := NewClient(cfg); !errors.As(err, &e) || e.Code != CodeInvalidParameter || !strings.Contains(e.Message, "tls_roots") {
		t.Fatalf("bad TLS roots: %v", err)
	}
}

func TestDo(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	r, err := c.Do(ctx, "GET", "/networks", map[string]string{"page": "0", "size": "2"}, nil)
	if err != nil {
		t.Fatalf("Do GET: %v", err)
	}
	var p Page[Network]
	if r.Status != 200 || json.Unmarshal(r.Body, &p) != nil || p.Size != 2 || len(p.Content) != 2 {
		t.Fatalf("Do GET: %d %s", r.Status, r.Body)
	}
	r, err = c.Do(ctx, "post", "/networks", nil, []byte(`{"name":"go-do-net"}`))
	if err != nil || r.Status != 201 {
		t.Fatalf("Do POST: %v %+v", err, r)
	}
	var n Network
	if err := json.Unmarshal(r.Body, &n); err != nil || n.ID == "" {
		t.Fatalf("Do POST body %s: %v", r.Body, err)
	}
	r, err = c.Do(ctx, "DELETE", "/networks/"+n.ID, nil, nil)
	if err != nil || r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("Do DELETE: %v %+v", err, r)
	}
}

func TestTraceparent(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := WithTraceparent(context.Background(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	if _, err := c.Networks().List(ctx, 0, 1); err != nil {
		t.Fatalf("valid traceparent: %v", err)
	}
	ctx = WithTraceparent(context.Background(), "garbage")
	_, err := c.Networks().List(ctx, 0, 1)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalidParameter {
		t.Fatalf("invalid traceparent: %v", err)
	}
}

// 64 goroutines share one client: successes and each goroutine's own 404 come back right.
func TestConcurrentSharedClient(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	seed, err := c.Networks().Create(ctx, &NetworkCreateRequest{Name: "go-concurrency"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Networks().Delete(ctx, seed.ID) }()

	const goroutines, rounds = 64, 8
	var ok atomic.Int64
	errs := make(chan error, goroutines*rounds)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				var err error
				switch (g + i) % 5 {
				case 0:
					var p *Page[Network]
					if p, err = c.Networks().List(ctx, uint32(i%3), 4); err == nil && len(p.Content) == 0 {
						err = fmt.Errorf("empty page")
					}
				case 1:
					var n *Network
					if n, err = c.Networks().Get(ctx, seed.ID); err == nil && n.ID != seed.ID {
						err = fmt.Errorf("got %s, want %s", n.ID, seed.ID)
					}
				case 2:
					// This goroutine's own missing id must come back in its own error.
					id := fmt.Sprintf("missing-%02d-%02d", g, i)
					_, e := c.Networks().Get(ctx, id)
					var ce *Error
					if !errors.Is(e, ErrNotFound) || !errors.As(e, &ce) || !strings.Contains(ce.Message, id) {
						err = fmt.Errorf("goroutine %d: 404 for %s came back as %v", g, id, e)
					}
				case 3:
					var r *Response
					if r, err = c.Do(ctx, "GET", "/users", map[string]string{"size": "3"}, nil); err == nil && r.Status != 200 {
						err = fmt.Errorf("status %d", r.Status)
					}
				case 4:
					var m string
					if m, err = c.Metrics(); err == nil && !strings.Contains(m, "cloudconnexa_") {
						err = fmt.Errorf("metrics text without cloudconnexa_")
					}
				}
				if err != nil {
					errs <- err
					continue
				}
				ok.Add(1)
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := ok.Load(); got != goroutines*rounds {
		t.Fatalf("%d of %d calls succeeded", got, goroutines*rounds)
	}
}

// A client with one token per 20 s: its second call waits in the client-side limiter.
func rateLimitedClient(t *testing.T) *Client {
	t.Helper()
	cfg := testConfig()
	cfg.RateLimit = &RateLimit{RatePerSec: 0.05, Burst: 1, MaxWait: 60 * time.Second}
	cfg.DisableAdaptiveRateLimit = true
	c := newTestClient(t, cfg)
	if _, err := c.Networks().List(context.Background(), 0, 1); err != nil { // takes the token
		t.Fatal(err)
	}
	return c
}

func TestContextCancelAbortsRateLimiterWait(t *testing.T) {
	c := rateLimitedClient(t)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Networks().List(ctx, 0, 1)
	took := time.Since(start)
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrCanceled and context.Canceled", err)
	}
	if errors.Is(err, ErrTimeout) {
		t.Fatalf("a cancel is not a timeout: %v", err)
	}
	if took < 150*time.Millisecond || took > 5*time.Second {
		t.Fatalf("the call returned after %v; want about 200 ms", took)
	}

	// A deadline is the call's deadline in the library too: the limiter sees at once that
	// the next token (20 s away) comes after it, and refuses without waiting.
	dctx, dcancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer dcancel()
	start = time.Now()
	_, err = c.Collection(FamilyUsers).List(dctx, 0, 1)
	var e *Error
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &e) || e.RetryAfter < 10*time.Second {
		t.Fatalf("deadline: err = %v, want ErrRateLimited with the token's wait as RetryAfter", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("deadline: returned after %v", took)
	}

	// An already-done context fails before reaching C.
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := c.Networks().Get(done, "x"); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCanceled) {
		t.Fatalf("done context: %v", err)
	}
}

func TestFailFastRateLimit(t *testing.T) {
	cfg := testConfig()
	cfg.RateLimit = &RateLimit{RatePerSec: 0.05, Burst: 1, FailFast: true}
	cfg.DisableAdaptiveRateLimit = true
	c := newTestClient(t, cfg)
	if _, err := c.Networks().List(context.Background(), 0, 1); err != nil {
		t.Fatal(err)
	}
	_, err := c.Networks().List(context.Background(), 0, 1)
	var e *Error
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &e) || e.RetryAfter <= 0 || !e.Retryable {
		t.Fatalf("err = %v (%+v), want ErrRateLimited with RetryAfter", err, e)
	}
}

func TestCloseWhileIdle(t *testing.T) {
	c, err := NewClient(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Networks().List(context.Background(), 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Networks().List(context.Background(), 0, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("List after Close: %v", err)
	}
	if _, err := c.Do(context.Background(), "GET", "/networks", nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after Close: %v", err)
	}
	if _, err := c.Metrics(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Metrics after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCloseCancelsWaitingCall(t *testing.T) {
	c := rateLimitedClient(t)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Networks().List(context.Background(), 0, 1) // waits ~20 s in the limiter
		errc <- err
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Close took %v", took)
	}
	err := <-errc
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("the waiting call ended with %v", err)
	}
}

func TestMaxConcurrentCalls(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConcurrentCalls = 2
	c := newTestClient(t, cfg)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Networks().List(context.Background(), 0, 2); err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d calls failed", failed.Load())
	}
}

func TestMetrics(t *testing.T) {
	c := newTestClient(t, testConfig())
	if _, err := c.Networks().List(context.Background(), 0, 1); err != nil {
		t.Fatal(err)
	}
	text, err := c.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "cloudconnexa_requests_total") {
		t.Fatalf("metrics text lacks cloudconnexa_requests_total:\n%s", text)
	}
	js, err := c.MetricsJSON()
	if err != nil || !json.Valid(js) {
		t.Fatalf("MetricsJSON: %v %s", err, js)
	}
}

// Identical GETs share one request in the library; the first caller's cancellation must
// not fail the others (this package runs their calls again).
func TestCoalescedCallSurvivesOtherCallersCancel(t *testing.T) {
	cfg := testConfig()
	cfg.RateLimit = &RateLimit{RatePerSec: 2, Burst: 1, MaxWait: 30 * time.Second}
	cfg.DisableAdaptiveRateLimit = true
	c := newTestClient(t, cfg)
	if _, err := c.Networks().List(context.Background(), 0, 1); err != nil { // takes the token
		t.Fatal(err)
	}
	leaderCtx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	leaderErr := make(chan error, 1)
	go func() {
		_, err := c.Networks().List(leaderCtx, 0, 1) // waits ~0.5 s in the limiter
		leaderErr <- err
	}()
	time.Sleep(50 * time.Millisecond)
	page, err := c.Networks().List(context.Background(), 0, 1) // joins the leader's flight
	if err != nil || len(page.Content) != 1 {
		t.Fatalf("the uncancelled caller got %v", err)
	}
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled caller got %v", err)
	}
}

// A Redis-shared limit on a Redis nobody listens on: every call still completes (the
// client's own limiter takes over). Skipped when the library was built without Redis.
func TestRedisUnreachableFallsBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := fmt.Sprintf("redis://%s/0", l.Addr())
	_ = l.Close()
	cfg := testConfig()
	cfg.Redis = &Redis{URL: dead, Key: "go-test", RatePerSec: 100, Burst: 10, Timeout: 200 * time.Millisecond}
	c, err := NewClient(cfg)
	if err != nil {
		if strings.Contains(err.Error(), "feature `redis`") {
			t.Skip("the library was built without the `redis` feature")
		}
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	for i := 0; i < 5; i++ {
		if _, err := c.Networks().List(context.Background(), 0, 1); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	raw, err := c.MetricsJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Limiter struct {
			RedisFallbacks uint64 `json:"redis_fallbacks"`
		} `json:"limiter"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Limiter.RedisFallbacks < 5 {
		t.Fatalf("redis_fallbacks = %d, want every call (5)", m.Limiter.RedisFallbacks)
	}
	bad := testConfig()
	bad.Redis = &Redis{URL: "http://127.0.0.1:1/"}
	var e *Error
	if _, err := NewClient(bad); !errors.As(err, &e) || e.Code != CodeInvalidParameter || !strings.Contains(e.Message, "Redis") {
		t.Fatalf("a bad Redis URL: %v", err)
	}
}

// readCacheFigures reads, from the client's metrics, the HTTP requests of the networks
// list and the read cache's hits and tokens saved.
func readCacheFigures(t *testing.T, c *Client) (requests, hits, saved uint64) {
	t.Helper()
	raw, err := c.MetricsJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Requests []struct {
			Operation string `json:"operation"`
			Count     uint64 `json:"count"`
		} `json:"requests"`
		ReadCache struct {
			Hits uint64 `json:"hits"`
		} `json:"read_cache"`
		TokensSaved struct {
			Cache uint64 `json:"cache"`
		} `json:"tokens_saved"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, r := range m.Requests {
		if r.Operation == "getNetworksPage" {
			requests += r.Count
		}
	}
	return requests, m.ReadCache.Hits, m.TokensSaved.Cache
}

// With the read cache on, two identical lists make one HTTP request; invalidating the
// family (or every family) sends the next list to the server again.
func TestReadCache(t *testing.T) {
	cfg := testConfig()
	cfg.ReadCache = &ReadCacheConfig{DefaultTTL: time.Minute, TTLByFamily: map[string]time.Duration{"hosts": 0}}
	c := newTestClient(t, cfg)
	ctx := context.Background()
	list := func() {
		t.Helper()
		if _, err := c.Networks().List(ctx, 0, 3); err != nil {
			t.Fatal(err)
		}
	}
	want := func(requests, hits uint64) {
		t.Helper()
		r, h, saved := readCacheFigures(t, c)
		if r != requests || h != hits || saved != hits {
			t.Fatalf("requests %d, hits %d, tokens saved %d; want %d, %d, %d", r, h, saved, requests, hits, hits)
		}
	}
	list()
	list()
	want(1, 1)
	if err := c.InvalidateReadCache("networks"); err != nil {
		t.Fatal(err)
	}
	list()
	want(2, 1)
	if err := c.InvalidateReadCache(""); err != nil { // every family
		t.Fatal(err)
	}
	list()
	list()
	want(3, 2)

	var e *Error
	if err := c.InvalidateReadCache("\xff"); !errors.As(err, &e) || e.Code != CodeInvalidUTF8 {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	_ = c.Close()
	if err := c.InvalidateReadCache("networks"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}

	for _, bad := range []struct {
		rc   ReadCacheConfig
		want string
	}{
		{ReadCacheConfig{MaxBytes: 1023}, "max_bytes"},
		{ReadCacheConfig{MaxEntries: -1}, "max_entries"},
		{ReadCacheConfig{DefaultTTL: 25 * time.Hour}, "default_ttl"},
		{ReadCacheConfig{TTLByFamily: map[string]time.Duration{"/networks": time.Second}}, "family"},
	} {
		cfg := testConfig()
		rc := bad.rc
		cfg.ReadCache = &rc
		if _, err := NewClient(cfg); !errors.As(err, &e) || e.Code != CodeInvalidParameter || !strings.Contains(e.Message, bad.want) {
			t.Fatalf("%+v: %v", bad.rc, err)
		}
	}
}
