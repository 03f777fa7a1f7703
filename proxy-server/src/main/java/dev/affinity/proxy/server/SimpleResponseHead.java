package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpTokens;
import org.eclipse.jetty.http.HttpVersion;

/**
 * The head of a member's response, if it is of the common shape that {@link MemberResponseParser}
 * parses itself: copied out of the buffer, checked in one pass, then given to the handler as the
 * events Jetty's {@link HttpParser} would give for it.
 *
 * <p>The common shape is a strict subset of what Jetty accepts, so that parsing the rest with Jetty's
 * parser never changes what is accepted:
 * <ul>
 *   <li>the whole head is in the buffer (at most {@link #MAX_HEAD} bytes), its lines ending in CRLF;</li>
 *   <li>the status line is {@code HTTP/1.1} or {@code HTTP/1.0}, a space, a status from 200 to 599 other
 *       than 204 and 304, a space, and a reason of visible ASCII and spaces;</li>
 *   <li>each field is a token, a colon, and a value of visible ASCII, spaces and tabs: no folded line,
 *       no byte above 0x7e;</li>
 *   <li>exactly one Content-Length, of 1 to 18 digits; no Transfer-Encoding, no Host.</li>
 * </ul>
 * For example {@code HTTP/1.1 200 OK}, {@code Server: nginx}, {@code Content-Type: text/plain},
 * {@code Content-Length: 19}, {@code X-Node: node1}; but not a chunked body, a 304, or a 103.
 *
 * <p>The fields are Jetty's too. A name Jetty knows gets its {@link HttpHeader}, and Jetty's spelling
 * when a space follows the colon (where Jetty's lookup of the line finds it), the spelling sent
 * otherwise. A common value right after {@code "Name: "} is spelled as Jetty caches it, as
 * {@link KnownHeaders} explains: Tomcat's {@code text/html;charset=UTF-8} reaches the client as
 * {@code text/html;charset=utf-8}, with Jetty's parser or without, and on either backend leg. One
 * difference the handler cannot see: Jetty makes a field that would parse its value by its compliance
 * mode, here a plain {@link HttpField}; under RFC 7230, which this project's parsers use, both read a
 * value the same way.
 *
 * <p>Not thread-safe: one per connection, reused for each response.
 */
final class SimpleResponseHead {

    /** Enough for most heads, copied in one go; a longer head is copied again, up to {@link #MAX_HEAD}. */
    private static final int FIRST_LOOK = 1024;
    static final int MAX_HEAD = 16 * 1024;
    private static final int MAX_FIELDS = 64;
    static final int NOT_SIMPLE = -1;
    private static final int NEED_MORE = -2;
    private static final boolean[] TCHAR = tchars();

    /** The copy of the head, for most heads; a longer one gets an array of its own, not kept. */
    private final byte[] firstLook = new byte[FIRST_LOOK];
    private byte[] head = firstLook;
    private HttpVersion version;
    private int status;
    private int reasonFrom;
    private int reasonTo;
    private long contentLength;
    private int fields;
    private final int[] nameFrom = new int[MAX_FIELDS];
    private final int[] colon = new int[MAX_FIELDS];
    private final int[] valueFrom = new int[MAX_FIELDS];
    private final int[] valueTo = new int[MAX_FIELDS];
    private final HttpHeader[] known = new HttpHeader[MAX_FIELDS];

    /** The Content-Length of the head {@link #scan} last accepted. */
    long contentLength() {
        return contentLength;
    }

    /**
     * Copies the head and checks it is of the common shape: its length, or NOT_SIMPLE. A head not
     * complete in the first bytes copied is looked at again in more of them, as far as the buffer and
     * {@link #MAX_HEAD} go.
     */
    int scan(ByteBuffer buffer) {
        int available = buffer.remaining();
        int copied = Math.min(available, FIRST_LOOK);
        head = firstLook;
        buffer.get(buffer.position(), head, 0, copied);
        int length = scanHead(copied);
        if (length == NEED_MORE && available > copied) {
            copied = Math.min(available, MAX_HEAD);
            head = new byte[copied];
            buffer.get(buffer.position(), head, 0, copied);
            length = scanHead(copied);
        }
        return length < 0 ? NOT_SIMPLE : length;
    }

