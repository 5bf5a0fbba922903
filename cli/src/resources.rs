//! `ccx <resource> <verb>`: one table row per resource family (name, parent flag,
//! verbs, table columns, service), one command-line builder and one dispatcher for all.
//! The verbs beyond CRUD (`ccx users suspend`, `ccx network-connectors start-ipsec`)
//! and the groups without CRUD (`ccx dns-log`) come from `ops`.

use std::io::Read;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use cloudconnexa::models::PageRequest;
use serde_json::Value;

use crate::conn::ConnArgs;
use crate::failure::{CmdResult, Failure};
use crate::family::{Family, Paging};
use crate::family_other::{Devices, Regions, Sessions, SettingsFamily};
use crate::{ops, output};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    List,
    Get,
    Create,
    Update,
    Delete,
}

pub const CRUD: &[Verb] = &[Verb::List, Verb::Get, Verb::Create, Verb::Update, Verb::Delete];
const READ: &[Verb] = &[Verb::List, Verb::Get];

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::List => "list",
            Verb::Get => "get",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Delete => "delete",
        }
    }
}

/// The parent id flag of a family: `--network`, `--host` or `--user`.
#[derive(Debug, Clone, Copy)]
pub struct Parent {
    flag: &'static str,
    /// Needed by get, update and delete too (devices), not only by create.
    always: bool,
}

pub const NETWORK: Option<Parent> = Some(Parent {
    flag: "network",
    always: false,
});
pub const HOST: Option<Parent> = Some(Parent {
    flag: "host",
    always: false,
});
const USER: Option<Parent> = Some(Parent {
    flag: "user",
    always: true,
});

/// One resource family on the command line.
pub struct Spec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub about: &'static str,
    pub parent: Option<Parent>,
    pub verbs: &'static [Verb],
    /// Table columns: JSON fields; the header is the field's words in capitals.
    pub columns: &'static [&'static str],
    pub family: &'static dyn Family,
}

/// The families that are not plain CRUD, one row per family (the CRUD families are
/// generated from the operation table: `ops::CRUD_FAMILIES`):
/// `name [aliases] "about", parent, verbs, service => [columns];`
macro_rules! families {
    ($($name:literal $aliases:tt $about:literal, $parent:expr, $verbs:expr, $family:expr => $cols:tt;)*) => {
        const OTHER_FAMILIES: &[Spec] = &[$(Spec {
            name: $name,
            aliases: &$aliases,
            about: $about,
            parent: $parent,
            verbs: $verbs,
            columns: &$cols,
            family: &$family,
        },)*];
    };
}

families! {
    "devices" ["device"] "Devices of users (--user)", USER, CRUD, Devices
        => ["id", "name", "userId", "connectionStatus"];
    "regions" ["region"] "VPN regions (read only)", None, READ, Regions
        => ["id", "regionName", "country", "continent"];
    "sessions" ["session"] "VPN sessions of the last day (read only)", None, READ, Sessions
        => ["id", "userName", "networkName", "status", "sessionStartTime"];
    "settings" ["setting"] "Account settings (get and set take a setting name, e.g. wpc/topology)", None, READ, SettingsFamily
        => ["name", "value"];
}

/// Every family: the generated CRUD ones, then the others.
fn families() -> impl Iterator<Item = &'static Spec> {
    ops::CRUD_FAMILIES.iter().chain(OTHER_FAMILIES)
}

/// The subcommand of one verb of `spec`.
fn verb_command(spec: &Spec, verb: Verb) -> Command {
    let mut c = Command::new(verb.name()).arg(
        Arg::new("json")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("Print the API's JSON instead of a table"),
    );
    let id_help = if spec.name == "settings" { "Setting name" } else { "Id" };
    c = match verb {
        Verb::List => c
            .about(format!(
                "List {}: every item, or one page with --page/--size",
                spec.name
            ))
            .arg(
                Arg::new("page")
                    .long("page")
                    .value_parser(clap::value_parser!(u32))
                    .help("Page number, from 0"),
            )
            .arg(
                Arg::new("size")
                    .long("size")
                    .value_parser(clap::value_parser!(u32))
                    .help("Items per page (1..=1000); with --page or alone: one page"),
            ),
        Verb::Get => c
            .about("Show one item")
            .arg(Arg::new("id").required(true).help(id_help)),
        Verb::Create => c.about("Create an item from a JSON body").arg(file_arg()),
        Verb::Update => c
            .about("Update an item from a JSON body")
            .arg(Arg::new("id").required(true).help(id_help))
            .arg(file_arg()),
        Verb::Delete => c
            .about("Delete an item")
            .arg(Arg::new("id").required(true).help(id_help)),
    };
    if let Some(p) = spec.parent {
        let needed = verb == Verb::Create || (p.always && verb != Verb::List);
        let help = if needed {
            format!("Id of the parent {} (required)", p.flag)
        } else {
            format!("Only items of this {}", p.flag)
        };
        c = c.arg(
            Arg::new("parent")
                .long(p.flag)
                .value_name("ID")
                .required(needed)
                .help(help),
        );
    }
    // the connection flags' derive sets an about of its own: keep the verb's
    let about = c.get_about().cloned().unwrap_or_default();
    ConnArgs::augment_args(c).about(about)
}

