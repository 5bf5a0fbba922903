package cloudconnexa

/*
#include <stdint.h>
#include "cloudconnexa.h"

// cgo cannot call C function pointers, so each CRUD shape gets a tiny C trampoline.
typedef ccx_code (*ccx_go_list_fn)(const ccx_client *, uint32_t, uint32_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
typedef ccx_code (*ccx_go_list_all_fn)(const ccx_client *, const ccx_call_options *, ccx_bytes *, ccx_error **);
typedef ccx_code (*ccx_go_create_fn)(const ccx_client *, const uint8_t *, size_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
typedef ccx_code (*ccx_go_get_fn)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
typedef ccx_code (*ccx_go_update_fn)(const ccx_client *, const char *, size_t, const uint8_t *, size_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
typedef ccx_code (*ccx_go_delete_fn)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_error **);
typedef ccx_code (*ccx_go_child_list_fn)(const ccx_client *, const char *, size_t, uint32_t, uint32_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
typedef ccx_code (*ccx_go_child_create_fn)(const ccx_client *, const char *, size_t, const uint8_t *, size_t, const ccx_call_options *, ccx_bytes *, ccx_error **);

static ccx_code ccx_go_list(ccx_go_list_fn f, const ccx_client *c, uint32_t page, uint32_t size, const ccx_call_options *o, ccx_bytes *out, ccx_error **err) {
	return f(c, page, size, o, out, err);
}
static ccx_code ccx_go_list_all(ccx_go_list_all_fn f, const ccx_client *c, const ccx_call_options *o, ccx_bytes *out, ccx_error **err) {
	return f(c, o, out, err);
}
static ccx_code ccx_go_create(ccx_go_create_fn f, const ccx_client *c, const uint8_t *json, size_t json_len, const ccx_call_options *o, ccx_bytes *out, ccx_error **err) {
	return f(c, json, json_len, o, out, err);
}
static ccx_code ccx_go_get(ccx_go_get_fn f, const ccx_client *c, const char *id, size_t id_len, const ccx_call_options *o, ccx_bytes *out, ccx_error **err) {
	return f(c, id, id_len, o, out, err);
}
static ccx_code ccx_go_update(ccx_go_update_fn f, const ccx_client *c, const char *id, size_t id_len, const uint8_t *json, size_t json_len, const ccx_call_options *o, ccx_bytes *out, ccx_error **err) {
	return f(c, id, id_len, json, json_len, o, out, err);
}
static ccx_code ccx_go_delete(ccx_go_delete_fn f, const ccx_client *c, const char *id, size_t id_len, const ccx_call_options *o, ccx_error **err) {
	return f(c, id, id_len, o, err);
}
static ccx_code ccx_go_child_list(ccx_go_child_list_fn f, const ccx_client *c, const char *parent, size_t parent_len, uint32_t page, uint32_t size, const ccx_call_options *o, ccx_bytes *out, ccx_error **err) {
	return f(c, parent, parent_len, page, size, o, out, err);
}
static ccx_code ccx_go_child_create(ccx_go_child_create_fn f, const ccx_client *c, const char *parent, size_t parent_len, const uint8_t *json, size_t json_len, const ccx_call_options *o, ccx_bytes *out, ccx_error **err) {
	return f(c, parent, parent_len, json, json_len, o, out, err);
}
*/
import "C"

import (
	"context"
	"fmt"
)

// Family names a top-level CRUD family of the API.
type Family int

const (
	FamilyNetworks Family = iota
	FamilyHosts
	FamilyUsers
	FamilyUserGroups
	FamilyDevicePostures
	FamilyDNSRecords
	FamilyAccessGroups
	FamilyLocationContexts
)

// ChildFamily names a CRUD family under a network or a host.
type ChildFamily int

const (
	FamilyNetworkRoutes ChildFamily = iota
	FamilyNetworkConnectors
	FamilyNetworkIPServices
	FamilyNetworkApplications
	FamilyHostConnectors
	FamilyHostIPServices
	FamilyHostApplications
)

