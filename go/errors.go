package cloudconnexa

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Code is a ccx_code: why a call failed. The numbers are the C ABI's and never change.
type Code uint32

// The codes of the C ABI (cloudconnexa.h, enum ccx_code).
const (
	CodeOK               Code = 0
	CodeNullParameter    Code = 100
	CodeInvalidParameter Code = 101
	CodeInvalidUTF8      Code = 102
	CodeInvalidJSON      Code = 103
	CodeDNS              Code = 200
	CodeConnect          Code = 201
	CodeTLS              Code = 202
	CodeTimeout          Code = 203
	CodeIO               Code = 204
	CodeCancelled        Code = 205
	CodeProtocol         Code = 206
	CodeProxy            Code = 207
	CodeHTTPStatus       Code = 300
	CodeAuth             Code = 301
	CodeDecode           Code = 302
	CodeBodyTooLarge     Code = 303
	CodeRateLimited      Code = 400
	CodeCircuitOpen      Code = 401
	CodePoolExhausted    Code = 402
	CodePanic            Code = 900
	CodeInternal         Code = 901
)

// String is the library's English description of the code.
func (c Code) String() string { return codeString(c) }

// Sentinel errors for errors.Is. A *Error matches the sentinel of its kind:
//
//	errors.Is(err, cloudconnexa.ErrNotFound)   // HTTP 404
//	errors.Is(err, cloudconnexa.ErrCanceled)   // cancelled (context cancelled, or Close)
//	errors.Is(err, context.Canceled)           // ... when it was the context
//	errors.Is(err, cloudconnexa.ErrTimeout)    // timed out, or the context's deadline passed
//	errors.Is(err, context.DeadlineExceeded)   // ... when it was the context's deadline
var (
	ErrRateLimited   = errors.New("cloudconnexa: rate limited")
	ErrCircuitOpen   = errors.New("cloudconnexa: circuit open")
	ErrTimeout       = errors.New("cloudconnexa: timed out")
	ErrCanceled      = errors.New("cloudconnexa: canceled")
	ErrNotFound      = errors.New("cloudconnexa: not found")
	ErrPoolExhausted = errors.New("cloudconnexa: connection pool exhausted")
	ErrAuth          = errors.New("cloudconnexa: authentication failed")
	// ErrProtocol: the server's answer was not valid HTTP (CodeProtocol).
	ErrProtocol = errors.New("cloudconnexa: malformed HTTP response")
	// ErrProxy: the proxy refused the tunnel (CodeProxy; Status is the proxy's status).
	ErrProxy = errors.New("cloudconnexa: proxy refused the tunnel")
	// ErrClosed: the Client was closed (before the call, or during it).
	ErrClosed = errors.New("cloudconnexa: client is closed")
)

// Error is a failed call: the library's error object, copied into Go and freed.
type Error struct {
	Code    Code
	Message string
	// Status is the HTTP status for CodeHTTPStatus and CodeAuth errors, the proxy's
	// status for CodeProxy errors, else 0.
	Status int
	// Retryable: trying the same call again later may succeed.
	Retryable bool
	// RetryAfter is how long the server, the limiter or the breaker asked to wait (0: no hint).
	RetryAfter time.Duration
	// Body is the raw response body of an HTTP error (the API's ErrorResponse JSON).
	Body []byte

	// cause is context.Canceled, context.DeadlineExceeded or ErrClosed when that is why
	// the call was cancelled.
	cause error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("cloudconnexa: %s (code %d)", e.Message, uint32(e.Code))
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Unwrap gives the context error (or ErrClosed) behind a cancellation, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is matches the sentinel errors of this package.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.Code == CodeRateLimited
	case ErrCircuitOpen:
		return e.Code == CodeCircuitOpen
	case ErrTimeout:
		return e.Code == CodeTimeout || errors.Is(e.cause, context.DeadlineExceeded)
	case ErrCanceled:
		return e.Code == CodeCancelled
	case ErrNotFound:
		return e.Code == CodeHTTPStatus && e.Status == 404
	case ErrPoolExhausted:
		return e.Code == CodePoolExhausted
	case ErrAuth:
		return e.Code == CodeAuth
	case ErrProtocol:
		return e.Code == CodeProtocol
	case ErrProxy:
		return e.Code == CodeProxy
	}
	return false
}

func msDuration(ms uint64) time.Duration {
	const max = uint64(1<<63-1) / uint64(time.Millisecond)
	if ms > max {
		ms = max
	}
	return time.Duration(ms) * time.Millisecond
}

// setterError reports a rejected configuration value (setters have no error object).
func setterError(rc Code, what string) error {
	return &Error{Code: rc, Message: fmt.Sprintf("%s: %s", what, rc.String())}
}
