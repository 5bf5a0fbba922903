#!/usr/bin/env python3
"""Write the seed corpora of fuzz/corpus/ (run from anywhere; rerun after adding a model).

decode_models: one seed per model, `<name>\\n<json>`: the emulator's answers when it runs
(CLOUDCONNEXA_API_URL, _CLIENT_ID, _CLIENT_SECRET as `cloudconnexa-mock` prints them),
else an instance built from the OpenAPI schema in spec/; `"WIRE"` for each string enum.
The other targets' seeds are small and hand-written here.
"""

import base64
import json
import os
import re
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SPEC = json.loads((ROOT / "spec" / "cloudconnexa-api-1.1.0.json").read_text())
SCHEMAS = SPEC["components"]["schemas"]


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def instance(schema, depth=0):
    """A value of an OpenAPI schema: its example, its first enum value, or a plain one."""
    if "$ref" in schema:
        return instance(SCHEMAS[schema["$ref"].split("/")[-1]], depth + 1)
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    t = schema.get("type", "object")
    if t == "array":
        return [] if depth > 4 else [instance(schema.get("items", {}), depth + 1)]
    if t == "object":
        if depth > 4:
            return {}
        return {k: instance(v, depth + 1) for k, v in schema.get("properties", {}).items()}
    return {"string": "x", "integer": 1, "number": 1, "boolean": True}.get(t, None)


def emulator():
    url = os.environ.get("CLOUDCONNEXA_API_URL")
    if not url:
        return None
    cred = f"{os.environ['CLOUDCONNEXA_CLIENT_ID']}:{os.environ['CLOUDCONNEXA_CLIENT_SECRET']}"
    req = urllib.request.Request(
        f"{url}/api/v1/oauth/token?grant_type=client_credentials",
        method="POST",
        headers={"Authorization": "Basic " + base64.b64encode(cred.encode()).decode()},
    )
    token = json.load(urllib.request.urlopen(req))["access_token"]

    def get(path):
        r = urllib.request.Request(f"{url}/api/v1/{path}", headers={"Authorization": f"Bearer {token}"})
        try:
            return urllib.request.urlopen(r).read()
        except urllib.error.HTTPError as e:
            return e.read()

    return get


# model name -> (emulator path, OpenAPI schema)
PAGES = {
    "Network": ("networks", "NetworkResponse"),
    "Host": ("hosts", "HostResponse"),
    "User": ("users", "UserResponse"),
    "UserGroup": ("user-groups", "UserGroupResponse"),
    "DevicePosture": ("device-postures", "DevicePostureResponse"),
    "DnsRecord": ("dns-records", "DnsRecordResponse"),
    "AccessGroup": ("access-groups", "AccessGroupResponse"),
    "LocationContext": ("location-contexts", "LocationContextResponse"),
    "NetworkRoute": ("networks/routes", "NetworkRouteResponse"),
    "NetworkConnector": ("networks/connectors", "NetworkConnectorResponse"),
    "NetworkIpService": ("networks/ip-services", "NetworkIpServiceResponse"),
    "Application": ("networks/applications", "ApplicationResponse"),
    "HostConnector": ("hosts/connectors", "HostConnectorResponse"),
    "HostIpService": ("hosts/ip-services", "HostIpServiceResponse"),
    "Device": ("devices", "DeviceResponse"),
}
OTHER = {
    "SessionsPage": ("sessions", "SessionsResponse"),
    "Vec<Region>": ("regions", None),
    "Subnet": ("settings/wpc/subnet", "Subnet"),
    "Vec<DnsZone>": (None, None),
    "DomainRoutingSubnet": ("settings/wpc/domain-routing-subnet", "DomainRoutingSubnet"),
    "Option<DnsServers>": ("settings/dns/custom-servers", "DnsServerAddresses"),
    "GroupMappings": ("settings/auth/saml/group-mappings", "GroupMappingResponse"),
    "Vec<String>": ("settings/wpc/client-options", None),
    "i32": ("settings/user/device-allowance", None),
    "bool": ("settings/wpc/snat", None),
    "ErrorResponse": ("networks/no-such-id", "ErrorResponse"),
}
SCHEMA_OF = {
    "NetworkCreate": "NetworkCreateRequest",
    "NetworkUpdate": "NetworkUpdateRequest",
    "HostCreate": "HostCreateRequest",
    "HostUpdate": "HostUpdateRequest",
    "UserCreate": "UserCreateRequest",
    "UserUpdate": "UserUpdateRequest",
    "RouteRequest": "NetworkRouteRequest",
    "Region": "VpnRegionResponse",
    "Session": "SessionResponse",
    "DnsServers": "DnsServerAddresses",
    "GroupMapping": "GroupMappingRecordResponse",
    "AccessItem": "AccessItemSourceResponse",
    "IpSecConfig": "IpSecConfigResponse",
    "IpServiceRoute": "IpRouteResponse",
    "IpEntry": "IpResponse",
    "IpCheck": "IpCheckResponse",
    "CountryCheck": "CountryCheckResponse",
    "DefaultCheck": "DefaultCheckResponse",
    "ServiceConfig": "ServiceConfigResponse",
    "CustomServiceType": "CustomServiceTypeResponse",
    "ApplicationRoute": "ApplicationRouteRequest",
    "DomainRoute": "DomainRouteResponse",
    "PlatformDetails": "PlatformResponse",
    "WindowsPolicy": "WindowsResponse",
    "MacOsPolicy": "MacOSResponse",
}


