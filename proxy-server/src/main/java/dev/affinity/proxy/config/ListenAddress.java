package dev.affinity.proxy.config;

import static java.util.Objects.requireNonNull;

/**
 * A {@code Listen} address. An empty host binds every interface, as {@code Listen 80} does in httpd;
 * port 0 picks a free port.
 */
public record ListenAddress(String host, int port) {

    public ListenAddress {
        requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected: 0 to 65535)");
        }
    }

    /** Reads httpd's {@code Listen} forms: {@code 8080}, {@code *:8080}, {@code 127.0.0.1:8080}, {@code [::1]:8080}. */
    public static ListenAddress parse(String value) {
        String host = "";
        String port = value;
        int colon = value.lastIndexOf(':');
        if (colon >= 0) {
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.equals("*")) {
                host = "";
            } else if (host.isEmpty() || host.indexOf(':') >= 0) {
                throw bad(value);
            }
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
            throw bad(value);
        }
        return new ListenAddress(host, Integer.parseInt(port));
    }

    private static IllegalArgumentException bad(String value) {
        return new IllegalArgumentException("listen address '" + value
                + "' (expected: PORT, HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8080)");
    }

    @Override
    public String toString() {
        String h = host.isEmpty() ? "*" : host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return h + ":" + port;
    }
}
