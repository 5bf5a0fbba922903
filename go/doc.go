// Package cloudconnexa is the Go binding of the cloudconnexa C library: a blocking,
// thread-safe client for the OpenVPN Cloud Connexa REST API with its own connection
// pool, rate limiter, circuit breaker, retries and metrics.
//
// The module is example.invalid/cloudconnexa/go. It links the library found by
// pkg-config (cloudconnexa.pc: installed, or the build tree's target/release through
// PKG_CONFIG_PATH); the build tag ccx_intree links the build tree's static
// target/release/libcloudconnexa.a instead (README.md beside this file). One *Client is
// meant to be shared by every goroutine:
//
//	c, err := cloudconnexa.NewClient(cloudconnexa.Config{
//		CloudID:      "acme",
//		ClientID:     os.Getenv("CLOUDCONNEXA_CLIENT_ID"),
//		ClientSecret: os.Getenv("CLOUDCONNEXA_CLIENT_SECRET"),
//	})
//	if err != nil { ... }
//	defer c.Close()
//	page, err := c.Networks().List(ctx, 0, 100)
//	it := c.Users().All(ctx)
//	for it.Next() { u := it.Value(); ... }
//	if err := it.Err(); err != nil { ... }
//	_, err = c.Networks().Get(ctx, id)
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
// Every family has a typed API, generated with the C functions from the operation table
// (docs/OPERATIONS.md) and with its structs from the OpenAPI document: Client.Networks(),
// Hosts(), Users(), UserGroups(), DevicePostures(), DNSRecords(), AccessGroups(),
// LocationContexts(), NetworkRoutes(), NetworkConnectors(), NetworkIPServices(),
// NetworkApplications(), HostConnectors(), HostIPServices(), HostApplications(),
// Devices(), Regions(), Sessions() and Settings(), with Get, List (one *Page), All (an
// *Iter fetching pages lazily), ListAll, Create, Update and Delete where the API has
// them, and the other operations: c.NetworkConnectors().StartIPsec(ctx, id),
// c.Settings().SetTopology(ctx, "CUSTOM"), c.DNSLog().Enable(ctx)...
// Client.Collection and Client.ChildCollection reach the CRUD families with JSON in and
// out, and Client.Do any request.
//
// Each call in flight holds an OS thread while it is inside C; Config.MaxConcurrentCalls
// bounds them.
package cloudconnexa