def models():
    """(name, kind, wire values) of every model!/api_enum! type in src/api."""
    out = []
    for f in sorted((ROOT / "src" / "api").glob("*.rs")):
        s = f.read_text()
        for m in re.finditer(r"(model!|api_enum!)\s*\{\s*(?:#\[[^\]]*\]\s*|///[^\n]*\n\s*)*pub (struct|enum) (\w+)\s*\{(.*?)\n    \}", s, re.S):
            wires = re.findall(r'= "([^"]*)",', m.group(4))
            out.append((m.group(3), m.group(2), wires))
    return out


def decode_seeds():
    get = emulator()
    answers = {}
    if get:
        for name, (path, _) in {**PAGES, **OTHER}.items():
            if path:
                answers[name] = get(f"{path}?size=2")
    for name, (path, schema) in PAGES.items():
        page = answers.get(name)
        if page is None:
            page = json.dumps({"content": [instance(SCHEMAS[schema])], "totalElements": 1, "totalPages": 1,
                               "numberOfElements": 1, "page": 0, "size": 10, "success": True}).encode()
        write("decode_models", f"page-{name}", f"Page<{name}>\n".encode() + page)
        item = json.loads(page)["content"][:1] or [instance(SCHEMAS[schema])]
        write("decode_models", f"item-{name}", f"{name}\n{json.dumps(item[0])}")
    for name, (path, schema) in OTHER.items():
        body = answers.get(name)
        if body is None:
            body = json.dumps(instance(SCHEMAS[schema]) if schema else None).encode()
        safe = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
        write("decode_models", f"other-{safe}", f"{name}\n".encode() + body)
    done = set(PAGES) | {"Page<Application>"}
    for name, kind, wires in models():
        if kind == "enum":
            for w in wires[:3]:
                write("decode_models", f"enum-{name}-{w}", f'{name}\n"{w}"')
            continue
        if name in done:
            continue
        schema = SCHEMAS.get(SCHEMA_OF.get(name, name)) or SCHEMAS.get(name + "Response") or SCHEMAS.get(name + "Request")
        body = json.dumps(instance(schema)) if schema else "{}"
        write("decode_models", f"model-{name}", f"{name}\n{body}")
    write("decode_models", "platform-name", 'Platform\n"macOS 14.5"')
    write("decode_models", "platform-details", 'Platform\n{"os":"Windows","version":"11"}')
    write("decode_models", "error-details",
          'ErrorResponse\n{"errorMessage":"bad","statusError":"BAD_REQUEST","errorDetails":'
          '{"name":[{"errorCode":"SIZE","message":"too long","params":{"max":40,"ratio":0.5}}]}}')


