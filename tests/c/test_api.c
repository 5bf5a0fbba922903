/* The C ABI, end to end, against the emulator: every resource family (CRUD and extras),
 * argument errors, NULL arguments (generated), cancellation from another thread during a
 * rate-limit wait, a backoff sleep and a request on the wire, a per-call timeout, the log and request callbacks, metrics, threads and the
 * fresh-read cache.
 *
 * Usage: ccx_c_tests PATH/TO/cloudconnexa-mock
 * Exit status 0 when every check passed. Built and run by tests/ffi_c.rs (plain, under
 * valgrind and with AddressSanitizer). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const char *g_mock_bin;

/* ---- CRUD of the generated families ------------------------------------------------- */

typedef struct top_family {
    const char *name;
    ccx_code (*list)(const ccx_client *, uint32_t, uint32_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
    ccx_code (*list_all)(const ccx_client *, const ccx_call_options *, ccx_bytes *, ccx_error **);
    ccx_code (*create)(const ccx_client *, const uint8_t *, size_t, const ccx_call_options *, ccx_bytes *,
                       ccx_error **);
    ccx_code (*get)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
    ccx_code (*update)(const ccx_client *, const char *, size_t, const uint8_t *, size_t, const ccx_call_options *,
                       ccx_bytes *, ccx_error **);
    ccx_code (*del)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_error **);
    const char *create_json;
    const char *update_json;
    const char *updated_marker; /* text the updated item contains */
} top_family;

typedef struct child_family {
    const char *name;
    ccx_code (*list)(const ccx_client *, const char *, size_t, uint32_t, uint32_t, const ccx_call_options *,
                     ccx_bytes *, ccx_error **);
    ccx_code (*list_all)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_bytes *,
                         ccx_error **);
    ccx_code (*create)(const ccx_client *, const char *, size_t, const uint8_t *, size_t, const ccx_call_options *,
                       ccx_bytes *, ccx_error **);
    ccx_code (*get)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
    ccx_code (*update)(const ccx_client *, const char *, size_t, const uint8_t *, size_t, const ccx_call_options *,
                       ccx_bytes *, ccx_error **);
    ccx_code (*del)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_error **);
    const char *create_json;
    const char *update_json;
    const char *updated_marker;
    /* extra calls on the created item, before it is deleted (may be NULL) */
    void (*extras)(const ccx_client *, const char *id);
} child_family;

static const uint8_t *u8(const char *s) { return (const uint8_t *)s; }

/* An answer's "id", or NULL (and a failed check). Frees the buffer. */
static char *take_id(ccx_bytes *out, const char *what) {
    char *id = json_field(out, "id");
    CHECK(id != NULL && id[0] != '\0', "%s: no id in the answer", what);
    ccx_bytes_free(out);
    return id;
}

static void crud_top(const ccx_client *c, const top_family *f) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    char what[128];
    snprintf(what, sizeof what, "%s create", f->name);
    if (!OK(f->create(c, u8(f->create_json), strlen(f->create_json), NULL, &out, &err), &err, what)) {
        return;
    }
    char *id = take_id(&out, what);
    if (id == NULL) {
        return;
    }
    snprintf(what, sizeof what, "%s get", f->name);
    if (OK(f->get(c, id, strlen(id), NULL, &out, &err), &err, what)) {
        CHECK(bytes_has(&out, id), "%s: answer lacks the id", what);
    }
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s update", f->name);
    if (OK(f->update(c, id, strlen(id), u8(f->update_json), strlen(f->update_json), NULL, &out, &err), &err, what)) {
        CHECK(bytes_has(&out, f->updated_marker), "%s: answer lacks %s", what, f->updated_marker);
    }
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s list", f->name);
    if (OK(f->list(c, 0, 1000, NULL, &out, &err), &err, what)) {
        CHECK(bytes_has(&out, "\"content\"") && bytes_has(&out, id), "%s: no page envelope with the item", what);
    }
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s list_all", f->name);
    if (OK(f->list_all(c, NULL, &out, &err), &err, what)) {
        CHECK(out.len > 0 && out.data[0] == '[' && bytes_has(&out, id), "%s: not an array with the item", what);
    }
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s list size 0", f->name);
    CODE(f->list(c, 0, 0, NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL, what);
    snprintf(what, sizeof what, "%s delete", f->name);
    OK(f->del(c, id, strlen(id), NULL, &err), &err, what);
    snprintf(what, sizeof what, "%s get after delete", f->name);
    CODE(f->get(c, id, strlen(id), NULL, &out, &err), &err, CCX_CODE_HTTP_STATUS, NULL, what);
    CHECK(out.data == NULL && out.len == 0, "%s: json_out written on failure", what);
    free(id);
}

static void crud_child(const ccx_client *c, const child_family *f, const char *parent) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    char what[128];
    snprintf(what, sizeof what, "%s create", f->name);
    if (!OK(f->create(c, parent, strlen(parent), u8(f->create_json), strlen(f->create_json), NULL, &out, &err), &err,
            what)) {
        return;
    }
    char *id = take_id(&out, what);
    if (id == NULL) {
        return;
    }
    snprintf(what, sizeof what, "%s get", f->name);
    if (OK(f->get(c, id, strlen(id), NULL, &out, &err), &err, what)) {
        CHECK(bytes_has(&out, id), "%s: answer lacks the id", what);
    }
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s update", f->name);
    if (OK(f->update(c, id, strlen(id), u8(f->update_json), strlen(f->update_json), NULL, &out, &err), &err, what)) {
        CHECK(bytes_has(&out, f->updated_marker), "%s: answer lacks %s", what, f->updated_marker);
    }
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s list (parent)", f->name);
    if (OK(f->list(c, parent, strlen(parent), 0, 100, NULL, &out, &err), &err, what)) {
        CHECK(bytes_has(&out, "\"content\"") && bytes_has(&out, id), "%s: no page envelope with the item", what);
    }
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s list (all parents)", f->name);
    OK(f->list(c, NULL, 0, 0, 10, NULL, &out, &err), &err, what);
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s list_all (parent)", f->name);
    if (OK(f->list_all(c, parent, strlen(parent), NULL, &out, &err), &err, what)) {
        CHECK(bytes_has(&out, id), "%s: item missing", what);
    }
    ccx_bytes_free(&out);
    snprintf(what, sizeof what, "%s list_all", f->name);
    OK(f->list_all(c, NULL, 0, NULL, &out, &err), &err, what);
    ccx_bytes_free(&out);
    if (f->extras != NULL) {
        f->extras(c, id);
    }
    snprintf(what, sizeof what, "%s delete", f->name);
    OK(f->del(c, id, strlen(id), NULL, &err), &err, what);
    free(id);
}

/* ---- connector extras --------------------------------------------------------------- */

typedef ccx_code (*id_json_fn)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_bytes *,
                               ccx_error **);
typedef ccx_code (*id_unit_fn)(const ccx_client *, const char *, size_t, const ccx_call_options *, ccx_error **);
typedef ccx_code (*bundle_fn)(const ccx_client *, const char *, size_t, uint32_t, const ccx_call_options *,
                              ccx_bytes *, ccx_error **);

static void json_string_answer(const ccx_client *c, id_json_fn f, const char *id, const char *what) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    if (OK(f(c, id, strlen(id), NULL, &out, &err), &err, what)) {
        CHECK(out.len >= 2 && out.data[0] == '"' && out.data[out.len - 1] == '"', "%s: not a JSON string", what);
    }
    ccx_bytes_free(&out);
}

