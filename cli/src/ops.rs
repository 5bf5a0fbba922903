//! `ccx <group> <verb>` for the operations beyond CRUD: the verbs come from the table
//! `build.rs` generates (`ops_gen.rs`, from `codegen/table.rs`); this module turns each
//! into a subcommand, reads its arguments and prints its answer. Arguments are
//! converted by `convert.rs`, the same file the C ABI uses.
//!
//! Spelling: an argument `id` or `name` is positional (`ccx users activate ID`), other
//! ids are flags named after them (`--user`, `--region`, `--parent`); JSON arguments are
//! positional, inline or `@FILE` or `-` for stdin.

use std::cell::OnceCell;
use std::io::Read;

use clap::{Arg as ClapArg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use cloudconnexa::Client;
use cloudconnexa::models::PageRequest;
use serde::Serialize;
use serde_json::Value;

use crate::conn::ConnArgs;
use crate::failure::{CmdResult, Failure};
use crate::output;

/// The library, as `convert.rs` names it.
use cloudconnexa as cc;

#[path = "../../src/ffi/convert.rs"]
#[allow(dead_code)]
pub mod convert;

#[path = "ops_gen.rs"]
#[rustfmt::skip]
mod generated;

pub use generated::CRUD_FAMILIES;

/// One argument of a verb (mirrors the table's): its name and, where the name is not
/// enough, its help.
#[derive(Debug, Clone, Copy)]
pub enum Arg {
    Id(&'static str),
    OptId(&'static str),
    /// `--page`/`--size` (no verb takes it today: `devices list` is a CRUD verb).
    #[allow(dead_code)]
    Page,
    Num(&'static str, &'static str),
    Str(&'static str, &'static str),
    /// Name, optional, help.
    Json(&'static str, bool, &'static str),
}

/// What a verb answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    Unit,
    Json,
    Bool,
    Text,
}

/// One verb of a group.
pub struct Verb {
    pub family: &'static str,
    pub verb: &'static str,
    pub about: &'static str,
    pub args: &'static [Arg],
    pub out: Out,
    pub run: fn(&In) -> CmdResult<Value>,
}

impl From<convert::Bad> for Failure {
    fn from(b: convert::Bad) -> Failure {
        match b {
            convert::Bad::Json(m) | convert::Bad::Param(m) => Failure::new(m),
            convert::Bad::Api(e) => e.into(),
        }
    }
}

/// An answer as JSON.
pub fn value<T: Serialize + ?Sized>(v: &T) -> CmdResult<Value> {
    serde_json::to_value(v).map_err(|e| Failure::new(format!("cannot encode the answer: {e}")))
}

/// A name computed once for the command line (clap keeps `&'static str`).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The flag of an id argument: `user_id` is `--user`.
fn flag(name: &str) -> &'static str {
    leak(name.trim_end_matches("_id").replace('_', "-"))
}

fn positional(name: &str) -> bool {
    matches!(name, "id" | "name")
}

/// The parsed command line of one verb, and the client, built when first needed.
pub struct In<'a> {
    m: &'a ArgMatches,
    client: OnceCell<Client>,
}

impl In<'_> {
    /// The client from the connection flags and environment.
    pub fn client(&self) -> CmdResult<&Client> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let conn = ConnArgs::from_arg_matches(self.m).map_err(|e| Failure::new(e.to_string()))?;
        let c = conn.builder()?.build()?;
        Ok(self.client.get_or_init(|| c))
    }

    /// A required id or string.
    pub fn id(&self, name: &str) -> CmdResult<&str> {
        self.m
            .get_one::<String>(name)
            .map(String::as_str)
            .ok_or_else(|| Failure::new(format!("{name} is required")))
    }

    /// An optional id.
    pub fn opt_id(&self, name: &str) -> Option<&str> {
        self.m.get_one::<String>(name).map(String::as_str)
    }

    /// `--page` and `--size`.
    #[allow(dead_code)]
    pub fn page(&self) -> PageRequest {
        let page = self.m.get_one::<u32>("page").copied().unwrap_or(0);
        let size = self.m.get_one::<u32>("size").copied().unwrap_or(100);
        PageRequest::new(page, size)
    }

    /// A number flag.
    pub fn num(&self, name: &str) -> u32 {
        self.m.get_one::<u32>(name).copied().unwrap_or(0)
    }

    /// A JSON argument: inline, `@FILE`, or `-` for stdin; absent is empty.
    pub fn json(&self, name: &str) -> CmdResult<Vec<u8>> {
        let Some(v) = self.m.get_one::<String>(name) else {
            return Ok(Vec::new());
        };
        if v == "-" {
            let mut b = Vec::new();
            std::io::stdin()
                .read_to_end(&mut b)
                .map_err(|e| Failure::new(format!("cannot read {name} from stdin: {e}")))?;
            return Ok(b);
        }
        if let Some(path) = v.strip_prefix('@') {
            return std::fs::read(path).map_err(|e| Failure::new(format!("cannot read {path}: {e}")));
        }
        Ok(v.clone().into_bytes())
    }
}

