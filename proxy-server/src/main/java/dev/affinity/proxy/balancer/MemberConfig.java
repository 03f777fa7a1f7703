package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One BalancerMember as configured: {@code BalancerMember http://127.0.0.1:9001 route=node1 loadfactor=2}.
 *
 * @param url               the member's base URL, {@code http://host:port[/path]}
 * @param route             the sticky route this member answers to; empty for none
 * @param loadFactor        its weight in byrequests, 1 to 100 with up to two decimals
 * @param status            the status flags it starts with
 * @param retry             how long it stays in error before it is tried again
 * @param timeout           how long to wait for backend data; empty means ProxyTimeout
 * @param connectionTimeout how long to wait for a connection; empty means the timeout
 * @param ttl               how long a connection to it may stay idle in the pool; empty means 15 s
 * @param reuse             whether its connections are kept for later requests (httpd's disablereuse=Off)
 * @param lbset             its tier: members of lbset 0 are used before those of 1, and so on (0 to 99)
 * @param healthCheck       its active health check (mod_proxy_hcheck's keys); empty for none
 */
public record MemberConfig(URI url, String route, double loadFactor, Set<MemberStatus> status, Duration retry,
                           Optional<Duration> timeout, Optional<Duration> connectionTimeout, Optional<Duration> ttl,
                           boolean reuse, int lbset, Optional<HealthCheck> healthCheck) {

    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(60);
    private static final String LOADFACTOR_RANGE = "a number from 1 to 100, at most two decimals, e.g. 1 or 1.5";

    public MemberConfig {
        requireNonNull(url, "url");
        requireNonNull(route, "route");
        status = status.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(status));
        requireNonNull(retry, "retry");
        requireNonNull(timeout, "timeout");
        requireNonNull(connectionTimeout, "connectionTimeout");
        requireNonNull(ttl, "ttl");
        requireNonNull(healthCheck, "healthCheck");
        checkUrl(url);
        if (!(loadFactor >= 1 && loadFactor <= 100)) {
            throw new IllegalArgumentException("loadfactor=" + loadFactor + " (expected: " + LOADFACTOR_RANGE + ")");
        }
        if (timeout.filter(t -> t.isZero() || t.isNegative()).isPresent()
                || connectionTimeout.filter(t -> t.isZero() || t.isNegative()).isPresent()) {
            throw new IllegalArgumentException("timeout and connectiontimeout must be more than 0 (expected e.g. timeout=5 or timeout=500ms)");
        }
        if (ttl.filter(t -> t.compareTo(Duration.ofSeconds(1)) < 0).isPresent()) {
            throw new IllegalArgumentException("ttl must be at least 1 second (expected e.g. ttl=15)");
        }
        if (lbset < 0 || lbset > 99) {
            throw new IllegalArgumentException("lbset=" + lbset + " (expected: a whole number from 0 to 99)");
        }
        if (!route.isEmpty() && !route.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("route '" + route + "' (expected: printable ASCII without spaces)");
        }
    }

    /** A member with httpd's defaults (no route, loadfactor 1, retry 60 s) and Affinity's 15 s ttl. */
    public static MemberConfig of(String url) {
        return new MemberConfig(parseUrl(url), "", 1, Set.of(), DEFAULT_RETRY, Optional.empty(), Optional.empty(),
                Optional.empty(), true, 0, Optional.empty());
    }

    public MemberConfig withRoute(String newRoute) {
        return new MemberConfig(url, newRoute, loadFactor, status, retry, timeout, connectionTimeout, ttl, reuse, lbset, healthCheck);
    }

    public MemberConfig withLoadFactor(double newLoadFactor) {
        return new MemberConfig(url, route, newLoadFactor, status, retry, timeout, connectionTimeout, ttl, reuse, lbset, healthCheck);
    }

    public MemberConfig withStatus(Set<MemberStatus> newStatus) {
        return new MemberConfig(url, route, loadFactor, newStatus, retry, timeout, connectionTimeout, ttl, reuse, lbset, healthCheck);
    }

    public MemberConfig withRetry(Duration newRetry) {
        return new MemberConfig(url, route, loadFactor, status, newRetry, timeout, connectionTimeout, ttl, reuse, lbset, healthCheck);
    }

    public MemberConfig withTimeout(Duration newTimeout) {
        return new MemberConfig(url, route, loadFactor, status, retry, Optional.of(newTimeout), connectionTimeout, ttl, reuse, lbset, healthCheck);
    }

    public MemberConfig withTtl(Duration newTtl) {
        return new MemberConfig(url, route, loadFactor, status, retry, timeout, connectionTimeout, Optional.of(newTtl), reuse, lbset, healthCheck);
    }

    public MemberConfig withReuse(boolean newReuse) {
        return new MemberConfig(url, route, loadFactor, status, retry, timeout, connectionTimeout, ttl, newReuse, lbset, healthCheck);
    }

    public MemberConfig withConnectionTimeout(Duration newTimeout) {
        return new MemberConfig(url, route, loadFactor, status, retry, timeout, Optional.of(newTimeout), ttl, reuse, lbset, healthCheck);
    }

    /**
     * Applies one httpd worker key, e.g. {@code ("loadfactor", "2")}.
     *
     * @throws IllegalArgumentException for an unknown key or a bad value, naming what was expected
     */
    public MemberConfig with(String key, String value) {
        switch (key.toLowerCase(Locale.ROOT)) {
            case "route":
                return withRoute(value);
            case "loadfactor":
                return withLoadFactor(parseLoadFactor(value));
            case "status":
                return withStatus(MemberStatus.parse(value));
            case "retry":
                return withRetry(TimeValues.parseSeconds("retry", value));
            case "timeout":
                return withTimeout(TimeValues.parsePositiveSeconds("timeout", value));
            case "connectiontimeout":
                return withConnectionTimeout(TimeValues.parse("connectiontimeout", value));
            case "ttl":
                return withTtl(TimeValues.parsePositiveSeconds("ttl", value));
            case "disablereuse":
                return withReuse(!BalancerConfig.parseOnOff("disablereuse", value));
            case "enablereuse":
                return withReuse(BalancerConfig.parseOnOff("enablereuse", value));
            case "lbset":
                if (!value.matches("[0-9]{1,2}")) {
                    throw new IllegalArgumentException("lbset='" + value + "' (expected: a whole number from 0 to 99)");
                }
                return new MemberConfig(url, route, loadFactor, status, retry, timeout, connectionTimeout, ttl, reuse,
                        Integer.parseInt(value), healthCheck);
            case "hcmethod":
            case "hcuri":
            case "hcinterval":
            case "hcpasses":
            case "hcfails":
            case "hcexpr":
                return new MemberConfig(url, route, loadFactor, status, retry, timeout, connectionTimeout, ttl, reuse, lbset,
                        Optional.of(healthCheck.orElse(HealthCheck.of(HealthCheck.Method.NONE))
                                .with(key.toLowerCase(Locale.ROOT), value)));
            default:
                throw new IllegalArgumentException(WorkerKeys.unknown(key));
        }
    }

    /** httpd's reading: up to two decimals count ({@code 1.559} is {@code 1.55}), stored as hundredths. */
    private static double parseLoadFactor(String value) {
        if (!value.matches("[0-9]{1,3}(\\.[0-9]+)?")) {
            throw new IllegalArgumentException("loadfactor='" + value + "' (expected: " + LOADFACTOR_RANGE + ")");
        }
        int dot = value.indexOf('.');
        String hundredths = dot < 0 ? value + "00" : value.substring(0, dot) + (value.substring(dot + 1) + "00").substring(0, 2);
        int lbfactor = Integer.parseInt(hundredths);
        if (lbfactor < 100 || lbfactor > 10_000) {
            throw new IllegalArgumentException("loadfactor=" + value + " (expected: " + LOADFACTOR_RANGE + ")");
        }
        return lbfactor / 100.0;
    }

    /** The loadfactor in hundredths, the integer httpd's byrequests adds up: 1.5 is 150. */
    public int lbfactor() {
        return (int) Math.round(loadFactor * 100);
    }

    /** The scheme://host:port part, which identifies the backend connection pool. */
    public String origin() {
        return url.getScheme() + "://" + url.getHost() + ":" + port();
    }

    public int port() {
        return url.getPort() != -1 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    }

    /** The path the member's URL carries, without a trailing slash: {@code ""} for {@code http://h:1/}. */
    public String basePath() {
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    public boolean has(MemberStatus flag) {
        return status.contains(flag);
    }

    public static URI parseUrl(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("member URL '" + url + "' is not a URL (expected: http://host:port[/path])");
        }
        checkUrl(uri);
        return uri;
    }

    private static void checkUrl(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("member URL '" + uri
                    + "' has scheme '" + scheme + "' (expected: http:// or https://)");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("member URL '" + uri + "' has no host (expected: http://host:port[/path])");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("member URL '" + uri + "' has port " + uri.getPort()
                    + " (expected: a port from 1 to 65535)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("member URL '" + uri + "' has a query or fragment (expected: http://host:port[/path])");
        }
    }
}
