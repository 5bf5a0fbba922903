//! The one declarative source of the API surface beyond the Rust services: every CRUD
//! family and every other operation, with what each binding needs. `build.rs` turns it
//! into the C functions (`src/ffi/generated.rs`, hence `include/cloudconnexa.h`), the
//! settings table (`src/ffi/settings_gen.rs`), the Go wrappers (`go/ops_gen.go`) and the
//! `ccx` verbs (`cli/src/ops_gen.rs`).
//!
//! Adding an operation: its Rust method (in `src/api`), then one [`Op`] row below. The
//! row names the C function (`ccx_<group>_<name>`), the Rust call it maps to, its
//! arguments and answer, the one-line summary of its docs and the `ccx` verb.

/// A CRUD family: Rust accessor (also the C name), label for docs, parent (for families
/// under a network or host), required fields of a create body, how `ccx` shows it and the
/// models of its typed Go API.
pub struct Family {
    pub accessor: &'static str,
    pub c: &'static str,
    pub label: &'static str,
    pub parent: Option<&'static str>,
    pub required: &'static [&'static str],
    pub cli: Cli,
    pub go: GoModels,
}

/// The OpenAPI schemas (spec/cloudconnexa-api-1.1.0.json) of a family's typed Go API: what
/// get, list, create and update answer (`item`), and the bodies of create and update. The
/// Go structs are generated from these schemas (`NetworkResponse` becomes `Network`).
pub struct GoModels {
    pub item: &'static str,
    pub create: &'static str,
    pub update: &'static str,
}

const fn go(item: &'static str, create: &'static str, update: &'static str) -> GoModels {
    GoModels { item, create, update }
}

/// A CRUD family on the command line: `ccx <name> list|get|create|update|delete`.
pub struct Cli {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub about: &'static str,
    /// The `Resource` (or `ChildResource`) type under `cloudconnexa::api`.
    pub resource: &'static str,
    /// The JSON fields `list` shows as table columns.
    pub columns: &'static [&'static str],
}

const fn family(
    accessor: &'static str,
    label: &'static str,
    parent: Option<&'static str>,
    required: &'static [&'static str],
    cli: Cli,
    go: GoModels,
) -> Family {
    Family {
        accessor,
        c: accessor,
        label,
        parent,
        required,
        cli,
        go,
    }
}

const fn cli(
    name: &'static str,
    aliases: &'static [&'static str],
    about: &'static str,
    resource: &'static str,
    columns: &'static [&'static str],
) -> Cli {
    Cli {
        name,
        aliases,
        about,
        resource,
        columns,
    }
}

const NET_CHILD: &[&str] = &["id", "name", "networkItemId", "routes"];
const CONNECTOR: &[&str] = &["id", "name", "networkItemId", "vpnRegionId", "connectionStatus"];

