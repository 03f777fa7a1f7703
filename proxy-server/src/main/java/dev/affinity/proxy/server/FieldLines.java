package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpTokens;

/**
 * The field lines of a head of the common shape, for {@link SimpleResponseHead} and
 * {@link SimpleRequestHead}: checked in one pass over a copy of the head, then made into the fields
 * Jetty's {@link HttpParser} would make of them.
 *
 * <p>The common shape is a strict subset of what Jetty accepts: each field is a token, a colon, and a
 * value of visible ASCII, spaces and tabs (no folded line, no byte above 0x7e), ending in CRLF; at most
 * one Content-Length, of 1 to 18 digits, and at most one Host; none of the headers the head refuses
 * (Transfer-Encoding, for both).
 *
 * <p>The fields are Jetty's too. A name Jetty knows gets its {@link HttpHeader}, and Jetty's spelling
 * when a space follows the colon (where Jetty's lookup of the line finds it), the spelling sent
 * otherwise. A common value right after {@code "Name: "} is spelled as Jetty caches it, as
 * {@link KnownHeaders} explains: Tomcat's {@code text/html;charset=UTF-8} reaches the client as
 * {@code text/html;charset=utf-8}, with Jetty's parser or without. Any other field is made by the
 * head's {@link Maker}, as Jetty's parser makes it for a request or for a response.
 *
 * <p>Not thread-safe: one per head parser, reused for each head.
 */
final class FieldLines {

    static final int NOT_SIMPLE = -1;
    static final int NEED_MORE = -2;
    /** The longest head looked at; a longer one goes to Jetty's parser. */
    static final int MAX_HEAD = 16 * 1024;
    /** Enough for most heads, copied in one go; a longer head is copied again, up to the head's limit. */
    private static final int FIRST_LOOK = 1024;
    private static final int MAX_FIELDS = 64;
    private static final boolean[] TCHAR = tchars();

    /** Makes a field Jetty's cache does not hold, as Jetty's parser makes it. */
    @FunctionalInterface
    interface Maker {
        HttpField make(HttpHeader header, String name, String value);
    }

    /** Checks the start line of a head copied into {@code head[0, n)}: past it, or NOT_SIMPLE or NEED_MORE. */
    @FunctionalInterface
    interface StartLine {
        int scan(byte[] head, int n);
    }

    private final Set<HttpHeader> refused;
    private final Maker maker;
    /** The copy of the head, for most heads; a longer one gets an array of its own, not kept. */
    private final byte[] firstLook = new byte[FIRST_LOOK];
    private byte[] head = firstLook;
    private int count;
    private long contentLength;
    private int host;
    private final int[] nameFrom = new int[MAX_FIELDS];
    private final int[] colon = new int[MAX_FIELDS];
    private final int[] valueFrom = new int[MAX_FIELDS];
    private final int[] valueTo = new int[MAX_FIELDS];
    private final HttpHeader[] known = new HttpHeader[MAX_FIELDS];
    /**
     * The field made for the line at each index of the heads before (null where none was), for
     * {@link #repeating} lines only; the array itself is null for the others.
     */
    private final HttpField[] recent;

    /**
     * @param refused the headers that leave a head not of the common shape
     * @param maker makes the fields Jetty's cache does not hold, as Jetty's parser makes them
     */
    FieldLines(Set<HttpHeader> refused, Maker maker) {
        this(refused, maker, null);
    }

    private FieldLines(Set<HttpHeader> refused, Maker maker, HttpField[] recent) {
        this.refused = refused;
        this.maker = maker;
        this.recent = recent;
    }

    /**
     * Field lines whose heads repeat their fields, as the answers on one connection to a member do
     * (its {@code Server}, its own headers), and whose maker makes a field of nothing but its header,
     * name and value. A line that reads as the one at the same index of an earlier head, name and
     * value, gets the field made for that one again (fields are immutable), so such a head's fields
     * cost no garbage: the same field as the maker would make anew, as Jetty's parser hands on its
     * per-connection cache's fields.
     */
    static FieldLines repeating(Set<HttpHeader> refused, Maker maker) {
        return new FieldLines(refused, maker, new HttpField[MAX_FIELDS]);
    }

