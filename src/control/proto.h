/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The control protocol's message layer, shared by the server (picketd) and
 * the `picket` CLI: parsing and validating one request line, and writing
 * reply, error and request lines. Pure functions over buffers, no I/O, so a
 * fuzzer can drive them. The wire format is in docs/protocol.md.
 */
#include <jansson.h>
#include <stddef.h>

/* Bounds (bytes). A request line longer than CONTROL_LINE_MAX (not counting
 * its '\n') is refused and its client disconnected. */
#define CONTROL_LINE_MAX 65536
#define CONTROL_METHOD_MAX 64 /* method name length */
#define CONTROL_ID_MAX 128    /* string id length */
/* A single reply line the server will write; larger ones become an
 * "internal" error. Readers of replies (the CLI) accept this much. */
#define CONTROL_REPLY_MAX (16u * 1024 * 1024)

/* Error codes (the "code" member of an error reply). */
#define CONTROL_ERR_PARSE "parse_error"
#define CONTROL_ERR_INVALID_REQUEST "invalid_request"
#define CONTROL_ERR_METHOD_NOT_FOUND "method_not_found"
#define CONTROL_ERR_INVALID_PARAMS "invalid_params"
#define CONTROL_ERR_NOT_FOUND "not_found"
#define CONTROL_ERR_PERMISSION_DENIED "permission_denied"
#define CONTROL_ERR_INTERNAL "internal"

struct control_request {
	json_t *root;       /* owns the members below */
	json_t *id;         /* integer or string; NULL if absent or invalid */
	const char *method; /* NUL-terminated, 1..CONTROL_METHOD_MAX bytes */
	json_t *params;     /* always an object (empty if absent) */
	const char *err_code; /* on failure: one of CONTROL_ERR_* */
	char err_msg[160];    /* on failure: what was wrong, in words */
};

/*
 * Parses and validates one request line (LEN bytes, without the '\n'; it
 * need not be NUL-terminated). Accepted: a JSON object with exactly the
 * members "id" (integer, or string of at most CONTROL_ID_MAX bytes),
 * "method" (non-empty string of at most CONTROL_METHOD_MAX bytes) and
 * optionally "params" (an object). *req is always initialised; release it
 * with control_request_clear() whatever the result.
 * Returns 0, or -EINVAL with req->err_code/err_msg set and req->id set when
 * the id could be read (a reply should echo it, else use null).
 */
int control_request_parse(const char *line, size_t len, struct control_request *req);
void control_request_clear(struct control_request *req);

/*
 * Reply lines, each a compact JSON object ending in '\n' (the JSON encoder
 * escapes control characters, so the line holds no other '\n').
 * ID may be NULL (written as null). RESULT/ MESSAGE are only read. Strings
 * that are not valid UTF-8 are written with '?' for the bad bytes.
 * Return a malloc'ed line (caller frees) and its length, or NULL on ENOMEM.
 */
char *control_reply_result(json_t *id, json_t *result, size_t *ret_len);
char *control_reply_error(json_t *id, const char *code, const char *message, size_t *ret_len);
/* Any object as one line (requests from the CLI, published messages). */
char *control_line_dump(json_t *obj, size_t *ret_len);
/* A request line {"id":ID,"method":METHOD,"params":PARAMS}; PARAMS may be NULL. */
char *control_request_format(long long id, const char *method, json_t *params, size_t *ret_len);

/*
 * The error code for a handler's -errno: -EINVAL -> invalid_params,
 * -ENOENT -> not_found, -EPERM/-EACCES -> permission_denied,
 * -EEXIST/-ERANGE/-E2BIG -> invalid_params, -EOPNOTSUPP/-ENOSYS -> method_not_found,
 * anything else -> internal.
 */
const char *control_error_code_from_errno(int err);

/* A JSON string for arbitrary bytes: invalid UTF-8 bytes become '?'.
 * Returns a new reference, NULL on ENOMEM. */
json_t *control_json_string_lossy(const char *s);
