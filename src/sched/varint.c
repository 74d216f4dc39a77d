/*
 * varint: LEB128 and zigzag encoding for the schedule file (see varint.h).
 */
#include "sched/varint.h"

size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

size_t varint_put(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

uint64_t zigzag_encode(int64_t v) {
  /* Shift the magnitude left and fold the sign into bit 0; done on unsigned
   * values so that no signed overflow can occur. */
  uint64_t u = (uint64_t)v;
  return (u << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

int64_t zigzag_decode(uint64_t u) {
  uint64_t mag = u >> 1;
  uint64_t r = (u & 1) ? ~mag : mag;
  /* r is the two's complement bit pattern of the result; convert without
   * relying on implementation-defined unsigned-to-signed conversion. */
  if (r <= (uint64_t)INT64_MAX) {
    return (int64_t)r;
  }
  return -(int64_t)(~r) - 1;
}

size_t varint_put_signed(uint8_t *out, int64_t v) { return varint_put(out, zigzag_encode(v)); }

enum varint_status varint_get(const uint8_t *in, size_t len, uint64_t *v, size_t *used) {
  uint64_t value = 0;
  for (size_t i = 0; i < VARINT_MAX_LEN; i++) {
    if (i >= len) {
      return VARINT_SHORT;
    }
    uint8_t b = in[i];
    uint64_t group = b & 0x7f;
    /* The tenth byte holds bit 63 only. */
    if (i == VARINT_MAX_LEN - 1 && b > 1) {
      return VARINT_BAD;
    }
    value |= group << (7 * i);
    if (!(b & 0x80)) {
      if (i > 0 && b == 0) {
        return VARINT_BAD; /* overlong: a trailing zero group */
      }
      *v = value;
      *used = i + 1;
      return VARINT_OK;
    }
  }
  return VARINT_BAD;
}

enum varint_status varint_get_signed(const uint8_t *in, size_t len, int64_t *v, size_t *used) {
  uint64_t u;
  enum varint_status st = varint_get(in, len, &u, used);
  if (st == VARINT_OK) {
    *v = zigzag_decode(u);
  }
  return st;
}