fn arg_of(a: Arg) -> Vec<ClapArg> {
    match a {
        Arg::Id(n) | Arg::Str(n, _) if positional(n) => vec![
            ClapArg::new(n)
                .required(true)
                .value_name(leak(n.to_uppercase()))
                .help(if n == "name" {
                    "Setting name: its path (wpc/topology) or getter (topology); see `ccx settings names`"
                } else {
                    "Id"
                }),
        ],
        Arg::Id(n) => vec![ClapArg::new(n).long(flag(n)).required(true).value_name("ID")],
        Arg::Str(n, help) => vec![
            ClapArg::new(n)
                .long(flag(n))
                .required(true)
                .value_name("VALUE")
                .help(help),
        ],
        Arg::OptId(n) => vec![
            ClapArg::new(n)
                .long(flag(n))
                .value_name("ID")
                .help(format!("Only this {} (optional)", flag(n))),
        ],
        Arg::Page => vec![
            ClapArg::new("page")
                .long("page")
                .value_parser(clap::value_parser!(u32))
                .help("Page number, from 0"),
            ClapArg::new("size")
                .long("size")
                .value_parser(clap::value_parser!(u32))
                .help("Items per page (1..=1000, default 100)"),
        ],
        Arg::Num(n, help) => vec![
            ClapArg::new(n)
                .long(flag(n))
                .required(true)
                .value_name("N")
                .value_parser(clap::value_parser!(u32))
                .help(help),
        ],
        Arg::Json(n, optional, help) => {
            let shown = n.trim_end_matches("_json").trim_start_matches("json_");
            let shown = if shown == "json" { "JSON" } else { shown };
            vec![
                ClapArg::new(n)
                    .required(!optional)
                    .value_name(leak(shown.to_uppercase()))
                    .help(leak(format!("{help}. Inline, or @FILE, or - for stdin"))),
            ]
        }
    }
}

fn verb_command(v: &Verb) -> Command {
    // the id `json` may be an argument of the verb (a JSON body)
    let mut c = Command::new(v.verb).about(v.about).arg(
        ClapArg::new("json_output")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("Print the answer as JSON"),
    );
    for a in v.args {
        for x in arg_of(*a) {
            c = c.arg(x);
        }
    }
    // the connection flags' derive sets an about of its own
    ConnArgs::augment_args(c).about(v.about)
}

/// `cmd` (a resource family's command, or a new group's) with the verbs of `family`.
pub fn add_verbs(family: &str, mut cmd: Command) -> Command {
    for v in generated::VERBS.iter().filter(|v| v.family == family) {
        cmd = cmd.subcommand(verb_command(v));
    }
    cmd
}

/// The groups that are not resource families (`dns-log`, `cybershield`…), with their verbs.
pub fn commands(families: &[&str]) -> Vec<Command> {
    generated::GROUPS
        .iter()
        .filter(|(name, _)| !families.contains(name))
        .map(|(name, about)| {
            let c = Command::new(*name)
                .about(*about)
                .subcommand_required(true)
                .arg_required_else_help(true);
            add_verbs(name, c)
        })
        .collect()
}

/// Whether `family` has a verb named `verb` here.
pub fn has(family: &str, verb: &str) -> bool {
    generated::VERBS.iter().any(|v| v.family == family && v.verb == verb)
}

/// Whether `name` is one of the groups of this table.
pub fn is_group(name: &str) -> bool {
    generated::GROUPS.iter().any(|(g, _)| *g == name)
}

/// Run `ccx <family> <verb> …` and print the answer.
pub fn run(family: &str, verb: &str, m: &ArgMatches) -> CmdResult {
    let v = generated::VERBS
        .iter()
        .find(|v| v.family == family && v.verb == verb)
        .ok_or_else(|| Failure::new(format!("ccx {family}: unknown command {verb}")))?;
    let input = In {
        m,
        client: OnceCell::new(),
    };
    let answer = (v.run)(&input)?;
    print!("{}", shown(v, &answer, m.get_flag("json_output")));
    Ok(())
}

/// Run `ccx <group> …` for a group that is not a resource family.
pub fn run_group(name: &str, m: &ArgMatches) -> CmdResult {
    match m.subcommand() {
        Some((verb, vm)) => run(name, verb, vm),
        None => Err(Failure::new(format!("ccx {name}: a command is required"))),
    }
}

fn shown(v: &Verb, answer: &Value, json: bool) -> String {
    match (v.out, answer) {
        (Out::Unit, _) if json => output::json(&serde_json::json!({ "ok": true })),
        (Out::Unit, _) => format!("{} {}: done\n", v.family, v.verb),
        (_, _) if json => output::json(answer),
        (Out::Text, Value::String(s)) => format!("{}\n", s.trim_end()),
        (_, Value::Object(_)) => output::item(answer),
        (_, _) => output::json(answer),
    }
}
