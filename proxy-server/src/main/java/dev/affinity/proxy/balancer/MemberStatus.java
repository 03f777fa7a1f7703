package dev.affinity.proxy.balancer;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code status=} flags of a BalancerMember, one letter each as in httpd 2.4.
 *
 * <p>httpd reads the value left to right: {@code +} sets, {@code -} clears, and the mode holds until
 * the next sign; a bare letter sets. So {@code S-E} is "stopped, not in error" and {@code +D+H}
 * "disabled and hot standby".
 */
public enum MemberStatus {
    /** D: takes no requests at all. */
    DISABLED('D'),
    /** S: stopped by the administrator, takes no requests. */
    STOPPED('S'),
    /** I: errors never put it into error state; always considered available. */
    IGNORE_ERRORS('I'),
    /** H: hot standby, used only when no other member of its lbset is usable. */
    HOT_STANDBY('H'),
    /** R: hot spare, stands in for an unusable member of its lbset, one spare per such member. */
    HOT_SPARE('R'),
    /** E: starts in error state, usable again once its retry window has passed. */
    IN_ERROR('E'),
    /** N: drain, takes only requests already sticky to it. */
    DRAIN('N');

    private final char letter;

    MemberStatus(char letter) {
        this.letter = letter;
    }

    public char letter() {
        return letter;
    }

    /**
     * Parses an httpd status value such as {@code +H} or {@code S-E}.
     *
     * @throws IllegalArgumentException naming the offending letter and the accepted ones
     */
    public static Set<MemberStatus> parse(String value) {
        Set<MemberStatus> flags = EnumSet.noneOf(MemberStatus.class);
        boolean set = true;
        if (value.isEmpty()) {
            throw new IllegalArgumentException("status is empty (expected: letters D, S, I, H, R, E, N with + or -)");
        }
        for (char c : value.toCharArray()) {
            if (c == '+' || c == '-') {
                set = c == '+';
                continue;
            }
            MemberStatus flag = ofLetter(c, value);
            if (set) {
                flags.add(flag);
            } else {
                flags.remove(flag);
            }
        }
        return flags;
    }

    private static MemberStatus ofLetter(char c, String value) {
        char upper = Character.toUpperCase(c);
        for (MemberStatus s : values()) {
            if (s.letter == upper) {
                return s;
            }
        }
        if (upper == 'C') {
            throw new IllegalArgumentException("status flag '" + c + "' in '" + value
                    + "' (health-check failed) is not supported yet (expected: D, S, I, H, R, E, N)");
        }
        throw new IllegalArgumentException("unknown status flag '" + c + "' in '" + value
                + "' (expected: D, S, I, H, R, E, N, each set with + or cleared with -)");
    }

    /** The httpd spelling, e.g. {@code +D+H}; empty for none. */
    public static String format(Set<MemberStatus> flags) {
        StringBuilder s = new StringBuilder();
        for (MemberStatus f : flags) {
            s.append('+').append(f.letter);
        }
        return s.toString().toUpperCase(Locale.ROOT);
    }
}
