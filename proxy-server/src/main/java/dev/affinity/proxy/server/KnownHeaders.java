package dev.affinity.proxy.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;

/**
 * What Jetty knows of a field given as bytes: the {@link HttpHeader} of its name, ignoring case, as
 * {@code HttpHeader.CACHE} finds it for a String (null for a name Jetty does not know); and the field
 * instance {@link HttpParser#CACHE} holds for a common value of it (Content-Type: text/plain). The
 * names are in an open-addressed table over a hash of their lowercase bytes: no String, and no walk
 * through a trie, for each name of each response.
 */
final class KnownHeaders {

    private static final int MASK = 511; // 512 slots for the ~100 names: short probes
    private static final HttpHeader[] HEADERS = new HttpHeader[MASK + 1];
    private static final byte[][] LOWERCASE = new byte[MASK + 1][];
    /** Jetty's cached fields that carry a value, by their header's ordinal; none for most headers. */
    private static final CachedField[][] CACHED = cachedFields();

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

    /** Jetty's cached field for this header with the value {@code bytes[from, from + length)}, exactly so spelled; or null. */
    static HttpField cached(HttpHeader header, byte[] bytes, int from, int length) {
        for (CachedField cached : CACHED[header.ordinal()]) {
            if (cached.is(bytes, from, length)) {
                return cached.field();
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

    /** One of Jetty's cached fields, with its value's bytes to compare a head's with. */
    private record CachedField(byte[] value, HttpField field) {
        boolean is(byte[] bytes, int from, int length) {
            return value.length == length && Arrays.equals(value, 0, length, bytes, from, from + length);
        }
    }

    private static CachedField[][] cachedFields() {
        List<List<CachedField>> byHeader = new ArrayList<>();
        for (HttpHeader ignored : HttpHeader.values()) {
            byHeader.add(new ArrayList<>());
        }
        for (String key : HttpParser.CACHE.keySet()) {
            HttpField field = HttpParser.CACHE.get(key);
            if (field != null && field.getHeader() != null && field.getValue() != null && field.getHeader() != HttpHeader.HOST) {
                byHeader.get(field.getHeader().ordinal())
                        .add(new CachedField(field.getValue().getBytes(StandardCharsets.ISO_8859_1), field));
            }
        }
        return byHeader.stream().map(fields -> fields.toArray(CachedField[]::new)).toArray(CachedField[][]::new);
    }
}
