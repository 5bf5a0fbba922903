// Package cloudconnexa is the Go binding of the cloudconnexa C library: a blocking,
// thread-safe client for the OpenVPN Cloud Connexa REST API with its own connection
// pool, rate limiter, circuit breaker, retries and metrics.
//
// It links target/release/libcloudconnexa.a statically through cgo (build it first with
// `cargo build --release --lib` in the repository root). One *Client is meant to be
// shared by every goroutine:
//
//	c, err := cloudconnexa.NewClient(cloudconnexa.Config{
//		CloudID:      "acme",
//		ClientID:     os.Getenv("CLOUDCONNEXA_CLIENT_ID"),
//		ClientSecret: os.Getenv("CLOUDCONNEXA_CLIENT_SECRET"),
//	})
//	if err != nil { ... }
//	defer c.Close()
//	page, err := c.Networks().List(ctx, 0, 100)
//	if errors.Is(err, cloudconnexa.ErrNotFound) { ... }
//
// Every call takes a context.Context: when it is done, the call stops waiting (in the
// client-side rate limiter, between retries, for a connection slot) and fails with an
// error matching ErrCanceled and the context's error. A request already on the wire is
// not interrupted; it ends within the configured read timeout. WithTraceparent makes a
// call join the caller's W3C trace.
//
// The library shares one request between identical GETs in flight (coalescing). A call
// that joined another call's request waits for that shared answer even if its own
// context is done; set Config.DisableCoalescing when every call must stop at once. When
// the shared request was cancelled by its first caller, the other callers are not
// failed: this package runs their calls again.
//
// Client.Collection and Client.ChildCollection reach every CRUD family with JSON in and
// out (Client.Networks is its typed view). Every other operation has a typed method on
// its group, generated with the C functions from the operation table
// (docs/OPERATIONS.md): Client.DNSLog(), CyberShield(), AccessVisibility(), Settings(),
// Users(), Devices(), Regions(), Sessions(), AccessGroups(), NetworkConnectors() and
// HostConnectors(), e.g. c.NetworkConnectors().StartIPsec(ctx, id) or
// c.Settings().Set(ctx, "wpc/topology", []byte(`"CUSTOM"`)).
//
// Each call in flight holds an OS thread while it is inside C; Config.MaxConcurrentCalls
// bounds them.
package cloudconnexa