// family holds the C functions of a top-level CRUD family.
type family struct {
	name    string
	list    C.ccx_go_list_fn
	listAll C.ccx_go_list_all_fn
	create  C.ccx_go_create_fn
	get     C.ccx_go_get_fn
	update  C.ccx_go_update_fn
	delete  C.ccx_go_delete_fn
}

// childFamily holds the C functions of a family under a network or host.
type childFamily struct {
	name    string
	list    C.ccx_go_child_list_fn
	listAll C.ccx_go_get_fn // (client, parent, parent_len, opts, out, err): the same shape as get
	create  C.ccx_go_child_create_fn
	get     C.ccx_go_get_fn
	update  C.ccx_go_update_fn
	delete  C.ccx_go_delete_fn
}

var families = [...]family{
	FamilyNetworks: {"networks", C.ccx_go_list_fn(C.ccx_networks_list), C.ccx_go_list_all_fn(C.ccx_networks_list_all),
		C.ccx_go_create_fn(C.ccx_networks_create), C.ccx_go_get_fn(C.ccx_networks_get),
		C.ccx_go_update_fn(C.ccx_networks_update), C.ccx_go_delete_fn(C.ccx_networks_delete)},
	FamilyHosts: {"hosts", C.ccx_go_list_fn(C.ccx_hosts_list), C.ccx_go_list_all_fn(C.ccx_hosts_list_all),
		C.ccx_go_create_fn(C.ccx_hosts_create), C.ccx_go_get_fn(C.ccx_hosts_get),
		C.ccx_go_update_fn(C.ccx_hosts_update), C.ccx_go_delete_fn(C.ccx_hosts_delete)},
	FamilyUsers: {"users", C.ccx_go_list_fn(C.ccx_users_list), C.ccx_go_list_all_fn(C.ccx_users_list_all),
		C.ccx_go_create_fn(C.ccx_users_create), C.ccx_go_get_fn(C.ccx_users_get),
		C.ccx_go_update_fn(C.ccx_users_update), C.ccx_go_delete_fn(C.ccx_users_delete)},
	FamilyUserGroups: {"user_groups", C.ccx_go_list_fn(C.ccx_user_groups_list), C.ccx_go_list_all_fn(C.ccx_user_groups_list_all),
		C.ccx_go_create_fn(C.ccx_user_groups_create), C.ccx_go_get_fn(C.ccx_user_groups_get),
		C.ccx_go_update_fn(C.ccx_user_groups_update), C.ccx_go_delete_fn(C.ccx_user_groups_delete)},
	FamilyDevicePostures: {"device_postures", C.ccx_go_list_fn(C.ccx_device_postures_list), C.ccx_go_list_all_fn(C.ccx_device_postures_list_all),
		C.ccx_go_create_fn(C.ccx_device_postures_create), C.ccx_go_get_fn(C.ccx_device_postures_get),
		C.ccx_go_update_fn(C.ccx_device_postures_update), C.ccx_go_delete_fn(C.ccx_device_postures_delete)},
	FamilyDNSRecords: {"dns_records", C.ccx_go_list_fn(C.ccx_dns_records_list), C.ccx_go_list_all_fn(C.ccx_dns_records_list_all),
		C.ccx_go_create_fn(C.ccx_dns_records_create), C.ccx_go_get_fn(C.ccx_dns_records_get),
		C.ccx_go_update_fn(C.ccx_dns_records_update), C.ccx_go_delete_fn(C.ccx_dns_records_delete)},
	FamilyAccessGroups: {"access_groups", C.ccx_go_list_fn(C.ccx_access_groups_list), C.ccx_go_list_all_fn(C.ccx_access_groups_list_all),
		C.ccx_go_create_fn(C.ccx_access_groups_create), C.ccx_go_get_fn(C.ccx_access_groups_get),
		C.ccx_go_update_fn(C.ccx_access_groups_update), C.ccx_go_delete_fn(C.ccx_access_groups_delete)},
	FamilyLocationContexts: {"location_contexts", C.ccx_go_list_fn(C.ccx_location_contexts_list), C.ccx_go_list_all_fn(C.ccx_location_contexts_list_all),
		C.ccx_go_create_fn(C.ccx_location_contexts_create), C.ccx_go_get_fn(C.ccx_location_contexts_get),
		C.ccx_go_update_fn(C.ccx_location_contexts_update), C.ccx_go_delete_fn(C.ccx_location_contexts_delete)},
}

