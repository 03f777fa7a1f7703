package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A {@code <Proxy balancer://name>} section: its members and its ProxySet keys.
 *
 * @param name             the balancer name, without {@code balancer://}
 * @param members          the members in config order
 * @param stickySession    the {@code stickysession} names, {@code BALANCEID} or {@code COOKIE|urlparam}; empty for none
 * @param stickySessionSep what the route follows in the session value ({@code stickysessionsep}, default {@code .})
 * @param scolonPathDelim  whether {@code ;} also ends a session value in the URL
 * @param lbmethod         the load balancing method, {@code byrequests}
 * @param noFailover       a request whose route names no usable member gets 503 instead of another member
 * @param maxAttempts      how many other members a failed request may try; empty means members - 1
 * @param forceRecovery    when every member is in error, bring them all back rather than answer 503
 * @param timeout          how long to wait for a usable member before 503; zero is not at all
 * @param failOnStatus     backend statuses that put the member into error ({@code failonstatus})
 * @param failOnTimeout    whether a backend timeout puts the member into error ({@code failontimeout})
 */
public record BalancerConfig(String name, List<MemberConfig> members, Optional<String> stickySession,
                             char stickySessionSep, boolean scolonPathDelim, String lbmethod, boolean noFailover,
                             OptionalInt maxAttempts, boolean forceRecovery, Duration timeout,
                             Set<Integer> failOnStatus, boolean failOnTimeout) {

    public BalancerConfig {
        // httpd lowercases balancer names, so balancer://MyCluster and balancer://mycluster are one.
        name = requireNonNull(name, "name").toLowerCase(Locale.ROOT);
        members = List.copyOf(members);
        requireNonNull(stickySession, "stickySession");
        requireNonNull(lbmethod, "lbmethod");
        requireNonNull(maxAttempts, "maxAttempts");
        requireNonNull(timeout, "timeout");
        failOnStatus = Set.copyOf(failOnStatus);
        // A ProxyPass to a plain URL gets a balancer named by its origin (http://host:port), so '/' is allowed here.
        if (name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("balancer name '" + name
                    + "' (expected: balancer://NAME, NAME without spaces)");
        }
        LoadBalancingMethod.named(lbmethod);
        stickySession.ifPresent(StickySession::parse);
        if (maxAttempts.isPresent() && maxAttempts.getAsInt() < 0) {
            throw new IllegalArgumentException("maxattempts=" + maxAttempts.getAsInt() + " (expected: 0 or more)");
        }
        Set<String> urls = new HashSet<>();
        for (MemberConfig m : members) {
            String url = m.url().toString();
            if (!urls.add(url.endsWith("/") ? url.substring(0, url.length() - 1) : url)) {
                throw new IllegalArgumentException("balancer://" + name + " has member " + m.url() + " twice");
            }
        }
    }

    /** A balancer with httpd's defaults and no members yet. */
    public static BalancerConfig named(String name) {
        return new BalancerConfig(name, List.of(), Optional.empty(), '.', false, "byrequests", false,
                OptionalInt.empty(), true, Duration.ZERO, Set.of(), false);
    }

    /** Where requests name their route, with the separator and delimiter settings applied. */
    public Optional<StickySession> sticky() {
        return stickySession.map(s -> StickySession.parse(s).withSeparator(stickySessionSep)
                .withSemicolonEnds(scolonPathDelim));
    }

    public BalancerConfig withMember(MemberConfig member) {
        Draft d = new Draft(this);
        d.members.add(member);
        return d.build();
    }

    /**
     * Applies one httpd balancer key (ProxySet or ProxyPass parameters), e.g. {@code ("stickysession", "BALANCEID")}.
     *
     * @throws IllegalArgumentException for an unknown key or a bad value, naming what was expected
     */
    public BalancerConfig with(String key, String value) {
        Draft d = new Draft(this);
        switch (key.toLowerCase(Locale.ROOT)) {
            case "stickysession":
                StickySession.parse(value);
                d.stickySession = Optional.of(value);
                break;
            case "stickysessionsep":
                d.stickySessionSep = parseSeparator(value);
                break;
            case "scolonpathdelim":
                d.scolonPathDelim = parseOnOff(key, value);
                break;
            case "lbmethod":
                d.lbmethod = LoadBalancingMethod.named(value).name();
                break;
            case "nofailover":
                d.noFailover = parseOnOff(key, value);
                break;
            case "maxattempts":
                d.maxAttempts = OptionalInt.of(parseCount(key, value));
                break;
            case "forcerecovery":
                d.forceRecovery = parseOnOff(key, value);
                break;
            case "timeout":
                d.timeout = TimeValues.parsePositiveSeconds(key, value);
                break;
            case "failonstatus":
                d.failOnStatus = parseStatuses(value);
                break;
            case "failontimeout":
                d.failOnTimeout = parseOnOff(key, value);
                break;
            default:
                throw new IllegalArgumentException(WorkerKeys.unknownBalancerKey(key));
        }
        return d.build();
    }

    /**
     * How many more attempts a failed request may make: maxattempts, or as httpd documents the
     * default, one less than the number of members, or 1 with a single member.
     */
    public int effectiveMaxAttempts() {
        return maxAttempts.orElse(Math.max(1, members.size() - 1));
    }

    /** One character, or Off: then the whole session value is the route, as in httpd. */
    private static char parseSeparator(String value) {
        if (value.equalsIgnoreCase("off")) {
            return StickySession.NO_SEPARATOR;
        }
        if (value.length() != 1) {
            throw new IllegalArgumentException("stickysessionsep='" + value + "' (expected: one character, e.g. '.', or Off)");
        }
        return value.charAt(0);
    }

    /** httpd's flag values, for balancer and member keys alike: On or Off, in any case. */
    static boolean parseOnOff(String key, String value) {
        if (value.equalsIgnoreCase("on")) {
            return true;
        }
        if (value.equalsIgnoreCase("off")) {
            return false;
        }
        throw new IllegalArgumentException(key + "='" + value + "' (expected: On or Off)");
    }

    /** httpd's failonstatus: one or more comma-separated HTTP status codes, e.g. {@code 503,502}. */
    private static Set<Integer> parseStatuses(String value) {
        Set<Integer> statuses = new java.util.TreeSet<>();
        for (String code : value.split(",", -1)) {
            String c = code.strip();
            if (!c.matches("[1-5][0-9][0-9]")) {
                throw new IllegalArgumentException("failonstatus='" + value
                        + "' (expected: one or more HTTP status codes separated by commas, e.g. failonstatus=503,502)");
            }
            statuses.add(Integer.parseInt(c));
        }
        return statuses;
    }

    private static int parseCount(String key, String value) {
        if (value.isEmpty() || value.length() > 6 || !value.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException(key + "='" + value + "' (expected: a whole number, 0 or more)");
        }
        return Integer.parseInt(value);
    }

    /** A mutable copy, so that each wither states only what it changes. */
    private static final class Draft {
        final String name;
        final List<MemberConfig> members;
        Optional<String> stickySession;
        char stickySessionSep;
        boolean scolonPathDelim;
        String lbmethod;
        boolean noFailover;
        OptionalInt maxAttempts;
        boolean forceRecovery;
        Duration timeout;
        Set<Integer> failOnStatus;
        boolean failOnTimeout;

        Draft(BalancerConfig c) {
            name = c.name;
            members = new ArrayList<>(c.members);
            stickySession = c.stickySession;
            stickySessionSep = c.stickySessionSep;
            scolonPathDelim = c.scolonPathDelim;
            lbmethod = c.lbmethod;
            noFailover = c.noFailover;
            maxAttempts = c.maxAttempts;
            forceRecovery = c.forceRecovery;
            timeout = c.timeout;
            failOnStatus = c.failOnStatus;
            failOnTimeout = c.failOnTimeout;
        }

        BalancerConfig build() {
            return new BalancerConfig(name, members, stickySession, stickySessionSep, scolonPathDelim, lbmethod,
                    noFailover, maxAttempts, forceRecovery, timeout, failOnStatus, failOnTimeout);
        }
    }
}
