package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;

/**
 * Parses a member's responses for {@link BackendConnection}, giving its handler the events Jetty's
 * {@link HttpParser} gives, in the same order. A response of the common shape is parsed here, its head
 * in one pass; any other goes, whole, to Jetty's parser, which also decides what is malformed.
 *
 * <p>Why not Jetty's parser for every response: it reads a head one byte at a time through its state
 * machine and looks each field up, character by character, in a trie of some 300 common fields. On a
 * member's small answer (six fields, 19 bytes of body) that was a fifth of the proxy's user time per
 * request (async-profiler, bench scenario sticky-64), the largest single item in it. See
 * docs/performance.md, 2026-11-25 15:00 UTC.
 *
 * <p>The common shape, parsed here, is a strict subset of what Jetty accepts, so the fallback never
 * changes what is accepted:
 * <ul>
 *   <li>the whole head is in the buffer (at most {@link #MAX_HEAD} bytes), its lines ending in CRLF;</li>
 *   <li>the status line is {@code HTTP/1.1} or {@code HTTP/1.0}, a space, a status from 200 to 599 other
 *       than 204 and 304, a space, and a reason of visible ASCII and spaces;</li>
 *   <li>each field is a token, a colon, and a value of visible ASCII, spaces and tabs: no folded line,
 *       no byte above 0x7e;</li>
 *   <li>exactly one Content-Length, of digits; no Transfer-Encoding, no Host;</li>
 *   <li>the request was not HEAD.</li>
 * </ul>
 * So 1xx, 204 and 304 answers, chunked and close-delimited bodies, a head split across reads, and
 * anything malformed go to Jetty.
 *
 * <p>The fields are Jetty's too: a name Jetty knows gets its {@link HttpHeader}, and Jetty's spelling
 * when a space follows the colon (where Jetty's lookup finds it), the spelling sent otherwise; a known
 * field whose value is one Jetty caches (Content-Type: text/plain, Connection: keep-alive) is Jetty's
 * cached instance. One difference: Jetty's lookup ignores case in values too, so it replaces a case
 * variant of a cached value (Content-Type: TEXT/PLAIN) by its own spelling; here it passes as sent.
 *
 * <p>Not thread-safe: one per connection, used by the thread parsing it.
 */
final class MemberResponseParser {

    private enum Mode { START, CONTENT, END, JETTY }

    /** Enough for most heads, copied in one go; a longer head is copied again, up to {@link #MAX_HEAD}. */
    private static final int FIRST_LOOK = 1024;
    static final int MAX_HEAD = 16 * 1024;
    private static final int MAX_FIELDS = 64;
    private static final int NOT_SIMPLE = -1;
    private static final int NEED_MORE = -2;
    /** Jetty's cached fields that carry a value, by their header's ordinal; none for most headers. */
    private static final CachedField[][] CACHED = cachedFields();
    private static final boolean[] TCHAR = tchars();

    private final HttpParser.ResponseHandler handler;
    private final HttpParser jetty;
    private boolean jettyUsed;
    private Mode mode = Mode.START;
    private boolean headResponse;
    private boolean eof;
    private long contentLength = -1;
    private long contentRead;

    // The head being parsed: a copy of its bytes, and where each part of it is.
    private byte[] head = new byte[FIRST_LOOK];
    private HttpVersion version;
    private int status;
    private int reasonFrom;
    private int reasonTo;
    private int fields;
    private final int[] nameFrom = new int[MAX_FIELDS];
    private final int[] colon = new int[MAX_FIELDS];
    private final int[] valueFrom = new int[MAX_FIELDS];
    private final int[] valueTo = new int[MAX_FIELDS];
    private final HttpHeader[] known = new HttpHeader[MAX_FIELDS];

    MemberResponseParser(HttpParser.ResponseHandler handler) {
        this.handler = handler;
        this.jetty = new HttpParser(handler, -1, HttpCompliance.RFC7230);
        // No header cache per connection, as on the clients' side (AffinityProxy): memory for each one.
        jetty.setHeaderCacheSize(0);
    }

    /** Ready for the next response, as {@link HttpParser#reset()}. */
    void reset() {
        mode = Mode.START;
        contentLength = -1;
        contentRead = 0;
        if (jettyUsed) {
            jetty.reset();
            jettyUsed = false;
        }
    }

    void setHeadResponse(boolean head) {
        headResponse = head;
        jetty.setHeadResponse(head);
    }

    void atEOF() {
        eof = true;
        jetty.atEOF();
    }

    long getContentLength() {
        return mode == Mode.JETTY ? jetty.getContentLength() : contentLength;
    }

    long getContentRead() {
        return mode == Mode.JETTY ? jetty.getContentRead() : contentRead;
    }

    /** Whether the response in progress went to Jetty's parser (for the tests of which shapes do). */
    boolean parsingWithJetty() {
        return mode == Mode.JETTY;
    }

