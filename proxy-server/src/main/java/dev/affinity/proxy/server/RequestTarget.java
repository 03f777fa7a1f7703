package dev.affinity.proxy.server;

import java.nio.charset.StandardCharsets;

/**
 * The path and query a member is sent, in the form java.net.URI (and so HttpClient) accepts and
 * that servers such as Tomcat take without relaxed settings: each character a URI may not hold
 * as it is (controls, space, non-ASCII, and {@code " < > \ ^ ` { | }}) is percent-encoded as UTF-8,
 * and a {@code %} that starts no escape becomes {@code %25}. httpd encodes the path's the same way
 * and passes the query on as it came; Tomcat would refuse such a query with 400.
 */
final class RequestTarget {

    private static final String UNSAFE = "\"<>\\^`{|}";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RequestTarget() {
    }

    /** The target to send: the same string when nothing needs encoding, as nearly always. */
    static String canonical(String target) {
        int i = 0;
        while (i < target.length() && !needsEncoding(target, i)) {
            i++;
        }
        if (i == target.length()) {
            return target;
        }
        StringBuilder out = new StringBuilder(target.length() + 16).append(target, 0, i);
        for (; i < target.length(); i++) {
            char c = target.charAt(i);
            if (!needsEncoding(target, i)) {
                out.append(c);
            } else if (c == '%') {
                out.append("%25");
            } else {
                // A surrogate pair is one code point: encode the two chars together.
                int end = Character.isHighSurrogate(c) && i + 1 < target.length()
                        && Character.isLowSurrogate(target.charAt(i + 1)) ? i + 2 : i + 1;
                for (byte b : target.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
                }
                i = end - 1;
            }
        }
        return out.toString();
    }

    private static boolean needsEncoding(String target, int i) {
        char c = target.charAt(i);
        if (c == '%') {
            return i + 2 >= target.length() || !isHex(target.charAt(i + 1)) || !isHex(target.charAt(i + 2));
        }
        return c <= ' ' || c >= 0x7f || UNSAFE.indexOf(c) >= 0;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
