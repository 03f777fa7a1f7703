package dev.affinity.proxy.server;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The headers that belong to one connection and are never forwarded (RFC 9110 7.6.1), in either
 * direction: the fixed ones, the same set Jetty's ProxyHandler drops, and those a Connection header names.
 */
final class HopByHop {

    static final Set<HttpHeader> HEADERS = EnumSet.of(HttpHeader.CONNECTION, HttpHeader.KEEP_ALIVE,
            HttpHeader.PROXY_AUTHORIZATION, HttpHeader.PROXY_AUTHENTICATE, HttpHeader.PROXY_CONNECTION,
            HttpHeader.TRANSFER_ENCODING, HttpHeader.TE, HttpHeader.TRAILER, HttpHeader.UPGRADE);

    private HopByHop() {
    }

    /**
     * The lower-case names the Connection headers list beyond the fixed ones, or null when there are
     * none: {@code Connection: keep-alive} or {@code close}, on nearly every answer, adds nothing.
     */
    static Set<String> named(HttpFields headers) {
        Set<String> named = null;
        // By index: no iterator to allocate for a question every request and answer asks.
        int i = Fields.next(headers, HttpHeader.CONNECTION, 0);
        while (i >= 0) {
            named = collect(headers.getField(i).getValue(), named);
            i = Fields.next(headers, HttpHeader.CONNECTION, i + 1);
        }
        return named;
    }

    private static Set<String> collect(String value, Set<String> named) {
        if ("keep-alive".equalsIgnoreCase(value) || "close".equalsIgnoreCase(value)) {
            return named;
        }
        for (String name : value.split(",")) {
            String token = name.strip().toLowerCase(Locale.ROOT);
            HttpHeader known = HttpHeader.CACHE.get(token);
            // close names no header, and the fixed ones go anyway.
            if (token.isEmpty() || token.equals("close") || known != null && HEADERS.contains(known)) {
                continue;
            }
            if (named == null) {
                named = new HashSet<>();
            }
            named.add(token);
        }
        return named;
    }
}
