//! Writes the files generated from the operation table (`codegen/`: the C functions,
//! the settings table, the Go wrappers, the `ccx` verbs), generates
//! `include/cloudconnexa.h` from `src/ffi` with cbindgen, gives the shared library a
//! soname carrying the major version with a link of that name beside it, and writes
//! `cloudconnexa.pc` next to the built libraries.

use std::path::PathBuf;

#[path = "codegen/mod.rs"]
mod codegen;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=codegen");
    println!("cargo:rerun-if-changed=spec/cloudconnexa-api-1.1.0.json");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcloudconnexa.so.{major}");
    }

    // Everything generated from the operation table (before cbindgen reads the C functions).
    codegen::write_all(&dir);

    // The header: from the ffi module only, as the C side sees it, with the version macros
    // of Cargo.toml's version.
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let defines = version_macros(&version);
    config.after_includes = Some(config.after_includes.unwrap_or_default() + &defines);
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
            // The soname's file beside the library, so a program linked with
            // `-L target/release -lcloudconnexa` finds `libcloudconnexa.so.MAJOR` at start
            // (a relative link, dangling until the library is linked after this script).
            #[cfg(unix)]
            if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
                let link = profile_dir.join(format!("libcloudconnexa.so.{major}"));
                if std::fs::symlink_metadata(&link).is_err() {
                    let _ = std::os::unix::fs::symlink("libcloudconnexa.so", &link);
                }
            }
        }
    }
}

/// The header's `CCX_VERSION_*` macros for `version` (`MAJOR.MINOR.PATCH[-pre]`); each part
/// must fit a byte, as `CCX_VERSION_NUM` packs them into `0xMMmmpp`.
fn version_macros(version: &str) -> String {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let parts: Vec<u32> = core
        .split('.')
        .map(|p| p.parse().expect("Cargo.toml version parts are numbers"))
        .collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| *p < 256),
        "the version {version} must be MAJOR.MINOR.PATCH with each part below 256"
    );
    let (major, minor, patch) = (parts[0], parts[1], parts[2]);
    format!(
        "#define CCX_VERSION_MAJOR {major}\n\
         #define CCX_VERSION_MINOR {minor}\n\
         #define CCX_VERSION_PATCH {patch}\n\
         /* (major << 16) | (minor << 8) | patch: the same number as ccx_version_num() of this release */\n\
         #define CCX_VERSION_NUM 0x{major:02x}{minor:02x}{patch:02x}\n\
         #define CCX_VERSION_STRING \"{version}\"\n\
         /* True when this header is version x.y.z or later. */\n\
         #define CCX_AT_LEAST_VERSION(x, y, z) (CCX_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))\n"
    )
}
