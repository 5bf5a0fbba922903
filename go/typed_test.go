package cloudconnexa

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// typedCase drives one typed family through create, get, update, List, All, ListAll
// and delete against the emulator.
type typedCase[T any] struct {
	name    string
	id      func(*T) string
	label   func(*T) string // the field update changes
	create  func(ctx context.Context) (*T, error)
	update  func(ctx context.Context, id string) (*T, error)
	updated string // label after update
	get     func(ctx context.Context, id string) (*T, error)
	list    func(ctx context.Context, page, size uint32) (*Page[T], error)
	all     func(ctx context.Context) *Iter[T]
	listAll func(ctx context.Context) ([]T, error)
	del     func(ctx context.Context, id string) error
	// gone400: a missing item is an HTTP 400, not a 404 (DNS records, as the real
	// service answers them).
	gone400 bool
}

// gone reports whether err says that the item is not there.
func (tc typedCase[T]) gone(err error) bool {
	if !tc.gone400 {
		return errors.Is(err, ErrNotFound)
	}
	var e *Error
	return errors.As(err, &e) && e.Code == CodeHTTPStatus && e.Status == 400
}

func (tc typedCase[T]) run(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	created, err := tc.create(ctx)
	if err != nil {
		t.Fatalf("%s Create: %v", tc.name, err)
	}
	id := tc.id(created)
	if id == "" {
		t.Fatalf("%s Create answered no id: %+v", tc.name, created)
	}
	deleted := false
	defer func() {
		if !deleted {
			_ = tc.del(ctx, id)
		}
	}()
	got, err := tc.get(ctx, id)
	if err != nil || tc.id(got) != id || tc.label(got) != tc.label(created) {
		t.Fatalf("%s Get(%s) = %+v, %v; created %+v", tc.name, id, got, err, created)
	}
	upd, err := tc.update(ctx, id)
	if err != nil || tc.id(upd) != id || tc.label(upd) != tc.updated {
		t.Fatalf("%s Update = %+v, %v; want %q", tc.name, upd, err, tc.updated)
	}
	if got, err = tc.get(ctx, id); err != nil || tc.label(got) != tc.updated {
		t.Fatalf("%s Get after Update = %+v, %v", tc.name, got, err)
	}

	// List: a page of 2 at most, and the created item on one of the pages.
	p, err := tc.list(ctx, 0, 2)
	if err != nil || p.Size != 2 || len(p.Content) > 2 || len(p.Content) == 0 || p.TotalElements < 1 {
		t.Fatalf("%s List(0, 2) = %+v, %v", tc.name, p, err)
	}
	onPage := false
	for page := uint32(0); int(page) < p.TotalPages && !onPage; page++ {
		q, err := tc.list(ctx, page, 2)
		if err != nil {
			t.Fatalf("%s List(%d, 2): %v", tc.name, page, err)
		}
		for i := range q.Content {
			onPage = onPage || tc.id(&q.Content[i]) == id
		}
	}
	if !onPage {
		t.Fatalf("%s: %s on no page of List (%d pages)", tc.name, id, p.TotalPages)
	}

	// All and ListAll see the same items, each once, the created one among them.
	seen := map[string]bool{}
	it := tc.all(ctx)
	for it.Next() {
		v := it.Value()
		if seen[tc.id(&v)] {
			t.Fatalf("%s All: %s twice", tc.name, tc.id(&v))
		}
		seen[tc.id(&v)] = true
	}
	if err := it.Err(); err != nil {
		t.Fatalf("%s All: %v", tc.name, err)
	}
	all, err := tc.listAll(ctx)
	if err != nil {
		t.Fatalf("%s ListAll: %v", tc.name, err)
	}
	if !seen[id] || len(seen) != len(all) || int64(len(all)) != p.TotalElements {
		t.Fatalf("%s: All saw %d (created among them: %v), ListAll %d, List's total %d",
			tc.name, len(seen), seen[id], len(all), p.TotalElements)
	}
	for i := range all {
		if !seen[tc.id(&all[i])] {
			t.Fatalf("%s: ListAll has %s, All does not", tc.name, tc.id(&all[i]))
		}
	}

	if err := tc.del(ctx, id); err != nil {
		t.Fatalf("%s Delete: %v", tc.name, err)
	}
	deleted = true
	if _, err := tc.get(ctx, id); !tc.gone(err) {
		t.Fatalf("%s Get after Delete: %v, want ErrNotFound", tc.name, err)
	}
	if err := tc.del(ctx, id); !tc.gone(err) {
		t.Fatalf("%s Delete twice: %v, want ErrNotFound", tc.name, err)
	}
}