var childFamilies = [...]childFamily{
	FamilyNetworkRoutes: {"network_routes", C.ccx_go_child_list_fn(C.ccx_network_routes_list), C.ccx_go_get_fn(C.ccx_network_routes_list_all),
		C.ccx_go_child_create_fn(C.ccx_network_routes_create), C.ccx_go_get_fn(C.ccx_network_routes_get),
		C.ccx_go_update_fn(C.ccx_network_routes_update), C.ccx_go_delete_fn(C.ccx_network_routes_delete)},
	FamilyNetworkConnectors: {"network_connectors", C.ccx_go_child_list_fn(C.ccx_network_connectors_list), C.ccx_go_get_fn(C.ccx_network_connectors_list_all),
		C.ccx_go_child_create_fn(C.ccx_network_connectors_create), C.ccx_go_get_fn(C.ccx_network_connectors_get),
		C.ccx_go_update_fn(C.ccx_network_connectors_update), C.ccx_go_delete_fn(C.ccx_network_connectors_delete)},
	FamilyNetworkIPServices: {"network_ip_services", C.ccx_go_child_list_fn(C.ccx_network_ip_services_list), C.ccx_go_get_fn(C.ccx_network_ip_services_list_all),
		C.ccx_go_child_create_fn(C.ccx_network_ip_services_create), C.ccx_go_get_fn(C.ccx_network_ip_services_get),
		C.ccx_go_update_fn(C.ccx_network_ip_services_update), C.ccx_go_delete_fn(C.ccx_network_ip_services_delete)},
	FamilyNetworkApplications: {"network_applications", C.ccx_go_child_list_fn(C.ccx_network_applications_list), C.ccx_go_get_fn(C.ccx_network_applications_list_all),
		C.ccx_go_child_create_fn(C.ccx_network_applications_create), C.ccx_go_get_fn(C.ccx_network_applications_get),
		C.ccx_go_update_fn(C.ccx_network_applications_update), C.ccx_go_delete_fn(C.ccx_network_applications_delete)},
	FamilyHostConnectors: {"host_connectors", C.ccx_go_child_list_fn(C.ccx_host_connectors_list), C.ccx_go_get_fn(C.ccx_host_connectors_list_all),
		C.ccx_go_child_create_fn(C.ccx_host_connectors_create), C.ccx_go_get_fn(C.ccx_host_connectors_get),
		C.ccx_go_update_fn(C.ccx_host_connectors_update), C.ccx_go_delete_fn(C.ccx_host_connectors_delete)},
	FamilyHostIPServices: {"host_ip_services", C.ccx_go_child_list_fn(C.ccx_host_ip_services_list), C.ccx_go_get_fn(C.ccx_host_ip_services_list_all),
		C.ccx_go_child_create_fn(C.ccx_host_ip_services_create), C.ccx_go_get_fn(C.ccx_host_ip_services_get),
		C.ccx_go_update_fn(C.ccx_host_ip_services_update), C.ccx_go_delete_fn(C.ccx_host_ip_services_delete)},
	FamilyHostApplications: {"host_applications", C.ccx_go_child_list_fn(C.ccx_host_applications_list), C.ccx_go_get_fn(C.ccx_host_applications_list_all),
		C.ccx_go_child_create_fn(C.ccx_host_applications_create), C.ccx_go_get_fn(C.ccx_host_applications_get),
		C.ccx_go_update_fn(C.ccx_host_applications_update), C.ccx_go_delete_fn(C.ccx_host_applications_delete)},
}

// Collection is a top-level family with JSON in and out ([]byte, as the API's models).
// The library checks the JSON against its typed model (CodeInvalidJSON names the field).
type Collection struct {
	c *Client
	f *family
}

// Collection returns the raw-JSON view of a family.
func (c *Client) Collection(f Family) *Collection {
	if f < 0 || int(f) >= len(families) {
		panic(fmt.Sprintf("cloudconnexa: unknown family %d", int(f)))
	}
	return &Collection{c: c, f: &families[f]}
}

