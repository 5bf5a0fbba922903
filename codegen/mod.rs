//! The generators `build.rs` runs: from the table in `table.rs` they write the C
//! functions, the settings table, the Go wrappers and the `ccx` verbs. Each output is
//! committed and rewritten only when it changes; `make header-drift` checks that they
//! match the table. Only compiled into the build script.

mod c;
mod cli;
mod doc;
mod go;
mod settings;
mod table;

use std::path::Path;

/// Every generated file: its path from the repository root and its text.
pub fn outputs() -> Vec<(&'static str, String)> {
    vec![
        ("src/ffi/generated.rs", c::generate()),
        ("src/ffi/settings_gen.rs", settings::generate()),
        ("go/ops_gen.go", go::generate()),
        ("go/families_gen.go", go::families()),
        ("cli/src/ops_gen.rs", cli::generate()),
    ]
}

/// Write the outputs under `root` whose text changed. Outputs of a binding that is not
/// there (a packaged crate has no `go/` or `cli/`) are skipped.
pub fn write_all(root: &Path) {
    for (path, text) in outputs() {
        let p = root.join(path);
        if !p.parent().is_some_and(Path::is_dir) {
            continue;
        }
        if std::fs::read_to_string(&p).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {path}: {e}"));
        }
    }
}