static void connector_extras(const ccx_client *c, const char *id, id_json_fn profile, id_json_fn revoke,
                             id_json_fn encrypted, bundle_fn bundle, id_unit_fn activate, id_unit_fn suspend,
                             const char *kind) {
    char what[128];
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    snprintf(what, sizeof what, "%s profile", kind);
    json_string_answer(c, profile, id, what);
    snprintf(what, sizeof what, "%s encrypted_profile", kind);
    json_string_answer(c, encrypted, id, what);
    snprintf(what, sizeof what, "%s revoke_profile", kind);
    if (OK(revoke(c, id, strlen(id), NULL, &out, &err), &err, what)) {
        CHECK(bytes_eq(&out, "true") || bytes_eq(&out, "false"), "%s: not a JSON bool", what);
    }
    ccx_bytes_free(&out);
    for (uint32_t t = 0; t < 2; t++) {
        snprintf(what, sizeof what, "%s bundle %u", kind, (unsigned)t);
        if (OK(bundle(c, id, strlen(id), t, NULL, &out, &err), &err, what)) {
            CHECK(out.len > 2 && out.data[0] == '"', "%s: not a JSON string", what);
        }
        ccx_bytes_free(&out);
    }
    snprintf(what, sizeof what, "%s bundle 7", kind);
    CODE(bundle(c, id, strlen(id), 7, NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER, "DMG", what);
    snprintf(what, sizeof what, "%s suspend", kind);
    OK(suspend(c, id, strlen(id), NULL, &err), &err, what);
    snprintf(what, sizeof what, "%s activate", kind);
    OK(activate(c, id, strlen(id), NULL, &err), &err, what);
}

static void network_connector_extras(const ccx_client *c, const char *id) {
    connector_extras(c, id, ccx_network_connectors_profile, ccx_network_connectors_revoke_profile,
                     ccx_network_connectors_encrypted_profile, ccx_network_connectors_bundle,
                     ccx_network_connectors_activate, ccx_network_connectors_suspend, "network connector");
}

static void host_connector_extras(const ccx_client *c, const char *id) {
    connector_extras(c, id, ccx_host_connectors_profile, ccx_host_connectors_revoke_profile,
                     ccx_host_connectors_encrypted_profile, ccx_host_connectors_bundle, ccx_host_connectors_activate,
                     ccx_host_connectors_suspend, "host connector");
}

static void ipsec(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    static const char net[] = "{\"name\":\"c-ipsec\",\"tunnelingProtocol\":\"IPSEC\"}";
    if (!OK(ccx_networks_create(c, J(net), NULL, &out, &err), &err, "IPsec network create")) {
        return;
    }
    char *net_id = take_id(&out, "IPsec network create");
    static const char conn[] =
        "{\"name\":\"c-ipsec-conn\",\"vpnRegionId\":\"us-east-1\",\"ipSecConfig\":{\"platform\":\"AWS\","
        "\"authenticationType\":\"SHARED_SECRET\",\"remoteSitePublicIp\":\"203.0.113.7\","
        "\"preSharedKey\":\"s3cret-key\",\"hostname\":\"vpn.site.example\"}}";
    if (net_id != NULL &&
        OK(ccx_network_connectors_create(c, net_id, strlen(net_id), J(conn), NULL, &out, &err), &err,
           "IPsec connector create")) {
        char *id = take_id(&out, "IPsec connector create");
        if (id != NULL) {
            OK(ccx_network_connectors_stop_ipsec(c, id, strlen(id), NULL, &err), &err, "stop_ipsec");
            if (OK(ccx_network_connectors_get(c, id, strlen(id), NULL, &out, &err), &err, "get stopped")) {
                CHECK(bytes_has(&out, "SUSPENDED"), "the IPsec connector is not suspended");
            }
            ccx_bytes_free(&out);
            OK(ccx_network_connectors_start_ipsec(c, id, strlen(id), NULL, &err), &err, "start_ipsec");
            if (OK(ccx_network_connectors_get(c, id, strlen(id), NULL, &out, &err), &err, "get started")) {
                CHECK(bytes_has(&out, "\"ACTIVE\""), "the IPsec connector is not active");
            }
            ccx_bytes_free(&out);
            free(id);
        }
    }
    if (net_id != NULL) {
        OK(ccx_networks_delete(c, net_id, strlen(net_id), NULL, &err), &err, "IPsec network delete");
    }
    free(net_id);
}

/* ---- families ------------------------------------------------------------------------ */

static void networks_and_children(const ccx_client *c) {
    static const top_family networks = {"networks",
                                        ccx_networks_list,
                                        ccx_networks_list_all,
                                        ccx_networks_create,
                                        ccx_networks_get,
                                        ccx_networks_update,
                                        ccx_networks_delete,
                                        "{\"name\":\"c-net\",\"description\":\"from C\"}",
                                        "{\"name\":\"c-net-2\"}",
                                        "c-net-2"};
    crud_top(c, &networks);

    ccx_bytes out = {0};
    ccx_error *err = NULL;
    static const char net[] = "{\"name\":\"c-parent\",\"routes\":[{\"value\":\"10.77.0.0/16\"}]}";
    if (!OK(ccx_networks_create(c, J(net), NULL, &out, &err), &err, "parent network create")) {
        return;
    }
    char *parent = take_id(&out, "parent network create");
    if (parent == NULL) {
        return;
    }
    static const child_family children[] = {
        {"network_routes", ccx_network_routes_list, ccx_network_routes_list_all, ccx_network_routes_create,
         ccx_network_routes_get, ccx_network_routes_update, ccx_network_routes_delete,
         "{\"value\":\"10.78.0.0/24\",\"description\":\"r\"}", "{\"value\":\"10.78.1.0/24\"}", "10.78.1.0/24", NULL},
        {"network_connectors", ccx_network_connectors_list, ccx_network_connectors_list_all,
         ccx_network_connectors_create, ccx_network_connectors_get, ccx_network_connectors_update,
         ccx_network_connectors_delete, "{\"name\":\"c-conn\",\"vpnRegionId\":\"us-east-1\"}",
         "{\"name\":\"c-conn-2\",\"vpnRegionId\":\"us-east-1\"}", "c-conn-2", network_connector_extras},
        {"network_ip_services", ccx_network_ip_services_list, ccx_network_ip_services_list_all,
         ccx_network_ip_services_create, ccx_network_ip_services_get, ccx_network_ip_services_update,
         ccx_network_ip_services_delete,
         "{\"name\":\"c-svc\",\"routes\":[{\"value\":\"10.77.1.0/24\"}],\"config\":{\"serviceTypes\":[\"ANY\"]}}",
         "{\"name\":\"c-svc-2\",\"routes\":[{\"value\":\"10.77.1.0/24\"}]}", "c-svc-2", NULL},
        {"network_applications", ccx_network_applications_list, ccx_network_applications_list_all,
         ccx_network_applications_create, ccx_network_applications_get, ccx_network_applications_update,
         ccx_network_applications_delete, "{\"name\":\"c-app\",\"routes\":[{\"value\":\"app.c.example\"}]}",
         "{\"name\":\"c-app-2\",\"routes\":[{\"value\":\"app.c.example\"}]}", "c-app-2", NULL},
    };
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++) {
        crud_child(c, &children[i], parent);
    }
    OK(ccx_networks_delete(c, parent, strlen(parent), NULL, &err), &err, "parent network delete");
    free(parent);
    ipsec(c);
}

static void hosts_and_children(const ccx_client *c) {
    static const top_family hosts = {"hosts",       ccx_hosts_list,   ccx_hosts_list_all,  ccx_hosts_create,
                                     ccx_hosts_get, ccx_hosts_update, ccx_hosts_delete,    "{\"name\":\"c-host\"}",
                                     "{\"name\":\"c-host-2\"}", "c-host-2"};
    crud_top(c, &hosts);

    ccx_bytes out = {0};
    ccx_error *err = NULL;
    if (!OK(ccx_hosts_create(c, J("{\"name\":\"c-hparent\"}"), NULL, &out, &err), &err, "parent host create")) {
        return;
    }
    char *parent = take_id(&out, "parent host create");
    if (parent == NULL) {
        return;
    }
    static const child_family children[] = {
        {"host_connectors", ccx_host_connectors_list, ccx_host_connectors_list_all, ccx_host_connectors_create,
         ccx_host_connectors_get, ccx_host_connectors_update, ccx_host_connectors_delete,
         "{\"name\":\"c-hconn\",\"vpnRegionId\":\"us-east-1\"}",
         "{\"name\":\"c-hconn-2\",\"vpnRegionId\":\"us-east-1\"}", "c-hconn-2", host_connector_extras},
        {"host_ip_services", ccx_host_ip_services_list, ccx_host_ip_services_list_all, ccx_host_ip_services_create,
         ccx_host_ip_services_get, ccx_host_ip_services_update, ccx_host_ip_services_delete,
         "{\"name\":\"c-hsvc\",\"config\":{\"serviceTypes\":[\"SSH\"]}}", "{\"name\":\"c-hsvc-2\"}", "c-hsvc-2",
         NULL},
        {"host_applications", ccx_host_applications_list, ccx_host_applications_list_all,
         ccx_host_applications_create, ccx_host_applications_get, ccx_host_applications_update,
         ccx_host_applications_delete, "{\"name\":\"c-happ\",\"routes\":[{\"value\":\"web.c.example\"}]}",
         "{\"name\":\"c-happ-2\",\"routes\":[{\"value\":\"web.c.example\"}]}", "c-happ-2", NULL},
    };
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++) {
        crud_child(c, &children[i], parent);
    }
    OK(ccx_hosts_delete(c, parent, strlen(parent), NULL, &err), &err, "parent host delete");
    free(parent);
}

static void other_top_families(const ccx_client *c) {
    static const top_family families[] = {
        {"users", ccx_users_list, ccx_users_list_all, ccx_users_create, ccx_users_get, ccx_users_update,
         ccx_users_delete, "{\"username\":\"c.crud\",\"email\":\"c.crud@c.example\"}", "{\"firstName\":\"Grace\"}",
         "Grace"},
        {"user_groups", ccx_user_groups_list, ccx_user_groups_list_all, ccx_user_groups_create, ccx_user_groups_get,
         ccx_user_groups_update, ccx_user_groups_delete, "{\"name\":\"c-group\"}", "{\"name\":\"c-group-2\"}",
         "c-group-2"},
        {"device_postures", ccx_device_postures_list, ccx_device_postures_list_all, ccx_device_postures_create,
         ccx_device_postures_get, ccx_device_postures_update, ccx_device_postures_delete, "{\"name\":\"c-posture\"}",
         "{\"name\":\"c-posture-2\"}", "c-posture-2"},
        {"dns_records", ccx_dns_records_list, ccx_dns_records_list_all, ccx_dns_records_create, ccx_dns_records_get,
         ccx_dns_records_update, ccx_dns_records_delete, "{\"domain\":\"c.example\",\"ipv4Addresses\":[\"10.9.9.9\"]}",
         "{\"domain\":\"c2.example\"}", "c2.example"},
        {"access_groups", ccx_access_groups_list, ccx_access_groups_list_all, ccx_access_groups_create,
         ccx_access_groups_get, ccx_access_groups_update, ccx_access_groups_delete,
         "{\"name\":\"c-ag\",\"source\":[{\"type\":\"USER_GROUP\",\"allCovered\":true}],"
         "\"destination\":[{\"type\":\"NETWORK_SERVICE\",\"allCovered\":true}]}",
         "{\"name\":\"c-ag-2\",\"source\":[{\"type\":\"USER_GROUP\",\"allCovered\":true}],"
         "\"destination\":[{\"type\":\"NETWORK_SERVICE\",\"allCovered\":true}]}",
         "c-ag-2"},
        {"location_contexts", ccx_location_contexts_list, ccx_location_contexts_list_all,
         ccx_location_contexts_create, ccx_location_contexts_get, ccx_location_contexts_update,
         ccx_location_contexts_delete, "{\"name\":\"c-loc\"}", "{\"name\":\"c-loc-2\"}", "c-loc-2"},
    };
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        crud_top(c, &families[i]);
    }
}

