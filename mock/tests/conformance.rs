//! OpenAPI conformance test of `cloudconnexa-mock`.
//!
//! The official OpenAPI 3.0.1 document (`spec/cloudconnexa-api-1.1.0.json`) is the oracle:
//!
//! * [`every_operation_conforms_to_the_spec`] sends one valid request to each of the 144
//!   operations of the document (creates first, then reads, updates, sub-resources and deletes),
//!   checks the status against the declared 2xx response and validates the body against the
//!   declared response schema with the `jsonschema` crate.
//! * The other tests send invalid requests (missing or blank required fields, bad enum values,
//!   bad paging parameters, unknown ids, malformed bodies, missing credentials) and check the
//!   documented error status and the spec's `ErrorResponse` shape.
//!
//! * [`schema_validation_rejects_nonconforming_bodies`] checks the checker: the validators built
//!   from the spec reject bodies that break it.
//!
//! Every test starts its own emulator (they run in parallel), collects every failure and panics
//! once at the end with the complete list, so one run shows all the problems.
//!
//! Run: `cargo test -p cloudconnexa-mock --test conformance` (`-- --nocapture` prints counts).
//!
//! The emulator's rules that the spec does not state (required fields, paging limits, the
//! DNS-record 404 quirk, ...) come from `mock/README.md`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::rc::Rc;
use std::time::Duration;

use base64::Engine as _;
use cloudconnexa_mock::{MockOptions, MockServer};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value, json};

/// The OpenAPI document the emulator implements.
const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/cloudconnexa-api-1.1.0.json");

/// Number of operations in the v1.1.0 document.
const EXPECTED_OPERATIONS: usize = 144;

/// The token endpoint, the only operation without bearer authentication.
const TOKEN_PATH: &str = "/api/v1/oauth/token";

/// An id that no resource of the emulator has.
const UNKNOWN_ID: &str = "7d6f0d64-2d5c-4bd1-9f0e-0123456789ab";

/// Characters escaped in a query value or a path segment.
const ESCAPED: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'/')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Required fields of the request schemas: the emulator's rules (mock/README.md, "Errors");
/// the spec itself marks no field required.
const REQUIRED: &[(&str, &[&str])] = &[
    ("NetworkCreateRequest", &["name"]),
    ("NetworkUpdateRequest", &["name"]),
    ("HostCreateRequest", &["name"]),
    ("HostUpdateRequest", &["name"]),
    ("NetworkIpServiceRequest", &["name"]),
    ("HostIpServiceRequest", &["name"]),
    ("ApplicationRequest", &["name"]),
    ("UserGroupRequest", &["name"]),
    ("DeviceRequest", &["name"]),
    ("DevicePostureRequest", &["name"]),
    ("AccessGroupRequest", &["name"]),
    ("LocationContextRequest", &["name"]),
    ("NetworkConnectorRequest", &["name", "vpnRegionId"]),
    ("HostConnectorRequest", &["name", "vpnRegionId"]),
    ("NetworkRouteRequest", &["value"]),
    ("UserCreateRequest", &["username", "email"]),
    ("DnsRecordRequest", &["domain"]),
    ("AccessItemSourceRequest", &["type"]),
    ("AccessItemDestinationRequest", &["type"]),
    ("DomainAndComment", &["domain"]),
];

/// The order in which [`every_operation_conforms_to_the_spec`] exercises the operations: the
/// spec's `operationId`s, each exactly once. Creates come before everything that needs their
/// ids; deletes come last, children before parents.
const PLAN: &[&str] = &[
    // 1. Authentication and reference data.
    "requestToken",
    "getVpnRegions",
    "getSessions",
    "getSamlGroupMappings",
    "getLdapGroupMappings",
    // 2. Settings: every setter is followed by its getter, which must return the value set.
    "setTopology",
    "getTopology",
    "setSubnet",
    "getSubnet",
    "setSnat",
    "getSnat",
    "setDomainRoutingSubnet",
    "getDomainRoutingSubnet",
    "setDefaultRegion",
    "getDefaultRegion",
    "setClientOptions",
    "getClientOptions",
    "setConnectionTimeout",
    "getConnectionTimeout",
    "setProfileDistribution",
    "getProfileDistribution",
    "setDeviceEnforcementLevel",
    "getDeviceEnforcementLevel",
    "setDeviceAllowancePerUser",
    "getDeviceAllowancePerUser",
    "setForceUpdateDeviceAllowance",
    "getForceUpdateDeviceAllowance",
    "setDefaultConnectAuth",
    "getDefaultConnectAuth",
    "setDnsZones",
    "getDnsZones",
    "setDnsProxyEnabled",
    "getDnsProxyEnabled",
    "setDefaultDnsSuffix",
    "getDefaultDnsSuffix",
    "setDnsServerAddresses",
    "getDnsServerAddresses",
    "setTwoFactorAuthEnabled",
    "getTwoFactorAuthEnabled",
    "setTrustedDevicesAllowed",
    "getTrustedDevicesAllowed",
    // 3. DNS log and Cyber Shield.
    "enableDnsLog",
    "getUserDnsResolutions",
    "disableDnsLog",
    "blockListAddDomains",
    "blockListRemoveDomains",
    "allowListAddDomains",
    "allowListRemoveDomains",
    // 4. Creates (the same list as CREATES).
    "createUserGroup",
    "createUser",
    "createDevice",
    "createNetwork",
    "createNetworkRoute",
    "createConnector",
    "createService",
    "createApplication",
    "createHost",
    "createConnector_1",
    "createService_1",
    "createApplication_1",
    "createDnsRecord",
    "createAccessGroup",
    "create",
    "create_1",
    // 5. Paged lists.
    "getUsers",
    "getUserGroupsPage",
    "getDevices",
    "getNetworksPage",
    "getNetworkRoutesPage",
    "getConnectors",
    "getIpServicesPage",
    "getApplicationsPage",
    "getHostsPage",
    "getConnectorsPage",
    "getIpServicesPage_1",
    "getApplicationsPage_1",
    "getPageOfDnsRecords",
    "getAccessGroupsPage",
    "get",
    "get_2",
    // 6. Reads by id.
    "getUser",
    "getUserGroup",
    "getDevice",
    "getNetwork",
    "getNetworkRoute",
    "getConnector",
    "getService",
    "getApplication",
    "getHost",
    "getConnector_1",
    "getService_1",
    "getApplication_1",
    "getDnsRecord",
    "getAccessGroupsPage_1",
    "get_1",
    "get_3",
    // 7. Updates.
    "updateUser",
    "updateUserGroup",
    "updateDevice",
    "updateNetwork",
    "updateNetworkRoute",
    "updateConnector",
    "updateService",
    "updateApplication",
    "updateHost",
    "updateConnector_1",
    "updateService_1",
    "updateApplication_1",
    "updateDnsRecord",
    "updateAccessGroup",
    "update",
    "update_1",
    // 8. Sub-resources: connector profiles, IPsec, device profiles, access-group items.
    "generateConnectorProfile",
    "encryptConnectorProfile",
    "getBundledApp",
    "startIpSecConnection",
    "stopIpSecConnection",
    "revokeConnectorProfile",
    "generateConnectorProfile_1",
    "encryptConnectorProfile_1",
    "getBundledApp_1",
    "revokeConnectorProfile_1",
    "generateDeviceProfile",
    "revokeDeviceProfile",
    "addAccessGroupSource",
    "deleteAccessGroupSource",
    "addAccessGroupDestination",
    "deleteAccessGroupDestination",
    // 9. Deletes, children before parents.
    "deleteAccessGroup",
    "delete",
    "delete_1",
    "deleteDnsRecord",
    "deleteDevice",
    "deleteApplication_1",
    "deleteService_1",
    "deleteConnector_1",
    "deleteHost",
    "deleteApplication",
    "deleteService",
    "deleteNetworkRoute",
    "deleteConnector",
    "deleteNetwork",
    "deleteUser",
    "deleteUserGroup",
];

/// The create operations, in dependency order; each stores the new id in [`Ids`].
const CREATES: &[&str] = &[
    "createUserGroup",
    "createUser",
    "createDevice",
    "createNetwork",
    "createNetworkRoute",
    "createConnector",
    "createService",
    "createApplication",
    "createHost",
    "createConnector_1",
    "createService_1",
    "createApplication_1",
    "createDnsRecord",
    "createAccessGroup",
    "create",
    "create_1",
];

// ---------------------------------------------------------------------------------------------
// The OpenAPI document
// ---------------------------------------------------------------------------------------------

/// What the success response of an operation carries.
#[derive(Clone, Debug)]
enum Expected {
    /// No `content`: the body must be empty.
    Empty,
    /// `content` without a schema: the body is not checked (JSON content must still parse).
    Unchecked,
    /// A schema the body must satisfy.
    Schema(Value),
}

/// One operation of the spec.
#[derive(Clone, Debug)]
struct Operation {
    id: String,
    method: String,
    path: String,
    /// `(name, in, required)` of each parameter.
    params: Vec<(String, String, bool)>,
    /// The request body's content type and schema.
    request: Option<(String, Value)>,
    /// Whether the operation needs a bearer token (`security: []` means it does not).
    authenticated: bool,
    /// The declared success status (`default` counts as 200).
    success: u16,
    expected: Expected,
}

impl Operation {
    fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|(n, _, _)| n == name)
    }

    /// A paged list: GET with `page` and `size` and a `Page*` response schema.
    fn is_paged_list(&self) -> bool {
        self.method == "GET"
            && self.has_param("page")
            && self.has_param("size")
            && matches!(&self.expected, Expected::Schema(s) if ref_name(s).is_some_and(|n| n.starts_with("Page")))
    }

    /// Whether the request body is JSON.
    fn json_body(&self) -> bool {
        self.request.as_ref().is_some_and(|(ct, _)| ct.contains("json"))
    }
}

/// The parsed spec plus a cache of compiled validators.
struct Spec {
    /// `components.schemas` as in the document (for resolving references).
    schemas: Map<String, Value>,
    /// `components.schemas` with references rewritten to `#/$defs/...`.
    defs: Value,
    ops: Vec<Operation>,
    validators: RefCell<HashMap<String, Rc<jsonschema::Validator>>>,
}

