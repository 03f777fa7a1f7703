package dev.affinity.proxy.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.util.StringUtil;

/**
 * What Jetty's parser knows of a field, given as bytes.
 * <ul>
 *   <li>The {@link HttpHeader} of its name, ignoring case, as {@code HttpHeader.CACHE} finds it for a
 *       String; null for a name Jetty does not know. The names are in an open-addressed table over a
 *       hash of their lowercase bytes: no String, and no walk through a trie, for each name of each
 *       response. For example {@code content-TYPE}: the hash of "content-type" picks a slot, and the
 *       probe goes on to the next slots until one holds "content-type" (found) or none (unknown).</li>
 *   <li>The common values {@link HttpParser#CACHE} holds for some headers (Content-Type: text/plain,
 *       Connection: keep-alive). Jetty's parser looks a whole line up in that trie, ignoring case,
 *       and keeps the longest entry that starts it: its value in Jetty's spelling, then the rest of the
 *       line as sent. So {@code Content-Type: text/html;charset=UTF-8} reaches the handler as Jetty's
 *       cached field {@code text/html;charset=utf-8}.</li>
 * </ul>
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
            if (name.length == to - from && startsIgnoringCase(bytes, from, name)) {
                return HEADERS[slot];
            }
        }
        return null;
    }

    /**
     * The cached field Jetty's lookup finds for a value {@code bytes[from, from + length)} that starts
     * right after {@code "Name: "}: the one with the longest value that starts this one, ignoring case;
     * or null. Its value may be shorter than this one: Jetty then keeps its spelling of that part.
     */
    static HttpField cachedPrefix(HttpHeader header, byte[] bytes, int from, int length) {
        // Longest first, so the first that matches is Jetty's pick.
        for (CachedField cached : CACHED[header.ordinal()]) {
            if (cached.starts(bytes, from, length)) {
                return cached.field();
            }
        }
        return null;
    }

    /** The hash so far, taken on over one more byte of a name, whatever its case. */
    static int hashOn(int hash, byte b) {
        return 31 * hash + StringUtil.asciiToLowerCase(b);
    }

    private static int mix(int h) {
        return h ^ (h >>> 9);
    }

    /** Whether {@code bytes} from {@code from} on start with {@code lowercase}, whatever their case. */
    private static boolean startsIgnoringCase(byte[] bytes, int from, byte[] lowercase) {
        for (int i = 0; i < lowercase.length; i++) {
            if (lowercase[i] != StringUtil.asciiToLowerCase(bytes[from + i])) {
                return false;
            }
        }
        return true;
    }

    /** One of Jetty's cached fields, with its value's lowercase bytes to compare a head's with. */
    private record CachedField(byte[] lowercase, HttpField field) {
        boolean starts(byte[] bytes, int from, int length) {
            return lowercase.length <= length && startsIgnoringCase(bytes, from, lowercase);
        }
    }

    /**
     * Jetty's cached fields with a value, by header ordinal, longest value first; the entries that
     * stand only for a name (Jetty 12.1 gives them the value "\u0000") left out.
     */
    private static CachedField[][] cachedFields() {
        List<List<CachedField>> byHeader = new ArrayList<>();
        for (HttpHeader ignored : HttpHeader.values()) {
            byHeader.add(new ArrayList<>());
        }
        for (String key : HttpParser.CACHE.keySet()) {
            HttpField field = HttpParser.CACHE.get(key);
            String value = field == null || field.getHeader() == null ? null : field.getValue();
            if (value != null && !value.isEmpty() && value.indexOf('\0') < 0) {
                byte[] lowercase = value.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.ISO_8859_1);
                byHeader.get(field.getHeader().ordinal()).add(new CachedField(lowercase, field));
            }
        }
        Comparator<CachedField> longestFirst = Comparator.comparingInt(c -> -c.lowercase().length);
        return byHeader.stream().map(fields -> fields.stream().sorted(longestFirst).toArray(CachedField[]::new))
                .toArray(CachedField[][]::new);
    }
}
