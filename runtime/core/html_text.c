/* SPDX-License-Identifier: MIT */
/* Visible text of body_html: tags removed, character references decoded, whitespace
 * collapsed and trimmed (the definition is in html_text.h). */
#include "core/html_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "souk/error.h"

/* The 252 named character entities of HTML 4.01 (HTMLlat1, HTMLsymbol, HTMLspecial): the same
 * set as Python's html.entities.name2codepoint. Each name (at most 8 bytes) is packed into an
 * integer, its bytes big-endian and zero-padded ("amp" is 0x616D700000000000), so that integer
 * order is the names' byte order and a lookup is a binary search over integers. */
typedef struct entity {
  uint64_t key;
  unsigned cp;
} entity;

static const entity entities[] = {
  {0x41456C6967000000ULL, 0x00C6}, {0x4161637574650000ULL, 0x00C1},
  {0x4163697263000000ULL, 0x00C2}, {0x4167726176650000ULL, 0x00C0},
  {0x416C706861000000ULL, 0x0391}, {0x4172696E67000000ULL, 0x00C5},
  {0x4174696C64650000ULL, 0x00C3}, {0x41756D6C00000000ULL, 0x00C4},
  {0x4265746100000000ULL, 0x0392}, {0x43636564696C0000ULL, 0x00C7},
  {0x4368690000000000ULL, 0x03A7}, {0x4461676765720000ULL, 0x2021},
  {0x44656C7461000000ULL, 0x0394}, {0x4554480000000000ULL, 0x00D0},
  {0x4561637574650000ULL, 0x00C9}, {0x4563697263000000ULL, 0x00CA},
  {0x4567726176650000ULL, 0x00C8}, {0x457073696C6F6E00ULL, 0x0395},
  {0x4574610000000000ULL, 0x0397}, {0x45756D6C00000000ULL, 0x00CB},
  {0x47616D6D61000000ULL, 0x0393}, {0x4961637574650000ULL, 0x00CD},
  {0x4963697263000000ULL, 0x00CE}, {0x4967726176650000ULL, 0x00CC},
  {0x496F746100000000ULL, 0x0399}, {0x49756D6C00000000ULL, 0x00CF},
  {0x4B61707061000000ULL, 0x039A}, {0x4C616D6264610000ULL, 0x039B},
  {0x4D75000000000000ULL, 0x039C}, {0x4E74696C64650000ULL, 0x00D1},
  {0x4E75000000000000ULL, 0x039D}, {0x4F456C6967000000ULL, 0x0152},
  {0x4F61637574650000ULL, 0x00D3}, {0x4F63697263000000ULL, 0x00D4},
  {0x4F67726176650000ULL, 0x00D2}, {0x4F6D656761000000ULL, 0x03A9},
  {0x4F6D6963726F6E00ULL, 0x039F}, {0x4F736C6173680000ULL, 0x00D8},
  {0x4F74696C64650000ULL, 0x00D5}, {0x4F756D6C00000000ULL, 0x00D6},
  {0x5068690000000000ULL, 0x03A6}, {0x5069000000000000ULL, 0x03A0},
  {0x5072696D65000000ULL, 0x2033}, {0x5073690000000000ULL, 0x03A8},
  {0x52686F0000000000ULL, 0x03A1}, {0x536361726F6E0000ULL, 0x0160},
  {0x5369676D61000000ULL, 0x03A3}, {0x54484F524E000000ULL, 0x00DE},
  {0x5461750000000000ULL, 0x03A4}, {0x5468657461000000ULL, 0x0398},
  {0x5561637574650000ULL, 0x00DA}, {0x5563697263000000ULL, 0x00DB},
  {0x5567726176650000ULL, 0x00D9}, {0x557073696C6F6E00ULL, 0x03A5},
  {0x55756D6C00000000ULL, 0x00DC}, {0x5869000000000000ULL, 0x039E},
  {0x5961637574650000ULL, 0x00DD}, {0x59756D6C00000000ULL, 0x0178},
  {0x5A65746100000000ULL, 0x0396}, {0x6161637574650000ULL, 0x00E1},
  {0x6163697263000000ULL, 0x00E2}, {0x6163757465000000ULL, 0x00B4},
  {0x61656C6967000000ULL, 0x00E6}, {0x6167726176650000ULL, 0x00E0},
  {0x616C656673796D00ULL, 0x2135}, {0x616C706861000000ULL, 0x03B1},
  {0x616D700000000000ULL, 0x0026}, {0x616E640000000000ULL, 0x2227},
  {0x616E670000000000ULL, 0x2220}, {0x6172696E67000000ULL, 0x00E5},
  {0x6173796D70000000ULL, 0x2248}, {0x6174696C64650000ULL, 0x00E3},
  {0x61756D6C00000000ULL, 0x00E4}, {0x626471756F000000ULL, 0x201E},
  {0x6265746100000000ULL, 0x03B2}, {0x6272766261720000ULL, 0x00A6},
  {0x62756C6C00000000ULL, 0x2022}, {0x6361700000000000ULL, 0x2229},
  {0x63636564696C0000ULL, 0x00E7}, {0x636564696C000000ULL, 0x00B8},
  {0x63656E7400000000ULL, 0x00A2}, {0x6368690000000000ULL, 0x03C7},
  {0x6369726300000000ULL, 0x02C6}, {0x636C756273000000ULL, 0x2663},
  {0x636F6E6700000000ULL, 0x2245}, {0x636F707900000000ULL, 0x00A9},
  {0x6372617272000000ULL, 0x21B5}, {0x6375700000000000ULL, 0x222A},
  {0x63757272656E0000ULL, 0x00A4}, {0x6441727200000000ULL, 0x21D3},
  {0x6461676765720000ULL, 0x2020}, {0x6461727200000000ULL, 0x2193},
  {0x6465670000000000ULL, 0x00B0}, {0x64656C7461000000ULL, 0x03B4},
  {0x6469616D73000000ULL, 0x2666}, {0x6469766964650000ULL, 0x00F7},
  {0x6561637574650000ULL, 0x00E9}, {0x6563697263000000ULL, 0x00EA},
  {0x6567726176650000ULL, 0x00E8}, {0x656D707479000000ULL, 0x2205},
  {0x656D737000000000ULL, 0x2003}, {0x656E737000000000ULL, 0x2002},
  {0x657073696C6F6E00ULL, 0x03B5}, {0x6571756976000000ULL, 0x2261},
  {0x6574610000000000ULL, 0x03B7}, {0x6574680000000000ULL, 0x00F0},
  {0x65756D6C00000000ULL, 0x00EB}, {0x6575726F00000000ULL, 0x20AC},
  {0x6578697374000000ULL, 0x2203}, {0x666E6F6600000000ULL, 0x0192},
  {0x666F72616C6C0000ULL, 0x2200}, {0x6672616331320000ULL, 0x00BD},
  {0x6672616331340000ULL, 0x00BC}, {0x6672616333340000ULL, 0x00BE},
  {0x667261736C000000ULL, 0x2044}, {0x67616D6D61000000ULL, 0x03B3},
  {0x6765000000000000ULL, 0x2265}, {0x6774000000000000ULL, 0x003E},
  {0x6841727200000000ULL, 0x21D4}, {0x6861727200000000ULL, 0x2194},
  {0x6865617274730000ULL, 0x2665}, {0x68656C6C69700000ULL, 0x2026},
  {0x6961637574650000ULL, 0x00ED}, {0x6963697263000000ULL, 0x00EE},
  {0x696578636C000000ULL, 0x00A1}, {0x6967726176650000ULL, 0x00EC},
  {0x696D616765000000ULL, 0x2111}, {0x696E66696E000000ULL, 0x221E},
  {0x696E740000000000ULL, 0x222B}, {0x696F746100000000ULL, 0x03B9},
  {0x6971756573740000ULL, 0x00BF}, {0x6973696E00000000ULL, 0x2208},
  {0x69756D6C00000000ULL, 0x00EF}, {0x6B61707061000000ULL, 0x03BA},
  {0x6C41727200000000ULL, 0x21D0}, {0x6C616D6264610000ULL, 0x03BB},
  {0x6C616E6700000000ULL, 0x2329}, {0x6C6171756F000000ULL, 0x00AB},
  {0x6C61727200000000ULL, 0x2190}, {0x6C6365696C000000ULL, 0x2308},
  {0x6C6471756F000000ULL, 0x201C}, {0x6C65000000000000ULL, 0x2264},
  {0x6C666C6F6F720000ULL, 0x230A}, {0x6C6F776173740000ULL, 0x2217},
  {0x6C6F7A0000000000ULL, 0x25CA}, {0x6C726D0000000000ULL, 0x200E},
  {0x6C736171756F0000ULL, 0x2039}, {0x6C7371756F000000ULL, 0x2018},
  {0x6C74000000000000ULL, 0x003C}, {0x6D61637200000000ULL, 0x00AF},
  {0x6D64617368000000ULL, 0x2014}, {0x6D6963726F000000ULL, 0x00B5},
  {0x6D6964646F740000ULL, 0x00B7}, {0x6D696E7573000000ULL, 0x2212},
  {0x6D75000000000000ULL, 0x03BC}, {0x6E61626C61000000ULL, 0x2207},
  {0x6E62737000000000ULL, 0x00A0}, {0x6E64617368000000ULL, 0x2013},
  {0x6E65000000000000ULL, 0x2260}, {0x6E69000000000000ULL, 0x220B},
  {0x6E6F740000000000ULL, 0x00AC}, {0x6E6F74696E000000ULL, 0x2209},
  {0x6E73756200000000ULL, 0x2284}, {0x6E74696C64650000ULL, 0x00F1},
  {0x6E75000000000000ULL, 0x03BD}, {0x6F61637574650000ULL, 0x00F3},
  {0x6F63697263000000ULL, 0x00F4}, {0x6F656C6967000000ULL, 0x0153},
  {0x6F67726176650000ULL, 0x00F2}, {0x6F6C696E65000000ULL, 0x203E},
  {0x6F6D656761000000ULL, 0x03C9}, {0x6F6D6963726F6E00ULL, 0x03BF},
  {0x6F706C7573000000ULL, 0x2295}, {0x6F72000000000000ULL, 0x2228},
  {0x6F72646600000000ULL, 0x00AA}, {0x6F72646D00000000ULL, 0x00BA},
  {0x6F736C6173680000ULL, 0x00F8}, {0x6F74696C64650000ULL, 0x00F5},
  {0x6F74696D65730000ULL, 0x2297}, {0x6F756D6C00000000ULL, 0x00F6},
  {0x7061726100000000ULL, 0x00B6}, {0x7061727400000000ULL, 0x2202},
  {0x7065726D696C0000ULL, 0x2030}, {0x7065727000000000ULL, 0x22A5},
  {0x7068690000000000ULL, 0x03C6}, {0x7069000000000000ULL, 0x03C0},
  {0x7069760000000000ULL, 0x03D6}, {0x706C75736D6E0000ULL, 0x00B1},
  {0x706F756E64000000ULL, 0x00A3}, {0x7072696D65000000ULL, 0x2032},
  {0x70726F6400000000ULL, 0x220F}, {0x70726F7000000000ULL, 0x221D},
  {0x7073690000000000ULL, 0x03C8}, {0x71756F7400000000ULL, 0x0022},
  {0x7241727200000000ULL, 0x21D2}, {0x7261646963000000ULL, 0x221A},
  {0x72616E6700000000ULL, 0x232A}, {0x726171756F000000ULL, 0x00BB},
  {0x7261727200000000ULL, 0x2192}, {0x726365696C000000ULL, 0x2309},
  {0x726471756F000000ULL, 0x201D}, {0x7265616C00000000ULL, 0x211C},
  {0x7265670000000000ULL, 0x00AE}, {0x72666C6F6F720000ULL, 0x230B},
  {0x72686F0000000000ULL, 0x03C1}, {0x726C6D0000000000ULL, 0x200F},
  {0x72736171756F0000ULL, 0x203A}, {0x727371756F000000ULL, 0x2019},
  {0x736271756F000000ULL, 0x201A}, {0x736361726F6E0000ULL, 0x0161},
  {0x73646F7400000000ULL, 0x22C5}, {0x7365637400000000ULL, 0x00A7},
  {0x7368790000000000ULL, 0x00AD}, {0x7369676D61000000ULL, 0x03C3},
  {0x7369676D61660000ULL, 0x03C2}, {0x73696D0000000000ULL, 0x223C},
  {0x7370616465730000ULL, 0x2660}, {0x7375620000000000ULL, 0x2282},
  {0x7375626500000000ULL, 0x2286}, {0x73756D0000000000ULL, 0x2211},
  {0x7375700000000000ULL, 0x2283}, {0x7375703100000000ULL, 0x00B9},
  {0x7375703200000000ULL, 0x00B2}, {0x7375703300000000ULL, 0x00B3},
  {0x7375706500000000ULL, 0x2287}, {0x737A6C6967000000ULL, 0x00DF},
  {0x7461750000000000ULL, 0x03C4}, {0x7468657265340000ULL, 0x2234},
  {0x7468657461000000ULL, 0x03B8}, {0x746865746173796DULL, 0x03D1},
  {0x7468696E73700000ULL, 0x2009}, {0x74686F726E000000ULL, 0x00FE},
  {0x74696C6465000000ULL, 0x02DC}, {0x74696D6573000000ULL, 0x00D7},
  {0x7472616465000000ULL, 0x2122}, {0x7541727200000000ULL, 0x21D1},
  {0x7561637574650000ULL, 0x00FA}, {0x7561727200000000ULL, 0x2191},
  {0x7563697263000000ULL, 0x00FB}, {0x7567726176650000ULL, 0x00F9},
  {0x756D6C0000000000ULL, 0x00A8}, {0x7570736968000000ULL, 0x03D2},
  {0x757073696C6F6E00ULL, 0x03C5}, {0x75756D6C00000000ULL, 0x00FC},
  {0x7765696572700000ULL, 0x2118}, {0x7869000000000000ULL, 0x03BE},
  {0x7961637574650000ULL, 0x00FD}, {0x79656E0000000000ULL, 0x00A5},
  {0x79756D6C00000000ULL, 0x00FF}, {0x7A65746100000000ULL, 0x03B6},
  {0x7A776A0000000000ULL, 0x200D}, {0x7A776E6A00000000ULL, 0x200C},
};

