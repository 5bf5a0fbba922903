//go:build !ccx_intree

package cloudconnexa

// The default link: the installed library, found by pkg-config (cloudconnexa.pc, from
// `make install`, or the build tree's target/release/cloudconnexa.pc through
// PKG_CONFIG_PATH). pkg-config's flags link the shared library when it is there; a
// program then finds libcloudconnexa.so.0 at start through its rpath, the system's
// library path or LD_LIBRARY_PATH. The build tag ccx_intree links the build tree's
// static library instead (link_intree.go).

/*
#cgo pkg-config: cloudconnexa
*/
import "C"
