/*
 * Exercises every function of the C ABI, success and error paths, on real files from
 * pydicom's test data and on hostile copies built here. Built and run (also under valgrind)
 * by tests/c_abi.rs.
 *
 * Usage: test DATA_DIR   (pydicom's test files: CT_small.dcm, rtplan.dcm, MR_small_implicit.dcm)
 */

#include "dicom_sanitize.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed;
static int failed;

#define CHECK(condition) check((condition), #condition, __LINE__)

static void check(int ok, const char *what, int line) {
  if (ok) {
    passed++;
  } else {
    failed++;
    const char *message = ds_last_error_message();
    fprintf(stderr, "test.c:%d: failed: %s (last error: %s)\n", line, what,
            message ? message : "none");
  }
}

/* A file's bytes, owned by the test. */
typedef struct {
  uint8_t *data;
  size_t len;
} bytes;

static bytes read_file(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *file = fopen(path, "rb");
  if (!file) {
    perror(path);
    exit(2);
  }
  fseek(file, 0, SEEK_END);
  long len = ftell(file);
  fseek(file, 0, SEEK_SET);
  bytes out = {malloc((size_t)len), (size_t)len};
  if (!out.data || fread(out.data, 1, out.len, file) != out.len) {
    perror(path);
    exit(2);
  }
  fclose(file);
  return out;
}

static bytes copy(bytes from) {
  bytes out = {malloc(from.len), from.len};
  if (!out.data) {
    exit(2);
  }
  memcpy(out.data, from.data, from.len);
  return out;
}

/* A copy of `from` whose preamble is `prefix` followed by zero bytes. */
static bytes with_preamble(bytes from, const char *prefix) {
  bytes out = copy(from);
  memset(out.data, 0, 128);
  memcpy(out.data, prefix, strlen(prefix));
  return out;
}

static void put_u32le(uint8_t *at, uint32_t value) {
  for (int i = 0; i < 4; i++) {
    at[i] = (uint8_t)(value >> (8 * i));
  }
}

/*
 * CT_small.dcm with its leftover TIFF structure repaired into a working dual-personality
 * file: the header points to the IFD in the (FFFC,FFFC) padding at 39080, and the IFD
 * describes the 128x128 16-bit Pixel Data at 6300.
 */
static bytes functional_tiff(bytes ct_small) {
  enum { IFD = 39080 };
  static const struct {
    int entry;
    uint32_t value;
  } patches[] = {{1, 128}, {2, 128}, {6, 6300}, {8, 128}, {9, 32768}};
  bytes out = copy(ct_small);
  put_u32le(out.data + 4, IFD);
  for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
    put_u32le(out.data + IFD + 2 + 12 * patches[i].entry + 8, patches[i].value);
  }
  return out;
}

/* Whether a string the library returned is `expected` (false for NULL). */
static int same(const char *actual, const char *expected) {
  return actual != NULL && strcmp(actual, expected) == 0;
}

/* Whether the last error message on this thread contains `text`. */
static int last_error_contains(const char *text) {
  const char *message = ds_last_error_message();
  return message != NULL && strstr(message, text) != NULL;
}

static int preamble_is_zero(const uint8_t *data) {
  for (int i = 0; i < 128; i++) {
    if (data[i]) {
      return 0;
    }
  }
  return 1;
}

static size_t nonzero_preamble_bytes(bytes file) {
  size_t count = 0;
  for (int i = 0; i < 128; i++) {
    count += file.data[i] != 0;
  }
  return count;
}

static ds_policy *policy_from_json(const char *json) {
  ds_policy *policy = NULL;
  CHECK(ds_policy_from_json(json, &policy) == DS_OK);
  CHECK(policy != NULL);
  return policy;
}

static void test_version_and_status_names(void) {
  CHECK(strlen(ds_version()) > 0);
  CHECK(same(ds_status_name(DS_OK), "ok"));
  CHECK(same(ds_status_name(DS_ERR_REJECTED), "rejected"));
  CHECK(same(ds_status_name(DS_ERR_NOT_DICOM), "not-dicom"));
  CHECK(same(ds_status_name(DS_ERR_NULL_ARGUMENT), "null-argument"));
  CHECK(same(ds_status_name(DS_ERR_INVALID_UTF8), "invalid-utf8"));
  CHECK(same(ds_status_name(DS_ERR_PANIC), "panic"));
  CHECK(same(ds_status_name(12345), "unknown"));
}

