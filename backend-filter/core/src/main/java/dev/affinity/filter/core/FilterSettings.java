package dev.affinity.filter.core;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the filter does on this node: the route it pins clients to, and the cookie it writes.
 *
 * @param route       this node's route; empty when none is configured (then no cookie is issued)
 * @param routeSource where the route was found, for the startup log
 * @param cookieName  the cookie's name, {@code BALANCEID} by default
 * @param prefix      the text before the dot in the value, {@code balancer} by default
 * @param path        the cookie's Path, {@code /} by default
 * @param maxAge      the cookie's Max-Age in seconds; empty for a session cookie (the default)
 * @param when        issue the cookie on every request that needs one, or only with an HttpSession
 */
public record FilterSettings(Optional<String> route, String routeSource, String cookieName, String prefix,
                             String path, OptionalInt maxAge, When when) {

    /** When the cookie is issued ({@code balancer.cookie.when}). */
    public enum When {
        /** Whenever the client is not pinned to this node yet (the default). */
        ALWAYS,
        /** Only for requests that have or create an HttpSession. */
        SESSION
    }

    /** Characters that would break the proxy's reading of {@code prefix.route}, or the cookie itself. */
    private static final String FORBIDDEN = ".;,= \t\"\\";

    public FilterSettings {
        requireNonNull(route, "route");
        requireNonNull(routeSource, "routeSource");
        requireNonNull(maxAge, "maxAge");
        requireNonNull(when, "when");
        // the route's own source, so that a bad BALANCER_ROUTE or jvmRoute is not blamed on balancer.route
        route.ifPresent(r -> check("route", r, routeSource,
                "the proxy takes the route as the text after the first dot, e.g. node1"));
        check("cookie name", cookieName, Setting.COOKIE_NAME.key(), "a cookie name such as BALANCEID");
        check("cookie prefix", prefix, Setting.COOKIE_PREFIX.key(), "the text before the dot, e.g. balancer");
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c < 0x21 || c == ';' || c == 0x7f)) {
            throw new IllegalArgumentException("Affinity balancer filter: " + Setting.COOKIE_PATH.key() + " '" + path
                    + "' (expected: a path starting with /)");
        }
    }

    private static void check(String what, String value, String source, String expected) {
        boolean bad = value.isEmpty() || value.chars().anyMatch(c -> c < 0x21 || c >= 0x7f || FORBIDDEN.indexOf(c) >= 0);
        if (bad) {
            throw new IllegalArgumentException("Affinity balancer filter: " + what + " '" + value + "' from "
                    + source + " contains a dot, white space, ';', ',', '=' or a quote (expected: " + expected + ")");
        }
    }

    /**
     * Reads the settings from their sources.
     *
     * @throws IllegalArgumentException naming the bad setting and what was expected
     */
    public static FilterSettings read(SettingSources sources) {
        Optional<SettingSources.Found> route = sources.find(Setting.ROUTE);
        String name = value(sources, Setting.COOKIE_NAME, "BALANCEID");
        String prefix = value(sources, Setting.COOKIE_PREFIX, "balancer");
        String path = value(sources, Setting.COOKIE_PATH, "/");
        OptionalInt maxAge = sources.find(Setting.COOKIE_MAX_AGE).map(f -> OptionalInt.of(maxAge(f.value())))
                .orElse(OptionalInt.empty());
        When when = sources.find(Setting.COOKIE_WHEN).map(f -> when(f.value())).orElse(When.ALWAYS);
        return new FilterSettings(route.map(SettingSources.Found::value), route.map(SettingSources.Found::source)
                .orElse("nowhere"), name, prefix, path, maxAge, when);
    }

    private static String value(SettingSources sources, Setting setting, String fallback) {
        return sources.find(setting).map(SettingSources.Found::value).orElse(fallback);
    }

    private static int maxAge(String value) {
        try {
            int seconds = Integer.parseInt(value);
            // Max-Age=0 tells the browser to drop the cookie at once: no client would ever be pinned.
            if (seconds > 0) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("Affinity balancer filter: " + Setting.COOKIE_MAX_AGE.key() + " '" + value
                + "' (expected: seconds, 1 or more; leave it unset for a session cookie)");
    }

    private static When when(String value) {
        try {
            return When.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Affinity balancer filter: " + Setting.COOKIE_WHEN.key() + " '" + value
                    + "' (expected: always or session)");
        }
    }

    /** The one WARN line a node without a route logs: it keeps serving, without stickiness. */
    public static String missingRouteWarning() {
        return "Affinity balancer filter: this node has no route, so it issues no BALANCEID cookie and its clients "
                + "are not sticky. Set one of: init-param " + Setting.ROUTE.key() + " (filter or context), system property -D"
                + Setting.ROUTE.key() + "=node1, environment variable " + Setting.ROUTE.environmentVariable()
                + "=node1, or Tomcat's <Engine jvmRoute=\"node1\">";
    }
}
