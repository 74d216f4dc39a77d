/*
 * varint: the variable-length integers of the schedule file.
 *
 * Unsigned values are LEB128: seven bits per byte, least significant group
 * first, the top bit of each byte set when another byte follows. A 64-bit
 * value takes 1 to 10 bytes; small values (< 128), which is what most fields
 * of a schedule hold, take one.
 *
 * Signed values are zigzag-mapped first (0, -1, 1, -2, 2, ... become
 * 0, 1, 2, 3, 4, ...) so that small negative numbers stay short.
 *
 * Decoding is strict because its input is a file anyone can edit: it never
 * reads past the given length, and refuses encodings longer than 10 bytes,
 * values that do not fit 64 bits, and overlong forms (a final byte of zero
 * after the first), so that every value has exactly one encoding.
 */
#ifndef DARA_SCHED_VARINT_H
#define DARA_SCHED_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX_LEN 10

enum varint_status {
  VARINT_OK = 0,
  VARINT_SHORT = 1, /* the input ended inside the number */
  VARINT_BAD = 2,   /* too long, overflows 64 bits, or overlong */
};

/* Bytes needed to encode v (1..VARINT_MAX_LEN). */
size_t varint_len(uint64_t v);

/* Encodes v into out, which must have room for VARINT_MAX_LEN bytes, and
 * returns the number of bytes written. */
size_t varint_put(uint8_t *out, uint64_t v);
size_t varint_put_signed(uint8_t *out, int64_t v);

/* Decodes one number from in[0..len). On VARINT_OK stores the value in *v and
 * the bytes consumed in *used; otherwise leaves both untouched. */
enum varint_status varint_get(const uint8_t *in, size_t len, uint64_t *v, size_t *used);
enum varint_status varint_get_signed(const uint8_t *in, size_t len, int64_t *v, size_t *used);

uint64_t zigzag_encode(int64_t v);
int64_t zigzag_decode(uint64_t u);

#endif
