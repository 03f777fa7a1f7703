package dev.affinity.filter.core;

import java.util.Locale;

/**
 * One setting of the filter and its names in each source: {@code balancer.route} as an init-param or
 * system property, {@code BALANCER_ROUTE} as an environment variable.
 */
public enum Setting {
    ROUTE("balancer.route"),
    COOKIE_NAME("balancer.cookie.name"),
    COOKIE_PREFIX("balancer.cookie.prefix"),
    COOKIE_PATH("balancer.cookie.path"),
    COOKIE_MAX_AGE("balancer.cookie.maxAge"),
    COOKIE_WHEN("balancer.cookie.when");

    private final String key;

    Setting(String key) {
        this.key = key;
    }

    /** The init-param and system property name, e.g. {@code balancer.cookie.name}. */
    public String key() {
        return key;
    }

    /** The environment variable name, e.g. {@code BALANCER_COOKIE_NAME}. */
    public String environmentVariable() {
        return key.replaceAll("([a-z])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
    }
}
