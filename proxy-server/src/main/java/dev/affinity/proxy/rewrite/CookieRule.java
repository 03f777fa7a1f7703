package dev.affinity.proxy.rewrite;

import static java.util.Objects.requireNonNull;

/**
 * One {@code ProxyPassReverseCookieDomain BACKEND CLIENT} or {@code ProxyPassReverseCookiePath BACKEND CLIENT}.
 *
 * @param backend the domain or path prefix the backend writes
 * @param client  what the client gets instead
 */
public record CookieRule(String backend, String client) {

    public CookieRule {
        requireNonNull(backend, "backend");
        requireNonNull(client, "client");
        if (backend.isEmpty()) {
            throw new IllegalArgumentException("cookie rule has an empty backend value");
        }
    }
}
