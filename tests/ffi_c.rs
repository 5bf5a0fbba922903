//! The C ABI as C and C++ programs see it: builds the release static and shared libraries
//! and the emulator with cargo, then compiles and runs the programs of `tests/c/`:
//!
//! * `test_api.c`: every resource family through the ABI against the emulator, argument
//!   errors, cancellation from another thread, callbacks, metrics, threads, plus the NULL
//!   argument cases that `scripts/gen_null_tests.py` generates from the header at test time;
//!   run plainly, under valgrind (no leak, no error) and built with AddressSanitizer and
//!   UndefinedBehaviorSanitizer;
//! * `header_check.c` / `header_check.cc`: the header compiles warning-free as C11 and
//!   C++17 and links statically and dynamically (through the soname `libcloudconnexa.so.0`);
//! * the exported symbols of the shared library are exactly the header's functions, all
//!   prefixed `ccx_` (a function cbindgen cannot see would show up here); in the library
//!   `make install` ships (`scripts/install.sh link-so`), each is versioned
//!   `name@@CLOUDCONNEXA_0` (packaging/cloudconnexa.map);
//! * `test_api.c --proxy`: every CRUD family (and devices, regions, sessions, settings)
//!   through a real tinyproxy with Basic credentials to the emulator over HTTPS, then wrong
//!   credentials (`CCX_CODE_PROXY`, one `CONNECT`); plainly, under valgrind (with only the
//!   shipped suppression file) and with ASan and UBSan.
//!
//! Needs gcc, g++, python3, valgrind, nm and readelf (`make deps`). The tests are ignored by
//! plain `cargo test` because they build the release library and run valgrind; `make c-test`
//! (part of `make test`) runs them: `cargo test --test ffi_c -- --ignored`.

mod proxy_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// What every test needs: paths, and the C test program built once.
struct Env {
    root: PathBuf,
    /// `target/ffi-c`: everything these tests build.
    out: PathBuf,
    /// `target/release`: `libcloudconnexa.a`, `libcloudconnexa.so`, `cloudconnexa-mock`.
    release: PathBuf,
    mock: PathBuf,
    /// `test_api.c` + harness + generated NULL cases, without sanitizers.
    suite: PathBuf,
}

const CFLAGS: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"];
const CXXFLAGS: &[&str] = &["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic"];
const LIBS: &[&str] = &["-lpthread", "-ldl", "-lm"];

