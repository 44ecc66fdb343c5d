/* pickle_text.c — the text codecs of the pickle reader (pickle_text.h):
 * latin-1, UTF-8 with surrogates, the protocol-0 escapes, and the
 * encodings of _codecs.encode.  Results are casbench str/bytes values
 * (UTF-8 inside). */
#include "data/pickle_text.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* latin-1 bytes -> UTF-8 str */
cb_value cb_pickle_latin1_to_str(const unsigned char *p, size_t n)
{
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += p[i] >> 7;
    if (!extra)
        return cb_str_new((const char *)p, n);
    char *buf = cb_xmalloc(n + extra);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            buf[o++] = (char)p[i];
        } else {
            buf[o++] = (char)(0xc0 | (p[i] >> 6));
            buf[o++] = (char)(0x80 | (p[i] & 0x3f));
        }
    }
    cb_value v = cb_str_new(buf, o);
    free(buf);
    return v;
}

/* Decodes one UTF-8 sequence (surrogates allowed, as Python's
 * 'surrogatepass'); returns its length, or 0 when invalid. */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t min;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; *cp = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; *cp = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; *cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (p[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff)
        return 0;
    return len;
}

bool cb_pickle_utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* fast path: 8 ASCII bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        uint32_t cp;
        size_t k = utf8_next(p + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static void utf8_put(cb_buf *b, uint32_t cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) { t[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { t[0] = (char)(0xc0 | cp >> 6); t[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) {
        t[0] = (char)(0xe0 | cp >> 12); t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        t[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        t[0] = (char)(0xf0 | cp >> 18); t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); t[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    cb_buf_put(b, t, n);
}

/* Equal as Python compares codec names: ASCII case ignored, '_' as '-'. */
static bool ascii_ieq(const char *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (x == '_')
            x = '-';
        if (x != y)
            return false;
    }
    return true;
}

/* codecs.escape_decode of a STRING argument (without quotes), then latin-1. */
cb_value cb_pickle_escape_decode(const unsigned char *s, size_t n, bool *ok)
{
    unsigned char *buf = cb_xmalloc(n ? n : 1);
    size_t o = 0;
    *ok = true;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            buf[o++] = s[i];
            continue;
        }
        if (++i == n) {   /* trailing backslash */
            *ok = false;
            break;
        }
        unsigned char c = s[i];
        switch (c) {
        case '\n': break;
        case '\\': buf[o++] = '\\'; break;
        case '\'': buf[o++] = '\''; break;
        case '"': buf[o++] = '"'; break;
        case 'b': buf[o++] = '\b'; break;
        case 'f': buf[o++] = '\f'; break;
        case 't': buf[o++] = '\t'; break;
        case 'n': buf[o++] = '\n'; break;
        case 'r': buf[o++] = '\r'; break;
        case 'v': buf[o++] = '\v'; break;
        case 'a': buf[o++] = '\a'; break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            unsigned x = c - '0';
            for (int k = 0; k < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
                x = x * 8 + (unsigned)(s[++i] - '0');
            buf[o++] = (unsigned char)x;
            break;
        }
        case 'x': {
            unsigned x = 0;
            for (int k = 0; k < 2; k++) {
                unsigned char h = i + 1 < n ? s[i + 1] : 0;
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                      : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) {
                    *ok = false;
                    break;
                }
                x = x * 16 + (unsigned)d;
                i++;
            }
            buf[o++] = (unsigned char)x;
            break;
        }
        default:
            buf[o++] = '\\';
            buf[o++] = c;
            break;
        }
        if (!*ok)
            break;
    }
    cb_value v = *ok ? cb_pickle_latin1_to_str(buf, o) : cb_none();
    free(buf);
    return v;
}

/* raw-unicode-escape (UNICODE opcode) -> UTF-8 str. */
cb_value cb_pickle_raw_unicode_escape(const unsigned char *s, size_t n, bool *ok)
{
    cb_buf b = {0};
    *ok = true;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i++];
        if (c != '\\' || i == n || (s[i] != 'u' && s[i] != 'U')) {
            utf8_put(&b, c);
            if (c == '\\' && i < n)   /* a backslash and the next char, both literal */
                utf8_put(&b, s[i++]);
            continue;
        }
        int count = s[i++] == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int k = 0; k < count; k++, i++) {
            unsigned char h = i < n ? s[i] : 0;
            int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
            if (d < 0) {
                *ok = false;
                break;
            }
            cp = cp << 4 | (uint32_t)d;
        }
        if (!*ok || cp > 0x10ffff) {
            *ok = false;
            break;
        }
        utf8_put(&b, cp);
    }
    cb_value v = *ok ? cb_str_new(b.data ? b.data : "", b.len) : cb_none();
    cb_buf_free(&b);
    return v;
}


int cb_pickle_encoding_of(const char *e, size_t n)
{
    if (ascii_ieq(e, n, "latin1") || ascii_ieq(e, n, "latin-1") || ascii_ieq(e, n, "iso-8859-1") ||
        ascii_ieq(e, n, "iso8859-1"))
        return CB_ENC_LATIN1;
    if (ascii_ieq(e, n, "utf-8") || ascii_ieq(e, n, "utf8"))
        return CB_ENC_UTF8;
    if (ascii_ieq(e, n, "ascii") || ascii_ieq(e, n, "us-ascii"))
        return CB_ENC_ASCII;
    return -1;
}

bool cb_pickle_is_strict(const char *name, size_t n) { return ascii_ieq(name, n, "strict"); }

bool cb_pickle_encode(const char *s, size_t n, cb_pickle_encoding enc, cb_value *out, uint32_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char *buf = cb_xmalloc(n ? n : 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = utf8_next(p + i, n - i, &cp);   /* the str was validated: k > 0 */
        bool ok = enc == CB_ENC_UTF8 ? !(cp >= 0xd800 && cp <= 0xdfff) : cp < (enc == CB_ENC_LATIN1 ? 0x100u : 0x80u);
        if (!ok || !k) {
            free(buf);
            *bad = cp;
            return false;
        }
        if (enc == CB_ENC_UTF8) {
            memcpy(buf + o, p + i, k);
            o += k;
        } else {
            buf[o++] = (unsigned char)cp;
        }
        i += k;
    }
    *out = cb_bytes_new(buf, o);
    free(buf);
    return true;
}