static void test_policies(void) {
  ds_policy *policy = (ds_policy *)1; /* must be cleared on failure */
  ds_policy_options options = {0};
  CHECK(ds_policy_new(&options, &policy) == DS_OK);
  CHECK(policy != NULL);
  CHECK(ds_last_error_message() == NULL);

  char *statement = NULL;
  CHECK(ds_policy_conformance_statement(policy, &statement) == DS_OK);
  CHECK(statement != NULL && strstr(statement, "TIFF") != NULL);
  ds_string_free(statement);
  ds_policy_free(policy);

  options.preamble = DS_PREAMBLE_ACTION_ZERO;
  options.otherwise = DS_FALLBACK_REJECT; /* a fallback needs DS_PREAMBLE_ACTION_TIFF */
  policy = (ds_policy *)1;
  CHECK(ds_policy_new(&options, &policy) == DS_ERR_INVALID_POLICY);
  CHECK(policy == NULL);
  CHECK(ds_last_error_message() != NULL);
  options.otherwise = DS_FALLBACK_ZERO;
  options.trailing = 42;
  CHECK(ds_policy_new(&options, &policy) == DS_ERR_INVALID_POLICY);
  CHECK(last_error_contains("trailing"));
  CHECK(ds_policy_new(NULL, &policy) == DS_ERR_NULL_ARGUMENT);
  CHECK(ds_policy_new(&options, NULL) == DS_ERR_NULL_ARGUMENT);

  policy = policy_from_json(
      "{\"preamble\":\"tiff\",\"otherwise\":\"zero\",\"trailing\":\"keep\",\"reject_at\":\"high\"}");
  ds_policy_free(policy);
  policy = (ds_policy *)1;
  CHECK(ds_policy_from_json("{\"preamble\":", &policy) == DS_ERR_INVALID_POLICY);
  CHECK(policy == NULL);
  CHECK(ds_policy_from_json("{\"preamble\":\"tiff\",\"colour\":\"blue\"}", &policy) ==
        DS_ERR_INVALID_POLICY);
  CHECK(last_error_contains("colour"));
  CHECK(ds_policy_from_json("{\"preamble\":\"keep\"}", &policy) == DS_ERR_INVALID_POLICY);
  CHECK(ds_policy_from_json("{\"preamble\":\"\xff\"}", &policy) == DS_ERR_INVALID_UTF8);
  CHECK(ds_policy_from_json(NULL, &policy) == DS_ERR_NULL_ARGUMENT);
  CHECK(ds_policy_from_json("{}", NULL) == DS_ERR_NULL_ARGUMENT);
  CHECK(ds_policy_conformance_statement(NULL, &statement) == DS_ERR_NULL_ARGUMENT);
  CHECK(statement == NULL);
  ds_policy_free(NULL);
}