def small_seeds():
    for i, v in enumerate(["120", "0", " 7 ", "Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 06 Nov 2094 08:49:37 GMT",
                           "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "18446744073709551615",
                           "18446744073709551616", "-1", "+5", "soon", ""]):
        write("retry_after", f"seed-{i:02}", v)
    # config byte, remaining \n rate \n time \n capacity, then operations
    for i, (cfg, h, ops) in enumerate([
        (1, ["19", "1", "15", "20"], b"\x00\x01\x01\x03\x10\x27\x00\x00\x00\x00\x00\x00\x01\x05"),
        (0, ["0", "\x00", "\x00", "\x00"], b"\x00\x01\x02\x01"),
        (6, ["2", "10", "1", "100"], b"\x00\x04\x1e\x00\x00\x00\x00\x00\x00\x00\x01\x03\xe8\x03\x00\x00\x00\x00\x00\x00\x01"),
        (2, ["18446744073709551615", "18446744073709551615", "18446744073709551615", "18446744073709551615"], b"\x00\x04\x01\x00\x00\x00\x00\x00\x00\x00\x05\x01"),
        (3, [" 5 ", "fifteen", "-3", "99999999999999999999999"], b"\x00\x05\x01"),
    ]):
        write("rate_limit_headers", f"seed-{i:02}", bytes([cfg]) + "\n".join(h).encode() + b"\n" + ops)
    # flags, then api_url \n cloud_id \n client_id \n client_secret \n api_version \n user_agent \n proxy
    for i, (flags, fields) in enumerate([
        (0x40, ["https://acme.api.openvpn.com", "acme", "id", "secret", "v1", "ua/1.0", ""]),
        (0x41, ["http://127.0.0.1:8080/", "", "id", "secret", "v1.2", "ua", ""]),
        (0x05, ["http://[::1]:9/prefix/", "", "id", "secret", "v1", "ua", "http://proxy.example:3128"]),
        (0x02, ["", "acme-1", "id", "secret", "/v1/", "ua", "socks5://u:p@127.0.0.1:1080"]),
        (0x44, ["https://user:pw@example.com/?a#b", "", "id", "s", "v1", "ua", ""]),
        (0x44, ["HTTPS://Proxy.Example:443/cc", "", "id\u0001", "s", "v 1", "ua\n", ""]),
    ]):
        write("url_config", f"seed-{i:02}", bytes([flags]) + "\n".join(fields).encode())