impl Spec {
    fn load() -> Spec {
        let text = std::fs::read_to_string(SPEC_PATH).expect("read the OpenAPI document");
        let doc: Value = serde_json::from_str(&text).expect("parse the OpenAPI document");
        let schemas = doc["components"]["schemas"]
            .as_object()
            .expect("components.schemas")
            .clone();
        let defs = rewrite_refs(&Value::Object(schemas.clone()));
        let global_security = doc.get("security").cloned().unwrap_or(json!([]));
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let method = method.to_ascii_uppercase();
                if !matches!(
                    method.as_str(),
                    "GET" | "PUT" | "POST" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS" | "TRACE"
                ) {
                    continue;
                }
                ops.push(Self::operation(path, method, op, &global_security));
            }
        }
        Spec {
            schemas,
            defs,
            ops,
            validators: RefCell::new(HashMap::new()),
        }
    }

    fn operation(path: &str, method: String, op: &Value, global_security: &Value) -> Operation {
        let id = op["operationId"].as_str().expect("operationId").to_string();
        let params = op
            .get("parameters")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap_or_default().to_string(),
                            p["in"].as_str().unwrap_or_default().to_string(),
                            p["required"].as_bool().unwrap_or(false),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let request = op
            .get("requestBody")
            .and_then(|b| b["content"].as_object())
            .and_then(|c| c.iter().next())
            .map(|(ct, media)| (ct.clone(), media["schema"].clone()));
        let security = op.get("security").unwrap_or(global_security);
        let authenticated = security.as_array().is_some_and(|s| !s.is_empty());
        let responses = op["responses"].as_object().expect("responses");
        let (code, response) = responses
            .iter()
            .find(|(code, _)| code.starts_with('2'))
            .or_else(|| responses.iter().find(|(code, _)| *code == "default"))
            .unwrap_or_else(|| panic!("{id}: no success response"));
        let success = code.parse().unwrap_or(200);
        let expected = match response.get("content").and_then(Value::as_object) {
            None => Expected::Empty,
            Some(c) if c.is_empty() => Expected::Empty,
            Some(c) => match c.values().find_map(|m| m.get("schema")) {
                Some(schema) => Expected::Schema(schema.clone()),
                None => Expected::Unchecked,
            },
        };
        Operation {
            id,
            method,
            path: path.to_string(),
            params,
            request,
            authenticated,
            success,
            expected,
        }
    }

    fn op(&self, id: &str) -> &Operation {
        self.ops
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("no operation {id} in the spec"))
    }

    /// Follows a `#/components/schemas/X` reference (one level is all the document uses).
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match ref_name(schema) {
            Some(name) => self
                .schemas
                .get(name)
                .unwrap_or_else(|| panic!("unknown schema {name}")),
            None => schema,
        }
    }

    /// The `jsonschema` validator of an OpenAPI schema: the schema under `allOf`, with every
    /// component schema as `$defs` (references rewritten), compiled as draft 2020-12 with
    /// format assertions on (so `date-time` values must be RFC 3339).
    fn validator(&self, schema: &Value) -> Rc<jsonschema::Validator> {
        let key = schema.to_string();
        if let Some(v) = self.validators.borrow().get(&key) {
            return v.clone();
        }
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": self.defs,
            "allOf": [rewrite_refs(schema)],
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("compile schema {key}: {e}"));
        let validator = Rc::new(validator);
        self.validators.borrow_mut().insert(key, validator.clone());
        validator
    }

    /// Every validation error of `instance` against `schema`, as text.
    fn validate(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let validator = self.validator(schema);
        validator
            .iter_errors(instance)
            .map(|e| format!("at '{}': {e}", e.instance_path()))
            .collect()
    }

    /// The `ErrorResponse` problems of an error body (empty when it conforms).
    fn error_response_problems(&self, body: &str) -> Vec<String> {
        match serde_json::from_str::<Value>(body) {
            Err(e) => vec![format!("error body is not JSON: {e}")],
            Ok(v) => {
                let mut problems = self.validate(&json!({"$ref": "#/components/schemas/ErrorResponse"}), &v);
                if !v.is_object() {
                    problems.push("error body is not an object".into());
                }
                if v.get("errorMessage").and_then(Value::as_str).is_none() {
                    problems.push("error body has no errorMessage string".into());
                }
                problems
            }
        }
    }

    /// A body built from a schema: every property present, enums set to their first value,
    /// strings to `conformance-<name>`, numbers to 1, booleans false and arrays empty.
    fn skeleton(&self, schema: &Value, hint: &str, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if depth > 8 {
            return Value::Null;
        }
        if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
            return first.clone();
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            let mut out = Map::new();
            for (name, prop) in props {
                out.insert(name.clone(), self.skeleton(prop, name, depth + 1));
            }
            return Value::Object(out);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => json!({}),
            Some("array") => json!([]),
            Some("string") => Value::String(format!("conformance-{hint}")),
            Some("integer") => json!(1),
            Some("number") => json!(1.5),
            Some("boolean") => json!(false),
            _ => Value::Null,
        }
    }

    /// The concrete body of a request: `(content type, bytes, JSON value if any)`.
    fn body_of(&self, op: &Operation, req: &Req) -> Option<(String, Vec<u8>, Option<Value>)> {
        let declared = op
            .request
            .as_ref()
            .map(|(ct, _)| ct.clone())
            .unwrap_or_else(|| "application/json".into());
        match &req.body {
            ReqBody::None => None,
            ReqBody::Generated(overrides) => {
                let (_, schema) = op
                    .request
                    .as_ref()
                    .unwrap_or_else(|| panic!("{}: no request body in the spec", op.id));
                let mut body = self.skeleton(schema, "value", 0);
                merge(&mut body, overrides);
                Some((declared, body.to_string().into_bytes(), Some(body)))
            }
            ReqBody::Json(v) => Some((declared, v.to_string().into_bytes(), Some(v.clone()))),
            ReqBody::Text(t) => Some((declared, t.clone().into_bytes(), None)),
            ReqBody::Raw(ct, bytes) => Some((ct.to_string(), bytes.clone(), None)),
        }
    }

    /// The fields of a JSON request body that the emulator must check: required fields (by
    /// [`REQUIRED`]) and enum fields, with nested names like `connectors[0].name`. Only fields
    /// present in `body` are listed; arrays are followed through their first item.
    fn checked_fields(&self, schema: &Value, body: &Value, prefix: &str, out: &mut Vec<Field>) {
        if let Some(required) = ref_name(schema).and_then(required_fields) {
            for f in required {
                if body.get(*f).is_some() {
                    out.push(Field::Required(format!("{prefix}{f}")));
                }
            }
        }
        let resolved = self.resolve(schema);
        let Some(props) = resolved.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (name, prop) in props {
            let Some(value) = body.get(name) else {
                continue;
            };
            let path = format!("{prefix}{name}");
            let prop_resolved = self.resolve(prop);
            if prop_resolved.get("enum").is_some() {
                if value.is_string() {
                    out.push(Field::Enum(path));
                }
            } else if prop_resolved.get("properties").is_some() {
                if value.is_object() {
                    self.checked_fields(prop, value, &format!("{path}."), out);
                }
            } else if prop_resolved.get("type").and_then(Value::as_str) == Some("array") {
                let items = &prop_resolved["items"];
                let Some(first) = value.as_array().and_then(|a| a.first()) else {
                    continue;
                };
                let items_resolved = self.resolve(items);
                if items_resolved.get("enum").is_some() {
                    out.push(Field::EnumItem(path));
                } else if items_resolved.get("properties").is_some() {
                    self.checked_fields(items, first, &format!("{path}[0]."), out);
                }
            }
        }
    }
}

/// A field of a request body checked by the error tests.
#[derive(Clone, Debug)]
enum Field {
    /// A required field, by its path.
    Required(String),
    /// A string enum field, by its path.
    Enum(String),
    /// An array of enum strings, by the array's path (the first item is replaced).
    EnumItem(String),
}

/// The name `X` of a `{"$ref": "#/components/schemas/X"}` schema.
fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

/// The emulator-required fields of a request schema.
fn required_fields(schema_name: &str) -> Option<&'static [&'static str]> {
    REQUIRED
        .iter()
        .find(|(name, _)| *name == schema_name)
        .map(|(_, fields)| *fields)
}

/// Rewrites `#/components/schemas/X` references to `#/$defs/X`.
fn rewrite_refs(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v.as_str()) {
                        ("$ref", Some(r)) => Value::String(r.replace("#/components/schemas/", "#/$defs/")),
                        _ => rewrite_refs(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(rewrite_refs).collect()),
        other => other.clone(),
    }
}

/// Deep-merges `over` into `base`: objects merge key by key, a `null` removes the key,
/// anything else replaces.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(slot) = b.get_mut(k) {
                    merge(slot, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// `connectors[0].name` → the JSON pointer `/connectors/0/name`.
fn pointer(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, Some(rest.trim_end_matches(']'))),
            None => (part, None),
        };
        out.push('/');
        out.push_str(key);
        if let Some(i) = index {
            out.push('/');
            out.push_str(i);
        }
    }
    out
}

/// Removes the field at `path` (dotted, with `[i]` indexes) from `body`.
fn remove_field(body: &mut Value, path: &str) {
    let ptr = pointer(path);
    let (parent, key) = ptr.rsplit_once('/').expect("pointer");
    if let Some(Value::Object(m)) = body.pointer_mut(parent) {
        m.remove(key);
    }
}

/// Sets the field at `path` in `body`.
fn set_field(body: &mut Value, path: &str, value: Value) {
    if let Some(slot) = body.pointer_mut(&pointer(path)) {
        *slot = value;
    }
}

/// The first 300 characters of a body, for failure messages.
fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// The current hour as an ISO instant, `YYYY-MM-DDTHH:00:00Z` (the DNS-log `startHour`).
fn current_hour() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:00:00Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour()
    )
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// How a request authenticates.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <client_id:client_secret>`.
    Basic,
    /// No `Authorization` header.
    None,
}