    /**
     * Copies the head at the buffer's position and checks it is of the common shape, its start line
     * by {@code startLine}: its length, or NOT_SIMPLE, or NEED_MORE for the start of a head of the
     * common shape that the buffer ends in, short of {@code maxHead}. A head not complete in the first
     * bytes copied is looked at again in more of them, as far as the buffer and {@code maxHead} go.
     */
    int scan(ByteBuffer buffer, int maxHead, StartLine startLine) {
        int available = buffer.remaining();
        int copied = Math.min(available, Math.min(FIRST_LOOK, maxHead));
        head = firstLook;
        buffer.get(buffer.position(), head, 0, copied);
        int length = scanHead(copied, startLine);
        if (length == NEED_MORE && available > copied && maxHead > copied) {
            copied = Math.min(available, maxHead);
            head = new byte[copied];
            buffer.get(buffer.position(), head, 0, copied);
            length = scanHead(copied, startLine);
        }
        if (length == NEED_MORE && copied == available && copied < maxHead) {
            return NEED_MORE;
        }
        return length < 0 ? NOT_SIMPLE : length;
    }

    private int scanHead(int n, StartLine startLine) {
        int p = startLine.scan(head, n);
        return p < 0 ? p : fields(p, n);
    }

    /**
     * Checks the field lines of {@code head[p, n)} and the empty line after them: past that line, or
     * NOT_SIMPLE, or NEED_MORE when {@code n} ends before it.
     */
    private int fields(int p, int n) {
        byte[] b = head;
        count = 0;
        contentLength = -1;
        host = -1;
        while (p >= 0) {
            if (p >= n) {
                return NEED_MORE;
            }
            if (p + 1 == n) {
                // The last byte here can start the empty line or a field line only as these do (a
                // folded line's space, say, cannot).
                return b[p] == '\r' || b[p] >= 0 && TCHAR[b[p]] ? NEED_MORE : NOT_SIMPLE;
            }
            if (b[p] == '\r') {
                return b[p + 1] == '\n' ? p + 2 : NOT_SIMPLE;
            }
            p = fieldLine(p, n);
        }
        return p;
    }

    /** The Content-Length of the head last scanned, or -1 for none. */
    long contentLength() {
        return contentLength;
    }

    /** Whether the head last scanned has a Host field with a value. */
    boolean hasHost() {
        return host >= 0 && valueTo[host] > valueFrom[host];
    }

    /**
     * Past the field line at {@code p}, noting where its name and value are, or NOT_SIMPLE or
     * NEED_MORE. The value is without the spaces and tabs around it, as Jetty gives it.
     */
    private int fieldLine(int p, int n) {
        byte[] b = head;
        int from = p;
        int hash = 0;
        while (p < n && b[p] >= 0 && TCHAR[b[p]]) {
            hash = KnownHeaders.hashOn(hash, b[p++]);
        }
        if (p == n) {
            return NEED_MORE;
        }
        if (p == from || b[p] != ':' || count == MAX_FIELDS) {
            return NOT_SIMPLE;
        }
        int at = p++;
        while (p < n && (b[p] == ' ' || b[p] == '\t')) {
            p++;
        }
        int vFrom = p;
        int vTo = p;
        for (; p < n && b[p] != '\r'; p++) {
            byte c = b[p];
            if (c != ' ' && c != '\t') {
                if (c < 0x21 || c > 0x7e) {
                    return NOT_SIMPLE;
                }
                vTo = p + 1;
            }
        }
        p = lineEnd(b, p, n);
        if (p < 0) {
            return p;
        }
        HttpHeader header = KnownHeaders.find(b, from, at, hash);
        if (!framing(header, vFrom, vTo)) {
            return NOT_SIMPLE;
        }
        nameFrom[count] = from;
        colon[count] = at;
        valueFrom[count] = vFrom;
        valueTo[count] = vTo;
        known[count] = header;
        count++;
        return p;
    }

    /** Whether the field leaves the head of the common shape: not refused, no second Content-Length or Host. */
    private boolean framing(HttpHeader header, int vFrom, int vTo) {
        if (header == null) {
            return true;
        }
        if (refused.contains(header)) {
            return false;
        }
        if (header == HttpHeader.HOST) {
            if (host >= 0) {
                return false;
            }
            host = count;
        } else if (header == HttpHeader.CONTENT_LENGTH) {
            if (contentLength >= 0) {
                return false;
            }
            contentLength = digits(head, vFrom, vTo);
            return contentLength >= 0;
        }
        return true;
    }