fn cmd_line(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Run a command; `Err` with its output unless it exits 0.
fn try_run(c: &mut Command) -> Result<Output, String> {
    let line = cmd_line(c);
    let out = c
        .output()
        .map_err(|e| format!("cannot run `{line}`: {e} (is it installed? see `make deps`)"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "`{line}` failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn run(c: &mut Command) -> Output {
    try_run(c).unwrap_or_else(|e| panic!("{e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string())
}

fn prepare() -> Result<Env, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let meta =
        try_run(
            Command::new(cargo())
                .current_dir(&root)
                .args(["metadata", "--format-version", "1", "--no-deps"]),
        )?;
    let meta: serde_json::Value = serde_json::from_slice(&meta.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let target = PathBuf::from(
        meta["target_directory"]
            .as_str()
            .ok_or("cargo metadata: no target_directory")?,
    );
    // The release libraries (static and shared) and the emulator; build.rs rewrites the header.
    try_run(
        Command::new(cargo())
            .current_dir(&root)
            .args(["build", "--release", "--lib", "-p", "cloudconnexa"]),
    )?;
    try_run(Command::new(cargo()).current_dir(&root).args([
        "build",
        "--release",
        "-p",
        "cloudconnexa-mock",
        "--bin",
        "cloudconnexa-mock",
    ]))?;
    let release = target.join("release");
    let out = target.join("ffi-c");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    // The NULL cases, from the header just written: a new function cannot miss them.
    try_run(Command::new("python3").current_dir(&root).args([
        Path::new("scripts/gen_null_tests.py"),
        Path::new("include/cloudconnexa.h"),
        &out.join("null_tests.c"),
    ]))?;
    let suite = out.join("ccx_c_tests");
    try_run(&mut compile_suite(&root, &out, &release, &suite, &["-g", "-O1"]))?;
    Ok(Env {
        mock: release.join("cloudconnexa-mock"),
        root,
        out,
        release,
        suite,
    })
}

fn env() -> &'static Env {
    static ENV: OnceLock<Result<Env, String>> = OnceLock::new();
    match ENV.get_or_init(prepare) {
        Ok(e) => e,
        Err(msg) => panic!("setting up the C tests failed: {msg}"),
    }
}

/// gcc command for the suite (test_api.c, harness.c, the generated NULL cases).
fn compile_suite(root: &Path, out: &Path, release: &Path, exe: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new("gcc");
    c.current_dir(root)
        .args(CFLAGS)
        .args(extra)
        .args(["-Iinclude", "-Itests/c", "tests/c/harness.c", "tests/c/test_api.c"])
        .arg(out.join("null_tests.c"))
        .arg(release.join("libcloudconnexa.a"))
        .args(LIBS)
        .arg("-o")
        .arg(exe);
    c
}

/// The totals of the suite's report (NULL cases, cancellation timings, checks and failures).
fn totals(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| l.starts_with("  ") || l.starts_with("C ABI") || l.starts_with("FAIL"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The suite's report: its `ok`/`FAIL` lines and the totals.
fn report(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("FAIL") || l.starts_with("  ") || l.starts_with("C ABI"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn suite_passed(what: &str, out: &Output) {
    let stderr = text(&out.stderr);
    assert!(
        out.status.success() && stderr.contains(", 0 failures"),
        "{what} failed ({}):\n{stderr}",
        out.status
    );
}

#[test]
#[ignore = "builds the release library and the emulator; run by `make c-test`"]
fn c_suite() {
    let e = env();
    let out = Command::new(&e.suite)
        .arg(&e.mock)
        .current_dir(&e.root)
        .output()
        .expect("run the C suite");
    suite_passed("the C suite", &out);
    eprintln!("[ffi_c] C suite:\n{}", report(&text(&out.stderr)));
}

#[test]
#[ignore = "builds the release library and the emulator; run by `make c-test`"]
fn c_suite_under_valgrind() {
    let e = env();
    let log = e.out.join("valgrind.log");
    let out = valgrind(e, &log, &[])
        .arg(&e.mock)
        .output()
        .expect("run valgrind (see `make deps`)");
    let vg = valgrind_clean("the C suite under valgrind", &out, &log);
    let summary: Vec<&str> = vg
        .lines()
        .filter(|l| {
            [
                "lost:",
                "reachable:",
                "suppressed:",
                "ERROR SUMMARY",
                "in use at exit",
                "total heap usage",
            ]
            .iter()
            .any(|k| l.contains(k))
        })
        .collect();
    eprintln!(
        "[ffi_c] valgrind memcheck of the C suite:\n{}\n{}",
        summary.join("\n"),
        totals(&text(&out.stderr))
    );
}

/// The valgrind command of the suite runs (memcheck, every leak kind an error), with
/// `extra` options before the program.
fn valgrind(e: &Env, log: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new("valgrind");
    c.current_dir(&e.root)
        .args([
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--error-exitcode=97",
            "--child-silent-after-fork=yes",
            "--suppressions=packaging/cloudconnexa.supp",
        ])
        .arg(format!("--log-file={}", log.display()))
        .args(extra)
        .arg(&e.suite);
    c
}

/// Assert that a run under valgrind passed with no error and no leak; its log.
fn valgrind_clean(what: &str, out: &Output, log: &Path) -> String {
    let vg = std::fs::read_to_string(log).unwrap_or_default();
    assert!(
        out.status.success() && vg.contains("ERROR SUMMARY: 0 errors"),
        "valgrind found errors or leaks ({}):\n{vg}\n--- program\n{}",
        out.status,
        text(&out.stderr)
    );
    suite_passed(what, out);
    for kind in [
        "definitely lost: 0 bytes",
        "indirectly lost: 0 bytes",
        "possibly lost: 0 bytes",
    ] {
        assert!(
            vg.contains(kind) || vg.contains("no leaks are possible"),
            "valgrind: no `{kind}`:\n{vg}"
        );
    }
    vg
}

/// The suite built with AddressSanitizer and UBSan into `out/<name>`.
fn asan_suite(e: &Env, name: &str) -> PathBuf {
    let exe = e.out.join(name);
    let flags = [
        "-g",
        "-O1",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=undefined",
        "-fno-omit-frame-pointer",
    ];
    run(&mut compile_suite(&e.root, &e.out, &e.release, &exe, &flags));
    let syms = run(Command::new("nm").arg(&exe));
    assert!(
        text(&syms.stdout).contains("__asan_init"),
        "the ASan build has no __asan_init"
    );
    exe
}

/// Run an ASan build (`cmd`) and assert no sanitizer report and a passing suite; its stderr.
fn asan_clean(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1",
        )
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        .output()
        .expect("run the ASan build");
    let stderr = text(&out.stderr);
    for bad in ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"] {
        assert!(!stderr.contains(bad), "sanitizer report:\n{stderr}");
    }
    suite_passed(what, &out);
    stderr
}

#[test]
#[ignore = "builds the release library and the emulator; run by `make c-test`"]
fn c_suite_with_address_sanitizer() {
    let e = env();
    let exe = asan_suite(e, "ccx_c_tests_asan");
    let stderr = asan_clean(
        "the C suite with AddressSanitizer",
        Command::new(&exe).arg(&e.mock).current_dir(&e.root),
    );
    eprintln!(
        "[ffi_c] AddressSanitizer + LeakSanitizer + UBSan build of the C suite: no report\n{}",
        totals(&stderr)
    );
}

#[test]
#[ignore = "builds the release library and the emulator; run by `make c-test`"]
fn c_suite_through_a_proxy_plain_valgrind_and_asan() {
    use proxy_support::{ProxyConf, TinyProxy};
    let e = env();
    let conf = ProxyConf {
        basic_auth: Some(("cuser".into(), "CPassw0rd4proxy".into())),
        ..ProxyConf::default()
    };
    let Some(proxy) = TinyProxy::start(&conf) else {
        return;
    };
    let mut o = cloudconnexa_mock::MockOptions::default();
    o.rate_limit.enabled = false;
    o.tls = true;
    o.cert_dir = Some(e.out.join(format!("proxy-certs-{}", std::process::id())));
    let server = cloudconnexa_mock::MockServer::start(o).expect("the TLS emulator");
    let target = format!("localhost:{}", server.port());
    let accepted = || server.stats()["connections_accepted"].as_u64().unwrap_or(0) as usize;
    let asan = asan_suite(e, "ccx_c_tests_asan_proxy");
    let vg_log = e.out.join("valgrind-proxy.log");
    let runs: [(&str, Command); 3] = [
        ("plain", {
            let mut c = Command::new(&e.suite);
            c.arg("--proxy");
            c
        }),
        // TLS under valgrind: ring's AES-GCM assembly gives two false definedness reports
        // per connection, which the shipped suppression file names (and nothing else).
        ("valgrind", {
            let mut c = valgrind(e, &vg_log, &[]);
            c.arg("--proxy");
            c
        }),
        ("ASan", {
            let mut c = Command::new(&asan);
            c.arg("--proxy");
            c
        }),
    ];
    for (how, mut cmd) in runs {
        let (connects, conns) = (proxy.connects_to(&target), accepted());
        cmd.current_dir(&e.root)
            .env("CCX_TEST_API_URL", server.base_url())
            .env("CCX_TEST_CLIENT_ID", server.client_id())
            .env("CCX_TEST_CLIENT_SECRET", server.client_secret())
            .env("CCX_TEST_CA_FILE", server.ca_path().expect("cert_dir"))
            .env("CCX_TEST_PROXY", proxy.url_with("cuser", "CPassw0rd4proxy"))
            .env("CCX_TEST_BAD_PROXY", proxy.url_with("cuser", "wrong"));
        let what = format!("the C suite through a proxy ({how})");
        let stderr = match how {
            "valgrind" => {
                let out = cmd.output().expect("run valgrind (see `make deps`)");
                valgrind_clean(&what, &out, &vg_log);
                text(&out.stderr)
            }
            "ASan" => asan_clean(&what, &mut cmd),
            _ => {
                let out = cmd.output().expect("run the C suite");
                suite_passed(&what, &out);
                text(&out.stderr)
            }
        };
        // the tunnels the emulator saw, plus the one refused CONNECT of the wrong credentials
        let tunnels = proxy.connects_to(&target) - connects;
        let opened = accepted() - conns;
        assert!(opened >= 1, "{how}: the emulator saw no connection");
        assert_eq!(
            tunnels,
            opened + 1,
            "{how}: every emulator connection is a tunnel, and the refused call made one CONNECT:\n{}",
            proxy.log()
        );
        eprintln!(
            "[ffi_c] through tinyproxy ({how}): {opened} tunnel(s), 1 refused CONNECT\n{}",
            report(&stderr)
        );
    }
}

#[test]
#[ignore = "builds the release library and the emulator; run by `make c-test`"]
fn c_header_compiles_as_c_and_cpp_and_links_statically() {
    let e = env();
    let lib = e.release.join("libcloudconnexa.a");
    let c_exe = e.out.join("header_check_static");
    run(Command::new("gcc")
        .current_dir(&e.root)
        .args(CFLAGS)
        .args(["-Iinclude", "tests/c/header_check.c"])
        .arg(&lib)
        .args(LIBS)
        .arg("-o")
        .arg(&c_exe));
    let c99 = run(Command::new("gcc").current_dir(&e.root).args([
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-fsyntax-only",
        "-Iinclude",
        "tests/c/header_check.c",
    ]));
    assert!(c99.stderr.is_empty(), "C99 warnings: {}", text(&c99.stderr));
    let cpp_exe = e.out.join("header_check_cpp");
    run(Command::new("g++")
        .current_dir(&e.root)
        .args(CXXFLAGS)
        .args(["-Iinclude", "tests/c/header_check.cc"])
        .arg(&lib)
        .args(LIBS)
        .arg("-o")
        .arg(&cpp_exe));
    let c_run = run(&mut Command::new(&c_exe));
    let cpp_run = run(&mut Command::new(&cpp_exe));
    let needed = text(&run(Command::new("readelf").arg("-d").arg(&c_exe)).stdout);
    assert!(
        !needed.contains("libcloudconnexa"),
        "the static build needs a shared libcloudconnexa:\n{needed}"
    );
    eprintln!(
        "[ffi_c] header: C11 and C99 -pedantic, C++17 -pedantic: no warning; static C: {}static C++: {}",
        text(&c_run.stdout),
        text(&cpp_run.stdout)
    );
}

#[test]
#[ignore = "builds the release library and the emulator; run by `make c-test`"]
fn c_header_links_dynamically_through_the_soname() {
    let e = env();
    let so = e.release.join("libcloudconnexa.so");
    let dynamic = text(&run(Command::new("readelf").arg("-d").arg(&so)).stdout);
    assert!(
        dynamic.contains("Library soname: [libcloudconnexa.so.0]"),
        "soname:\n{dynamic}"
    );
    // The build tree as it is: `cargo build` leaves `libcloudconnexa.so.0` beside the library.
    let dir = e.release.clone();
    let soname_link =
        std::fs::read_link(dir.join("libcloudconnexa.so.0")).expect("libcloudconnexa.so.0 in the build tree");
    assert_eq!(soname_link, std::path::PathBuf::from("libcloudconnexa.so"));
    let exe = e.out.join("header_check_dynamic");
    run(Command::new("gcc")
        .current_dir(&e.root)
        .args(CFLAGS)
        .args(["-Iinclude", "tests/c/header_check.c"])
        .arg(format!("-L{}", dir.display()))
        .arg(format!("-Wl,-rpath,{}", dir.display()))
        .arg("-lcloudconnexa")
        .arg("-o")
        .arg(&exe));
    let needed = text(&run(Command::new("readelf").arg("-d").arg(&exe)).stdout);
    assert!(
        needed.contains("Shared library: [libcloudconnexa.so.0]"),
        "NEEDED:\n{needed}"
    );
    let out = run(&mut Command::new(&exe));
    eprintln!(
        "[ffi_c] dynamic link through libcloudconnexa.so.0: {}",
        text(&out.stdout).trim()
    );
}

#[test]
#[ignore = "builds the release library and the emulator; run by `make c-test`"]
fn c_exports_are_exactly_the_header_functions() {
    let e = env();
    let nm = run(Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(e.release.join("libcloudconnexa.so")));
    let mut exported: Vec<String> = text(&nm.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[1] == "T").then(|| f[2].to_string())
        })
        .collect();
    exported.sort();
    let bad: Vec<&String> = exported.iter().filter(|s| !s.starts_with("ccx_")).collect();
    assert!(bad.is_empty(), "exported functions without the ccx_ prefix: {bad:?}");
    let declared = declared_functions(e);
    let missing: Vec<&String> = exported.iter().filter(|s| !declared.contains(s)).collect();
    let absent: Vec<&String> = declared.iter().filter(|s| !exported.contains(s)).collect();
    assert!(
        missing.is_empty(),
        "exported but not in include/cloudconnexa.h (cbindgen cannot see them?): {missing:?}"
    );
    assert!(absent.is_empty(), "declared in the header but not exported: {absent:?}");
    eprintln!(
        "[ffi_c] exports: {} functions, all ccx_*, exactly the header's",
        exported.len()
    );
}

/// The functions `include/cloudconnexa.h` declares, sorted.
fn declared_functions(e: &Env) -> Vec<String> {
    let listed = run(Command::new("python3").current_dir(&e.root).args([
        "scripts/gen_null_tests.py",
        "--list",
        "include/cloudconnexa.h",
    ]));
    let mut declared: Vec<String> = text(&listed.stdout).lines().map(str::to_string).collect();
    declared.sort();
    declared
}

#[test]
#[ignore = "builds the release library and the emulator; run by `make c-test`"]
fn c_installed_library_exports_the_header_functions_under_one_version_node() {
    let e = env();
    // The shared library `make install` installs: libcloudconnexa.a linked with the version
    // script (cargo's cdylib carries rustc's own, which leaves every export unversioned).
    let dir = e.out.join("versioned");
    let target = e.release.parent().expect("target/release has a parent");
    let linked = run(Command::new("bash")
        .current_dir(&e.root)
        .env("CARGO_TARGET_DIR", target)
        .args(["scripts/install.sh", "link-so"])
        .arg(&dir));
    let so = PathBuf::from(text(&linked.stdout).trim());
    let dynamic = text(&run(Command::new("readelf").arg("-d").arg(&so)).stdout);
    assert!(
        dynamic.contains("Library soname: [libcloudconnexa.so.0]"),
        "soname:\n{dynamic}"
    );
    let syms = text(&run(Command::new("readelf").args(["--dyn-syms", "-W"]).arg(&so)).stdout);
    // Every defined dynamic symbol: the lines `N: Value Size Type Bind Vis Ndx Name` (not the
    // column header `Num: ...`).
    let defined: Vec<&str> = syms
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let entry = f
                .first()
                .and_then(|n| n.strip_suffix(':'))
                .is_some_and(|n| n.parse::<u32>().is_ok());
            if entry && f.len() >= 8 && f[6] != "UND" {
                Some(f[7])
            } else {
                None
            }
        })
        .collect();
    let node: Vec<&&str> = defined.iter().filter(|s| **s == "CLOUDCONNEXA_0").collect();
    assert_eq!(node.len(), 1, "the version node's symbol CLOUDCONNEXA_0:\n{syms}");
    let outside: Vec<&&str> = defined
        .iter()
        .filter(|s| **s != "CLOUDCONNEXA_0" && !s.ends_with("@@CLOUDCONNEXA_0"))
        .collect();
    assert!(outside.is_empty(), "exports outside CLOUDCONNEXA_0: {outside:?}");
    let mut versioned: Vec<String> = defined
        .iter()
        .filter_map(|s| s.strip_suffix("@@CLOUDCONNEXA_0"))
        .map(str::to_string)
        .collect();
    versioned.sort();
    assert_eq!(
        versioned,
        declared_functions(e),
        "the versioned exports are not exactly the header's functions"
    );
    let verdef = text(&run(Command::new("readelf").args(["-V", "-W"]).arg(&so)).stdout);
    assert!(
        verdef.contains("Name: CLOUDCONNEXA_0"),
        "no version definition CLOUDCONNEXA_0:\n{verdef}"
    );
    eprintln!(
        "[ffi_c] {}: soname libcloudconnexa.so.0, {} exports, each name@@CLOUDCONNEXA_0, exactly the header's",
        so.display(),
        versioned.len()
    );
}