/// A response: status (0 for a transport error), content type, `WWW-Authenticate` and body.
#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    content_type: String,
    challenge: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A blocking client of one emulator.
struct Api {
    agent: ureq::Agent,
    base: String,
    basic: String,
    token: Option<String>,
}

impl Api {
    fn new(server: &MockServer) -> Api {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        let credentials = format!("{}:{}", server.client_id(), server.client_secret());
        Api {
            agent: ureq::Agent::new_with_config(config),
            base: server.base_url().trim_end_matches('/').to_string(),
            basic: base64::engine::general_purpose::STANDARD.encode(credentials),
            token: None,
        }
    }

    /// Fetches a bearer token (outside the conformance bookkeeping).
    fn login(&mut self) {
        let reply = self.send("POST", TOKEN_PATH, Auth::Basic, None);
        assert_eq!(reply.status, 200, "token request: {}", reply.text());
        let v: Value = serde_json::from_slice(&reply.body).expect("token response is JSON");
        self.token = Some(v["access_token"].as_str().expect("access_token").to_string());
    }

    /// Sends one request. `target` is the path with its query string.
    fn send(&self, method: &str, target: &str, auth: Auth, body: Option<(&str, &[u8])>) -> Reply {
        let url = format!("{}{}", self.base, target);
        let authorization = match auth {
            Auth::Bearer => self.token.as_ref().map(|t| format!("Bearer {t}")),
            Auth::Basic => Some(format!("Basic {}", self.basic)),
            Auth::None => None,
        };
        macro_rules! with_auth {
            ($builder:expr) => {{
                let b = $builder;
                match &authorization {
                    Some(a) => b.header("Authorization", a.as_str()),
                    None => b,
                }
            }};
        }
        let result = match (method, body) {
            ("GET", _) => with_auth!(self.agent.get(&url)).call(),
            ("DELETE", _) => with_auth!(self.agent.delete(&url)).call(),
            ("POST", Some((ct, bytes))) => with_auth!(self.agent.post(&url)).content_type(ct).send(bytes),
            ("POST", None) => with_auth!(self.agent.post(&url)).send_empty(),
            ("PUT", Some((ct, bytes))) => with_auth!(self.agent.put(&url)).content_type(ct).send(bytes),
            ("PUT", None) => with_auth!(self.agent.put(&url)).send_empty(),
            (m, _) => panic!("unsupported method {m}"),
        };
        match result {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let content_type = resp
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let challenge = resp
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                match resp.body_mut().read_to_vec() {
                    Ok(body) => Reply {
                        status,
                        content_type,
                        challenge,
                        body,
                    },
                    Err(e) => Reply {
                        status,
                        content_type,
                        challenge,
                        body: format!("<reading the body failed: {e}>").into_bytes(),
                    },
                }
            }
            Err(e) => Reply {
                status: 0,
                content_type: String::new(),
                challenge: None,
                body: format!("<transport error: {e}>").into_bytes(),
            },
        }
    }
}

