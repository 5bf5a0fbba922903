#!/usr/bin/env bash
# Install or uninstall the C library: `make install` / `make uninstall` run this script.
#
#   scripts/install.sh install     # after `cargo build --release --lib` (make install does it)
#   scripts/install.sh uninstall   # removes exactly the files `install` writes
#   scripts/install.sh list        # prints those files (with DESTDIR), one a line
#   scripts/install.sh link-so DIR # only writes DIR/libcloudconnexa.so.X.Y.Z (see below)
#
# Variables (the environment; make passes its own): PREFIX (default /usr/local), DESTDIR
# (default empty: staged installs prepend it to every path), LIBDIR (default $PREFIX/lib),
# CARGO_TARGET_DIR (default target), CC (default cc).
#
# Installed, with X.Y.Z the version of Cargo.toml:
#   $LIBDIR/libcloudconnexa.so.X.Y.Z, links libcloudconnexa.so.X (the soname) and
#     libcloudconnexa.so (for -lcloudconnexa) to it; $LIBDIR/libcloudconnexa.a
#   $PREFIX/include/cloudconnexa.h, cloudconnexa.hpp
#   $LIBDIR/pkgconfig/cloudconnexa.pc (shared), cloudconnexa-static.pc (static)
#   $LIBDIR/cmake/cloudconnexa/cloudconnexaConfig.cmake, cloudconnexaConfigVersion.cmake
#   $PREFIX/share/cloudconnexa/cloudconnexa.supp (valgrind suppressions)
# The pkg-config and CMake files find the prefix from their own place, so the installed
# tree can be moved (when LIBDIR is below PREFIX). docs/INSTALL.md has the details.
#
# The shared library is not cargo's target/release/libcloudconnexa.so: rustc links a cdylib
# with its own version script, which gives every export the base version and would take
# precedence over ours. `link-so` links the same code (libcloudconnexa.a, whole) into a
# shared library with packaging/cloudconnexa.map, so that exactly the header's ccx_*
# functions are exported, each as name@@CLOUDCONNEXA_X (docs/ABI.md).

