package dev.affinity.proxy.server;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Jetty's {@link HttpHeader} for a field name given as bytes, ignoring case, as {@code HttpHeader.CACHE}
 * finds it for a String; null for a name Jetty does not know. An open-addressed table over a hash of the
 * lowercase bytes: no String and no walk through a trie for each name of each response.
 */
final class KnownHeaders {

    private static final int MASK = 511; // 512 slots for the ~100 names: short probes
    private static final HttpHeader[] HEADERS = new HttpHeader[MASK + 1];
    private static final byte[][] LOWERCASE = new byte[MASK + 1][];

    static {
        for (HttpHeader header : HttpHeader.values()) {
            byte[] name = header.asString().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            int h = 0;
            for (byte b : name) {
                h = hashOn(h, b);
            }
            int slot = mix(h) & MASK;
            while (HEADERS[slot] != null) {
                slot = (slot + 1) & MASK;
            }
            HEADERS[slot] = header;
            LOWERCASE[slot] = name;
        }
    }

    private KnownHeaders() {
    }

    /**
     * The header named by {@code bytes[from, to)}, or null; {@code hash} is {@link #hashOn} taken over
     * those bytes from 0, which a parser reading the name byte by byte takes on the way.
     */
    static HttpHeader find(byte[] bytes, int from, int to, int hash) {
        int slot = mix(hash) & MASK;
        for (byte[] name = LOWERCASE[slot]; name != null; slot = (slot + 1) & MASK, name = LOWERCASE[slot]) {
            if (sameIgnoringCase(name, bytes, from, to)) {
                return HEADERS[slot];
            }
        }
        return null;
    }

    /** The hash so far, taken on over one more byte of a name, whatever its case. */
    static int hashOn(int hash, byte b) {
        return 31 * hash + lower(b);
    }

    private static int mix(int h) {
        return h ^ (h >>> 9);
    }

    private static boolean sameIgnoringCase(byte[] lowercase, byte[] bytes, int from, int to) {
        if (lowercase.length != to - from) {
            return false;
        }
        for (int i = 0; i < lowercase.length; i++) {
            if (lowercase[i] != lower(bytes[from + i])) {
                return false;
            }
        }
        return true;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }
}
