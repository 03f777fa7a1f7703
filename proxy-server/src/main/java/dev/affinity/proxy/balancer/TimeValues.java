package dev.affinity.proxy.balancer;

import java.time.Duration;

/**
 * httpd's time parameters: a whole number of seconds, or with a unit suffix {@code ms}, {@code s},
 * {@code mi} (minutes) or {@code h}, as ap_timeout_parameter_parse reads them.
 */
public final class TimeValues {

    private TimeValues() {
    }

    /** @throws IllegalArgumentException with the accepted forms */
    public static Duration parse(String key, String value) {
        int digits = 0;
        while (digits < value.length() && Character.isDigit(value.charAt(digits))) {
            digits++;
        }
        String unit = value.substring(digits);
        if (digits == 0 || digits > 9) {
            throw invalid(key, value);
        }
        long amount = Long.parseLong(value.substring(0, digits));
        switch (unit.toLowerCase(java.util.Locale.ROOT)) {
            case "", "s": return Duration.ofSeconds(amount);
            case "ms": return Duration.ofMillis(amount);
            case "mi": return Duration.ofMinutes(amount);
            case "h": return Duration.ofHours(amount);
            default: throw invalid(key, value);
        }
    }

    /** A plain whole number of seconds, as httpd's {@code retry} takes it. */
    public static Duration parseSeconds(String key, String value) {
        if (value.isEmpty() || value.length() > 9 || !value.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException(key + "='" + value + "' (expected: whole seconds, e.g. " + key + "=60)");
        }
        return Duration.ofSeconds(Long.parseLong(value));
    }

    /** Whole seconds, at least one: httpd's worker and balancer {@code timeout} and ProxyTimeout. */
    public static Duration parsePositiveSeconds(String key, String value) {
        Duration d = parseSeconds(key, value);
        if (d.isZero()) {
            throw new IllegalArgumentException(key + "='" + value + "' (expected: at least 1 second, e.g. " + key + "=60)");
        }
        return d;
    }

    private static IllegalArgumentException invalid(String key, String value) {
        return new IllegalArgumentException(key + "='" + value
                + "' (expected: seconds, or a number with ms, s, mi or h, e.g. " + key + "=5 or " + key + "=500ms)");
    }
}
