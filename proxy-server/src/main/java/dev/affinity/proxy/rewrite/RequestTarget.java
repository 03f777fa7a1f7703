package dev.affinity.proxy.rewrite;

import java.nio.charset.StandardCharsets;

/**
 * The path and query a member is sent, in the form java.net.URI (and so HttpClient) accepts and
 * that servers such as Tomcat take without relaxed settings: each character a URI may not hold
 * as it is (controls, space, non-ASCII, and {@code " < > [ \ ] ^ ` { | }}) is percent-encoded as
 * UTF-8, and a {@code %} that starts no escape becomes {@code %25}. httpd encodes the path the same
 * way and passes the query on as it came; Tomcat would refuse such a query with 400.
 *
 * <p>The path is also put in one form before it is mapped ({@link #canonicalPath}), so that a rule
 * sees {@code /private}, {@code /%70rivate} and {@code /priv%61te} alike, as httpd's does.
 */
public final class RequestTarget {

    private static final String UNSAFE = "\"<>[\\]^`{|}";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final boolean[] AS_IS = asIs();

    private RequestTarget() {
    }

    /** The target to send: the same string when nothing needs encoding, as nearly always. */
    public static String canonical(String target) {
        int i = 0;
        while (i < target.length() && !needsEncoding(target, i)) {
            i++;
        }
        if (i == target.length()) {
            return target;
        }
        StringBuilder out = new StringBuilder(target.length() + 16).append(target, 0, i);
        while (i < target.length()) {
            i = append(out, target, i);
        }
        return out.toString();
    }

    /** Appends the character at {@code i} as it is or encoded, and returns the index after it. */
    private static int append(StringBuilder out, String s, int i) {
        char c = s.charAt(i);
        if (!needsEncoding(s, i)) {
            out.append(c);
            return i + 1;
        }
        if (c == '%') {
            out.append("%25");
            return i + 1;
        }
        // A surrogate pair is one code point: encode the two chars together.
        int end = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                ? i + 2 : i + 1;
        for (byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
            out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
        }
        return end;
    }

    /**
     * The path in the one form that ProxyPass and ProxyPassMatch rules are matched against and the
     * member is sent: escapes of unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) decoded, as
     * httpd's path normalization decodes them, the others written with upper-case hex digits, and
     * characters a URI may not hold encoded as {@link #canonical} encodes them. Two spellings of one
     * path (raw {@code /a|b} and {@code /a%7cb}; {@code /%70rivate} and {@code /private}) then map alike:
     * a rule excluding one excludes the other, which a member that decodes the path would serve as
     * the same. The same string when nothing changes, as for nearly every path.
     */
    public static String canonicalPath(String path) {
        int i = 0;
        while (i < path.length() && path.charAt(i) != '%' && !needsEncoding(path, i)) {
            i++;
        }
        if (i == path.length()) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length() + 16).append(path, 0, i);
        while (i < path.length()) {
            if (path.charAt(i) == '%' && !needsEncoding(path, i)) {
                int b = Character.digit(path.charAt(i + 1), 16) << 4 | Character.digit(path.charAt(i + 2), 16);
                if (isUnreserved(b)) {
                    out.append((char) b);
                } else {
                    out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
                }
                i += 3;
            } else {
                i = append(out, path, i);
            }
        }
        return out.toString();
    }

    /** RFC 3986's unreserved characters, which mean the same encoded or not. */
    private static boolean isUnreserved(int b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                || b == '-' || b == '.' || b == '_' || b == '~';
    }

    /**
     * Whether Jetty's parser met bytes that are not UTF-8 in this part of a target, which it reads as
     * UTF-8 and gives as U+FFFD each: sent on, they would reach the member as another string
     * ({@code %EF%BF%BD}), so the request is refused. A client that means U+FFFD itself sends it
     * percent-encoded, as browsers send every character past ASCII.
     */
    public static boolean hasUnreadableBytes(String part) {
        // On a string of Latin-1 characters, as nearly every target is, the JDK answers without a scan.
        return part != null && part.indexOf('\uFFFD') >= 0;
    }

    private static boolean needsEncoding(String target, int i) {
        char c = target.charAt(i);
        if (c == '%') {
            return i + 2 >= target.length() || !isHex(target.charAt(i + 1)) || !isHex(target.charAt(i + 2));
        }
        return c >= AS_IS.length || !AS_IS[c];
    }

    /** Which ASCII characters a target may hold as they are ('%' is decided apart): one look per character. */
    private static boolean[] asIs() {
        boolean[] asIs = new boolean[0x80];
        for (char c = '!'; c < 0x7f; c++) {
            asIs[c] = UNSAFE.indexOf(c) < 0;
        }
        return asIs;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
