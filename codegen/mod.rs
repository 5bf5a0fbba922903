//! The generators `build.rs` runs: from the table in `table.rs` they write the C
//! functions, the settings table, the Go wrappers and the `ccx` verbs. Each output is
//! committed and rewritten only when it changes; `make header-drift` checks that they
//! match the table. Only compiled into the build script.

mod c;
mod cli;
mod doc;
mod go;
mod gomodels;
mod settings;
mod table;

use std::path::Path;

/// Every generated file: its path from the repository root and how to make its text
/// (the Go models read the OpenAPI document under `root`).
#[allow(clippy::type_complexity)]
pub fn outputs() -> Vec<(&'static str, Box<dyn Fn(&Path) -> String>)> {
    vec![
        ("src/ffi/generated.rs", Box::new(|_| c::generate())),
        ("src/ffi/settings_gen.rs", Box::new(|_| settings::generate())),
        ("go/ops_gen.go", Box::new(|_| go::generate())),
        ("go/families_gen.go", Box::new(|_| go::families())),
        (
            "go/models_gen.go",
            Box::new(|root| {
                let spec = root.join(gomodels::SPEC);
                let text = std::fs::read_to_string(&spec).unwrap_or_else(|e| panic!("read {}: {e}", spec.display()));
                gomodels::generate(&text)
            }),
        ),
        ("cli/src/ops_gen.rs", Box::new(|_| cli::generate())),
    ]
}

/// Write the outputs under `root` whose text changed. Outputs of a binding that is not
/// there (a packaged crate has no `go/` or `cli/`) are skipped, and not made.
pub fn write_all(root: &Path) {
    for (path, make) in outputs() {
        let p = root.join(path);
        if !p.parent().is_some_and(Path::is_dir) {
            continue;
        }
        let text = make(root);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {path}: {e}"));
        }
    }
}
