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

    /** The lower-case names the Connection headers list, or null when there are none. */
    static Set<String> named(HttpFields headers) {
        // The usual case, checked without building the list of values.
        if (!headers.contains(HttpHeader.CONNECTION)) {
            return null;
        }
        Set<String> named = null;
        for (String value : headers.getValuesList(HttpHeader.CONNECTION)) {
            for (String name : value.split(",")) {
                String token = name.strip().toLowerCase(Locale.ROOT);
                if (token.isEmpty()) {
                    continue;
                }
                if (named == null) {
                    named = new HashSet<>();
                }
                named.add(token);
            }
        }
        return named;
    }
}
