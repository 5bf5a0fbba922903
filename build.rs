//! Writes the files generated from the operation table (`codegen/`: the C functions,
//! the settings table, the Go wrappers, the `ccx` verbs), generates
//! `include/cloudconnexa.h` from `src/ffi` with cbindgen, gives the shared library a
//! soname carrying the major version, and writes `cloudconnexa.pc` next to the built
//! libraries.

use std::path::PathBuf;

#[path = "codegen/mod.rs"]
mod codegen;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=codegen");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcloudconnexa.so.{major}");
    }

    // Everything generated from the operation table (before cbindgen reads the C functions).
    codegen::write_all(&dir);

    // The header: from the ffi module only, as the C side sees it.
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    match cbindgen::Builder::new().with_crate(&dir).with_config(config).generate() {
        Ok(bindings) => {
            bindings.write_to_file(dir.join("include/cloudconnexa.h"));
        }
        Err(e) => panic!("cbindgen could not generate include/cloudconnexa.h: {e}"),
    }

    // pkg-config file beside the libraries (target/<profile>/cloudconnexa.pc).
    if let Ok(out) = std::env::var("OUT_DIR") {
        // OUT_DIR is target/<profile>/build/cloudconnexa-<hash>/out
        if let Some(profile_dir) = PathBuf::from(out).ancestors().nth(3) {
            let pc = format!(
                "prefix={prefix}\nlibdir={libdir}\nincludedir={include}\n\nName: cloudconnexa\n\
                 Description: Client for the Cloud Connexa REST API\nVersion: {version}\n\
                 Libs: -L${{libdir}} -lcloudconnexa\nLibs.private: -lpthread -ldl -lm\nCflags: -I${{includedir}}\n",
                prefix = dir.display(),
                libdir = profile_dir.display(),
                include = dir.join("include").display(),
            );
            let _ = std::fs::write(profile_dir.join("cloudconnexa.pc"), pc);
        }
    }
}
