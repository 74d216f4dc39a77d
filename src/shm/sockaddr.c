/*
 * sockaddr.c: socket addresses as text. See sockaddr.h.
 */
#include "shm/sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

uint16_t sockaddr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t n) {
  char host[INET6_ADDRSTRLEN] = "";
  buf[0] = '\0';
  if (!sa || len < sizeof(sa_family_t))
    return 0;
  if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    snprintf(buf, n, "%s:%u", host, ntohs(in->sin_port));
    return ntohs(in->sin_port);
  }
  if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    snprintf(buf, n, "[%s]:%u", host, ntohs(in6->sin6_port));
    return ntohs(in6->sin6_port);
  }
  if (sa->sa_family == AF_UNIX) {
    const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
    size_t max = len - offsetof(struct sockaddr_un, sun_path);
    if (max == 0 || un->sun_path[0] == '\0')
      snprintf(buf, n, "unix");
    else
      snprintf(buf, n, "unix:%.*s", (int)strnlen(un->sun_path, max), un->sun_path);
  }
  return 0;
}