static void test_inspect(bytes ct_small, bytes rtplan, bytes tiff) {
  ds_inspection inspection = {0};
  CHECK(ds_inspect(ct_small.data, ct_small.len, &inspection) == DS_OK);
  CHECK(inspection.layout == DS_LAYOUT_PART10);
  CHECK(same(inspection.layout_name, "part10"));
  CHECK(inspection.preamble == DS_PREAMBLE_KIND_TIFF_DANGLING);
  CHECK(same(inspection.preamble_name, "tiff-dangling"));
  CHECK(inspection.severity == DS_SEVERITY_LOW);
  CHECK(!inspection.threat);

  CHECK(ds_inspect(rtplan.data, rtplan.len, &inspection) == DS_OK);
  CHECK(inspection.preamble == DS_PREAMBLE_KIND_ZERO);
  CHECK(inspection.severity == DS_SEVERITY_NONE);

  CHECK(ds_inspect(tiff.data, tiff.len, &inspection) == DS_OK);
  CHECK(inspection.preamble == DS_PREAMBLE_KIND_TIFF);
  CHECK(same(inspection.preamble_name, "tiff"));
  CHECK(inspection.severity == DS_SEVERITY_INFO);

  bytes pe = with_preamble(ct_small, "MZ");
  CHECK(ds_inspect(pe.data, pe.len, &inspection) == DS_OK);
  CHECK(inspection.preamble == DS_PREAMBLE_KIND_PE);
  CHECK(same(inspection.preamble_name, "pe"));
  CHECK(inspection.threat);
  free(pe.data);

  bytes script = with_preamble(ct_small, "#!/bin/sh\n");
  CHECK(ds_inspect(script.data, script.len, &inspection) == DS_OK);
  CHECK(inspection.preamble == DS_PREAMBLE_KIND_SCRIPT);
  CHECK(inspection.severity == DS_SEVERITY_HIGH);
  CHECK(inspection.threat);
  free(script.data);

  static const uint8_t text[] = "not a DICOM file";
  CHECK(ds_inspect(text, sizeof text, &inspection) == DS_OK);
  CHECK(inspection.layout == DS_LAYOUT_NOT_DICOM);
  CHECK(inspection.preamble == DS_PREAMBLE_KIND_ABSENT);
  CHECK(same(inspection.preamble_name, "absent"));

  CHECK(ds_inspect(NULL, 0, &inspection) == DS_OK);
  CHECK(inspection.layout == DS_LAYOUT_NOT_DICOM);
  CHECK(ds_inspect(NULL, 5, &inspection) == DS_ERR_NULL_ARGUMENT);
  CHECK(ds_inspect(text, sizeof text, NULL) == DS_ERR_NULL_ARGUMENT);
  CHECK(ds_inspect(text, SIZE_MAX, &inspection) == DS_ERR_INVALID_ARGUMENT);
}

static void test_validate(bytes ct_small, bytes implicit_vr) {
  char *report = NULL;
  CHECK(ds_validate(ct_small.data, ct_small.len, &report) == DS_OK);
  CHECK(report != NULL && strstr(report, "\"kind\":\"tiff-dangling\"") != NULL);
  CHECK(report != NULL && strstr(report, "\"threat\":false") != NULL);
  ds_string_free(report);

  /* Implicit VR: the walk looks value representations up in the standard dictionary. */
  CHECK(ds_validate(implicit_vr.data, implicit_vr.len, &report) == DS_OK);
  CHECK(report != NULL && strstr(report, "\"encoding\":\"implicit-vr-little-endian\"") != NULL);
  ds_string_free(report);

  bytes pe = with_preamble(ct_small, "MZ");
  CHECK(ds_validate(pe.data, pe.len, &report) == DS_OK);
  CHECK(report != NULL && strstr(report, "\"status\":\"flagged\"") != NULL);
  CHECK(report != NULL && strstr(report, "\"code\":\"preamble.pe\"") != NULL);
  ds_string_free(report);
  free(pe.data);

  static const uint8_t text[] = "not a DICOM file";
  CHECK(ds_validate(text, sizeof text, &report) == DS_OK);
  CHECK(report != NULL && strstr(report, "\"status\":\"not-dicom\"") != NULL);
  ds_string_free(report);

  report = (char *)1;
  CHECK(ds_validate(NULL, 1, &report) == DS_ERR_NULL_ARGUMENT);
  CHECK(report == NULL);
  CHECK(ds_validate(text, sizeof text, NULL) == DS_ERR_NULL_ARGUMENT);
  ds_string_free(NULL);

  /* With a policy: its limits and depth, and its action. */
  CHECK(ds_validate(ct_small.data, ct_small.len, &report) == DS_OK);
  CHECK(report != NULL && strstr(report, "\"deep\":false") != NULL);
  ds_string_free(report);
  ds_policy_options options = {0};
  options.preamble = DS_PREAMBLE_ACTION_STRIP;
  options.deep = 1;
  ds_policy *deep = NULL;
  CHECK(ds_policy_new(&options, &deep) == DS_OK);
  CHECK(ds_validate_with_policy(deep, ct_small.data, ct_small.len, &report) == DS_OK);
  CHECK(report != NULL && strstr(report, "\"deep\":true") != NULL);
  CHECK(report != NULL && strstr(report, "\"action\":\"strip\"") != NULL);
  CHECK(report != NULL && strstr(report, "\"threat\":false") != NULL);
  ds_string_free(report);
  report = (char *)1;
  CHECK(ds_validate_with_policy(NULL, ct_small.data, ct_small.len, &report) ==
        DS_ERR_NULL_ARGUMENT);
  CHECK(report == NULL);
  CHECK(ds_validate_with_policy(deep, NULL, 1, &report) == DS_ERR_NULL_ARGUMENT);
  CHECK(ds_validate_with_policy(deep, text, sizeof text, NULL) == DS_ERR_NULL_ARGUMENT);
  ds_policy_free(deep);
  options.deep = 2;
  CHECK(ds_policy_new(&options, &deep) == DS_ERR_INVALID_POLICY);
  CHECK(last_error_contains("deep"));
  deep = policy_from_json("{\"deep\":true}");
  CHECK(ds_validate_with_policy(deep, ct_small.data, ct_small.len, &report) == DS_OK);
  CHECK(report != NULL && strstr(report, "\"deep\":true") != NULL);
  ds_string_free(report);
  ds_policy_free(deep);
}