static void users_and_devices(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    static const char user[] = "{\"username\":\"c.dev\",\"email\":\"c.dev@c.example\"}";
    if (!OK(ccx_users_create(c, J(user), NULL, &out, &err), &err, "user create")) {
        return;
    }
    char *uid = take_id(&out, "user create");
    if (uid == NULL) {
        return;
    }
    size_t ul = strlen(uid);
    OK(ccx_users_suspend(c, uid, ul, NULL, &err), &err, "users suspend");
    if (OK(ccx_users_get(c, uid, ul, NULL, &out, &err), &err, "users get")) {
        CHECK(bytes_has(&out, "SUSPENDED"), "the user is not suspended");
    }
    ccx_bytes_free(&out);
    OK(ccx_users_activate(c, uid, ul, NULL, &err), &err, "users activate");
    if (OK(ccx_users_get(c, uid, ul, NULL, &out, &err), &err, "users get")) {
        CHECK(bytes_has(&out, "\"ACTIVE\""), "the user is not active");
    }
    ccx_bytes_free(&out);

    if (OK(ccx_devices_create(c, uid, ul, J("{\"name\":\"c-phone\",\"description\":\"d\"}"), NULL, &out, &err), &err,
           "devices create")) {
        char *did = take_id(&out, "devices create");
        if (did != NULL) {
            size_t dl = strlen(did);
            if (OK(ccx_devices_get(c, uid, ul, did, dl, NULL, &out, &err), &err, "devices get")) {
                CHECK(bytes_has(&out, "c-phone"), "devices get: wrong device");
            }
            ccx_bytes_free(&out);
            if (OK(ccx_devices_update(c, uid, ul, did, dl, J("{\"name\":\"c-laptop\"}"), NULL, &out, &err), &err,
                   "devices update")) {
                CHECK(bytes_has(&out, "c-laptop"), "devices update: not renamed");
            }
            ccx_bytes_free(&out);
            if (OK(ccx_devices_list(c, uid, ul, 0, 10, NULL, &out, &err), &err, "devices list (user)")) {
                CHECK(bytes_has(&out, did), "devices list: device missing");
            }
            ccx_bytes_free(&out);
            OK(ccx_devices_list(c, NULL, 0, 0, 10, NULL, &out, &err), &err, "devices list (all)");
            ccx_bytes_free(&out);
            if (OK(ccx_devices_list_all(c, uid, ul, NULL, &out, &err), &err, "devices list_all (user)")) {
                CHECK(bytes_has(&out, did), "devices list_all: device missing");
            }
            ccx_bytes_free(&out);
            OK(ccx_devices_list_all(c, NULL, 0, NULL, &out, &err), &err, "devices list_all");
            ccx_bytes_free(&out);
            if (OK(ccx_devices_generate_profile(c, uid, ul, did, dl, S("us-east-1"), NULL, &out, &err), &err,
                   "devices generate_profile")) {
                CHECK(out.len > 2 && out.data[0] == '"', "device profile is not a JSON string");
            }
            ccx_bytes_free(&out);
            CODE(ccx_devices_generate_profile(c, uid, ul, did, dl, S("nowhere-9"), NULL, &out, &err), &err,
                 CCX_CODE_HTTP_STATUS, NULL, "profile in an unknown region");
            if (OK(ccx_devices_revoke_profile(c, uid, ul, did, dl, NULL, &out, &err), &err,
                   "devices revoke_profile")) {
                CHECK(out.len >= 2 && out.data[0] == '"', "revoke answer is not a JSON string");
            }
            ccx_bytes_free(&out);
            CODE(ccx_devices_create(c, uid, ul, J("{\"description\":\"no name\"}"), NULL, &out, &err), &err,
                 CCX_CODE_INVALID_JSON, "`name`", "device without a name");
            OK(ccx_devices_delete(c, uid, ul, did, dl, NULL, &err), &err, "devices delete");
            CODE(ccx_devices_get(c, uid, ul, did, dl, NULL, &out, &err), &err, CCX_CODE_HTTP_STATUS, NULL,
                 "devices get after delete");
            free(did);
        }
    }
    OK(ccx_users_delete(c, uid, ul, NULL, &err), &err, "user delete");
    free(uid);
}

static void regions(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    if (OK(ccx_regions_list(c, NULL, &out, &err), &err, "regions list")) {
        CHECK(out.len > 0 && out.data[0] == '[' && bytes_has(&out, "us-east-1"), "regions list: no us-east-1");
    }
    ccx_bytes_free(&out);
    if (OK(ccx_regions_get(c, S("us-east-1"), NULL, &out, &err), &err, "regions get")) {
        CHECK(bytes_has(&out, "\"id\":\"us-east-1\""), "regions get: wrong region");
    }
    ccx_bytes_free(&out);
    if (OK(ccx_regions_get(c, S("nowhere-9"), NULL, &out, &err), &err, "regions get (none)")) {
        CHECK(bytes_eq(&out, "null"), "regions get of an unknown id is not null");
    }
    ccx_bytes_free(&out);
}

static void access_group_items(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    if (!OK(ccx_access_groups_create(c, J("{\"name\":\"c-items\"}"), NULL, &out, &err), &err, "group create")) {
        return;
    }
    char *id = take_id(&out, "group create");
    if (id == NULL) {
        return;
    }
    size_t n = strlen(id);
    if (OK(ccx_access_groups_add_source(c, id, n, J("{\"type\":\"USER_GROUP\",\"allCovered\":true}"), NULL, &out,
                                        &err),
           &err, "add_source")) {
        CHECK(bytes_has(&out, "USER_GROUP"), "add_source: not stored");
    }
    ccx_bytes_free(&out);
    if (OK(ccx_access_groups_add_destination(c, id, n, J("{\"type\":\"NETWORK_SERVICE\",\"allCovered\":true}"), NULL,
                                             &out, &err),
           &err, "add_destination")) {
        CHECK(bytes_has(&out, "NETWORK_SERVICE"), "add_destination: not stored");
    }
    ccx_bytes_free(&out);
    CODE(ccx_access_groups_add_source(c, id, n, J("{\"allCovered\":true}"), NULL, &out, &err), &err,
         CCX_CODE_INVALID_JSON, "`type`", "add_source without a type");
    CODE(ccx_access_groups_remove_source(c, id, n, S("NOPE"), NULL, 0, NULL, 0, NULL, &out, &err), &err,
         CCX_CODE_INVALID_PARAMETER, "USER_GROUP", "remove_source with a bad type");
    CODE(ccx_access_groups_remove_source(c, id, n, S("USER_GROUP"), NULL, 0, S("child"), NULL, &out, &err), &err,
         CCX_CODE_INVALID_PARAMETER, NULL, "remove_source: child without parent");
    if (OK(ccx_access_groups_remove_source(c, id, n, S("USER_GROUP"), NULL, 0, NULL, 0, NULL, &out, &err), &err,
           "remove_source")) {
        CHECK(!bytes_has(&out, "USER_GROUP"), "remove_source: still there");
    }
    ccx_bytes_free(&out);
    if (OK(ccx_access_groups_remove_destination(c, id, n, S("NETWORK_SERVICE"), NULL, 0, NULL, 0, NULL, &out, &err),
           &err, "remove_destination")) {
        CHECK(!bytes_has(&out, "NETWORK_SERVICE"), "remove_destination: still there");
    }
    ccx_bytes_free(&out);
    OK(ccx_access_groups_delete(c, id, n, NULL, &err), &err, "group delete");
    free(id);
}

