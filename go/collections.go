package cloudconnexa

/*
#include <stdint.h>
#include "cloudconnexa.h"
*/
import "C"

import (
	"context"
	"fmt"
)

// The shapes of the CRUD functions of the C ABI; families_gen.go (generated from the
// operation table, codegen/table.rs) fills one row per family with them.
type (
	listFn        func(cl *C.ccx_client, page, size C.uint32_t, o *C.ccx_call_options, out *C.ccx_bytes, e **C.ccx_error) C.ccx_code
	listAllFn     func(cl *C.ccx_client, o *C.ccx_call_options, out *C.ccx_bytes, e **C.ccx_error) C.ccx_code
	createFn      func(cl *C.ccx_client, body *C.uint8_t, bodyLen C.size_t, o *C.ccx_call_options, out *C.ccx_bytes, e **C.ccx_error) C.ccx_code
	idFn          func(cl *C.ccx_client, id *C.char, idLen C.size_t, o *C.ccx_call_options, out *C.ccx_bytes, e **C.ccx_error) C.ccx_code
	updateFn      func(cl *C.ccx_client, id *C.char, idLen C.size_t, body *C.uint8_t, bodyLen C.size_t, o *C.ccx_call_options, out *C.ccx_bytes, e **C.ccx_error) C.ccx_code
	deleteFn      func(cl *C.ccx_client, id *C.char, idLen C.size_t, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code
	childListFn   func(cl *C.ccx_client, parent *C.char, parentLen C.size_t, page, size C.uint32_t, o *C.ccx_call_options, out *C.ccx_bytes, e **C.ccx_error) C.ccx_code
	childCreateFn func(cl *C.ccx_client, parent *C.char, parentLen C.size_t, body *C.uint8_t, bodyLen C.size_t, o *C.ccx_call_options, out *C.ccx_bytes, e **C.ccx_error) C.ccx_code
)

// family holds the C functions of a top-level CRUD family.
type family struct {
	name    string
	list    listFn
	listAll listAllFn
	create  createFn
	get     idFn
	update  updateFn
	delete  deleteFn
}

// childFamily holds the C functions of a family under a network or host.
type childFamily struct {
	name    string
	list    childListFn
	listAll idFn // (client, parent, parent_len, opts, out, err): the same shape as get
	create  childCreateFn
	get     idFn
	update  updateFn
	delete  deleteFn
}

// Collection is a top-level family with JSON in and out ([]byte, as the API's models).
// The library checks the JSON against its typed model (CodeInvalidJSON names the field).
type Collection struct {
	c   *Client
	f   *family
	bad error // an unknown family: every call fails with it
}

// Collection returns the raw-JSON view of a family. Every call of the view of an
// unknown family fails with CodeInvalidParameter.
func (c *Client) Collection(f Family) *Collection {
	if f < 0 || int(f) >= len(families) {
		return &Collection{c: c, bad: unknownFamily("family", int(f))}
	}
	return &Collection{c: c, f: &families[f]}
}

// unknownFamily is the error of every call of the view of an unknown family.
func unknownFamily(kind string, f int) error {
	return &Error{Code: CodeInvalidParameter, Message: fmt.Sprintf("unknown %s %d", kind, f)}
}

// List returns one page (page from 0, size 1..1000) as the API's page envelope JSON.
func (col *Collection) List(ctx context.Context, page, size uint32) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		return col.f.list(cl, C.uint32_t(page), C.uint32_t(size), o, &out, e)
	})
	return result(&out, err)
}

// ListAll returns every item, all pages, as a JSON array.
func (col *Collection) ListAll(ctx context.Context) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		return col.f.listAll(cl, o, &out, e)
	})
	return result(&out, err)
}

// Create creates an item from a JSON body; the created item comes back as JSON.
func (col *Collection) Create(ctx context.Context, body []byte) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		bp, bn := bytesArg(body)
		return col.f.create(cl, bp, bn, o, &out, e)
	})
	return result(&out, err)
}

// Get returns one item by id as JSON (ErrNotFound when there is none).
func (col *Collection) Get(ctx context.Context, id string) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		return col.f.get(cl, ip, in, o, &out, e)
	})
	return result(&out, err)
}

// Update updates one item from a JSON body; the updated item comes back as JSON.
func (col *Collection) Update(ctx context.Context, id string, body []byte) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		bp, bn := bytesArg(body)
		return col.f.update(cl, ip, in, bp, bn, o, &out, e)
	})
	return result(&out, err)
}

// Delete deletes one item (and what it contains).
func (col *Collection) Delete(ctx context.Context, id string) error {
	if bad := col.bad; bad != nil {
		return bad
	}
	return col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		return col.f.delete(cl, ip, in, o, e)
	})
}

// ChildCollection is a family under a network or host, JSON in and out. An empty
// parentID in List and ListAll means every item of the family.
type ChildCollection struct {
	c   *Client
	f   *childFamily
	bad error // an unknown family: every call fails with it
}

// ChildCollection returns the raw-JSON view of a family under a network or host. Every
// call of the view of an unknown family fails with CodeInvalidParameter.
func (c *Client) ChildCollection(f ChildFamily) *ChildCollection {
	if f < 0 || int(f) >= len(childFamilies) {
		return &ChildCollection{c: c, bad: unknownFamily("child family", int(f))}
	}
	return &ChildCollection{c: c, f: &childFamilies[f]}
}

// List returns one page of the items under parentID.
func (col *ChildCollection) List(ctx context.Context, parentID string, page, size uint32) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		pp, pn := strArg(parentID)
		return col.f.list(cl, pp, pn, C.uint32_t(page), C.uint32_t(size), o, &out, e)
	})
	return result(&out, err)
}

// ListAll returns every item under parentID as a JSON array.
func (col *ChildCollection) ListAll(ctx context.Context, parentID string) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		pp, pn := strArg(parentID)
		return col.f.listAll(cl, pp, pn, o, &out, e)
	})
	return result(&out, err)
}

// Create creates an item under parentID from a JSON body.
func (col *ChildCollection) Create(ctx context.Context, parentID string, body []byte) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		pp, pn := strArg(parentID)
		bp, bn := bytesArg(body)
		return col.f.create(cl, pp, pn, bp, bn, o, &out, e)
	})
	return result(&out, err)
}

// Get returns one item by id as JSON.
func (col *ChildCollection) Get(ctx context.Context, id string) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		return col.f.get(cl, ip, in, o, &out, e)
	})
	return result(&out, err)
}

// Update updates one item from a JSON body.
func (col *ChildCollection) Update(ctx context.Context, id string, body []byte) ([]byte, error) {
	if bad := col.bad; bad != nil {
		return nil, bad
	}
	var out C.ccx_bytes
	err := col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		bp, bn := bytesArg(body)
		return col.f.update(cl, ip, in, bp, bn, o, &out, e)
	})
	return result(&out, err)
}

// Delete deletes one item.
func (col *ChildCollection) Delete(ctx context.Context, id string) error {
	if bad := col.bad; bad != nil {
		return bad
	}
	return col.c.call(ctx, func(cl *C.ccx_client, o *C.ccx_call_options, e **C.ccx_error) C.ccx_code {
		ip, in := strArg(id)
		return col.f.delete(cl, ip, in, o, e)
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