static void test_sop_instance_uid(bytes ct_small) {
  char *uid = NULL;
  CHECK(ds_sop_instance_uid(ct_small.data, ct_small.len, &uid) == DS_OK);
  CHECK(uid != NULL && strcmp(uid, "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322") == 0);
  ds_string_free(uid);

  static const uint8_t text[] = "not a DICOM file";
  uid = (char *)1;
  CHECK(ds_sop_instance_uid(text, sizeof text, &uid) == DS_ERR_NOT_DICOM);
  CHECK(uid == NULL);
  CHECK(last_error_contains("not a DICOM file"));
  CHECK(ds_sop_instance_uid(NULL, 3, &uid) == DS_ERR_NULL_ARGUMENT);
  CHECK(ds_sop_instance_uid(text, sizeof text, NULL) == DS_ERR_NULL_ARGUMENT);
}

static void test_sanitize_default(bytes ct_small, bytes rtplan, bytes tiff) {
  ds_policy *policy = policy_from_json("{}");
  ds_buffer output;
  ds_outcome outcome = {0};

  /* A vestigial TIFF header: zeroed, every other byte kept. */
  CHECK(ds_sanitize(policy, ct_small.data, ct_small.len, &output, &outcome) == DS_OK);
  CHECK(outcome.action == DS_ACTION_ZERO);
  CHECK(same(outcome.action_name, "zero"));
  CHECK(outcome.before == DS_PREAMBLE_KIND_TIFF_DANGLING);
  CHECK(same(outcome.before_name, "tiff-dangling"));
  CHECK(outcome.after == DS_PREAMBLE_KIND_ZERO);
  CHECK(same(outcome.after_name, "zero"));
  CHECK(outcome.bytes_changed == nonzero_preamble_bytes(ct_small));
  CHECK(outcome.bytes_removed == 0);
  CHECK(!outcome.unchanged);
  CHECK(output.len == ct_small.len);
  CHECK(preamble_is_zero(output.data));
  CHECK(memcmp(output.data + 128, ct_small.data + 128, ct_small.len - 128) == 0);
  ds_buffer_free(&output);
  CHECK(output.data == NULL && output.len == 0);
  ds_buffer_free(&output); /* harmless twice */
  ds_buffer_free(NULL);

  /* A zero preamble: nothing to do. */
  CHECK(ds_sanitize(policy, rtplan.data, rtplan.len, &output, &outcome) == DS_OK);
  CHECK(outcome.action == DS_ACTION_NONE);
  CHECK(outcome.unchanged);
  CHECK(output.len == rtplan.len && memcmp(output.data, rtplan.data, rtplan.len) == 0);
  ds_buffer_free(&output);

  /* A functional TIFF header: kept byte for byte. */
  CHECK(ds_sanitize(policy, tiff.data, tiff.len, &output, &outcome) == DS_OK);
  CHECK(outcome.action == DS_ACTION_KEEP_TIFF);
  CHECK(same(outcome.action_name, "keep-tiff"));
  CHECK(outcome.before == DS_PREAMBLE_KIND_TIFF && outcome.after == DS_PREAMBLE_KIND_TIFF);
  CHECK(outcome.unchanged);
  CHECK(output.len == tiff.len && memcmp(output.data, tiff.data, tiff.len) == 0);
  ds_buffer_free(&output);

  /* Polyglots: the preamble is cleared; the outcome is optional. */
  const char *hostile[] = {"MZ", "#!/bin/sh\n", "\x7f" "ELF\x02\x01\x01"};
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    bytes polyglot = with_preamble(ct_small, hostile[i]);
    CHECK(ds_sanitize(policy, polyglot.data, polyglot.len, &output, &outcome) == DS_OK);
    CHECK(outcome.action == DS_ACTION_ZERO);
    CHECK(outcome.bytes_changed == strlen(hostile[i]));
    CHECK(preamble_is_zero(output.data));
    CHECK(memcmp(output.data + 128, polyglot.data + 128, polyglot.len - 128) == 0);
    ds_buffer_free(&output);
    CHECK(ds_sanitize(policy, polyglot.data, polyglot.len, &output, NULL) == DS_OK);
    CHECK(output.len == polyglot.len && preamble_is_zero(output.data));
    ds_buffer_free(&output);
    free(polyglot.data);
  }
  ds_policy_free(policy);
}