    /** Past the CRLF at {@code p}, or NEED_MORE, or NOT_SIMPLE for a CR without LF. */
    static int lineEnd(byte[] b, int p, int n) {
        if (p + 1 >= n) {
            return NEED_MORE;
        }
        return b[p + 1] == '\n' ? p + 2 : NOT_SIMPLE;
    }

    static int digit(byte b) {
        return b >= '0' && b <= '9' ? b - '0' : -1000;
    }

    /** The value of 1 to 18 digits, or -1. */
    private static long digits(byte[] b, int from, int to) {
        if (to == from || to - from > 18) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int d = digit(b[i]);
            if (d < 0) {
                return -1;
            }
            value = value * 10 + d;
        }
        return value;
    }

    /** Gives the handler each field of the head last scanned, as Jetty's parser would. */
    void emit(HttpParser.HttpHandler handler) {
        for (int i = 0; i < count; i++) {
            handler.parsedHeader(field(i));
        }
    }

    /** The {@code i}th field, as Jetty's parser would give it. */
    private HttpField field(int i) {
        HttpHeader header = known[i];
        int from = valueFrom[i];
        int length = valueTo[i] - from;
        if (header == null || head[colon[i] + 1] != ' ') {
            // Jetty finds no "Name: " for it, so it keeps the name as sent.
            return made(i, header, null);
        }
        // Jetty's lookup of the whole line: its spelling of the name, and of a common value right after
        // "Name: " (not after two spaces or a tab, where the lookup stops at the name).
        HttpField cached = from == colon[i] + 2 ? KnownHeaders.cachedPrefix(header, head, from, length) : null;
        if (cached == null) {
            return made(i, header, header.asString());
        }
        int matched = cached.getValue().length();
        if (matched == length && head[from + length] == '\r') {
            return cached; // Jetty's own field, where the line ends right after it
        }
        return maker.make(header, header.asString(), cached.getValue() + text(from + matched, length - matched));
    }

    /**
     * The maker's field for the line at index {@code i}, named {@code spelling} (if null, as sent), with
     * the line's value. For repeating lines, the field made for the line at that index of an earlier
     * head if it reads the same, name and value; else made, and kept for the heads after.
     */
    private HttpField made(int i, HttpHeader header, String spelling) {
        HttpField before = recent == null ? null : recent[i];
        if (before != null && before.getHeader() == header
                && (spelling != null ? spelling.equals(before.getName()) : sameText(before.getName(), nameFrom[i], colon[i]))
                && sameText(before.getValue(), valueFrom[i], valueTo[i])) {
            return before;
        }
        String name = spelling != null ? spelling : text(nameFrom[i], colon[i] - nameFrom[i]);
        HttpField field = maker.make(header, name, text(valueFrom[i], valueTo[i] - valueFrom[i]));
        if (recent != null) {
            recent[i] = field;
        }
        return field;
    }

    /** {@code head[from, to)} as text ({@link #text}): {@code previous} itself if it reads the same. */
    String sameTextOrNew(String previous, int from, int to) {
        return sameText(previous, from, to) ? previous : text(from, to - from);
    }

    /** Whether {@code head[from, to)} reads as the text, byte for character (ISO-8859-1, as {@link #text}). */
    private boolean sameText(String text, int from, int to) {
        if (text == null || text.length() != to - from) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) != (head[from + i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    /** The byte at {@code i} of the head last scanned. */
    byte at(int i) {
        return head[i];
    }

    String text(int from, int length) {
        return new String(head, from, length, StandardCharsets.ISO_8859_1);
    }

    /** The bytes Jetty's parser takes in a field name: its tokens ALPHA, DIGIT and TCHAR. */
    private static boolean[] tchars() {
        boolean[] tchar = new boolean[128];
        for (int c = 0; c < tchar.length; c++) {
            HttpTokens.Type type = HttpTokens.getToken((byte) c).getType();
            tchar[c] = type == HttpTokens.Type.ALPHA || type == HttpTokens.Type.DIGIT || type == HttpTokens.Type.TCHAR;
        }
        return tchar;
    }
}
