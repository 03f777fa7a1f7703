package dev.affinity.proxy.rewrite;

import static java.util.Objects.requireNonNull;

/**
 * The scheme, host and port a client used to reach the proxy, which rewritten URLs must carry so
 * that the client never bypasses the proxy.
 */
public record ClientOrigin(String scheme, String host, int port) {

    public ClientOrigin {
        requireNonNull(scheme, "scheme");
        requireNonNull(host, "host");
    }

    /** {@code scheme://host[:port]}, leaving out the scheme's default port as httpd's ap_construct_url does. */
    public String baseUrl() {
        boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return scheme + "://" + h + (defaultPort ? "" : ":" + port);
    }
}
