//go:build ccx_intree

package cloudconnexa

// The build tag ccx_intree: the header of this repository (include/) and the static
// library of its build tree, target/release/libcloudconnexa.a (`cargo build --release
// --lib`), so that a program needs no shared library at start. With CARGO_TARGET_DIR set,
// put its release directory first: CGO_LDFLAGS="-L$CARGO_TARGET_DIR/release" (flags from
// the environment come before these).

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: -L${SRCDIR}/../target/release -l:libcloudconnexa.a -lpthread -ldl -lm
*/
import "C"
