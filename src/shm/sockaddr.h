/*
 * sockaddr: a socket address as text, the same for the shim (the data of a
 * recorded bind or connect) and the scheduler (deadlock reports, pairing
 * the two ends of a connection).
 */
#ifndef DARA_SHM_SOCKADDR_H
#define DARA_SHM_SOCKADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Writes "127.0.0.1:7311", "[::1]:7311", "unix:/path" or "unix" (unnamed)
 * into buf[n], or "" for a family it does not know or a length too short.
 * Returns the port of an inet address, else 0. */
uint16_t sockaddr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t n);

#endif
