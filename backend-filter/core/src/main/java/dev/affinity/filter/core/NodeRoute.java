package dev.affinity.filter.core;

import java.util.Enumeration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Thread-safe (immutable). Everything the servlet adapters decide, so that each of them only
 * translates between its servlet API and this: the settings read at startup, and per request
 * whether to send the cookie and which one.
 */
public final class NodeRoute {

    /** The name the filter registers under, so that a second registration can be recognised. */
    public static final String FILTER_NAME = "affinity-balancer-route";

    /**
     * The request header the Affinity proxy adds when it forwards to a draining member ({@code +N});
     * the proxy removes any copy a client sends. Part of the contract in docs/stickiness.md.
     */
    public static final String DRAIN_HEADER = "X-Affinity-Drain";

    /** The ServletContext attribute where the filter publishes the route it resolved, for the application to show. */
    public static final String ROUTE_ATTRIBUTE = "dev.affinity.filter.route";

    private static final System.Logger LOG = System.getLogger(NodeRoute.class.getName());

    private final FilterSettings settings;
    private final RouteCookie cookie;

    private NodeRoute(FilterSettings settings) {
        this.settings = settings;
        this.cookie = settings.route().map(r -> new RouteCookie(settings)).orElse(null);
    }

    /**
     * Reads the settings for one web application and logs what it will do: one INFO line naming the
     * route and where it came from, or one WARN line naming the four ways to set it.
     *
     * @param initParams    the filter's init-params, by name
     * @param contextParams the web application's context init-params, by name
     * @param app        the web application, for the log line
     * @throws IllegalArgumentException for a bad setting, with the message to show
     */
    public static NodeRoute start(Function<String, Optional<String>> initParams,
            Function<String, Optional<String>> contextParams, String app) {
        FilterSettings settings;
        try {
            settings = FilterSettings.read(SettingSources.of(initParams, contextParams));
        } catch (IllegalArgumentException e) {
            // Also here, not only in the exception: Tomcat puts a failed filter's reason in a log few people read.
            LOG.log(System.Logger.Level.ERROR, "{0}: {1}", app, e.getMessage());
            throw e;
        }
        if (settings.route().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1}", app, FilterSettings.missingRouteWarning());
        } else {
            LOG.log(System.Logger.Level.INFO, "{0}: Affinity balancer filter issues {1}={2}.{3} (route from {4})", app,
                    settings.cookieName(), settings.prefix(), settings.route().get(), settings.routeSource());
        }
        return new NodeRoute(settings);
    }

    public FilterSettings settings() {
        return settings;
    }

    /**
     * The Set-Cookie value this request needs, or null when none: no route configured, or the
     * client is already pinned here.
     *
     * @param cookieHeaders  the request's Cookie headers
     * @param secure         whether the request came over TLS to this container
     * @param forwardedProto the X-Forwarded-Proto header, or null
     */
    public String setCookieFor(Enumeration<String> cookieHeaders, boolean secure, String forwardedProto) {
        if (cookie == null || cookie.pinnedHere(cookieHeaders)) {
            return null;
        }
        return cookie.setCookie(secure || "https".equalsIgnoreCase(forwardedProto));
    }

    /**
     * The drain handshake, as Tomcat's LoadBalancerDrainingValve does it for mod_jk: on a draining
     * node, a request without a valid session is sent back to be placed elsewhere, while existing
     * sessions keep being served. Not when the route is in the URL, which the redirect would repeat.
     *
     * @param drainHeader    the {@link #DRAIN_HEADER} value, or null
     * @param validSession   whether the request brings a valid session; asked only on a draining
     *                       node, since it costs a session-manager lookup
     * @param requestUri     the request's path, to see whether it names the route itself
     */
    public boolean mustLeave(String drainHeader, BooleanSupplier validSession, String requestUri) {
        return "on".equalsIgnoreCase(drainHeader) && !requestUri.contains(settings.cookieName() + "=")
                && !validSession.getAsBoolean();
    }

    /** The Set-Cookie value that removes the route cookie, so the proxy balances the client afresh. */
    public String clearCookie(boolean secure, String forwardedProto) {
        return settings.cookieName() + "=; Path=" + settings.path() + "; Max-Age=0; HttpOnly; SameSite=Lax"
                + (secure || "https".equalsIgnoreCase(forwardedProto) ? "; Secure" : "");
    }

    /** Whether the cookie waits for an HttpSession ({@code balancer.cookie.when=session}). */
    public boolean onlyWithSession() {
        return settings.when() == FilterSettings.When.SESSION;
    }
}
