package dev.affinity.proxy.config;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/** Reading the URL a ProxyPass maps to: {@code balancer://NAME/path} or {@code http://host:port/path}. */
public final class Targets {

    private static final String BALANCER = "balancer://";

    private Targets() {
    }

    /** The balancer name of a {@code balancer://NAME/...} URL. */
    public static Optional<String> balancerName(String url) {
        if (!url.regionMatches(true, 0, BALANCER, 0, BALANCER.length())) {
            return Optional.empty();
        }
        int end = BALANCER.length();
        while (end < url.length() && "/?$".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        // Lowercase, as BalancerConfig stores it: httpd's balancer names are case-insensitive.
        return Optional.of(url.substring(BALANCER.length(), end).toLowerCase(Locale.ROOT));
    }

    /** What follows {@code balancer://NAME}: {@code /cart?x=1}, or empty. */
    public static String pathAfterBalancer(String url) {
        int end = BALANCER.length() + balancerName(url).orElseThrow().length();
        return url.substring(end);
    }

    /**
     * The {@code scheme://host:port} of a plain backend URL. Substitutions ({@code $1}) may appear in
     * the path, never in the origin.
     *
     * @throws IllegalArgumentException when it is not an http(s) URL with a fixed host
     */
    public static String origin(String url) {
        int sep = url.indexOf("://");
        String scheme = sep < 0 ? "" : url.substring(0, sep).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("ProxyPass URL '" + url
                    + "' (expected: balancer://NAME/path, http://host:port/path or https://host:port/path)");
        }
        int end = sep + 3;
        while (end < url.length() && "/?$".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        String authority = url.substring(sep + 3, end);
        if (authority.isEmpty() || authority.indexOf('$') >= 0 || authority.indexOf('@') >= 0) {
            throw new IllegalArgumentException("ProxyPass URL '" + url
                    + "' (expected: a fixed host and port; substitutions may only appear in the path)");
        }
        URI uri = URI.create(scheme + "://" + authority);
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("ProxyPass URL '" + url + "' has no host (expected: http://host:port/path)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("ProxyPass URL '" + url + "' has port " + port
                    + " (expected: a port from 1 to 65535)");
        }
        return scheme + "://" + uri.getHost() + ":" + port;
    }

    /**
     * How many leading characters of a target name its backend: {@code balancer://NAME} or
     * {@code scheme://host:port}. Substitutions never reach them, so a mapped URL shares the prefix.
     */
    public static int backendPrefixLength(String url) {
        Optional<String> name = balancerName(url);
        if (name.isPresent()) {
            return BALANCER.length() + name.get().length();
        }
        return url.length() - pathAfterOrigin(url).length();
    }

    /** What follows the origin of a plain URL: {@code /path?q}, or empty. */
    public static String pathAfterOrigin(String url) {
        int sep = url.indexOf("://");
        int end = sep + 3;
        while (end < url.length() && "/?$".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        return url.substring(end);
    }
}