set -euo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "install.sh: $*" >&2
    exit 1
}

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=$PREFIX/include
DATADIR=$PREFIX/share
RELEASE=${CARGO_TARGET_DIR:-target}/release
CC=${CC:-cc}
PREFIX=${PREFIX%/}
LIBDIR=${LIBDIR%/}
case $PREFIX in /*) ;; *) die "PREFIX must be an absolute path, not '$PREFIX'" ;; esac
case $LIBDIR in /*) ;; *) die "LIBDIR must be an absolute path, not '$LIBDIR'" ;; esac

# The version of the library crate (the first `version =` of Cargo.toml's [package]).
VERSION=$(awk '/^\[package\]/ { p = 1; next } /^\[/ { p = 0 } p && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' Cargo.toml)
[[ $VERSION =~ ^([0-9]+)\.([0-9]+)\.([0-9]+) ]] || die "no MAJOR.MINOR.PATCH version in Cargo.toml ('$VERSION')"
MAJOR=${BASH_REMATCH[1]}
MINOR=${BASH_REMATCH[2]}
SOVERSION=${BASH_REMATCH[0]}

# What libcloudconnexa.a needs from the system, in this order: `cargo rustc --release --lib
# --crate-type staticlib -- --print native-static-libs` (rustc 1.95, x86_64-unknown-linux-gnu).
NATIVE_LIBS="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
# The same for CMake (pthread through Threads::Threads).
CMAKE_STATIC_LIBS="gcc_s;util;rt;Threads::Threads;m;dl;c"

SO=libcloudconnexa.so.$SOVERSION
SONAME=libcloudconnexa.so.$MAJOR

# Every installed file, without DESTDIR (the order of `uninstall`).
files() {
    printf '%s\n' \
        "$LIBDIR/$SO" "$LIBDIR/$SONAME" "$LIBDIR/libcloudconnexa.so" "$LIBDIR/libcloudconnexa.a" \
        "$INCLUDEDIR/cloudconnexa.h" "$INCLUDEDIR/cloudconnexa.hpp" \
        "$LIBDIR/pkgconfig/cloudconnexa.pc" "$LIBDIR/pkgconfig/cloudconnexa-static.pc" \
        "$LIBDIR/cmake/cloudconnexa/cloudconnexaConfig.cmake" \
        "$LIBDIR/cmake/cloudconnexa/cloudconnexaConfigVersion.cmake" \
        "$DATADIR/cloudconnexa/cloudconnexa.supp"
}
# The directories that are ours alone, removed by `uninstall` once empty.
own_dirs() {
    printf '%s\n' "$LIBDIR/cmake/cloudconnexa" "$DATADIR/cloudconnexa"
}

# link-so DIR: DIR/libcloudconnexa.so.X.Y.Z from target/release/libcloudconnexa.a, exporting
# only the ccx_* functions under the version node of packaging/cloudconnexa.map.
link_so() {
    local dir=$1 archive=$RELEASE/libcloudconnexa.a
    [ -f "$archive" ] || die "$archive is missing: run 'cargo build --release --lib' (make install does)"
    mkdir -p "$dir"
    # -z defs: every symbol resolved now (a missing system library fails here, not at run time)
    # shellcheck disable=SC2086 # NATIVE_LIBS is a list of flags
    "$CC" -shared -o "$dir/$SO" \
        -Wl,--whole-archive "$archive" -Wl,--no-whole-archive \
        -Wl,--version-script=packaging/cloudconnexa.map -Wl,-soname,"$SONAME" \
        -Wl,--gc-sections -Wl,-z,defs -Wl,-z,relro -Wl,-z,now \
        $NATIVE_LIBS
}

# The relative way from directory $1 up to directory $2 ($2 must contain $1), e.g. ../..
ups() {
    local from=$1 to=$2 rel out=""
    rel=${from#"$to"/}
    IFS=/ read -ra parts <<<"$rel"
    for _ in "${parts[@]}"; do out=${out:+$out/}..; done
    echo "$out"
}

# Fill a template of packaging/ into $2.
render() {
    local pc_prefix pc_libdir cmake_prefix cmake_libdir
    if [[ $LIBDIR == "$PREFIX"/* ]]; then
        pc_prefix="\${pcfiledir}/$(ups "$LIBDIR/pkgconfig" "$PREFIX")"
        pc_libdir="\${prefix}/${LIBDIR#"$PREFIX"/}"
        cmake_prefix="get_filename_component(_cloudconnexa_prefix \"\${CMAKE_CURRENT_LIST_DIR}/$(ups "$LIBDIR/cmake/cloudconnexa" "$PREFIX")\" ABSOLUTE)"
        cmake_libdir="set(_cloudconnexa_libdir \"\${_cloudconnexa_prefix}/${LIBDIR#"$PREFIX"/}\")"
    else # a LIBDIR outside PREFIX: absolute paths, not relocatable
        pc_prefix=$PREFIX
        pc_libdir=$LIBDIR
        cmake_prefix="set(_cloudconnexa_prefix \"$PREFIX\")"
        cmake_libdir="set(_cloudconnexa_libdir \"$LIBDIR\")"
    fi
    local sizeof_void_p
    sizeof_void_p=$(getconf LONG_BIT)
    sizeof_void_p=$((sizeof_void_p / 8))
    sed -e "s|@PC_PREFIX@|$pc_prefix|g" -e "s|@PC_LIBDIR@|$pc_libdir|g" \
        -e "s|@CMAKE_PREFIX_EXPR@|$cmake_prefix|g" -e "s|@CMAKE_LIBDIR_EXPR@|$cmake_libdir|g" \
        -e "s|@VERSION@|$VERSION|g" -e "s|@MAJOR@|$MAJOR|g" -e "s|@MINOR@|$MINOR|g" \
        -e "s|@NATIVE_LIBS@|$NATIVE_LIBS|g" -e "s|@CMAKE_STATIC_LIBS@|$CMAKE_STATIC_LIBS|g" \
        -e "s|@SIZEOF_VOID_P@|$sizeof_void_p|g" "packaging/$1" >"$2"
    if grep -n '@[A-Z_]*@' "$2"; then
        die "$2: a placeholder of packaging/$1 was left unfilled"
    fi
}

install_all() {
    for f in "$RELEASE/libcloudconnexa.a" include/cloudconnexa.h include/cloudconnexa.hpp packaging/cloudconnexa.supp; do
        [ -f "$f" ] || die "$f is missing (cargo build --release --lib; make install builds it)"
    done
    local stage
    stage=$(mktemp -d)
    # shellcheck disable=SC2064 # expand now: the trap removes this stage
    trap "rm -rf '$stage'" EXIT
    link_so "$stage"
    render cloudconnexa.pc.in "$stage/cloudconnexa.pc"
    render cloudconnexa-static.pc.in "$stage/cloudconnexa-static.pc"
    render cloudconnexaConfig.cmake.in "$stage/cloudconnexaConfig.cmake"
    render cloudconnexaConfigVersion.cmake.in "$stage/cloudconnexaConfigVersion.cmake"

    local d=$DESTDIR
    install -d "$d$LIBDIR" "$d$LIBDIR/pkgconfig" "$d$LIBDIR/cmake/cloudconnexa" "$d$INCLUDEDIR" "$d$DATADIR/cloudconnexa"
    install -m 0755 "$stage/$SO" "$d$LIBDIR/$SO"
    ln -sfn "$SO" "$d$LIBDIR/$SONAME"
    ln -sfn "$SONAME" "$d$LIBDIR/libcloudconnexa.so"
    install -m 0644 "$RELEASE/libcloudconnexa.a" "$d$LIBDIR/libcloudconnexa.a"
    install -m 0644 include/cloudconnexa.h include/cloudconnexa.hpp "$d$INCLUDEDIR/"
    install -m 0644 "$stage/cloudconnexa.pc" "$stage/cloudconnexa-static.pc" "$d$LIBDIR/pkgconfig/"
    install -m 0644 "$stage/cloudconnexaConfig.cmake" "$stage/cloudconnexaConfigVersion.cmake" \
        "$d$LIBDIR/cmake/cloudconnexa/"
    install -m 0644 packaging/cloudconnexa.supp "$d$DATADIR/cloudconnexa/cloudconnexa.supp"
    files | sed "s|^|installed $d|"
}

uninstall_all() {
    local f dir
    while read -r f; do
        if [ -e "$DESTDIR$f" ] || [ -L "$DESTDIR$f" ]; then
            rm -f "$DESTDIR$f"
            echo "removed $DESTDIR$f"
        fi
    done < <(files)
    while read -r dir; do
        if [ -d "$DESTDIR$dir" ]; then
            rmdir "$DESTDIR$dir" 2>/dev/null && echo "removed $DESTDIR$dir/" ||
                echo "kept $DESTDIR$dir/ (not empty)"
        fi
    done < <(own_dirs)
}

case ${1:-} in
install) install_all ;;
uninstall) uninstall_all ;;
list) files | sed "s|^|$DESTDIR|" ;;
link-so)
    [ $# -eq 2 ] || die "usage: install.sh link-so DIR"
    link_so "$2"
    echo "$2/$SO"
    ;;
*) die "usage: install.sh install|uninstall|list|link-so DIR" ;;
esac
