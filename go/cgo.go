package cloudconnexa

// The cgo boundary: the helpers that move bytes, strings and errors across
// (collections.go holds the C trampolines of the CRUD families). The link flags are in
// link_pkgconfig.go (the default: pkg-config's cloudconnexa) and link_intree.go (the
// build tag ccx_intree: the static library of this repository's build tree).

/*
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "cloudconnexa.h"

// Every field of an error in one crossing.
typedef struct {
	ccx_code code;
	uint16_t status;
	bool retryable;
	uint64_t retry_after_ms;
	ccx_str message;
	ccx_str body;
} ccx_go_error_fields;

static void ccx_go_error_read(const ccx_error *e, ccx_go_error_fields *f) {
	ccx_error_code(e, &f->code);
	ccx_error_http_status(e, &f->status);
	ccx_error_is_retryable(e, &f->retryable);
	ccx_error_retry_after_ms(e, &f->retry_after_ms);
	ccx_error_message(e, &f->message);
	ccx_error_body(e, &f->body);
}
*/
import "C"

import (
	"unsafe"
)

// bytesArg passes a Go []byte to C without a copy: a pointer to its first element (the
// elements hold no Go pointers, so the cgo rules allow it; C copies what it keeps). An
// empty slice is (NULL, 0), which the C ABI accepts as empty.
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// strArg passes a Go string to C. Go 1.19 has no unsafe.StringData; rather than derive a
// pointer from reflect.StringHeader (whose uintptr hides the data from escape analysis),
// the string is copied into a []byte, which cgo keeps alive for the call. Ids and paths
// are short; JSON bodies go through bytesArg without a copy.
func strArg(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	b := []byte(s)
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// takeBytes copies a library buffer into Go memory and frees it.
func takeBytes(b *C.ccx_bytes) []byte {
	defer C.ccx_bytes_free(b)
	if b.data == nil || b.len == 0 {
		return []byte{}
	}
	out := make([]byte, int(b.len))
	copy(out, unsafe.Slice((*byte)(unsafe.Pointer(b.data)), int(b.len)))
	return out
}

// goString copies a borrowed ccx_str.
func goString(s C.ccx_str) string {
	if s.data == nil || s.len == 0 {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(s.data)), int(s.len)))
}

// takeError turns a C error (may be NULL) into a *Error and frees it.
func takeError(rc C.ccx_code, e *C.ccx_error) *Error {
	if e == nil {
		return &Error{Code: Code(rc), Message: codeString(Code(rc))}
	}
	defer C.ccx_error_free(e)
	var f C.ccx_go_error_fields
	C.ccx_go_error_read(e, &f)
	out := &Error{
		Code:       Code(f.code),
		Message:    goString(f.message),
		Status:     int(f.status),
		Retryable:  bool(f.retryable),
		RetryAfter: msDuration(uint64(f.retry_after_ms)),
		Body:       []byte(goString(f.body)),
	}
	if out.Code == CodeOK { // cannot happen; keep the call's code
		out.Code = Code(rc)
	}
	if out.Message == "" {
		out.Message = codeString(out.Code)
	}
	if len(out.Body) == 0 {
		out.Body = nil
	}
	return out
}

func codeString(c Code) string {
	return C.GoString(C.ccx_code_str(C.uint32_t(c)))
}

// Version is the library version, e.g. "cloudconnexa 0.1.0".
func Version() string {
	return C.GoString(C.ccx_version())
}

// VersionNum is the linked library's version as (major << 16) | (minor << 8) | patch,
// e.g. 0x000100 for 0.1.0 (the header's CCX_VERSION_NUM of the same release).
func VersionNum() uint32 {
	return uint32(C.ccx_version_num())
}

// headerVersionNum is CCX_VERSION_NUM of the header this package was compiled with.
const headerVersionNum = uint32(C.CCX_VERSION_NUM)
