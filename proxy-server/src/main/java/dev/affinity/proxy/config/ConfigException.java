package dev.affinity.proxy.config;

/**
 * A configuration that cannot run, with a message that names the place and what was expected, e.g.
 * {@code balancer.conf:12: lbmethod 'bytrafic' (expected: byrequests)}.
 *
 * <p>Thrown at startup only; the command line prints {@link #getMessage()} and exits 2.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(SourceLocation where, String what) {
        super(where + ": " + what);
    }

    public ConfigException(String message) {
        super(message);
    }
}
