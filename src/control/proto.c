/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control/proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void req_fail(struct control_request *req, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void req_fail(struct control_request *req, const char *code, const char *fmt, ...)
{
	va_list ap;

	req->err_code = code;
	va_start(ap, fmt);
	vsnprintf(req->err_msg, sizeof(req->err_msg), fmt, ap);
	va_end(ap);
}

/* Member names come from the client: quote at most a short, printable
 * prefix of them in the error text. */
static void printable_prefix(const char *s, char *buf, size_t bufsz)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < bufsz; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
}

int control_request_parse(const char *line, size_t len, struct control_request *req)
{
	json_error_t jerr;
	json_t *method, *params;
	const char *key;
	json_t *value;

	memset(req, 0, sizeof(*req));
	if (len > CONTROL_LINE_MAX) {
		req_fail(req, CONTROL_ERR_INVALID_REQUEST, "line too long (max %d bytes)",
			 CONTROL_LINE_MAX);
		return -EINVAL;
	}
	req->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->root) {
		req_fail(req, CONTROL_ERR_PARSE, "invalid JSON at column %d: %s", jerr.column,
			 jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(req->root)) {
		req_fail(req, CONTROL_ERR_INVALID_REQUEST, "request is not a JSON object");
		return -EINVAL;
	}

	/* The id first, so that every later error can be matched to its request. */
	value = json_object_get(req->root, "id");
	if (!value) {
		req_fail(req, CONTROL_ERR_INVALID_REQUEST, "member \"id\" is missing");
		return -EINVAL;
	}
	if (!json_is_integer(value) &&
	    !(json_is_string(value) && json_string_length(value) <= CONTROL_ID_MAX)) {
		req_fail(req, CONTROL_ERR_INVALID_REQUEST,
			 "member \"id\": expected an integer or a string of at most %d bytes",
			 CONTROL_ID_MAX);
		return -EINVAL;
	}
	req->id = value;

	json_object_foreach(req->root, key, value) {
		if (strcmp(key, "id") != 0 && strcmp(key, "method") != 0 &&
		    strcmp(key, "params") != 0) {
			char shown[48];

			printable_prefix(key, shown, sizeof(shown));
			req_fail(req, CONTROL_ERR_INVALID_REQUEST, "unknown member \"%s\"", shown);
			return -EINVAL;
		}
	}

	method = json_object_get(req->root, "method");
	if (!method) {
		req_fail(req, CONTROL_ERR_INVALID_REQUEST, "member \"method\" is missing");
		return -EINVAL;
	}
	if (!json_is_string(method) || json_string_length(method) == 0 ||
	    json_string_length(method) > CONTROL_METHOD_MAX ||
	    strlen(json_string_value(method)) != json_string_length(method)) {
		req_fail(req, CONTROL_ERR_INVALID_REQUEST,
			 "member \"method\": expected a string of 1..%d bytes", CONTROL_METHOD_MAX);
		return -EINVAL;
	}
	req->method = json_string_value(method);

	params = json_object_get(req->root, "params");
	if (params && !json_is_object(params)) {
		req_fail(req, CONTROL_ERR_INVALID_PARAMS, "member \"params\": expected an object");
		return -EINVAL;
	}
	if (!params) {
		/* Handlers always get an object, so they need no NULL checks. */
		params = json_object();
		if (!params || json_object_set_new(req->root, "params", params) < 0) {
			req_fail(req, CONTROL_ERR_INTERNAL, "out of memory");
			return -ENOMEM;
		}
	}
	req->params = params;
	return 0;
}

void control_request_clear(struct control_request *req)
{
	json_decref(req->root);
	req->root = NULL;
	req->id = NULL;
	req->method = NULL;
	req->params = NULL;
}

/* Length of the valid UTF-8 sequence at S (up to END), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, const unsigned char *end)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - s) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

json_t *control_json_string_lossy(const char *s)
{
	const unsigned char *p, *end;
	json_t *str;
	char *copy;
	size_t len, i;

	if (!s)
		return json_null();
	str = json_string(s);
	if (str)
		return str;
	len = strlen(s);
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	p = (const unsigned char *)s;
	end = p + len;
	i = 0;
	while (p < end) {
		size_t n = utf8_seq_len(p, end);

		if (n == 0) {
			copy[i++] = '?';
			p++;
			continue;
		}
		memcpy(copy + i, p, n);
		i += n;
		p += n;
	}
	copy[i] = '\0';
	str = json_string(copy);
	free(copy);
	return str;
}

char *control_line_dump(json_t *obj, size_t *ret_len)
{
	char *s, *line;
	size_t len;

	s = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		return NULL;
	len = strlen(s);
	line = realloc(s, len + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	*ret_len = len + 1;
	return line;
}

/* Builds {"id":ID,KEY:VALUE} (VALUE stolen) and dumps it. */
static char *reply_dump(json_t *id, const char *key, json_t *value, size_t *ret_len)
{
	json_t *obj = NULL;
	char *line = NULL;

	if (!value)
		return NULL;
	obj = json_object();
	if (!obj)
		goto cleanup;
	if (json_object_set(obj, "id", id ? id : json_null()) < 0 ||
	    json_object_set(obj, key, value) < 0)
		goto cleanup;
	line = control_line_dump(obj, ret_len);
cleanup:
	json_decref(value);
	json_decref(obj);
	return line;
}

char *control_reply_result(json_t *id, json_t *result, size_t *ret_len)
{
	return reply_dump(id, "result", result ? json_incref(result) : json_object(), ret_len);
}

char *control_reply_error(json_t *id, const char *code, const char *message, size_t *ret_len)
{
	json_t *err, *msg;

	msg = control_json_string_lossy(message ? message : "");
	if (!msg)
		return NULL;
	err = json_pack("{s:s, s:o}", "code", code, "message", msg);
	return reply_dump(id, "error", err, ret_len);
}

char *control_request_format(long long id, const char *method, json_t *params, size_t *ret_len)
{
	json_t *obj;
	char *line;

	obj = json_pack("{s:I, s:s}", "id", (json_int_t)id, "method", method);
	if (!obj)
		return NULL;
	if (params && json_object_set(obj, "params", params) < 0) {
		json_decref(obj);
		return NULL;
	}
	line = control_line_dump(obj, ret_len);
	json_decref(obj);
	return line;
}

const char *control_error_code_from_errno(int err)
{
	switch (err) {
	case -EINVAL:
	case -EEXIST:
	case -ERANGE:
	case -E2BIG:
		return CONTROL_ERR_INVALID_PARAMS;
	case -ENOENT:
		return CONTROL_ERR_NOT_FOUND;
	case -EPERM:
	case -EACCES:
		return CONTROL_ERR_PERMISSION_DENIED;
	case -EOPNOTSUPP:
	case -ENOSYS:
		return CONTROL_ERR_METHOD_NOT_FOUND;
	default:
		return CONTROL_ERR_INTERNAL;
	}
}