#define NENTITIES (sizeof entities / sizeof entities[0])
#define MAX_ENTITY_NAME 8 /* "thetasym" */
#define REPLACEMENT 0xFFFDu

/* A cursor over the input with every `<[^>]*>` match removed. `notags` is set once a `<`
 * without a later `>` was seen: from there on everything is text. */
typedef struct cursor {
  const unsigned char *s;
  size_t len, i;
  int notags;
} cursor;

/* The next byte of the tag-free text, or -1 at the end. */
static inline int cur_next(cursor *c) {
  for (;;) {
    if (c->i >= c->len)
      return -1;
    unsigned char ch = c->s[c->i];
    if (ch != '<' || c->notags) {
      c->i++;
      return ch;
    }
    const unsigned char *gt = memchr(c->s + c->i + 1, '>', c->len - c->i - 1);
    if (!gt) {
      c->notags = 1;
      c->i++;
      return '<';
    }
    c->i = (size_t)(gt - c->s) + 1;
  }
}

static long find_entity(uint64_t key) {
  size_t lo = 0, hi = NENTITIES;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (entities[mid].key < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < NENTITIES && entities[lo].key == key ? (long)entities[lo].cp : -1;
}

/* After a '&': reads a character reference up to its ';' and returns its code point, or -1
 * (the cursor is then wherever reading stopped; the caller restores it). */
static long read_reference(cursor *c) {
  int ch = cur_next(c);
  if (ch == '#') {
    int hex = 0, digits = 0;
    unsigned long v = 0;
    ch = cur_next(c);
    if (ch == 'x' || ch == 'X') {
      hex = 1;
      ch = cur_next(c);
    }
    for (;; ch = cur_next(c)) {
      int d;
      if (ch >= '0' && ch <= '9')
        d = ch - '0';
      else if (hex && ch >= 'a' && ch <= 'f')
        d = ch - 'a' + 10;
      else if (hex && ch >= 'A' && ch <= 'F')
        d = ch - 'A' + 10;
      else
        break;
      digits++;
      v = v * (hex ? 16u : 10u) + (unsigned long)d;
      if (v > 0x10FFFF)
        v = 0x110000; /* saturates: stays out of range however many digits follow */
    }
    if (!digits || ch != ';')
      return -1;
    if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
      return REPLACEMENT;
    return (long)v;
  }
  if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
    return -1;
  char name[MAX_ENTITY_NAME];
  size_t n = 0;
  while ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
    if (n == MAX_ENTITY_NAME)
      return -1; /* longer than any known name: stays as written */
    name[n++] = (char)ch;
    ch = cur_next(c);
  }
  if (ch != ';')
    return -1;
  uint64_t key = 0;
  for (size_t i = 0; i < MAX_ENTITY_NAME; i++)
    key = key << 8 | (i < n ? (unsigned char)name[i] : 0u);
  return find_entity(key);
}