/// The CRUD families: list, list_all, create, get, update, delete each.
#[rustfmt::skip]
pub const FAMILIES: &[Family] = &[
    family("networks", "network", None, &["name"],
        cli("networks", &["network"], "WPC networks", "networks::NetworkResource",
            &["id", "name", "egress", "internetAccess", "routes", "connectors"]),
        go("NetworkResponse", "NetworkCreateRequest", "NetworkUpdateRequest")),
    family("hosts", "host", None, &["name"],
        cli("hosts", &["host"], "Hosts", "hosts::HostResource",
            &["id", "name", "domain", "internetAccess", "connectors"]),
        go("HostResponse", "HostCreateRequest", "HostUpdateRequest")),
    family("users", "user", None, &["username", "email"],
        cli("users", &["user"], "Users", "users::UserResource",
            &["id", "username", "email", "status", "role", "devices"]),
        go("UserResponse", "UserCreateRequest", "UserUpdateRequest")),
    family("user_groups", "user group", None, &["name"],
        cli("user-groups", &["user-group", "groups"], "User groups", "user_groups::UserGroupResource",
            &["id", "name", "internetAccess", "maxDevice", "connectAuth"]),
        go("UserGroupResponse", "UserGroupRequest", "UserGroupRequest")),
    family("device_postures", "device posture", None, &["name"],
        cli("device-postures", &["postures"], "Device posture policies", "postures::DevicePostureResource",
            &["id", "name", "description", "userGroupsIds"]),
        go("DevicePostureResponse", "DevicePostureRequest", "DevicePostureRequest")),
    family("dns_records", "DNS record", None, &["domain"],
        cli("dns-records", &["dns"], "DNS records", "dns_records::DnsRecordResource",
            &["id", "domain", "description", "ipv4Addresses"]),
        go("DnsRecordResponse", "DnsRecordRequest", "DnsRecordRequest")),
    family("access_groups", "access group", None, &["name"],
        cli("access-groups", &["access"], "Access groups", "access_groups::AccessGroupResource",
            &["id", "name", "description", "source", "destination"]),
        go("AccessGroupResponse", "AccessGroupRequest", "AccessGroupRequest")),
    family("location_contexts", "location context", None, &["name"],
        cli("location-contexts", &["locations"], "Location context policies",
            "location_contexts::LocationContextResource", &["id", "name", "description", "userGroupsIds"]),
        go("LocationContextResponse", "LocationContextRequest", "LocationContextRequest")),
    family("network_routes", "network route", Some("network"), &["value"],
        cli("network-routes", &["routes"], "Routes of networks (--network)", "routes::NetworkRouteResource",
            &["id", "type", "subnet", "description"]),
        go("NetworkRouteResponse", "NetworkRouteRequest", "NetworkRouteRequest")),
    family("network_connectors", "network connector", Some("network"), &["name", "vpnRegionId"],
        cli("network-connectors", &["connectors"], "Connectors of networks (--network)",
            "connectors::NetworkConnectorResource", CONNECTOR),
        go("NetworkConnectorResponse", "NetworkConnectorRequest", "NetworkConnectorRequest")),
    family("network_ip_services", "network IP service", Some("network"), &["name"],
        cli("network-ip-services", &["ip-services"], "IP services of networks (--network)",
            "services::NetworkIpServiceResource", NET_CHILD),
        go("NetworkIpServiceResponse", "NetworkIpServiceRequest", "NetworkIpServiceRequest")),
    family("network_applications", "network application", Some("network"), &["name"],
        cli("network-applications", &["applications"], "Applications of networks (--network)",
            "applications::NetworkApplicationResource", NET_CHILD),
        go("ApplicationResponse", "ApplicationRequest", "ApplicationRequest")),
    family("host_connectors", "host connector", Some("host"), &["name", "vpnRegionId"],
        cli("host-connectors", &[], "Connectors of hosts (--host)", "connectors::HostConnectorResource", CONNECTOR),
        go("HostConnectorResponse", "HostConnectorRequest", "HostConnectorRequest")),
    family("host_ip_services", "host IP service", Some("host"), &["name"],
        cli("host-ip-services", &[], "IP services of hosts (--host)", "services::HostIpServiceResource", NET_CHILD),
        go("HostIpServiceResponse", "HostIpServiceRequest", "HostIpServiceRequest")),
    family("host_applications", "host application", Some("host"), &["name"],
        cli("host-applications", &[], "Applications of hosts (--host)", "applications::HostApplicationResource",
            NET_CHILD),
        go("ApplicationResponse", "ApplicationRequest", "ApplicationRequest")),
];

/// A service of the client that operations belong to: `client.<rust>()` in Rust,
/// `ccx_<c>_…` in C, `Client.<go>()` in Go, `ccx <cli> …` on the command line.
pub struct Group {
    pub rust: &'static str,
    pub c: &'static str,
    pub go: &'static str,
    pub cli: &'static str,
    /// What one item is called in docs (`network connector`).
    pub label: &'static str,
    /// One line for `ccx --help` and the Go type's doc.
    pub about: &'static str,
}

