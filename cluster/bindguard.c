/*
 * DECNET bind guard: an LD_PRELOAD shim for Ray's processes.
 *
 * Ray 2.60's GCS, raylet and agents listen on the wildcard address (0.0.0.0 / [::]) whatever
 * --node-ip-address says. Preloaded into them, this rewrites a wildcard bind() to the address
 * in DECNET_BIND_GUARD_ADDR (the node's loopback or management address; IPv6 wildcards become
 * the v4-mapped form of it), so no Ray port is ever reachable on a decoy interface. Binds to
 * a specific address are left alone. Without DECNET_BIND_GUARD_ADDR it changes nothing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    static bind_fn real_bind;
    if (!real_bind) real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
    const char *want = getenv("DECNET_BIND_GUARD_ADDR");
    struct in_addr v4;
    if (!addr || !want || inet_pton(AF_INET, want, &v4) != 1) return real_bind(fd, addr, len);
    if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;
        memcpy(&sin, addr, sizeof sin);
        if (sin.sin_addr.s_addr == htonl(INADDR_ANY)) {
            sin.sin_addr = v4;
            return real_bind(fd, (const struct sockaddr *)&sin, sizeof sin);
        }
    } else if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, addr, sizeof sin6);
        if (IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr)) {
            memset(&sin6.sin6_addr, 0, sizeof sin6.sin6_addr);
            sin6.sin6_addr.s6_addr[10] = 0xff;
            sin6.sin6_addr.s6_addr[11] = 0xff;
            memcpy(&sin6.sin6_addr.s6_addr[12], &v4, 4);
            return real_bind(fd, (const struct sockaddr *)&sin6, sizeof sin6);
        }
    }
    return real_bind(fd, addr, len);
}