// aRegion is the id of a VPN region of the emulator.
func aRegion(t *testing.T, c *Client) string {
	t.Helper()
	rs, err := c.Regions().List(context.Background())
	if err != nil || len(rs) == 0 || rs[0].ID == "" {
		t.Fatalf("Regions.List = %+v, %v", rs, err)
	}
	return rs[0].ID
}

func TestTypedTopLevelFamilies(t *testing.T) {
	c := newTestClient(t, testConfig())
	t.Run("networks", func(t *testing.T) {
		typedCase[Network]{
			name: "networks", id: func(v *Network) string { return v.ID }, label: func(v *Network) string { return v.Name },
			create: func(ctx context.Context) (*Network, error) {
				return c.Networks().Create(ctx, &NetworkCreateRequest{Name: "typed-net", Egress: Ptr(false)})
			},
			update: func(ctx context.Context, id string) (*Network, error) {
				return c.Networks().Update(ctx, id, &NetworkUpdateRequest{Name: "typed-net-2"})
			},
			updated: "typed-net-2",
			get:     c.Networks().Get, list: c.Networks().List, all: c.Networks().All,
			listAll: c.Networks().ListAll, del: c.Networks().Delete,
		}.run(t)
	})
	t.Run("hosts", func(t *testing.T) {
		typedCase[Host]{
			name: "hosts", id: func(v *Host) string { return v.ID }, label: func(v *Host) string { return v.Description },
			create: func(ctx context.Context) (*Host, error) {
				return c.Hosts().Create(ctx, &HostCreateRequest{Name: "typed-host", Description: "one"})
			},
			update: func(ctx context.Context, id string) (*Host, error) {
				return c.Hosts().Update(ctx, id, &HostUpdateRequest{Name: "typed-host", Description: "two"})
			},
			updated: "two",
			get:     c.Hosts().Get, list: c.Hosts().List, all: c.Hosts().All,
			listAll: c.Hosts().ListAll, del: c.Hosts().Delete,
		}.run(t)
	})
	t.Run("users", func(t *testing.T) {
		typedCase[User]{
			name: "users", id: func(v *User) string { return v.ID }, label: func(v *User) string { return v.FirstName },
			create: func(ctx context.Context) (*User, error) {
				return c.Users().Create(ctx, &UserCreateRequest{Username: "typed.user", Email: "typed.user@example.com", FirstName: "Ty"})
			},
			update: func(ctx context.Context, id string) (*User, error) {
				return c.Users().Update(ctx, id, &UserUpdateRequest{Email: "typed.user@example.com", FirstName: "Typed"})
			},
			updated: "Typed",
			get:     c.Users().Get, list: c.Users().List, all: c.Users().All,
			listAll: c.Users().ListAll, del: c.Users().Delete,
		}.run(t)
	})
	t.Run("user groups", func(t *testing.T) {
		typedCase[UserGroup]{
			name: "user groups", id: func(v *UserGroup) string { return v.ID }, label: func(v *UserGroup) string { return v.Name },
			create: func(ctx context.Context) (*UserGroup, error) {
				return c.UserGroups().Create(ctx, &UserGroupRequest{Name: "typed-group", MaxDevice: Ptr(3)})
			},
			update: func(ctx context.Context, id string) (*UserGroup, error) {
				return c.UserGroups().Update(ctx, id, &UserGroupRequest{Name: "typed-group-2"})
			},
			updated: "typed-group-2",
			get:     c.UserGroups().Get, list: c.UserGroups().List, all: c.UserGroups().All,
			listAll: c.UserGroups().ListAll, del: c.UserGroups().Delete,
		}.run(t)
	})
	t.Run("device postures", func(t *testing.T) {
		typedCase[DevicePosture]{
			name: "device postures", id: func(v *DevicePosture) string { return v.ID }, label: func(v *DevicePosture) string { return v.Name },
			create: func(ctx context.Context) (*DevicePosture, error) {
				return c.DevicePostures().Create(ctx, &DevicePostureRequest{Name: "typed-posture", Linux: &LinuxRequest{Allowed: Ptr(true)}})
			},
			update: func(ctx context.Context, id string) (*DevicePosture, error) {
				return c.DevicePostures().Update(ctx, id, &DevicePostureRequest{Name: "typed-posture-2"})
			},
			updated: "typed-posture-2",
			get:     c.DevicePostures().Get, list: c.DevicePostures().List, all: c.DevicePostures().All,
			listAll: c.DevicePostures().ListAll, del: c.DevicePostures().Delete,
		}.run(t)
	})
	t.Run("DNS records", func(t *testing.T) {
		typedCase[DNSRecord]{
			name: "DNS records", id: func(v *DNSRecord) string { return v.ID }, label: func(v *DNSRecord) string { return v.Domain },
			create: func(ctx context.Context) (*DNSRecord, error) {
				return c.DNSRecords().Create(ctx, &DNSRecordRequest{Domain: "typed.example", IPv4Addresses: []string{"10.9.8.7"}})
			},
			update: func(ctx context.Context, id string) (*DNSRecord, error) {
				return c.DNSRecords().Update(ctx, id, &DNSRecordRequest{Domain: "typed2.example", IPv4Addresses: []string{"10.9.8.6"}})
			},
			updated: "typed2.example",
			get:     c.DNSRecords().Get, list: c.DNSRecords().List, all: c.DNSRecords().All,
			listAll: c.DNSRecords().ListAll, del: c.DNSRecords().Delete, gone400: true,
		}.run(t)
	})
	t.Run("access groups", func(t *testing.T) {
		typedCase[AccessGroup]{
			name: "access groups", id: func(v *AccessGroup) string { return v.ID }, label: func(v *AccessGroup) string { return v.Name },
			create: func(ctx context.Context) (*AccessGroup, error) {
				return c.AccessGroups().Create(ctx, &AccessGroupRequest{Name: "typed-access"})
			},
			update: func(ctx context.Context, id string) (*AccessGroup, error) {
				return c.AccessGroups().Update(ctx, id, &AccessGroupRequest{Name: "typed-access-2"})
			},
			updated: "typed-access-2",
			get:     c.AccessGroups().Get, list: c.AccessGroups().List, all: c.AccessGroups().All,
			listAll: c.AccessGroups().ListAll, del: c.AccessGroups().Delete,
		}.run(t)
	})
	t.Run("location contexts", func(t *testing.T) {
		typedCase[LocationContext]{
			name: "location contexts", id: func(v *LocationContext) string { return v.ID }, label: func(v *LocationContext) string { return v.Name },
			create: func(ctx context.Context) (*LocationContext, error) {
				return c.LocationContexts().Create(ctx, &LocationContextRequest{Name: "typed-location"})
			},
			update: func(ctx context.Context, id string) (*LocationContext, error) {
				return c.LocationContexts().Update(ctx, id, &LocationContextRequest{Name: "typed-location-2"})
			},
			updated: "typed-location-2",
			get:     c.LocationContexts().Get, list: c.LocationContexts().List, all: c.LocationContexts().All,
			listAll: c.LocationContexts().ListAll, del: c.LocationContexts().Delete,
		}.run(t)
	})
}