// List returns one page (page from 0, size 1..1000) as the API's page envelope JSON.
func (col *Collection) List(ctx context.Context, page, size uint32) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		return C.ccx_go_list(col.f.list, cl, C.uint32_t(page), C.uint32_t(size), o, &out, e)
	})
	return result(&out, err)
}

// ListAll returns every item, all pages, as a JSON array.
func (col *Collection) ListAll(ctx context.Context) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		return C.ccx_go_list_all(col.f.listAll, cl, o, &out, e)
	})
	return result(&out, err)
}

// Create creates an item from a JSON body; the created item comes back as JSON.
func (col *Collection) Create(ctx context.Context, body []byte) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		bp, bn := bytesArg(body)
		return C.ccx_go_create(col.f.create, cl, bp, bn, o, &out, e)
	})
	return result(&out, err)
}

// Get returns one item by id as JSON (ErrNotFound when there is none).
func (col *Collection) Get(ctx context.Context, id string) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		return C.ccx_go_get(col.f.get, cl, ip, in, o, &out, e)
	})
	return result(&out, err)
}

// Update updates one item from a JSON body; the updated item comes back as JSON.
func (col *Collection) Update(ctx context.Context, id string, body []byte) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		bp, bn := bytesArg(body)
		return C.ccx_go_update(col.f.update, cl, ip, in, bp, bn, o, &out, e)
	})
	return result(&out, err)
}

// Delete deletes one item (and what it contains).
func (col *Collection) Delete(ctx context.Context, id string) error {
	return col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		return C.ccx_go_delete(col.f.delete, cl, ip, in, o, e)
	})
}

// ChildCollection is a family under a network or host, JSON in and out. An empty
// parentID in List and ListAll means every item of the family.
type ChildCollection struct {
	c *Client
	f *childFamily
}

// ChildCollection returns the raw-JSON view of a family under a network or host.
func (c *Client) ChildCollection(f ChildFamily) *ChildCollection {
	if f < 0 || int(f) >= len(childFamilies) {
		panic(fmt.Sprintf("cloudconnexa: unknown child family %d", int(f)))
	}
	return &ChildCollection{c: c, f: &childFamilies[f]}
}

// List returns one page of the items under parentID.
func (col *ChildCollection) List(ctx context.Context, parentID string, page, size uint32) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		pp, pn := strArg(parentID)
		return C.ccx_go_child_list(col.f.list, cl, pp, pn, C.uint32_t(page), C.uint32_t(size), o, &out, e)
	})
	return result(&out, err)
}

// ListAll returns every item under parentID as a JSON array.
func (col *ChildCollection) ListAll(ctx context.Context, parentID string) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		pp, pn := strArg(parentID)
		return C.ccx_go_get(col.f.listAll, cl, pp, pn, o, &out, e)
	})
	return result(&out, err)
}

// Create creates an item under parentID from a JSON body.
func (col *ChildCollection) Create(ctx context.Context, parentID string, body []byte) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		pp, pn := strArg(parentID)
		bp, bn := bytesArg(body)
		return C.ccx_go_child_create(col.f.create, cl, pp, pn, bp, bn, o, &out, e)
	})
	return result(&out, err)
}

// Get returns one item by id as JSON.
func (col *ChildCollection) Get(ctx context.Context, id string) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		return C.ccx_go_get(col.f.get, cl, ip, in, o, &out, e)
	})
	return result(&out, err)
}

// Update updates one item from a JSON body.
func (col *ChildCollection) Update(ctx context.Context, id string, body []byte) ([]byte, error) {
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		bp, bn := bytesArg(body)
		return C.ccx_go_update(col.f.update, cl, ip, in, bp, bn, o, &out, e)
	})
	return result(&out, err)
}

// Delete deletes one item.
func (col *ChildCollection) Delete(ctx context.Context, id string) error {
	return col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		return C.ccx_go_delete(col.f.delete, cl, ip, in, o, e)
	})
}

// result copies and frees the output buffer of a successful call.
func result(out *C.ccx_bytes, err error) ([]byte, error) {
	if err != nil {
		C.ccx_bytes_free(out) // never written on failure; harmless
		return nil, err
	}
	return takeBytes(out), nil
}