/// Starts an emulator with the rate limiter off.
fn start_server(dns_not_found_is_400: bool) -> MockServer {
    let mut o = MockOptions::default();
    o.rate_limit.enabled = false;
    o.dns_not_found_is_400 = dns_not_found_is_400;
    MockServer::start(o).expect("start the emulator")
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// The body of a request.
#[derive(Clone, Debug, Default)]
enum ReqBody {
    #[default]
    None,
    /// Generated from the operation's request schema ([`Spec::skeleton`]), then merged with
    /// these overrides ([`merge`]).
    Generated(Value),
    /// This JSON value, with the declared content type.
    Json(Value),
    /// This text, with the declared content type.
    Text(String),
    /// Raw bytes with an explicit content type.
    Raw(&'static str, Vec<u8>),
}

/// A request to one operation: the `{id}` path parameter, query parameters and body.
#[derive(Clone, Debug, Default)]
struct Req {
    id: Option<String>,
    query: Vec<(String, String)>,
    body: ReqBody,
}

impl Req {
    fn id(mut self, id: &str) -> Req {
        self.id = Some(id.to_string());
        self
    }

    fn query(mut self, name: &str, value: &str) -> Req {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    fn generated(mut self, overrides: Value) -> Req {
        self.body = ReqBody::Generated(overrides);
        self
    }

    fn text(mut self, text: &str) -> Req {
        self.body = ReqBody::Text(text.to_string());
        self
    }

    /// The path and query string of this request to `op`.
    fn target(&self, op: &Operation) -> String {
        let mut path = op.path.clone();
        if path.contains("{id}") {
            let id = self
                .id
                .as_deref()
                .unwrap_or_else(|| panic!("{}: no id for {}", op.id, op.path));
            path = path.replace("{id}", &utf8_percent_encode(id, ESCAPED).to_string());
        }
        assert!(!path.contains('{'), "{}: unfilled path parameter", op.id);
        for (i, (k, v)) in self.query.iter().enumerate() {
            path.push(if i == 0 { '?' } else { '&' });
            path.push_str(k);
            path.push('=');
            path.push_str(&utf8_percent_encode(v, ESCAPED).to_string());
        }
        path
    }
}

/// Ids of the resources the tests create (and the regions they use).
#[derive(Clone, Debug, Default)]
struct Ids {
    region: String,
    region2: String,
    user_group: String,
    user: String,
    device: String,
    network: String,
    route: String,
    network_connector: String,
    network_service: String,
    network_app: String,
    host: String,
    host_connector: String,
    host_service: String,
    host_app: String,
    dns_record: String,
    access_group: String,
    location_context: String,
    device_posture: String,
}

impl Ids {
    /// Stores what a successful response of `op` tells: region ids or the id of a new resource.
    fn capture(&mut self, op: &str, response: &Value) {
        if op == "getVpnRegions" {
            let regions: Vec<&str> = response
                .as_array()
                .map(|a| a.iter().filter_map(|r| r["id"].as_str()).collect())
                .unwrap_or_default();
            if let Some(first) = regions.first() {
                self.region = first.to_string();
                self.region2 = regions.get(1).unwrap_or(first).to_string();
            }
            return;
        }
        let Some(id) = response.get("id").and_then(Value::as_str) else {
            return;
        };
        let slot = match op {
            "createUserGroup" => &mut self.user_group,
            "createUser" => &mut self.user,
            "createDevice" => &mut self.device,
            "createNetwork" => &mut self.network,
            "createNetworkRoute" => &mut self.route,
            "createConnector" => &mut self.network_connector,
            "createService" => &mut self.network_service,
            "createApplication" => &mut self.network_app,
            "createHost" => &mut self.host,
            "createConnector_1" => &mut self.host_connector,
            "createService_1" => &mut self.host_service,
            "createApplication_1" => &mut self.host_app,
            "createDnsRecord" => &mut self.dns_record,
            "createAccessGroup" => &mut self.access_group,
            "create" => &mut self.location_context,
            "create_1" => &mut self.device_posture,
            _ => return,
        };
        *slot = id.to_string();
    }
}

/// A client UUID for devices.
const CLIENT_UUID: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

/// The body of a settings setter: text for the text/plain settings, JSON otherwise.
fn setting_body(op: &str, ids: &Ids) -> Option<ReqBody> {
    let body = match op {
        "setTopology" => ReqBody::Text("FULL_MESH".into()),
        "setSubnet" => ReqBody::Generated(json!({
            "ipV4Address": ["100.96.0.0/11"],
            "ipV6Address": ["fd00:0:0:8000::/49"],
        })),
        "setSnat" => ReqBody::Generated(json!(true)),
        "setDomainRoutingSubnet" => ReqBody::Generated(json!({
            "ipV4Address": "100.80.0.0/16",
            "ipV6Address": "fd00:0:0:1::/64",
        })),
        "setDefaultRegion" => ReqBody::Text(ids.region.clone()),
        "setClientOptions" => ReqBody::Generated(json!(["block-outside-dns"])),
        "setConnectionTimeout" => ReqBody::Generated(json!(30)),
        "setProfileDistribution" => ReqBody::Text("MANUAL".into()),
        "setDeviceEnforcementLevel" => ReqBody::Text("LEARN_AND_ENFORCE".into()),
        "setDeviceAllowancePerUser" => ReqBody::Generated(json!(5)),
        "setForceUpdateDeviceAllowance" => ReqBody::Generated(json!(true)),
        "setDefaultConnectAuth" => ReqBody::Text("ON_PRIOR_AUTH".into()),
        "setDnsZones" => ReqBody::Generated(json!({
            "zones": [{"name": "corp.conformance.example.com", "addresses": ["10.201.1.53"]}],
        })),
        "setDnsProxyEnabled" => ReqBody::Generated(json!(true)),
        "setDefaultDnsSuffix" => ReqBody::Generated(json!("conformance.example.com")),
        "setDnsServerAddresses" => ReqBody::Generated(json!({
            "primaryIpV4": "1.1.1.1",
            "secondaryIpV4": "9.9.9.9",
        })),
        "setTwoFactorAuthEnabled" => ReqBody::Generated(json!(true)),
        "setTrustedDevicesAllowed" => ReqBody::Generated(json!(false)),
        _ => return None,
    };
    Some(body)
}

/// A valid request to `op`, using the resources in `ids`.
fn valid_request(op: &str, ids: &Ids) -> Req {
    let r = Req::default();
    if let Some(body) = setting_body(op, ids) {
        return Req { body, ..r };
    }
    let network_connector = json!({
        "name": "conformance-connector",
        "description": "conformance network connector",
        "vpnRegionId": ids.region,
        "ipSecConfig": null,
    });
    let host_connector = json!({
        "name": "conformance-host-connector",
        "description": "conformance host connector",
        "vpnRegionId": ids.region,
    });
    let network_service = json!({
        "name": "conformance-ip-service",
        "description": "conformance network IP service",
        "type": "IP_SOURCE",
        "routes": [{"value": "10.201.1.0/24"}],
        "config": {
            "serviceTypes": ["CUSTOM"],
            "customServiceTypes": [{
                "protocol": "TCP",
                "port": [{"value": 443}, {"lowerValue": 8000, "upperValue": 8080}],
                "icmpType": [],
            }],
        },
    });
    let host_service = json!({
        "name": "conformance-host-service",
        "description": "conformance host IP service",
        "config": {"serviceTypes": ["SSH"], "customServiceTypes": []},
    });
    let application = |name: &str, domain: &str| {
        json!({
            "name": name,
            "description": "conformance application",
            "routes": [{"value": domain, "allowEmbeddedIp": false}],
            "config": {"serviceTypes": ["HTTPS"], "customServiceTypes": []},
        })
    };
    let user_group = json!({
        "name": "conformance-group",
        "vpnRegionIds": [ids.region],
        "internetAccess": "SPLIT_TUNNEL_ON",
        "maxDevice": 5,
        "connectAuth": "ON_PRIOR_AUTH",
        "allRegionsIncluded": false,
        "gatewaysIds": [],
    });
    let device = json!({
        "name": "conformance-device",
        "description": "conformance device",
        "clientUUID": CLIENT_UUID,
    });
    let location_context = json!({
        "name": "conformance-location",
        "description": "conformance location context",
        "userGroupsIds": [ids.user_group],
        "ipCheck": {"allowed": true, "ips": [{"ip": "203.0.113.0/24", "description": "office"}]},
        "countryCheck": {"allowed": true, "countries": ["US", "DE"]},
        "defaultCheck": {"allowed": false},
    });
    let device_posture = json!({
        "name": "conformance-posture",
        "description": "conformance device posture",
        "userGroupsIds": [ids.user_group],
        "windows": {
            "allowed": true,
            "version": {"version": "10.0.19045", "condition": "GTE"},
            "antiviruses": ["MICROSOFT_DEFENDER"],
            "diskEncryption": {"type": "FULL_DISK", "volume": null},
            "certificate": null,
        },
        "macos": {
            "allowed": true,
            "version": {"version": "14.0", "condition": "GTE"},
            "antiviruses": [],
            "diskEncrypted": true,
            "certificate": null,
        },
        "linux": {"allowed": true},
        "android": {"allowed": false},
        "ios": {"allowed": true},
    });
    let access_group = json!({
        "name": "conformance-access-group",
        "description": "conformance access group",
        "source": [{"type": "USER_GROUP", "allCovered": false, "children": [ids.user_group]}],
        "destination": [{"type": "NETWORK_SERVICE", "allCovered": true, "parent": ids.network}],
    });
    let dns_record = json!({
        "domain": "db.conformance.example.com",
        "description": "conformance DNS record",
        "ipv4Addresses": ["10.201.1.10"],
        "ipv6Addresses": ["fd00::10"],
    });
    let renamed = |mut v: Value, name: &str| {
        v["name"] = json!(name);
        v
    };
    match op {
        // Authentication, reference data, DNS log, Cyber Shield and the settings getters.
        "requestToken" => r,
        "getSessions" => r.query("size", "10"),
        "getUserDnsResolutions" => r.query("startHour", &current_hour()),
        "blockListAddDomains" | "allowListAddDomains" => r.generated(json!({
            "domainAndComments": [{"domain": "blocked.conformance.example.com", "comment": "conformance"}],
        })),
        "blockListRemoveDomains" | "allowListRemoveDomains" => {
            r.generated(json!({"domains": ["blocked.conformance.example.com"]}))
        }
        // Creates.
        "createUserGroup" => r.generated(user_group),
        "createUser" => r.generated(json!({
            "username": "conformance.user",
            "email": "conformance.user@example.com",
            "firstName": "Conform",
            "lastName": "Ance",
            "groupId": ids.user_group,
            "role": "MEMBER",
            "devices": [{"name": "inline-device", "description": "created with the user", "clientUUID": "9b2f7a6e-3c1d-4e5f-8a9b-0c1d2e3f4a5b"}],
        })),
        "createDevice" => r.query("userId", &ids.user).generated(device),
        "createNetwork" => r.generated(json!({
            "name": "conformance-network",
            "description": "conformance network",
            "internetAccess": "SPLIT_TUNNEL_ON",
            "egress": true,
            "routes": [{"value": "10.201.1.0/24", "description": "embedded route"}],
            "connectors": [{"name": "conformance-embedded-connector", "description": "embedded connector", "vpnRegionId": ids.region}],
            "tunnelingProtocol": "OPENVPN",
            "gatewaysIds": [],
        })),
        "createNetworkRoute" => r
            .query("networkId", &ids.network)
            .generated(json!({"value": "10.201.2.0/24", "description": "conformance route"})),
        "createConnector" => r
            .query("networkId", &ids.network)
            .generated(network_connector),
        "createService" => r.query("networkId", &ids.network).generated(network_service),
        "createApplication" => r
            .query("networkId", &ids.network)
            .generated(application("conformance-app", "app.conformance.example.com")),
        "createHost" => r.generated(json!({
            "name": "conformance-host",
            "description": "conformance host",
            "internetAccess": "SPLIT_TUNNEL_ON",
            "domain": "host.conformance.example.com",
            "connectors": [{"name": "conformance-embedded-host-connector", "description": "embedded connector", "vpnRegionId": ids.region}],
            "gatewaysIds": [],
        })),
        "createConnector_1" => r.query("hostId", &ids.host).generated(host_connector),
        "createService_1" => r.query("hostId", &ids.host).generated(host_service),
        "createApplication_1" => r.query("hostId", &ids.host).generated(application(
            "conformance-host-app",
            "happ.conformance.example.com",
        )),
        "createDnsRecord" => r.generated(dns_record),
        "createAccessGroup" => r.generated(access_group),
        "create" => r.generated(location_context),
        "create_1" => r.generated(device_posture),
        // Paged lists (a page size big enough for everything; filtered where possible).
        "getUsers" | "getUserGroupsPage" | "getNetworksPage" | "getHostsPage"
        | "getPageOfDnsRecords" | "getAccessGroupsPage" | "get" | "get_2" => {
            r.query("page", "0").query("size", "1000")
        }
        "getDevices" => r.query("userId", &ids.user).query("size", "1000"),
        "getNetworkRoutesPage" | "getConnectors" | "getIpServicesPage" | "getApplicationsPage" => {
            r.query("networkId", &ids.network).query("size", "1000")
        }
        "getConnectorsPage" | "getIpServicesPage_1" | "getApplicationsPage_1" => {
            r.query("hostId", &ids.host).query("size", "1000")
        }
        // Reads by id.
        "getUser" => r.id(&ids.user),
        "getUserGroup" => r.id(&ids.user_group),
        "getDevice" => r.id(&ids.device).query("userId", &ids.user),
        "getNetwork" => r.id(&ids.network),
        "getNetworkRoute" => r.id(&ids.route),
        "getConnector" => r.id(&ids.network_connector),
        "getService" => r.id(&ids.network_service),
        "getApplication" => r.id(&ids.network_app),
        "getHost" => r.id(&ids.host),
        "getConnector_1" => r.id(&ids.host_connector),
        "getService_1" => r.id(&ids.host_service),
        "getApplication_1" => r.id(&ids.host_app),
        "getDnsRecord" => r.id(&ids.dns_record),
        "getAccessGroupsPage_1" => r.id(&ids.access_group),
        "get_1" => r.id(&ids.location_context),
        "get_3" => r.id(&ids.device_posture),
        // Updates.
        "updateUser" => r.id(&ids.user).generated(json!({
            "firstName": "Updated",
            "lastName": "User",
            "email": "updated.user@example.com",
            "groupId": ids.user_group,
            "status": "ACTIVE",
            "role": "ADMIN",
        })),
        "updateUserGroup" => r.id(&ids.user_group).generated(json!({
            "name": "conformance-group-updated",
            "vpnRegionIds": [ids.region, ids.region2],
            "internetAccess": "RESTRICTED_INTERNET",
            "maxDevice": 7,
            "connectAuth": "EVERY_TIME",
            "allRegionsIncluded": false,
            "gatewaysIds": [],
        })),
        "updateDevice" => r
            .id(&ids.device)
            .query("userId", &ids.user)
            .generated(renamed(device, "conformance-device-updated")),
        "updateNetwork" => r.id(&ids.network).generated(json!({
            "name": "conformance-network-updated",
            "description": "updated network",
            "egress": false,
            "internetAccess": "RESTRICTED_INTERNET",
            "gatewaysIds": [],
            "tunnelingProtocol": "OPENVPN",
        })),
        "updateNetworkRoute" => r
            .id(&ids.route)
            .generated(json!({"value": "10.201.3.0/24", "description": "moved route"})),
        "updateConnector" => r.id(&ids.network_connector).generated(json!({
            "name": "conformance-connector-updated",
            "description": "updated connector",
            "vpnRegionId": ids.region2,
            "ipSecConfig": null,
        })),
        "updateService" => r
            .id(&ids.network_service)
            .generated(renamed(network_service, "conformance-ip-service-updated")),
        "updateApplication" => r.id(&ids.network_app).generated(application(
            "conformance-app-updated",
            "app2.conformance.example.com",
        )),
        "updateHost" => r.id(&ids.host).generated(json!({
            "name": "conformance-host-updated",
            "description": "updated host",
            "internetAccess": "SPLIT_TUNNEL_ON",
            "domain": "host2.conformance.example.com",
            "gatewaysIds": [],
        })),
        "updateConnector_1" => r
            .id(&ids.host_connector)
            .generated(renamed(host_connector, "conformance-host-connector-updated")),
        "updateService_1" => r
            .id(&ids.host_service)
            .generated(renamed(host_service, "conformance-host-service-updated")),
        "updateApplication_1" => r.id(&ids.host_app).generated(application(
            "conformance-host-app-updated",
            "happ2.conformance.example.com",
        )),
        "updateDnsRecord" => r.id(&ids.dns_record).generated(json!({
            "domain": "db2.conformance.example.com",
            "description": "updated DNS record",
            "ipv4Addresses": ["10.201.1.11", "10.201.1.12"],
            "ipv6Addresses": [],
        })),
        "updateAccessGroup" => r
            .id(&ids.access_group)
            .generated(renamed(access_group, "conformance-access-group-updated")),
        "update" => r
            .id(&ids.location_context)
            .generated(renamed(location_context, "conformance-location-updated")),
        "update_1" => r
            .id(&ids.device_posture)
            .generated(renamed(device_posture, "conformance-posture-updated")),
        // Sub-resources.
        "generateConnectorProfile"
        | "encryptConnectorProfile"
        | "startIpSecConnection"
        | "stopIpSecConnection"
        | "revokeConnectorProfile" => r.id(&ids.network_connector),
        "getBundledApp" => r.id(&ids.network_connector).query("type", "MSI"),
        "generateConnectorProfile_1" | "encryptConnectorProfile_1" | "revokeConnectorProfile_1" => {
            r.id(&ids.host_connector)
        }
        "getBundledApp_1" => r.id(&ids.host_connector).query("type", "DMG"),
        "generateDeviceProfile" => r
            .id(&ids.device)
            .query("userId", &ids.user)
            .query("regionId", &ids.region),
        "revokeDeviceProfile" => r.id(&ids.device).query("userId", &ids.user),
        "addAccessGroupSource" => r.id(&ids.access_group).generated(json!({
            "type": "NETWORK_SERVICE",
            "allCovered": true,
            "parent": ids.network,
            "children": [],
        })),
        "deleteAccessGroupSource" => r
            .id(&ids.access_group)
            .query("type", "NETWORK_SERVICE")
            .query("parentId", &ids.network),
        "addAccessGroupDestination" => r.id(&ids.access_group).generated(json!({
            "type": "HOST_SERVICE",
            "allCovered": false,
            "parent": ids.host,
            "children": [ids.host_service],
        })),
        "deleteAccessGroupDestination" => r
            .id(&ids.access_group)
            .query("type", "HOST_SERVICE")
            .query("parentId", &ids.host)
            .query("childId", &ids.host_service),
        // Deletes.
        "deleteAccessGroup" => r.id(&ids.access_group),
        "delete" => r.id(&ids.location_context),
        "delete_1" => r.id(&ids.device_posture),
        "deleteDnsRecord" => r.id(&ids.dns_record),
        "deleteDevice" => r.id(&ids.device).query("userId", &ids.user),
        "deleteApplication_1" => r.id(&ids.host_app),
        "deleteService_1" => r.id(&ids.host_service),
        "deleteConnector_1" => r.id(&ids.host_connector),
        "deleteHost" => r.id(&ids.host),
        "deleteApplication" => r.id(&ids.network_app),
        "deleteService" => r.id(&ids.network_service),
        "deleteNetworkRoute" => r.id(&ids.route),
        "deleteConnector" => r.id(&ids.network_connector),
        "deleteNetwork" => r.id(&ids.network),
        "deleteUser" => r.id(&ids.user),
        "deleteUserGroup" => r.id(&ids.user_group),
        // Everything else (settings getters, regions, group mappings, DNS-log switches)
        // takes no parameter and no body.
        _ => r,
    }
}

// ---------------------------------------------------------------------------------------------
// The conformance runner
// ---------------------------------------------------------------------------------------------

/// One failed check.
struct Failure {
    op: String,
    request: String,
    status: u16,
    problems: Vec<String>,
    body: String,
}

/// Sends requests, checks them against the spec and records every failure.
struct Runner<'s> {
    spec: &'s Spec,
    api: Api,
    /// How many requests each operation got.
    calls: BTreeMap<String, usize>,
    failures: Vec<Failure>,
}

impl<'s> Runner<'s> {
    fn new(spec: &'s Spec, server: &MockServer) -> Runner<'s> {
        Runner {
            spec,
            api: Api::new(server),
            calls: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    fn auth_for(op: &Operation) -> Auth {
        if op.path == TOKEN_PATH {
            Auth::Basic
        } else if op.authenticated {
            Auth::Bearer
        } else {
            Auth::None
        }
    }

    /// Sends `req` to `op` and returns the reply with a one-line description of the request.
    fn send(&self, op: &Operation, req: &Req) -> (Reply, String) {
        let target = req.target(op);
        let body = self.spec.body_of(op, req);
        let mut description = format!("{} {}", op.method, target);
        if let Some((ct, bytes, _)) = &body {
            let _ = write!(description, " [{ct}] {}", excerpt(&String::from_utf8_lossy(bytes)));
        }
        let reply = self.api.send(
            &op.method,
            &target,
            Self::auth_for(op),
            body.as_ref().map(|(ct, b, _)| (ct.as_str(), b.as_slice())),
        );
        (reply, description)
    }

    fn fail(&mut self, op: &str, request: &str, reply: &Reply, problems: Vec<String>) {
        self.failures.push(Failure {
            op: op.to_string(),
            request: request.to_string(),
            status: reply.status,
            problems,
            body: excerpt(&reply.text()),
        });
    }

    /// Sends a valid request to `op_id` and checks the reply against the spec: the declared
    /// success status, then the body (empty, or valid against the response schema). Returns the
    /// parsed body when the status was right and the body parsed (even if it did not validate,
    /// so that later steps can go on).
    fn call(&mut self, op_id: &str, req: &Req) -> Option<Value> {
        let spec = self.spec;
        let op = spec.op(op_id);
        *self.calls.entry(op.id.clone()).or_default() += 1;
        // A valid request carries every required parameter of the operation.
        for (name, location, required) in &op.params {
            if *required && location == "query" {
                assert!(
                    req.query.iter().any(|(k, _)| k == name),
                    "test bug: {} needs the query parameter {name}",
                    op.id
                );
            }
        }
        let (reply, description) = self.send(op, req);
        if reply.status != op.success {
            self.fail(
                op_id,
                &description,
                &reply,
                vec![format!("expected status {}, got {}", op.success, reply.status)],
            );
            return None;
        }
        let text = reply.text();
        match &op.expected {
            Expected::Empty => {
                if !reply.body.is_empty() {
                    self.fail(
                        op_id,
                        &description,
                        &reply,
                        vec!["the spec declares no content, but the body is not empty".into()],
                    );
                }
                Some(Value::Null)
            }
            Expected::Unchecked => {
                if reply.content_type.contains("json") {
                    match serde_json::from_str(&text) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            self.fail(
                                op_id,
                                &description,
                                &reply,
                                vec![format!("JSON content type but invalid JSON: {e}")],
                            );
                            None
                        }
                    }
                } else {
                    Some(Value::String(text))
                }
            }
            Expected::Schema(schema) => {
                let parsed = parse_body(spec.resolve(schema), &reply.content_type, &text);
                match parsed {
                    Err(e) => {
                        self.fail(op_id, &description, &reply, vec![e]);
                        None
                    }
                    Ok(v) => {
                        let errors = spec.validate(schema, &v);
                        if !errors.is_empty() {
                            self.fail(op_id, &description, &reply, errors);
                        }
                        Some(v)
                    }
                }
            }
        }
    }

    /// Records a failure of a semantic check (not a schema check) of `op`.
    fn check(&mut self, op: &str, ok: bool, problem: impl Into<String>) {
        if !ok {
            self.failures.push(Failure {
                op: op.to_string(),
                request: String::new(),
                status: 0,
                problems: vec![problem.into()],
                body: String::new(),
            });
        }
    }

    /// Sends an invalid request and checks the documented error: the status and a body that is
    /// a valid `ErrorResponse` whose `errorDetails` satisfies `details`.
    fn expect_error(&mut self, label: &str, op_id: &str, req: &Req, status: u16, details: Details) {
        let spec = self.spec;
        let op = spec.op(op_id);
        let (reply, description) = self.send(op, req);
        let description = format!("{label}: {description}");
        let mut problems = Vec::new();
        if reply.status != status {
            problems.push(format!("expected status {status}, got {}", reply.status));
        }
        let text = reply.text();
        if reply.status >= 400 && reply.status != 401 && reply.status != 429 {
            problems.extend(spec.error_response_problems(&text));
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            // `statusError` is the status name (mock/README.md: "BAD_REQUEST" for a 400).
            let status_name = match reply.status {
                400 => "BAD_REQUEST",
                404 => "NOT_FOUND",
                _ => "",
            };
            if !status_name.is_empty() && v["statusError"] != status_name {
                problems.push(format!("statusError should be {status_name}, is {}", v["statusError"]));
            }
            let keys: Vec<String> = v["errorDetails"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            match &details {
                Details::Any => {}
                Details::Key(names) => {
                    if !names.iter().any(|n| keys.contains(n)) {
                        problems.push(format!(
                            "errorDetails should have a key {}, has {keys:?}",
                            names.join(" or ")
                        ));
                    }
                }
                Details::NotFoundMessage => {
                    let message = v["errorMessage"].as_str().unwrap_or_default();
                    if !message.to_ascii_lowercase().contains("not found") {
                        problems.push(format!("errorMessage should say \"not found\", is {message:?}"));
                    }
                }
            }
        }
        if !problems.is_empty() {
            self.fail(op_id, &description, &reply, problems);
        }
    }

    /// Logs in (outside the bookkeeping) and creates one resource of each kind.
    fn create_fixtures(&mut self) -> Ids {
        self.api.login();
        let mut ids = Ids::default();
        let regions = self.call("getVpnRegions", &Req::default());
        ids.capture("getVpnRegions", &regions.unwrap_or(Value::Null));
        assert!(!ids.region.is_empty(), "no VPN region to use");
        for op in CREATES {
            let req = valid_request(op, &ids);
            let response = self.call(op, &req).unwrap_or(Value::Null);
            ids.capture(op, &response);
        }
        let missing: Vec<&str> = CREATES.iter().copied().filter(|op| slot_empty(&ids, op)).collect();
        assert!(
            missing.is_empty(),
            "could not create the fixtures {missing:?}:\n{}",
            self.report()
        );
        // Schema problems of the fixture calls are the main test's business.
        self.failures.clear();
        ids
    }

    /// All failures, one block each.
    fn report(&self) -> String {
        let mut out = String::new();
        for f in &self.failures {
            let _ = writeln!(out, "- {} (status {}): {}", f.op, f.status, f.request);
            for p in &f.problems {
                let _ = writeln!(out, "    * {p}");
            }
            if !f.body.is_empty() {
                let _ = writeln!(out, "    body: {}", f.body);
            }
        }
        out
    }

    /// Panics with every failure, if any.
    fn finish(&self, what: &str) {
        if !self.failures.is_empty() {
            let ops: BTreeSet<&str> = self.failures.iter().map(|f| f.op.as_str()).collect();
            panic!(
                "{what}: {} failed check(s) in {} operation(s):\n{}",
                self.failures.len(),
                ops.len(),
                self.report()
            );
        }
    }
}

/// Whether the id that create `op` stores in `ids` is still empty.
fn slot_empty(ids: &Ids, op: &str) -> bool {
    let id = match op {
        "createUserGroup" => &ids.user_group,
        "createUser" => &ids.user,
        "createDevice" => &ids.device,
        "createNetwork" => &ids.network,
        "createNetworkRoute" => &ids.route,
        "createConnector" => &ids.network_connector,
        "createService" => &ids.network_service,
        "createApplication" => &ids.network_app,
        "createHost" => &ids.host,
        "createConnector_1" => &ids.host_connector,
        "createService_1" => &ids.host_service,
        "createApplication_1" => &ids.host_app,
        "createDnsRecord" => &ids.dns_record,
        "createAccessGroup" => &ids.access_group,
        "create" => &ids.location_context,
        "create_1" => &ids.device_posture,
        _ => return false,
    };
    id.is_empty()
}

/// What an error response's `errorDetails` must contain.
enum Details {
    /// Anything (the `ErrorResponse` shape is still checked).
    Any,
    /// One of these keys.
    Key(Vec<String>),
    /// No requirement on the details, but `errorMessage` must say "not found".
    NotFoundMessage,
}

/// The documented answer to an unknown id on `path`: 404, except DNS records, which answer 400
/// with a "not found" message (the real service's quirk, on by default in the emulator).
fn not_found_answer(path: &str) -> (u16, Details) {
    if path.starts_with("/api/v1/dns-records/") {
        (400, Details::NotFoundMessage)
    } else {
        (404, Details::Any)
    }
}

/// Parses a success body for validation: JSON when the content type says so; otherwise the raw
/// text is the value of a `type: string` schema, and any other schema (integers, booleans,
/// objects) is read as bare JSON.
fn parse_body(schema: &Value, content_type: &str, text: &str) -> Result<Value, String> {
    if content_type.to_ascii_lowercase().contains("json") {
        return serde_json::from_str(text)
            .map_err(|e| format!("content type {content_type:?} but the body is not JSON: {e}"));
    }
    if schema.get("type").and_then(Value::as_str) == Some("string") {
        return Ok(Value::String(text.to_string()));
    }
    serde_json::from_str(text)
        .map_err(|e| format!("the body (content type {content_type:?}) is not a bare JSON value: {e}"))
}

/// The `content` array of a page envelope.
fn content_of(page: &Value) -> &[Value] {
    page["content"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Every operation of the spec, with a valid request: declared status and a body that
/// validates against the declared response schema.
#[test]
fn every_operation_conforms_to_the_spec() {
    let spec = Spec::load();
    assert_plan_covers_the_spec(&spec);

    let server = start_server(true);
    let mut run = Runner::new(&spec, &server);
    let mut ids = Ids::default();
    // The last setting set, for its getter to return.
    let mut last_setting: Option<(String, Value)> = None;

    for &op_id in PLAN {
        let op = spec.op(op_id);
        let req = valid_request(op_id, &ids);
        let sent = spec.body_of(op, &req).and_then(|(_, _, json)| json);
        let Some(response) = run.call(op_id, &req) else {
            continue;
        };
        match op_id {
            "requestToken" => {
                let token = response["access_token"].as_str().unwrap_or_default();
                run.check(op_id, !token.is_empty(), "no access_token in the response");
                run.api.token = Some(token.to_string());
            }
            "getVpnRegions" => {
                ids.capture(op_id, &response);
                assert!(!ids.region.is_empty(), "GET /api/v1/regions listed no region");
            }
            "getSessions" => {
                // Follow the cursor once: the next page must conform as well.
                if let Some(cursor) = response["nextCursor"].as_str() {
                    let next = Req::default().query("size", "10").query("cursor", cursor);
                    run.call(op_id, &next);
                }
            }
            _ => ids.capture(op_id, &response),
        }
        check_setting_round_trip(&mut run, op_id, &req, sent.as_ref(), &response, &mut last_setting);
        check_semantics(&mut run, op, &req, sent.as_ref(), &response, &ids);

        // A deleted resource is gone: its GET answers 404 (400 "not found" for DNS records).
        if op.method == "DELETE"
            && let Some(get) = spec.ops.iter().find(|o| o.method == "GET" && o.path == op.path)
        {
            let (status, details) = not_found_answer(&op.path);
            run.expect_error("after the delete", &get.id, &req, status, details);
        }

        // The unfiltered first page of 1000 (all the seed data) must conform too.
        if op.is_paged_list() && req.query.iter().any(|(k, _)| k != "page" && k != "size") {
            run.call(op_id, &Req::default().query("size", "1000"));
        }
    }

    // Every operation was called, and every call passed.
    let not_called: Vec<&str> = spec
        .ops
        .iter()
        .filter(|o| !run.calls.contains_key(&o.id))
        .map(|o| o.id.as_str())
        .collect();
    assert!(not_called.is_empty(), "operations never called: {not_called:?}");
    let failed: BTreeSet<&str> = run.failures.iter().map(|f| f.op.as_str()).collect();
    let passed = spec.ops.iter().filter(|o| !failed.contains(o.id.as_str())).count();
    let requests: usize = run.calls.values().sum();
    println!("{passed} of {EXPECTED_OPERATIONS} operations conform ({requests} requests validated)");
    run.finish(&format!(
        "{passed} of {EXPECTED_OPERATIONS} operations conform to the spec"
    ));
    assert_eq!(passed, EXPECTED_OPERATIONS);
}

/// The spec has 144 operations with unique ids, and [`PLAN`] lists each exactly once.
fn assert_plan_covers_the_spec(spec: &Spec) {
    assert_eq!(spec.ops.len(), EXPECTED_OPERATIONS, "operations in the spec");
    let spec_ids: BTreeSet<&str> = spec.ops.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(spec_ids.len(), EXPECTED_OPERATIONS, "unique operationIds");
    let plan_ids: BTreeSet<&str> = PLAN.iter().copied().collect();
    assert_eq!(plan_ids.len(), PLAN.len(), "the plan lists an operation twice");
    let missing: Vec<_> = spec_ids.difference(&plan_ids).collect();
    assert!(missing.is_empty(), "operations missing from the plan: {missing:?}");
    let extra: Vec<_> = plan_ids.difference(&spec_ids).collect();
    assert!(extra.is_empty(), "plan entries that are not in the spec: {extra:?}");
}

/// Settings: a setter answers the value it was sent, and the getter that follows it in the
/// plan answers that value too.
fn check_setting_round_trip(
    run: &mut Runner,
    op_id: &str,
    req: &Req,
    sent: Option<&Value>,
    response: &Value,
    last_setting: &mut Option<(String, Value)>,
) {
    if let Some(name) = op_id.strip_prefix("set") {
        let value = match &req.body {
            ReqBody::Text(t) => Value::String(t.clone()),
            _ => sent.cloned().unwrap_or(Value::Null),
        };
        run.check(
            op_id,
            *response == value,
            format!("the setter answered {response}, expected the value set {value}"),
        );
        *last_setting = Some((name.to_string(), value));
    } else if let Some(name) = op_id.strip_prefix("get")
        && let Some((set_name, value)) = last_setting.take()
    {
        run.check(
            op_id,
            set_name != name || *response == value,
            format!("the getter answered {response}, expected the value set {value}"),
        );
    }
}

/// Checks beyond the schema, from mock/README.md: creates answer an id and the name sent and
/// embed the children sent along; reads by id answer that id; filtered lists hold what the
/// test created.
fn check_semantics(run: &mut Runner, op: &Operation, req: &Req, sent: Option<&Value>, response: &Value, ids: &Ids) {
    let op_id = op.id.as_str();
    let count = |field: &str| response[field].as_array().map_or(0, Vec::len);
    if CREATES.contains(&op_id) {
        run.check(op_id, !slot_empty(ids, op_id), "the create response has no id");
        if let (Some(sent), Some(name)) = (sent, response.get("name")) {
            run.check(
                op_id,
                sent.get("name") == Some(name),
                format!("created with name {:?}, answered {name}", sent.get("name")),
            );
        }
    }
    match op_id {
        "createNetwork" => run.check(
            op_id,
            count("routes") == 1 && count("connectors") == 1,
            format!(
                "a network created with 1 route and 1 connector embeds {} and {}",
                count("routes"),
                count("connectors")
            ),
        ),
        "createHost" => run.check(
            op_id,
            count("connectors") == 1,
            format!("a host created with 1 connector embeds {}", count("connectors")),
        ),
        "createUser" => run.check(
            op_id,
            count("devices") == 1,
            format!("a user created with 1 device embeds {}", count("devices")),
        ),
        "createNetworkRoute" => run.check(
            op_id,
            response["subnet"] == "10.201.2.0/24" && response["type"] == "IP_V4",
            format!(
                "a route created from 10.201.2.0/24 has subnet {} and type {}",
                response["subnet"], response["type"]
            ),
        ),
        _ => {}
    }
    if op.method == "GET"
        && let Some(id) = &req.id
    {
        run.check(
            op_id,
            response["id"].as_str() == Some(id.as_str()),
            format!("asked for id {id}, got {}", response["id"]),
        );
    }
    if op.is_paged_list() {
        run.check(
            op_id,
            !content_of(response).is_empty(),
            "the list is empty although the test created an item",
        );
    }
}

/// Every body with an emulator-required field (mock/README.md), at any depth: without the
/// field, and with it blank, the answer is 400 naming the field.
#[test]
fn missing_or_blank_required_fields_are_400() {
    let spec = Spec::load();
    let server = start_server(true);
    let mut run = Runner::new(&spec, &server);
    let ids = run.create_fixtures();

    let mut checked = 0;
    for op in spec.ops.iter().filter(|o| o.json_body()) {
        let req = valid_request(&op.id, &ids);
        let Some((_, _, Some(body))) = spec.body_of(op, &req) else {
            continue;
        };
        let (_, schema) = op.request.as_ref().expect("request schema");
        let mut fields = Vec::new();
        spec.checked_fields(schema, &body, "", &mut fields);
        for field in fields {
            let Field::Required(path) = field else {
                continue;
            };
            checked += 1;
            let mut missing = body.clone();
            remove_field(&mut missing, &path);
            let bad = Req {
                body: ReqBody::Json(missing),
                ..req.clone()
            };
            let label = format!("without {path}");
            run.expect_error(&label, &op.id, &bad, 400, Details::Key(vec![path.clone()]));

            let mut blank = body.clone();
            set_field(&mut blank, &path, json!(""));
            let bad = Req {
                body: ReqBody::Json(blank),
                ..req.clone()
            };
            let label = format!("with {path} blank");
            run.expect_error(&label, &op.id, &bad, 400, Details::Key(vec![path.clone()]));
        }
    }
    // The README's table names 20 schemas; with the nested ones the bodies carry well over 30.
    assert!(checked >= 30, "only {checked} required fields were checked");
    println!("{checked} required fields checked (missing and blank)");

    // An unknown region on a connector is 400 too.
    for op_id in ["createConnector", "createConnector_1"] {
        let mut req = valid_request(op_id, &ids);
        if let ReqBody::Generated(over) = &mut req.body {
            over["vpnRegionId"] = json!("xx-nowhere-9");
        }
        run.expect_error(
            "unknown vpnRegionId",
            op_id,
            &req,
            400,
            Details::Key(vec!["vpnRegionId".into()]),
        );
    }
    // A route overlapping an existing one is 400.
    let mut req = valid_request("createNetworkRoute", &ids);
    req.body = ReqBody::Generated(json!({"value": "10.201.2.128/25", "description": "overlap"}));
    run.expect_error("overlapping route", "createNetworkRoute", &req, 400, Details::Any);

    run.finish("required fields");
}

/// Every enum field of every JSON body (at any depth) and every text/plain enum setting: an
/// unknown value is 400 (naming the field for JSON bodies).
#[test]
fn invalid_enum_values_are_400() {
    let spec = Spec::load();
    let server = start_server(true);
    let mut run = Runner::new(&spec, &server);
    let ids = run.create_fixtures();

    let mut checked = 0;
    for op in spec.ops.iter().filter(|o| o.json_body()) {
        let req = valid_request(&op.id, &ids);
        let Some((_, _, Some(body))) = spec.body_of(op, &req) else {
            continue;
        };
        let (_, schema) = op.request.as_ref().expect("request schema");
        let mut fields = Vec::new();
        spec.checked_fields(schema, &body, "", &mut fields);
        for field in fields {
            let (path, target, names) = match field {
                Field::Required(_) => continue,
                Field::Enum(path) => (path.clone(), path.clone(), vec![path]),
                Field::EnumItem(path) => {
                    let item = format!("{path}[0]");
                    (path.clone(), item.clone(), vec![item, path])
                }
            };
            checked += 1;
            let mut bad_body = body.clone();
            set_field(&mut bad_body, &target, json!("NOPE"));
            let bad = Req {
                body: ReqBody::Json(bad_body),
                ..req.clone()
            };
            run.expect_error(&format!("{path} = \"NOPE\""), &op.id, &bad, 400, Details::Key(names));
        }
    }
    assert!(checked >= 25, "only {checked} enum fields were checked");
    println!("{checked} enum fields checked");

    // The two cases of the brief, spelled out.
    let mut req = valid_request("createNetwork", &ids);
    if let ReqBody::Generated(over) = &mut req.body {
        over["internetAccess"] = json!("NOPE");
    }
    run.expect_error(
        "internetAccess = NOPE",
        "createNetwork",
        &req,
        400,
        Details::Key(vec!["internetAccess".into()]),
    );
    let mut req = valid_request("createUser", &ids);
    if let ReqBody::Generated(over) = &mut req.body {
        over["role"] = json!("KING");
        over["username"] = json!("king");
        over["email"] = json!("king@example.com");
    }
    run.expect_error(
        "role = KING",
        "createUser",
        &req,
        400,
        Details::Key(vec!["role".into()]),
    );

    // text/plain enum settings.
    let mut text_enums = 0;
    for op in &spec.ops {
        let Some((ct, schema)) = &op.request else {
            continue;
        };
        if ct.starts_with("text/") && schema.get("enum").is_some() {
            text_enums += 1;
            run.expect_error(
                "text enum NOPE",
                &op.id,
                &Req::default().text("NOPE"),
                400,
                Details::Any,
            );
        }
    }
    assert_eq!(text_enums, 4, "text/plain enum settings in the spec");

    run.finish("enum values");
}

/// Paging of every paged list, of the sessions and of the DNS log: out-of-range and non-numeric
/// `page`/`size` are 400 naming the parameter; the limits themselves are accepted, and the
/// envelope counts are consistent.
#[test]
fn paging_parameters_are_validated() {
    let spec = Spec::load();
    let server = start_server(true);
    let mut run = Runner::new(&spec, &server);
    run.api.login();

    let lists: Vec<&Operation> = spec.ops.iter().filter(|o| o.is_paged_list()).collect();
    assert_eq!(lists.len(), 16, "paged lists in the spec");

    let bad_cases: &[(&str, &str)] = &[
        ("size", "0"),
        ("size", "1001"),
        ("size", "-1"),
        ("size", "abc"),
        ("page", "-1"),
        ("page", "abc"),
    ];
    for op in &lists {
        for (param, value) in bad_cases {
            let req = Req::default().query(param, value);
            run.expect_error(
                &format!("{param}={value}"),
                &op.id,
                &req,
                400,
                Details::Key(vec![param.to_string()]),
            );
        }

        // The limits, the default and a page past the end.
        for (size, page) in [(Some(1), 0), (Some(1000), 0), (None, 0), (Some(1000), 1000)] {
            let mut req = Req::default().query("page", &page.to_string());
            if let Some(size) = size {
                req = req.query("size", &size.to_string());
            }
            let Some(env) = run.call(&op.id, &req) else {
                continue;
            };
            let size = size.unwrap_or(10);
            let total = env["totalElements"].as_u64().unwrap_or(0);
            let content = content_of(&env).len() as u64;
            let expected_content = total.saturating_sub(page * size).min(size);
            let expected_pages = total.div_ceil(size);
            let ok = env["size"] == json!(size)
                && env["page"] == json!(page)
                && env["numberOfElements"] == json!(content)
                && content == expected_content
                && env["totalPages"] == json!(expected_pages);
            run.check(
                &op.id,
                ok,
                format!(
                    "page={page} size={size}: envelope size={} page={} numberOfElements={} content={content} totalElements={total} totalPages={}; expected {expected_content} items and {expected_pages} pages",
                    env["size"], env["page"], env["numberOfElements"], env["totalPages"]
                ),
            );
        }
    }

    // Sessions: `size` is required and 1..=100.
    for (label, req) in [
        ("no size", Req::default()),
        ("size=0", Req::default().query("size", "0")),
        ("size=101", Req::default().query("size", "101")),
        ("size=abc", Req::default().query("size", "abc")),
    ] {
        run.expect_error(label, "getSessions", &req, 400, Details::Key(vec!["size".into()]));
    }
    for size in ["1", "100"] {
        if let Some(page) = run.call("getSessions", &Req::default().query("size", size)) {
            let n = page["sessions"].as_array().map_or(0, Vec::len);
            run.check(
                "getSessions",
                n <= size.parse().unwrap_or(0),
                format!("size={size} returned {n} sessions"),
            );
        }
    }

    // DNS log: `startHour` is required, `size` is 10..=10000.
    let hour = current_hour();
    let dns = |size: Option<&str>| {
        let req = Req::default().query("startHour", &hour);
        match size {
            Some(s) => req.query("size", s),
            None => req,
        }
    };
    run.expect_error(
        "no startHour",
        "getUserDnsResolutions",
        &Req::default(),
        400,
        Details::Key(vec!["startHour".into()]),
    );
    for size in ["9", "10001", "abc"] {
        run.expect_error(
            &format!("size={size}"),
            "getUserDnsResolutions",
            &dns(Some(size)),
            400,
            Details::Key(vec!["size".into()]),
        );
    }
    for size in [Some("10"), Some("10000"), None] {
        if let Some(page) = run.call("getUserDnsResolutions", &dns(size)) {
            let expected = size.unwrap_or("500").parse::<u64>().unwrap_or(0);
            run.check(
                "getUserDnsResolutions",
                page["size"] == json!(expected) && page["content"].is_array(),
                format!("size={size:?}: page envelope {}", excerpt(&page.to_string())),
            );
        }
    }

    run.finish("paging");
}

/// Every operation on `/{id}` with an id that does not exist: 404 with an `ErrorResponse`,
/// except DNS records (400 with a "not found" message, the real service's quirk, which
/// `dns_not_found_is_400: false` turns into 404).
#[test]
fn unknown_ids_are_404() {
    let spec = Spec::load();
    let server = start_server(true);
    let mut run = Runner::new(&spec, &server);
    let ids = run.create_fixtures();

    let mut checked = 0;
    for op in spec.ops.iter().filter(|o| o.path.contains("{id}")) {
        let req = valid_request(&op.id, &ids).id(UNKNOWN_ID);
        checked += 1;
        let (status, details) = not_found_answer(&op.path);
        run.expect_error("unknown id", &op.id, &req, status, details);
    }
    assert!(checked >= 60, "only {checked} operations on /{{id}}");
    println!("{checked} operations checked with an unknown id");

    // A device of another (or no) user is unknown as well.
    let req = valid_request("getDevice", &ids);
    let req = Req {
        query: vec![("userId".into(), UNKNOWN_ID.into())],
        ..req
    };
    run.expect_error("unknown userId", "getDevice", &req, 404, Details::Any);
    run.finish("unknown ids");

    // With the quirk off, DNS records answer 404 like everything else.
    let server = start_server(false);
    let mut run = Runner::new(&spec, &server);
    run.api.login();
    let req = Req::default().id(UNKNOWN_ID);
    run.expect_error("quirk off", "getDnsRecord", &req, 404, Details::Any);
    run.finish("unknown ids (dns_not_found_is_400 = false)");
}

/// Malformed bodies: broken JSON on every operation with a JSON body, a JSON value of the wrong
/// type, and invalid UTF-8 are all 400 with an `ErrorResponse`.
#[test]
fn malformed_bodies_are_400() {
    let spec = Spec::load();
    let server = start_server(true);
    let mut run = Runner::new(&spec, &server);
    let ids = run.create_fixtures();

    let mut checked = 0;
    for op in spec.ops.iter().filter(|o| o.json_body()) {
        // dns/default-suffix is the one JSON body of `type: string`; the emulator also takes
        // it as bare text (mock/README.md), so any body is a valid suffix there.
        let (_, schema) = op.request.as_ref().expect("request schema");
        let top_type = spec.resolve(schema).get("type").and_then(Value::as_str);
        if top_type == Some("string") {
            continue;
        }
        let valid = valid_request(&op.id, &ids);
        checked += 1;

        // Truncated JSON.
        let broken = Req {
            body: ReqBody::Raw("application/json", br#"{"name": "x","#.to_vec()),
            ..valid.clone()
        };
        run.expect_error("malformed JSON", &op.id, &broken, 400, Details::Any);

        // A JSON value of the wrong type.
        let wrong = match top_type {
            Some("boolean") => json!("yes"),
            Some("integer") => json!("soon"),
            Some("array") => json!({"not": "an array"}),
            _ => json!([1, 2, 3]),
        };
        let wrong = Req {
            body: ReqBody::Json(wrong),
            ..valid.clone()
        };
        run.expect_error("wrong JSON type", &op.id, &wrong, 400, Details::Any);
    }
    assert!(checked >= 40, "only {checked} operations take a JSON body");
    println!("{checked} operations checked with malformed and wrong-typed JSON");

    // A field of the wrong type, and invalid UTF-8, on a create.
    let mut req = valid_request("createNetwork", &ids);
    req.body = ReqBody::Json(json!({"name": 42, "internetAccess": "SPLIT_TUNNEL_ON"}));
    run.expect_error("name is a number", "createNetwork", &req, 400, Details::Any);
    req.body = ReqBody::Raw("application/json", b"{\"name\": \"\xff\xfe\"}".to_vec());
    run.expect_error("invalid UTF-8", "createNetwork", &req, 400, Details::Any);

    run.finish("malformed bodies");
}

/// A `null` body and `null` array items can never be stored: every operation with a JSON
/// body answers 400 to a `null` body (naming `body` when the schema is an object), and to a
/// `null` item in any array its valid body carries, at any depth (naming the item, as
/// `routes[0]` or `connectors[0].routes[0]`). Nothing is created.
#[test]
fn null_bodies_and_null_array_items_are_400() {
    let spec = Spec::load();
    let server = start_server(true);
    let mut run = Runner::new(&spec, &server);
    let ids = run.create_fixtures();

    let (mut bodies, mut items) = (0, 0);
    for op in spec.ops.iter().filter(|o| o.json_body()) {
        let (_, schema) = op.request.as_ref().expect("request schema");
        let top = spec
            .resolve(schema)
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("object");
        // dns/default-suffix is the one JSON body of `type: string`; the emulator also takes
        // it as bare text (mock/README.md), so `null` is a suffix there.
        if top == "string" {
            continue;
        }
        let req = valid_request(&op.id, &ids);
        let with = |body: Value| Req {
            body: ReqBody::Json(body),
            ..req.clone()
        };
        let details = match top {
            "object" => Details::Key(vec!["body".into()]),
            _ => Details::Any,
        };
        run.expect_error("null body", &op.id, &with(Value::Null), 400, details);
        bodies += 1;
        if top == "array" {
            run.expect_error("[null]", &op.id, &with(json!([null])), 400, Details::Any);
            items += 1;
            continue;
        }
        let Some((_, _, Some(body))) = spec.body_of(op, &req) else {
            continue;
        };
        for path in array_paths(&body, "") {
            let mut bad = body.clone();
            set_field(&mut bad, &path, json!([null]));
            let label = format!("{path} = [null]");
            run.expect_error(
                &label,
                &op.id,
                &with(bad),
                400,
                Details::Key(vec![format!("{path}[0]")]),
            );
            items += 1;
        }
    }
    assert!(bodies >= 40, "only {bodies} operations were sent a null body");
    assert!(items >= 30, "only {items} arrays were sent a null item");
    println!("{bodies} null bodies and {items} arrays with a null item: all 400");
    run.finish("null bodies and items");
}

/// The dotted paths (`a.b[0].c`) of every array in `v`, looking into the first element of
/// arrays of objects.
fn array_paths(v: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Value::Object(m) = v {
        for (k, field) in m {
            let path = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
            if let Value::Array(a) = field {
                out.push(path.clone());
                if let Some(first @ Value::Object(_)) = a.first() {
                    out.extend(array_paths(first, &format!("{path}[0]")));
                }
            } else {
                out.extend(array_paths(field, &path));
            }
        }
    }
    out
}

/// Authentication failures: bad API credentials are 401 `invalid_client`; a missing or unknown
/// bearer token is 401 with an empty body and a `WWW-Authenticate` challenge (RFC 6750).
#[test]
fn authentication_failures_are_401() {
    let spec = Spec::load();
    let server = start_server(true);
    let mut api = Api::new(&server);
    let mut problems = Vec::new();

    let good_basic = api.basic.clone();
    api.basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:wrong-secret", server.client_id()));
    let reply = api.send("POST", TOKEN_PATH, Auth::Basic, None);
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    if reply.status != 401 || body["error"] != "invalid_client" {
        problems.push(format!(
            "bad credentials: expected 401 invalid_client, got {} {}",
            reply.status,
            reply.text()
        ));
    }
    api.basic = good_basic;

    let networks = spec.op("getNetworksPage");
    for (label, token) in [("no token", None), ("unknown token", Some("not-a-token"))] {
        api.token = token.map(str::to_string);
        let auth = if token.is_some() { Auth::Bearer } else { Auth::None };
        let reply = api.send("GET", &networks.path, auth, None);
        if reply.status != 401 || !reply.body.is_empty() {
            problems.push(format!(
                "{label}: expected 401 with an empty body, got {} {:?}",
                reply.status,
                reply.text()
            ));
        }
        let challenge = if token.is_some() {
            r#"Bearer error="invalid_token""#
        } else {
            "Bearer"
        };
        if reply.challenge.as_deref() != Some(challenge) {
            problems.push(format!(
                "{label}: expected WWW-Authenticate: {challenge}, got {:?}",
                reply.challenge
            ));
        }
    }

    // And with a real token the same call works.
    api.login();
    let reply = api.send("GET", &networks.path, Auth::Bearer, None);
    if reply.status != 200 {
        problems.push(format!("with a token: expected 200, got {}", reply.status));
    }
    assert!(problems.is_empty(), "authentication:\n{}", problems.join("\n"));
}

/// The schema machinery itself: references resolve and the validators reject bodies that break
/// the spec (so that a passing conformance run means something).
#[test]
fn schema_validation_rejects_nonconforming_bodies() {
    let spec = Spec::load();
    let schema_ref = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let cases = [
        (
            schema_ref("PageNetworkResponse"),
            json!({"content": [{"id": "n", "internetAccess": "SPLIT_TUNNEL_ON", "routes": [{"type": "IP_V4"}]}], "totalElements": 1}),
            json!({"content": [{"id": "n", "internetAccess": "NOPE"}], "totalElements": 1}),
        ),
        (
            schema_ref("PageNetworkResponse"),
            json!({"content": [], "page": 0}),
            json!({"content": [{"routes": [{"type": 4}]}], "page": 0}),
        ),
        (
            schema_ref("SessionsResponse"),
            json!({"sessions": [{"sessionStartTime": "2025-01-01T10:00:00Z"}]}),
            json!({"sessions": [{"sessionStartTime": "yesterday"}]}),
        ),
        (
            schema_ref("ErrorResponse"),
            json!({"errorMessage": "m", "errorDetails": {"name": [{"errorCode": "NotBlank", "params": {}}]}}),
            json!({"errorMessage": "m", "errorDetails": {"name": "must not be blank"}}),
        ),
        (
            json!({"type": "array", "items": schema_ref("VpnRegionResponse")}),
            json!([{"id": "us-east-1"}]),
            json!({"id": "us-east-1"}),
        ),
        (json!({"type": "boolean"}), json!(true), json!("true")),
        (json!({"type": "integer", "format": "int32"}), json!(3), json!(3.5)),
        (
            json!({"type": "string", "enum": ["FULL_MESH", "CUSTOM"]}),
            json!("FULL_MESH"),
            json!("\"FULL_MESH\""),
        ),
    ];
    for (schema, good, bad) in cases {
        let errors = spec.validate(&schema, &good);
        assert!(errors.is_empty(), "{schema} rejected {good}: {errors:?}");
        assert!(!spec.validate(&schema, &bad).is_empty(), "{schema} accepted {bad}");
    }
    // Every response schema of the spec compiles.
    for op in &spec.ops {
        if let Expected::Schema(schema) = &op.expected {
            spec.validator(schema);
        }
    }
}
