/*
 * crc32c: the CRC-32C (Castagnoli) checksum, reflected, as in iSCSI and
 * ext4: the checksum at the end of a schedule file (docs/schedule-format.md).
 * CRC-32C("123456789") is 0xe3069283.
 */
#ifndef DARA_SCHED_CRC32C_H
#define DARA_SCHED_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc32c(0, p, n) is the checksum of p[0..n); crc32c(crc32c(0, a, n), b, m)
 * is the checksum of a followed by b. */
uint32_t crc32c(uint32_t crc, const uint8_t *p, size_t n);

#endif
