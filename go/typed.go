package cloudconnexa

// The generic half of the typed API: the page envelope, the lazy iterator, and the JSON
// encoding and decoding the generated methods (families_gen.go, ops_gen.go) share. The
// structs are generated from the OpenAPI document (models_gen.go).

import (
	"context"
	"encoding/json"
)

// Page is one page of a list, as the API sends it.
type Page[T any] struct {
	Content          []T   `json:"content"`
	TotalElements    int64 `json:"totalElements"`
	TotalPages       int   `json:"totalPages"`
	NumberOfElements int   `json:"numberOfElements"`
	Page             int   `json:"page"`
	Size             int   `json:"size"`
}

// AllPageSize is the page size All fetches with.
const AllPageSize = 100

// Iter walks a list page by page, fetching the next page only when Next needs it:
//
//	it := c.Networks().All(ctx)
//	for it.Next() {
//		n := it.Value()
//		...
//	}
//	if err := it.Err(); err != nil { ... }
//
// An error (the context's too) ends the walk; Err reports it. An Iter is for one
// goroutine.
type Iter[T any] struct {
	ctx context.Context
	// fetch gives the next chunk of items and whether another may follow.
	fetch func(ctx context.Context) (items []T, more bool, err error)
	buf   []T
	i     int
	cur   T
	err   error
	last  bool // no chunk follows the one in buf
}

// newIter walks a page-numbered list: page 0, 1, ... until the last page (TotalPages) or
// an empty one.
func newIter[T any](ctx context.Context, fetch func(ctx context.Context, page uint32) (*Page[T], error)) *Iter[T] {
	var page uint32
	return newChunkIter(ctx, func(ctx context.Context) ([]T, bool, error) {
		p, err := fetch(ctx, page)
		if err != nil || p == nil {
			return nil, false, err
		}
		page++
		return p.Content, len(p.Content) > 0 && int(page) < p.TotalPages, nil
	})
}

// newChunkIter walks a list given chunk by chunk (pages, cursor pages).
func newChunkIter[T any](ctx context.Context, fetch func(ctx context.Context) ([]T, bool, error)) *Iter[T] {
	return &Iter[T]{ctx: ctx, fetch: fetch}
}

// Next moves to the next item, fetching a page when needed; false at the end or on an
// error.
func (it *Iter[T]) Next() bool {
	for it.i >= len(it.buf) {
		if it.err != nil || it.last {
			return false
		}
		items, more, err := it.fetch(it.ctx)
		if err != nil {
			it.err = err
			return false
		}
		it.buf, it.i, it.last = items, 0, !more
	}
	it.cur = it.buf[it.i]
	it.i++
	return true
}

// Value is the item Next moved to.
func (it *Iter[T]) Value() T { return it.cur }

// Err is the error that ended the walk, or nil.
func (it *Iter[T]) Err() error { return it.err }

// Ptr returns a pointer to v: for the optional fields of request structs
// (Egress: cloudconnexa.Ptr(false)).
func Ptr[T any](v T) *T { return &v }

// decode decodes a JSON answer into a new T (nil for JSON null).
func decode[T any](b []byte, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	var v *T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, decodeError(err)
	}
	return v, nil
}

// decodeList decodes a JSON array answer.
func decodeList[T any](b []byte, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	var v []T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, decodeError(err)
	}
	return v, nil
}

// encode encodes a required body; nil is CodeNullParameter.
func encode[T any](v *T, what string) ([]byte, error) {
	if v == nil {
		return nil, &Error{Code: CodeNullParameter, Message: "argument `" + what + "` is nil"}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &Error{Code: CodeInvalidJSON, Message: "argument `" + what + "`: " + err.Error()}
	}
	return b, nil
}

// encodeOpt encodes an optional body; nil is no body (the defaults).
func encodeOpt[T any](v *T, what string) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return encode(v, what)
}

// getSetting reads a setting by name into its Go type.
func getSetting[T any](ctx context.Context, s Settings, name string) (T, error) {
	var v T
	b, err := s.Get(ctx, name)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, decodeError(err)
	}
	return v, nil
}

// setSetting changes a setting by name; the stored value comes back in the same type.
func setSetting[T any](ctx context.Context, s Settings, name string, v T) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		return out, &Error{Code: CodeInvalidJSON, Message: "setting " + name + ": " + err.Error()}
	}
	b, err = s.Set(ctx, name, b)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, decodeError(err)
	}
	return out, nil
}

func decodeError(err error) error {
	return &Error{Code: CodeDecode, Message: "cannot decode the library's JSON: " + err.Error()}
}
