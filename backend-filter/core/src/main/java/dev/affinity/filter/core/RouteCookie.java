package dev.affinity.filter.core;

import java.util.Enumeration;

/**
 * Thread-safe (immutable). The cookie contract with the proxy: {@code BALANCEID=balancer.node1},
 * whose route is the text after the first dot, issued only to clients not yet pinned to this node.
 *
 * <p>Both Set-Cookie values are built once; a request costs a scan of its Cookie headers and, when
 * it needs the cookie, one header. A header, not a servlet Cookie, because the servlet API cannot
 * say SameSite on every container this runs on.
 */
public final class RouteCookie {

    private final String name;
    private final String route;
    private final String header;
    private final String secureHeader;

    public RouteCookie(FilterSettings settings) {
        this.name = settings.cookieName();
        this.route = settings.route().orElseThrow(() -> new IllegalArgumentException("no route"));
        StringBuilder h = new StringBuilder(name).append('=').append(settings.prefix()).append('.').append(route)
                .append("; Path=").append(settings.path());
        settings.maxAge().ifPresent(seconds -> h.append("; Max-Age=").append(seconds));
        h.append("; HttpOnly; SameSite=Lax");
        this.header = h.toString();
        this.secureHeader = header + "; Secure";
    }

    /** The Set-Cookie value, with {@code Secure} when the client came over https. */
    public String setCookie(boolean secure) {
        return secure ? secureHeader : header;
    }

    /**
     * Whether the request's first cookie of that name already names this node's route. A client with
     * no such cookie, or one pinned to another node (it failed over here), needs the cookie.
     */
    public boolean pinnedHere(Enumeration<String> cookieHeaders) {
        if (cookieHeaders == null) {
            return false;
        }
        while (cookieHeaders.hasMoreElements()) {
            String header = cookieHeaders.nextElement();
            int found = valueStart(header);
            if (found >= 0) {
                return routeIsOurs(header, found);
            }
        }
        return false;
    }

    /** Where the value of our cookie starts in {@code a=1; BALANCEID=...}, or -1; no allocation. */
    private int valueStart(String header) {
        int i = 0;
        int n = header.length();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == '\t')) {
                i++;
            }
            if (header.startsWith(name, i)) {
                int j = i + name.length();
                while (j < n && header.charAt(j) == ' ') {
                    j++;
                }
                if (j < n && header.charAt(j) == '=') {
                    return j + 1;
                }
            }
            while (i < n && header.charAt(i) != ';' && header.charAt(i) != ',') {
                i++;
            }
            i++;
        }
        return -1;
    }

    /** The route is what follows the first dot, up to the end of the value. */
    private boolean routeIsOurs(String header, int valueStart) {
        int end = valueStart;
        while (end < header.length() && header.charAt(end) != ';' && header.charAt(end) != ',') {
            end++;
        }
        while (end > valueStart && header.charAt(end - 1) == ' ') {
            end--;
        }
        // A quoted value means the same route, as the proxy reads it: "balancer.node1".
        if (end - valueStart >= 2 && header.charAt(valueStart) == '"' && header.charAt(end - 1) == '"') {
            valueStart++;
            end--;
        }
        int dot = header.indexOf('.', valueStart);
        if (dot < 0 || dot >= end) {
            return false;
        }
        return end - (dot + 1) == route.length() && header.startsWith(route, dot + 1);
    }
}