/// One argument of an operation, in C order (after `client`).
pub enum Arg {
    /// A required id: non-empty UTF-8 `(pointer, length)`; Rust `&str`.
    Id(&'static str),
    /// An optional filter id: `(NULL, 0)` or empty means none; Rust `Option<&str>`.
    OptId(&'static str),
    /// `page` (from 0) and `size` (1..=1000): a `PageRequest`.
    Page,
    /// A `u32` turned into the Rust argument by `convert::<conv>(value)`.
    Num {
        name: &'static str,
        conv: &'static str,
        doc: &'static str,
    },
    /// A required string turned into the Rust argument by `convert::<conv>(&str)`.
    Str {
        name: &'static str,
        conv: &'static str,
        doc: &'static str,
    },
    /// JSON `(pointer, length)` turned into the Rust argument by `convert::<conv>(&[u8])`
    /// (passed by reference). `optional`: `(NULL, 0)` means the defaults.
    Json {
        name: &'static str,
        conv: &'static str,
        optional: bool,
        doc: &'static str,
    },
}

impl Arg {
    pub fn name(&self) -> &'static str {
        match self {
            Arg::Id(n) | Arg::OptId(n) => n,
            Arg::Page => "page",
            Arg::Num { name, .. } | Arg::Str { name, .. } | Arg::Json { name, .. } => name,
        }
    }
}

/// What an operation answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// Nothing (C: no `json_out`).
    Unit,
    /// JSON (C: `json_out`; Go: `[]byte`).
    Json,
    /// A yes/no answer (C: JSON `true`/`false`; Go: `bool`).
    Bool,
    /// Text (C: a JSON string; Go: `string`).
    Text,
}