/* Collects the output: counts code points and, with a buffer, appends UTF-8. */
typedef struct sink {
  souk_buf *out;
  size_t count;
  int started;  /* something other than whitespace was emitted */
  int pending;  /* whitespace seen since the last emitted character */
  int err;
} sink;

static inline int is_space(unsigned c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* The text is never longer than the HTML it comes from (plus one byte: a reference is at
 * least as long as its UTF-8, and a collapsed space replaces at least one byte), so
 * souk_html_text reserves that much once and bytes are stored without further checks. */
static inline void put_bytes(sink *k, const char *p, size_t n) {
  if (k->out) {
    memcpy(k->out->data + k->out->len, p, n);
    k->out->len += n;
  }
}

static inline void flush_space(sink *k) {
  if (k->pending) {
    k->pending = 0;
    k->count++;
    put_bytes(k, " ", 1);
  }
}

/* One byte of text as it stands in the input. */
static inline void emit_byte(sink *k, unsigned char b) {
  if (is_space(b)) {
    k->pending = k->started;
    return;
  }
  flush_space(k);
  k->started = 1;
  if ((b & 0xC0) != 0x80)
    k->count++;
  if (k->out) {
    char ch = (char)b;
    put_bytes(k, &ch, 1);
  }
}

/* One decoded code point. */
static void emit_cp(sink *k, unsigned long cp) {
  if (cp < 0x80) {
    emit_byte(k, (unsigned char)cp);
    return;
  }
  flush_space(k);
  k->started = 1;
  k->count++;
  if (k->out) {
    char u[4];
    size_t n;
    if (cp < 0x800) {
      u[0] = (char)(0xC0 | (cp >> 6));
      u[1] = (char)(0x80 | (cp & 0x3F));
      n = 2;
    } else if (cp < 0x10000) {
      u[0] = (char)(0xE0 | (cp >> 12));
      u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
      u[2] = (char)(0x80 | (cp & 0x3F));
      n = 3;
    } else {
      u[0] = (char)(0xF0 | (cp >> 18));
      u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
      u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
      u[3] = (char)(0x80 | (cp & 0x3F));
      n = 4;
    }
    put_bytes(k, u, n);
  }
}

/* Set bits of a 16-bit mask (no popcnt instruction in the x86-64 baseline). */
static inline unsigned pop16(unsigned x) {
  x = x - ((x >> 1) & 0x5555u);
  x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
  x = (x + (x >> 4)) & 0x0F0Fu;
  return (x + (x >> 8)) & 0x1Fu;
}

/* Counts text up to the next '<' or '&': the same result as emit_byte() on each byte, 16
 * bytes at a time where SSE2 is there (every x86-64), then byte by byte. */
static size_t count_run(const unsigned char *s, size_t i, size_t n, sink *k) {
  size_t count = k->count;
  unsigned pending = (unsigned)k->pending, started = (unsigned)k->started;
#if defined(__SSE2__)
  const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'), sp = _mm_set1_epi8(' '),
                tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), ff = _mm_set1_epi8('\f'),
                cr = _mm_set1_epi8('\r'), top2 = _mm_set1_epi8((char)0xC0),
                cont = _mm_set1_epi8((char)0x80);
  while (n - i >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
    unsigned special =
        (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, amp)));
    /* Only the bytes before the first '<' or '&' count here. */
    unsigned take = special ? (unsigned)__builtin_ctz(special) : 16u;
    unsigned valid = (1u << take) - 1u;
    __m128i w = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, tab)),
                             _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lf),
                                                       _mm_cmpeq_epi8(v, ff)),
                                          _mm_cmpeq_epi8(v, cr)));
    unsigned space = (unsigned)_mm_movemask_epi8(w) & valid;
    unsigned cbytes = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, top2), cont));
    unsigned text = ~space & valid;
    count += pop16(text & ~cbytes & 0xFFFFu);
    /* A space is counted before each character that follows whitespace (bit p: byte p-1 is
     * whitespace), except before the first character of all (trimmed). */
    unsigned after_space = text & (((space << 1) | pending) & 0xFFFFu);
    count += pop16(after_space);
    if (!started && (after_space & text & (0u - text)))
      count--;
    started |= text != 0;
    if (take)
      pending = started & (space >> (take - 1));
    i += take;
    if (special)
      break;
  }
