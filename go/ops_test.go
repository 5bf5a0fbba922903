package cloudconnexa

// The generated operation wrappers (ops_gen.go) against the emulator: DNS log, Cyber
// Shield, IPsec, activate and suspend, settings by name.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// wantCode fails unless err is an *Error with code want.
func wantCode(t *testing.T, what string, err error, want Code) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("%s: want code %d, got %v", what, want, err)
	}
}

// mockOps is the emulator's answer count per operation and HTTP status.
func mockOps(t *testing.T) map[string]map[string]int {
	t.Helper()
	resp, err := http.Get(emu.url + "/__mock/stats")
	if err != nil {
		t.Fatalf("emulator stats: %v", err)
	}
	defer resp.Body.Close()
	var s struct {
		Operations map[string]map[string]int `json:"operations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("emulator stats: %v", err)
	}
	return s.Operations
}

// firstID is the id of the first item of a JSON array.
func firstID(t *testing.T, what string, b []byte, err error) string {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var items []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &items); err != nil || len(items) == 0 {
		t.Fatalf("%s: no items (%v): %s", what, err, b)
	}
	return items[0].ID
}

// field reads one top-level string field of a JSON object (dotted: one level down).
func field(t *testing.T, b []byte, err error, name, sub string) string {
	t.Helper()
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not an object: %s", b)
	}
	v := m[name]
	if sub != "" {
		var inner map[string]json.RawMessage
		_ = json.Unmarshal(v, &inner)
		v = inner[sub]
	}
	return string(v)
}

func TestDNSLog(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	log := c.DNSLog()
	if err := log.Enable(ctx); err != nil {
		t.Fatalf("Enable: %v", err)
	}
	if on, err := log.Enabled(ctx); err != nil || !on {
		t.Fatalf("Enabled after Enable: %v %v", on, err)
	}
	hour := time.Now().UTC().Add(-time.Hour).Truncate(time.Hour).Format(time.RFC3339)
	page, err := log.Page(ctx, []byte(fmt.Sprintf(`{"startHour":%q,"hoursBack":2,"size":10}`, hour)))
	if err != nil || !bytes.Contains(page, []byte(`"content"`)) {
		t.Fatalf("Page: %v %s", err, page)
	}
	all, err := log.ListAll(ctx, []byte(fmt.Sprintf(`{"startHour":%q}`, hour)))
	if err != nil || len(all) == 0 || all[0] != '[' {
		t.Fatalf("ListAll: %v %s", err, all)
	}
	_, err = log.Page(ctx, []byte(`{"hoursBack":1}`))
	wantCode(t, "Page without startHour", err, CodeInvalidJSON)
	_, err = log.Page(ctx, []byte(`{"startHour":"now"}`))
	wantCode(t, "Page with a bad date", err, CodeInvalidParameter)
	if err := log.Disable(ctx); err != nil {
		t.Fatalf("Disable: %v", err)
	}
	if on, err := log.Enabled(ctx); err != nil || on {
		t.Fatalf("Enabled after Disable: %v %v", on, err)
	}
}

func TestCyberShield(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	cs := c.CyberShield()
	before := mockOps(t)
	steps := []struct {
		op   string
		call func() error
	}{
		{"blockListAddDomains", func() error {
			return cs.BlockListAdd(ctx, []byte(`[{"domain":"ads.go.example","comment":"ads"}]`))
		}},
		{"blockListRemoveDomains", func() error { return cs.BlockListRemove(ctx, []byte(`["ads.go.example"]`)) }},
		{"allowListAddDomains", func() error { return cs.AllowListAdd(ctx, []byte(`[{"domain":"ok.go.example"}]`)) }},
		{"allowListRemoveDomains", func() error { return cs.AllowListRemove(ctx, []byte(`["ok.go.example"]`)) }},
	}
	for _, s := range steps {
		if err := s.call(); err != nil {
			t.Fatalf("%s: %v", s.op, err)
		}
	}
	// the API has no call that reads the lists: the emulator counts what it accepted
	after := mockOps(t)
	for _, s := range steps {
		if after[s.op]["200"] != before[s.op]["200"]+1 {
			t.Fatalf("%s: the emulator answered %v times 200 (before: %v)", s.op, after[s.op], before[s.op])
		}
	}
	wantCode(t, "add without a domain", cs.BlockListAdd(ctx, []byte(`[{"comment":"x"}]`)), CodeInvalidJSON)
	wantCode(t, "add of nothing", cs.AllowListAdd(ctx, []byte(`[]`)), CodeInvalidParameter)
	wantCode(t, "remove of nothing", cs.BlockListRemove(ctx, []byte(`[]`)), CodeInvalidParameter)
}

func TestIPsecStartStop(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	nb, err := c.Collection(FamilyNetworks).Create(ctx, []byte(`{"name":"go-ipsec","tunnelingProtocol":"IPSEC"}`))
	if err != nil {
		t.Fatalf("network create: %v", err)
	}
	netID := field(t, nb, nil, "id", "")
	var id string
	_ = json.Unmarshal([]byte(netID), &id)
	netID = id
	defer func() { _ = c.Collection(FamilyNetworks).Delete(ctx, netID) }()
	conns := c.ChildCollection(FamilyNetworkConnectors)
	cb, err := conns.Create(ctx, netID, []byte(`{"name":"go-ipsec-conn","vpnRegionId":"us-east-1","ipSecConfig":`+
		`{"platform":"AWS","authenticationType":"SHARED_SECRET","remoteSitePublicIp":"203.0.113.9",`+
		`"preSharedKey":"s3cret-key","hostname":"vpn.go.example"}}`))
	if err != nil {
		t.Fatalf("connector create: %v", err)
	}
	_ = json.Unmarshal([]byte(field(t, cb, nil, "id", "")), &id)
	nc := c.NetworkConnectors()
	if err := nc.StopIPsec(ctx, id); err != nil {
		t.Fatalf("StopIPsec: %v", err)
	}
	b, err := conns.Get(ctx, id)
	if got := field(t, b, err, "ipSecConfig", "connectorState"); got != `"SUSPENDED"` {
		t.Fatalf("after StopIPsec: %s", got)
	}
	if err := nc.StartIPsec(ctx, id); err != nil {
		t.Fatalf("StartIPsec: %v", err)
	}
	b, err = conns.Get(ctx, id)
	if got := field(t, b, err, "ipSecConfig", "connectorState"); got != `"ACTIVE"` {
		t.Fatalf("after StartIPsec: %s", got)
	}
	err = nc.StartIPsec(ctx, "no-such-connector")
	wantCode(t, "StartIPsec of an unknown connector", err, CodeHTTPStatus)
	wantCode(t, "StartIPsec with an empty id", nc.StartIPsec(ctx, ""), CodeInvalidParameter)
}

func TestActivateSuspend(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()

	users := c.Collection(FamilyUsers)
	page, err := users.List(ctx, 0, 1)
	var p struct {
		Content json.RawMessage `json:"content"`
	}
	if err == nil {
		err = json.Unmarshal(page, &p)
	}
	userID := firstID(t, "users", p.Content, err)
	if err := c.Users().Suspend(ctx, userID); err != nil {
		t.Fatalf("Users.Suspend: %v", err)
	}
	b, err := users.Get(ctx, userID)
	if got := field(t, b, err, "status", ""); got != `"SUSPENDED"` {
		t.Fatalf("after Users.Suspend: %s", got)
	}
	if err := c.Users().Activate(ctx, userID); err != nil {
		t.Fatalf("Users.Activate: %v", err)
	}
	b, err = users.Get(ctx, userID)
	if got := field(t, b, err, "status", ""); got != `"ACTIVE"` {
		t.Fatalf("after Users.Activate: %s", got)
	}

	type twin struct {
		name              string
		col               *ChildCollection
		suspend, activate func(context.Context, string) error
	}
	for _, tw := range []twin{
		{"network connector", c.ChildCollection(FamilyNetworkConnectors), c.NetworkConnectors().Suspend, c.NetworkConnectors().Activate},
		{"host connector", c.ChildCollection(FamilyHostConnectors), c.HostConnectors().Suspend, c.HostConnectors().Activate},
	} {
		all, err := tw.col.ListAll(ctx, "")
		id := firstID(t, tw.name+"s", all, err)
		if err := tw.suspend(ctx, id); err != nil {
			t.Fatalf("%s suspend: %v", tw.name, err)
		}
		b, err := tw.col.Get(ctx, id)
		if got := field(t, b, err, "licensed", ""); got != "false" {
			t.Fatalf("%s after suspend: licensed %s", tw.name, got)
		}
		if err := tw.activate(ctx, id); err != nil {
			t.Fatalf("%s activate: %v", tw.name, err)
		}
		b, err = tw.col.Get(ctx, id)
		if got := field(t, b, err, "licensed", ""); got != "true" {
			t.Fatalf("%s after activate: licensed %s", tw.name, got)
		}
	}
}

func TestSettingsByName(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	s := c.Settings()
	names, err := s.Names()
	if err != nil || !bytes.Contains(names, []byte(`"wpc/topology"`)) {
		t.Fatalf("Names: %v %s", err, names)
	}
	before, err := s.Get(ctx, "wpc/topology")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer func() { _, _ = s.Set(ctx, "wpc/topology", before) }()
	for _, v := range []string{`"CUSTOM"`, `"FULL_MESH"`} {
		got, err := s.Set(ctx, "wpc/topology", []byte(v))
		if err != nil || string(got) != v {
			t.Fatalf("Set %s: %v %s", v, err, got)
		}
		if got, err := s.Get(ctx, "wpc/topology"); err != nil || string(got) != v {
			t.Fatalf("Get after Set %s: %v %s", v, err, got)
		}
	}
	if got, err := s.Set(ctx, "user/device-allowance", []byte("4")); err != nil || string(got) != "4" {
		t.Fatalf("Set device allowance: %v %s", err, got)
	}
	_, err = s.Set(ctx, "wpc/snat", []byte(`"yes"`))
	wantCode(t, "Set of the wrong type", err, CodeInvalidJSON)
	_, err = s.Set(ctx, "wpc/topology", []byte(`"STAR"`))
	wantCode(t, "Set of an unknown enum value", err, CodeInvalidJSON)
	_, err = s.Get(ctx, "wpc/nope")
	wantCode(t, "Get of an unknown name", err, CodeInvalidParameter)
	_, err = s.Set(ctx, "auth/saml/group-mappings", []byte(`{}`))
	wantCode(t, "Set of a read-only setting", err, CodeInvalidParameter)
}
