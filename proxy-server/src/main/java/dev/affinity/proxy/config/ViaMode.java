package dev.affinity.proxy.config;

import java.util.Locale;

/** httpd's {@code ProxyVia}: what the proxy does with Via headers. */
public enum ViaMode {
    /** Via headers pass through unchanged; none is added (the default). */
    OFF,
    /** A Via line is added to requests and responses. */
    ON,
    /** As ON, with the server version as a comment. */
    FULL,
    /** Via headers are removed from requests; none is added. */
    BLOCK;

    public static ViaMode parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ProxyVia '" + value + "' (expected: On, Off, Full or Block)");
        }
    }
}
