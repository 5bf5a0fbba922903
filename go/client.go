package cloudconnexa

/*
#include <stdbool.h>
#include <stdint.h>
#include "cloudconnexa.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

// RateLimit is a client-side token bucket: RatePerSec tokens per second, Burst capacity.
// At an empty bucket a call waits up to MaxWait, or with FailFast fails at once with
// ErrRateLimited. A rate and burst set here are a ceiling: the server's X-RateLimit-*
// headers and the fair share of a key used by other processes lower them, never raise them.
type RateLimit struct {
	RatePerSec float64
	Burst      uint32
	MaxWait    time.Duration
	FailFast   bool
}

// Redis shares one rate limit through Redis with every process that uses the same key.
// Turn it on when several processes (services, workers, hosts) call the API with one API
// key; one process does not need it. Cost: one Redis round trip per call. When Redis
// fails (error, timeout, cluster failover), calls use the client's own adaptive limiter,
// and Redis is tried again after RetryAfter; sharing resumes once it answers. Needs a
// library built with Redis support (the cargo feature `redis`).
type Redis struct {
	// URL: redis://[:password@]host:port/db, rediss://… (TLS), or a comma-separated list
	// of Redis Cluster seed URLs.
	URL string
	// ClusterSeeds: Redis Cluster seed URLs (cluster mode even with one); wins over URL.
	ClusterSeeds []string
	// Key of the shared bucket; default cloudconnexa:{<api host>:<client id>}.
	Key string
	// CAPEM: check rediss:// servers against this CA (PEM) instead of the bundled roots.
	CAPEM []byte
	// RatePerSec and Burst: the shared bucket, the whole fleet's; set them to the API
	// key's limit. RatePerSec 0 keeps the default (the real service's: 1 per 15 s, 20).
	// Burst 0 with a rate means 20.
	RatePerSec float64
	Burst      uint32
	// Timeout: the Redis time budget of one call (default 100 ms); RetryAfter: how long
	// after a Redis failure calls use the local limiter before Redis is tried again
	// (default 1 s).
	Timeout    time.Duration
	RetryAfter time.Duration
}

// ReadCacheConfig switches on the fresh-read cache: a GET answered 2xx is answered again
// from memory, with no HTTP request and no rate-limit token spent, while it is younger than
// its family's time to live. A POST, PUT or DELETE made through the client drops the cached
// answers of its family. Changes made elsewhere (another process, the Admin portal) are not
// seen: the time to live bounds how stale an answer can be, and Client.InvalidateReadCache
// drops answers on request. Out-of-range values make NewClient fail with
// CodeInvalidParameter naming the field.
type ReadCacheConfig struct {
	// DefaultTTL: time to live of the families not in TTLByFamily, at most 24 h. 0 keeps
	// the default (30 s); a negative value caches only the families in TTLByFamily.
	DefaultTTL time.Duration
	// TTLByFamily: time to live per family ("networks", "hosts", "users", "user-groups",
	// "dns-records", ...: the first path segment after the API version; children of
	// networks and hosts belong to their parent, devices to "users"). 0 leaves that family
	// uncached.
	TTLByFamily map[string]time.Duration
	// MaxEntries: most answers kept (1..1000000); 0 keeps the default, 1024.
	MaxEntries int
	// MaxBytes: most bytes kept (bodies, headers and keys; at least 1024); 0 keeps the
	// default, 32 MiB.
	MaxBytes uint64
}

// Retry is the retry policy. Zero BackoffFactor / BackoffMax take the defaults (500 ms,
// 120 s). MaxRetries 0 disables retries.
type Retry struct {
	MaxRetries         uint32
	BackoffFactor      time.Duration
	BackoffMax         time.Duration
	NoJitter           bool
	RetryNonIdempotent bool
	// Codes are the HTTP statuses worth retrying; nil keeps 408, 429, 500, 502, 503, 504.
	Codes []uint16
}

// CircuitBreaker configures the breaker (per host, or per host and operation). Zero
// values take the defaults (10 failures, 300 s, 1 probe, 1 success).
type CircuitBreaker struct {
	Disabled         bool
	FailureThreshold uint32
	Recovery         time.Duration
	HalfOpenMaxCalls uint32
	SuccessThreshold uint32
	Count429         bool
	PerOperation     bool
}

// Pool configures the connection pool. Zero values take the defaults (50 idle per host,
// 20 hosts, 50 s idle timeout).
type Pool struct {
	MaxIdlePerHost int
	MaxHosts       int
	IdleTimeout    time.Duration
	// MaxConnectionsPerHost caps the connections open to one host (0: no cap); at the
	// cap a call waits up to SlotWait, or fails at once with FailFast (ErrPoolExhausted).
	MaxConnectionsPerHost int
	SlotWait              time.Duration
	FailFast              bool
}

// TLSRoots selects the trust roots.
type TLSRoots uint32

const (
	TLSRootsBundled TLSRoots = 0 // the bundled Mozilla roots (default)
	TLSRootsSystem  TLSRoots = 1 // the system's CA bundle
	TLSRootsCustom  TLSRoots = 2 // only CAPEM
)

// Config describes a client. Zero values keep the library's defaults.
type Config struct {
	APIURL       string // e.g. https://acme.api.openvpn.com
	CloudID      string // or the tenant name: https://<CloudID>.api.openvpn.com
	ClientID     string // required
	ClientSecret string // required
	APIVersion   string // default v1
	UserAgent    string

	// AllowInsecureHTTP allows plain http:// to a loopback host (the local emulator).
	AllowInsecureHTTP bool
	Proxy             string // http://host:port
	ProxyFromEnv      bool

	ConnectTimeout time.Duration // default 5 s
	ReadTimeout    time.Duration // default 30 s: the longest idle wait for any read of the head or body
	// ResponseHeadTimeout bounds the whole response head of one attempt (0: no bound of its own).
	ResponseHeadTimeout time.Duration
	CallTimeout         time.Duration // a whole call, retries included; default 120 s

	MaxResponseBytes uint64
	TLSRoots         TLSRoots
	CAPEM            []byte

	Pool           *Pool
	Retry          *Retry
	CircuitBreaker *CircuitBreaker
	// RateLimit: nil keeps the default (no limit of its own until the server's rate-limit
	// headers describe one); DisableRateLimit removes client-side limiting.
	RateLimit        *RateLimit
	DisableRateLimit bool
	WriteRateLimit   *RateLimit
	// DisableAdaptiveRateLimit stops following the server's X-RateLimit-* headers.
	DisableAdaptiveRateLimit bool
	DisableCoalescing        bool
	StaleIfError             time.Duration
	// Redis: nil (the default) keeps rate limiting to this process.
	Redis *Redis
	// ReadCache: nil (the default) leaves the fresh-read cache off.
	ReadCache *ReadCacheConfig

	// MaxConcurrentCalls bounds the calls in flight through this Go client (each one
	// holds an OS thread while in C); 0 means no bound.
	MaxConcurrentCalls int
}

// Client is a Cloud Connexa client. It is safe for concurrent use by any number of
// goroutines; share one. Close it when done.
type Client struct {
	mu      sync.RWMutex // RLock around every C call; Lock in Close
	ptr     *C.ccx_client
	closing chan struct{} // closed by Close: cancels the calls in flight
	once    sync.Once
	sem     chan struct{}
}

// NewClient validates cfg and builds a client.
func NewClient(cfg Config) (*Client, error) {
	var conf *C.ccx_client_config
	if rc := C.ccx_client_config_new(&conf); rc != 0 {
		return nil, setterError(Code(rc), "ccx_client_config_new")
	}
	defer C.ccx_client_config_free(conf)
	if err := applyConfig(conf, &cfg); err != nil {
		return nil, err
	}
	var cl *C.ccx_client
	var cerr *C.ccx_error
	if rc := C.ccx_client_build(conf, &cl, &cerr); rc != 0 {
		return nil, takeError(rc, cerr)
	}
	c := &Client{ptr: cl, closing: make(chan struct{})}
	if cfg.MaxConcurrentCalls > 0 {
		c.sem = make(chan struct{}, cfg.MaxConcurrentCalls)
	}
	// A safety net only: call Close.
	runtime.SetFinalizer(c, func(c *Client) { _ = c.Close() })
	return c, nil
}

func ms(d time.Duration) C.uint64_t {
	if d <= 0 {
		return 0
	}
	return C.uint64_t(d / time.Millisecond)
}

func applyConfig(conf *C.ccx_client_config, cfg *Config) error {
	type step struct {
		name string
		run  func() C.ccx_code
	}
	str := func(name string, v string, f func(*C.char, C.size_t) C.ccx_code) step {
		return step{name, func() C.ccx_code {
			if v == "" {
				return 0
			}
			p, n := strArg(v)
			return f(p, n)
		}}
	}
	steps := []step{
		str("api_url", cfg.APIURL, func(p *C.char, n C.size_t) C.ccx_code { return C.ccx_client_config_set_api_url(conf, p, n) }),
		str("cloud_id", cfg.CloudID, func(p *C.char, n C.size_t) C.ccx_code { return C.ccx_client_config_set_cloud_id(conf, p, n) }),
		str("client_id", cfg.ClientID, func(p *C.char, n C.size_t) C.ccx_code { return C.ccx_client_config_set_client_id(conf, p, n) }),
		str("client_secret", cfg.ClientSecret, func(p *C.char, n C.size_t) C.ccx_code {
			return C.ccx_client_config_set_client_secret(conf, p, n)
		}),
		str("api_version", cfg.APIVersion, func(p *C.char, n C.size_t) C.ccx_code {
			return C.ccx_client_config_set_api_version(conf, p, n)
		}),
		str("user_agent", cfg.UserAgent, func(p *C.char, n C.size_t) C.ccx_code {
			return C.ccx_client_config_set_user_agent(conf, p, n)
		}),
		str("proxy", cfg.Proxy, func(p *C.char, n C.size_t) C.ccx_code { return C.ccx_client_config_set_proxy(conf, p, n) }),
		{"proxy_from_env", func() C.ccx_code {
			return C.ccx_client_config_set_proxy_from_env(conf, C.bool(cfg.ProxyFromEnv))
		}},
		{"allow_insecure_http", func() C.ccx_code {
			return C.ccx_client_config_set_allow_insecure_http(conf, C.bool(cfg.AllowInsecureHTTP))
		}},
		{"timeouts", func() C.ccx_code {
			return C.ccx_client_config_set_timeouts(conf, ms(cfg.ConnectTimeout), ms(cfg.ReadTimeout), ms(cfg.CallTimeout))
		}},
		{"response_head_timeout", func() C.ccx_code {
			return C.ccx_client_config_set_response_head_timeout(conf, ms(cfg.ResponseHeadTimeout))
		}},
		{"max_response_bytes", func() C.ccx_code {
			if cfg.MaxResponseBytes == 0 {
				return 0
			}
			return C.ccx_client_config_set_max_response_bytes(conf, C.uint64_t(cfg.MaxResponseBytes))
		}},
		{"tls_roots", func() C.ccx_code { return C.ccx_client_config_set_tls_roots(conf, C.uint32_t(cfg.TLSRoots)) }},
		{"ca_pem", func() C.ccx_code {
			if len(cfg.CAPEM) == 0 {
				return 0
			}
			p, n := bytesArg(cfg.CAPEM)
			return C.ccx_client_config_add_ca_pem(conf, p, n)
		}},
		{"pool", func() C.ccx_code {
			p := cfg.Pool
			if p == nil {
				return 0
			}
			idle, hosts, idleT := p.MaxIdlePerHost, p.MaxHosts, p.IdleTimeout
			if idle == 0 {
				idle = 50
			}
			if hosts == 0 {
				hosts = 20
			}
			if idleT == 0 {
				idleT = 50 * time.Second
			}
			if rc := C.ccx_client_config_set_pool(conf, C.size_t(idle), C.size_t(hosts), ms(idleT)); rc != 0 {
				return rc
			}
			return C.ccx_client_config_set_max_connections_per_host(conf, C.size_t(p.MaxConnectionsPerHost), ms(p.SlotWait), C.bool(p.FailFast))
		}},
		{"retry", func() C.ccx_code {
			r := cfg.Retry
			if r == nil {
				return 0
			}
			factor, max := r.BackoffFactor, r.BackoffMax
			if factor == 0 {
				factor = 500 * time.Millisecond
			}
			if max == 0 {
				max = 120 * time.Second
			}
			if rc := C.ccx_client_config_set_retry(conf, C.uint32_t(r.MaxRetries), ms(factor), ms(max), C.bool(!r.NoJitter), C.bool(r.RetryNonIdempotent)); rc != 0 {
				return rc
			}
			if r.Codes == nil {
				return 0
			}
			codes := make([]C.uint16_t, len(r.Codes))
			for i, v := range r.Codes {
				codes[i] = C.uint16_t(v)
			}
			if len(codes) == 0 {
				return C.ccx_client_config_set_retry_codes(conf, nil, 0)
			}
			return C.ccx_client_config_set_retry_codes(conf, &codes[0], C.size_t(len(codes)))
		}},
		{"circuit_breaker", func() C.ccx_code {
			b := cfg.CircuitBreaker
			if b == nil {
				return 0
			}
			th, rec, half, succ := b.FailureThreshold, b.Recovery, b.HalfOpenMaxCalls, b.SuccessThreshold
			if th == 0 {
				th = 10
			}
			if rec == 0 {
				rec = 300 * time.Second
			}
			if half == 0 {
				half = 1
			}
			if succ == 0 {
				succ = 1
			}
			return C.ccx_client_config_set_circuit_breaker(conf, C.bool(!b.Disabled), C.uint32_t(th), ms(rec),
				C.uint32_t(half), C.uint32_t(succ), C.bool(b.Count429), C.bool(b.PerOperation))
		}},
		{"rate_limit", func() C.ccx_code {
			if cfg.DisableRateLimit {
				return C.ccx_client_config_set_rate_limit(conf, false, 1, 1, 0, false)
			}
			l := cfg.RateLimit
			if l == nil {
				return 0
			}
			return C.ccx_client_config_set_rate_limit(conf, true, C.double(l.RatePerSec), C.uint32_t(l.Burst), ms(l.MaxWait), C.bool(l.FailFast))
		}},
		{"write_rate_limit", func() C.ccx_code {
			l := cfg.WriteRateLimit
			if l == nil {
				return 0
			}
			return C.ccx_client_config_set_write_rate_limit(conf, true, C.double(l.RatePerSec), C.uint32_t(l.Burst), ms(l.MaxWait), C.bool(l.FailFast))
		}},
		{"adaptive_rate_limit", func() C.ccx_code {
			return C.ccx_client_config_set_adaptive_rate_limit(conf, C.bool(!cfg.DisableAdaptiveRateLimit))
		}},
		{"coalesce_gets", func() C.ccx_code {
			return C.ccx_client_config_set_coalesce_gets(conf, C.bool(!cfg.DisableCoalescing))
		}},
		{"stale_if_error", func() C.ccx_code { return C.ccx_client_config_set_stale_if_error(conf, ms(cfg.StaleIfError)) }},
		// the Redis setters fail only on a library built without Redis (or on bad UTF-8)
		{"redis (needs a library built with the cargo feature `redis`)", func() C.ccx_code {
			r := cfg.Redis
			if r == nil {
				return 0
			}
			if len(r.CAPEM) > 0 {
				p, n := bytesArg(r.CAPEM)
				if rc := C.ccx_client_config_set_redis_ca_pem(conf, p, n); rc != 0 {
					return rc
				}
			}
			if r.Key != "" {
				p, n := strArg(r.Key)
				if rc := C.ccx_client_config_set_redis_key(conf, p, n); rc != 0 {
					return rc
				}
			}
			burst := r.Burst
			if burst == 0 {
				burst = 20
			}
			if rc := C.ccx_client_config_set_redis_limit(conf, C.double(r.RatePerSec), C.uint32_t(burst), ms(r.Timeout), ms(r.RetryAfter)); rc != 0 {
				return rc
			}
			if len(r.ClusterSeeds) > 0 {
				p, n := strArg(strings.Join(r.ClusterSeeds, ","))
				return C.ccx_client_config_set_redis_cluster(conf, p, n)
			}
			p, n := strArg(r.URL)
			return C.ccx_client_config_set_redis_url(conf, p, n)
		}},
		{"read_cache", func() C.ccx_code {
			r := cfg.ReadCache
			if r == nil {
				return 0
			}
			ttl := r.DefaultTTL
			switch {
			case ttl == 0:
				ttl = 30 * time.Second
			case ttl < 0:
				ttl = 0
			}
			// a negative MaxEntries wraps to a huge size_t, which the build refuses naming max_entries
			if rc := C.ccx_client_config_set_read_cache(conf, ms(ttl), C.size_t(r.MaxEntries), C.uint64_t(r.MaxBytes)); rc != 0 {
				return rc
			}
			for family, t := range r.TTLByFamily {
				p, n := strArg(family)
				if rc := C.ccx_client_config_set_read_cache_ttl(conf, p, n, ms(t)); rc != 0 {
					return rc
				}
			}
			return 0
		}},
	}
	for _, s := range steps {
		if rc := s.run(); rc != 0 {
			return setterError(Code(rc), "config "+s.name)
		}
	}
	return nil
}

// Close releases the client. Calls in flight are cancelled (they fail with an error
// matching ErrCanceled and ErrClosed) and Close waits for them to return (a request
// already on the wire ends within the read timeout); later calls fail with ErrClosed.
// Closing twice is harmless.
func (c *Client) Close() error {
	c.once.Do(func() { close(c.closing) })
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr != nil {
		C.ccx_client_free(c.ptr)
		c.ptr = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

type traceparentKey struct{}

// WithTraceparent returns a context whose calls carry this W3C traceparent
// ("00-<32 hex>-<16 hex>-<2 hex>"): every request of the call joins that trace.
func WithTraceparent(ctx context.Context, traceparent string) context.Context {
	return context.WithValue(ctx, traceparentKey{}, traceparent)
}

// callFn is one C call: the client, the call options (may be NULL) and the error slot.
type callFn func(cl *C.ccx_client, opts *C.ccx_call_options, errOut **C.ccx_error) C.ccx_code

// call runs f under the read lock with a cancel token tied to ctx and to Close.
func (c *Client) call(ctx context.Context, f callFn) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return &Error{Code: CodeCancelled, Message: "the context was done before the call", cause: err}
	}
	if c.sem != nil {
		select {
		case c.sem <- struct{}{}:
			defer func() { <-c.sem }()
		case <-ctx.Done():
			return &Error{Code: CodeCancelled, Message: "the context was done while waiting for a call slot", cause: ctx.Err()}
		}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return ErrClosed
	}

	var opts *C.ccx_call_options
	if rc := C.ccx_call_options_new(&opts); rc != 0 {
		return setterError(Code(rc), "ccx_call_options_new")
	}
	defer C.ccx_call_options_free(opts)
	if tp, ok := ctx.Value(traceparentKey{}).(string); ok {
		p, n := strArg(tp)
		if rc := C.ccx_call_options_set_traceparent(opts, p, n); rc != 0 {
			return &Error{Code: Code(rc), Message: fmt.Sprintf("traceparent %q is not a W3C traceparent", tp)}
		}
	}
	// A context deadline bounds the call in the library too (rounded up to the next
	// millisecond; the watcher below cancels at the deadline itself).
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		ms := uint64(1)
		if left > 0 {
			ms = uint64((left + time.Millisecond - 1) / time.Millisecond)
		}
		if rc := C.ccx_call_options_set_timeout_ms(opts, C.uint64_t(ms)); rc != 0 {
			return setterError(Code(rc), "ccx_call_options_set_timeout_ms")
		}
	}
	var tok *C.ccx_cancel_token
	if rc := C.ccx_cancel_token_new(&tok); rc != 0 {
		return setterError(Code(rc), "ccx_cancel_token_new")
	}
	defer C.ccx_cancel_token_free(tok) // after the watcher below has stopped (defers run last-in first-out)
	if rc := C.ccx_call_options_set_cancel(opts, tok); rc != 0 {
		return setterError(Code(rc), "ccx_call_options_set_cancel")
	}
	// Watch ctx and Close for the call's duration; the token is freed only after the
	// watcher has exited, so it never cancels a freed token.
	stop, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-ctx.Done():
			C.ccx_cancel_token_cancel(tok)
		case <-c.closing:
			C.ccx_cancel_token_cancel(tok)
		case <-stop:
		}
	}()
	defer func() {
		close(stop)
		<-exited
	}()

	for attempt := 1; ; attempt++ {
		var cerr *C.ccx_error
		rc := f(c.ptr, opts, &cerr)
		if rc == 0 {
			return nil
		}
		e := takeError(rc, cerr)
		// A context deadline reads as a timeout (ErrTimeout, context.DeadlineExceeded),
		// whether the library's bound or the watcher's cancel ended the call first.
		if (e.Code == CodeCancelled || e.Code == CodeTimeout) && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			e.Code, e.cause = CodeTimeout, ctx.Err()
			return e
		}
		if e.Code != CodeCancelled {
			return e
		}
		// Our token is cancelled only after ctx is done or Close began, so either of those
		// is the cause...
		if err := ctx.Err(); err != nil {
			e.cause = err
			return e
		}
		select {
		case <-c.closing:
			e.cause = ErrClosed
			return e
		default:
		}
		// ...and otherwise the cancellation was another caller's: the library shares one
		// in-flight GET between identical calls (coalescing), including its leader's
		// cancellation. Run the call again (only GETs are coalesced, so this is safe).
		if attempt >= maxForeignCancelRetries {
			return e
		}
	}
}

// maxForeignCancelRetries bounds the re-runs of a call that got another caller's cancellation.
const maxForeignCancelRetries = 4

// Response is the answer of Do.
type Response struct {
	Status int
	Body   []byte
}

// Do sends a raw request through the same pipeline as the typed calls (limiter, breaker,
// retries, token): method GET, POST, PUT or DELETE; path below the API prefix (e.g.
// "/networks"); query parameters (may be nil); a JSON body (may be nil). Statuses other
// than 2xx are errors (*Error with Status and Body).
func (c *Client) Do(ctx context.Context, method, path string, query map[string]string, body []byte) (*Response, error) {
	var m C.uint32_t
	switch strings.ToUpper(method) {
	case "GET":
		m = C.CCX_METHOD_GET
	case "POST":
		m = C.CCX_METHOD_POST
	case "PUT":
		m = C.CCX_METHOD_PUT
	case "DELETE":
		m = C.CCX_METHOD_DELETE
	default:
		return nil, &Error{Code: CodeInvalidParameter, Message: fmt.Sprintf("method %q is not GET, POST, PUT or DELETE", method)}
	}
	var q []byte
	if len(query) > 0 {
		var err error
		if q, err = json.Marshal(query); err != nil {
			return nil, err
		}
	}
	var status C.uint16_t
	var out C.ccx_bytes
	err := c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		pp, pn := strArg(path)
		qp, qn := bytesArg(q)
		bp, bn := bytesArg(body)
		return C.ccx_client_request(cl, m, pp, pn, qp, qn, bp, bn, o, &status, &out, e)
	})
	if err != nil {
		return nil, err
	}
	return &Response{Status: int(status), Body: takeBytes(&out)}, nil
}

// Metrics returns the client's metrics in the Prometheus text format (cloudconnexa_ prefix).
func (c *Client) Metrics() (string, error) {
	b, err := c.metrics(true)
	return string(b), err
}

// MetricsJSON returns the client's metrics as JSON.
func (c *Client) MetricsJSON() ([]byte, error) {
	return c.metrics(false)
}

// InvalidateReadCache drops the fresh-read cache's answers of family ("networks", "hosts",
// ...; "" drops every family), so that the next read of them goes to the server. Use it
// after changes made elsewhere (another process, the Admin portal); writes made through
// this client invalidate their family by themselves. Sends nothing; does nothing without a
// ReadCache. Safe for concurrent use.
func (c *Client) InvalidateReadCache(family string) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return ErrClosed
	}
	p, n := strArg(family)
	if rc := C.ccx_client_invalidate_read_cache(c.ptr, p, n); rc != 0 {
		return setterError(Code(rc), "InvalidateReadCache")
	}
	return nil
}

func (c *Client) metrics(prom bool) ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return nil, ErrClosed
	}
	var out C.ccx_bytes
	var rc C.ccx_code
	if prom {
		rc = C.ccx_client_metrics_prometheus(c.ptr, &out)
	} else {
		rc = C.ccx_client_metrics_json(c.ptr, &out)
	}
	if rc != 0 {
		return nil, setterError(Code(rc), "metrics")
	}
	return takeBytes(&out), nil
}