// childCase is typedCase for a family under parent: List, All and ListAll only of parent.
func childCase[T any](name, parent string, id, label func(*T) string,
	create func(ctx context.Context, parent string) (*T, error),
	update func(ctx context.Context, id string) (*T, error), updated string,
	get func(ctx context.Context, id string) (*T, error),
	list func(ctx context.Context, parent string, page, size uint32) (*Page[T], error),
	all func(ctx context.Context, parent string) *Iter[T],
	listAll func(ctx context.Context, parent string) ([]T, error),
	del func(ctx context.Context, id string) error) typedCase[T] {
	return typedCase[T]{
		name: name, id: id, label: label,
		create:  func(ctx context.Context) (*T, error) { return create(ctx, parent) },
		update:  update,
		updated: updated,
		get:     get,
		list: func(ctx context.Context, page, size uint32) (*Page[T], error) {
			return list(ctx, parent, page, size)
		},
		all:     func(ctx context.Context) *Iter[T] { return all(ctx, parent) },
		listAll: func(ctx context.Context) ([]T, error) { return listAll(ctx, parent) },
		del:     del,
	}
}

func TestTypedChildFamilies(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	region := aRegion(t, c)
	net, err := c.Networks().Create(ctx, &NetworkCreateRequest{Name: "typed-parent-net"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Networks().Delete(ctx, net.ID) }()
	host, err := c.Hosts().Create(ctx, &HostCreateRequest{Name: "typed-parent-host"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Hosts().Delete(ctx, host.ID) }()

	t.Run("network routes", func(t *testing.T) {
		s := c.NetworkRoutes()
		childCase("network routes", net.ID, func(v *NetworkRoute) string { return v.ID }, func(v *NetworkRoute) string { return v.Subnet },
			func(ctx context.Context, p string) (*NetworkRoute, error) {
				return s.Create(ctx, p, &NetworkRouteRequest{Value: "10.77.0.0/24", Description: "typed"})
			},
			func(ctx context.Context, id string) (*NetworkRoute, error) {
				return s.Update(ctx, id, &NetworkRouteRequest{Value: "10.77.1.0/24"})
			}, "10.77.1.0/24", s.Get, s.List, s.All, s.ListAll, s.Delete).run(t)
	})
	t.Run("network connectors", func(t *testing.T) {
		s := c.NetworkConnectors()
		childCase("network connectors", net.ID, func(v *NetworkConnector) string { return v.ID }, func(v *NetworkConnector) string { return v.Name },
			func(ctx context.Context, p string) (*NetworkConnector, error) {
				return s.Create(ctx, p, &NetworkConnectorRequest{Name: "typed-conn", VPNRegionID: region})
			},
			func(ctx context.Context, id string) (*NetworkConnector, error) {
				return s.Update(ctx, id, &NetworkConnectorRequest{Name: "typed-conn-2", VPNRegionID: region})
			}, "typed-conn-2", s.Get, s.List, s.All, s.ListAll, s.Delete).run(t)
	})
	t.Run("network IP services", func(t *testing.T) {
		s := c.NetworkIPServices()
		childCase("network IP services", net.ID, func(v *NetworkIPService) string { return v.ID }, func(v *NetworkIPService) string { return v.Name },
			func(ctx context.Context, p string) (*NetworkIPService, error) {
				return s.Create(ctx, p, &NetworkIPServiceRequest{Name: "typed-svc", Routes: []ServiceRouteRequest{{Value: "10.77.2.0/24"}}})
			},
			func(ctx context.Context, id string) (*NetworkIPService, error) {
				return s.Update(ctx, id, &NetworkIPServiceRequest{Name: "typed-svc-2"})
			}, "typed-svc-2", s.Get, s.List, s.All, s.ListAll, s.Delete).run(t)
	})
	t.Run("network applications", func(t *testing.T) {
		s := c.NetworkApplications()
		childCase("network applications", net.ID, func(v *Application) string { return v.ID }, func(v *Application) string { return v.Name },
			func(ctx context.Context, p string) (*Application, error) {
				return s.Create(ctx, p, &ApplicationRequest{Name: "typed-app", Routes: []ApplicationRouteRequest{{Value: "intranet.example"}}})
			},
			func(ctx context.Context, id string) (*Application, error) {
				return s.Update(ctx, id, &ApplicationRequest{Name: "typed-app-2"})
			}, "typed-app-2", s.Get, s.List, s.All, s.ListAll, s.Delete).run(t)
	})
	t.Run("host connectors", func(t *testing.T) {
		s := c.HostConnectors()
		childCase("host connectors", host.ID, func(v *HostConnector) string { return v.ID }, func(v *HostConnector) string { return v.Name },
			func(ctx context.Context, p string) (*HostConnector, error) {
				return s.Create(ctx, p, &HostConnectorRequest{Name: "typed-hconn", VPNRegionID: region})
			},
			func(ctx context.Context, id string) (*HostConnector, error) {
				return s.Update(ctx, id, &HostConnectorRequest{Name: "typed-hconn-2", VPNRegionID: region})
			}, "typed-hconn-2", s.Get, s.List, s.All, s.ListAll, s.Delete).run(t)
	})
	t.Run("host IP services", func(t *testing.T) {
		s := c.HostIPServices()
		childCase("host IP services", host.ID, func(v *HostIPService) string { return v.ID }, func(v *HostIPService) string { return v.Name },
			func(ctx context.Context, p string) (*HostIPService, error) {
				return s.Create(ctx, p, &HostIPServiceRequest{Name: "typed-hsvc"})
			},
			func(ctx context.Context, id string) (*HostIPService, error) {
				return s.Update(ctx, id, &HostIPServiceRequest{Name: "typed-hsvc-2"})
			}, "typed-hsvc-2", s.Get, s.List, s.All, s.ListAll, s.Delete).run(t)
	})
	t.Run("host applications", func(t *testing.T) {
		s := c.HostApplications()
		childCase("host applications", host.ID, func(v *Application) string { return v.ID }, func(v *Application) string { return v.Name },
			func(ctx context.Context, p string) (*Application, error) {
				return s.Create(ctx, p, &ApplicationRequest{Name: "typed-happ"})
			},
			func(ctx context.Context, id string) (*Application, error) {
				return s.Update(ctx, id, &ApplicationRequest{Name: "typed-happ-2"})
			}, "typed-happ-2", s.Get, s.List, s.All, s.ListAll, s.Delete).run(t)
	})
	t.Run("devices", func(t *testing.T) {
		u, err := c.Users().Create(ctx, &UserCreateRequest{Username: "typed.devices", Email: "typed.devices@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Users().Delete(ctx, u.ID) }()
		s := c.Devices()
		childCase("devices", u.ID, func(v *Device) string { return v.ID }, func(v *Device) string { return v.Name },
			func(ctx context.Context, p string) (*Device, error) {
				return s.Create(ctx, p, &DeviceRequest{Name: "typed-laptop"})
			},
			func(ctx context.Context, id string) (*Device, error) {
				return s.Update(ctx, u.ID, id, &DeviceRequest{Name: "typed-laptop-2"})
			}, "typed-laptop-2",
			func(ctx context.Context, id string) (*Device, error) { return s.Get(ctx, u.ID, id) },
			s.List, s.All, s.ListAll,
			func(ctx context.Context, id string) error { return s.Delete(ctx, u.ID, id) }).run(t)
	})
}

// An empty parent id lists the items of every parent.
func TestTypedChildListOfEveryParent(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	all, err := c.NetworkRoutes().ListAll(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	it := c.NetworkRoutes().All(ctx, "")
	for it.Next() {
		n++
	}
	if it.Err() != nil || n != len(all) || n == 0 {
		t.Fatalf("All of every network: %d routes (%v), ListAll %d", n, it.Err(), len(all))
	}
}

func TestTypedRegionsSessionsAccessItems(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	rs, err := c.Regions().List(ctx)
	if err != nil || len(rs) == 0 {
		t.Fatalf("Regions.List = %v, %v", rs, err)
	}
	r, err := c.Regions().Get(ctx, rs[len(rs)-1].ID)
	if err != nil || r == nil || *r != rs[len(rs)-1] {
		t.Fatalf("Regions.Get = %+v, %v; want %+v", r, err, rs[len(rs)-1])
	}
	if r, err := c.Regions().Get(ctx, "no-such-region"); err != nil || r != nil {
		t.Fatalf("Regions.Get of an unknown id = %+v, %v; want nil, nil", r, err)
	}

	page, err := c.Sessions().List(ctx, &SessionQuery{Size: Ptr(5)})
	if err != nil || len(page.Sessions) == 0 || len(page.Sessions) > 5 || page.Sessions[0].ID == "" {
		t.Fatalf("Sessions.List = %+v, %v", page, err)
	}
	all, err := c.Sessions().ListAll(ctx, &SessionQuery{Size: Ptr(7)})
	if err != nil || len(all) < len(page.Sessions) {
		t.Fatalf("Sessions.ListAll = %d sessions, %v", len(all), err)
	}
	// All follows the cursors in pages of 7 and sees what ListAll sees, in order.
	q := &SessionQuery{Size: Ptr(7)}
	n := 0
	it := c.Sessions().All(ctx, q)
	for it.Next() {
		if n >= len(all) || it.Value().ID != all[n].ID {
			t.Fatalf("Sessions.All item %d = %s, ListAll's %d items differ", n, it.Value().ID, len(all))
		}
		n++
	}
	if it.Err() != nil || n != len(all) || len(all) <= 7 || q.Cursor != "" {
		t.Fatalf("Sessions.All: %d of %d sessions (%v); the query's cursor %q", n, len(all), it.Err(), q.Cursor)
	}
	if _, err := c.Sessions().List(ctx, nil); err != nil {
		t.Fatalf("Sessions.List(nil): %v", err)
	}
	var e *Error
	if _, err := c.Sessions().List(ctx, &SessionQuery{Status: "SLEEPING"}); !errors.As(err, &e) || e.Code != CodeInvalidJSON {
		t.Fatalf("Sessions.List with a bad status: %v", err)
	}

	g, err := c.AccessGroups().Create(ctx, &AccessGroupRequest{Name: "typed-items"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.AccessGroups().Delete(ctx, g.ID) }()
	g2, err := c.AccessGroups().AddSource(ctx, g.ID, &AccessItemSourceRequest{Type: "USER_GROUP", AllCovered: Ptr(true)})
	if err != nil || len(g2.Source) != 1 || g2.Source[0].Type != "USER_GROUP" {
		t.Fatalf("AddSource = %+v, %v", g2, err)
	}
	g3, err := c.AccessGroups().RemoveSource(ctx, g.ID, "USER_GROUP", "", "")
	if err != nil || len(g3.Source) != 0 {
		t.Fatalf("RemoveSource = %+v, %v", g3, err)
	}
	// A nil body is refused before any request.
	if _, err := c.AccessGroups().AddSource(ctx, g.ID, nil); !errors.As(err, &e) || e.Code != CodeNullParameter {
		t.Fatalf("AddSource(nil): %v", err)
	}
	if _, err := c.Networks().Create(ctx, nil); !errors.As(err, &e) || e.Code != CodeNullParameter {
		t.Fatalf("Networks.Create(nil): %v", err)
	}
	// A missing required field is the library's CodeInvalidJSON naming it.
	if _, err := c.Users().Create(ctx, &UserCreateRequest{Email: "x@example.com"}); !errors.As(err, &e) || e.Code != CodeInvalidJSON {
		t.Fatalf("Users.Create without username: %v", err)
	}
}

func TestTypedSettings(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	s := c.Settings()
	top, err := s.Topology(ctx)
	if err != nil || top == "" {
		t.Fatalf("Topology = %q, %v", top, err)
	}
	want := "CUSTOM"
	if top == want {
		want = "FULL_MESH"
	}
	if got, err := s.SetTopology(ctx, want); err != nil || got != want {
		t.Fatalf("SetTopology(%s) = %q, %v", want, got, err)
	}
	if got, err := s.Topology(ctx); err != nil || got != want {
		t.Fatalf("Topology after set = %q, %v", got, err)
	}
	defer func() { _, _ = s.SetTopology(ctx, top) }()

	n, err := s.DeviceAllowancePerUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.SetDeviceAllowancePerUser(ctx, n+1); err != nil || got != n+1 {
		t.Fatalf("SetDeviceAllowancePerUser(%d) = %d, %v", n+1, got, err)
	}
	zones := []DNSZone{{Name: "typed.example", Addresses: []string{"10.1.2.3"}}}
	if got, err := s.SetDNSZones(ctx, zones); err != nil || len(got) != 1 || got[0].Name != "typed.example" {
		t.Fatalf("SetDNSZones = %+v, %v", got, err)
	}
	if got, err := s.DNSZones(ctx); err != nil || len(got) != 1 || got[0].Addresses[0] != "10.1.2.3" {
		t.Fatalf("DNSZones = %+v, %v", got, err)
	}
	sub, err := s.Subnet(ctx)
	if err != nil || sub == nil || len(sub.IPV4Address) == 0 {
		t.Fatalf("Subnet = %+v, %v", sub, err)
	}
	if _, err := s.SAMLGroupMappings(ctx); err != nil {
		t.Fatalf("SAMLGroupMappings: %v", err)
	}
	var e *Error
	if _, err := s.SetTopology(ctx, "RING"); !errors.As(err, &e) || e.Code != CodeInvalidJSON {
		t.Fatalf("SetTopology(RING): %v", err)
	}
}

// One client shared by 64 goroutines across every typed family, under -race.
func TestTypedConcurrentAcrossFamilies(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx := context.Background()
	net, err := c.Networks().Create(ctx, &NetworkCreateRequest{Name: "typed-concurrency"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Networks().Delete(ctx, net.ID) }()
	region := aRegion(t, c)

	// Each step lists a family or creates, reads and deletes an item of its own.
	steps := []func(g int) error{
		func(g int) error { _, err := c.Networks().List(ctx, 0, 3); return err },
		func(g int) error { _, err := c.Hosts().ListAll(ctx); return err },
		func(g int) error {
			it := c.Users().All(ctx)
			for it.Next() {
			}
			return it.Err()
		},
		func(g int) error { _, err := c.UserGroups().List(ctx, 0, 5); return err },
		func(g int) error { _, err := c.DevicePostures().List(ctx, 0, 5); return err },
		func(g int) error { _, err := c.LocationContexts().ListAll(ctx); return err },
		func(g int) error { _, err := c.AccessGroups().List(ctx, 0, 5); return err },
		func(g int) error { _, err := c.Regions().List(ctx); return err },
		func(g int) error { _, err := c.Sessions().List(ctx, &SessionQuery{Size: Ptr(3)}); return err },
		func(g int) error { _, err := c.Settings().Topology(ctx); return err },
		func(g int) error { _, err := c.Devices().List(ctx, "", 0, 5); return err },
		func(g int) error {
			d, err := c.DNSRecords().Create(ctx, &DNSRecordRequest{Domain: fmt.Sprintf("g%d.typed.example", g)})
			if err != nil {
				return err
			}
			if got, err := c.DNSRecords().Get(ctx, d.ID); err != nil || got.Domain != d.Domain {
				return fmt.Errorf("DNS record %s: %+v, %v", d.ID, got, err)
			}
			return c.DNSRecords().Delete(ctx, d.ID)
		},
		func(g int) error {
			r, err := c.NetworkRoutes().Create(ctx, net.ID, &NetworkRouteRequest{Value: fmt.Sprintf("10.%d.0.0/24", 100+g)})
			if err != nil {
				return err
			}
			if got, err := c.NetworkRoutes().Get(ctx, r.ID); err != nil || got.Subnet != r.Subnet {
				return fmt.Errorf("route %s: %+v, %v", r.ID, got, err)
			}
			return c.NetworkRoutes().Delete(ctx, r.ID)
		},
		func(g int) error {
			k, err := c.NetworkConnectors().Create(ctx, net.ID, &NetworkConnectorRequest{Name: fmt.Sprintf("typed-c%d", g), VPNRegionID: region})
			if err != nil {
				return err
			}
			return c.NetworkConnectors().Delete(ctx, k.ID)
		},
		func(g int) error {
			_, err := c.Networks().Get(ctx, fmt.Sprintf("missing-%d", g))
			if !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("missing network: %v", err)
			}
			return nil
		},
	}
	const goroutines = 64
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*len(steps))
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range steps {
				step := (g + i) % len(steps)
				if err := steps[step](g); err != nil {
					errs <- fmt.Errorf("goroutine %d step %d: %w", g, step, err)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A cancelled context ends a walk with the context's error; a view of an unknown family
// fails every call instead of panicking.
func TestTypedCancelAndBadFamily(t *testing.T) {
	c := newTestClient(t, testConfig())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	it := c.Networks().All(ctx)
	if it.Next() || !errors.Is(it.Err(), context.Canceled) || !errors.Is(it.Err(), ErrCanceled) {
		t.Fatalf("All with a cancelled context: next ran, err %v", it.Err())
	}
	if it.Next() {
		t.Fatal("Next after the error")
	}
	var e *Error
	if _, err := c.Collection(Family(99)).List(context.Background(), 0, 1); !errors.As(err, &e) || e.Code != CodeInvalidParameter {
		t.Fatalf("unknown family: %v", err)
	}
	if err := c.ChildCollection(ChildFamily(-1)).Delete(context.Background(), "x"); !errors.As(err, &e) || e.Code != CodeInvalidParameter {
		t.Fatalf("unknown child family: %v", err)
	}
}
