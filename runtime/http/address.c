/* SPDX-License-Identifier: MIT */
/* Which IP addresses a request marked public-only may connect to: not loopback, private,
 * shared, link-local (cloud metadata lives there), multicast, reserved or documentation
 * ranges, in IPv4 or IPv6 (including IPv4 mapped or translated into IPv6). */
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "http/http_int.h"

static bool ipv4_allowed(uint32_t a) {
  static const struct {
    uint32_t net;
    int bits;
  } denied[] = {
      {0x00000000, 8},  /* 0.0.0.0/8 "this network" */
      {0x0A000000, 8},  /* 10/8 private */
      {0x64400000, 10}, /* 100.64/10 shared (CGNAT) */
      {0x7F000000, 8},  /* 127/8 loopback */
      {0xA9FE0000, 16}, /* 169.254/16 link-local, cloud metadata */
      {0xAC100000, 12}, /* 172.16/12 private */
      {0xC0000000, 24}, /* 192.0.0/24 protocol assignments */
      {0xC0000200, 24}, /* 192.0.2/24 documentation */
      {0xC0A80000, 16}, /* 192.168/16 private */
      {0xC6120000, 15}, /* 198.18/15 benchmarking */
      {0xC6336400, 24}, /* 198.51.100/24 documentation */
      {0xCB007100, 24}, /* 203.0.113/24 documentation */
      {0xE0000000, 4},  /* 224/4 multicast */
      {0xF0000000, 4},  /* 240/4 reserved, broadcast */
  };
  for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
    uint32_t mask = denied[i].bits ? ~0u << (32 - denied[i].bits) : 0;
    if ((a & mask) == denied[i].net)
      return false;
  }
  return true;
}

static uint32_t v4_from(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool ipv6_allowed(const uint8_t *b) {
  static const uint8_t zero[16] = {0};
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
    return false;                               /* :: and ::1 */
  if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
    return ipv4_allowed(v4_from(b + 12));       /* ::ffff:a.b.c.d, 64:ff9b::a.b.c.d */
  if (memcmp(b, zero, 12) == 0)
    return false;                               /* deprecated IPv4-compatible ::a.b.c.d */
  if ((b[0] & 0xfe) == 0xfc)
    return false;                               /* fc00::/7 unique local (fd00:ec2::254) */
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    return false;                               /* fe80::/10 link-local */
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
    return false;                               /* fec0::/10 site-local (deprecated) */
  if (b[0] == 0xff)
    return false;                               /* ff00::/8 multicast */
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
    return false;                               /* 2001:db8::/32 documentation */
  if (b[0] == 0x20 && b[1] == 0x02)
    return ipv4_allowed(v4_from(b + 2));        /* 2002::/16 6to4 wraps an IPv4 address */
  return true;
}

bool souk__http_address_allowed(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    return ipv4_allowed(ntohl(in->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    return ipv6_allowed(in6->sin6_addr.s6_addr);
  }
  return false;
}