static void test_sanitize_strip(bytes ct_small) {
  ds_policy_options options = {0};
  options.preamble = DS_PREAMBLE_ACTION_STRIP;
  ds_policy *policy = NULL;
  CHECK(ds_policy_new(&options, &policy) == DS_OK);
  ds_buffer output;
  ds_outcome outcome = {0};
  CHECK(ds_sanitize(policy, ct_small.data, ct_small.len, &output, &outcome) == DS_OK);
  CHECK(outcome.action == DS_ACTION_STRIP);
  CHECK(outcome.after == DS_PREAMBLE_KIND_ABSENT);
  CHECK(same(outcome.after_name, "absent"));
  CHECK(outcome.bytes_removed == 132);
  CHECK(output.len == ct_small.len - 132);
  CHECK(memcmp(output.data, ct_small.data + 132, output.len) == 0);
  ds_buffer_free(&output);
  ds_policy_free(policy);
}

/* Policies that act on trailing data validate the whole input first. */
static void test_sanitize_trailing(bytes ct_small) {
  static const char zip[] = "PK\x03\x04 payload"; /* a ZIP appended after the data set */
  const size_t zip_len = sizeof zip - 1;
  bytes appended = {malloc(ct_small.len + zip_len), ct_small.len + zip_len};
  if (!appended.data) {
    exit(2);
  }
  memcpy(appended.data, ct_small.data, ct_small.len);
  memcpy(appended.data + ct_small.len, zip, zip_len);

  ds_policy *truncate = policy_from_json("{\"trailing\":\"truncate\"}");
  ds_buffer output;
  ds_outcome outcome = {0};
  CHECK(ds_sanitize(truncate, appended.data, appended.len, &output, &outcome) == DS_OK);
  CHECK(outcome.bytes_removed == zip_len);
  CHECK(output.len == ct_small.len);
  CHECK(memcmp(output.data + 128, ct_small.data + 128, ct_small.len - 128) == 0);
  ds_buffer_free(&output);
  ds_policy_free(truncate);

  ds_policy *reject = policy_from_json("{\"trailing\":\"reject\"}");
  CHECK(ds_sanitize(reject, appended.data, appended.len, &output, &outcome) == DS_ERR_REJECTED);
  CHECK(last_error_contains("after the end of the data set"));
  CHECK(ds_sanitize(reject, ct_small.data, ct_small.len, &output, &outcome) == DS_OK);
  ds_buffer_free(&output);
  ds_policy_free(reject);
  free(appended.data);
}