static void sessions(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    if (OK(ccx_sessions_list(c, NULL, 0, NULL, &out, &err), &err, "sessions list (defaults)")) {
        CHECK(bytes_has(&out, "\"sessions\""), "sessions list: no sessions field");
    }
    ccx_bytes_free(&out);
    OK(ccx_sessions_list(c, J("{\"size\":5,\"returnOnlyNew\":false}"), NULL, &out, &err), &err, "sessions list");
    ccx_bytes_free(&out);
    if (OK(ccx_sessions_list_all(c, J("{\"size\":100}"), NULL, &out, &err), &err, "sessions list_all")) {
        CHECK(out.len > 0 && out.data[0] == '[', "sessions list_all: not an array");
    }
    ccx_bytes_free(&out);
    CODE(ccx_sessions_list(c, J("{\"sizee\":5}"), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON, "sizee",
         "sessions: unknown field");
    CODE(ccx_sessions_list(c, J("{\"status\":\"NOPE\"}"), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON, "ACTIVE",
         "sessions: bad status");
    CODE(ccx_sessions_list(c, J("{\"size\":500}"), NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL,
         "sessions: size out of range");
}

static void settings(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    static const char *const names[] = {
        "auth/trusted-devices-allowed", "auth/two-factor-auth", "auth/saml/group-mappings",
        "auth/ldap/group-mappings", "dns/custom-servers", "dns/default-suffix", "dns/proxy-enabled", "dns/zones",
        "user/connect-auth", "user/device-allowance", "user/device-allowance-force-update",
        "user/device-enforcement", "user/profile-distribution", "users/connection-timeout", "wpc/client-options",
        "wpc/default-region", "wpc/domain-routing-subnet", "wpc/ip-allocation-mode",
        "wpc/routes-advanced-configuration-enabled", "wpc/snat", "wpc/subnet", "wpc/topology",
    };
    if (OK(ccx_settings_names(&out), &err, "settings names")) {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            CHECK(bytes_has(&out, names[i]), "settings names lack %s", names[i]);
        }
    }
    ccx_bytes_free(&out);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "settings get %s", names[i]);
        if (OK(ccx_settings_get(c, names[i], strlen(names[i]), NULL, &out, &err), &err, what)) {
            CHECK(out.len > 0, "%s: empty answer", what);
        }
        ccx_bytes_free(&out);
    }
    static const struct {
        const char *name, *value, *expect;
    } sets[] = {
        {"wpc/topology", "\"CUSTOM\"", "\"CUSTOM\""},
        {"wpc/topology", "\"FULL_MESH\"", "\"FULL_MESH\""},
        {"wpc/snat", "true", "true"},
        {"user/device-allowance", "3", "3"},
        {"dns/default-suffix", "\"c.example\"", "\"c.example\""},
        {"wpc/client-options", "[\"block-outside-dns\"]", "[\"block-outside-dns\"]"},
        {"dns/zones", "[{\"name\":\"corp.c.example\",\"addresses\":[\"10.0.0.53\"]}]", "corp.c.example"},
        {"dns/custom-servers", "{\"primaryIpV4\":\"1.1.1.1\"}", "1.1.1.1"},
        {"user/connect-auth", "\"EVERY_TIME\"", "\"EVERY_TIME\""},
        {"auth/two-factor-auth", "false", "false"},
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char what[160];
        snprintf(what, sizeof what, "settings set %s = %s", sets[i].name, sets[i].value);
        if (OK(ccx_settings_set(c, sets[i].name, strlen(sets[i].name), u8(sets[i].value), strlen(sets[i].value), NULL,
                                &out, &err),
               &err, what)) {
            CHECK(bytes_has(&out, sets[i].expect), "%s: answered something else", what);
        }
        ccx_bytes_free(&out);
        if (OK(ccx_settings_get(c, sets[i].name, strlen(sets[i].name), NULL, &out, &err), &err, what)) {
            CHECK(bytes_has(&out, sets[i].expect), "%s: not stored", what);
        }
        ccx_bytes_free(&out);
    }
    CODE(ccx_settings_get(c, S("wpc/nope"), NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER, "wpc/topology",
         "settings get: unknown name lists the valid ones");
    CODE(ccx_settings_set(c, S("wpc/nope"), J("true"), NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER,
         "wpc/snat", "settings set: unknown name");
    CODE(ccx_settings_set(c, S("auth/saml/group-mappings"), J("{}"), NULL, &out, &err), &err,
         CCX_CODE_INVALID_PARAMETER, "read-only", "settings set: read-only");
    CODE(ccx_settings_set(c, S("wpc/snat"), J("\"yes\""), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON, NULL,
         "settings set: wrong type");
    CODE(ccx_settings_set(c, S("wpc/topology"), J("\"STAR\""), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON,
         "FULL_MESH", "settings set: unknown enum value");
    CODE(ccx_settings_get(c, S("wpc/\xff"), NULL, &out, &err), &err, CCX_CODE_INVALID_UTF8, NULL,
         "settings get: invalid UTF-8");
}

static void hour_ago(char *buf, size_t cap) {
    time_t t = time(NULL) - 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:00:00Z", &tm);
}

static void dns_log(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    OK(ccx_dns_log_enable(c, NULL, &err), &err, "dns log enable");
    if (OK(ccx_dns_log_enabled(c, NULL, &out, &err), &err, "dns log enabled")) {
        CHECK(bytes_eq(&out, "true"), "dns log not enabled");
    }
    ccx_bytes_free(&out);
    char hour[64], query[160];
    hour_ago(hour, sizeof hour);
    snprintf(query, sizeof query, "{\"startHour\":\"%s\",\"hoursBack\":2,\"page\":0,\"size\":10}", hour);
    if (OK(ccx_dns_log_page(c, u8(query), strlen(query), NULL, &out, &err), &err, "dns log page")) {
        CHECK(bytes_has(&out, "\"content\""), "dns log page: no envelope");
    }
    ccx_bytes_free(&out);
    snprintf(query, sizeof query, "{\"startHour\":\"%s\"}", hour);
    if (OK(ccx_dns_log_list_all(c, u8(query), strlen(query), NULL, &out, &err), &err, "dns log list_all")) {
        CHECK(out.len > 0 && out.data[0] == '[', "dns log list_all: not an array");
    }
    ccx_bytes_free(&out);
    CODE(ccx_dns_log_page(c, J("{\"hoursBack\":1}"), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON, "startHour",
         "dns log page without startHour");
    CODE(ccx_dns_log_page(c, J("{\"startHour\":\"now\"}"), NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL,
         "dns log page: bad date");
    OK(ccx_dns_log_disable(c, NULL, &err), &err, "dns log disable");
    if (OK(ccx_dns_log_enabled(c, NULL, &out, &err), &err, "dns log enabled")) {
        CHECK(bytes_eq(&out, "false"), "dns log still enabled");
    }
    ccx_bytes_free(&out);
}

static void access_visibility(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    OK(ccx_access_visibility_enable(c, NULL, &err), &err, "access visibility enable");
    if (OK(ccx_access_visibility_enabled(c, NULL, &out, &err), &err, "access visibility enabled")) {
        CHECK(bytes_eq(&out, "true"), "access visibility not enabled");
    }
    ccx_bytes_free(&out);
    OK(ccx_access_visibility_disable(c, NULL, &err), &err, "access visibility disable");
    if (OK(ccx_access_visibility_enabled(c, NULL, &out, &err), &err, "access visibility enabled")) {
        CHECK(bytes_eq(&out, "false"), "access visibility still enabled");
    }
    ccx_bytes_free(&out);
}

static void cybershield(const ccx_client *c) {
    ccx_error *err = NULL;
    static const char add[] = "[{\"domain\":\"ads.c.example\",\"comment\":\"ads\"},{\"domain\":\"x.c.example\"}]";
    OK(ccx_cybershield_block_list_add(c, J(add), NULL, &err), &err, "block list add");
    OK(ccx_cybershield_block_list_remove(c, J("[\"ads.c.example\"]"), NULL, &err), &err, "block list remove");
    OK(ccx_cybershield_allow_list_add(c, J("[{\"domain\":\"ok.c.example\"}]"), NULL, &err), &err, "allow list add");
    OK(ccx_cybershield_allow_list_remove(c, J("[\"ok.c.example\"]"), NULL, &err), &err, "allow list remove");
    CODE(ccx_cybershield_block_list_add(c, J("[{\"comment\":\"no domain\"}]"), NULL, &err), &err,
         CCX_CODE_INVALID_JSON, "[0].domain", "block list add without a domain");
    CODE(ccx_cybershield_allow_list_add(c, J("[]"), NULL, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL,
         "allow list add of nothing");
    CODE(ccx_cybershield_block_list_remove(c, J("[]"), NULL, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL,
         "block list remove of nothing");
}

static void raw_request(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    uint16_t status = 0;
    if (OK(ccx_client_request(c, CCX_METHOD_GET, S("/networks"), J("{\"page\":0,\"size\":2}"), NULL, 0, NULL, &status,
                              &out, &err),
           &err, "raw request")) {
        CHECK(status == 200 && bytes_has(&out, "\"content\""), "raw request: status %u", (unsigned)status);
    }
    ccx_bytes_free(&out);
}

/* ---- argument errors ---------------------------------------------------------------- */

static void argument_errors(const ccx_client *c) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    CODE(ccx_networks_get(c, "\xff\xfe", 2, NULL, &out, &err), &err, CCX_CODE_INVALID_UTF8, "`id`",
         "invalid UTF-8 id");
    CODE(ccx_network_routes_create(c, "\xc3", 1, J("{\"value\":\"10.1.0.0/24\"}"), NULL, &out, &err), &err,
         CCX_CODE_INVALID_UTF8, "`parent_id`", "invalid UTF-8 parent id");
    CODE(ccx_networks_get(c, "", 0, NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL, "empty id");
    CODE(ccx_networks_get(c, S(".."), NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL, "id ..");
    CODE(ccx_networks_create(c, J("{\"name\": "), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON, NULL,
         "invalid JSON");
    CODE(ccx_networks_create(c, J("{\"name\":\"\xff\"}"), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON, NULL,
         "invalid UTF-8 inside JSON");
    CODE(ccx_networks_create(c, J("{\"description\":\"no name\"}"), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON,
         "`name`", "JSON missing name");
    CODE(ccx_networks_create(c, J("{\"name\":\"n\",\"internetAccess\":7}"), NULL, &out, &err), &err,
         CCX_CODE_INVALID_JSON, "internetAccess", "JSON field of the wrong type");
    CODE(ccx_users_create(c, J("{\"username\":\"u\"}"), NULL, &out, &err), &err, CCX_CODE_INVALID_JSON, "`email`",
         "user without email");
    CODE(ccx_networks_create(c, NULL, 0, NULL, &out, &err), &err, CCX_CODE_INVALID_JSON, NULL, "(NULL, 0) body");
    CHECK(out.data == NULL && out.len == 0, "json_out written on failure");

    /* 100 MB of input: refused, nothing sent, no crash */
    size_t big = (size_t)100 << 20;
    char *huge = malloc(big);
    CHECK(huge != NULL, "malloc 100 MB");
    if (huge != NULL) {
        memset(huge, 'a', big);
        huge[0] = '{';
        CODE(ccx_networks_create(c, (const uint8_t *)huge, big, NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER,
             "limit", "100 MB body");
        CODE(ccx_networks_get(c, huge, big, NULL, &out, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL, "100 MB id");
        CODE(ccx_settings_set(c, S("wpc/snat"), (const uint8_t *)huge, big, NULL, &out, &err), &err,
             CCX_CODE_INVALID_PARAMETER, NULL, "100 MB setting");
        free(huge);
    }

    /* an HTTP error carries status and body */
    ccx_code rc = ccx_networks_get(c, S("no-such-network"), NULL, &out, &err);
    CHECK(rc == CCX_CODE_HTTP_STATUS, "unknown id: code %u", (unsigned)rc);
    if (err != NULL) {
        uint16_t status = 0;
        bool retryable = true;
        uint64_t after = 1;
        ccx_str body = {0};
        CHECK(ccx_error_http_status(err, &status) == CCX_CODE_OK && status == 404, "status %u", (unsigned)status);
        CHECK(ccx_error_is_retryable(err, &retryable) == CCX_CODE_OK && !retryable, "404 is retryable");
        CHECK(ccx_error_retry_after_ms(err, &after) == CCX_CODE_OK && after == 0, "retry after %llu",
              (unsigned long long)after);
        CHECK(ccx_error_body(err, &body) == CCX_CODE_OK && body.len > 0, "no error body");
        CHECK(strlen(err_msg(err)) > 0, "no message");
    }
    ccx_error_free(err);
    err = NULL;

    /* a second free of a buffer is harmless; so is freeing an empty one */
    if (OK(ccx_regions_list(c, NULL, &out, &err), &err, "regions list")) {
        ccx_bytes_free(&out);
        CHECK(out.data == NULL && out.len == 0, "bytes_free did not reset the buffer");
        ccx_bytes_free(&out);
    }
    ccx_bytes empty = {0};
    ccx_bytes_free(&empty);
    ccx_bytes_free(NULL);

    /* codes and version */
    CHECK(strcmp(ccx_code_str(CCX_CODE_OK), "ok") == 0, "ccx_code_str(OK)");
    CHECK(strlen(ccx_code_str(12345)) > 0, "ccx_code_str(unknown)");
    CHECK(strncmp(ccx_version(), "cloudconnexa ", 13) == 0, "version %s", ccx_version());

    /* a config error names the setting */
    ccx_client_config *cfg = NULL;
    ccx_client *bad = NULL;
    ccx_client_config_new(&cfg);
    ccx_client_config_set_api_url(cfg, S("http://example.com"));
    CODE(ccx_client_build(cfg, &bad, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL, "build without credentials");
    CHECK(bad == NULL, "client_out written on failure");
    ccx_client_config_free(cfg);
}

/* ---- cancellation from another thread --------------------------------------------- */

struct blocked_call {
    const ccx_client *client;
    ccx_call_options *opts;
    ccx_code rc;
    ccx_error *err;
    double elapsed_ms;
};

static void *blocked_call_thread(void *arg) {
    struct blocked_call *b = arg;
    ccx_bytes out = {0};
    double t0 = now_ms();
    b->rc = ccx_regions_list(b->client, b->opts, &out, &b->err);
    b->elapsed_ms = now_ms() - t0;
    ccx_bytes_free(&out);
    return NULL;
}

static atomic_int g_first_attempts;

static void count_attempt(void *userdata, const ccx_request_event *ev) {
    (void)userdata;
    if (ev->status == 503) {
        atomic_fetch_add(&g_first_attempts, 1);
    }
}

/* New call options running under a new cancel token (both freed by the caller). */
static ccx_call_options *cancellable_options(ccx_cancel_token **token) {
    ccx_call_options *opts = NULL;
    ccx_error *err = NULL;
    OK(ccx_cancel_token_new(token), &err, "token new");
    OK(ccx_call_options_new(&opts), &err, "options new");
    OK(ccx_call_options_set_cancel(opts, *token), &err, "options set cancel");
    return opts;
}

/* Start a call on another thread, wait for `ready()` (or `delay_ms`), cancel, join. */
static void cancel_blocked(const ccx_client *c, const char *what, long delay_ms, bool (*ready)(void),
                           double max_wait_ms) {
    ccx_cancel_token *token = NULL;
    ccx_error *err = NULL;
    ccx_call_options *opts = cancellable_options(&token);
    struct blocked_call b = {c, opts, CCX_CODE_OK, NULL, 0};
    pthread_t t;
    double t0 = now_ms();
    CHECK(pthread_create(&t, NULL, blocked_call_thread, &b) == 0, "pthread_create");
    if (ready != NULL) {
        for (int i = 0; i < 3000 && !ready(); i++) {
            sleep_ms(10);
        }
    }
    sleep_ms(delay_ms);
    double cancelled_at = now_ms();
    OK(ccx_cancel_token_cancel(token), &err, "cancel");
    pthread_join(t, NULL);
    double after_cancel = now_ms() - cancelled_at;
    double total = now_ms() - t0;
    CODE(b.rc, &b.err, CCX_CODE_CANCELLED, NULL, what);
    CHECK(after_cancel < 3000.0, "%s: took %.0f ms after the cancel", what, after_cancel);
    CHECK(total < max_wait_ms, "%s: took %.0f ms in all (the wait was not cut short)", what, total);
    fprintf(stderr, "  %s: cancelled %.0f ms after the cancel (%.0f ms in all)\n", what, after_cancel, total);
    /* a later call with the cancelled token fails at once */
    ccx_bytes out = {0};
    CODE(ccx_regions_list(c, opts, &out, &err), &err, CCX_CODE_CANCELLED, NULL, "call with a cancelled token");
    ccx_call_options_free(opts);
    ccx_cancel_token_free(token);
}

static bool first_attempt_done(void) { return atomic_load(&g_first_attempts) > 0; }

static void cancellation(const mock *m) {
    /* rate-limit wait: 1 token, refilled at 0.02/s: the second call would wait 50 s */
    ccx_client_config *cfg = config_for(m);
    ccx_error *err = NULL;
    OK(ccx_client_config_set_rate_limit(cfg, true, 0.02, 1, 120000, false), &err, "set rate limit");
    ccx_client *c = build(cfg);
    ccx_client_config_free(cfg);
    if (c != NULL) {
        ccx_bytes out = {0};
        OK(ccx_regions_list(c, NULL, &out, &err), &err, "first call (takes the only token)");
        ccx_bytes_free(&out);
        cancel_blocked(c, "cancel during the rate-limit wait", 300, NULL, 30000.0);
        ccx_client_free(c);
    }

    /* backoff sleep: every /regions answer is 503; the retry waits 60 s */
    mock failing;
    const char *const extra[] = {"--fault", "{\"kind\":\"status\",\"status\":503,\"path\":\"/api/v1/regions*\"}", NULL};
    if (!mock_start(&failing, g_mock_bin, extra)) {
        CHECK(false, "second emulator did not start");
        return;
    }
    cfg = config_for(&failing);
    OK(ccx_client_config_set_retry(cfg, 3, 60000, 120000, false, false), &err, "set retry");
    OK(ccx_client_config_set_request_callback(cfg, count_attempt, NULL, NULL), &err, "set request callback");
    c = build(cfg);
    ccx_client_config_free(cfg);
    if (c != NULL) {
        atomic_store(&g_first_attempts, 0);
        cancel_blocked(c, "cancel during the backoff sleep", 200, first_attempt_done, 30000.0);
        CHECK(atomic_load(&g_first_attempts) == 1, "attempts before the cancel: %d", atomic_load(&g_first_attempts));
        ccx_client_free(c);
    }
    mock_stop(&failing);
}

/* ---- cancel and per-call timeout with the request on the wire ---------------------- */

/* A one-connection-at-a-time HTTP server on 127.0.0.1: the token request is answered,
 * the first API request is held until the client closes the connection (the time it did
 * is recorded), later API requests get an empty list. */
struct stall_server {
    int listener;
    int port;
    atomic_int api_requests;
    atomic_int closes_seen;
    double closed_at_ms;
    atomic_bool stop;
    pthread_t thread;
};

static bool read_head(int fd, char *buf, size_t cap) {
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0) {
            return false;
        }
        n += (size_t)r;
        buf[n] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            /* the token request's form body is short: read what Content-Length says */
            const char *cl = strcasestr(buf, "content-length:");
            size_t want = cl != NULL ? strtoul(cl + 15, NULL, 10) : 0;
            size_t have = n - (size_t)(end + 4 - buf);
            while (have < want) {
                char sink[256];
                r = recv(fd, sink, sizeof sink, 0);
                if (r <= 0) {
                    return false;
                }
                have += (size_t)r;
            }
            return true;
        }
    }
    return false;
}

static void send_all(int fd, const char *s) {
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t w = send(fd, s, len, MSG_NOSIGNAL);
        if (w <= 0) {
            return;
        }
        s += w;
        len -= (size_t)w;
    }
}

static void serve_stall_conn(struct stall_server *srv, int fd) {
    static const char token[] = "{\"access_token\":\"c-stall\",\"expires_in\":3600}";
    static const char page[] = "[]"; /* the regions list is an array */
    char buf[8192], reply[512];
    while (!atomic_load(&srv->stop) && read_head(fd, buf, sizeof buf)) {
        const char *body = page;
        if (strncmp(buf, "POST /api/v1/oauth/token", 24) == 0) {
            body = token;
        } else if (atomic_fetch_add(&srv->api_requests, 1) == 0) {
            /* hold it: wait for the client to close or shut the connection down */
            char sink[64];
            while (!atomic_load(&srv->stop)) {
                ssize_t r = recv(fd, sink, sizeof sink, 0);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                    srv->closed_at_ms = now_ms();
                    atomic_fetch_add(&srv->closes_seen, 1);
                    return;
                }
            }
            return;
        }
        snprintf(reply, sizeof reply,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(body),
                 body);
        send_all(fd, reply);
    }
}

static void *stall_server_thread(void *arg) {
    struct stall_server *srv = arg;
    while (!atomic_load(&srv->stop)) {
        int fd = accept(srv->listener, NULL, NULL);
        if (fd < 0) {
            continue; /* the accept timeout: look at `stop` again */
        }
        struct timeval tv = {0, 20 * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        serve_stall_conn(srv, fd);
        close(fd);
    }
    return NULL;
}

static bool stall_server_start(struct stall_server *srv) {
    memset(srv, 0, sizeof *srv);
    srv->listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    struct timeval tv = {0, 20 * 1000};
    if (srv->listener < 0 || bind(srv->listener, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(srv->listener, 16) != 0 || getsockname(srv->listener, (struct sockaddr *)&a, &len) != 0 ||
        setsockopt(srv->listener, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
        return false;
    }
    srv->port = ntohs(a.sin_port);
    return pthread_create(&srv->thread, NULL, stall_server_thread, srv) == 0;
}

static void stall_server_stop(struct stall_server *srv) {
    atomic_store(&srv->stop, true);
    pthread_join(srv->thread, NULL);
    close(srv->listener);
}

static ccx_client *stall_client(const struct stall_server *srv) {
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv->port);
    ccx_client_config *cfg = NULL;
    ccx_error *err = NULL;
    ccx_client_config_new(&cfg);
    ccx_client_config_set_api_url(cfg, url, strlen(url));
    ccx_client_config_set_client_id(cfg, S("id"));
    ccx_client_config_set_client_secret(cfg, S("secret"));
    ccx_client_config_set_allow_insecure_http(cfg, true);
    /* a 30 s read timeout and a 60 s call: only the cancel or the per-call bound ends it */
    OK(ccx_client_config_set_timeouts(cfg, 2000, 30000, 60000), &err, "set timeouts");
    ccx_client *c = build(cfg);
    ccx_client_config_free(cfg);
    return c;
}

static void cancel_on_the_wire(void) {
    struct stall_server srv;
    if (!stall_server_start(&srv)) {
        CHECK(false, "stall server did not start");
        return;
    }
    ccx_client *c = stall_client(&srv);
    ccx_cancel_token *token = NULL;
    ccx_error *err = NULL;
    ccx_call_options *opts = cancellable_options(&token);
    struct blocked_call b = {c, opts, CCX_CODE_OK, NULL, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked_call_thread, &b) == 0, "pthread_create");
    for (int i = 0; i < 3000 && atomic_load(&srv.api_requests) == 0; i++) {
        sleep_ms(10);
    }
    CHECK(atomic_load(&srv.api_requests) == 1, "the held request reached the server");
    sleep_ms(200);
    double cancelled_at = now_ms();
    OK(ccx_cancel_token_cancel(token), &err, "cancel");
    pthread_join(t, NULL);
    double returned = now_ms() - cancelled_at;
    CODE(b.rc, &b.err, CCX_CODE_CANCELLED, NULL, "cancel with the request on the wire");
    CHECK(returned < 2000.0, "returned %.1f ms after the cancel", returned);
    for (int i = 0; i < 500 && atomic_load(&srv.closes_seen) == 0; i++) {
        sleep_ms(10);
    }
    CHECK(atomic_load(&srv.closes_seen) == 1, "the server saw the connection closed");
    double seen = srv.closed_at_ms - cancelled_at;
    CHECK(seen < 2000.0, "the server saw the close %.1f ms after the cancel", seen);
    fprintf(stderr, "  cancel on the wire: returned in %.1f ms, the server saw the close in %.1f ms\n", returned,
            seen);
    /* no broken connection in the pool: the next call is answered, not resent */
    ccx_bytes out = {0};
    OK(ccx_regions_list(c, NULL, &out, &err), &err, "the next call");
    ccx_bytes_free(&out);
    CHECK(ccx_client_metrics_json(c, &out) == CCX_CODE_OK, "metrics");
    CHECK(bytes_has(&out, "\"stale_connection_retries\":0"), "no dead pooled connection was tried");
    ccx_bytes_free(&out);
    ccx_call_options_free(opts);
    ccx_cancel_token_free(token);

    /* a per-call timeout: 300 ms on a held request, with a 60 s client call timeout */
    atomic_store(&srv.api_requests, 0);
    OK(ccx_call_options_new(&opts), &err, "options new");
    /* setters have no error object: the code says it */
    CHECK(ccx_call_options_set_timeout_ms(opts, 25ULL * 3600 * 1000) == CCX_CODE_INVALID_PARAMETER,
          "a timeout above 24 h is refused");
    OK(ccx_call_options_set_timeout_ms(opts, 300), &err, "set timeout");
    double t0 = now_ms();
    CODE(ccx_regions_list(c, opts, &out, &err), &err, CCX_CODE_TIMEOUT, "call_timeout 0.300 s", "per-call timeout");
    double took = now_ms() - t0;
    CHECK(took >= 250.0 && took < 2300.0, "the per-call timeout ended the call after %.0f ms", took);
    ccx_call_options_free(opts);
    ccx_client_free(c);
    stall_server_stop(&srv);
}

/* ---- callbacks, metrics, options, threads ----------------------------------------- */

struct log_state {
    atomic_int lines;
    atomic_int ours;
    atomic_int freed;
};

static void on_log(void *userdata, const ccx_log_record *r) {
    struct log_state *s = userdata;
    atomic_fetch_add(&s->lines, 1);
    if (r->target.len >= 12 && memcmp(r->target.data, "cloudconnexa", 12) == 0 && r->message.len > 0 &&
        r->level >= CCX_LOG_LEVEL_ERROR && r->level <= CCX_LOG_LEVEL_TRACE) {
        atomic_fetch_add(&s->ours, 1);
    }
}

static void on_log_free(void *userdata) {
    struct log_state *s = userdata;
    atomic_fetch_add(&s->freed, 1);
}

struct request_state {
    atomic_int events;
    atomic_int good;
    atomic_int freed;
};

static void on_request(void *userdata, const ccx_request_event *ev) {
    struct request_state *s = userdata;
    atomic_fetch_add(&s->events, 1);
    if (ev->operation.len > 0 && ev->method.len == 3 && memcmp(ev->method.data, "GET", 3) == 0 &&
        ev->status == 200 && ev->error_code == CCX_CODE_OK && ev->attempt == 1 && ev->trace_id.len == 32 &&
        ev->span_id.len == 16) {
        atomic_fetch_add(&s->good, 1);
    }
}

static void on_request_free(void *userdata) {
    struct request_state *s = userdata;
    atomic_fetch_add(&s->freed, 1);
}

static void callbacks_and_metrics(const mock *m) {
    ccx_error *err = NULL;
    ccx_bytes out = {0};
    static struct log_state logs;
    static struct request_state reqs;
    OK(ccx_set_logger(CCX_LOG_LEVEL_TRACE, on_log, &logs, on_log_free), &err, "set logger");
    CHECK(ccx_set_logger(9, on_log, &logs, NULL) == CCX_CODE_INVALID_PARAMETER, "set logger level 9");

    ccx_client_config *cfg = config_for(m);
    OK(ccx_client_config_set_request_callback(cfg, on_request, &reqs, on_request_free), &err, "set callback");
    ccx_client *c = build(cfg);
    ccx_client_config_free(cfg);
    if (c == NULL) {
        return;
    }
    for (int i = 0; i < 3; i++) {
        OK(ccx_regions_list(c, NULL, &out, &err), &err, "regions list");
        ccx_bytes_free(&out);
    }
    CHECK(atomic_load(&reqs.events) >= 3 && atomic_load(&reqs.good) >= 3, "request events: %d (%d good)",
          atomic_load(&reqs.events), atomic_load(&reqs.good));
    CHECK(atomic_load(&logs.lines) > 0 && atomic_load(&logs.ours) > 0, "log lines: %d (%d ours)",
          atomic_load(&logs.lines), atomic_load(&logs.ours));

    if (OK(ccx_client_metrics_json(c, &out), &err, "metrics json")) {
        CHECK(out.len > 2 && out.data[0] == '{', "metrics json is not an object");
    }
    ccx_bytes_free(&out);
    if (OK(ccx_client_metrics_prometheus(c, &out), &err, "metrics prometheus")) {
        CHECK(out.len > 0 && bytes_has(&out, "cloudconnexa_"), "prometheus text lacks cloudconnexa_");
    }
    ccx_bytes_free(&out);

    /* call options with a caller's trace */
    ccx_call_options *opts = NULL;
    OK(ccx_call_options_new(&opts), &err, "options new");
    OK(ccx_call_options_set_traceparent(opts, S("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")), &err,
       "set traceparent");
    CHECK(ccx_call_options_set_traceparent(opts, S("nope")) == CCX_CODE_INVALID_PARAMETER, "bad traceparent");
    OK(ccx_networks_list(c, 0, 1, opts, &out, &err), &err, "call with options");
    ccx_bytes_free(&out);
    ccx_call_options_free(opts);

    /* a clone shares the client; the userdata is freed once, with the last owner */
    ccx_client *clone = NULL;
    OK(ccx_client_clone(c, &clone), &err, "clone");
    ccx_client_free(c);
    CHECK(atomic_load(&reqs.freed) == 0, "request userdata freed while a clone lives");
    OK(ccx_regions_list(clone, NULL, &out, &err), &err, "call on the clone");
    ccx_bytes_free(&out);
    ccx_client_free(clone);
    CHECK(atomic_load(&reqs.freed) == 1, "request userdata freed %d times", atomic_load(&reqs.freed));

    ccx_clear_logger();
    CHECK(atomic_load(&logs.freed) == 1, "log userdata freed %d times", atomic_load(&logs.freed));
    ccx_clear_logger();
    CHECK(atomic_load(&logs.freed) == 1, "log userdata freed again");
}

struct worker {
    const ccx_client *client;
    int failures;
};

static void *worker_thread(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < 10; i++) {
        ccx_bytes out = {0};
        ccx_error *err = NULL;
        ccx_code rc = (i % 2) ? ccx_regions_list(w->client, NULL, &out, &err)
                              : ccx_networks_list(w->client, 0, 5, NULL, &out, &err);
        if (rc != CCX_CODE_OK || out.len == 0) {
            w->failures++;
        }
        /* every thread gets its own error objects: no thread-local state */
        rc = ccx_networks_get(w->client, S("missing-net"), NULL, &out, &err);
        if (rc != CCX_CODE_HTTP_STATUS || err == NULL) {
            w->failures++;
        }
        ccx_error_free(err);
        ccx_bytes_free(&out);
    }
    return NULL;
}

static void threads(const ccx_client *c) {
    enum { N = 4 };
    pthread_t t[N];
    struct worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker){c, 0};
        CHECK(pthread_create(&t[i], NULL, worker_thread, &w[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].failures == 0, "thread %d: %d failures", i, w[i].failures);
    }
}

/* ---- configuration ------------------------------------------------------------------- */

#define SET(call) CHECK((call) == CCX_CODE_OK, "%s", #call)

static void config_setters(const mock *m) {
    ccx_error *err = NULL;
    ccx_bytes out = {0};
    ccx_client_config *cfg = config_for(m);
    static const uint16_t codes[] = {429, 502, 503};
    SET(ccx_client_config_set_user_agent(cfg, S("ccx-c-test/1")));
    SET(ccx_client_config_set_api_version(cfg, S("v1")));
    SET(ccx_client_config_set_proxy(cfg, NULL, 0));
    SET(ccx_client_config_set_proxy_from_env(cfg, false));
    SET(ccx_client_config_set_timeouts(cfg, 5000, 30000, 60000));
    SET(ccx_client_config_set_max_response_bytes(cfg, 1 << 20));
    SET(ccx_client_config_set_token_refresh_margin_ms(cfg, 30000));
    SET(ccx_client_config_set_pool(cfg, 8, 4, 30000));
    SET(ccx_client_config_set_max_connections_per_host(cfg, 8, 5000, false));
    SET(ccx_client_config_set_tcp_keepalive(cfg, true, 60000, 10000, 6));
    SET(ccx_client_config_set_tcp_nodelay(cfg, true));
    SET(ccx_client_config_set_dns_cache(cfg, 60000, true));
    SET(ccx_client_config_set_tls_roots(cfg, 0));
    SET(ccx_client_config_set_retry(cfg, 2, 100, 1000, true, false));
    SET(ccx_client_config_set_retry_codes(cfg, codes, sizeof codes / sizeof codes[0]));
    SET(ccx_client_config_set_retry_budget(cfg, true, 0.2, 10, 10000));
    SET(ccx_client_config_set_circuit_breaker(cfg, true, 10, 30000, 1, 1, false, false));
    SET(ccx_client_config_set_rate_limit(cfg, true, 1000.0, 100, 1000, false));
    SET(ccx_client_config_set_write_rate_limit(cfg, true, 1000.0, 100, 1000, false));
    SET(ccx_client_config_set_adaptive_rate_limit(cfg, true));
    SET(ccx_client_config_set_coalesce_gets(cfg, true));
    SET(ccx_client_config_set_stale_if_error(cfg, 60000));
    static const uint16_t bad_codes[] = {42};
    CHECK(ccx_client_config_set_retry_codes(cfg, bad_codes, 1) == CCX_CODE_INVALID_PARAMETER, "retry code 42");
    CHECK(ccx_client_config_set_tls_roots(cfg, 9) == CCX_CODE_INVALID_PARAMETER, "tls roots 9");
    CHECK(ccx_client_config_set_api_url(cfg, "\xff", 1) == CCX_CODE_INVALID_UTF8, "URL of invalid UTF-8");
    ccx_client *c = build(cfg);
    ccx_client *c2 = build(cfg); /* a configuration builds any number of clients */
    ccx_client_config_free(cfg);
    if (c != NULL) {
        OK(ccx_regions_list(c, NULL, &out, &err), &err, "call with every setting");
        ccx_bytes_free(&out);
        if (OK(ccx_networks_create(c, J("{\"name\":\"c-cfg\"}"), NULL, &out, &err), &err, "write with every setting")) {
            char *id = take_id(&out, "write with every setting");
            if (id != NULL) {
                OK(ccx_networks_delete(c, id, strlen(id), NULL, &err), &err, "delete with every setting");
            }
            free(id);
        }
        ccx_bytes_free(&out);
    }
    if (c2 != NULL) {
        OK(ccx_user_groups_list(c2, 0, 5, NULL, &out, &err), &err, "second client of one configuration");
        ccx_bytes_free(&out);
    }
    ccx_client_free(c);
    ccx_client_free(c2);

    /* a tenant name instead of a URL; trust roots from PEM; a client certificate */
    cfg = NULL;
    OK(ccx_client_config_new(&cfg), &err, "config new");
    SET(ccx_client_config_set_cloud_id(cfg, S("acme")));
    SET(ccx_client_config_set_client_id(cfg, S("id")));
    SET(ccx_client_config_set_client_secret(cfg, S("secret")));
    ccx_client *tenant = build(cfg);
    ccx_client_free(tenant);
    SET(ccx_client_config_set_tls_roots(cfg, 2));
    SET(ccx_client_config_add_ca_pem(cfg, J("not a certificate")));
    ccx_client *bad = NULL;
    CODE(ccx_client_build(cfg, &bad, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL, "build with a bad CA PEM");
    CHECK(bad == NULL, "client_out written on failure");
    ccx_client_config_free(cfg);
    cfg = NULL;
    OK(ccx_client_config_new(&cfg), &err, "config new");
    SET(ccx_client_config_set_cloud_id(cfg, S("acme")));
    SET(ccx_client_config_set_client_id(cfg, S("id")));
    SET(ccx_client_config_set_client_secret(cfg, S("secret")));
    SET(ccx_client_config_set_client_certificate(cfg, J("no chain"), J("no key")));
    CODE(ccx_client_build(cfg, &bad, &err), &err, CCX_CODE_INVALID_PARAMETER, NULL, "build with a bad certificate");
    ccx_client_config_free(cfg);
}

/* ---- the fresh-read cache --------------------------------------------------------------- */

/* HTTP requests of the list operations, counted by the request callback (which a cache hit
 * does not call: nothing is sent). */
struct list_requests {
    atomic_int networks;
    atomic_int hosts;
};

static void count_lists(void *userdata, const ccx_request_event *ev) {
    struct list_requests *s = userdata;
    if (ev->operation.len == 15 && memcmp(ev->operation.data, "getNetworksPage", 15) == 0) {
        atomic_fetch_add(&s->networks, 1);
    } else if (ev->operation.len == 12 && memcmp(ev->operation.data, "getHostsPage", 12) == 0) {
        atomic_fetch_add(&s->hosts, 1);
    }
}

/* The number after "field": in the "section":{...} object of the client's metrics JSON, or -1. */
static long long metric(const ccx_client *c, const char *section, const char *field) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    long long v = -1;
    if (OK(ccx_client_metrics_json(c, &out), &err, "metrics json")) {
        char *text = bytes_str(&out);
        char key[128];
        snprintf(key, sizeof key, "\"%s\":{", section);
        const char *at = strstr(text, key);
        snprintf(key, sizeof key, "\"%s\":", field);
        const char *end = at != NULL ? strchr(at, '}') : NULL;
        const char *f = at != NULL ? strstr(at, key) : NULL;
        if (f != NULL && f < end) {
            v = strtoll(f + strlen(key), NULL, 10);
        }
        free(text);
    }
    ccx_bytes_free(&out);
    return v;
}

static void list_networks(const ccx_client *c, const char *what) {
    ccx_bytes out = {0};
    ccx_error *err = NULL;
    OK(ccx_networks_list(c, 0, 5, NULL, &out, &err), &err, what);
    ccx_bytes_free(&out);
}

static void read_cache(const mock *m) {
    ccx_error *err = NULL;
    ccx_bytes out = {0};
    static struct list_requests reqs;
    ccx_client_config *cfg = config_for(m);
    OK(ccx_client_config_set_request_callback(cfg, count_lists, &reqs, NULL), &err, "set callback");
    SET(ccx_client_config_set_read_cache(cfg, 60000, 0, 0));
    SET(ccx_client_config_set_read_cache_ttl(cfg, S("hosts"), 0)); /* hosts: never cached */
    ccx_client *c = build(cfg);
    ccx_client_config_free(cfg);
    if (c == NULL) {
        return;
    }
    /* two identical lists: one HTTP request, one hit, one token saved */
    list_networks(c, "first list");
    list_networks(c, "second list");
    CHECK(atomic_load(&reqs.networks) == 1, "two identical lists made %d requests", atomic_load(&reqs.networks));
    CHECK(metric(c, "read_cache", "hits") == 1, "read_cache.hits %lld", metric(c, "read_cache", "hits"));
    CHECK(metric(c, "tokens_saved", "cache") == 1, "tokens_saved.cache %lld", metric(c, "tokens_saved", "cache"));
    /* invalidating the family sends the next read to the server; another family's name does not */
    OK(ccx_client_invalidate_read_cache(c, S("hosts")), &err, "invalidate hosts");
    list_networks(c, "list after invalidating another family");
    CHECK(atomic_load(&reqs.networks) == 1, "another family's invalidation dropped networks");
    OK(ccx_client_invalidate_read_cache(c, S("networks")), &err, "invalidate networks");
    list_networks(c, "list after invalidating networks");
    CHECK(atomic_load(&reqs.networks) == 2, "after invalidating networks: %d requests", atomic_load(&reqs.networks));
    list_networks(c, "list cached again");
    CHECK(atomic_load(&reqs.networks) == 2, "not cached again: %d requests", atomic_load(&reqs.networks));
    /* (NULL, 0): every family */
    OK(ccx_client_invalidate_read_cache(c, NULL, 0), &err, "invalidate all");
    list_networks(c, "list after invalidating all");
    CHECK(atomic_load(&reqs.networks) == 3, "after invalidating all: %d requests", atomic_load(&reqs.networks));
    /* a family with a time to live of 0 is not cached */
    for (int i = 0; i < 2; i++) {
        OK(ccx_hosts_list(c, 0, 5, NULL, &out, &err), &err, "hosts list");
        ccx_bytes_free(&out);
    }
    CHECK(atomic_load(&reqs.hosts) == 2, "hosts (ttl 0) made %d requests", atomic_load(&reqs.hosts));
    /* a write drops its family: the next list sees the new network */
    OK(ccx_networks_list(c, 0, 1000, NULL, &out, &err), &err, "list before a write"); /* now cached */
    ccx_bytes_free(&out);
    if (OK(ccx_networks_create(c, J("{\"name\":\"c-read-cache\"}"), NULL, &out, &err), &err, "create")) {
        char *id = take_id(&out, "create");
        ccx_bytes_free(&out);
        OK(ccx_networks_list(c, 0, 1000, NULL, &out, &err), &err, "list after a write");
        CHECK(id != NULL && bytes_has(&out, id), "the list after a write lacks the new network");
        ccx_bytes_free(&out);
        if (id != NULL) {
            OK(ccx_networks_delete(c, id, strlen(id), NULL, &err), &err, "delete");
        }
        free(id);
    }
    ccx_bytes_free(&out);
    CHECK(ccx_client_invalidate_read_cache(c, "\xff", 1) == CCX_CODE_INVALID_UTF8, "invalidate invalid UTF-8");
    ccx_client_free(c);

    /* a client without a read cache: invalidating does nothing, and fails nothing */
    c = client_for(m);
    if (c != NULL) {
        OK(ccx_client_invalidate_read_cache(c, S("networks")), &err, "invalidate without a cache");
        CHECK(metric(c, "read_cache", "hits") == 0, "hits without a cache");
        ccx_client_free(c);
    }

    /* bad values are recorded by the setters and refused by the build, naming the field */
    static const struct {
        uint64_t ttl_ms;
        size_t max_entries;
        uint64_t max_bytes;
        const char *family;
        const char *needle;
    } bad[] = {
        {86400001, 0, 0, NULL, "default_ttl"},
        {1000, 1000001, 0, NULL, "max_entries"},
        {1000, 0, 1023, NULL, "max_bytes"},
        {1000, 0, 0, "/networks", "bare family name"},
        {1000, 0, 0, "", "bare family name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg = config_for(m);
        SET(ccx_client_config_set_read_cache(cfg, bad[i].ttl_ms, bad[i].max_entries, bad[i].max_bytes));
        if (bad[i].family != NULL) {
            SET(ccx_client_config_set_read_cache_ttl(cfg, bad[i].family, strlen(bad[i].family), 1000));
        }
        ccx_client *none = NULL;
        CODE(ccx_client_build(cfg, &none, &err), &err, CCX_CODE_INVALID_PARAMETER, bad[i].needle, bad[i].needle);
        CHECK(none == NULL, "client_out written on failure");
        ccx_client_config_free(cfg);
    }
    cfg = config_for(m);
    CHECK(ccx_client_config_set_read_cache_ttl(cfg, "\xff", 1, 1000) == CCX_CODE_INVALID_UTF8, "family of invalid UTF-8");
    ccx_client_config_free(cfg);
}

/* ---- NULL arguments (generated) ------------------------------------------------------ */

static void null_arguments(ccx_client *c) {
    struct null_ctx ctx = {0};
    ctx.client = c;
    ccx_error *err = NULL;
    OK(ccx_client_config_new(&ctx.client_config), &err, "config new");
    OK(ccx_call_options_new(&ctx.call_options), &err, "options new");
    OK(ccx_cancel_token_new(&ctx.cancel_token), &err, "token new");
    ccx_bytes out = {0};
    ccx_networks_get(c, S("missing"), NULL, &out, &ctx.error);
    CHECK(ctx.error != NULL, "no error object for the NULL tests");
    int before = g_failures;
    int cases = run_null_tests(&ctx);
    fprintf(stderr, "  NULL arguments: %d generated cases, %d failed\n", cases, g_failures - before);
    ccx_error_free(ctx.error);
    ccx_cancel_token_free(ctx.cancel_token);
    ccx_call_options_free(ctx.call_options);
    ccx_client_config_free(ctx.client_config);
}

/* ---- main ---------------------------------------------------------------------------- */

typedef struct section {
    const char *name;
    void (*run)(const ccx_client *);
} section;

/* Run each section on `c`, printing `ok` or `FAIL` and its name. */
static void run_sections(const ccx_client *c, const section *sections, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int before = g_failures;
        sections[i].run(c);
        fprintf(stderr, "%-4s %s\n", g_failures == before ? "ok" : "FAIL", sections[i].name);
    }
}

/* ---- behind a proxy ------------------------------------------------------------------ */

/* An environment variable that must be set (NULL and a failed check if it is not). */
static const char *need_env(const char *name) {
    const char *v = getenv(name);
    CHECK(v != NULL && v[0] != '\0', "%s is not set", name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A client of the TLS emulator through `proxy`, trusting only the CA PEM of `ca_file`. */
static ccx_client *proxied_client(const char *proxy) {
    const char *url = need_env("CCX_TEST_API_URL"), *id = need_env("CCX_TEST_CLIENT_ID");
    const char *secret = need_env("CCX_TEST_CLIENT_SECRET"), *ca_file = need_env("CCX_TEST_CA_FILE");
    if (url == NULL || id == NULL || secret == NULL || ca_file == NULL || proxy == NULL) {
        return NULL;
    }
    char pem[16384];
    FILE *f = fopen(ca_file, "rb");
    size_t n = f != NULL ? fread(pem, 1, sizeof pem, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    CHECK(n > 0 && n < sizeof pem, "cannot read the CA %s", ca_file);
    ccx_client_config *cfg = NULL;
    if (ccx_client_config_new(&cfg) != CCX_CODE_OK) {
        return NULL;
    }
    ccx_code rc = ccx_client_config_set_api_url(cfg, url, strlen(url));
    rc = rc ? rc : ccx_client_config_set_client_id(cfg, id, strlen(id));
    rc = rc ? rc : ccx_client_config_set_client_secret(cfg, secret, strlen(secret));
    rc = rc ? rc : ccx_client_config_set_tls_roots(cfg, 2);
    rc = rc ? rc : ccx_client_config_add_ca_pem(cfg, (const uint8_t *)pem, n);
    rc = rc ? rc : ccx_client_config_set_proxy(cfg, proxy, strlen(proxy));
    CHECK(rc == CCX_CODE_OK, "configuring the proxied client: %s", ccx_code_str(rc));
    ccx_client *c = rc == CCX_CODE_OK ? build(cfg) : NULL;
    ccx_client_config_free(cfg);
    return c;
}

/* `--proxy`: one call through CCX_TEST_BAD_PROXY (wrong credentials), which must fail with
 * CCX_CODE_PROXY at once, then every CRUD family, devices, regions, sessions and settings
 * through the proxy of CCX_TEST_PROXY (tests/ffi_c.rs starts tinyproxy and the TLS
 * emulator, and counts the tunnels). */
static int proxy_mode(void) {
    /* first, so that the token thread of this failed call (detached, as every token
     * request's) has long finished when the process exits: valgrind then sees no thread
     * still running */
    int before = g_failures;
    ccx_client *bad = proxied_client(need_env("CCX_TEST_BAD_PROXY"));
    if (bad != NULL) {
        ccx_bytes out = {0};
        ccx_error *err = NULL;
        ccx_code rc = ccx_networks_list(bad, 0, 10, NULL, &out, &err);
        uint16_t status = 0;
        bool retryable = true;
        CHECK(err != NULL && ccx_error_http_status(err, &status) == CCX_CODE_OK && status == 401,
              "the proxy's status: %u", (unsigned)status);
        CHECK(err != NULL && ccx_error_is_retryable(err, &retryable) == CCX_CODE_OK && !retryable,
              "a refusing proxy is not retryable");
        CODE(rc, &err, CCX_CODE_PROXY, "refused CONNECT", "wrong proxy credentials");
        CHECK(out.data == NULL && out.len == 0, "json_out written on failure");
        ccx_client_free(bad);
    }
    fprintf(stderr, "%-4s proxy: wrong credentials\n", g_failures == before ? "ok" : "FAIL");

    ccx_client *c = proxied_client(need_env("CCX_TEST_PROXY"));
    if (c == NULL) {
        fprintf(stderr, "C ABI tests: %d checks, %d failures (no client)\n", g_checks, g_failures + 1);
        return 1;
    }
    static const section sections[] = {
        {"proxy: networks, routes, connectors, services, applications", networks_and_children},
        {"proxy: hosts, connectors, services, applications", hosts_and_children},
        {"proxy: users, groups, postures, DNS records, access groups, location contexts", other_top_families},
        {"proxy: users and devices", users_and_devices},
        {"proxy: regions", regions},
        {"proxy: sessions", sessions},
        {"proxy: settings", settings},
    };
    run_sections(c, sections, sizeof sections / sizeof sections[0]);
    ccx_client_free(c);
    fprintf(stderr, "C ABI tests: %d checks, %d failures\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    setvbuf(stderr, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "--proxy") == 0) {
        return proxy_mode();
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH/TO/cloudconnexa-mock | --proxy\n", argv[0]);
        return 2;
    }
    g_mock_bin = argv[1];
    mock m;
    if (!mock_start(&m, g_mock_bin, NULL)) {
        fprintf(stderr, "cannot start the emulator %s\n", g_mock_bin);
        return 2;
    }
    fprintf(stderr, "emulator at %s (pid %d)\n", m.url, (int)m.pid);
    ccx_client *c = client_for(&m);
    if (c == NULL) {
        mock_stop(&m);
        return 1;
    }
    static const section sections[] = {
        {"networks, routes, connectors, services, applications", networks_and_children},
        {"hosts, connectors, services, applications", hosts_and_children},
        {"users, groups, postures, DNS records, access groups, location contexts", other_top_families},
        {"users and devices", users_and_devices},
        {"regions", regions},
        {"access group items", access_group_items},
        {"sessions", sessions},
        {"settings", settings},
        {"DNS log", dns_log},
        {"access visibility", access_visibility},
        {"Cyber Shield", cybershield},
        {"raw request", raw_request},
        {"argument errors", argument_errors},
        {"threads", threads},
    };
    run_sections(c, sections, sizeof sections / sizeof sections[0]);
    int before = g_failures;
    null_arguments(c);
    fprintf(stderr, "%-4s NULL arguments\n", g_failures == before ? "ok" : "FAIL");
    ccx_client_free(c);

    before = g_failures;
    cancellation(&m);
    fprintf(stderr, "%-4s cancellation from another thread\n", g_failures == before ? "ok" : "FAIL");
    before = g_failures;
    cancel_on_the_wire();
    fprintf(stderr, "%-4s cancel and per-call timeout on the wire\n", g_failures == before ? "ok" : "FAIL");
    before = g_failures;
    config_setters(&m);
    fprintf(stderr, "%-4s configuration setters\n", g_failures == before ? "ok" : "FAIL");
    before = g_failures;
    read_cache(&m);
    fprintf(stderr, "%-4s fresh-read cache\n", g_failures == before ? "ok" : "FAIL");
    before = g_failures;
    callbacks_and_metrics(&m);
    fprintf(stderr, "%-4s callbacks and metrics\n", g_failures == before ? "ok" : "FAIL");

    mock_stop(&m);
    fprintf(stderr, "C ABI tests: %d checks, %d failures\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