fn file_arg() -> Arg {
    Arg::new("file")
        .long("file")
        .short('f')
        .required(true)
        .value_name("FILE")
        .value_parser(clap::value_parser!(std::path::PathBuf))
        .help("The JSON body, or - for stdin")
}

/// One subcommand per family, each with its verbs.
pub fn commands() -> Vec<Command> {
    families()
        .map(|spec| {
            let mut c = Command::new(spec.name)
                .about(spec.about)
                .visible_aliases(spec.aliases.iter().copied())
                .subcommand_required(true)
                .arg_required_else_help(true);
            for verb in spec.verbs {
                c = c.subcommand(verb_command(spec, *verb));
            }
            ops::add_verbs(spec.name, c)
        })
        .chain(ops::commands(&families().map(|s| s.name).collect::<Vec<_>>()))
        .collect()
}

/// Whether `name` is one of the family subcommands (`ops` has the other groups).
pub fn is_family(name: &str) -> bool {
    families().any(|s| s.name == name)
}

fn read_body(path: &std::path::Path) -> CmdResult<Value> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::new(format!("cannot read the body from stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?
    };
    let what = if path.as_os_str() == "-" {
        "stdin".into()
    } else {
        path.display().to_string()
    };
    serde_json::from_str(&text).map_err(|e| Failure::new(format!("the body in {what} is not JSON: {e}")))
}

/// Run `ccx <family> <verb> …`.
pub fn run(family: &str, m: &ArgMatches) -> CmdResult {
    let spec = families()
        .find(|s| s.name == family)
        .ok_or_else(|| Failure::new(format!("unknown resource {family}")))?;
    let Some((verb_name, vm)) = m.subcommand() else {
        return Err(Failure::new(format!("ccx {family}: a command is required")));
    };
    if ops::has(family, verb_name) {
        return ops::run(family, verb_name, vm);
    }
    let verb = spec
        .verbs
        .iter()
        .copied()
        .find(|v| v.name() == verb_name)
        .ok_or_else(|| Failure::new(format!("ccx {family}: unknown command {verb_name}")))?;
    let conn = ConnArgs::from_arg_matches(vm).map_err(|e| Failure::new(e.to_string()))?;
    let client = conn.builder()?.build()?;
    let json = vm.get_flag("json");
    let parent = vm.try_get_one::<String>("parent").ok().flatten().map(String::as_str);
    let id = || vm.get_one::<String>("id").map(String::as_str).unwrap_or_default();
    let body = || {
        read_body(
            vm.get_one::<std::path::PathBuf>("file")
                .map_or("-".as_ref(), |p| p.as_path()),
        )
    };
    let f = spec.family;
    let out = match verb {
        Verb::List => {
            let page = vm.get_one::<u32>("page").copied();
            let size = vm.get_one::<u32>("size").copied();
            let paging = match (page, size) {
                (None, None) => Paging::All,
                (p, s) => Paging::One(PageRequest::new(p.unwrap_or(0), s.unwrap_or(100))),
            };
            let items = f.list(&client, parent, paging)?;
            if json {
                output::json(&Value::Array(items))
            } else {
                output::table(&items, spec.columns)
            }
        }
        Verb::Get => shown(f.get(&client, parent, id())?, json),
        Verb::Create => shown(f.create(&client, parent, body()?)?, json),
        Verb::Update => shown(f.update(&client, parent, id(), body()?)?, json),
        Verb::Delete => {
            f.delete(&client, parent, id())?;
            if json {
                output::json(&serde_json::json!({ "deleted": id() }))
            } else {
                format!("deleted {} {}\n", spec.name, id())
            }
        }
    };
    print!("{out}");
    Ok(())
}

fn shown(v: Value, json: bool) -> String {
    if json { output::json(&v) } else { output::item(&v) }
}