/// How the operation is called in Rust.
pub enum Call {
    /// `client.<group>().<method>(args…)`, a `cloudconnexa::Result`.
    Method(&'static str),
    /// A Rust expression over `c` (the client) and the converted arguments, a
    /// `Result<_, convert::Bad>` (settings by name).
    Expr(&'static str),
}

/// One operation. It exists on every group of `on` (connector twins are one row):
/// `ccx_<group.c>_<name>` in C, method `go` of the group's Go type, verb `cli` of the
/// group's `ccx` command (None: `ccx` covers it with its CRUD verbs).
pub struct Op {
    pub on: &'static [&'static Group],
    pub name: &'static str,
    pub call: Call,
    pub args: &'static [Arg],
    pub out: Out,
    /// The first paragraph of the docs; `{label}` is the group's label.
    pub doc: &'static str,
    pub cli: Option<&'static str>,
    pub go: &'static str,
    /// Needs no client and makes no request (C: only `json_out`).
    pub offline: bool,
    /// What the Go method decodes a JSON answer into (`GoOut::Raw`: `[]byte`).
    pub go_out: GoOut,
    /// The model of the Go method's JSON argument: an OpenAPI schema or a model of
    /// `GO_MODELS` (the argument is then a pointer to its Go struct); "" keeps `[]byte`.
    pub go_body: &'static str,
}

/// The Go type of an operation's JSON answer, by OpenAPI schema (or `GO_MODELS`) name.
#[derive(Clone, Copy)]
pub enum GoOut {
    /// `[]byte`, as the C function answers it.
    Raw,
    /// One model: `*T` (nil when the answer is JSON `null`).
    One(&'static str),
    /// The API's page envelope: `*Page[T]`; the Go type also gets `All`, a lazy iterator.
    Page(&'static str),
    /// A JSON array: `[]T`.
    List(&'static str),
    /// One page of a cursor-paged list: `*T` of schema `page`, whose array field `items`
    /// holds `item`s and whose `next` field is the cursor of the next page, passed in the
    /// `cursor` field of the operation's JSON argument. The Go type also gets `All`, a
    /// lazy iterator following the cursors (ending at an empty or repeated one).
    Cursor {
        page: &'static str,
        item: &'static str,
        items: &'static str,
        next: &'static str,
        cursor: &'static str,
    },
}

/// A Go model the OpenAPI document has no schema for (a query the C ABI takes as JSON):
/// its name, doc and fields (JSON name, Go type, doc), every field optional.
pub struct GoModel {
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [(&'static str, &'static str, &'static str)],
}

/// The models of `GoModel`.
pub const GO_MODELS: &[GoModel] = &[GoModel {
    name: "SessionQuery",
    doc: "SessionQuery chooses VPN sessions; every field is optional (nil: all defaults).",
    fields: &[
        ("size", "*int", "1..=100, default 100"),
        ("startDate", "string", "RFC 3339"),
        ("endDate", "string", "RFC 3339"),
        ("status", "string", "ACTIVE, COMPLETED or FAILED"),
        ("returnOnlyNew", "*bool", ""),
        ("cursor", "string", "a previous page's NextCursor"),
    ],
}];

const fn group(
    rust: &'static str,
    go: &'static str,
    cli: &'static str,
    label: &'static str,
    about: &'static str,
) -> Group {
    Group {
        rust,
        c: rust,
        go,
        cli,
        label,
        about,
    }
}

pub const NETWORK_CONNECTORS: Group = group(
    "network_connectors",
    "NetworkConnectors",
    "network-connectors",
    "network connector",
    "Connectors of networks",
);
pub const HOST_CONNECTORS: Group = group(
    "host_connectors",
    "HostConnectors",
    "host-connectors",
    "host connector",
    "Connectors of hosts",
);
pub const USERS: Group = group("users", "Users", "users", "user", "Users");
pub const DEVICES: Group = group("devices", "Devices", "devices", "device", "Devices of users");
pub const REGIONS: Group = group("regions", "Regions", "regions", "VPN region", "VPN regions");
pub const ACCESS_GROUPS: Group = group(
    "access_groups",
    "AccessGroups",
    "access-groups",
    "access group",
    "Access groups",
);
pub const SESSIONS: Group = group("sessions", "Sessions", "sessions", "VPN session", "VPN sessions");
pub const SETTINGS: Group = group("settings", "Settings", "settings", "setting", "Account settings");
pub const DNS_LOG: Group = group(
    "dns_log",
    "DNSLog",
    "dns-log",
    "DNS log entry",
    "DNS log: the names users resolved, per hour (API v1.2)",
);
pub const ACCESS_VISIBILITY: Group = group(
    "access_visibility",
    "AccessVisibility",
    "access-visibility",
    "access visibility",
    "Access visibility: which resources users reach (API v1.2)",
);
pub const CYBERSHIELD: Group = group(
    "cybershield",
    "CyberShield",
    "cybershield",
    "domain",
    "Cyber Shield block and allow lists",
);

const CONNECTORS: &[&Group] = &[&NETWORK_CONNECTORS, &HOST_CONNECTORS];

const ID: &[Arg] = &[Arg::Id("id")];
const USER_AND_ID: &[Arg] = &[Arg::Id("user_id"), Arg::Id("id")];
const ACCESS_ITEM: &[Arg] = &[
    Arg::Id("id"),
    Arg::Json {
        name: "json",
        conv: "access_item",
        optional: false,
        doc: "`json` is a JSON access item (`{\"type\": \"USER_GROUP\", \"allCovered\": false, \"parent\": …, \
              \"children\": […]}`; required: `type`); an item with the same type and parent is merged.",
    },
];
const ACCESS_REMOVE: &[Arg] = &[
    Arg::Id("id"),
    Arg::Str {
        name: "item_type",
        conv: "access_item_type",
        doc: "`item_type` is the API spelling of the item type (`USER_GROUP`, `NETWORK_SERVICE`, `HOST`, \
              `HOST_SERVICE`, `PUBLISHED_SERVICE`); an unknown type is `CCX_CODE_INVALID_PARAMETER`.",
    },
    Arg::OptId("parent_id"),
    Arg::OptId("child_id"),
];
const SESSION_QUERY: &[Arg] = &[Arg::Json {
    name: "query_json",
    conv: "session_query",
    optional: true,
    doc: "`query_json` is a JSON object, every field optional: `size` (1..=100, default 100), `startDate`, \
          `endDate` (RFC 3339), `status` (`ACTIVE`, `COMPLETED`, `FAILED`), `returnOnlyNew` (bool), `cursor` (a \
          previous page's `nextCursor`); `(NULL, 0)` means all defaults. Unknown fields and bad types are \
          `CCX_CODE_INVALID_JSON` naming the field; values out of range (a `size` of 0 or above 100, a \
          date that is not RFC 3339) are `CCX_CODE_INVALID_PARAMETER`.",
}];
const DNS_LOG_QUERY: &[Arg] = &[Arg::Json {
    name: "query_json",
    conv: "dns_log_query",
    optional: false,
    doc: "`query_json` is a JSON object: `startHour` (required, RFC 3339, at most 30 days back), `hoursBack` (1 or \
          2, default 1), `page` (from 0, default 0), `size` (10..=10000, default 500). A missing `startHour`, \
          unknown fields and bad types are `CCX_CODE_INVALID_JSON` naming the field; values out of range are \
          `CCX_CODE_INVALID_PARAMETER`.",
}];
const DOMAINS_ADD: &[Arg] = &[Arg::Json {
    name: "json",
    conv: "domains_to_add",
    optional: false,
    doc: "`json` is a JSON array of `{\"domain\": \"ads.example\", \"comment\": \"why\"}` (1 to 1000 items, each \
          domain plus comment at most 150 characters); an item without a non-blank `domain` is \
          `CCX_CODE_INVALID_JSON` naming it, the limits are `CCX_CODE_INVALID_PARAMETER`.",
}];
const DOMAINS_REMOVE: &[Arg] = &[Arg::Json {
    name: "json",
    conv: "domains_to_remove",
    optional: false,
    doc: "`json` is a JSON array of domain strings; an empty array is `CCX_CODE_INVALID_PARAMETER`.",
}];
const SETTING_NAME: Arg = Arg::Str {
    name: "name",
    conv: "setting",
    doc: "`name` is the setting's path under `/api/v1/settings/`, e.g. `wpc/topology`; `ccx_settings_names` lists \
          them. An unknown name is `CCX_CODE_INVALID_PARAMETER`, the message listing the valid names.",
};

const fn op(
    on: &'static [&'static Group],
    name: &'static str,
    args: &'static [Arg],
    out: Out,
    doc: &'static str,
) -> Op {
    Op {
        on,
        name,
        call: Call::Method(name),
        args,
        out,
        doc,
        cli: None,
        go: "",
        offline: false,
        go_out: GoOut::Raw,
        go_body: "",
    }
}

impl Op {
    /// The `ccx` verb of this operation.
    const fn verb(self, v: &'static str) -> Op {
        Op { cli: Some(v), ..self }
    }
    /// The Go method name (default: the name in CamelCase).
    const fn go(self, g: &'static str) -> Op {
        Op { go: g, ..self }
    }
    /// The Go types of the JSON answer and of the JSON argument ("": `[]byte`).
    const fn typed(self, go_out: GoOut, go_body: &'static str) -> Op {
        Op {
            go_out,
            go_body,
            ..self
        }
    }
}

/// Every operation beyond CRUD.
#[rustfmt::skip]
pub const OPS: &[Op] = &[
    // connectors (network and host), users
    op(CONNECTORS, "profile", ID, Out::Text,
        "Generate a new OpenVPN profile (the `.ovpn` text) of {label} `id`; it comes back as a JSON string. Each \
         call issues a new profile.").verb("profile"),
    op(CONNECTORS, "revoke_profile", ID, Out::Bool,
        "Revoke the profile of {label} `id`; the answer is JSON `true` when revoked.").verb("revoke-profile"),
    op(CONNECTORS, "encrypted_profile", ID, Out::Text,
        "Generate an encrypted profile token of {label} `id` (the value pasted into `openvpn-connector-setup`), \
         as a JSON string.").verb("encrypted-profile"),
    op(CONNECTORS, "bundle", &[Arg::Id("id"), Arg::Num {
        name: "bundle_type",
        conv: "bundle_type",
        doc: "`bundle_type`: 0 = DMG (macOS), 1 = MSI (Windows); other values are `CCX_CODE_INVALID_PARAMETER`.",
    }], Out::Text,
        "The URL of an installer bundling {label} `id` with its profile, as a JSON string.").verb("bundle"),
    op(CONNECTORS, "activate", ID, Out::Unit,
        "Activate {label} `id` (API v1.2), suspended by `suspend`.").verb("activate"),
    op(CONNECTORS, "suspend", ID, Out::Unit,
        "Suspend {label} `id` (API v1.2) until `activate`.").verb("suspend"),
    op(&[&USERS], "activate", ID, Out::Unit,
        "Activate {label} `id` (API v1.2): its status becomes `ACTIVE`.").verb("activate"),
    op(&[&USERS], "suspend", ID, Out::Unit,
        "Suspend {label} `id` (API v1.2): its status becomes `SUSPENDED`.").verb("suspend"),
    op(&[&NETWORK_CONNECTORS], "start_ipsec", ID, Out::Unit,
        "Start the IPsec tunnel of IPsec {label} `id` (a connector of a network whose tunnelling protocol is \
         IPsec).").verb("start-ipsec").go("StartIPsec"),
    op(&[&NETWORK_CONNECTORS], "stop_ipsec", ID, Out::Unit,
        "Stop the IPsec tunnel of IPsec {label} `id`; the connector reads `SUSPENDED` until started again.")
        .verb("stop-ipsec").go("StopIPsec"),
    // devices (under a user)
    op(&[&DEVICES], "list", &[Arg::OptId("user_id"), Arg::Page], Out::Json,
        "One page of devices as the API's page envelope JSON, only those of user `user_id` unless it is empty.")
        .typed(GoOut::Page("DeviceResponse"), ""),
    op(&[&DEVICES], "list_all", &[Arg::OptId("user_id")], Out::Json,
        "Every device (of user `user_id` unless it is empty), all pages, as a JSON array.")
        .typed(GoOut::List("DeviceResponse"), ""),
    op(&[&DEVICES], "get", USER_AND_ID, Out::Json,
        "Device `id` of user `user_id`, as JSON (a device of another user is an HTTP 404).")
        .typed(GoOut::One("DeviceResponse"), ""),
    op(&[&DEVICES], "create", &[Arg::Id("user_id"), Arg::Json {
        name: "json", conv: "device_create", optional: false,
        doc: "`json` is the device as a JSON object (required: `name`); a missing field or a wrong type is \
              `CCX_CODE_INVALID_JSON` naming the field.",
    }], Out::Json, "Create a device of user `user_id`; the created device comes back as JSON.")
        .typed(GoOut::One("DeviceResponse"), "DeviceRequest"),
    op(&[&DEVICES], "update", &[Arg::Id("user_id"), Arg::Id("id"), Arg::Json {
        name: "json", conv: "device_update", optional: false,
        doc: "`json` is the device as a JSON object; a wrong type is `CCX_CODE_INVALID_JSON` naming the field.",
    }], Out::Json, "Update device `id` of user `user_id`; the updated device comes back as JSON.")
        .typed(GoOut::One("DeviceResponse"), "DeviceRequest"),
    op(&[&DEVICES], "delete", USER_AND_ID, Out::Unit, "Delete device `id` of user `user_id`."),
    op(&[&DEVICES], "generate_profile", &[Arg::Id("user_id"), Arg::Id("id"), Arg::Id("region_id")], Out::Text,
        "Generate an OpenVPN profile of device `id` of user `user_id` in region `region_id`; the `.ovpn` text \
         comes back as a JSON string. An unknown region is an HTTP 400.").verb("generate-profile"),
    op(&[&DEVICES], "revoke_profile", USER_AND_ID, Out::Text,
        "Revoke the profiles of device `id` of user `user_id`; the service's confirmation text comes back as a \
         JSON string.").verb("revoke-profile"),
    // regions
    op(&[&REGIONS], "list", &[], Out::Json, "Every VPN region, as a JSON array (one call, not paged).")
        .typed(GoOut::List("VpnRegionResponse"), ""),
    op(&[&REGIONS], "get", ID, Out::Json,
        "The VPN region with id `id` as JSON, or JSON `null` when there is none (the API has no single-region \
         call: this fetches the list and scans it).").typed(GoOut::One("VpnRegionResponse"), ""),
    // access group items
    op(&[&ACCESS_GROUPS], "add_source", ACCESS_ITEM, Out::Json,
        "Add a source to access group `id`; the group as stored comes back as JSON.").verb("add-source")
        .typed(GoOut::One("AccessGroupResponse"), "AccessItemSourceRequest"),
    op(&[&ACCESS_GROUPS], "add_destination", ACCESS_ITEM, Out::Json,
        "Add a destination to access group `id`; the group as stored comes back as JSON.").verb("add-destination")
        .typed(GoOut::One("AccessGroupResponse"), "AccessItemDestinationRequest"),
    op(&[&ACCESS_GROUPS], "remove_source", ACCESS_REMOVE, Out::Json,
        "Remove sources of access group `id`: every source of type `item_type`, or only those under `parent_id`, \
         or only the child `child_id` of `parent_id` (`parent_id` and `child_id` may be empty: none; a child \
         without a parent is `CCX_CODE_INVALID_PARAMETER`). The group as stored comes back as JSON.")
        .verb("remove-source").typed(GoOut::One("AccessGroupResponse"), ""),
    op(&[&ACCESS_GROUPS], "remove_destination", ACCESS_REMOVE, Out::Json,
        "Remove destinations of access group `id`, chosen as by `ccx_access_groups_remove_source`. The group as \
         stored comes back as JSON.").verb("remove-destination")
        .typed(GoOut::One("AccessGroupResponse"), ""),
    // sessions
    op(&[&SESSIONS], "list", SESSION_QUERY, Out::Json,
        "One page of VPN sessions as JSON `{\"sessions\": […], \"nextCursor\": …}`.")
        .typed(GoOut::Cursor {
            page: "SessionsResponse", item: "SessionResponse", items: "sessions", next: "nextCursor", cursor: "cursor",
        }, "SessionQuery"),
    op(&[&SESSIONS], "list_all", SESSION_QUERY, Out::Json,
        "Every VPN session matching `query_json`, following the cursors from `cursor` on, as a JSON array.")
        .typed(GoOut::List("SessionResponse"), "SessionQuery"),
    // settings, by name
    Op {
        call: Call::Expr("convert::setting_names()"),
        offline: true,
        ..op(&[&SETTINGS], "names", &[], Out::Json,
            "The names `ccx_settings_get` and `ccx_settings_set` accept, as a JSON array of \
             `{\"name\": \"wpc/topology\", \"writable\": true}`.")
            .verb("names")
    },
    Op {
        call: Call::Expr("name.read(&c.settings())"),
        ..op(&[&SETTINGS], "get", &[SETTING_NAME], Out::Json,
            "Read one account setting as JSON: a JSON string for text and enum settings (`wpc/topology`: \
             `\"FULL_MESH\"`), `true`/`false`, a number (`user/device-allowance`), an array (`dns/zones`), an \
             object (`wpc/subnet`; `dns/custom-servers` is `null` when none).")
    },
    Op {
        call: Call::Expr("name.write(&c.settings(), json_value)"),
        ..op(&[&SETTINGS], "set", &[SETTING_NAME, Arg::Json {
            name: "json_value", conv: "raw", optional: false,
            doc: "`json_value` is the new value in the JSON shape the getter answers (`\"CUSTOM\"`, `true`, `3`, \
                  `[\"a\"]`, `{\"ipV4Address\": …}`); a value of the wrong type or an unknown enum value is \
                  `CCX_CODE_INVALID_JSON`, a read-only setting (the SAML and LDAP group mappings) \
                  `CCX_CODE_INVALID_PARAMETER`.",
        }], Out::Json,
            "Change one account setting. The stored value comes back as JSON; for the text and enum settings, \
             whose API answer has no value, it is the value sent.").verb("set")
    },
    // DNS log
    op(&[&DNS_LOG], "enabled", &[], Out::Bool,
        "Whether DNS resolutions are recorded (API v1.2), as JSON `true`/`false`.").verb("enabled"),
    op(&[&DNS_LOG], "enable", &[], Out::Unit, "Start recording DNS resolutions.").verb("enable"),
    op(&[&DNS_LOG], "disable", &[], Out::Unit, "Stop recording DNS resolutions (the log then reads empty).")
        .verb("disable"),
    op(&[&DNS_LOG], "page", DNS_LOG_QUERY, Out::Json, "One page of the DNS log as the API's page envelope JSON.")
        .verb("page"),
    op(&[&DNS_LOG], "list_all", DNS_LOG_QUERY, Out::Json,
        "Every DNS log entry of the hours chosen by `query_json` (its `page` and `size` are ignored), all pages, \
         as a JSON array.").verb("list-all"),
    // access visibility
    op(&[&ACCESS_VISIBILITY], "enabled", &[], Out::Bool,
        "Whether access visibility is on (API v1.2), as JSON `true`/`false`.").verb("enabled"),
    op(&[&ACCESS_VISIBILITY], "enable", &[], Out::Unit, "Turn access visibility on (API v1.2).").verb("enable"),
    op(&[&ACCESS_VISIBILITY], "disable", &[], Out::Unit, "Turn access visibility off (API v1.2).").verb("disable"),
    // Cyber Shield (the API has no call that reads the lists)
    op(&[&CYBERSHIELD], "block_list_add", DOMAINS_ADD, Out::Unit, "Add domains to the Cyber Shield block list.")
        .verb("block-list-add"),
    op(&[&CYBERSHIELD], "block_list_remove", DOMAINS_REMOVE, Out::Unit,
        "Remove domains from the Cyber Shield block list.").verb("block-list-remove"),
    op(&[&CYBERSHIELD], "allow_list_add", DOMAINS_ADD, Out::Unit, "Add domains to the Cyber Shield allow list.")
        .verb("allow-list-add"),
    op(&[&CYBERSHIELD], "allow_list_remove", DOMAINS_REMOVE, Out::Unit,
        "Remove domains from the Cyber Shield allow list.").verb("allow-list-remove"),
];

/// How a setting's value is typed.
pub enum Value {
    Bool,
    Int,
    /// Sent as bare text; the setter answers nothing, so the value sent is the answer.
    Text,
    /// An API enum (type name), sent as bare text like `Text`.
    Enum(&'static str),
    /// A JSON model (type name), passed by reference.
    Json(&'static str),
}

/// One account setting: its path under `/api/v1/settings/`, the `Settings` getter and
/// (unless read-only) setter, and its value type.
pub struct Setting {
    pub name: &'static str,
    pub get: &'static str,
    pub set: Option<&'static str>,
    pub value: Value,
}

const fn rw(name: &'static str, get: &'static str, set: &'static str, value: Value) -> Setting {
    Setting {
        name,
        get,
        set: Some(set),
        value,
    }
}

/// Every setting `ccx_settings_get`/`_set`, Go's `Settings` and `ccx settings` reach.
#[rustfmt::skip]
pub const SETTINGS_TABLE: &[Setting] = &[
    rw("auth/trusted-devices-allowed", "trusted_devices_allowed", "set_trusted_devices_allowed", Value::Bool),
    rw("auth/two-factor-auth", "two_factor_auth_enabled", "set_two_factor_auth_enabled", Value::Bool),
    Setting { name: "auth/saml/group-mappings", get: "saml_group_mappings", set: None, value: Value::Json("GroupMappings") },
    Setting { name: "auth/ldap/group-mappings", get: "ldap_group_mappings", set: None, value: Value::Json("GroupMappings") },
    rw("dns/custom-servers", "dns_servers", "set_dns_servers", Value::Json("DnsServers")),
    rw("dns/default-suffix", "default_dns_suffix", "set_default_dns_suffix", Value::Text),
    rw("dns/proxy-enabled", "dns_proxy_enabled", "set_dns_proxy_enabled", Value::Bool),
    rw("dns/zones", "dns_zones", "set_dns_zones", Value::Json("Vec<DnsZone>")),
    rw("user/connect-auth", "default_connect_auth", "set_default_connect_auth", Value::Enum("ConnectAuth")),
    rw("user/device-allowance", "device_allowance_per_user", "set_device_allowance_per_user", Value::Int),
    rw("user/device-allowance-force-update", "force_update_device_allowance", "set_force_update_device_allowance", Value::Bool),
    rw("user/device-enforcement", "device_enforcement", "set_device_enforcement", Value::Enum("DeviceEnforcement")),
    rw("user/profile-distribution", "profile_distribution", "set_profile_distribution", Value::Enum("ProfileDistribution")),
    rw("users/connection-timeout", "connection_timeout", "set_connection_timeout", Value::Int),
    rw("wpc/client-options", "client_options", "set_client_options", Value::Json("Vec<String>")),
    rw("wpc/default-region", "default_region", "set_default_region", Value::Text),
    rw("wpc/domain-routing-subnet", "domain_routing_subnet", "set_domain_routing_subnet", Value::Json("DomainRoutingSubnet")),
    rw("wpc/ip-allocation-mode", "ip_allocation_mode", "set_ip_allocation_mode", Value::Enum("IpAllocationMode")),
    rw("wpc/routes-advanced-configuration-enabled", "routes_advanced_configuration_enabled", "set_routes_advanced_configuration_enabled", Value::Bool),
    rw("wpc/snat", "snat_enabled", "set_snat_enabled", Value::Bool),
    rw("wpc/subnet", "subnet", "set_subnet", Value::Json("Subnet")),
    rw("wpc/topology", "topology", "set_topology", Value::Enum("Topology")),
];
