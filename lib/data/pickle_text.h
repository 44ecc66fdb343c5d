/* pickle_text.h — the text codecs the pickle reader needs (pickle_load.c):
 * Python 2 strings as latin-1, UTF-8 as Python's 'surrogatepass' accepts it,
 * the protocol-0 escapes (STRING's escape_decode, UNICODE's
 * raw-unicode-escape), and the three encodings _codecs.encode may name.
 * Pure functions over bytes: the reader turns their failures into its
 * "pickle: offset N: ..." messages. */
#ifndef CB_PICKLE_TEXT_H
#define CB_PICKLE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/value.h"

/* latin-1 bytes -> str */
cb_value cb_pickle_latin1_to_str(const unsigned char *p, size_t n);
/* UTF-8, surrogates allowed (what BINUNICODE may hold) */
bool cb_pickle_utf8_valid(const unsigned char *p, size_t n);
/* codecs.escape_decode of STRING's argument (quotes removed), as latin-1
 * text; *ok false (and None) on a bad escape */
cb_value cb_pickle_escape_decode(const unsigned char *s, size_t n, bool *ok);
/* raw-unicode-escape (UNICODE's argument); *ok false on a bad \u escape */
cb_value cb_pickle_raw_unicode_escape(const unsigned char *s, size_t n, bool *ok);

/* _codecs.encode's encodings, by Python's names and aliases */
typedef enum { CB_ENC_UTF8, CB_ENC_LATIN1, CB_ENC_ASCII } cb_pickle_encoding;
/* The encoding NAME (N bytes) means, or -1 when it is none of the three. */
int cb_pickle_encoding_of(const char *name, size_t n);
/* True when NAME is 'strict' (the only errors= supported). */
bool cb_pickle_is_strict(const char *name, size_t n);
/* The str S (valid UTF-8) encoded; false with *bad the code point that the
 * encoding cannot hold. */
bool cb_pickle_encode(const char *s, size_t n, cb_pickle_encoding enc, cb_value *out, uint32_t *bad);

#endif
