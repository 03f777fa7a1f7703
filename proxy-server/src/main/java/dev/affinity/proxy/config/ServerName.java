package dev.affinity.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * httpd's {@code ServerName [scheme://]host[:port]}: the proxy's own name, sent as X-Forwarded-Server
 * and used for rewritten URLs when the client's Host header does not say.
 */
public record ServerName(Optional<String> scheme, String host, OptionalInt port) {

    public ServerName {
        requireNonNull(scheme, "scheme");
        requireNonNull(host, "host");
        requireNonNull(port, "port");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("ServerName has no host (expected: [scheme://]host[:port])");
        }
    }

    public static ServerName parse(String value) {
        Optional<String> scheme = Optional.empty();
        String rest = value;
        int sep = value.indexOf("://");
        if (sep >= 0) {
            scheme = Optional.of(value.substring(0, sep).toLowerCase(java.util.Locale.ROOT));
            rest = value.substring(sep + 3);
        }
        int colon = rest.lastIndexOf(':');
        if (colon >= 0 && rest.indexOf(']', colon) < 0) {
            String port = rest.substring(colon + 1);
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("ServerName '" + value + "' has a bad port (expected: [scheme://]host[:port])");
            }
            return new ServerName(scheme, rest.substring(0, colon), OptionalInt.of(Integer.parseInt(port)));
        }
        return new ServerName(scheme, rest, OptionalInt.empty());
    }
}