    /** As {@link HttpParser#parseNext(ByteBuffer)}: true when a handler method returned true. */
    boolean parseNext(ByteBuffer buffer) {
        switch (mode) {
            case START:
                if (!buffer.hasRemaining() && !eof) {
                    return false;
                }
                int headLength = headResponse || eof ? NOT_SIMPLE : scan(buffer);
                if (headLength < 0) {
                    return toJetty(buffer);
                }
                emitHead();
                buffer.position(buffer.position() + headLength);
                mode = Mode.CONTENT;
                if (handler.headerComplete()) {
                    return true;
                }
                return content(buffer);
            case CONTENT:
                return content(buffer);
            case JETTY:
                return jetty.parseNext(buffer);
            default:
                return false; // END: the response is complete, the rest is the caller's to judge
        }
    }

    private boolean toJetty(ByteBuffer buffer) {
        mode = Mode.JETTY;
        jettyUsed = true;
        return jetty.parseNext(buffer);
    }

    /** The body, up to its length, as Jetty delivers it: a read-only view of each buffer's share. */
    private boolean content(ByteBuffer buffer) {
        while (contentRead < contentLength) {
            int remaining = buffer.remaining();
            if (remaining == 0) {
                if (eof) {
                    mode = Mode.END;
                    handler.earlyEOF();
                }
                return false;
            }
            int length = (int) Math.min(remaining, contentLength - contentRead);
            ByteBuffer chunk = buffer.asReadOnlyBuffer();
            chunk.limit(chunk.position() + length);
            contentRead += length;
            buffer.position(buffer.position() + length);
            if (handler.content(chunk)) {
                return true;
            }
        }
        mode = Mode.END;
        boolean handleContent = handler.contentComplete();
        boolean handleMessage = handler.messageComplete();
        return handleContent || handleMessage;
    }

    /**
     * Copies the head and checks it is of the common shape: its length, or NOT_SIMPLE. A head not
     * complete in the first bytes copied is looked at again in more of them, as far as the buffer and
     * {@link #MAX_HEAD} go.
     */
    private int scan(ByteBuffer buffer) {
        int available = buffer.remaining();
        int copied = Math.min(available, FIRST_LOOK);
        buffer.get(buffer.position(), head, 0, copied);
        int length = scanHead(copied);
        if (length == NEED_MORE && available > copied && copied < MAX_HEAD) {
            copied = Math.min(available, MAX_HEAD);
            if (head.length < copied) {
                head = new byte[MAX_HEAD];
            }
            buffer.get(buffer.position(), head, 0, copied);
            length = scanHead(copied);
        }
        return length < 0 ? NOT_SIMPLE : length;
    }

    /** The length of the head in {@code head[0, n)} if of the common shape, else NOT_SIMPLE or NEED_MORE. */
    private int scanHead(int n) {
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
        p = lineEnd(b, p, n);
        if (p < 0) {
            return p;
        }
        fields = 0;
        contentLength = -1;
        while (true) {
            if (p + 1 >= n) {
                return NEED_MORE;
            }
            if (b[p] == '\r') {
                if (b[p + 1] != '\n') {
                    return NOT_SIMPLE;
                }
                return contentLength < 0 ? NOT_SIMPLE : p + 2;
            }
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
            if (header == HttpHeader.TRANSFER_ENCODING || header == HttpHeader.HOST) {
                return NOT_SIMPLE;
            }
            if (header == HttpHeader.CONTENT_LENGTH) {
                if (contentLength >= 0) {
                    return NOT_SIMPLE;
                }
                contentLength = digits(b, vFrom, vTo);
                if (contentLength < 0) {
                    return NOT_SIMPLE;
                }
            }
            nameFrom[fields] = from;
            colon[fields] = at;
            valueFrom[fields] = vFrom;
            valueTo[fields] = vTo;
            known[fields] = header;
            fields++;
        }
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

    private void emitHead() {
        int length = reasonTo - reasonFrom;
        // Jetty's: null for none, and "OK" is too common to make anew each time.
        String reason = length == 0 ? null : length == 2 && head[reasonFrom] == 'O' && head[reasonFrom + 1] == 'K'
                ? "OK" : new String(head, reasonFrom, length, StandardCharsets.ISO_8859_1);
        handler.startResponse(version, status, reason);
        for (int i = 0; i < fields; i++) {
            handler.parsedHeader(field(i));
        }
    }

    private HttpField field(int i) {
        HttpHeader header = known[i];
        int from = valueFrom[i];
        int length = valueTo[i] - from;
        // Jetty's spelling where its lookup of "Name: " finds the field: a space after the colon.
        if (header != null && head[colon[i] + 1] == ' ') {
            for (CachedField cached : CACHED[header.ordinal()]) {
                if (cached.is(head, from, length)) {
                    return cached.field();
                }
            }
            return new HttpField(header, header.asString(), new String(head, from, length, StandardCharsets.ISO_8859_1));
        }
        String name = new String(head, nameFrom[i], colon[i] - nameFrom[i], StandardCharsets.ISO_8859_1);
        return new HttpField(header, name, new String(head, from, length, StandardCharsets.ISO_8859_1));
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

    /** RFC 9110's tchar: the bytes a field name is made of. */
    private static boolean[] tchars() {
        boolean[] tchar = new boolean[128];
        for (char c = '0'; c <= '9'; c++) {
            tchar[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            tchar[c] = true;
            tchar[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            tchar[c] = true;
        }
        return tchar;
    }
}
