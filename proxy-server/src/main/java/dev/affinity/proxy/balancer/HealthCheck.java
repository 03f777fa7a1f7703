package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * mod_proxy_hcheck's settings for one member: how it is checked, how often, and how many results
 * in a row change its state.
 *
 * @param method   TCP (connect only), OPTIONS, HEAD or GET
 * @param uri      appended to the member's URL for the HTTP methods ({@code hcuri})
 * @param interval time between checks ({@code hcinterval}, default 30 s)
 * @param passes   passing checks in a row that bring a failed member back ({@code hcpasses}, default 1)
 * @param fails    failing checks in a row that take it out ({@code hcfails}, default 1)
 * @param expr     the ProxyHCExpr that judges the response; empty: any 2xx or 3xx passes
 */
public record HealthCheck(Method method, String uri, Duration interval, int passes, int fails, Optional<String> expr) {

    /** {@code hcmethod}; NONE checks nothing (httpd's default); the *11 variants are what Affinity always sends. */
    public enum Method { NONE, TCP, OPTIONS, HEAD, GET }

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

    public HealthCheck {
        requireNonNull(method, "method");
        requireNonNull(uri, "uri");
        requireNonNull(interval, "interval");
        requireNonNull(expr, "expr");
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("hcinterval must be at least 1 second");
        }
        if (passes < 1 || fails < 1) {
            throw new IllegalArgumentException("hcpasses and hcfails must be 1 or more");
        }
    }

    static HealthCheck of(Method method) {
        return new HealthCheck(method, "", DEFAULT_INTERVAL, 1, 1, Optional.empty());
    }

    static Method method(String value) {
        String upper = value.toUpperCase(Locale.ROOT);
        String base = upper.endsWith("11") ? upper.substring(0, upper.length() - 2) : upper;
        try {
            return Method.valueOf(base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hcmethod='" + value + "' (expected: None, TCP, OPTIONS, HEAD or GET)");
        }
    }

    /** Applies one hc key to these settings. */
    HealthCheck with(String key, String value) {
        switch (key) {
            case "hcmethod":
                return new HealthCheck(method(value), uri, interval, passes, fails, expr);
            case "hcuri":
                if (!value.startsWith("/")) {
                    throw new IllegalArgumentException("hcuri='" + value + "' (expected: a path starting with /)");
                }
                return new HealthCheck(method, value, interval, passes, fails, expr);
            case "hcinterval":
                return new HealthCheck(method, uri, TimeValues.parsePositiveSeconds(key, value), passes, fails, expr);
            case "hcpasses":
                return new HealthCheck(method, uri, interval, count(key, value), fails, expr);
            case "hcfails":
                return new HealthCheck(method, uri, interval, passes, count(key, value), expr);
            case "hcexpr":
                return new HealthCheck(method, uri, interval, passes, fails, Optional.of(value));
            default:
                throw new IllegalArgumentException("unknown health check key '" + key + "'");
        }
    }

    private static int count(String key, String value) {
        if (!value.matches("[1-9][0-9]{0,3}")) {
            throw new IllegalArgumentException(key + "='" + value + "' (expected: a whole number, 1 or more)");
        }
        return Integer.parseInt(value);
    }
}