    /** The length of the head in {@code head[0, n)} if of the common shape, else NOT_SIMPLE or NEED_MORE. */
    private int scanHead(int n) {
        int p = statusLine(n);
        fields = 0;
        contentLength = -1;
        while (p >= 0) {
            if (p + 1 >= n) {
                return NEED_MORE;
            }
            if (head[p] == '\r') {
                return head[p + 1] != '\n' || contentLength < 0 ? NOT_SIMPLE : p + 2;
            }
            p = fieldLine(p, n);
        }
        return p;
    }

    /** Past the status line, or NOT_SIMPLE or NEED_MORE. */
    private int statusLine(int n) {
        byte[] b = head;
        if (n < 13) {
            return NEED_MORE;
        }
        if (b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/' || b[5] != '1' || b[6] != '.'
                || b[8] != ' ' || b[12] != ' ') {
            return NOT_SIMPLE;
        }
        version = b[7] == '1' ? HttpVersion.HTTP_1_1 : b[7] == '0' ? HttpVersion.HTTP_1_0 : null;
        status = digit(b[9]) * 100 + digit(b[10]) * 10 + digit(b[11]);
        if (version == null || status < 200 || status > 599 || status == 204 || status == 304) {
            return NOT_SIMPLE; // a digit() of a non-digit is negative, so the sum is out of range
        }
        int p = 13;
        while (p < n && b[p] == ' ') {
            p++;
        }
        reasonFrom = p;
        reasonTo = p;
        for (; p < n && b[p] != '\r'; p++) {
            if (b[p] < 0x20 || b[p] > 0x7e) {
                return NOT_SIMPLE;
            }
            if (b[p] != ' ') {
                reasonTo = p + 1;
            }
        }
        return lineEnd(b, p, n);
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
        if (p == from || b[p] != ':' || fields == MAX_FIELDS) {
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
        nameFrom[fields] = from;
        colon[fields] = at;
        valueFrom[fields] = vFrom;
        valueTo[fields] = vTo;
        known[fields] = header;
        fields++;
        return p;
    }

    /** Whether the field leaves the head of the common shape: one Content-Length, no Transfer-Encoding or Host. */
    private boolean framing(HttpHeader header, int vFrom, int vTo) {
        if (header == HttpHeader.TRANSFER_ENCODING || header == HttpHeader.HOST) {
            return false;
        }
        if (header == HttpHeader.CONTENT_LENGTH) {
            if (contentLength >= 0) {
                return false;
            }
            contentLength = digits(head, vFrom, vTo);
            return contentLength >= 0;
        }
        return true;
    }

    /** Past the CRLF at {@code p}, or NEED_MORE, or NOT_SIMPLE for a CR without LF. */
    private static int lineEnd(byte[] b, int p, int n) {
        if (p + 1 >= n) {
            return NEED_MORE;
        }
        return b[p + 1] == '\n' ? p + 2 : NOT_SIMPLE;
    }

    private static int digit(byte b) {
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

    /** Gives the handler the status line and each field of the head {@link #scan} accepted. */
    void emit(HttpParser.ResponseHandler handler) {
        int length = reasonTo - reasonFrom;
        // Jetty's: null for none, and "OK" is too common to make anew each time.
        String reason = length == 0 ? null : length == 2 && head[reasonFrom] == 'O' && head[reasonFrom + 1] == 'K'
                ? "OK" : text(reasonFrom, length);
        handler.startResponse(version, status, reason);
        for (int i = 0; i < fields; i++) {
            handler.parsedHeader(field(i));
        }
    }

    private HttpField field(int i) {
        HttpHeader header = known[i];
        int from = valueFrom[i];
        int length = valueTo[i] - from;
        if (header == null || head[colon[i] + 1] != ' ') {
            // Jetty finds no "Name: " for it, so it keeps the name as sent.
            return new HttpField(header, text(nameFrom[i], colon[i] - nameFrom[i]), text(from, length));
        }
        // Jetty's lookup of the whole line: its spelling of the name, and of a common value right after
        // "Name: " (not after two spaces or a tab, where the lookup stops at the name).
        HttpField cached = from == colon[i] + 2 ? KnownHeaders.cachedPrefix(header, head, from, length) : null;
        if (cached == null) {
            return new HttpField(header, header.asString(), text(from, length));
        }
        int matched = cached.getValue().length();
        if (matched == length) {
            return cached;
        }
        return new HttpField(header, header.asString(), cached.getValue() + text(from + matched, length - matched));
    }

    private String text(int from, int length) {
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