static void test_sanitize_errors(bytes ct_small, bytes rtplan) {
  ds_policy *reject = policy_from_json("{\"preamble\":\"tiff\",\"otherwise\":\"reject\"}");
  ds_buffer output = {(uint8_t *)1, 1}; /* must be cleared on failure */
  ds_outcome outcome = {0};

  bytes pe = with_preamble(ct_small, "MZ");
  CHECK(ds_sanitize(reject, pe.data, pe.len, &output, &outcome) == DS_ERR_REJECTED);
  CHECK(output.data == NULL && output.len == 0);
  CHECK(last_error_contains("rejected by policy"));
  ds_buffer_free(&output); /* nothing to free, and safe */
  free(pe.data);

  /* An all-zero preamble passes the same policy; success clears the last error. */
  CHECK(ds_sanitize(reject, rtplan.data, rtplan.len, &output, &outcome) == DS_OK);
  CHECK(ds_last_error_message() == NULL);
  ds_buffer_free(&output);

  static const uint8_t text[] = "not a DICOM file";
  CHECK(ds_sanitize(reject, text, sizeof text, &output, &outcome) == DS_ERR_NOT_DICOM);
  CHECK(ds_sanitize(NULL, rtplan.data, rtplan.len, &output, &outcome) == DS_ERR_NULL_ARGUMENT);
  CHECK(last_error_contains("policy is NULL"));
  CHECK(ds_sanitize(reject, NULL, 10, &output, &outcome) == DS_ERR_NULL_ARGUMENT);
  CHECK(ds_sanitize(reject, rtplan.data, rtplan.len, NULL, &outcome) == DS_ERR_NULL_ARGUMENT);
  ds_policy_free(reject);
}

/* One policy shared by several threads; each thread has its own last error. */
enum { THREADS = 4, ROUNDS = 25 };

typedef struct {
  const ds_policy *policy;
  bytes input;
  int ok;
} worker;

static void *work(void *argument) {
  worker *w = argument;
  w->ok = 1;
  for (int round = 0; round < ROUNDS; round++) {
    ds_buffer output;
    ds_outcome outcome = {0};
    if (ds_sanitize(w->policy, w->input.data, w->input.len, &output, &outcome) != DS_OK ||
        outcome.action != DS_ACTION_ZERO || !preamble_is_zero(output.data)) {
      w->ok = 0;
    }
    ds_buffer_free(&output);
  }
  /* A failure here leaves a message on this thread only. */
  if (ds_sanitize(NULL, NULL, 0, NULL, NULL) != DS_ERR_NULL_ARGUMENT ||
      ds_last_error_message() == NULL) {
    w->ok = 0;
  }
  return NULL;
}

static void test_threads(bytes ct_small) {
  ds_policy *policy = policy_from_json("{}");
  bytes script = with_preamble(ct_small, "#!/bin/sh\n");
  pthread_t threads[THREADS];
  worker workers[THREADS];
  CHECK(ds_validate(NULL, 0, NULL) == DS_ERR_NULL_ARGUMENT);
  const char *mine = ds_last_error_message();
  for (int i = 0; i < THREADS; i++) {
    workers[i] = (worker){policy, script, 0};
    CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
  }
  for (int i = 0; i < THREADS; i++) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(workers[i].ok);
  }
  CHECK(ds_last_error_message() == mine && last_error_contains("report_out"));
  free(script.data);
  ds_policy_free(policy);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 2;
  }
  bytes ct_small = read_file(argv[1], "CT_small.dcm");
  bytes rtplan = read_file(argv[1], "rtplan.dcm");
  bytes implicit_vr = read_file(argv[1], "MR_small_implicit.dcm");
  bytes tiff = functional_tiff(ct_small);

  test_version_and_status_names();
  test_policies();
  test_inspect(ct_small, rtplan, tiff);
  test_validate(ct_small, implicit_vr);
  test_sop_instance_uid(ct_small);
  test_sanitize_default(ct_small, rtplan, tiff);
  test_sanitize_strip(ct_small);
  test_sanitize_trailing(ct_small);
  test_sanitize_errors(ct_small, rtplan);
  test_threads(ct_small);

  free(ct_small.data);
  free(rtplan.data);
  free(implicit_vr.data);
  free(tiff.data);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