#endif
  for (; i < n; i++) {
    unsigned b = s[i];
    if (b == '<' || b == '&')
      break;
    unsigned isp = (b == ' ') | ((b - 9u <= 4u) & (b != 11u)); /* TAB LF FF CR, not VT */
    count += (isp ^ 1u) & pending; /* the collapsed space before this character */
    pending = isp ? started : 0;
    started |= isp ^ 1u;
    count += (isp ^ 1u) & ((b & 0xC0u) != 0x80u);
  }
  k->count = count;
  k->pending = (int)pending;
  k->started = (int)started;
  return i;
}

static void run(const char *html, size_t len, sink *k) {
  cursor c = {(const unsigned char *)html, html ? len : 0, 0, 0};
  int ch;
  for (;;) {
    if (!k->out && !c.notags)
      c.i = count_run(c.s, c.i, c.len, k);
    if ((ch = cur_next(&c)) < 0)
      break;
    if (ch != '&') {
      emit_byte(k, (unsigned char)ch);
      continue;
    }
    cursor save = c;
    long cp = read_reference(&c);
    if (cp < 0) {
      c = save; /* not a reference: the '&' is text, reading goes on after it */
      emit_byte(k, '&');
    } else {
      emit_cp(k, (unsigned long)cp);
    }
  }
}

size_t souk_html_text_length(const char *html, size_t len) {
  sink k = {NULL, 0, 0, 0, 0};
  run(html, len, &k);
  return k.count;
}

int souk_html_text(const char *html, size_t len, souk_buf *out) {
  int rc = souk_buf_reserve(out, html ? len + 1 : 0);
  if (rc == SOUK_ETOOBIG) {
    /* Near its limit the buffer may still hold the (shorter) text: decode aside, then add it,
     * which either fits whole or leaves the buffer as it was. */
    souk_buf tmp;
    souk_buf_init(&tmp, len + 2);
    rc = souk_html_text(html, len, &tmp);
    if (!rc)
      rc = souk_buf_add(out, tmp.data ? tmp.data : "", tmp.len);
    souk_buf_free(&tmp);
    return rc;
  }
  if (rc)
    return rc;
  sink k = {out, 0, 0, 0, 0};
  run(html, len, &k);
  if (out->data)
    out->data[out->len] = '\0';
  return 0;
}