def ffi_seeds():
    # ffi_json: function index byte, then the JSON (indices as in CALLS of ffi_json.rs)
    bodies = [
        '{"name":"office","internetAccess":"SPLIT_TUNNEL_ON","egress":false,"routes":[{"type":"IP_V4","subnet":"10.0.0.0/24"}],"connectors":[{"name":"c1","vpnRegionId":"us-east-1"}]}',
        '{"name":"office","description":"x","egress":true,"internetAccess":"RESTRICTED_INTERNET"}',
        '{"name":"h","domain":"h.example","connectors":[{"name":"c","vpnRegionId":"eu-west-1"}]}',
        '{"name":"h2"}',
        '{"username":"ada","email":"ada@example.com","firstName":"Ada","role":"MEMBER","groupId":"g"}',
        '{"firstName":"Ada","role":"ADMIN"}',
        '{"name":"eng","vpnRegionIds":["us-east-1"],"internetAccess":"SPLIT_TUNNEL_OFF","connectAuth":"AUTO"}',
        '{"name":"eng","maxDevice":3}',
        '{"name":"p","userGroupsIds":[],"windows":{"allowed":true,"diskEncryption":true}}',
        '{"name":"p"}',
        '{"domain":"svc.example","ipv4Addresses":["10.0.0.1"]}',
        '{"domain":"svc.example"}',
        '{"name":"a","source":[{"type":"USER_GROUP","allCovered":true}],"destination":[]}',
        '{"name":"a"}',
        '{"name":"office","ipCheck":{"allowed":true,"ips":[{"ip":"10.0.0.0/8"}]}}',
        '{"name":"office"}',
        '{"type":"IP_V4","subnet":"10.1.0.0/16","description":"lan"}',
        '{"subnet":"10.2.0.0/16"}',
        '{"name":"c","vpnRegionId":"us-east-1","ipSecConfig":{"platform":"AWS"}}',
        '{"name":"c"}',
        '{"name":"s","type":"SERVICE_DESTINATION","routes":[{"value":"10.0.0.0/24"}],"config":{"serviceTypes":["ANY"]}}',
        '{"name":"s"}',
        '{"name":"app","routes":[{"value":"app.example","allowEmbeddedIp":false}],"config":{"serviceTypes":["HTTP"]}}',
        '{"name":"app"}',
        '{"name":"c","vpnRegionId":"us-east-1"}',
        '{"name":"c"}',
        '{"name":"s","routes":[{"value":"10.0.0.0/24"}],"config":{"customServiceTypes":[{"protocol":"TCP","port":[{"lowerValue":22,"upperValue":22}]}]}}',
        '{"name":"s"}',
        '{"name":"app","routes":[{"value":"a.example"}]}',
        '{"name":"app"}',
        '{"name":"laptop","description":"d","clientUUID":"u"}',
        '{"name":"laptop"}',
        '{"type":"USER_GROUP","allCovered":false,"parent":"g1","children":["c1"]}',
        '{"type":"NETWORK_SERVICE","parent":"n1"}',
        '{"size":10,"status":"ACTIVE","returnOnlyNew":true,"startDate":"2024-11-08T14:00:00Z"}',
        '{}',
        '{"startHour":"2024-11-08T14:00:00Z","hoursBack":2,"page":0,"size":10}',
        '{"startHour":"2024-11-08T14:00:00Z"}',
        '[{"domain":"ads.example","comment":"why"}]',
        '["ads.example"]',
        '[{"domain":"ok.example"}]',
        '["ok.example"]',
    ]
    for i, b in enumerate(bodies):
        write("ffi_json", f"seed-{i:02}", bytes([i]) + b.encode())
    n = len(bodies)
    for j, v in enumerate(['"FULL_MESH"', "true", "3", '["block-outside-dns"]', '{"ipV4Address":["100.96.0.0/11"]}',
                           '{"zones":[]}', '[{"name":"corp.example","addresses":["10.0.0.53"]}]', '"corp.example"']):
        write("ffi_json", f"setting-{j:02}", bytes([n, j * 3]) + v.encode())
    write("ffi_json", "request-get", bytes([n + 1, 0]) + b'{"size":10,"page":0}\x00')
    write("ffi_json", "request-post", bytes([n + 1, 1]) + b'\x00{"name":"x"}')
    # ffi_strings: function index byte, then 0xFF-separated strings
    for i, s in enumerate([b"f9bef532-b73e-4094-8f46-6c0be468c47a", b"..", b"a/b?c#d", b"", b"\xc3\x28",
                           b"id\x00x", b"\xe2\x80\xae", b"user\xffdevice\xffus-east-1"]):
        write("ffi_strings", f"seed-{i:02}", bytes([i * 7]) + s)
    write("ffi_strings", "remove-item", bytes([64]) + b"g1\xffUSER_GROUP\xffparent\xffchild")
    write("ffi_strings", "settings-get", bytes([66]) + b"wpc/topology")
    write("ffi_strings", "raw-path", bytes([67, 0]) + b"/networks/x")
    write("ffi_strings", "traceparent", bytes([68]) + b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    # ffi_config: flags (u32 LE), numbers, then 0xFF-separated strings
    base = [b"https://acme.api.openvpn.com", b"acme", b"id", b"secret", b"v1", b"ua/1", b""]
    pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    strings = b"\xff".join(base + [b"", b"", b""])
    write("ffi_config", "seed-00", (0x3E8000).to_bytes(4, "little") + strings)
    write("ffi_config", "seed-01", (0x3FFFFF).to_bytes(4, "little") + bytes(range(1, 200)) + strings)
    with_pem = b"\xff".join(base + [pem, pem, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"])
    write("ffi_config", "seed-02", (0xFE8040).to_bytes(4, "little") + b"\x02" + with_pem)

if __name__ == "__main__":
    decode_seeds()
    small_seeds()
    ffi_seeds()
